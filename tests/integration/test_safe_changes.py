# Copyright (c) 2026, ShopPulse platform team
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Safe schema changes on a real server, as RDS's master user (issue 19).

- the lint knows the live database: the same file passes where its table is empty and fails where it holds rows;
- a transactional migration that fails on lock_timeout is rolled back and tried again, each attempt reported;
  any other error is not;
- a concurrent index build ended part way leaves an INVALID index, which the next run drops and builds again,
  and which schema_verify names as drift;
- the server itself ends a statement at statement_timeout, with no client left to cancel it.

Rows are set up by the set-up superuser (the tables force row-level security, and the master has no policy);
every migration runs as the master user.
"""

import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time

import psycopg2
import pytest
import yaml

from ansible_collections.shoppulse.analytics.plugins.module_utils.schema import inventory as inventorylib
from ansible_collections.shoppulse.analytics.plugins.module_utils.schema import drift
from ansible_collections.shoppulse.analytics.plugins.module_utils.schema import engine
from ansible_collections.shoppulse.analytics.plugins.module_utils.postgres.errors import EngineError

from support import LATEST, PYTHONPATH, SQL_DIR, lintrun
from support import playbook as runner

# on every PostgreSQL major the collection serves (15 to 18): the catalogs and the lock behaviour are the server's
pytestmark = pytest.mark.all_versions

TENANT = '8a1f2c3e-0001-4b5a-9c1d-000000000001'
NEXT = LATEST + 1


def with_migration(tmp_path, sql, name='orders_change'):
    """The collection's migrations and one more, the next version."""
    directory = tmp_path / 'sql'
    if not directory.exists():
        shutil.copytree(SQL_DIR, directory)
    (directory / ('%04d_%s.sql' % (NEXT, name))).write_text(sql)
    return str(directory)


def add_orders(database, count):
    database.admin_execute(
        "INSERT INTO orders (tenant_id, external_order_id, currency, total_amount, ordered_at) "
        "SELECT %s, 'ext-' || g, 'USD', g, now() - g * interval '1 minute' FROM generate_series(1, %s) g",
        (TENANT, count))
    database.admin_execute('ANALYZE orders')


def version_of(database):
    return database.scalar('SELECT max(version) FROM schema_migrations')


ADD_COLUMN = 'ALTER TABLE orders ADD COLUMN note text;\n'
UNSAFE = """-- an index built the blocking way, and a foreign key validated while it blocks writes
CREATE INDEX orders_customer_idx ON orders (tenant_id, customer_ref);
ALTER TABLE orders ADD CONSTRAINT orders_customer_fkey FOREIGN KEY (tenant_id) REFERENCES tenants (tenant_id);
"""


def test_the_same_file_passes_on_an_empty_table_and_fails_on_one_with_rows(seeded_db, tmp_path):
    path = with_migration(tmp_path, UNSAFE)
    lint = dict(level='warn', large_table_rows=1000, run=lintrun.run)
    conn = seeded_db.connect()
    try:
        # orders is empty: both findings are dropped, and the migration applies
        would = engine.run(conn, path, check_mode=True, lint=lint)
        assert would['lint']['findings'] == []
        assert sorted((f['line'], f['rule'], f['note']) for f in would['lint']['dropped']) == [
            (2, 'require-concurrent-index-creation', 'dropped: orders is empty'),
            (3, 'adding-foreign-key-constraint', 'dropped: orders is empty'),
            (3, 'constraint-missing-not-valid', 'dropped: orders is empty')]
    finally:
        conn.close()

    # the same file on a database whose orders hold 5,000 rows: errors naming the table's size; nothing applied
    add_orders(seeded_db, 5000)
    conn = seeded_db.connect()
    try:
        for check_mode in (True, False):
            with pytest.raises(EngineError) as caught:
                engine.run(conn, path, check_mode=check_mode, lint=lint)
            message = caught.value.message
            assert message.startswith('the lint found 3 error(s) in the migrations to apply; nothing was applied: '
                                      '%04d_orders_change.sql line 2: require-concurrent-index-creation: ' % NEXT), message
            assert 'orders holds about 5,000 rows' in message and 'at least lint_large_table_rows (1000)' in message
            assert 'Instead: ' in message and 'line 3: adding-foreign-key-constraint' in message
            assert [f['level'] for f in caught.value.facts['lint']['findings']] == ['error'] * 3
            assert version_of(seeded_db) == LATEST
        # lint off: the owner's choice, the migration applies
        done = engine.run(conn, path, lint=dict(run=lintrun.run, level='off'))
        assert [m['version'] for m in done['applied']] == [NEXT]
    finally:
        conn.close()


