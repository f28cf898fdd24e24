# Copyright (c) 2026, ShopPulse platform team
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Discovery and planning: pure logic over files and a ledger, no database."""

import hashlib
import os

import pytest

from ansible_collections.shoppulse.analytics.plugins.module_utils.postgres.errors import EngineError
from ansible_collections.shoppulse.analytics.plugins.module_utils.schema.files import discover
from ansible_collections.shoppulse.analytics.plugins.module_utils.schema.ledger import Applied
from ansible_collections.shoppulse.analytics.plugins.module_utils.schema.plan import plan_migrations
from ansible_collections.shoppulse.analytics.plugins.module_utils.schema.settings import interval_seconds
from support import ROOT


def write(directory, name, content):
    path = directory / name
    path.write_bytes(content if isinstance(content, bytes) else content.encode('utf-8'))
    return path


def test_the_collection_migrations_are_discovered_in_order():
    migrations = discover(os.path.join(ROOT, 'files', 'sql'))
    versions = [m.version for m in migrations]
    assert versions == sorted(versions) and len(set(versions)) == len(versions)
    concurrent = [m for m in migrations if not m.transactional]
    assert concurrent and all('CONCURRENTLY' in s.text for m in concurrent for s in m.statements)


def test_version_description_checksum(tmp_path):
    write(tmp_path, '0002_add_users.sql', 'SELECT 2;')
    write(tmp_path, '1_first_one.sql', 'SELECT 1;')
    write(tmp_path, 'README.md', 'not a migration')
    first, second = discover(str(tmp_path))
    assert (first.version, first.description, second.version, second.description) == (1, 'first one', 2, 'add users')
    assert second.checksum == hashlib.sha256(b'SELECT 2;').hexdigest()


@pytest.mark.parametrize('files, message', [
    ({}, 'holds no migration'),
    ({'0001_a.sql': 'SELECT 1;', '001_b.sql': 'SELECT 1;'}, 'duplicate migration version 1: 0001_a.sql and 001_b.sql'),
    ({'add_users.sql': 'SELECT 1;'}, 'not a migration file name'),
    ({'0000_zero.sql': 'SELECT 1;'}, 'versions start at 1'),
    ({'0001_empty.sql': '-- nothing\n'}, '0001_empty.sql: the migration holds no SQL statement'),
    ({'0001_latin.sql': b'SELECT 1;\nSELECT \'caf\xe9\';'}, '0001_latin.sql line 2: the file is not valid UTF-8'),
    ({'0001_tx.sql': 'CREATE TABLE t (a int);\nCOMMIT;'}, '0001_tx.sql line 2: transaction control (COMMIT)'),
    ({'0001_open.sql': "SELECT 1;\n\nSELECT 'x"}, '0001_open.sql line 3: unterminated quoted string'),
])
def test_bad_directories_are_refused_with_the_file_and_line(tmp_path, files, message):
    for name, content in files.items():
        write(tmp_path, name, content)
    with pytest.raises(EngineError) as info:
        discover(str(tmp_path))
    assert message in info.value.message


def test_missing_directory(tmp_path):
    with pytest.raises(EngineError, match='does not exist'):
        discover(str(tmp_path / 'nope'))


@pytest.fixture
def three(tmp_path):
    for version in (1, 2, 3):
        write(tmp_path, '%04d_step_%d.sql' % (version, version), 'SELECT %d;' % version)
    return discover(str(tmp_path))


def ledger(migrations, *versions):
    return dict((m.version, Applied(m.version, m.checksum, m.description, True)) for m in migrations if m.version in versions)


def test_plan_on_an_empty_database_applies_everything(three):
    plan = plan_migrations(three, {})
    assert [m.version for m in plan.pending] == [1, 2, 3] and plan.current_version is None


def test_plan_after_everything_is_applied_is_empty(three):
    plan = plan_migrations(three, ledger(three, 1, 2, 3))
    assert plan.pending == [] and plan.current_version == 3


def test_plan_respects_target_version(three):
    assert [m.version for m in plan_migrations(three, ledger(three, 1), target_version=2).pending] == [2]


def test_a_database_beyond_the_target_is_reverted_only_with_down_files(three):
    with pytest.raises(EngineError, match=r'cannot revert the database from version 3 to 2; nothing was reverted: '
                                          r'0003_step_3.sql has no down file \(0003_step_3.down.sql\)'):
        plan_migrations(three, ledger(three, 1, 2, 3), target_version=2)


def test_a_revert_plan_runs_the_down_files_newest_first(tmp_path, three):
    for version in (2, 3):
        write(tmp_path, '%04d_step_%d.down.sql' % (version, version), 'SELECT -%d;' % version)
    found = discover(str(tmp_path))
    assert [m.version for m in found] == [1, 2, 3] and found[0].down is None
    plan = plan_migrations(found, ledger(found, 1, 2, 3), target_version=1)
    assert [m.down.filename for m in plan.revert] == ['0003_step_3.down.sql', '0002_step_2.down.sql']
    assert plan.pending == [] and plan.current_version == 3
    with pytest.raises(EngineError, match='0001_step_1.sql has no down file'):
        plan_migrations(found, ledger(found, 1, 2, 3), target_version=0)
    # one that the ledger says ran outside a transaction, and one whose file is gone
    applied = ledger(found, 1, 2, 3)
    applied[2] = applied[2]._replace(transactional=False)
    applied[4] = Applied(4, 'f' * 64, 'gone', True)
    with pytest.raises(EngineError) as info:
        plan_migrations(found, applied, target_version=1)
    assert 'version 4 has no file in the directory' in info.value.message
    assert '0002_step_2.sql ran outside a transaction' in info.value.message


def test_a_revert_with_migrations_below_the_target_not_applied_is_refused(tmp_path, three):
    write(tmp_path, '0003_step_3.down.sql', 'SELECT -3;')
    found = discover(str(tmp_path))
    with pytest.raises(EngineError, match=r'at or below target_version 2 are not applied \(0002_step_2.sql\)'):
        plan_migrations(found, ledger(found, 1, 3), target_version=2, out_of_order=True)


@pytest.mark.parametrize('name, text, message', [
    ('0009_gone.down.sql', 'SELECT 1;', 'a down file without its migration'),
    ('0003_step_3.down.sql', '-- shoppulse:no-transaction\nSELECT 1;', 'a down file runs in a transaction'),
])
def test_bad_down_files_are_refused(tmp_path, three, name, text, message):
    write(tmp_path, name, text)
    with pytest.raises(EngineError, match=message):
        discover(str(tmp_path))


def test_plan_refuses_an_unknown_target(three):
    with pytest.raises(EngineError, match='target_version 9 matches no migration'):
        plan_migrations(three, {}, target_version=9)


def test_edited_migration_names_file_and_both_checksums(three):
    applied = ledger(three, 1, 2)
    applied[2] = applied[2]._replace(checksum='0' * 64)
    with pytest.raises(EngineError) as info:
        plan_migrations(three, applied)
    message = info.value.message
    assert '0002_step_2.sql' in message and '0' * 64 in message and three[1].checksum in message
    assert 'nothing was applied' in message


def test_out_of_order_is_refused_unless_allowed(three):
    applied = ledger(three, 1, 3)
    with pytest.raises(EngineError, match='0002_step_2.sql .version 2. is older than the current version 3'):
        plan_migrations(three, applied)
    assert [m.version for m in plan_migrations(three, applied, out_of_order=True).pending] == [2]


def test_versions_without_files_are_reported(three):
    applied = ledger(three, 1, 2, 3)
    applied[9] = ('f' * 64, 'gone')
    assert plan_migrations(three, applied).missing == [9]


@pytest.mark.parametrize('text, seconds', [('500ms', 0.5), ('10s', 10), ('5min', 300), ('1h', 3600), ('250', 0.25),
                                           (' 2 s ', 2), ('1d', 86400)])
def test_interval_seconds(text, seconds):
    assert interval_seconds(text) == pytest.approx(seconds)


@pytest.mark.parametrize('text', ['', 'soon', '5 minutes', '-1s', '1.5s'])
def test_interval_seconds_refuses_what_postgresql_would_not_take(text):
    with pytest.raises(EngineError, match='is not a duration'):
        interval_seconds(text)


def test_a_file_that_supersedes_the_recorded_checksum_is_planned_as_superseded_not_edited(tmp_path):
    write(tmp_path, '0001_first.sql', '-- shoppulse:supersedes %s\nSELECT 1;\n' % ('a' * 64))
    found = discover(str(tmp_path))
    assert found[0].supersedes == ['a' * 64]
    plan = plan_migrations(found, {1: Applied(1, 'a' * 64, 'first', True)})
    assert [(m.version, old) for m, old in plan.superseded] == [(1, 'a' * 64)] and plan.pending == [] and plan.work
    with pytest.raises(EngineError, match='0001_first.sql .version 1. was changed after it was applied'):
        plan_migrations(found, {1: Applied(1, 'b' * 64, 'first', True)})


@pytest.mark.parametrize('value', ['', 'a' * 63, 'A' * 64, 'a' * 64 + ' and more'])
def test_a_supersedes_directive_without_a_checksum_is_refused_naming_file_and_line(tmp_path, value):
    write(tmp_path, '0001_first.sql', '-- first\n-- shoppulse:supersedes %s\nSELECT 1;\n' % value)
    with pytest.raises(EngineError, match=r'0001_first.sql line 2: "-- shoppulse:supersedes" takes the sha256 checksum'):
        discover(str(tmp_path))
