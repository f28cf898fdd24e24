# Copyright (c) 2026, ShopPulse platform team
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The ledger's life (issue 20): adopting a database built with psql (a verified baseline), the audited repairs of
one version (accept a changed checksum, forget a failed no-transaction attempt) and their history, on real servers
of every version, as the RDS-like master user."""

import os

import pytest

from ansible_collections.shoppulse.analytics.plugins.module_utils.schema import engine, inventory
from ansible_collections.shoppulse.analytics.plugins.module_utils.schema import drift
from ansible_collections.shoppulse.analytics.plugins.module_utils.postgres.errors import EngineError

from support import LATEST, ROOT, SQL_DIR
from support.database import Database

pytestmark = pytest.mark.all_versions

MANIFEST = drift.read_manifest(os.path.join(ROOT, 'files', 'manifest.yml'))
NEXT = ('%04d_orders_note.sql' % (LATEST + 1), 'ALTER TABLE orders ADD COLUMN note text;\n')


def psql_build(database):
    """The migration files run one by one with `psql -f`, as the seed's script built its database: every statement
    applies (no migration names the ledger, which the engine owns)."""
    errors = database.psql_files(sorted(os.path.join(SQL_DIR, n) for n in os.listdir(SQL_DIR) if n.endswith('.sql')))
    assert errors == [], errors


def history(database):
    return database.query('SELECT action, version, reason, done_by, details FROM schema_migrations_history ORDER BY id')


def ledger(database):
    return database.query('SELECT version, checksum FROM schema_migrations ORDER BY version')


def baseline(reason='adopted from the seed script'):
    return dict(version=LATEST, manifest=MANIFEST, reason=reason)


def test_a_database_built_with_psql_is_baselined_then_a_new_migration_applies(database, sql_copy):
    psql_build(database)
    assert 'schema_migrations' not in database.tables()
    (sql_copy / NEXT[0]).write_text(NEXT[1])
    conn = database.connect()

    check = engine.run(conn, str(sql_copy), check_mode=True, baseline=baseline())
    assert check['changed'] and [m['version'] for m in check['baselined']] == list(range(1, LATEST + 1))
    assert [m['version'] for m in check['applied']] == [LATEST + 1] and check['current_version'] == LATEST + 1
    assert 'schema_migrations' not in database.tables()  # check mode records nothing

    result = engine.run(conn, str(sql_copy), baseline=baseline())
    assert [m['version'] for m in result['baselined']] == list(range(1, LATEST + 1))
    assert [m['version'] for m in result['applied']] == [LATEST + 1]
    assert result['previous_version'] is None and result['current_version'] == LATEST + 1
    assert [row[0] for row in ledger(database)] == list(range(1, LATEST + 2))
    rows = history(database)
    assert [(r[0], r[1], r[2], r[3]) for r in rows] == [
        ('baseline', v, 'adopted from the seed script', database.server.master) for v in range(1, LATEST + 1)]
    assert rows[0][4] == {'file': sorted(os.listdir(SQL_DIR))[0], 'baseline_version': LATEST}

    again = engine.run(conn, str(sql_copy), baseline=baseline())
    assert not again['changed'] and again['baselined'] == [] and again['applied'] == []
    # what psql built and the baseline adopted is what the migrations build
    adopted = inventory.read_inventory(conn)
    conn.close()
    built = Database(database.server, database.name + '_built')
    database.execute('CREATE DATABASE %s' % built.name)
    try:
        conn = built.connect()
        engine.run(conn, str(sql_copy))
        assert dict(inventory.read_inventory(conn), database_name=None) == dict(adopted, database_name=None)
        conn.close()
    finally:
        database.execute('DROP DATABASE %s WITH (FORCE)' % built.name)


def test_a_baseline_on_a_database_that_differs_names_every_difference_and_records_nothing(database):
    psql_build(database)
    database.execute('DROP INDEX orders_tenant_ordered_at_idx')
    database.execute('ALTER TABLE users ADD COLUMN nickname text')
    database.execute('DROP POLICY tenant_isolation ON orders')
    conn = database.connect()
    for check_mode in (True, False):
        with pytest.raises(EngineError) as info:
            engine.run(conn, SQL_DIR, check_mode=check_mode, baseline=baseline())
        message = info.value.message
        assert message.startswith('baseline at version %d refused: the database differs from the manifest of version '
                                  '%d in 3 place(s)' % (LATEST, LATEST)), message
        for part in ('missing index orders.orders_tenant_ordered_at_idx', 'unexpected column users.nickname',
                     'missing policy orders.tenant_isolation', 'Nothing was recorded'):
            assert part in message, message
        assert len(info.value.facts['differences']) == 3
    conn.close()
    assert not database.tables() & {'schema_migrations', 'schema_migrations_history'}


def test_a_baseline_version_that_matches_no_manifest_or_no_file_is_refused(database):
    psql_build(database)
    conn = database.connect()
    with pytest.raises(EngineError, match='baseline version %d matches no manifest: the manifest given describes the '
                                          'schema at version %d' % (LATEST - 1, LATEST)):
        engine.run(conn, SQL_DIR, baseline=dict(baseline(), version=LATEST - 1))
    with pytest.raises(EngineError, match='baseline version 999 matches no migration file'):
        engine.run(conn, SQL_DIR, baseline=dict(baseline(), version=999))
    conn.close()
    assert not database.tables() & {'schema_migrations', 'schema_migrations_history'}


def test_accept_checksum_repairs_one_edited_version_and_writes_why(database, sql_copy):
    conn = database.connect()
    engine.run(conn, str(sql_copy))
    edited = sorted(sql_copy.glob('0003_*.sql'))[0]
    edited.write_text(edited.read_text() + '\n-- a comment added after release\n')
    with pytest.raises(EngineError, match='was changed after it was applied'):
        engine.run(conn, str(sql_copy))
    before = ledger(database)

    check = engine.repair(conn, str(sql_copy), 'accept_checksum', 3, 'comment only (PR 412)', check_mode=True)
    assert check['changed'] and check['repair']['old_checksum'] == before[2][1].strip()
    assert ledger(database) == before and history(database) == []  # check mode: nothing written

    done = engine.repair(conn, str(sql_copy), 'accept_checksum', 3, 'comment only (PR 412)')
    assert done['changed'] and done['history_table'] == 'public.schema_migrations_history'
    after = ledger(database)
    assert after[2][1] == done['repair']['new_checksum'] != before[2][1]
    assert [a for a, b in zip(after, before) if a != b] == [after[2]]  # only version 3
    assert history(database) == [('accept checksum', 3, 'comment only (PR 412)', database.server.master,
                                  {'file': edited.name, 'old_checksum': before[2][1].strip()})]
    assert engine.run(conn, str(sql_copy))['changed'] is False
    assert engine.repair(conn, str(sql_copy), 'accept_checksum', 3, 'again')['changed'] is False
    assert len(history(database)) == 1
    conn.close()


def test_a_repair_of_what_does_not_exist_or_without_a_reason_changes_nothing(database, sql_copy):
    conn = database.connect()
    engine.run(conn, str(sql_copy))
    before = ledger(database), history(database)
    for args, expected in (((999, 'why'), 'repair: version 999 is neither a migration file nor in the ledger'),
                           ((3, '  '), 'a repair needs a reason')):
        with pytest.raises(EngineError, match=expected):
            engine.repair(conn, str(sql_copy), 'accept_checksum', *args)
    with pytest.raises(EngineError, match='repair action must be one of accept_checksum, forget_failed'):
        engine.repair(conn, str(sql_copy), 'everything', 3, 'why')
    (sql_copy / NEXT[0]).write_text(NEXT[1])
    with pytest.raises(EngineError, match='version %d is not applied' % (LATEST + 1)):
        engine.repair(conn, str(sql_copy), 'accept_checksum', LATEST + 1, 'why')
    assert (ledger(database), history(database)) == before
    conn.close()


# a no-transaction migration whose last statement fails on the first attempt only (one row, then two)
FLAKY = ('-- shoppulse:no-transaction\n'
         'CREATE TABLE IF NOT EXISTS attempts (at timestamptz DEFAULT now());\n'
         'INSERT INTO attempts DEFAULT VALUES;\n'
         'SELECT 1 / ((SELECT count(*) FROM attempts) - 1)::int;\n')


def test_a_failed_no_transaction_attempt_is_remembered_and_run_again_unchanged(database, tmp_path):
    (tmp_path / '0001_flaky.sql').write_text(FLAKY)
    conn = database.connect()
    with pytest.raises(EngineError, match='0001_flaky.sql line 4: division by zero'):
        engine.run(conn, str(tmp_path))
    [(action, version, reason, done_by, details)] = history(database)
    assert (action, version, reason, details['line'], details['sqlstate']) == ('failed attempt', 1, None, 4, '22012')
    assert done_by == database.server.master
    result = engine.run(conn, str(tmp_path))
    assert [m['version'] for m in result['applied']] == [1]
    assert [(f['file'], f['line']) for f in result['earlier_failures']] == [('0001_flaky.sql', 4)]
    assert engine.run(conn, str(tmp_path))['earlier_failures'] == []  # applied since: no longer open
    conn.close()


def test_a_changed_file_after_a_failed_attempt_is_refused_until_the_attempt_is_forgotten(database, tmp_path):
    path = tmp_path / '0001_flaky.sql'
    path.write_text(FLAKY)
    conn = database.connect()
    with pytest.raises(EngineError):
        engine.run(conn, str(tmp_path))
    path.write_text(FLAKY.replace('SELECT 1 / ((SELECT count(*) FROM attempts) - 1)::int;\n', 'SELECT 1;\n'))
    for check_mode in (True, False):
        with pytest.raises(EngineError) as info:
            engine.run(conn, str(tmp_path), check_mode=check_mode)
        assert '0001_flaky.sql (version 1, no-transaction) failed part way at' in info.value.message
        assert 'line 4' in info.value.message and 'the file was changed since' in info.value.message
        assert 'forget_failed' in info.value.message and 'Nothing was applied' in info.value.message
    assert database.scalar('SELECT count(*) FROM attempts') == 1  # the refused runs ran nothing of it

    check = engine.repair(conn, str(tmp_path), 'forget_failed', 1, 'cleaned by hand', check_mode=True)
    assert check['changed'] and check['repair']['failure']['line'] == 4 and len(history(database)) == 1
    done = engine.repair(conn, str(tmp_path), 'forget_failed', 1, 'looked at attempts: one row, kept')
    assert done['changed']
    assert [(r[0], r[2]) for r in history(database)] == [('failed attempt', None),
                                                         ('forget failed', 'looked at attempts: one row, kept')]
    assert engine.repair(conn, str(tmp_path), 'forget_failed', 1, 'again')['changed'] is False
    result = engine.run(conn, str(tmp_path))
    assert [m['version'] for m in result['applied']] == [1] and result['earlier_failures'] == []
    assert database.scalar('SELECT count(*) FROM attempts') == 2
    conn.close()


def test_a_ledger_made_before_its_history_gets_one_owned_as_the_ledger_is(database):
    conn = database.connect()
    engine.run(conn, SQL_DIR)
    database.execute('DROP TABLE schema_migrations_history')  # as an earlier release of the collection left it
    check = engine.run(conn, SQL_DIR, check_mode=True)
    assert check['changed'] and check['ledger_upgraded'] and check['applied'] == []
    assert 'schema_migrations_history' not in database.tables()
    result = engine.run(conn, SQL_DIR)
    assert result['changed'] and result['ledger_upgraded'] and result['applied'] == []
    assert database.scalar("SELECT tableowner FROM pg_tables WHERE tablename = 'schema_migrations_history'") == \
        database.scalar("SELECT tableowner FROM pg_tables WHERE tablename = 'schema_migrations'") == 'shoppulse_owner'
    assert drift.compare(MANIFEST, inventory.read_inventory(conn)) == []
    again = engine.run(conn, SQL_DIR)
    assert not again['changed'] and not again['ledger_upgraded']
    conn.close()


def test_any_ledger_name_works_with_the_collections_migrations_and_the_engine_gives_it_to_the_schemas_owner(database):
    """No migration names the ledger (0008 gave schema_migrations to shoppulse_owner by name, and failed with any
    other ledger_table after committing 0001-0007): the engine gives the ledger to the schema's owner itself."""
    conn = database.connect()
    result = engine.run(conn, SQL_DIR, ledger_table='my_ledger')
    assert result['current_version'] == LATEST and 'schema_migrations' not in database.tables()
    owners = database.query("SELECT tablename, tableowner FROM pg_tables WHERE tablename LIKE 'my_ledger%' ORDER BY 1")
    assert owners == [('my_ledger', 'shoppulse_owner'), ('my_ledger_history', 'shoppulse_owner')], owners
    assert engine.run(conn, SQL_DIR, ledger_table='my_ledger')['changed'] is False
    conn.close()