def test_under_the_threshold_a_finding_keeps_its_level_with_the_size(seeded_db, tmp_path):
    path = with_migration(tmp_path, UNSAFE)
    add_orders(seeded_db, 50)
    conn = seeded_db.connect()
    try:
        result = engine.run(conn, path, check_mode=True, lint=dict(run=lintrun.run, level='warn', large_table_rows=1000))
        assert sorted((f['rule'], f['level'], f['rows']) for f in result['lint']['findings']) == [
            ('adding-foreign-key-constraint', 'warn', 50), ('constraint-missing-not-valid', 'warn', 50),
            ('require-concurrent-index-creation', 'warn', 50)]
        assert 'orders holds about 50 rows' in result['warnings'][0]
        with pytest.raises(EngineError, match='the lint found 3 error'):
            engine.run(conn, path, check_mode=True, lint=dict(run=lintrun.run, level='error', large_table_rows=1000))
        # nothing pending: no lint at all (no squawk needed)
        engine.run(conn, path, lint=dict(run=lintrun.run, level='off'))
        again = engine.run(conn, path, lint=dict(run=lintrun.run, level='error', large_table_rows=1, squawk_path='/nowhere/squawk'))
        assert again['changed'] is False and again['lint'] == dict(findings=[], dropped=[])
    finally:
        conn.close()


def test_a_node_without_squawk_fails_at_level_error_and_is_said_at_level_warn(seeded_db, tmp_path, monkeypatch):
    path = with_migration(tmp_path, ADD_COLUMN)
    monkeypatch.setenv('PATH', str(tmp_path))
    monkeypatch.setattr(sys, 'executable', str(tmp_path / 'python'))
    conn = seeded_db.connect()
    try:
        with pytest.raises(EngineError, match='lint: squawk is not installed on this node .* Nothing was applied.'):
            engine.run(conn, path, lint=dict(run=lintrun.run, level='error'))
        assert version_of(seeded_db) == LATEST
        result = engine.run(conn, path, lint=dict(run=lintrun.run, level='warn'))
    finally:
        conn.close()
    assert [m['version'] for m in result['applied']] == [NEXT]
    assert result['warnings'] == [result['lint']['skipped']]
    assert result['lint']['skipped'].endswith('the migrations were applied without a lint.')


class Holder:
    """Another session that holds a lock on orders in an open transaction, as a long report would."""

    def __init__(self, database, sql='LOCK TABLE orders IN ACCESS SHARE MODE'):
        self.conn = psycopg2.connect(**database.dsn())
        self.conn.cursor().execute(sql)  # psycopg2 opened a transaction: the lock is held until release()
        self.released = False

    def release(self):
        if not self.released:
            self.conn.rollback()
            self.conn.close()
            self.released = True


def test_a_lock_timeout_is_rolled_back_and_tried_again_until_the_lock_is_free(seeded_db, tmp_path):
    path = with_migration(tmp_path, ADD_COLUMN)
    holder = Holder(seeded_db)
    sleeps = []

    def sleep(seconds):  # the first wait after a failed attempt: the report ends
        sleeps.append(seconds)
        holder.release()

    conn = seeded_db.connect()
    try:
        result = engine.run(conn, path, lint=dict(run=lintrun.run, level='off'), lock_timeout='200ms', lock_retries=3,
                            lock_retry_delay='100ms', sleep=sleep)
    finally:
        holder.release()
        conn.close()
    assert [m['version'] for m in result['applied']] == [NEXT]
    assert [(r['file'], r['attempt'], r['line'], r['retry_in_seconds']) for r in result['lock_timeout_retries']] == [
        ('%04d_orders_change.sql' % NEXT, 1, 1, 0.1)]
    assert 'lock timeout (SQLSTATE 55P03)' in result['lock_timeout_retries'][0]['error']
    assert sleeps == [0.1]
    assert seeded_db.scalar("SELECT count(*) FROM information_schema.columns WHERE table_name = 'orders' "
                            "AND column_name = 'note'") == 1


