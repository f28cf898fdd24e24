# Copyright (c) 2026, ShopPulse platform team
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Repairing drift from the manifest (issue 20): what the manifest defines and the database lost or changed is
restored; nothing is dropped that the manifest does not define, no table, column or row is touched. On real
servers of every version, as the RDS-like master user."""

import os

import pytest

from ansible_collections.shoppulse.analytics.plugins.module_utils.schema import drift as driftlib
from ansible_collections.shoppulse.analytics.plugins.module_utils.schema import inventory, remediation
from ansible_collections.shoppulse.analytics.plugins.module_utils.postgres.errors import EngineError

from support import ROOT

pytestmark = pytest.mark.all_versions

MANIFEST = driftlib.read_manifest(os.path.join(ROOT, 'files', 'manifest.yml'))

# what a hurried hand does to a live database: each one a kind of drift remediate repairs
DRIFT = [
    'DROP INDEX orders_tenant_ordered_at_idx',
    'DROP TRIGGER users_set_updated_at ON users',
    'ALTER TABLE fulfillment DISABLE TRIGGER fulfillment_set_updated_at',
    'DROP POLICY tenant_isolation ON orders',
    'ALTER TABLE users DISABLE ROW LEVEL SECURITY',
    'ALTER TABLE users NO FORCE ROW LEVEL SECURITY',
    'REVOKE SELECT ON audit_logs FROM shoppulse_readonly',
    'GRANT DELETE ON audit_logs TO shoppulse_readonly',
    # the application's column grants: one widened, one narrowed, and a table-wide grant over them (whose REVOKE
    # takes the column grants of its kind away too: they are granted again)
    'GRANT UPDATE (plan) ON tenants TO shoppulse_app',
    'REVOKE INSERT (action) ON audit_logs FROM shoppulse_app',
    'GRANT UPDATE ON orders TO shoppulse_app',
    "COMMENT ON TABLE tenants IS 'changed by hand'",
    'COMMENT ON COLUMN users.cognito_sub IS NULL',
]
# and what it must leave for a person: never dropped, only named
LEFT = [
    'ALTER TABLE orders ADD COLUMN note text',
    'CREATE POLICY everyone_sees_everything ON orders FOR SELECT USING (true)',
    'CREATE INDEX orders_note_idx ON orders (note)',
]


def drift(database, statements):
    for statement in statements:
        database.execute(statement)


def differences(conn):
    return [(d['problem'], d['kind'], d['name']) for d in driftlib.compare(MANIFEST, inventory.read_inventory(conn))]


def test_remediation_restores_what_the_manifest_defines_and_leaves_the_rest_named(seeded_db):
    seeded_db.execute("INSERT INTO orders (tenant_id, external_order_id, currency, total_amount, ordered_at) "
                      "SELECT tenant_id, 'O-' || slug, 'EUR', 10, now() FROM tenants")
    rows = seeded_db.scalar('SELECT count(*) FROM orders')
    drift(seeded_db, DRIFT + LEFT)
    conn = seeded_db.connect()
    before = differences(conn)
    assert len(before) == len(DRIFT) - 1 + len(LEFT), before  # the two RLS flags of users are two differences

    steps, left = remediation.plan(MANIFEST, driftlib.compare(MANIFEST, inventory.read_inventory(conn)))
    sql = [statement for step in steps for statement in step.statements]
    assert sql[-1] == ('CREATE INDEX CONCURRENTLY orders_tenant_ordered_at_idx ON public.orders USING btree '
                       '(tenant_id, ordered_at DESC)')  # the index builds come last, outside the transaction
    assert 'REVOKE DELETE ON "public"."audit_logs" FROM "shoppulse_readonly"' in sql
    assert 'GRANT SELECT ON "public"."audit_logs" TO "shoppulse_readonly"' in sql
    assert 'ALTER TABLE "public"."fulfillment" ENABLE TRIGGER "fulfillment_set_updated_at"' in sql
    assert 'REVOKE UPDATE ("plan") ON "public"."tenants" FROM "shoppulse_app"' in sql
    assert 'GRANT INSERT ("action") ON "public"."audit_logs" TO "shoppulse_app"' in sql
    assert 'REVOKE UPDATE ON "public"."orders" FROM "shoppulse_app"' in sql
    assert 'GRANT UPDATE ("status") ON "public"."orders" TO "shoppulse_app"' in sql
    assert sorted((d['problem'], d['kind'], d['name']) for d in left) == [
        ('unexpected', 'column', 'orders.note'), ('unexpected', 'index', 'orders.orders_note_idx'),
        ('unexpected', 'policy', 'orders.everyone_sees_everything')]
    assert 'review it' in [d for d in left if d['kind'] == 'policy'][0]['reason']

    done = remediation.apply(conn, steps)
    assert len(done) == len(steps)
    assert sorted(differences(conn)) == sorted((d['problem'], d['kind'], d['name']) for d in left)
    assert seeded_db.scalar('SELECT count(*) FROM orders') == rows  # no row touched
    assert 'note' in inventory.read_inventory(conn)['tables']['orders']['columns']  # nor a column
    drift(seeded_db, ['DROP POLICY everyone_sees_everything ON orders', 'DROP INDEX orders_note_idx',
                      'ALTER TABLE orders DROP COLUMN note'])
    assert differences(conn) == []  # verify passes
    conn.close()


def test_a_repair_that_waits_for_a_busy_table_fails_naming_it_and_leaves_nothing(shoppulse_db):
    drift(shoppulse_db, ['DROP TRIGGER users_set_updated_at ON users', 'ALTER TABLE orders DISABLE ROW LEVEL SECURITY'])
    holder = shoppulse_db.connect()
    with holder.cursor() as cur:
        cur.execute('LOCK TABLE orders IN ACCESS SHARE MODE')  # a long report reading orders
    conn = shoppulse_db.connect()
    steps = remediation.plan(MANIFEST, driftlib.compare(MANIFEST, inventory.read_inventory(conn)))[0]
    with pytest.raises(EngineError) as info:
        remediation.apply(conn, steps, lock_timeout='200ms')
    message = info.value.message
    assert message.startswith('repairing table setting orders.row_security failed: canceling statement due to lock '
                              'timeout'), message
    assert 'nothing of the repair was applied' in message
    holder.rollback()
    holder.close()
    assert sorted(differences(conn)) == [('different', 'table setting', 'orders.row_security'),
                                         ('missing', 'trigger', 'users.users_set_updated_at')]
    conn.close()


def test_a_failed_index_build_leaves_no_invalid_index_and_keeps_the_repairs_before_it(shoppulse_db):
    drift(shoppulse_db, ['DROP INDEX orders_tenant_ordered_at_idx', 'DROP TRIGGER users_set_updated_at ON users'])
    conn = shoppulse_db.connect()
    steps = remediation.plan(MANIFEST, driftlib.compare(MANIFEST, inventory.read_inventory(conn)))[0]
    # a writer of orders that keeps its transaction open: the concurrent build waits for it, and the statement
    # timeout ends the build
    writer = shoppulse_db.connect()
    with writer.cursor() as cur:
        cur.execute('LOCK TABLE orders IN ROW EXCLUSIVE MODE')
    try:
        with pytest.raises(EngineError) as info:
            remediation.apply(conn, steps, statement_timeout='1s')
    finally:
        writer.rollback()
        writer.close()
    message = info.value.message
    assert message.startswith('repairing index orders.orders_tenant_ordered_at_idx failed: canceling statement due to '
                              'statement timeout'), message
    # the writer still held its lock when the build failed, so the leftover could not be dropped then: said so
    assert ('the INVALID index "public"."orders_tenant_ordered_at_idx" it left could not be dropped (canceling '
            'statement due to statement timeout') in message, message
    assert 'the next remediate drops and builds it again; the repairs before it stay applied (trigger ' \
           'users.users_set_updated_at)' in message, message
    assert differences(conn) == [('invalid', 'index', 'orders.orders_tenant_ordered_at_idx')]
    # the writer gone, the next remediate drops the INVALID index and builds it again
    steps = remediation.plan(MANIFEST, driftlib.compare(MANIFEST, inventory.read_inventory(conn)))[0]
    assert [s.statements[0] for s in steps] == ['DROP INDEX CONCURRENTLY IF EXISTS "public"."orders_tenant_ordered_at_idx"']
    remediation.apply(conn, steps)
    assert differences(conn) == []
    conn.close()


def test_a_unique_index_the_data_no_longer_allows_is_named_and_nothing_invalid_is_left(seeded_db):
    seeded_db.execute('DROP INDEX users_tenant_email_key')
    seeded_db.execute("INSERT INTO users (tenant_id, cognito_sub, email, role) SELECT tenant_id, s, e, 'Admin' "
                      "FROM (SELECT tenant_id FROM tenants LIMIT 1) t, (VALUES ('a', 'ann@example.com'), "
                      "('b', 'Ann@example.com')) AS v(s, e)")
    conn = seeded_db.connect()
    steps = remediation.plan(MANIFEST, driftlib.compare(MANIFEST, inventory.read_inventory(conn)))[0]
    with pytest.raises(EngineError) as info:
        remediation.apply(conn, steps)
    message = info.value.message
    assert message.startswith('repairing index users.users_tenant_email_key failed: could not create unique index '
                              '"users_tenant_email_key"'), message
    assert 'the index build was stopped and the INVALID index it left was dropped; the repairs before it stay ' \
           'applied (none)' in message, message
    assert differences(conn) == [('missing', 'index', 'users.users_tenant_email_key')]
    assert seeded_db.scalar('SELECT count(*) FROM users') == 2  # the data is a person's to sort out
    conn.close()