def test_a_ledger_that_recorded_a_superseded_text_records_the_file_with_its_history(database, sql_copy):
    """0008's text until the engine owned the ledger is in the ledgers of existing databases: the file says it
    supersedes that checksum, and the next run records the file's, in the history, and changes nothing else. A
    checksum the file does not name is still an edited migration."""
    conn = database.connect()
    engine.run(conn, str(sql_copy))
    eighth = [m for m in engine.discover(str(sql_copy)) if m.version == 8][0]
    old = eighth.supersedes[0]
    database.execute('UPDATE schema_migrations SET checksum = %s WHERE version = 8', (old,))
    before = inventory.read_inventory(conn)

    check = engine.run(conn, str(sql_copy), check_mode=True)
    assert check['changed'] and [m['version'] for m in check['superseded']] == [8]
    assert ledger(database)[7] == (8, old)  # check mode records nothing
    done = engine.run(conn, str(sql_copy))
    assert done['changed'] and [m['file'] for m in done['superseded']] == [eighth.filename] and done['applied'] == []
    assert ledger(database)[7] == (8, eighth.checksum)
    assert [(r[0], r[1], r[4]['old_checksum']) for r in history(database)] == [('accept checksum', 8, old)]
    assert 'supersedes' in history(database)[0][2]
    assert inventory.read_inventory(conn) == before
    assert engine.run(conn, str(sql_copy))['changed'] is False

    database.execute('UPDATE schema_migrations SET checksum = %s WHERE version = 8', ('e' * 64,))
    with pytest.raises(EngineError, match='0008_roles_and_privileges.sql .version 8. was changed after it was applied'):
        engine.run(conn, str(sql_copy))
    conn.close()
