# Copyright (c) 2026, ShopPulse platform team
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Comparison of a manifest with an inventory, and the figures the seed fixes, read from the manifest."""

import copy
import csv
import os

import pytest
import yaml

from ansible_collections.shoppulse.analytics.plugins.module_utils.schema.inventory import summarize
from ansible_collections.shoppulse.analytics.plugins.module_utils.schema.drift import (
    compare,
    describe,
    manifest_from_inventory,
    report_lines,
    report_table,
    validate_manifest,
)
from support import ROOT

SEED_TABLES = {'tenants', 'users', 'orders', 'fulfillment', 'marketing_campaigns', 'role_metric_visibility',
               'governance_rules', 'audit_logs'}
ROLES = {'Finance', 'Operations', 'Marketing', 'Admin'}


@pytest.fixture(scope='module')
def manifest():
    with open(os.path.join(ROOT, 'files', 'manifest.yml')) as handle:
        return yaml.safe_load(handle)


def test_identical_inventories_have_no_difference(manifest):
    validate_manifest(manifest)
    assert compare(manifest, copy.deepcopy(manifest)) == []


def test_every_kind_of_drift_is_named(manifest):
    live = copy.deepcopy(manifest)
    del live['tables']['orders']['indexes']['orders_tenant_ordered_at_idx']
    del live['tables']['users']['triggers']['users_set_updated_at']
    live['tables']['orders']['columns']['note'] = {'type': 'text', 'nullable': True}
    live['tables']['tenants']['columns']['name']['nullable'] = True
    live['tables']['audit_logs']['row_security'] = False
    live['tables']['orders']['owner'] = 'shoppulse_admin'
    live['tables']['audit_logs']['privileges']['shoppulse_app'] = 'DELETE,INSERT,SELECT,UPDATE'
    live['roles']['shoppulse_app']['bypass_row_security'] = True
    live['roles']['intruder'] = {'login': True}
    live['tables']['extra'] = {'columns': {}}
    del live['tables']['governance_rules']
    del live['functions']['update_updated_at_column()']
    live['tables']['orders']['indexes']['orders_tenant_status_ordered_at_idx']['valid'] = False
    live['tables']['orders']['indexes']['orders_half_built_idx'] = dict(
        live['tables']['orders']['indexes']['orders_tenant_status_ordered_at_idx'], definition='CREATE INDEX ...')
    report = describe(compare(manifest, live))
    assert 'different index orders.orders_tenant_status_ordered_at_idx' not in report
    assert 'unexpected index orders.orders_half_built_idx' not in report
    for expected in ('missing index orders.orders_tenant_ordered_at_idx',
                     'missing trigger users.users_set_updated_at',
                     'unexpected column orders.note',
                     'different column tenants.name (nullable)',
                     'different table setting audit_logs.row_security',
                     'different table setting orders.owner',
                     'different table setting audit_logs.privileges',
                     'different role shoppulse_app (bypass_row_security)',
                     'unexpected role intruder',
                     'unexpected table extra',
                     'missing table governance_rules',
                     'missing function update_updated_at_column()',
                     'invalid index orders.orders_tenant_status_ordered_at_idx',
                     'invalid index orders.orders_half_built_idx'):
        assert expected in report
    assert 'governance_rules.' not in report  # a missing table is one difference, not one per part


def test_describe_limits_long_lists():
    differences = [dict(problem='missing', kind='index', name='t.i%d' % n) for n in range(5)]
    assert describe(differences, limit=2) == 'missing index t.i0; missing index t.i1; and 3 more'


@pytest.mark.parametrize('document, message', [
    ([], 'must be a mapping'),
    ({'format': 3, 'tables': {'t': {'columns': {}}}}, 'unsupported manifest format'),
    ({'format': 1, 'tables': {}}, 'lists no tables'),
    ({'format': 1, 'tables': {'t': {}}}, 'manifest table t has no columns'),
])
def test_malformed_manifests_are_refused(document, message):
    with pytest.raises(ValueError, match=message):
        validate_manifest(document)


def test_the_manifest_meets_the_seed_figures(manifest):
    tables = manifest['tables']
    assert SEED_TABLES <= set(tables)
    tenant_specific = SEED_TABLES - {'tenants'}
    assert all('tenant_id' in tables[t]['columns'] for t in tenant_specific) and len(tenant_specific) == 7
    counts = summarize(dict(tables=dict((t, tables[t]) for t in SEED_TABLES), functions=manifest['functions']))
    assert counts['tenant_id_indexes'] >= 13
    assert counts['updated_at_triggers'] == 7
    with_updated_at = set(t for t in SEED_TABLES if 'updated_at' in tables[t]['columns'])
    assert with_updated_at == SEED_TABLES - {'audit_logs'}
    for table in with_updated_at:
        assert any(trigger['function'] == 'update_updated_at_column' and trigger['timing'] == 'BEFORE'
                   and trigger['events'] == ['UPDATE'] for trigger in tables[table]['triggers'].values()), table
    assert 'update_updated_at_column()' in manifest['functions']


def test_frequent_queries_have_indexes(manifest):
    def leading(table):
        return [tuple(i['columns'][:2]) for i in manifest['tables'][table]['indexes'].values()]
    assert ('tenant_id', 'ordered_at') in leading('orders')
    assert ('tenant_id', 'order_id') in leading('fulfillment')
    assert ('tenant_id', 'occurred_at') in leading('audit_logs')


def test_foreign_keys_between_tenant_tables_include_tenant_id(manifest):
    foreign_keys = [(table, c['definition']) for table, body in manifest['tables'].items()
                    for c in body['constraints'].values() if c['type'] == 'foreign key']
    assert len(foreign_keys) >= 7
    for table, definition in foreign_keys:
        assert definition.startswith('FOREIGN KEY (tenant_id'), (table, definition)


def test_users_have_a_unique_cognito_subject_and_a_checked_role(manifest):
    constraints = manifest['tables']['users']['constraints']
    assert constraints['users_cognito_sub_key']['definition'] == 'UNIQUE (cognito_sub)'
    assert all(role in constraints['users_role_check']['definition'] for role in ROLES)


def test_audit_logs_are_append_only(manifest):
    trigger = manifest['tables']['audit_logs']['triggers']['audit_logs_append_only']
    assert trigger['events'] == ['DELETE', 'UPDATE', 'TRUNCATE'] and trigger['timing'] == 'BEFORE'


def test_seed_files_hold_three_tenants_and_every_role_for_each():
    with open(os.path.join(ROOT, 'files', 'seed', 'tenants.csv')) as handle:
        tenants = set(row['tenant_id'] for row in csv.DictReader(handle))
    with open(os.path.join(ROOT, 'files', 'seed', 'role_metric_visibility.csv')) as handle:
        rows = list(csv.DictReader(handle))
    assert len(tenants) == 3
    for tenant in tenants:
        assert set(r['role'] for r in rows if r['tenant_id'] == tenant) == ROLES
    assert set(r['tenant_id'] for r in rows) == tenants


def test_the_manifest_holds_tenant_isolation(manifest):
    """Migrations 8 to 11, as the manifest records them: what schema_verify holds the database to."""
    tenant_tables = [name for name, table in manifest['tables'].items() if 'tenant_id' in table['columns']]
    assert len(tenant_tables) == 8
    for name in tenant_tables:
        table = manifest['tables'][name]
        assert table['row_security'] and table['force_row_security'], name
        assert sorted(table['policies']) == ['maintenance_access', 'tenant_isolation'], name
        policy = table['policies']['tenant_isolation']
        # a bare tenant condition, for everybody: nothing joined to it with OR that would keep the
        # tenant_id indexes from serving it (migration 10)
        assert policy['using'] == policy['with_check'] == (
            "(tenant_id = (NULLIF(current_setting('app.tenant_id'::text, true), ''::text))::uuid)"), name
        assert policy['command'] == 'ALL' and policy['permissive'] and policy['roles'] == ['public'], name
        # every row, for the maintenance identities only
        policy = table['policies']['maintenance_access']
        assert policy['roles'] == ['shoppulse_migrator'] and policy['using'] == policy['with_check'] == 'true', name
        assert table['owner'] == 'shoppulse_owner', name
        assert table['privileges']['shoppulse_readonly'] == 'SELECT', name
        # the application reads every table whole and writes by column only (migration 11): no table-wide
        # UPDATE, DELETE or TRUNCATE, which would let it LOCK a table against every tenant
        assert table['privileges']['shoppulse_app'] == 'SELECT', name
        written = table.get('column_privileges', {})
        assert not any(c in written for c in ('created_at', 'updated_at', 'audit_log_id', 'occurred_at')), name
    tenants = manifest['tables']['tenants']
    assert sorted(tenants['column_privileges']) == ['default_currency', 'name', 'settings', 'timezone']
    assert all(g == {'shoppulse_app': 'INSERT'} for g in manifest['tables']['audit_logs']['column_privileges'].values())
    # the functions the tables fire resolve names in pg_catalog only
    for function in ('update_updated_at_column()', 'audit_logs_refuse_change()'):
        assert manifest['functions'][function]['settings'] == ['search_path=pg_catalog, pg_temp'], function
    assert 'shoppulse_app' not in manifest['tables']['schema_migrations']['privileges']
    for name, role in manifest['roles'].items():
        assert not (role['superuser'] or role['bypass_row_security'] or role['create_role']
                    or role['create_database']), name
    assert manifest['roles']['shoppulse_owner']['login'] is False


def test_the_report_table_aligns_one_row_per_difference_with_short_values():
    differences = [
        dict(kind='index', name='orders.orders_tenant_ordered_at_idx', problem='missing',
             expected={'definition': 'CREATE INDEX orders_tenant_ordered_at_idx ON public.orders USING btree '
                                     '(tenant_id, ordered_at DESC)', 'unique': False}, actual=None),
        dict(kind='column', name='orders.note', problem='unexpected', expected=None,
             actual={'type': 'text', 'nullable': True}),
        dict(kind='column', name='tenants.name', problem='different',
             expected={'type': 'text', 'nullable': False}, actual={'type': 'character varying(20)', 'nullable': True,
                                                                   'default': "'x'::character varying"}),
        dict(kind='table setting', name='orders.force_row_security', problem='different', expected=True, actual=False),
    ]
    table = report_table(differences, width=40)
    assert table[0].split() == ['PROBLEM', 'KIND', 'OBJECT', 'EXPECTED', 'ACTUAL']
    assert set(table[1].replace(' ', '')) == {'-'}
    assert table[-1] == '4 difference(s)'
    rows = table[2:-1]
    assert len(rows) == 4
    # every column starts at the same place in every row
    start = table[0].index('OBJECT')
    assert all(row[start:].startswith(name) for row, name in zip(rows, [d['name'] for d in differences]))
    assert 'CREATE INDEX orders_tenant_ordered_at...' in rows[0] and rows[0].endswith('-')
    assert rows[1].split()[-1] == 'text' and 'not null' not in rows[1]
    assert "text not null " in rows[2] and rows[2].endswith("character varying(20) default 'x'::ch...")
    assert rows[3].split()[-2:] == ['true', 'false']
    assert report_table([]) == ['no differences']


def _role(**attributes):
    role = dict(login=True, superuser=False, bypass_row_security=False, create_role=False, create_database=False,
                member_of=[])
    role.update(attributes)
    return role


def test_administrators_are_not_schema_roles_unless_the_manifest_names_them():
    manifest = {'tables': {}, 'roles': {'shoppulse_app': _role()}}
    master = _role(create_role=True, create_database=True, member_of=['rds_superuser', 'shoppulse_app'])
    live = {'tables': {}, 'roles': {'shoppulse_app': _role(), 'shoppulse_admin': master}}
    assert compare(manifest, live) == []
    assert manifest_from_inventory(live)['roles'] == {'shoppulse_app': _role()}
    # a schema role made an administrator is still compared, and differs
    live['roles']['shoppulse_app'] = _role(create_role=True)
    assert report_lines(compare(manifest, live)) == ['different role shoppulse_app (create_role)']
    # anybody else is a difference
    live['roles'] = {'shoppulse_app': _role(), 'intruder': _role(login=False)}
    assert report_lines(compare(manifest, live)) == ['unexpected role intruder']
