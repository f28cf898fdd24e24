# Copyright (c) 2026, ShopPulse platform team
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""schema_verify's engine against a real PostgreSQL server, with both drivers."""

import os

import pytest
import yaml

from ansible_collections.shoppulse.analytics.plugins.module_utils.schema.inventory import read_inventory
from ansible_collections.shoppulse.analytics.plugins.module_utils.schema.drift import compare, report_lines

from support import ROOT

# the engine on every PostgreSQL major the collection serves (15 to 18)
pytestmark = pytest.mark.all_versions


@pytest.fixture(scope='module')
def manifest():
    with open(os.path.join(ROOT, 'files', 'manifest.yml')) as handle:
        return yaml.safe_load(handle)


def drift(database, driver, manifest):
    conn = database.connect(driver)
    try:
        return report_lines(compare(manifest, read_inventory(conn)))
    finally:
        conn.close()


def test_a_migrated_database_matches_the_manifest(shoppulse_db, driver, manifest):
    assert drift(shoppulse_db, driver, manifest) == []


@pytest.mark.parametrize('sql, expected', [
    ('DROP INDEX orders_tenant_ordered_at_idx', ['missing index orders.orders_tenant_ordered_at_idx']),
    ('DROP TRIGGER users_set_updated_at ON users', ['missing trigger users.users_set_updated_at']),
    ('ALTER TABLE orders ADD COLUMN note text', ['unexpected column orders.note']),
    ('ALTER TABLE orders DISABLE ROW LEVEL SECURITY', ['different table setting orders.row_security']),
    ('ALTER TABLE audit_logs NO FORCE ROW LEVEL SECURITY', ['different table setting audit_logs.force_row_security']),
    ('DROP POLICY tenant_isolation ON users', ['missing policy users.tenant_isolation']),
    ('ALTER POLICY tenant_isolation ON tenants USING (true)', ['different policy tenants.tenant_isolation (using)']),
    # loosened: the maintenance policy given to everybody, or the tenant policy widened with an OR
    ('ALTER POLICY maintenance_access ON orders TO PUBLIC', ['different policy orders.maintenance_access (roles)']),
    ('ALTER POLICY maintenance_access ON orders TO shoppulse_migrator, shoppulse_app',
     ['different policy orders.maintenance_access (roles)']),
    ('ALTER POLICY tenant_isolation ON audit_logs USING (tenant_id = app_current_tenant() OR true)',
     ['different policy audit_logs.tenant_isolation (using)']),
    # changed: the tenant policy's WITH CHECK, or the command it covers
    ('ALTER POLICY tenant_isolation ON users WITH CHECK (true)', ['different policy users.tenant_isolation (with_check)']),
    ('DROP POLICY maintenance_access ON fulfillment', ['missing policy fulfillment.maintenance_access']),
    ('CREATE POLICY open_door ON orders FOR SELECT TO shoppulse_readonly USING (true)',
     ['unexpected policy orders.open_door']),
    ('ALTER TABLE tenants ALTER COLUMN timezone DROP NOT NULL', ['different column tenants.timezone (nullable)']),
    ('ALTER TABLE orders DROP CONSTRAINT orders_status_check', ['missing constraint orders.orders_status_check']),
    ('ALTER TABLE users DISABLE TRIGGER users_set_updated_at', ['different trigger users.users_set_updated_at (enabled)']),
    ('CREATE TABLE scratch (a int)', ['unexpected table scratch']),
    ('CREATE OR REPLACE FUNCTION update_updated_at_column() RETURNS trigger LANGUAGE plpgsql AS '
     '$$ BEGIN RETURN NEW; END $$', ['different function update_updated_at_column() (body_sha256, settings)']),
    # the fixed search_path of a function the tables fire, taken away
    ('ALTER FUNCTION update_updated_at_column() RESET search_path',
     ['different function update_updated_at_column() (settings)']),
    # the application's grants by column: one added (a tenant upgrading itself), one taken, one table-wide
    ('GRANT UPDATE (plan) ON tenants TO shoppulse_app', ['different table setting tenants.column_privileges (plan)']),
    ('REVOKE INSERT (action) ON audit_logs FROM shoppulse_app',
     ['different table setting audit_logs.column_privileges (action)']),
    ('GRANT DELETE ON orders TO shoppulse_app', ['different table setting orders.privileges (shoppulse_app)']),
])
def test_every_drift_is_named(shoppulse_db, driver, manifest, sql, expected):
    shoppulse_db.execute(sql)
    assert drift(shoppulse_db, driver, manifest) == expected


