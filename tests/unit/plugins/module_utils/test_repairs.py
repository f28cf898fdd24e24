# Copyright (c) 2026, ShopPulse platform team
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The SQL of the repairs of objects beyond tables (schema/objects.py, schema/grants.py), without a server; the
repairs themselves run on real servers in tests/integration/test_remediation_objects.py."""

import pytest

from ansible_collections.shoppulse.analytics.plugins.module_utils.schema import drift, grants, objects, remediation


def _diff(kind, name, problem, expected=None, actual=None):
    return drift._difference(kind, name, problem, expected=expected, actual=actual)  # pylint: disable=protected-access


@pytest.mark.parametrize('setting, sql', [
    ('search_path=pg_catalog, pg_temp', "search_path TO 'pg_catalog', 'pg_temp'"),
    ('search_path="my schema", public', "search_path TO 'my schema', 'public'"),
    ('search_path="a""b"', "search_path TO 'a\"b'"),
    ("work_mem=1GB", "work_mem TO '1GB'"),
    ("application_name=it's", "application_name TO 'it''s'"),
])
def test_settings_are_written_as_pg_dump_writes_them(setting, sql):
    assert objects.setting_sql(setting) == sql


@pytest.mark.parametrize('expected, actual, sql', [
    ({'app': 'SELECT'}, {'app': 'SELECT*'}, ['REVOKE GRANT OPTION FOR SELECT ON t FROM "app"']),
    ({'app': 'SELECT*'}, {'app': 'SELECT'}, ['GRANT SELECT ON t TO "app" WITH GRANT OPTION']),
    ({}, {'PUBLIC': 'EXECUTE'}, ['REVOKE EXECUTE ON t FROM PUBLIC']),
    ({'app': 'INSERT,SELECT'}, {'app': 'SELECT,UPDATE*'}, ['GRANT INSERT ON t TO "app"', 'REVOKE UPDATE ON t FROM "app"']),
    ({'app': 'SELECT'}, {'app': 'SELECT'}, []),
])
def test_grants_turn_the_actual_privileges_into_the_expected(expected, actual, sql):
    assert grants.statements(grants.on('t'), expected, actual) == sql


def test_a_function_is_repaired_but_for_its_body():
    want = dict(body_sha256='a', volatility='volatile', leakproof=False, owner='o', privileges={},
                settings=['search_path=pg_catalog, pg_temp'])
    have = dict(want, body_sha256='b', volatility='stable', leakproof=True, privileges={'PUBLIC': 'EXECUTE'})
    steps, left = remediation.plan({}, [_diff('function', 'f(a integer)', 'different', want, have)])
    assert steps[0].statements == ['ALTER ROUTINE "public"."f"(a integer) NOT LEAKPROOF VOLATILE',
                                   'REVOKE EXECUTE ON ROUTINE "public"."f"(a integer) FROM PUBLIC']
    assert 'body_sha256' in left[0]['reason'] and 'migration' in left[0]['reason']
    steps, left = remediation.plan({}, [_diff('function', 'f()', 'different', want, dict(want, body_sha256='b'))])
    assert steps == [] and 'body_sha256' in left[0]['reason']


@pytest.mark.parametrize('name, expected, actual, sql', [
    ('shoppulse_migrator tables', None, {'shoppulse_migrator': 'SELECT', 'app': 'SELECT'},
     ['ALTER DEFAULT PRIVILEGES FOR ROLE "shoppulse_migrator" REVOKE SELECT ON TABLES FROM "app"']),
    ('owner functions', None, {'owner': 'EXECUTE'},
     ['ALTER DEFAULT PRIVILEGES FOR ROLE "owner" GRANT EXECUTE ON FUNCTIONS TO PUBLIC']),
    ('owner types in public', None, {'app': 'USAGE'},
     ['ALTER DEFAULT PRIVILEGES FOR ROLE "owner" IN SCHEMA "public" REVOKE USAGE ON TYPES FROM "app"']),
    ('owner sequences in my schema', {'app': 'USAGE'}, None,
     ['ALTER DEFAULT PRIVILEGES FOR ROLE "owner" IN SCHEMA "my schema" GRANT USAGE ON SEQUENCES TO "app"']),
])
def test_default_privileges_go_back_to_the_manifest_or_to_postgresql_defaults(name, expected, actual, sql):
    problem = 'missing' if actual is None else 'unexpected' if expected is None else 'different'
    steps, left = remediation.plan({}, [_diff('default privileges', name, problem, expected, actual)])
    assert left == [] and steps[0].statements == sql


@pytest.mark.parametrize('kind, name, problem, expected, actual, statements, reason', [
    ('schema', 'public', 'different', {'owner': 'a', 'privileges': {}}, {'owner': 'b', 'privileges': {'x': 'CREATE'}},
     ['ALTER SCHEMA "public" OWNER TO "a"', 'REVOKE CREATE ON SCHEMA "public" FROM "x"'], None),
    ('type', 'mood', 'different', {'owner': 'a', 'privileges': {'PUBLIC': 'USAGE'}},
     {'owner': 'a', 'privileges': {}}, ['GRANT USAGE ON TYPE "public"."mood" TO PUBLIC'], None),
    ('type', 'mood', 'different', {'kind': 'enum', 'labels': ['a']}, {'kind': 'enum', 'labels': ['a', 'b']}, None,
     'labels'),
    ('view', 'v', 'different', {'definition': 'x', 'privileges': {}}, {'definition': 'x', 'privileges': {'a': 'SELECT'}},
     ['REVOKE SELECT ON TABLE "public"."v" FROM "a"'], None),
    ('sequence', 's', 'different', {'owned_by': 't.id', 'owner': 'a'}, {'owned_by': 't.id', 'owner': 'b'}, None,
     "table's owner"),
    ('sequence', 's', 'different', {'increment': 1, 'cycle': False}, {'increment': 3, 'cycle': True},
     ['ALTER SEQUENCE "public"."s" NO CYCLE INCREMENT BY 1'], None),
    ('event trigger', 'watch', 'unexpected', None, {'event': 'ddl_command_start'}, ['DROP EVENT TRIGGER "watch"'], None),
    ('rule', 't.r', 'unexpected', None, {'definition': 'x'}, None, 'review it'),
    ('publication', 'p', 'unexpected', None, {'tables': []}, None, 'not in the manifest'),
    ('statistics', 's', 'unexpected', None, {'definition': 'x'}, None, 'not in the manifest'),
    ('extension', 'citext', 'different', {'version': '1.6'}, {'version': '1.5'}, None, 'version'),
    ('database setting', 'privileges', 'different', {'PUBLIC': 'CONNECT'}, {'PUBLIC': 'CONNECT,TEMPORARY'},
     ['REVOKE TEMPORARY ON DATABASE "shop" FROM PUBLIC'], None),
    ('database setting', 'settings', 'different', None, ['search_path=public'], ['ALTER DATABASE "shop" RESET ALL'], None),
])
def test_each_kind_is_repaired_or_named_with_the_reason(kind, name, problem, expected, actual, statements, reason):
    d = _diff(kind, name, problem, expected, actual)
    d['database'] = 'shop'
    steps, left = remediation.plan({}, [d])
    if statements is None:
        assert steps == [] and reason in left[0]['reason']
    else:
        assert left == [] and steps[0].statements == statements


@pytest.mark.parametrize('setting, expected, actual, sql', [
    ('options', ['fillfactor=90'], ['fillfactor=50', 'autovacuum_enabled=false'],
     ['ALTER TABLE "public"."t" RESET (autovacuum_enabled)', 'ALTER TABLE "public"."t" SET (fillfactor = \'90\')']),
    ('replica_identity', None, 'full', ['ALTER TABLE "public"."t" REPLICA IDENTITY DEFAULT']),
])
def test_a_tables_storage_is_repaired(setting, expected, actual, sql):
    difference = _diff('table setting', 't.' + setting, 'different', expected, actual)
    steps, left = remediation.plan({'tables': {'t': {}}}, [difference])
    assert left == [] and steps[0].statements == sql
