# Copyright (c) 2026, ShopPulse platform team
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""schema_apply's engine against a real PostgreSQL server, with both drivers."""

import os
import signal
import subprocess
import sys
import threading
import time

import pytest

from ansible_collections.shoppulse.analytics.plugins.module_utils.schema import engine
from ansible_collections.shoppulse.analytics.plugins.module_utils.postgres.errors import EngineError
from ansible_collections.shoppulse.analytics.plugins.module_utils.schema.lock import LOCK_CLASS, lock_key

from support import LATEST, PYTHONPATH, SQL_DIR

# the engine on every PostgreSQL major the collection serves (15 to 18)
pytestmark = pytest.mark.all_versions

SEED_TABLES = {'tenants', 'users', 'orders', 'fulfillment', 'marketing_campaigns', 'role_metric_visibility',
               'governance_rules', 'audit_logs'}


# the ledger and its history, created under the migration lock by the first run that applies something
LEDGER = {'schema_migrations', 'schema_migrations_history'}


def write(directory, name, sql):
    (directory / name).write_text(sql)


def ledger(database):
    return database.query('SELECT version, checksum FROM schema_migrations ORDER BY version')


def test_first_apply_then_nothing_to_do(database, driver):
    conn = database.connect(driver)
    first = engine.run(conn, SQL_DIR)
    assert first['changed'] and first['previous_version'] is None and first['current_version'] == LATEST
    assert [m['version'] for m in first['applied']] == list(range(1, LATEST + 1))
    assert all(m['duration_ms'] >= 0 for m in first['applied'])
    assert database.tables() == SEED_TABLES | LEDGER
    second = engine.run(conn, SQL_DIR)
    assert not second['changed'] and second['applied'] == [] and second['pending'] == []
    assert second['current_version'] == LATEST and second['previous_version'] == LATEST
    rows = database.query('SELECT version, description, checksum, applied_at, applied_by, duration_ms, '
                          'transactional FROM schema_migrations ORDER BY version')
    assert [r[0] for r in rows] == list(range(1, LATEST + 1))
    assert rows[0][1] == 'tenants and updated at' and rows[0][4] == database.server.master
    assert [r[6] for r in rows] == [True] * 6 + [False] + [True] * (LATEST - 7)  # 7: CONCURRENTLY
    assert [r[2] for r in rows] == [m['checksum'] for m in first['applied']]


def test_check_mode_lists_what_would_be_applied_and_changes_nothing(database, driver, sql_copy):
    conn = database.connect(driver)
    would = engine.run(conn, str(sql_copy), check_mode=True)
    assert would['changed'] and [m['version'] for m in would['applied']] == list(range(1, LATEST + 1))
    assert would['current_version'] == LATEST
    assert database.tables() == set()  # not even the ledger
    engine.run(conn, str(sql_copy))
    write(sql_copy, '%04d_note.sql' % (LATEST + 1), 'ALTER TABLE orders ADD COLUMN note text;')
    would = engine.run(conn, str(sql_copy), check_mode=True)
    assert [m['file'] for m in would['applied']] == ['%04d_note.sql' % (LATEST + 1)] and would['current_version'] == LATEST + 1
    assert database.scalar("SELECT count(*) FROM information_schema.columns WHERE column_name = 'note'") == 0
    assert len(ledger(database)) == LATEST


def test_target_version_stops_there(database, driver):
    conn = database.connect(driver)
    result = engine.run(conn, SQL_DIR, target_version=3)
    assert result['current_version'] == 3 and [m['version'] for m in result['pending']] == list(range(4, LATEST + 1))
    assert 'audit_logs' not in database.tables()
    assert engine.run(conn, SQL_DIR)['current_version'] == LATEST


