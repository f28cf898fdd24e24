#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) 2026, ShopPulse platform team
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
---
module: rds_master_secret
short_description: Let RDS manage, and rotate, the master password of an instance in Secrets Manager
version_added: 0.2.0
description:
  - Turns on (or off) the master password managed by RDS (C(ManageMasterUserPassword)) of an existing RDS
    instance. RDS then creates the secret C(rds!db-<id>) in Secrets Manager, a JSON document with
    C(username) and C(password), encrypted with O(kms_key_id) (else Secrets Manager's own key,
    C(aws/secretsmanager)), and rotates the password itself, every seven days by default. Nobody needs to
    know the password; RDS Proxy and the database play read the secret.
  - M(amazon.aws.rds_instance) has no option for it; use this module after it, once the instance is available.
  - The KMS key is checked to exist and be enabled before anything is changed.
  - An option left out is left as it is - without O(kms_key_id), the key of a secret RDS already manages is kept.
author:
  - ShopPulse platform team (@shoppulse)
options:
  db_instance_identifier:
    description: The RDS instance.
    type: str
    required: true
    aliases: [id]
  manage:
    description:
      - V(true) - RDS manages the master password in Secrets Manager.
      - V(false) - the master password is O(master_user_password) again, and RDS deletes the secret it managed.
    type: bool
    required: true
  kms_key_id:
    description:
      - The KMS key (id, ARN or alias) that encrypts the secret, when O(manage=true).
      - Left out - the key of a secret RDS already manages is kept; a new secret uses C(aws/secretsmanager).
    type: str
  master_user_password:
    description: The master password to set when O(manage=false) and RDS manages it now.
    type: str
  wait:
    description: Wait until the secret is active (or gone) and the instance available again.
    type: bool
    default: true
  wait_timeout:
    description: Seconds to wait.
    type: int
    default: 600
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
attributes:
  check_mode:
    support: full
  diff_mode:
    support: full
    details: Whether the password is managed and by which KMS key, before and after; never a password.
  platform:
    platforms: posix
notes:
  - The permissions it uses are C(rds:DescribeDBInstances), C(rds:ModifyDBInstance) and, with O(kms_key_id),
    C(kms:DescribeKey); RDS itself then needs C(secretsmanager:CreateSecret) and the key's C(kms:GenerateDataKey)
    and C(kms:Decrypt) on the caller's behalf.
seealso:
  - module: amazon.aws.rds_instance
  - name: Password management with Amazon RDS and Secrets Manager
    description: What RDS does with the secret, and its rotation.
    link: https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/rds-secrets-manager.html
'''

EXAMPLES = r'''
- name: Let RDS manage the master password, the secret encrypted with the database's key
  shoppulse.analytics.rds_master_secret:
    db_instance_identifier: shoppulse-analytics-db
    manage: true
    kms_key_id: alias/shoppulse-analytics
  register: master_secret

- name: The secret RDS Proxy authenticates the master user with
  ansible.builtin.debug:
    msg: "{{ master_secret.master_user_secret.secret_arn }}"
'''

RETURN = r'''
master_user_secret:
  description: The secret RDS manages (in check mode, as it would be; an empty ARN for one not created yet).
  returned: always
  type: dict
  contains:
    managed:
      description: Whether RDS manages the master password.
      type: bool
    secret_arn:
      description: The secret's ARN; null when not managed.
      type: str
    kms_key_id:
      description: The ARN of the KMS key that encrypts it.
      type: str
    secret_status:
      description: C(creating), C(active), C(rotating) or C(impaired).
      type: str
  sample:
    managed: true
    secret_arn: arn:aws:secretsmanager:eu-west-1:123456789012:secret:rds!db-0f4c8d9e-aaaa-bbbb-cccc-0123456789ab-AbCdEf
    kms_key_id: arn:aws:kms:eu-west-1:123456789012:key/0f4c8d9e-aaaa-bbbb-cccc-0123456789ab
    secret_status: active
'''

import time

from ansible.module_utils.common.text.converters import to_native
from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry
from ansible_collections.shoppulse.analytics.plugins.module_utils.aws import rds_master
from ansible_collections.shoppulse.analytics.plugins.module_utils.postgres.errors import EngineError

try:
    import botocore
except ImportError:
    pass  # AnsibleAWSModule says so


def settled(current, manage):
    if current.get('DBInstanceStatus') != 'available':
        return False
    secret = rds_master.state(current)
    return secret['secret_status'] == 'active' if manage else not secret['managed']


def main():
    module = AnsibleAWSModule(
        argument_spec=dict(
            db_instance_identifier=dict(type='str', required=True, aliases=['id']),
            manage=dict(type='bool', required=True),
            kms_key_id=dict(type='str', no_log=False),
            master_user_password=dict(type='str', no_log=True),
            wait=dict(type='bool', default=True),
            wait_timeout=dict(type='int', default=600),
        ),
        supports_check_mode=True,
    )
    params = module.params
    if params['kms_key_id'] and not params['manage']:
        module.fail_json(msg='kms_key_id is for a password RDS manages (manage=true)')
    retry = AWSRetry.jittered_backoff()
    rds = module.client('rds', retry_decorator=retry)
    try:
        instance = rds_master.describe(rds, params['db_instance_identifier'])
        key = rds_master.resolve_kms_key(module.client('kms', retry_decorator=retry), params['kms_key_id']) \
            if params['kms_key_id'] else None
        before = rds_master.state(instance)
        wanted = rds_master.change(instance, params['manage'], key, params['master_user_password'])
        after = before
        if wanted and module.check_mode:
            after = dict(before, managed=params['manage'], kms_key_id=(key or before['kms_key_id']) if params['manage'] else None,
                         secret_arn=before['secret_arn'] if params['manage'] else None, secret_status=None)
        elif wanted:
            instance = rds_master.apply(rds, instance, wanted)
            deadline = time.time() + params['wait_timeout']
            while True:
                instance = rds_master.describe(rds, params['db_instance_identifier'])
                if not params['wait'] or settled(instance, params['manage']):
                    break
                if time.time() > deadline:
                    module.fail_json(msg='RDS instance %s was modified but is not settled after %d s (status %s, secret %s)'
                                     % (params['db_instance_identifier'], params['wait_timeout'],
                                        instance.get('DBInstanceStatus'), rds_master.state(instance)['secret_status']))
                time.sleep(5)
            after = rds_master.state(instance)
    except EngineError as exc:
        module.fail_json(msg=to_native(exc))
    except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as exc:
        module.fail_json_aws(exc, msg='changing the master password management of %s failed' % params['db_instance_identifier'])
    diff = dict(before=dict((k, before[k]) for k in ('managed', 'kms_key_id')),
                after=dict((k, after[k]) for k in ('managed', 'kms_key_id')))
    module.exit_json(changed=bool(wanted), master_user_secret=after, diff=diff)


if __name__ == '__main__':
    main()
