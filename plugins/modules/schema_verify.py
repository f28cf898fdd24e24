#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) 2026, ShopPulse platform team
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
---
module: schema_verify
short_description: Compare the live inventory of a PostgreSQL schema with a manifest
version_added: 0.1.0
description:
  - Reads the live catalog of a schema in a single query, whatever its size, tables with their
    columns (collations too), indexes (with definitions and validity), constraints (with foreign keys), triggers
    (timing, events, level, function), row-level security flags and policies, owner, privileges (with grant
    options), storage parameters, persistence and replica identity; views and materialized views with their
    owners and privileges; functions, procedures and aggregates with every attribute (volatility, strictness,
    security, leakproofness, parallel safety, cost and rows, configuration settings such as C(search_path),
    arguments with their names and defaults, result, language, body), owner and EXECUTE privileges; sequences
    and identities (every option, the owning column, owner and privileges); schemas, types, domains and enums;
    rules; statistics objects; and, for the whole database, extensions (schema and version), event triggers,
    publications, default privileges, the database's privileges and settings, and the roles that own or use the
    tables (login, superuser, row-level security bypass, role and database creation, replication, settings,
    memberships).
  - Privileges are read as PostgreSQL applies them, the defaults of an object without an ACL included (EXECUTE
    for PUBLIC on a function, CONNECT and TEMPORARY on the database), so a REVOKE from PUBLIC is drift too.
  - Compares it with a manifest of the expected inventory and fails listing every missing,
    unexpected and different object by name.
  - With O(fail_on_drift=false) it only reports, for a scheduled drift check or to read the
    inventory. Unless O(remediate) is set, the module never changes anything.
  - With O(remediate=true) it repairs the drift it can, from the manifest (check mode shows the SQL first); see
    O(remediate).
  - The collection's own manifest, C(files/manifest.yml), is generated from a database built by the
    migrations, so it is the single source of truth for what the schema holds.
  - One manifest verifies on PostgreSQL 15 to 18. NOT NULL constraints, which 18 also lists as
    constraints, are compared as the columns' C(nullable). Manifests of format 1 (written before the catalog
    beyond tables, views and functions was read) still compare as they did; C(make manifest) writes format 2.
    Administrators (roles with C(CREATEROLE),
    such as the RDS master user, which from 16 on is a member of every role it creates) are not
    compared unless the manifest names them, so the report does not depend on which login ran the
    migrations; a schema role given C(CREATEROLE) is still a difference.
author:
  - ShopPulse platform team (@shoppulse)
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - community.postgresql.postgres
  - shoppulse.analytics.connection
attributes:
  check_mode:
    support: full
    details: Without O(remediate) the module only reads; with it, check mode returns the SQL of the repairs
      (RV(remediation)) and changes nothing.
  diff_mode:
    support: full
    details: With O(remediate), the drift before and the SQL that repairs it.
  platform:
    platforms: posix
