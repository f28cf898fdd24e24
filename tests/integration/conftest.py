# Copyright (c) 2026, ShopPulse platform team
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Real PostgreSQL 15 servers for the integration tests: TLS required, SCRAM passwords.

One server per test session (tools/localpg.py, the same set-up as `make site`)
and a fresh database per test. Nothing here is mocked.
"""

import os
import shutil
import tempfile
import uuid

import psycopg
import psycopg2
import pytest

import localpg

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SQL_DIR = os.path.join(ROOT, 'files', 'sql')
# the version of the newest migration the collection ships
LATEST = max(int(name.split('_', 1)[0]) for name in os.listdir(SQL_DIR) if name.endswith('.sql'))
SEED_DIR = os.path.join(ROOT, 'files', 'seed')
DRIVERS = {'psycopg2': psycopg2, 'psycopg': psycopg}


@pytest.fixture(scope='session')
def pg_server():
    base = tempfile.mkdtemp(prefix='shoppulse-it-')
    os.chmod(base, 0o755)  # the postgres OS user must reach it when the tests run as root
    server = localpg.LocalPostgres(os.path.join(base, 'pg'), settings={
        'fsync': 'off', 'synchronous_commit': 'off', 'full_page_writes': 'off', 'max_connections': '200'})
    server.start()
    yield server
    server.destroy()
    shutil.rmtree(base, ignore_errors=True)


class Database:
    """A database of its own for one test."""

    def __init__(self, server, name):
        self.server = server
        self.name = name

    def dsn(self, **overrides):
        dsn = self.server.dsn(self.name)
        dsn.update(overrides)
        return dsn

    def connect(self, driver='psycopg2', **overrides):
        return DRIVERS[driver].connect(**self.dsn(**overrides))

    def query(self, sql, params=None):
        with self.connect() as conn:
            with conn.cursor() as cur:
                cur.execute(sql, params)
                rows = cur.fetchall() if cur.description else None
        conn.close()
        return rows

    def scalar(self, sql, params=None):
        return self.query(sql, params)[0][0]

    def execute(self, sql, params=None):
        conn = self.connect()
        conn.autocommit = True
        with conn.cursor() as cur:
            cur.execute(sql, params)
        conn.close()

    def tables(self):
        return set(r[0] for r in self.query(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public'"))


def _admin(server):
    conn = psycopg2.connect(**server.dsn())
    conn.autocommit = True
    return conn


@pytest.fixture
def database(pg_server):
    name = 't_' + uuid.uuid4().hex[:12]
    admin = _admin(pg_server)
    with admin.cursor() as cur:
        cur.execute('CREATE DATABASE %s' % name)
    yield Database(pg_server, name)
    with admin.cursor() as cur:
        cur.execute('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s', (name,))
        cur.execute('DROP DATABASE IF EXISTS %s WITH (FORCE)' % name)
    admin.close()


@pytest.fixture(params=sorted(DRIVERS))
def driver(request):
    return request.param


@pytest.fixture
def shoppulse_db(database):
    """A database with the collection's migrations applied."""
    from ansible_collections.shoppulse.analytics.plugins.module_utils import migrations
    conn = database.connect()
    migrations.run(conn, SQL_DIR)
    conn.close()
    return database


@pytest.fixture
def seeded_db(shoppulse_db):
    """A database with the migrations applied and the collection's seeds loaded."""
    from ansible_collections.shoppulse.analytics.plugins.module_utils import seeding
    conn = shoppulse_db.connect()
    seeding.load(conn, table='tenants', key=['tenant_id'], path=os.path.join(SEED_DIR, 'tenants.csv'))
    seeding.load(conn, table='role_metric_visibility', key=['tenant_id', 'role', 'metric_key'],
                 path=os.path.join(SEED_DIR, 'role_metric_visibility.csv'))
    conn.close()
    return shoppulse_db


@pytest.fixture
def sql_copy(tmp_path):
    """A writable copy of the collection's migrations."""
    target = tmp_path / 'sql'
    shutil.copytree(SQL_DIR, target)
    return target