def test_a_lock_never_released_fails_after_the_retries_with_nothing_applied(seeded_db, tmp_path):
    path = with_migration(tmp_path, 'ALTER TABLE tenants ADD COLUMN region text;\n' + ADD_COLUMN)
    holder = Holder(seeded_db)
    sleeps = []
    conn = seeded_db.connect()
    try:
        with pytest.raises(EngineError) as caught:
            engine.run(conn, path, lint=dict(run=lintrun.run, level='off'), lock_timeout='100ms', lock_retries=2,
                       lock_retry_delay='50ms', sleep=sleeps.append)
    finally:
        holder.release()
        conn.close()
    message = caught.value.message
    assert message.startswith('%04d_orders_change.sql line 2: canceling statement due to lock timeout (SQLSTATE 55P03); '
                              'the migration was rolled back' % NEXT), message
    assert 'lock_timeout 100ms; attempt 3 of 3, lock_retries 2' in message
    assert sleeps == [0.05, 0.1]  # doubled each time
    assert [r['attempt'] for r in caught.value.facts['lock_timeout_retries']] == [1, 2]
    assert version_of(seeded_db) == LATEST
    assert seeded_db.scalar("SELECT count(*) FROM information_schema.columns WHERE column_name IN ('note', 'region') "
                            "AND table_name IN ('orders', 'tenants')") == 0  # the first statement was rolled back too


def test_other_errors_are_never_tried_again(seeded_db, tmp_path):
    path = with_migration(tmp_path, 'ALTER TABLE orders ADD COLUMN total_amount numeric;\n')
    sleeps = []
    conn = seeded_db.connect()
    try:
        with pytest.raises(EngineError, match=r'line 1: column "total_amount" of relation "orders" already exists'):
            engine.run(conn, path, lint=dict(run=lintrun.run, level='off'), lock_retries=5, sleep=sleeps.append)
    finally:
        conn.close()
    assert sleeps == []


CONCURRENT = """-- shoppulse:no-transaction
CREATE INDEX CONCURRENTLY IF NOT EXISTS orders_customer_ref_idx ON orders (tenant_id, customer_ref);
"""


def progress_of(database, index):
    return database.query('SELECT p.pid, p.phase FROM pg_stat_progress_create_index p '
                          'WHERE p.index_relid = to_regclass(%s)', (index,))