options:
  manifest:
    description:
      - The expected inventory, as a mapping (for example read on the controller with
        C(lookup('ansible.builtin.file', 'manifest.yml') | from_yaml)).
      - Mutually exclusive with O(manifest_path).
    type: dict
  manifest_path:
    description:
      - Path of a manifest file (YAML or JSON) on the managed node. YAML needs PyYAML there.
      - Mutually exclusive with O(manifest).
    type: path
  schema:
    description:
      - Schema to inspect. Defaults to the manifest's C(schema), else C(public).
    type: str
  fail_on_drift:
    description:
      - Fail when the live inventory differs from the manifest.
      - When false, the differences are only returned (and O(manifest) may be omitted to read the inventory alone).
    type: bool
    default: true
  report_format:
    description:
      - How RV(report) (and the failure message) shows the differences.
      - C(lines), one sentence per difference (C(missing index orders.orders_tenant_ordered_at_idx)).
      - C(table), an aligned table with the expected and actual values, for people reading a job's output
        (AWX, C(ansible-playbook)); the same data is in RV(differences) for machines either way.
    type: str
    choices: [lines, table]
    default: lines
  remediate:
    description:
      - Repair the drift from the manifest, then compare again (RV(differences) and RV(in_sync) are what is left).
      - Restores what the manifest defines and the database lost or changed - indexes (built with
        C(CREATE INDEX CONCURRENTLY), so that the applications keep writing; a changed or INVALID one is dropped
        concurrently and built again), triggers and whether they are enabled, policies, the row-level security
        flags, a table's owner and grants (missing privileges granted, privileges beyond the manifest's revoked, grant
        options too), storage parameters and replica identity, comments (when the manifest has C(comments)); a
        function's attributes, configuration settings, owner and EXECUTE privileges (reset from the manifest's
        definition); the owner and privileges of views, sequences, schemas and types; a sequence's options; the
        database's privileges and settings; default privileges; and it drops an unexpected event trigger (it runs on
        every DDL statement of the database; dropping it needs a superuser, C(rds_superuser) on RDS).
      - Never drops a table or a column, never changes or deletes data, and never drops what the manifest does not
        define but event triggers (an unexpected index, trigger, policy, rule, function, extension or publication is
        named in RV(not_repaired) for a person to decide). Columns, constraints, a function's body, arguments or
        result, the structure of types, views' definitions, roles, missing objects and a table made C(UNLOGGED)
        (setting it back rewrites the table under an exclusive lock) are named there too, each with the reason.
      - The repairs other than index builds run in one transaction with O(lock_timeout), so a repair that waits for
        a busy table fails, naming it, and leaves nothing; the index builds follow one by one.
      - With O(fail_on_drift), the task fails when drift is left that it did not repair.
      - Needs a login that may change the tables (their owner or a member of it, such as the RDS master user).
    type: bool
    default: false
  lock_timeout:
    description:
      - PostgreSQL C(lock_timeout) of the repairs (O(remediate)), for example C(10s).
    type: str
    default: 10s
  statement_timeout:
    description:
      - PostgreSQL C(statement_timeout) of the repairs (O(remediate)), for example C(15min); an index build on a large
        table must fit in it.
    type: str
    default: 15min
seealso:
  - module: shoppulse.analytics.schema_apply
  - module: community.postgresql.postgresql_info
'''

EXAMPLES = r'''
- name: Verify the schema against the collection's manifest
  shoppulse.analytics.schema_verify:
    manifest: "{{ lookup('ansible.builtin.file', role_path ~ '/../../files/manifest.yml') | from_yaml }}"
    login_host: localhost
    login_user: shoppulse_admin
    login_password: "{{ vault_db_password }}"
    login_db: shoppulse
    ssl_mode: verify-full
    ca_cert: /etc/ssl/shoppulse/ca.crt

- name: Scheduled drift check that reports without failing
  shoppulse.analytics.schema_verify:
    manifest_path: /opt/shoppulse/manifest.yml
    fail_on_drift: false
    login_host: localhost
    login_user: shoppulse_readonly
    login_password: "{{ vault_readonly_password }}"
    login_db: shoppulse
  register: drift

- name: Drift report as a table, for the AWX job output
  shoppulse.analytics.schema_verify:
    manifest_path: /opt/shoppulse/manifest.yml
    report_format: table
    fail_on_drift: false
    login_host: localhost
    login_user: shoppulse_readonly
    login_password: "{{ vault_readonly_password }}"
    login_db: shoppulse
  register: drift_table

- name: Show it
  ansible.builtin.debug:
    var: drift_table.report

- name: Show what a repair of the drift would run (nothing changes)
  shoppulse.analytics.schema_verify:
    manifest_path: /opt/shoppulse/manifest.yml
    remediate: true
    login_host: localhost
    login_user: shoppulse_admin
    login_password: "{{ vault_db_password }}"
    login_db: shoppulse
  check_mode: true
  diff: true
  register: repair_plan

- name: Repair the drift, then verify again
  shoppulse.analytics.schema_verify:
    manifest_path: /opt/shoppulse/manifest.yml
    remediate: true
    login_host: localhost
    login_user: shoppulse_admin
    login_password: "{{ vault_db_password }}"
    login_db: shoppulse

- name: Read the inventory only
  shoppulse.analytics.schema_verify:
    fail_on_drift: false
    login_host: localhost
    login_user: shoppulse_admin
    login_password: "{{ vault_db_password }}"
    login_db: shoppulse
  register: live
'''

RETURN = r'''
in_sync:
  description: Whether the live inventory matches the manifest (false when no manifest was given).
  returned: always
  type: bool
  sample: true
