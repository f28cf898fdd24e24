# Copyright (c) 2026, ShopPulse platform team
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A major version upgrade with real servers (issue 42): PostgreSQL 15 upgraded in place with pg_upgrade to 16, 17
and 18, as RDS does, without losing a row; and the checks that refuse an upgrade before anything changes, each
proven by making its fault, beside ``pg_upgrade --check`` itself where pg_upgrade checks the same."""

import os
import shutil
import tempfile

import psycopg2
import pytest

from ansible_collections.shoppulse.analytics.plugins.module_utils.postgres import upgrade_checks
from ansible_collections.shoppulse.analytics.plugins.module_utils.postgres.pgcompat import SUPPORTED_MAJORS
from ansible_collections.shoppulse.analytics.plugins.module_utils.schema import drift, engine, inventory, seeding

from support import ROOT, SEED_DIR, SQL_DIR, localpg, pgupgrade
from support.database import Database

MANIFEST = drift.read_manifest(os.path.join(ROOT, 'files', 'manifest.yml'))
APP_PASSWORD = 'upgrade-test-app-password'


@pytest.fixture
def old_server():
    """A PostgreSQL 15 server of the test's own: the upgrade replaces its cluster."""
    base = tempfile.mkdtemp(prefix='shoppulse-upgrade-')
    os.chmod(base, 0o755)
    server = localpg.LocalPostgres(os.path.join(base, 'pg'), version=15, settings={
        'fsync': 'off', 'synchronous_commit': 'off', 'full_page_writes': 'off',
        'max_prepared_transactions': '4', 'wal_level': 'logical'}).start()
    yield server
    server.destroy()
    shutil.rmtree(base, ignore_errors=True)


def _shop(server):
    conn = psycopg2.connect(**server.dsn())
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute('CREATE DATABASE shop')
    conn.close()
    database = Database(server, 'shop')
    conn = database.connect()
    engine.run(conn, SQL_DIR)
    seeding.load(conn, table='tenants', key=['tenant_id'], path=os.path.join(SEED_DIR, 'tenants.csv'))
    conn.close()
    return database


def _app_can_log_in(database):
    conn = psycopg2.connect(**database.dsn(user='shoppulse_app', password=APP_PASSWORD))
    with conn.cursor() as cur:
        cur.execute('SELECT current_user')
        user = cur.fetchone()[0]
    conn.close()
    return user == 'shoppulse_app'


@pytest.mark.long
@pytest.mark.parametrize('target', [16, 17, 18])
def test_an_upgrade_in_place_keeps_every_row_the_schema_and_the_passwords(old_server, target):
    shop = _shop(old_server)
    # a larger data set than the seeds: 20,000 orders over the tenants, their audit rows
    shop.admin_execute("INSERT INTO orders (tenant_id, external_order_id, currency, total_amount, ordered_at) "
                       "SELECT t.tenant_id, 'O-' || t.slug || '-' || g, 'EUR', g % 500, now() - g * interval '1 min' "
                       "FROM tenants t, generate_series(1, 20000 / (SELECT count(*) FROM tenants)) g")
    shop.admin_execute("ALTER ROLE shoppulse_app PASSWORD %s", (APP_PASSWORD,))
    assert _app_can_log_in(shop)
    before = pgupgrade.fingerprint(shop.server, shop.name)
    assert before['orders'][0] >= 19000

    conn = shop.connect()
    assert upgrade_checks.check(conn, target, SUPPORTED_MAJORS,
                                pgupgrade.extensions(pgupgrade.full_bindir(target))) == []
    conn.close()
    status, output = pgupgrade.check(old_server, target)
    assert status == 0, output

    down = pgupgrade.upgrade(old_server, target)
    print('PostgreSQL 15 -> %d: unavailable for %.1f s (pg_upgrade, copy mode, %d orders)'
          % (target, down, before['orders'][0]))
    assert old_server.major() == target
    assert pgupgrade.fingerprint(shop.server, shop.name) == before
    conn = shop.connect()
    assert drift.report_lines(drift.compare(MANIFEST, inventory.read_inventory(conn))) == []
    assert not engine.run(conn, SQL_DIR).changed  # nothing to apply on the new major
    conn.close()
    assert _app_can_log_in(shop)  # SCRAM secrets carried over


# Each fault an upgrade check refuses, made on its own; pg_upgrade's own words where pg_upgrade checks it too.
FAULTS = [
    ('prepared transaction', "BEGIN; CREATE TABLE half_done (a int); PREPARE TRANSACTION 'left-open'",
     'left-open', 'prepared transactions'),
    ('reg* column', 'CREATE TABLE remembered (fn regprocedure)', 'public.remembered.fn', 'reg*'),
    ('reg* array in a domain', 'CREATE DOMAIN procs AS regproc[]; CREATE TABLE remembered (fns procs)',
     'public.remembered.fns', 'reg*'),
    ('aclitem column', 'CREATE TABLE grants_kept (acl aclitem)', 'public.grants_kept.acl', 'aclitem'),
    # adminpack left PostgreSQL in 17
    ('extension the target lacks', 'CREATE EXTENSION adminpack', 'adminpack', 'loadable libraries'),
    ('logical replication slot', "SELECT pg_create_logical_replication_slot('feed', 'pgoutput')", 'feed', None),
]


@pytest.mark.long
@pytest.mark.parametrize('fault, sql, named, pg_upgrade_says', FAULTS, ids=[f[0].replace(' ', '_') for f in FAULTS])
def test_each_fault_refuses_the_upgrade_before_anything_changes(old_server, fault, sql, named, pg_upgrade_says):
    shop = _shop(old_server)
    conn = psycopg2.connect(**old_server.admin_dsn('shop'))
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute(sql)
    conn.close()
    conn = shop.connect()
    found = upgrade_checks.check(conn, 17, SUPPORTED_MAJORS, pgupgrade.extensions(pgupgrade.full_bindir(17)))
    conn.close()
    assert [f.object for f in found] == [named], found
    assert named in upgrade_checks.describe(found)
    if pg_upgrade_says:
        status, output = pgupgrade.check(old_server, 17)
        assert status != 0 and pg_upgrade_says in output, output
    assert old_server.major() == 15


@pytest.mark.parametrize('target, words', [(14, 'a downgrade'), (15, 'already on 15'), (19, 'not offered')])
def test_a_path_rds_does_not_offer_is_refused_with_the_allowed_targets(target, words):
    found = upgrade_checks.path(15, target, SUPPORTED_MAJORS)
    assert [f.check for f in found] == ['path']
    assert words in found[0].message and 'the allowed targets from 15: 16, 17, 18' in found[0].message
