# Copyright (c) 2026, ShopPulse platform team
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Real PostgreSQL servers for the integration tests: TLS required, SCRAM passwords, RDS's master user.

One server per major version per test session (tools/localpg.py, the same set-up as `make site`),
started when a test first asks for it, and a fresh database per test, created by the RDS-like
master user (not a superuser) that every test logs in as. Nothing here is mocked.

A test runs on PostgreSQL 15 unless it is marked ``all_versions``: then once on each version the
collection serves (15 to 18). SHOPPULSE_PG_VERSIONS=15,18 narrows that for a quick local run.
"""

import os
import shutil
import tempfile
import uuid

import psycopg
import psycopg2
import pytest

import localpg
import strategy
from ansible_collections.shoppulse.analytics.plugins.module_utils.pgcompat import SUPPORTED_MAJORS

# The suite's playbook runs use the strategy `make site` uses (Mitogen's when it is installed;
# SHOPPULSE_MITOGEN=0 for Ansible's own); the AWX tests set Ansible's own, as AWX runs job templates.
os.environ.update(strategy.environment())

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SQL_DIR = os.path.join(ROOT, 'files', 'sql')
# the version of the newest migration the collection ships
LATEST = max(int(name.split('_', 1)[0]) for name in os.listdir(SQL_DIR) if name.endswith('.sql'))
SEED_DIR = os.path.join(ROOT, 'files', 'seed')
DRIVERS = {'psycopg2': psycopg2, 'psycopg': psycopg}
DEFAULT_VERSION = SUPPORTED_MAJORS[0]
VERSIONS = tuple(int(v) for v in os.environ['SHOPPULSE_PG_VERSIONS'].split(',')) \
    if os.environ.get('SHOPPULSE_PG_VERSIONS') else SUPPORTED_MAJORS


def pytest_configure(config):
    config.addinivalue_line('markers', 'all_versions: run on every PostgreSQL major the collection serves')
    config.addinivalue_line('markers', 'long: minutes of playbook runs; started first, so that the parallel '
                                       'workers do not end waiting on one of them')


def pytest_collection_modifyitems(items):
    items.sort(key=lambda item: 0 if item.get_closest_marker('long') else 1)  # stable: the rest keeps its order


def pytest_generate_tests(metafunc):
    if 'pg_version' in metafunc.fixturenames and metafunc.definition.get_closest_marker('all_versions'):
        metafunc.parametrize('pg_version', VERSIONS, indirect=True, ids=lambda v: 'pg%d' % v)


@pytest.fixture(scope='session')
def pg_servers():
    """Start, once, the server of a major version: pg_servers(17)."""
    base = tempfile.mkdtemp(prefix='shoppulse-it-')
    os.chmod(base, 0o755)  # the postgres OS user must reach it when the tests run as root
    servers = {}

    def get(version):
        if version not in servers:
            servers[version] = localpg.LocalPostgres(os.path.join(base, 'pg%d' % version), version=version, settings={
                'fsync': 'off', 'synchronous_commit': 'off', 'full_page_writes': 'off',
                'max_connections': '200'}).start()
        return servers[version]

    yield get
    for server in servers.values():
        server.destroy()
    shutil.rmtree(base, ignore_errors=True)


@pytest.fixture
def pg_version(request):
    return getattr(request, 'param', DEFAULT_VERSION)


@pytest.fixture
def pg_server(pg_servers, pg_version):
    return pg_servers(pg_version)


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

    def admin_execute(self, sql, params=None):
        """As the set-up superuser: what only a person with more power than the master could do by hand."""
        conn = psycopg2.connect(**self.server.admin_dsn(self.name))
        conn.autocommit = True
        with conn.cursor() as cur:
            cur.execute(sql, params)
        conn.close()

    def tables(self):
        return set(r[0] for r in self.query(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public'"))


def _connect(dsn):
    conn = psycopg2.connect(**dsn)
    conn.autocommit = True
    return conn


@pytest.fixture
def database(pg_server):
    """A database of its own, created by the master user (who owns it, as on RDS); dropped afterwards by the
    set-up superuser, whatever the test left connected."""
    name = 't_' + uuid.uuid4().hex[:12]
    master = _connect(pg_server.dsn())
    with master.cursor() as cur:
        cur.execute('CREATE DATABASE %s' % name)
    master.close()
    yield Database(pg_server, name)
    admin = _connect(pg_server.admin_dsn())
    with admin.cursor() as cur:
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