differences:
  description: Every difference, sorted by name.
  returned: always
  type: list
  elements: dict
  contains:
    kind:
      description:
        - C(table), C(table setting), C(column), C(index), C(constraint), C(trigger), C(policy), C(view), C(function),
          C(comment), C(role), C(schema), C(sequence), C(type), C(extension), C(rule), C(event trigger),
          C(statistics), C(publication), C(default privileges) or C(database setting).
      type: str
      sample: index
    name:
      description: Name of the object, prefixed by its table for the parts of a table.
      type: str
      sample: orders.orders_tenant_ordered_at_idx
    problem:
      description:
        - C(missing) (in the manifest, not in the database), C(unexpected) (the other way) or C(different).
        - C(invalid) for an INVALID index (left by a failed or cancelled C(CREATE INDEX CONCURRENTLY); no query
          uses it and C(IF NOT EXISTS) skips it), whether the manifest expects it or not.
      type: str
      sample: missing
    expected:
      description: What the manifest says, when it says something.
      type: raw
      sample: {definition: "CREATE INDEX orders_tenant_ordered_at_idx ON public.orders USING btree (tenant_id, ordered_at DESC)"}
    actual:
      description: What the database holds, when it holds something.
      type: raw
      sample: null
    properties:
      description: For a C(different) object, the properties that differ (for privileges, the grantees).
      returned: when O(manifest) and the database hold different mappings for the object
      type: list
      elements: str
      sample: [volatility, settings]
  sample:
    - kind: trigger
      name: users.users_set_updated_at
      problem: missing
report:
  description:
    - The differences for people to read, in the form O(report_format) chooses.
    - C(lines), one sentence per difference; C(table), an aligned table with a header, one row per difference
      (problem, kind, object, expected and actual value) and a count, or C(no differences).
  returned: always
  type: list
  elements: str
  sample: ["missing index orders.orders_tenant_ordered_at_idx", "unexpected column orders.note"]
summary:
  description: Counts of the live inventory (tables, columns, indexes, constraints, triggers, tenant_id indexes, ...).
  returned: always
  type: dict
  sample: {tables: 10, indexes: 33, triggers: 8, tenant_id_indexes: 28, updated_at_triggers: 7}
expected_summary:
  description: The same counts computed from the manifest.
  returned: when a manifest is given
  type: dict
  sample: {tables: 10, indexes: 33, triggers: 8, tenant_id_indexes: 28, updated_at_triggers: 7}
remediation:
  description: The repairs O(remediate) ran (in check mode, would run), in order, each with the C(kind), C(name) and
    C(problem) of the difference it repairs and its C(sql) statements.
  returned: when O(remediate) is set
  type: list
  elements: dict
  sample:
    - kind: policy
      name: orders.tenant_isolation
      problem: missing
      sql: ["CREATE POLICY \"tenant_isolation\" ON \"public\".\"orders\" AS PERMISSIVE FOR ALL TO PUBLIC USING (...)"]
not_repaired:
  description: The differences O(remediate) leaves, with the keys of RV(differences) and C(reason).
  returned: when O(remediate) is set
  type: list
  elements: dict
  sample:
    - kind: column
      name: orders.note
      problem: unexpected
      reason: columns are not repaired (a table, a column or data is never dropped or changed); change it with a migration
inventory:
  description: The live inventory, in the shape of the manifest.
  returned: always
  type: dict
  sample: {schema: public, tables: {tenants: {row_security: false, columns: {}, indexes: {}}}, views: {}, functions: {}}
