# Copyright (c) 2026, ShopPulse platform team
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Real PostgreSQL servers for the integration tests: TLS required, SCRAM passwords, RDS's master user.

One server per major version per test session (tests/support/localpg.py, the same set-up as `make site`),
started when a test first asks for it, and a fresh database per test, created by the RDS-like
master user (not a superuser) that every test logs in as. Nothing here is mocked.

A test runs on PostgreSQL 15 unless it is marked ``all_versions``: then once on each version the
collection serves (15 to 18). SHOPPULSE_PG_VERSIONS=15,18 narrows that for a quick local run.
"""

import os
import shutil
import subprocess
import tempfile
import uuid

import psycopg2
import pytest
import yaml

from support import BIN, ROOT, SEED_DIR, SQL_DIR, localpg, playbook, strategy
from support.database import DRIVERS, Database
from ansible_collections.shoppulse.analytics.plugins.module_utils.postgres.pgcompat import SUPPORTED_MAJORS

# The suite's playbook runs use the strategy `make site` uses (Mitogen's when it is installed;
# SHOPPULSE_MITOGEN=0 for Ansible's own); the AWX tests set Ansible's own, as AWX runs job templates.
os.environ.update(strategy.environment())

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


@pytest.fixture(params=sorted(playbook.ENDS))
def ansible_end(request, monkeypatch):
    """The test's playbook runs use the ansible of each end of the supported range in turn: this virtualenv's
    (ansible 12 on Python 3.11 here) and .venv-newest's (ansible 14 on Python 3.13; support/playbook.py)."""
    monkeypatch.setenv(playbook.END_VARIABLE, request.param)
    return request.param


@pytest.fixture
def pg_version(request):
    return getattr(request, 'param', DEFAULT_VERSION)


@pytest.fixture
def pg_server(pg_servers, pg_version):
    return pg_servers(pg_version)


def _connect(dsn):
    conn = psycopg2.connect(**dsn)
    conn.autocommit = True
    return conn


def _create_database(server):
    name = 't_' + uuid.uuid4().hex[:12]
    master = _connect(server.dsn())
    with master.cursor() as cur:
        cur.execute('CREATE DATABASE %s' % name)
    master.close()
    return Database(server, name)


def _drop_database(database):
    admin = _connect(database.server.admin_dsn())
    with admin.cursor() as cur:
        cur.execute('DROP DATABASE IF EXISTS %s WITH (FORCE)' % database.name)
    admin.close()


@pytest.fixture
def database(pg_server):
    """A database of its own, created by the master user (who owns it, as on RDS); dropped afterwards by the
    set-up superuser, whatever the test left connected."""
    database = _create_database(pg_server)
    yield database
    _drop_database(database)


@pytest.fixture
def databases_of_every_version(pg_servers):
    """One such database on the server of each version, by version: for a playbook test that runs the
    versions as hosts of one ansible-playbook run (the checks of each version, a third of the runs)."""
    databases = dict((version, _create_database(pg_servers(version))) for version in VERSIONS)
    yield databases
    for database in databases.values():
        _drop_database(database)


@pytest.fixture(params=sorted(DRIVERS))
def driver(request):
    return request.param


@pytest.fixture
def shoppulse_db(database):
    """A database with the collection's migrations applied."""
    from ansible_collections.shoppulse.analytics.plugins.module_utils.schema import engine
    conn = database.connect()
    engine.run(conn, SQL_DIR)
    conn.close()
    return database


@pytest.fixture
def seeded_db(shoppulse_db):
    """A database with the migrations applied and the collection's seeds loaded."""
    from ansible_collections.shoppulse.analytics.plugins.module_utils.schema import seeding
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


@pytest.fixture(scope='session')
def tarball(tmp_path_factory):
    """The collection as `ansible-galaxy collection build` makes it, from a tree with a developer's state in it."""
    out = tmp_path_factory.mktemp('build')
    with open(os.path.join(ROOT, 'galaxy.yml')) as handle:
        galaxy = yaml.safe_load(handle)
    # the state a developer's tree has: local servers, test output, a virtualenv, outputs, a key
    # (named after this process: parallel workers each build, none removes another's)
    tag = os.getpid()
    planted = [os.path.join(ROOT, '.local', 'planted-by-test_build-%d' % tag),
               os.path.join(ROOT, 'outputs', 'planted-%d.yml' % tag),
               os.path.join(ROOT, 'tests', 'output', 'planted-%d.xml' % tag),
               os.path.join(ROOT, 'benchmarks', 'results', 'x-%d.json' % tag)]
    for path in planted:
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, 'w') as handle:
            handle.write('planted\n')
    try:
        proc = subprocess.run([os.path.join(BIN, 'ansible-galaxy'), 'collection', 'build', '--output-path', str(out), ROOT],
                              capture_output=True, text=True, check=False)
    finally:
        for path in planted:
            os.unlink(path)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    path = out / ('%s-%s-%s.tar.gz' % (galaxy['namespace'], galaxy['name'], galaxy['version']))
    assert path.exists(), proc.stdout
    return str(path)


@pytest.fixture(scope='session')
def installed(tarball, tmp_path_factory):
    """The tarball installed into an empty collections path, and the environment that finds only it there
    (no ANSIBLE_* or AWS_* variable of this process, no ansible.cfg in ``cwd``)."""
    cwd = tmp_path_factory.mktemp('installed')
    collections = cwd / 'collections'
    collections.mkdir()
    env = dict((k, v) for k, v in os.environ.items() if not k.startswith(('ANSIBLE_', 'AWS_')))
    env.update(PATH=os.pathsep.join([BIN, env.get('PATH', '')]), ANSIBLE_COLLECTIONS_PATH=str(collections))
    # the dependencies are the ansible package's (Galaxy is not reachable here); ours comes from the tarball
    install = subprocess.run([os.path.join(BIN, 'ansible-galaxy'), 'collection', 'install', '--no-deps', '-p',
                              str(collections), tarball], cwd=str(cwd), env=env, capture_output=True, text=True, check=False)
    assert install.returncode == 0, install.stdout + install.stderr
    return dict(path=str(collections / 'ansible_collections' / 'shoppulse' / 'analytics'),
                collections=str(collections / 'ansible_collections'), env=env, cwd=str(cwd))
