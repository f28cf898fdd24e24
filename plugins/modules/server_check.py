#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) 2026, ShopPulse platform team
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
---
module: server_check
short_description: Check that a PostgreSQL server and the login serve the collection, before any change
version_added: 0.2.0
description:
  - Connects and fails, naming what is wrong, when the server runs a major version the collection
    does not serve (it serves PostgreSQL 15 to 18, the versions RDS offers), or when the login lacks
    a role attribute the work ahead needs (O(require)).
  - Run first, it keeps a run from stopping half-way. Without C(CREATEROLE), for example, migration 8
    would fail after the migrations before it were applied.
  - Returns the server's version and the login's attributes and memberships. It never changes anything.
author:
  - ShopPulse platform team (@shoppulse)
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - community.postgresql.postgres
  - shoppulse.analytics.connection
attributes:
  check_mode:
    support: full
    details: The module only reads, so it runs the same in check mode.
  diff_mode:
    support: none
  platform:
    platforms: posix
options:
  require:
    description:
      - The role attributes the login must have. A superuser has them all. C(create_role) is
        C(CREATEROLE), C(create_database) is C(CREATEDB); the RDS master user has both.
    type: list
    elements: str
    choices: [create_role, create_database]
    default: []
seealso:
  - module: shoppulse.analytics.schema_apply
  - module: community.postgresql.postgresql_info
'''

EXAMPLES = r'''
- name: Check the server and the master user before creating the database and applying migrations
  shoppulse.analytics.server_check:
    require: [create_role, create_database]
    login_host: shoppulse-dev.proxy-abc123.eu-west-1.rds.amazonaws.com
    login_user: shoppulse_admin
    login_password: "{{ master_password }}"
    login_db: postgres
    ssl_mode: verify-full
    ca_cert: /etc/ssl/shoppulse/rds-ca-bundle.pem
'''

RETURN = r'''
server_version:
  description: The server's version.
  returned: always
  type: str
  sample: '17.6'
server_major:
  description: The server's major version.
  returned: always
  type: int
  sample: 17
login:
  description: The login's name, attributes and direct memberships.
  returned: always
  type: dict
  sample:
    user: shoppulse_admin
    superuser: false
    create_role: true
    create_database: true
    member_of: [rds_superuser]
'''

from ansible.module_utils.basic import AnsibleModule
from ansible.module_utils.common.text.converters import to_native
from ansible_collections.shoppulse.analytics.plugins.module_utils.postgres.connection import argument_spec, connect
from ansible_collections.shoppulse.analytics.plugins.module_utils.postgres.errors import EngineError
from ansible_collections.shoppulse.analytics.plugins.module_utils.postgres.logins import check_login


def main():
    module = AnsibleModule(
        argument_spec=argument_spec(require=dict(type='list', elements='str', default=[],
                                                 choices=['create_role', 'create_database'])),
        supports_check_mode=True,
    )
    conn = connect(module)
    try:
        facts = check_login(conn, module.params['require'])
    except EngineError as exc:
        module.fail_json(msg=to_native(exc))
    except Exception as exc:  # pylint: disable=broad-except
        module.fail_json(msg='reading the login failed: %s' % to_native(exc))
    finally:
        conn.close()
    module.exit_json(changed=False, server_version=facts.pop('server_version'),
                     server_major=facts.pop('server_major'), login=facts)


if __name__ == '__main__':
    main()