'''

from ansible.module_utils.basic import AnsibleModule
from ansible.module_utils.common.text.converters import to_native
from ansible_collections.shoppulse.analytics.plugins.module_utils.schema import remediation
from ansible_collections.shoppulse.analytics.plugins.module_utils.postgres.connection import argument_spec, connect
from ansible_collections.shoppulse.analytics.plugins.module_utils.postgres.errors import EngineError
from ansible_collections.shoppulse.analytics.plugins.module_utils.schema.settings import interval_seconds
from ansible_collections.shoppulse.analytics.plugins.module_utils.postgres.privileges import schema_search_path
from ansible_collections.shoppulse.analytics.plugins.module_utils.schema.inventory import read_inventory, summarize
from ansible_collections.shoppulse.analytics.plugins.module_utils.schema.drift import (
    compare,
    describe,
    read_manifest,
    report_lines,
    report_table,
    validate_manifest,
)


def load_manifest(module):
    """The manifest given (or read from manifest_path), checked; None when none is given and drift may pass."""
    params = module.params
    manifest = params['manifest']
    if params['manifest_path']:
        try:
            manifest = read_manifest(params['manifest_path'])
        except ValueError as exc:
            module.fail_json(msg=to_native(exc))
    if manifest is None and params['fail_on_drift']:
        module.fail_json(msg='give manifest or manifest_path, or set fail_on_drift=false to read the inventory only')
    if manifest is not None:
        try:
            validate_manifest(manifest)
        except ValueError as exc:
            module.fail_json(msg='invalid manifest%s: %s' % (
                ' ' + params['manifest_path'] if params['manifest_path'] else '', to_native(exc)))
    if params['remediate'] and manifest is None:
        module.fail_json(msg='remediate needs a manifest (manifest or manifest_path) to repair from')
    for name in ('lock_timeout', 'statement_timeout'):
        try:
            interval_seconds(params[name])
        except EngineError as exc:
            module.fail_json(msg='%s: %s' % (name, exc.message))
    return manifest


def read_and_repair(module, manifest, schema):
    """(live inventory, differences, repairs done or planned, differences left unrepaired)."""
    params = module.params
    conn = connect(module, search_path=schema_search_path(schema), owner_work='repair drift' if params['remediate'] else None)
    try:
        live = read_inventory(conn, schema)
        differences = compare(manifest, live) if manifest is not None else []
        steps, left = remediation.plan(manifest, differences, schema) if params['remediate'] and differences else ([], [])
        repaired = [step.as_dict() for step in steps]
        if steps and not module.check_mode:
            repaired = remediation.apply(conn, steps, schema, lock_timeout=params['lock_timeout'],
                                         statement_timeout=params['statement_timeout'])
            live = read_inventory(conn, schema)
    except EngineError as exc:
        module.fail_json(msg=exc.message, **exc.facts)
    except Exception as exc:  # pylint: disable=broad-except
        module.fail_json(msg='reading the inventory of schema %s failed: %s' % (schema, to_native(exc)))
    finally:
        conn.close()
    return live, differences, repaired, left


def main():
    module = AnsibleModule(
        argument_spec=argument_spec(
            manifest=dict(type='dict'),
            manifest_path=dict(type='path'),
            schema=dict(type='str'),
            fail_on_drift=dict(type='bool', default=True),
            report_format=dict(type='str', default='lines', choices=['lines', 'table']),
            remediate=dict(type='bool', default=False),
            lock_timeout=dict(type='str', default=remediation.DEFAULT_LOCK_TIMEOUT),
            statement_timeout=dict(type='str', default=remediation.DEFAULT_STATEMENT_TIMEOUT),
        ),
        mutually_exclusive=[('manifest', 'manifest_path')],
        supports_check_mode=True,
    )
    params = module.params
    manifest = load_manifest(module)
    schema = params['schema'] or (manifest or {}).get('schema') or 'public'
    remediate = params['remediate']
    live, differences, repaired, left = read_and_repair(module, manifest, schema)

    result = dict(changed=bool(repaired), inventory=live, summary=summarize(live), differences=[], report=[],
                  in_sync=False)
    if remediate:
        result.update(remediation=repaired, not_repaired=left)
        if repaired and module._diff:
            result['diff'] = dict(before='\n'.join(report_lines(differences)) + '\n',
                                  after=''.join('%s;\n' % sql for step in repaired for sql in step['sql']),
                                  before_header='drift', after_header='repairs')
    if manifest is not None:
        if not module.check_mode or not repaired:
            differences = compare(manifest, live)
        else:  # check mode: what a repair would leave
            differences = [dict((k, v) for k, v in d.items() if k != 'reason') for d in left]
        table = params['report_format'] == 'table'
        report = report_table(differences) if table else report_lines(differences)
        result.update(differences=differences, in_sync=not differences, expected_summary=summarize(manifest),
                      report=report)
        if differences and params['fail_on_drift']:
            result['msg'] = 'schema %s differs from the manifest in %d place(s)%s:%s' % (
                schema, len(differences), ' that remediate does not repair' if remediate else '',
                '\n' + '\n'.join(report) if table else ' ' + describe(differences))
            module.fail_json(**result)
    module.exit_json(**result)


if __name__ == '__main__':
    main()
