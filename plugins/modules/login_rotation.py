#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) 2026, ShopPulse platform team
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
---
module: login_rotation
short_description: Rotate the passwords of PostgreSQL login roles and of their Secrets Manager secrets
version_added: 0.2.0
description:
  - For each login role of O(secrets), makes a new 32-character password and sets it in the database
    and in the role's secret, in an order in which a reader of the secret never gets a password the
    database refuses. The new password is stored first as a version of the secret with the stage
    C(AWSPENDING) only; the role's password is then set in the database (as a SCRAM verifier made on
    the managed node, so the password is in no statement) and the role must log in with it; then
    C(AWSCURRENT) moves to the new version (the old one becomes C(AWSPREVIOUS)), and the old password
    must be refused.
  - Between setting the password and moving C(AWSCURRENT) (one Secrets Manager call) a client holding the
    old password is refused; reading the secret again gives it the new one. Every login made with what
    the secret holds once it has changed succeeds.
  - A rotation that stopped half way leaves an C(AWSPENDING) version; the next run finishes it.
  - If the role cannot log in with its new password, its old password is set back and the pending
    version removed, and the task fails naming the role.
  - Everything is checked before anything is changed (the secrets exist, hold the credentials of the
    role they are given for and, with O(proxy_name), are secrets the proxy authenticates with; the roles
    exist and may log in).
  - Runs where both the database (usually through RDS Proxy) and the Secrets Manager API can be
    reached. Connects as the master user, which needs the C(ADMIN) option on each role from PostgreSQL 16
    on (the login that created the roles has it).
  - No password is returned or logged.
author:
  - ShopPulse platform team (@shoppulse)
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - community.postgresql.postgres
  - shoppulse.analytics.connection
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
attributes:
  check_mode:
    support: full
    details: Checks everything and returns the plan; changes nothing.
  diff_mode:
    support: none
    details: The values are passwords; the roles that would be rotated are in RV(plan).
  platform:
    platforms: posix
options:
  secrets:
    description:
      - The secret (name or ARN) of each login role to rotate, by role name. Each secret holds a JSON
        document with C(username) (the role) and C(password), as the P(shoppulse.analytics.secret#role)
        role stores them.
    type: dict
    required: true
  proxy_name:
    description:
      - The RDS Proxy the applications connect through. When set, a secret that is not one the proxy
        authenticates with is refused before anything is changed.
    type: str
  older_than_days:
    description:
      - Rotate only the roles whose current password was stored at least this many days ago; C(0)
        rotates every role at each run. A schedule that runs more often than this is then a no-op in between.
    type: int
    default: 0
notes:
  - The Secrets Manager permissions it uses are C(secretsmanager:DescribeSecret),
    C(secretsmanager:ListSecretVersionIds), C(secretsmanager:GetSecretValue),
    C(secretsmanager:PutSecretValue) and C(secretsmanager:UpdateSecretVersionStage); with O(proxy_name),
    also C(rds:DescribeDBProxies).
seealso:
  - module: shoppulse.analytics.login_passwords
  - name: Rotation by Secrets Manager
    description: The single user rotation strategy this module follows.
    link: https://docs.aws.amazon.com/secretsmanager/latest/userguide/rotating-secrets_strategies.html
'''

EXAMPLES = r'''
- name: Rotate the login roles' passwords older than 30 days
  shoppulse.analytics.login_rotation:
    secrets:
      shoppulse_app: shoppulse-analytics/db-app
      shoppulse_readonly: shoppulse-analytics/db-readonly
    proxy_name: shoppulse-analytics-proxy
    older_than_days: 30
    login_host: shoppulse-analytics-proxy.proxy-abc123.eu-west-1.rds.amazonaws.com
    login_user: shoppulse_admin
    login_password: "{{ master_password }}"
    login_db: shoppulse
    ssl_mode: verify-full
    ca_cert: /etc/ssl/shoppulse/rds-ca-bundle.pem
    region: eu-west-1
  no_log: true
'''

RETURN = r'''
rotated:
  description: The roles whose password was rotated (in check mode, would be), by name.
  returned: always
  type: list
  elements: str
  sample: [shoppulse_app]
plan:
  description: What was (in check mode, would be) done for each role, and why.
  returned: always
  type: list
  elements: dict
  contains:
    role:
      description: The login role.
      type: str
    secret:
      description: Its secret, as given.
      type: str
    action:
      description: C(rotate), C(finish) (an interrupted rotation) or C(skip) (see O(older_than_days)).
      type: str
    reason:
      description: Why.
      type: str
  sample:
    - role: shoppulse_app
      secret: shoppulse-analytics/db-app
      action: rotate
      reason: the password is 31.0 days old
'''

from ansible.module_utils.common.text.converters import to_native
from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry
from ansible_collections.shoppulse.analytics.plugins.module_utils.postgres.connection import argument_spec, connect, try_login
from ansible_collections.shoppulse.analytics.plugins.module_utils.postgres.errors import EngineError
from ansible_collections.shoppulse.analytics.plugins.module_utils.aws import rotation

try:
    import botocore
except ImportError:
    pass  # AnsibleAWSModule says so


def main():
    module = AnsibleAWSModule(
        argument_spec=argument_spec(
            secrets=dict(type='dict', required=True, no_log=False),  # secret names and ARNs, not secrets
            proxy_name=dict(type='str'),
            older_than_days=dict(type='int', default=0),
        ),
        supports_check_mode=True,
    )
    if module.params['older_than_days'] < 0:
        module.fail_json(msg='older_than_days must be 0 or more, not %d' % module.params['older_than_days'])
    role_secrets = dict((str(role), str(secret)) for role, secret in module.params['secrets'].items())
    if not role_secrets or not all(role_secrets.values()):
        module.fail_json(msg='secrets must name a secret for each role to rotate')
    retry = AWSRetry.jittered_backoff()
    store = rotation.SecretStore(module.client('secretsmanager', retry_decorator=retry))
    conn = connect(module)
    try:
        allowed = None
        if module.params['proxy_name']:
            allowed = rotation.proxy_secret_arns(module.client('rds', retry_decorator=retry), module.params['proxy_name'])
            if not allowed:
                module.fail_json(msg='RDS Proxy %s does not exist or authenticates with no secret; nothing was changed'
                                 % module.params['proxy_name'])
        steps = rotation.plan(conn, store, role_secrets, older_than_days=module.params['older_than_days'],
                              allowed_arns=allowed)
        planned = [step['role'] for step in steps if step['action'] != 'skip']
        rotated = planned if module.check_mode else rotation.rotate(
            conn, store, steps, lambda role, password: try_login(module, role, password))
    except EngineError as exc:
        module.fail_json(msg=to_native(exc))
    except botocore.exceptions.ClientError as exc:
        module.fail_json_aws(exc, msg='rotating the login roles\' passwords failed at Secrets Manager or RDS')
    finally:
        conn.close()
    module.exit_json(changed=bool(rotated), rotated=rotated,
                     plan=[dict((key, step[key]) for key in ('role', 'secret', 'action', 'reason')) for step in steps])


if __name__ == '__main__':
    main()