def test_an_invalid_index_is_drift(shoppulse_db, manifest):
    # What a failed CREATE INDEX CONCURRENTLY leaves behind: the index exists but is not valid.
    shoppulse_db.admin_execute("UPDATE pg_index SET indisvalid = false WHERE indexrelid = 'orders_tenant_customer_idx'::regclass")
    assert drift(shoppulse_db, 'psycopg2', manifest) == ['invalid index orders.orders_tenant_customer_idx']


def test_the_inventory_is_read_in_one_query(shoppulse_db):
    import logging
    from psycopg2.extras import LoggingConnection

    class Collect(logging.Handler):
        def __init__(self):
            super().__init__()
            self.queries = []

        def emit(self, record):
            self.queries.append(record.getMessage())

    collect = Collect()
    logger = logging.getLogger('shoppulse.test.queries')
    logger.addHandler(collect)
    logger.setLevel(logging.DEBUG)
    conn = shoppulse_db.connect(connection_factory=LoggingConnection)
    conn.initialize(logger)
    inventory = read_inventory(conn)
    assert len(collect.queries) == 1 and len(inventory['tables']) == 10  # 8 of the schema, the ledger and its history


@pytest.mark.parametrize('table', ['tenants', 'users', 'orders', 'fulfillment', 'marketing_campaigns',
                                   'role_metric_visibility', 'governance_rules', 'audit_logs'])
def test_row_level_security_switched_off_on_any_tenant_table_is_drift(shoppulse_db, manifest, table):
    shoppulse_db.execute('ALTER TABLE %s DISABLE ROW LEVEL SECURITY' % table)
    assert drift(shoppulse_db, 'psycopg2', manifest) == ['different table setting %s.row_security' % table]


def test_a_grant_by_hand_is_drift(shoppulse_db, manifest):
    shoppulse_db.execute('GRANT UPDATE, DELETE ON audit_logs TO shoppulse_app')
    shoppulse_db.admin_execute('ALTER ROLE shoppulse_readonly BYPASSRLS')
    try:
        assert drift(shoppulse_db, 'psycopg2', manifest) == ['different table setting audit_logs.privileges (shoppulse_app)',
                                                             'different role shoppulse_readonly (bypass_row_security)']
    finally:
        shoppulse_db.admin_execute('ALTER ROLE shoppulse_readonly NOBYPASSRLS')


def test_a_member_granted_by_hand_is_drift_whichever_login_ran_the_migrations(shoppulse_db, manifest):
    """The master user's own memberships (from 16 on it is a member of every role it created) are not drift;
    anybody else made a member of a schema role is."""
    assert shoppulse_db.scalar("SELECT count(*) FROM pg_auth_members m JOIN pg_roles r ON r.oid = m.member "
                               "WHERE r.rolname = current_user") >= 1
    shoppulse_db.execute('CREATE ROLE intruder NOLOGIN')
    shoppulse_db.execute('GRANT shoppulse_owner TO intruder')
    try:
        assert drift(shoppulse_db, 'psycopg2', manifest) == ['unexpected role intruder']
    finally:
        shoppulse_db.execute('DROP ROLE intruder')


def test_a_schema_role_given_createrole_is_drift(shoppulse_db, manifest):
    shoppulse_db.execute('ALTER ROLE shoppulse_app CREATEROLE')
    try:
        assert drift(shoppulse_db, 'psycopg2', manifest) == ['different role shoppulse_app (create_role)']
    finally:
        shoppulse_db.execute('ALTER ROLE shoppulse_app NOCREATEROLE')