@pytest.mark.parametrize('end', ['cancel', 'terminate'])
def test_a_concurrent_build_ended_part_way_is_dropped_and_built_again(seeded_db, tmp_path, end):
    path = with_migration(tmp_path, CONCURRENT, name='orders_customer_ref')
    add_orders(seeded_db, 2000)
    # a writer in an open transaction: the build waits for it before it starts, with the index already INVALID
    writer = Holder(seeded_db, "UPDATE tenants SET name = name WHERE tenant_id = '%s'" % TENANT)
    writer.conn.cursor().execute("UPDATE orders SET customer_ref = 'c1' WHERE external_order_id = 'ext-1'")
    failure = []

    def apply():
        conn = seeded_db.connect()
        try:
            engine.run(conn, path, lint=dict(run=lintrun.run, level='off'), lock_timeout='0')
        except EngineError as exc:
            failure.append(exc)
        finally:
            conn.close()

    thread = threading.Thread(target=apply)
    thread.start()
    deadline = time.monotonic() + 30
    while not progress_of(seeded_db, 'orders_customer_ref_idx') and time.monotonic() < deadline:
        time.sleep(0.05)
    (pid, phase), = progress_of(seeded_db, 'orders_customer_ref_idx')
    assert phase.startswith('waiting for'), phase
    seeded_db.execute('SELECT pg_%s_backend(%%s)' % end, (pid,))  # the master may end its own sessions
    thread.join(30)
    writer.release()
    assert failure and 'no-transaction' in failure[0].message, failure
    assert seeded_db.query("SELECT indisvalid FROM pg_index WHERE indexrelid = 'orders_customer_ref_idx'::regclass") == [(False,)]
    assert version_of(seeded_db) == LATEST

    # schema_verify's comparison names it: a manifest that expects the index, valid
    conn = seeded_db.connect()
    try:
        live = inventorylib.read_inventory(conn)
        expected = yaml.safe_load(yaml.safe_dump(live))
        expected['tables']['orders']['indexes']['orders_customer_ref_idx']['valid'] = True
        assert drift.report_lines(drift.compare(expected, live)) == [
            'invalid index orders.orders_customer_ref_idx']

        # check mode says what it would drop, and drops nothing
        would = engine.run(conn, path, check_mode=True, lint=dict(run=lintrun.run, level='off'))
        assert [(i['index'], i['table'], i['line']) for i in would['dropped_invalid_indexes']] == [
            ('orders_customer_ref_idx', 'orders', 2)]
        assert seeded_db.scalar("SELECT count(*) FROM pg_index WHERE NOT indisvalid") == 1
        # the run drops it and builds it again: IF NOT EXISTS does not keep the broken one
        done = engine.run(conn, path, lint=dict(run=lintrun.run, level='off'))
        assert [i['index'] for i in done['dropped_invalid_indexes']] == ['orders_customer_ref_idx']
        assert [m['version'] for m in done['applied']] == [NEXT]
    finally:
        conn.close()
    assert seeded_db.query("SELECT indisvalid FROM pg_index WHERE indexrelid = 'orders_customer_ref_idx'::regclass") == [(True,)]
    assert seeded_db.scalar("SELECT count(*) FROM pg_index WHERE NOT indisvalid") == 0


class PinningProxy:
    """A TCP relay that does what RDS Proxy does to a client that goes away mid-statement: it keeps its
    connection to the server (and passes no cancel request), so the server never hears that the client left."""

    def __init__(self, port):
        self.listener = socket.socket()
        self.listener.bind(('127.0.0.1', 0))
        self.listener.listen(1)
        self.port = self.listener.getsockname()[1]
        self.target = port
        self.kept = []
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self):
        client = self.listener.accept()[0]
        server = socket.create_connection(('127.0.0.1', self.target))
        self.kept += [client, server]
        threading.Thread(target=self._pump, args=(client, server), daemon=True).start()
        self._pump(server, client)

    @staticmethod
    def _pump(source, sink):
        while True:
            try:
                data = source.recv(65536)
            except OSError:
                return
            if not data:
                return  # the client left: the server side is kept open, as the proxy keeps it
            try:
                sink.sendall(data)
            except OSError:
                pass  # nobody to give the server's answer to: it is dropped

    def close(self):
        for sock in self.kept + [self.listener]:
            sock.close()


KILLED_CLIENT = """
import sys
from ansible_collections.shoppulse.analytics.plugins.module_utils.schema import engine
import psycopg2
conn = psycopg2.connect(**eval(sys.argv[1]))
engine.run(conn, sys.argv[2], statement_timeout=sys.argv[3])
"""


