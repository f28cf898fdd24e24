#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) 2026, ShopPulse platform team
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
---
module: login_passwords
short_description: Give PostgreSQL login roles their passwords, idempotently, without a superuser
version_added: 0.2.0
description:
  - Sets the password of each login role named in O(passwords) that does not already log in with it.
  - Whether a role's password is the one wanted is found by logging in as the role, with that
    password, where the module connects (same host, port, TLS settings and O(login_db)). Nothing
    reads C(pg_authid), which only a superuser may read, so the module works as the RDS master user
    (CREATEROLE, a member of C(rds_superuser)) and reports C(changed=false) when every role already
    logs in. M(community.postgresql.postgresql_user) cannot compare a password without C(pg_authid),
    and reports a change on every run there.
  - A password is set as its SCRAM-SHA-256 verifier, made on the managed node by libpq as the
    C(\password) command of C(psql) makes it, so the password itself is in no statement and no server log.
  - After setting a password, the role must log in with it, or the task fails naming the role and
    the server's answer (for example a C(pg_hba.conf) that refuses it).
  - Every role is checked to exist and to be a C(LOGIN) role before any password is set.
author:
  - ShopPulse platform team (@shoppulse)
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - community.postgresql.postgres
  - shoppulse.analytics.connection
attributes:
  check_mode:
    support: full
    details: Tries the logins and reports the roles whose password would be set; sets none.
  diff_mode:
    support: none
    details: The values are passwords; the roles that would change are returned in RV(updated).
  platform:
    platforms: posix
options:
  passwords:
    description:
      - The password of each login role, by role name.
      - From 16 on, the login of the task needs the C(ADMIN) option on each role, which PostgreSQL
        gives the login that created it (the master user that ran the migrations).
    type: dict
    required: true
notes:
  - Each role's login attempt is a connection of its own; a server that limits the role's
    connections (C(CONNECTION LIMIT)) must leave room for one.
seealso:
  - module: community.postgresql.postgresql_user
  - module: shoppulse.analytics.server_check
'''

EXAMPLES = r'''
- name: Set the login roles' passwords, each read from its own secret
  shoppulse.analytics.login_passwords:
    passwords:
      shoppulse_app: "{{ app_password }}"
      shoppulse_readonly: "{{ readonly_password }}"
    login_host: shoppulse-dev.proxy-abc123.eu-west-1.rds.amazonaws.com
    login_user: shoppulse_admin
    login_password: "{{ master_password }}"
    login_db: shoppulse
    ssl_mode: verify-full
    ca_cert: /etc/ssl/shoppulse/rds-ca-bundle.pem
  no_log: true
'''

RETURN = r'''
updated:
  description: The roles whose password was set (in check mode, would be set), by name.
  returned: always
  type: list
  elements: str
  sample: [shoppulse_app]
roles:
  description: Every role of O(passwords), by name.
  returned: always
  type: list
  elements: str
  sample: [shoppulse_app, shoppulse_migrator, shoppulse_readonly]
'''

from ansible.module_utils.basic import AnsibleModule
from ansible.module_utils.common.text.converters import to_native
from ansible_collections.shoppulse.analytics.plugins.module_utils.postgres.connection import argument_spec, connect, try_login
from ansible_collections.shoppulse.analytics.plugins.module_utils.postgres.errors import EngineError
from ansible_collections.shoppulse.analytics.plugins.module_utils.postgres.logins import converge_passwords


def main():
    module = AnsibleModule(
        argument_spec=argument_spec(passwords=dict(type='dict', required=True, no_log=True)),
        supports_check_mode=True,
    )
    passwords = dict((str(role), to_native(password) if password is not None else '')
                     for role, password in module.params['passwords'].items())
    conn = connect(module)
    try:
        result = converge_passwords(conn, passwords, lambda role, password: try_login(module, role, password),
                                    check_mode=module.check_mode)
    except EngineError as exc:
        module.fail_json(msg=to_native(exc))
    except Exception as exc:  # pylint: disable=broad-except
        module.fail_json(msg='setting the login roles\' passwords failed: %s' % to_native(exc))
    finally:
        conn.close()
    module.exit_json(roles=sorted(passwords), **result)


if __name__ == '__main__':
    main()
