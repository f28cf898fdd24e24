# Copyright (c) 2026, ShopPulse platform team
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Repairing the drift of the objects beyond tables (issue 41): functions' attributes and settings, privileges of
functions, sequences, schemas and the database, default privileges, the database's settings, storage parameters,
replica identity, an unexpected event trigger; what cannot be repaired safely is named with the reason. On real
servers of every version, as the RDS-like master user."""

import os

import pytest

from ansible_collections.shoppulse.analytics.plugins.module_utils.schema import drift as driftlib
from ansible_collections.shoppulse.analytics.plugins.module_utils.schema import inventory, remediation
from ansible_collections.shoppulse.analytics.plugins.module_utils.postgres.errors import EngineError

from support import ROOT
from support.mutations import EVENT_FUNCTION, ON_THIS_DATABASE

pytestmark = pytest.mark.all_versions

MANIFEST = driftlib.read_manifest(os.path.join(ROOT, 'files', 'manifest.yml'))
FN = '"public"."update_updated_at_column"()'

# what a hurried hand (or an intruder) does, each repaired from the manifest
REPAIRED = [
    'ALTER FUNCTION update_updated_at_column() SECURITY DEFINER STABLE COST 5',
    'ALTER FUNCTION update_updated_at_column() SET search_path = public, pg_temp',
    "ALTER FUNCTION audit_logs_refuse_change() SET work_mem = '1GB'",
    'ALTER FUNCTION audit_logs_refuse_change() RESET search_path',
    'ALTER FUNCTION audit_logs_refuse_change() PARALLEL RESTRICTED STRICT',
    'GRANT EXECUTE ON FUNCTION update_updated_at_column() TO shoppulse_app WITH GRANT OPTION',
    'REVOKE EXECUTE ON FUNCTION app_current_tenant() FROM PUBLIC',
    'GRANT SELECT ON orders TO shoppulse_readonly WITH GRANT OPTION',
    'GRANT USAGE, UPDATE ON SEQUENCE audit_logs_audit_log_id_seq TO shoppulse_app',
    'ALTER SEQUENCE audit_logs_audit_log_id_seq INCREMENT BY 7 CACHE 20 CYCLE',
    'GRANT CREATE ON SCHEMA public TO shoppulse_app',
    ON_THIS_DATABASE % 'GRANT CREATE ON DATABASE %I TO shoppulse_app',
    ON_THIS_DATABASE % 'ALTER DATABASE %I SET search_path = public, pg_temp',
    'ALTER DEFAULT PRIVILEGES FOR ROLE shoppulse_migrator GRANT SELECT ON TABLES TO shoppulse_app',
    'ALTER DEFAULT PRIVILEGES FOR ROLE shoppulse_owner IN SCHEMA public GRANT EXECUTE ON FUNCTIONS TO shoppulse_app',
    'ALTER TABLE orders SET (fillfactor = 50, autovacuum_enabled = false)',
    'ALTER TABLE orders REPLICA IDENTITY FULL',
]
# named, with the reason, and left
LEFT = {
    'CREATE OR REPLACE FUNCTION app_current_tenant() RETURNS uuid LANGUAGE sql STABLE PARALLEL SAFE AS '
    '$$ SELECT NULL::uuid $$': ('different', 'function', 'app_current_tenant()', 'body_sha256'),
    'CREATE RULE orders_keep AS ON DELETE TO orders DO INSTEAD NOTHING': ('unexpected', 'rule', 'orders.orders_keep',
                                                                          'review it'),
    'CREATE EXTENSION citext': ('unexpected', 'extension', 'citext', 'not in the manifest'),
    'ALTER TABLE audit_logs SET UNLOGGED': ('different', 'table setting', 'audit_logs.unlogged', 'rewrites the table'),
}


def differences(conn):
    return driftlib.compare(MANIFEST, inventory.read_inventory(conn))


def test_the_objects_beyond_tables_are_repaired_and_the_rest_named(shoppulse_db):
    for statement in REPAIRED + list(LEFT):
        shoppulse_db.execute(statement)
    conn = shoppulse_db.connect()
    steps, left = remediation.plan(MANIFEST, differences(conn))
    sql = [statement for step in steps for statement in step.statements]
    assert 'ALTER ROUTINE %s COST 100 SECURITY INVOKER VOLATILE' % FN in sql
    assert "ALTER ROUTINE %s SET search_path TO 'pg_catalog', 'pg_temp'" % FN in sql
    assert 'REVOKE EXECUTE ON ROUTINE %s FROM "shoppulse_app"' % FN in sql
    assert 'REVOKE GRANT OPTION FOR SELECT ON "public"."orders" FROM "shoppulse_readonly"' in sql
    assert 'ALTER TABLE "public"."orders" RESET (autovacuum_enabled, fillfactor)' in sql
    # a function whose body changed: its other properties are repaired, the body is named
    assert 'GRANT EXECUTE ON ROUTINE "public"."app_current_tenant"() TO PUBLIC' in sql
    assert ('ALTER DEFAULT PRIVILEGES FOR ROLE "shoppulse_migrator" REVOKE SELECT ON TABLES FROM "shoppulse_app"'
            in sql)
    assert sorted((d['problem'], d['kind'], d['name']) for d in left) == sorted(v[:3] for v in LEFT.values())
    for d in left:
        assert [v[3] for v in LEFT.values() if v[2] == d['name']][0] in d['reason'], d

    remediation.apply(conn, steps)
    after = differences(conn)
    assert sorted((d['problem'], d['kind'], d['name']) for d in after) == sorted(v[:3] for v in LEFT.values())
    assert [d['properties'] for d in after if d['kind'] == 'function'] == [['body_sha256']]
    conn.close()


def test_an_unexpected_event_trigger_is_dropped_by_whoever_may(shoppulse_db):
    """An event trigger runs on every DDL statement of the database, the master's too: remediate drops it. Only a
    superuser (rds_superuser's members on RDS) may: the RDS-like master here gets a clear error and nothing of the
    repair is applied; a superuser's run of the same plan drops it."""
    shoppulse_db.admin_execute(EVENT_FUNCTION + '; CREATE EVENT TRIGGER watch ON ddl_command_start '
                                                'EXECUTE FUNCTION watch_ddl()')
    shoppulse_db.execute('GRANT CREATE ON SCHEMA public TO shoppulse_app')
    conn = shoppulse_db.connect()
    steps, left = remediation.plan(MANIFEST, differences(conn))
    assert [s.statements for s in steps if s.difference['kind'] == 'event trigger'] == [['DROP EVENT TRIGGER "watch"']]
    assert [(d['kind'], d['name']) for d in left] == [('function', 'watch_ddl()')]
    with pytest.raises(EngineError, match='repairing event trigger watch failed: .*nothing of the repair was applied'):
        remediation.apply(conn, steps)
    assert len(differences(conn)) == 3  # the trigger, its function, and the schema grant: all still there
    conn.close()
    admin = shoppulse_db.connect(**shoppulse_db.server.admin_dsn(shoppulse_db.name))
    remediation.apply(admin, steps)
    admin.close()
    conn = shoppulse_db.connect()
    assert [(d['kind'], d['name']) for d in differences(conn)] == [('function', 'watch_ddl()')]
    conn.close()