def test_concurrent_runs_apply_each_migration_once(database):
    results, errors = [], []

    def worker(driver):
        conn = database.connect(driver)
        try:
            results.append(engine.run(conn, SQL_DIR))
        except Exception as exc:  # pylint: disable=broad-except
            errors.append(exc)
        finally:
            conn.close()

    threads = [threading.Thread(target=worker, args=(('psycopg2', 'psycopg')[n % 2],)) for n in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert errors == []
    assert len(results) == 6 and all(r['current_version'] == LATEST for r in results)
    applied = sorted(m['version'] for r in results for m in r['applied'])
    assert applied == list(range(1, LATEST + 1))  # every migration applied by exactly one run
    assert [r[0] for r in ledger(database)] == list(range(1, LATEST + 1))


KILLABLE = """
CREATE TABLE half (a int);
INSERT INTO half VALUES (1);
SELECT pg_sleep(CASE WHEN current_setting('shoppulse.test_sleep', true) = 'on' THEN 60 ELSE 0 END);
CREATE TABLE other_half (b int);
"""


def test_a_run_killed_in_the_middle_of_a_migration_leaves_nothing_and_the_next_completes(database, tmp_path):
    sql = tmp_path / 'sql'
    sql.mkdir()
    write(sql, '0001_first.sql', 'CREATE TABLE first (a int);')
    write(sql, '0002_slow.sql', KILLABLE)
    script = ('import sys, json, psycopg2; '
              'from ansible_collections.shoppulse.analytics.plugins.module_utils.schema import engine; '
              'dsn = json.loads(sys.argv[1]); '
              'engine.run(psycopg2.connect(options="-c shoppulse.test_sleep=on", **dsn), sys.argv[2])')
    import json
    proc = subprocess.Popen([sys.executable, '-c', script, json.dumps(database.dsn()), str(sql)],
                            env=dict(os.environ, PYTHONPATH=PYTHONPATH))
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if database.scalar("SELECT count(*) FROM pg_stat_activity WHERE query LIKE 'SELECT pg_sleep%%' "
                           "AND datname = current_database()"):
            break
        time.sleep(0.05)
    else:
        proc.kill()
        pytest.fail('the migration never reached its slow statement')
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    # The server notices the dead client (client_connection_check_interval) and rolls back.
    deadline = time.monotonic() + 15
    while database.scalar("SELECT count(*) FROM pg_stat_activity WHERE query LIKE 'SELECT pg_sleep%%' "
                          "AND datname = current_database()"):
        assert time.monotonic() < deadline, 'the killed run still holds its backend'
        time.sleep(0.1)
    assert database.tables() == {'first'} | LEDGER
    assert [r[0] for r in ledger(database)] == [1]
    result = engine.run(database.connect(), str(sql))
    assert [m['version'] for m in result['applied']] == [2]
    assert database.tables() == {'first', 'half', 'other_half'} | LEDGER
    assert database.scalar('SELECT count(*) FROM half') == 1


def test_an_edited_applied_migration_stops_the_run_before_anything_is_applied(database, driver, sql_copy):
    conn = database.connect(driver)
    engine.run(conn, str(sql_copy), target_version=3)
    before = ledger(database)
    path = sql_copy / '0002_users.sql'
    path.write_text(path.read_text() + '\n-- an innocent looking edit\n')
    with pytest.raises(EngineError) as info:
        engine.run(conn, str(sql_copy))
    message = info.value.message
    assert '0002_users.sql (version 2) was changed after it was applied' in message
    assert before[1][1].strip() in message
    assert engine.discover(str(sql_copy))[1].checksum in message
    assert 'nothing was applied' in message
    assert ledger(database) == before and 'marketing_campaigns' not in database.tables()


def test_a_failing_statement_names_file_and_line_and_leaves_nothing_of_its_migration(database, driver, tmp_path):
    sql = tmp_path / 'sql'
    sql.mkdir()
    write(sql, '0001_ok.sql', 'CREATE TABLE ok (a int);')
    write(sql, '0002_broken.sql', 'CREATE TABLE x (a int);\nINSERT INTO x VALUES (1);\n\n'
                                  'CREATE TABLE y (\n  a int,\n  b nosuchtype\n);\n')
    conn = database.connect(driver)
    with pytest.raises(EngineError) as info:
        engine.run(conn, str(sql))
    assert info.value.message.startswith('0002_broken.sql line 6: type "nosuchtype" does not exist')
    assert 'nothing of it was applied' in info.value.message
    assert info.value.facts['line'] == 6 and info.value.facts['sqlstate'] == '42704'
    assert database.tables() == {'ok'} | LEDGER
    assert [r[0] for r in ledger(database)] == [1]
    write(sql, '0002_broken.sql', 'CREATE TABLE x (a int);\nINSERT INTO x VALUES (1);\n')
    assert [m['version'] for m in engine.run(conn, str(sql))['applied']] == [2]


def test_a_runtime_error_without_position_names_the_statement_line(database, tmp_path):
    sql = tmp_path / 'sql'
    sql.mkdir()
    write(sql, '0001_div.sql', 'CREATE TABLE z (a int);\n\nINSERT INTO z\n  SELECT 1 / 0;\n')
    with pytest.raises(EngineError) as info:
        engine.run(database.connect(), str(sql))
    assert info.value.message.startswith('0001_div.sql line 3: division by zero')
    assert database.tables() == set()  # the ledger this run created goes with its first migration


def test_concurrently_needs_the_no_transaction_directive(database, tmp_path):
    sql = tmp_path / 'sql'
    sql.mkdir()
    write(sql, '0001_t.sql', 'CREATE TABLE t (a int);')
    write(sql, '0002_idx.sql', '-- builds an index\n\nCREATE INDEX CONCURRENTLY t_a_idx ON t (a);\n')
    with pytest.raises(EngineError, match='0002_idx.sql line 3: CREATE INDEX CONCURRENTLY cannot run inside a '
                                          'transaction block'):
        engine.run(database.connect(), str(sql))
    write(sql, '0002_idx.sql', '-- shoppulse:no-transaction\nCREATE INDEX CONCURRENTLY t_a_idx ON t (a);\n')
    result = engine.run(database.connect(), str(sql))
    assert result['applied'][0]['transactional'] is False
    assert database.scalar("SELECT indisvalid FROM pg_index WHERE indexrelid = 't_a_idx'::regclass")


def test_lock_timeout_fails_a_migration_blocked_by_another_session(database, tmp_path):
    sql = tmp_path / 'sql'
    sql.mkdir()
    write(sql, '0001_t.sql', 'CREATE TABLE t (a int);')
    engine.run(database.connect(), str(sql))
    write(sql, '0002_alter.sql', 'ALTER TABLE t ADD COLUMN b int;')
    blocker = database.connect()
    with blocker.cursor() as cur:
        cur.execute('LOCK TABLE t IN ACCESS SHARE MODE')  # an open transaction reading t
    started = time.monotonic()
    with pytest.raises(EngineError, match='0002_alter.sql line 1: canceling statement due to lock timeout'):
        engine.run(database.connect(), str(sql), lock_timeout='200ms', lock_retries=0)
    assert time.monotonic() - started < 5
    blocker.rollback()
    assert [r[0] for r in ledger(database)] == [1]


def test_statement_timeout_fails_a_slow_migration(database, tmp_path):
    sql = tmp_path / 'sql'
    sql.mkdir()
    write(sql, '0001_slow.sql', 'CREATE TABLE s (a int);\nSELECT pg_sleep(5);')
    with pytest.raises(EngineError, match='0001_slow.sql line 2: canceling statement due to statement timeout'):
        engine.run(database.connect(), str(sql), statement_timeout='100ms')
    assert database.tables() == set()  # nothing left: the ledger this run created is dropped with the migration


def test_a_run_waits_for_the_migration_lock_and_gives_up_after_its_timeout(database):
    holder = database.connect()
    holder.autocommit = True
    key = lock_key('public', 'schema_migrations')
    with holder.cursor() as cur:
        cur.execute('SELECT pg_advisory_lock(%s, %s)', (LOCK_CLASS, key))
    with pytest.raises(EngineError, match='could not take the migration lock .* within 300ms'):
        engine.run(database.connect(), SQL_DIR, migration_lock_timeout='300ms')
    assert database.tables() == set()  # the ledger is created under the lock only
    holder.close()
    assert engine.run(database.connect(), SQL_DIR)['current_version'] == LATEST


def test_a_run_with_nothing_to_do_takes_no_lock_and_one_with_something_still_waits_for_it(database, sql_copy):
    """A run with nothing to do reads the ledger without the lock and ends (most runs: every site.yml after the
    first); one that finds something to do waits for the lock as before, and reads the ledger again under it."""
    sql = sql_copy
    assert engine.run(database.connect(), str(sql))['changed']
    holder = database.connect()
    holder.autocommit = True
    with holder.cursor() as cur:
        cur.execute('SELECT pg_advisory_lock(%s, %s)', (LOCK_CLASS, lock_key('public', 'schema_migrations')))
    again = engine.run(database.connect(), str(sql), migration_lock_timeout='300ms')
    assert not again['changed'] and again['current_version'] == LATEST and again['applied'] == []
    assert not again.check_mode and again.warnings(str(sql)) == []
    write(sql, '%04d_more_things.sql' % (LATEST + 1), 'CREATE TABLE more_things (id int);\n')
    with pytest.raises(EngineError, match='could not take the migration lock .* within 300ms'):
        engine.run(database.connect(), str(sql), migration_lock_timeout='300ms')
    assert 'more_things' not in database.tables()
    holder.close()
    assert engine.run(database.connect(), str(sql))['current_version'] == LATEST + 1


def test_what_a_migration_sets_for_its_session_ends_with_it(database, tmp_path):
    """A plain SET outlives its transaction, and a no-transaction migration's outlives the migration: the next
    migration must not run with it (here it could not create its table, nor take an index's parallel workers)."""
    sql = tmp_path / 'sql'
    sql.mkdir()
    write(sql, '0001_t.sql', 'CREATE TABLE t (a int);\nSET search_path = nowhere;\n')
    write(sql, '0002_idx.sql', '-- shoppulse:no-transaction\nSET max_parallel_maintenance_workers = 0;\nSET search_path = nowhere;\n'
                               'CREATE INDEX CONCURRENTLY IF NOT EXISTS t_a_idx ON public.t (a);\n')
    write(sql, '0003_u.sql', "CREATE TABLE u AS SELECT current_setting('max_parallel_maintenance_workers') AS workers;\n")
    conn = database.connect()
    result = engine.run(conn, str(sql))
    assert [m['version'] for m in result['applied']] == [1, 2, 3]
    assert database.tables() == {'t', 'u'} | LEDGER
    assert database.scalar('SELECT workers FROM u') == database.scalar("SELECT current_setting('max_parallel_maintenance_workers')")
    with conn.cursor() as cur:  # the run's own connection is as it was given, but for the dead-client check
        cur.execute("SELECT current_setting('search_path'), current_setting('lock_timeout'), current_setting('statement_timeout')")
        assert cur.fetchone() == ('"$user", public', '0', '0')
    conn.close()
