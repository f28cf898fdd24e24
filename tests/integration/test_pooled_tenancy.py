# Copyright (c) 2026, ShopPulse platform team
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Tenant isolation through multiplexed connections, as RDS Proxy multiplexes them.

PgBouncer (Debian's package) in transaction pooling mode, with TLS from the clients and verify-full
TLS to the test server, stands between many concurrent clients of different tenants and a few server
connections. Each transaction sets its tenant with set_config('app.tenant_id', ..., true), which
ends with the transaction: no client ever sees or writes another tenant's row, and a client that
sets no tenant sees nothing, even on a server connection another tenant has just used. A session
level SET, which outlives the transaction on the server connection, is what an application must
never do: the last test shows the next client inheriting it (docs/tenancy.md).
"""

import os
import pwd
import shutil
import subprocess
import tempfile
import threading
import time

import psycopg2
import psycopg2.errors
import pytest

from support import free_port, localpg, tenancy

TENANTS = 10
CLIENTS_PER_TENANT = 2
TRANSACTIONS = 25
NO_TENANT_CLIENTS = 4
APP_PASSWORD = 'pooled-app-password-1'

pytestmark = pytest.mark.skipif(not shutil.which('pgbouncer'), reason='needs pgbouncer (make system-packages)')


class PgBouncer:
    """A PgBouncer of the test's own: its directory, a free port, run as the server's OS user."""

    def __init__(self, directory, server, dbname, users):
        self.dir = directory
        self.server = server
        self.port = free_port()
        self.config = os.path.join(directory, 'pgbouncer.ini')
        self.log = os.path.join(directory, 'pgbouncer.log')
        self.pidfile = os.path.join(directory, 'pgbouncer.pid')
        target = 'host=localhost port=%d dbname=%s' % (server.port, dbname)
        files = {
            # two pools on the same database: a few server connections for many clients, and one only
            'pgbouncer.ini': '\n'.join([
                '[databases]',
                'pooled = %s pool_size=3' % target,
                'single = %s pool_size=1' % target,
                '[pgbouncer]',
                'listen_addr = 127.0.0.1',
                'listen_port = %d' % self.port,
                'unix_socket_dir =',
                'pool_mode = transaction',
                'max_client_conn = 200',
                'auth_type = scram-sha-256',
                'auth_file = %s' % os.path.join(directory, 'userlist.txt'),
                'logfile = %s' % self.log,
                'pidfile = %s' % self.pidfile,
                'client_tls_sslmode = require',
                'client_tls_cert_file = %s' % os.path.join(directory, 'server.crt'),
                'client_tls_key_file = %s' % os.path.join(directory, 'server.key'),
                'server_tls_sslmode = verify-full',
                'server_tls_ca_file = %s' % os.path.join(directory, 'ca.crt'),
                '',
            ]),
            'userlist.txt': ''.join('"%s" "%s"\n' % item for item in sorted(users.items())),
        }
        for name, text in files.items():
            with open(os.path.join(directory, name), 'w') as handle:
                handle.write(text)
        for name in ('server.crt', 'server.key', 'ca.crt'):
            shutil.copyfile(os.path.join(server.tls, name), os.path.join(directory, name))
        owner = pwd.getpwnam(localpg.SERVER_OS_USER) if os.geteuid() == 0 else None
        for name in os.listdir(directory):
            path = os.path.join(directory, name)
            os.chmod(path, 0o600)
            if owner:
                os.chown(path, owner.pw_uid, owner.pw_gid)
        os.chmod(directory, 0o755)
        if owner:
            os.chown(directory, owner.pw_uid, owner.pw_gid)

    def start(self):
        command = ['pgbouncer', '-d', self.config]
        if os.geteuid() == 0:  # PgBouncer refuses to run as root
            command = ['runuser', '-u', localpg.SERVER_OS_USER, '--'] + command
        proc = subprocess.run(command, check=False, capture_output=True, text=True)
        if proc.returncode != 0:
            raise RuntimeError('pgbouncer did not start: %s%s' % (proc.stdout, proc.stderr))
        deadline = time.time() + 30
        while True:
            try:
                psycopg2.connect(**self.dsn('pooled', 'shoppulse_app', APP_PASSWORD)).close()
                return self
            except psycopg2.OperationalError:
                if time.time() > deadline:
                    with open(self.log) as handle:
                        raise RuntimeError('pgbouncer did not start: %s' % handle.read()[-2000:])
                time.sleep(0.2)

    def stop(self):
        try:
            with open(self.pidfile) as handle:
                pid = int(handle.read().strip())
        except (OSError, ValueError):
            return
        os.kill(pid, 15)
        for dummy in range(100):  # gone before its directory is removed
            try:
                os.kill(pid, 0)
            except OSError:
                return
            time.sleep(0.05)

    def dsn(self, dbname, user, password):
        return dict(host='localhost', port=self.port, dbname=dbname, user=user, password=password,
                    sslmode='verify-full', sslrootcert=self.server.ca_cert)


@pytest.fixture
def pooled(shoppulse_db):
    admin = psycopg2.connect(**shoppulse_db.server.admin_dsn(shoppulse_db.name))
    admin.autocommit = True
    with admin.cursor() as cur:
        tenancy.load(cur, 1, TENANTS, 5)
        cur.execute('ALTER ROLE shoppulse_app PASSWORD %s', (APP_PASSWORD,))
    admin.close()
    directory = tempfile.mkdtemp(prefix='shoppulse-pgbouncer-')  # where the postgres OS user can reach
    bouncer = PgBouncer(directory, shoppulse_db.server, shoppulse_db.name, {'shoppulse_app': APP_PASSWORD})
    try:
        yield shoppulse_db, bouncer.start()
    finally:
        bouncer.stop()
        shutil.rmtree(directory, ignore_errors=True)


def test_many_tenants_through_few_server_connections_see_and_write_only_their_own(pooled):
    database, bouncer = pooled
    seen = {}  # (kind, client) -> list of (backend pid, tenants seen, setting seen)
    errors = []
    start = threading.Barrier(TENANTS * CLIENTS_PER_TENANT + NO_TENANT_CLIENTS)

    def tenant_client(number, tenant, other):
        conn = psycopg2.connect(**bouncer.dsn('pooled', 'shoppulse_app', APP_PASSWORD))
        log = seen.setdefault(('tenant', number), [])
        start.wait()
        for k in range(TRANSACTIONS):
            with conn.cursor() as cur:
                tenancy.set_tenant(cur, tenant)
                cur.execute('SELECT pg_backend_pid(), array(SELECT DISTINCT tenant_id::text FROM orders), '
                            "array(SELECT DISTINCT tenant_id::text FROM audit_logs), current_setting('app.tenant_id')")
                log.append(cur.fetchone())
                cur.execute("INSERT INTO orders (tenant_id, external_order_id, currency, total_amount, ordered_at) "
                            "VALUES (%s, %s, 'USD', 1, now())", (tenant, 'pooled-%d-%d' % (number, k)))
            conn.commit()
            with conn.cursor() as cur:  # a write into another tenant: refused
                tenancy.set_tenant(cur, tenant)
                try:
                    cur.execute("INSERT INTO orders (tenant_id, external_order_id, currency, total_amount, ordered_at) "
                                "VALUES (%s, %s, 'USD', 1, now())", (other, 'sneaky-%d-%d' % (number, k)))
                    errors.append('client %d wrote into tenant %s' % (number, other))
                except psycopg2.errors.InsufficientPrivilege:
                    pass
            conn.rollback()
        conn.close()

    def no_tenant_client(number):
        conn = psycopg2.connect(**bouncer.dsn('pooled', 'shoppulse_app', APP_PASSWORD))
        log = seen.setdefault(('none', number), [])
        start.wait()
        for dummy in range(TRANSACTIONS * 2):
            with conn.cursor() as cur:
                cur.execute("SELECT pg_backend_pid(), array(SELECT DISTINCT tenant_id::text FROM orders), "
                            "array(SELECT DISTINCT tenant_id::text FROM audit_logs), "
                            "coalesce(current_setting('app.tenant_id', true), '')")
                log.append(cur.fetchone())
            conn.commit()
        conn.close()

    threads = []
    for n in range(TENANTS * CLIENTS_PER_TENANT):
        tenant, other = tenancy.tenant_id(1 + n % TENANTS), tenancy.tenant_id(1 + (n + 1) % TENANTS)
        threads.append(threading.Thread(target=_collect(errors, tenant_client), args=(n, tenant, other)))
    threads += [threading.Thread(target=_collect(errors, no_tenant_client), args=(n,))
                for n in range(NO_TENANT_CLIENTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert not errors
    tenant_pids, empty_pids = set(), set()
    for (kind, number), rows in seen.items():
        assert rows, (kind, number)
        for pid, orders, audit, setting in rows:
            if kind == 'tenant':
                tenant = tenancy.tenant_id(1 + number % TENANTS)
                assert orders == [tenant] and audit == [tenant] and setting == tenant, (number, orders, audit)
                tenant_pids.add(pid)
            else:
                assert orders == [] and audit == [] and setting == '', (number, orders, audit, setting)
                empty_pids.add(pid)
    # the pooler really multiplexed: few server connections, each used by many tenants and by the
    # clients without a tenant
    assert len(tenant_pids | empty_pids) <= 3
    assert empty_pids <= tenant_pids
    per_tenant = {}
    for (kind, number), rows in seen.items():
        for pid, dummy, dummy2, dummy3 in rows:
            per_tenant.setdefault(pid, set()).add(number % TENANTS if kind == 'tenant' else None)
    assert max(len(tenants) for tenants in per_tenant.values()) > 2
    # every write landed in its own tenant, and only those
    counts = dict(database.query("SELECT tenant_id::text, count(*) FROM orders WHERE external_order_id LIKE "
                                 "'pooled-%%' GROUP BY 1"))
    assert counts == {tenancy.tenant_id(t): CLIENTS_PER_TENANT * TRANSACTIONS for t in range(1, TENANTS + 1)}
    for n in range(TENANTS * CLIENTS_PER_TENANT):
        owner = database.scalar("SELECT array_agg(DISTINCT tenant_id::text) FROM orders WHERE external_order_id "
                                "LIKE %s", ('pooled-%d-%%' % n,))
        assert owner == [tenancy.tenant_id(1 + n % TENANTS)], n
    assert database.scalar("SELECT count(*) FROM orders WHERE external_order_id LIKE 'sneaky-%%'") == 0


def _collect(errors, target):
    def run(*args):
        try:
            target(*args)
        except Exception as exc:  # pylint: disable=broad-except
            errors.append('%s%r: %r' % (target.__name__, args, exc))
    return run


def test_a_session_level_set_leaks_to_the_next_client_of_the_server_connection(pooled):
    """Why an application must never SET app.tenant_id for its session behind a pooler."""
    dummy, bouncer = pooled
    careless = psycopg2.connect(**bouncer.dsn('single', 'shoppulse_app', APP_PASSWORD))
    careless.autocommit = True
    with careless.cursor() as cur:
        cur.execute("SET app.tenant_id = %s", (tenancy.tenant_id(3),))  # outlives the transaction
    next_client = psycopg2.connect(**bouncer.dsn('single', 'shoppulse_app', APP_PASSWORD))
    with next_client.cursor() as cur:
        cur.execute('SELECT array(SELECT DISTINCT tenant_id::text FROM orders)')  # it set no tenant
        leaked = cur.fetchone()[0]
    next_client.rollback()
    # the transaction-scoped setting, by contrast, is gone for the next client
    with careless.cursor() as cur:
        cur.execute('RESET app.tenant_id')
    careless.autocommit = False
    with careless.cursor() as cur:
        tenancy.set_tenant(cur, tenancy.tenant_id(4))
    careless.commit()
    with next_client.cursor() as cur:
        cur.execute('SELECT array(SELECT DISTINCT tenant_id::text FROM orders)')
        after_local = cur.fetchone()[0]
    next_client.rollback()
    careless.close()
    next_client.close()
    assert leaked == [tenancy.tenant_id(3)]
    assert after_local == []
