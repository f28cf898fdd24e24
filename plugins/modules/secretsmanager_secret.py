#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) 2026, ShopPulse platform team
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
---
module: secretsmanager_secret
short_description: A Secrets Manager secret - its value, description, KMS key, tags and rotation
version_added: 0.2.0
description:
  - Creates, updates, restores or deletes a secret in AWS Secrets Manager holding a string (the collection's
    credentials documents are JSON strings).
  - The collection's roles use it instead of community.aws's module of the same name, which prints a deprecation
    warning on every call from ansible-core 2.20 on; it takes the same options for what it does, and does no
    replication, resource policies or binary secrets. The collection does not depend on community.aws.
  - An option left out (O(description), O(kms_key_id), O(secret), O(tags)) is left as it is on an existing secret.
  - The value is compared with the secret's current version; a new value becomes a new current version.
author:
  - ShopPulse platform team (@shoppulse)
options:
  name:
    description: The secret's name.
    type: str
    required: true
  state:
    description: Whether the secret should exist. A secret scheduled for deletion is restored by V(present).
    type: str
    choices: [present, absent]
    default: present
  secret:
    description:
      - The secret's string. Give a JSON document as one string (for example with P(ansible.builtin.to_json#filter)) -
        Ansible hides a no_log option's value wherever it appears in the result, and a document's values may be in
        the secret's ARN.
    type: str
  description:
    description: The secret's description.
    type: str
  kms_key_id:
    description:
      - The ARN of the KMS key that encrypts the secret; Secrets Manager's own key, C(aws/secretsmanager), when
        left out on a new secret. Compared with the key ARN Secrets Manager reports.
    type: str
  tags:
    description: The secret's tags.
    type: dict
    aliases: [resource_tags]
  purge_tags:
    description: Remove the tags not in O(tags) (when O(tags) is given).
    type: bool
    default: true
  rotation_lambda:
    description: The ARN of a Lambda function that rotates the secret; rotation is turned off without it.
    type: str
  rotation_interval:
    description: Days between rotations, with O(rotation_lambda).
    type: int
    default: 30
  recovery_window:
    description:
      - Days Secrets Manager keeps a deleted secret before it is gone, with O(state=absent); V(0) deletes it at
        once, without recovery (also a secret already scheduled for deletion).
    type: int
    default: 30
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
    details: The description, KMS key, rotation and tags before and after, and whether the value changes; never a value.
  platform:
    platforms: posix
notes:
  - The permissions it uses are C(secretsmanager:DescribeSecret) and C(secretsmanager:GetSecretValue) on every run;
    C(CreateSecret), C(UpdateSecret), C(TagResource), C(UntagResource), C(RotateSecret), C(CancelRotateSecret),
    C(RestoreSecret) and C(DeleteSecret) only for what it changes.
seealso:
  - plugin: amazon.aws.secretsmanager_secret
    plugin_type: lookup
'''

EXAMPLES = r'''
- name: The credentials of a login role, as one JSON string
  shoppulse.analytics.secretsmanager_secret:
    name: shoppulse-analytics/db-app
    description: Credentials of the shoppulse_app role
    secret: "{{ {'username': 'shoppulse_app', 'password': app_password} | to_json }}"
    tags:
      Project: shoppulse-analytics
    recovery_window: 0
  no_log: true
  register: app_secret

- name: Deleted at once, with no recovery window
  shoppulse.analytics.secretsmanager_secret:
    name: shoppulse-analytics/db-app
    state: absent
    recovery_window: 0
'''

RETURN = r'''
secret:
  description: The secret's metadata, never its value (in check mode, a new secret's name and an empty ARN; C({}) once deleted).
  returned: always
  type: dict
  contains:
    arn:
      description: The secret's ARN.
      type: str
    name:
      description: The secret's name.
      type: str
    description:
      description: Its description.
      type: str
    kms_key_id:
      description: The KMS key that encrypts it; null for Secrets Manager's own.
      type: str
    rotation_enabled:
      description: Whether a Lambda rotates it.
      type: bool
    rotation_lambda_arn:
      description: That Lambda.
      type: str
    rotation_rules:
      description: C(automatically_after_days), when rotated.
      type: dict
    tags_dict:
      description: Its tags.
      type: dict
    deleted_date:
      description: When it was scheduled for deletion; null for a secret in use.
      type: str
  sample:
    arn: arn:aws:secretsmanager:eu-west-1:123456789012:secret:shoppulse-analytics/db-app-AbCdEf
    name: shoppulse-analytics/db-app
    description: Credentials of the shoppulse_app role
    kms_key_id: null
    rotation_enabled: false
    rotation_lambda_arn: null
    rotation_rules: {}
    tags_dict: {Project: shoppulse-analytics}
    deleted_date: null
'''

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry
from ansible_collections.shoppulse.analytics.plugins.module_utils.aws import secrets

try:
    import botocore
except ImportError:
    pass  # AnsibleAWSModule says so

DIFF_KEYS = ('description', 'kms_key_id', 'rotation_enabled', 'rotation_lambda_arn', 'rotation_rules', 'tags_dict')


def main():
    module = AnsibleAWSModule(
        argument_spec=dict(
            name=dict(type='str', required=True),
            state=dict(type='str', choices=['present', 'absent'], default='present'),
            secret=dict(type='str', no_log=True),
            description=dict(type='str'),
            kms_key_id=dict(type='str', no_log=False),
            tags=dict(type='dict', aliases=['resource_tags']),
            purge_tags=dict(type='bool', default=True),
            rotation_lambda=dict(type='str'),
            rotation_interval=dict(type='int', default=30),
            recovery_window=dict(type='int', default=30),
        ),
        supports_check_mode=True,
    )
    wanted = module.params
    client = module.client('secretsmanager', retry_decorator=AWSRetry.jittered_backoff())
    try:
        before = secrets.describe(client, wanted['name'])
        value = secrets.current_value(client, wanted['name']) if before and wanted['state'] == 'present' \
            and wanted['secret'] is not None and not before.get('DeletedDate') else None
        calls = secrets.plan(wanted, before, value)
        if calls and not module.check_mode:
            secrets.apply(client, calls)
        after = secrets.describe(client, wanted['name']) if calls and not module.check_mode else None
    except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as exc:
        module.fail_json_aws(exc, msg='Secrets Manager secret %s could not be brought to state %s' % (wanted['name'], wanted['state']))
    if module.check_mode or not calls:
        after = secrets.predicted(wanted, before) if calls else before
    result = secrets.summary(after) if wanted['state'] == 'present' else {}
    diff = dict(before=dict((k, v) for k, v in secrets.summary(before).items() if k in DIFF_KEYS),
                after=dict((k, v) for k, v in result.items() if k in DIFF_KEYS),
                after_header='%s (changes: %s)' % (wanted['name'], ', '.join(secrets.changed_fields(calls)) or 'none'))
    module.exit_json(changed=bool(calls), secret=result, diff=diff)


if __name__ == '__main__':
    main()
