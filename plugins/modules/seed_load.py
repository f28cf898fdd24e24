#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) 2026, ShopPulse platform team
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
---
module: seed_load
short_description: Load CSV files or inline rows into a PostgreSQL table, idempotently, by a key
version_added: 0.1.0
description:
  - Merges rows into a table by a key. Rows whose key is new are inserted; rows whose key exists
    and whose values differ are updated; identical rows are not written at all, so loading the
    same data again reports C(changed=false) and writes no row.
  - A CSV file is streamed, unchanged, through client-side C(COPY FROM STDIN) into a temporary
    table, so PostgreSQL parses it exactly as C(psql)'s C(\copy) would (an unquoted empty field is
    NULL, a quoted one an empty string) and memory stays flat however large the file.
  - Unlike M(community.postgresql.postgresql_copy) with a server-side file, it works as a
    non-superuser; it needs C(TEMPORARY) on the database (granted to PUBLIC by default) and
    C(SELECT), C(INSERT) and C(UPDATE) on the table.
  - The whole load is one transaction. A bad row (malformed CSV, a value of the wrong type, an
    unknown foreign key, a failed check) fails the task with the file and line, and leaves the
    table exactly as it was.
  - Columns of the table that the data does not name keep their defaults on insert and their
    values on update.
author:
  - ShopPulse platform team (@shoppulse)
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - community.postgresql.postgres
  - shoppulse.analytics.connection
attributes:
  check_mode:
    support: full
    details: Does the whole load in a transaction that is rolled back, so the counts are exact.
  diff_mode:
    support: none
  platform:
    platforms: posix
options:
  table:
    description:
      - Table to load into.
    type: str
    required: true
  schema:
    description:
      - Schema of O(table).
    type: str
    default: public
  key:
    description:
      - Columns that identify a row. They must be in the data and never empty; two rows of the
        data with the same key fail the task.
    type: list
    elements: str
    required: true
  path:
    description:
      - CSV file on the managed node. Its first line names the columns.
      - Mutually exclusive with O(rows).
    type: path
  rows:
    description:
      - Rows given inline, each a mapping of column names to values. Lists and mappings are
        stored as JSON. All rows must name the same columns.
      - Mutually exclusive with O(path).
    type: list
    elements: dict
  delimiter:
    description:
      - Field delimiter of the CSV file.
    type: str
    default: ','
  encoding:
    description:
      - Encoding of the CSV file, as PostgreSQL names it (C(UTF8), C(LATIN1), ...).
    type: str
    default: UTF8
seealso:
  - module: shoppulse.analytics.schema_apply
  - module: community.postgresql.postgresql_copy
'''

EXAMPLES = r'''
- name: Load the tenants
  shoppulse.analytics.seed_load:
    table: tenants
    key: [tenant_id]
    path: "{{ role_path }}/../../files/seed/tenants.csv"
    login_host: localhost
    login_user: shoppulse_admin
    login_password: "{{ vault_db_password }}"
    login_db: shoppulse
    ssl_mode: verify-full
    ca_cert: /etc/ssl/shoppulse/ca.crt

- name: Make one metric visible to Finance for a tenant
  shoppulse.analytics.seed_load:
    table: role_metric_visibility
    key: [tenant_id, role, metric_key]
    rows:
      - tenant_id: 8a1f2c3e-0001-4b5a-9c1d-000000000001
        role: Finance
        metric_key: return_rate
        is_visible: true
    login_host: localhost
    login_user: shoppulse_admin
    login_password: "{{ vault_db_password }}"
    login_db: shoppulse
'''

RETURN = r'''
table:
  description: The table loaded, schema-qualified.
  returned: always
  type: str
  sample: public.tenants
inserted:
  description: Rows inserted (in check mode, that would be inserted).
  returned: always
  type: int
  sample: 3
updated:
  description: Existing rows whose values changed (in check mode, that would change).
  returned: always
  type: int
  sample: 0
unchanged:
  description: Rows of the data already in the table as they are.
  returned: always
  type: int
  sample: 0
total:
  description: Rows in the data.
  returned: always
  type: int
  sample: 3
'''

from ansible.module_utils.basic import AnsibleModule
from ansible.module_utils.common.text.converters import to_native
from ansible_collections.shoppulse.analytics.plugins.module_utils.postgres.connection import argument_spec, connect
from ansible_collections.shoppulse.analytics.plugins.module_utils.postgres.errors import EngineError
from ansible_collections.shoppulse.analytics.plugins.module_utils.postgres.privileges import schema_search_path
from ansible_collections.shoppulse.analytics.plugins.module_utils.schema.seeding import load


def main():
    module = AnsibleModule(
        argument_spec=argument_spec(
            table=dict(type='str', required=True),
            schema=dict(type='str', default='public'),
            key=dict(type='list', elements='str', required=True, no_log=False),
            path=dict(type='path'),
            rows=dict(type='list', elements='dict'),
            delimiter=dict(type='str', default=','),
            encoding=dict(type='str', default='UTF8'),
        ),
        mutually_exclusive=[('path', 'rows')],
        required_one_of=[('path', 'rows')],
        supports_check_mode=True,
    )
    params = module.params
    if len(params['delimiter']) != 1:
        module.fail_json(msg='delimiter must be a single character; got %r' % params['delimiter'])

    conn = connect(module, search_path=schema_search_path(params['schema']), owner_work='load seed data')
    try:
        result = load(conn, check_mode=module.check_mode, table=params['table'], schema=params['schema'],
                      key=params['key'], path=params['path'], rows=params['rows'],
                      delimiter=params['delimiter'], encoding=params['encoding'])
    except EngineError as exc:
        module.fail_json(msg=exc.message, **exc.facts)
    except Exception as exc:  # pylint: disable=broad-except
        module.fail_json(msg='loading %s into %s.%s failed: %s'
                         % (params['path'] or 'rows', params['schema'], params['table'], to_native(exc)))
    finally:
        conn.close()
    result['table'] = '%s.%s' % (params['schema'], params['table'])
    module.exit_json(**result)


if __name__ == '__main__':
    main()