@pytest.mark.parametrize('statement_timeout, ended', [('2s', True), ('0', False)])
def test_the_server_ends_a_statement_at_statement_timeout_when_the_client_is_gone(
        seeded_db, tmp_path, statement_timeout, ended):
    """The client is killed mid-statement behind a pinning proxy: with a statement_timeout, the server ends the
    statement itself within it; without one (0), the statement runs on, unnoticed."""
    path = with_migration(tmp_path, 'SELECT pg_sleep(60);\n', name='slow')
    proxy = PinningProxy(seeded_db.server.port)
    client = subprocess.Popen([sys.executable, '-c', KILLED_CLIENT, repr(seeded_db.dsn(port=proxy.port)), path,
                               statement_timeout], env=dict(os.environ, PYTHONPATH=PYTHONPATH))
    try:
        deadline = time.monotonic() + 30
        sleeping = []
        while not sleeping and time.monotonic() < deadline:
            sleeping = seeded_db.query("SELECT pid FROM pg_stat_activity WHERE query = 'SELECT pg_sleep(60)' "
                                       "AND state = 'active'")
            time.sleep(0.05)
        assert sleeping, 'the migration never started'
        client.send_signal(signal.SIGKILL)
        client.wait()
        killed = time.monotonic()
        pid = sleeping[0][0]
        while time.monotonic() - killed < 5:
            state = seeded_db.query('SELECT state FROM pg_stat_activity WHERE pid = %s', (pid,))
            if state != [('active',)]:
                break
            time.sleep(0.1)
        assert (state != [('active',)]) is ended, state  # with statement_timeout 2s: within 5 s of the kill
    finally:
        client.kill()
        client.wait()
        seeded_db.admin_execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE query LIKE '%pg_sleep(60)%' "
                                "AND pid <> pg_backend_pid()")
        proxy.close()


def test_every_migration_runs_with_the_default_timeouts_set_on_the_server(seeded_db, tmp_path):
    path = with_migration(tmp_path, "CREATE TABLE settings_seen AS SELECT current_setting('lock_timeout') AS lock_timeout, "
                                    "current_setting('statement_timeout') AS statement_timeout;\n", name='settings')
    conn = seeded_db.connect()
    try:
        engine.run(conn, path, lint=dict(run=lintrun.run, level='off'))
    finally:
        conn.close()
    assert seeded_db.query('SELECT lock_timeout, statement_timeout FROM settings_seen') == [('10s', '15min')]
    # and the session's own settings are as they were afterwards (SET LOCAL, in the migration's transaction)
    assert seeded_db.query("SELECT current_setting('lock_timeout'), current_setting('statement_timeout')") == [('0', '0')]


def test_the_module_reports_findings_as_warnings_and_fails_in_check_mode_on_a_large_table(seeded_db, tmp_path):
    """Through Ansible, as the schema role runs it: warnings naming file, line and rule; then an error, in check
    mode, once the table is large; nothing applied."""
    path = with_migration(tmp_path, UNSAFE)
    add_orders(seeded_db, 300)
    connection = dict(login_host='localhost', login_port=seeded_db.server.port, login_db=seeded_db.name,
                      ssl_mode='verify-full', ca_cert=seeded_db.server.ca_cert, **seeded_db.migrator_login())
    tasks = [dict(name='warn', **{'shoppulse.analytics.schema_apply': dict(path=path, lint_large_table_rows=1000)}),
             dict(name='large', **{'shoppulse.analytics.schema_apply': dict(path=path, lint_large_table_rows=200)})]
    play = tmp_path / 'play.yml'
    play.write_text(yaml.safe_dump([dict(name='lint', hosts='localhost', gather_facts=False, tasks=tasks,
                                         module_defaults={'group/shoppulse.analytics.postgresql': connection})]))
    result = runner.run(str(play), '--check', env=runner.environment(ANSIBLE_LOCAL_TEMP=str(tmp_path / 'tmp')))
    assert result.returncode != 0
    results = dict(result.tasks)
    warnings = results['warn']['warnings']
    assert any(w.startswith('lint: %04d_orders_change.sql line 2: require-concurrent-index-creation: ' % NEXT)
               and 'orders holds about 300 rows' in w for w in warnings), warnings
    assert results['warn']['changed'] and results['warn']['lint']['dropped'] == []
    assert 'the lint found 3 error(s)' in results['large']['msg'] and 'lint_large_table_rows (200)' in results['large']['msg']
    assert version_of(seeded_db) == LATEST
