# Copyright (c) 2026, ShopPulse platform team
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The lint without a database: squawk itself (the binary of squawk-cli), what the collection adds to it, bad input.

What the lint says of live tables (empty, large) is tested on real servers: tests/integration/test_safe_changes.py.
"""

import functools
import sys

import pytest

from ansible_collections.shoppulse.analytics.plugins.module_utils.schema import lint
from ansible_collections.shoppulse.analytics.plugins.module_utils.postgres.errors import EngineError
from ansible_collections.shoppulse.analytics.plugins.module_utils.schema.files import discover
from support import SQL_DIR, lintrun

lint_ = functools.partial(lint.lint, run=lintrun.run)


@pytest.fixture(scope='module')
def squawk():
    return lint.find_squawk()


def migrations_of(tmp_path, files):
    tmp_path.mkdir(exist_ok=True)
    for name, text in files.items():
        (tmp_path / name).write_text(text)
    return discover(str(tmp_path))


@pytest.mark.parametrize('text, target', [
    ('ALTER TABLE orders ADD COLUMN note text', ('table', 'orders')),
    ('alter table if exists only public.Orders add column x int', ('table', 'public.orders')),
    ('-- a comment\nALTER TABLE "Mixed""Case" VALIDATE CONSTRAINT c', ('table', 'Mixed"Case')),
    ('CREATE INDEX ON orders (tenant_id)', ('table', 'orders')),
    ('CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS o_idx ON ONLY public.orders (a)', ('table', 'public.orders')),
    ('CREATE INDEX o_idx ON orders USING btree (a)', ('table', 'orders')),
    ('DROP INDEX CONCURRENTLY IF EXISTS o_idx', ('index', 'o_idx')),
    ('CREATE UNLOGGED TABLE IF NOT EXISTS t (a int)', ('table', 't')),
    ('SELECT 1', None),
])
def test_the_table_a_statement_locks(text, target):
    assert lint.statement_target(text) == target


def test_the_collection_migrations_have_no_finding_about_a_lock_on_an_empty_database(squawk):
    """make lint's view: what the shipped migrations lock, they created; what is left are the type and drop rules."""
    kept, dropped = lint_(discover(SQL_DIR), squawk, runner_settings=dict(lock_timeout='10s', statement_timeout='15min'))
    assert not [f.text() for f in kept if f.rule in lint.TABLE_RULES]
    assert sorted(set(f.rule for f in kept)) == ['ban-char-field', 'ban-drop-function', 'prefer-bigint-over-int']
    assert all(f.level == 'warn' for f in kept)
    # those stay (the files were released), each accepted with its reason: a fresh install warns of none
    accepted = lint.load_accepted(SQL_DIR)
    kept, dropped = lint_(discover(SQL_DIR), squawk, accepted=accepted,
                          runner_settings=dict(lock_timeout='10s', statement_timeout='15min'))
    assert kept == [] and len(dropped) == len(accepted) == 7
    assert all(f.note.startswith('accepted (lint-accepted.json): ') for f in dropped)


@pytest.mark.parametrize('text', ['not json', '{"accepted": [{"file": "a.sql"}]}', '[]'])
def test_a_malformed_accepted_file_is_refused_naming_it(tmp_path, text):
    (tmp_path / 'lint-accepted.json').write_text(text)
    with pytest.raises(EngineError, match='lint-accepted.json: not a list of accepted findings'):
        lint.load_accepted(str(tmp_path))


def test_a_lock_finding_on_a_table_an_earlier_migration_of_the_run_creates_is_dropped(tmp_path, squawk):
    migrations = migrations_of(tmp_path, {
        '0001_orders.sql': 'CREATE TABLE orders (id bigint PRIMARY KEY, tenant_id uuid);\n',
        '0002_index.sql': '-- plain, not concurrently\nCREATE INDEX orders_tenant_idx ON orders (tenant_id);\n',
        '0003_other.sql': 'CREATE INDEX customers_idx ON customers (tenant_id);\n',
    })
    kept, dropped = lint_(migrations, squawk, runner_settings=dict(lock_timeout='10s', statement_timeout='15min'))
    assert [(f.migration.filename, f.line, f.rule, f.note) for f in dropped] == [
        ('0002_index.sql', 2, 'require-concurrent-index-creation', 'dropped: orders is created by an earlier migration of this run')]
    # a table the run does not create, and no database to ask: squawk's finding at the level asked for
    assert [(f.migration.filename, f.line, f.rule, f.level, f.table) for f in kept] == [
        ('0003_other.sql', 1, 'require-concurrent-index-creation', 'warn', 'customers')]
    text = kept[0].text()
    assert text.startswith('0003_other.sql line 1: require-concurrent-index-creation: ') and 'Instead: ' in text
    kept, dropped = lint_(migrations[2:], squawk, level='error',
                          runner_settings=dict(lock_timeout='10s', statement_timeout='15min'))
    assert [f.level for f in kept] == ['error']


def test_the_timeout_rules_are_left_out_while_the_runner_sets_them(tmp_path, squawk):
    migrations = migrations_of(tmp_path, {'0001_a.sql': 'ALTER TABLE orders ADD COLUMN note text;\n'})
    kept, dropped = lint_(migrations, squawk, runner_settings=dict(lock_timeout='10s', statement_timeout='15min'))
    assert [f.rule for f in kept] == []
    kept, dropped = lint_(migrations, squawk, runner_settings=dict(lock_timeout='0', statement_timeout='15min'))
    assert [f.rule for f in kept] == ['require-lock-timeout']


def test_rules_are_chosen_and_a_syntax_squawk_cannot_parse_is_a_warning(tmp_path, squawk):
    migrations = migrations_of(tmp_path, {'0001_a.sql': 'CREATE TABLE t (code char(2));\n'})
    settings = dict(lock_timeout='10s', statement_timeout='15min')
    assert [f.rule for f in lint_(migrations, squawk, runner_settings=settings)[0]] == ['ban-char-field']
    assert lint_(migrations, squawk, exclude=['ban-char-field'], runner_settings=settings)[0] == []
    assert sorted(f.rule for f in lint_(migrations, squawk, include=['require-table-schema'],
                                        runner_settings=settings)[0]) == ['ban-char-field', 'require-table-schema']
    assert lint_(migrations, squawk, level='off') == ([], [])
    # what squawk cannot parse, PostgreSQL judges when the migration runs: a warning even at level error
    broken = migrations_of(tmp_path / 'broken', {'0001_b.sql': 'SELECT 1;\nCREATE TABLE t (a int;\n'})
    kept, dropped = lint_(broken, squawk, level='error', runner_settings=settings)
    assert [(f.line, f.rule, f.level) for f in kept] == [(2, 'syntax-error', 'warn')]
    assert 'squawk could not parse this statement' in kept[0].text()


@pytest.mark.parametrize('options, message', [
    (dict(level='loud'), "lint must be one of error, warn, off (it is 'loud')"),
    (dict(exclude=['no-such-rule']), 'lint: no-such-rule is not a squawk rule'),
    (dict(include=['Not A Rule']), "lint rule 'Not A Rule' is not a squawk rule name"),
])
def test_bad_lint_options_are_refused_clearly(tmp_path, squawk, options, message):
    migrations = migrations_of(tmp_path, {'0001_a.sql': 'SELECT 1;\n'})
    with pytest.raises(EngineError) as caught:
        lint_(migrations, squawk, **options)
    assert message in caught.value.message


def test_a_missing_or_broken_squawk_is_said_clearly(tmp_path, monkeypatch):
    monkeypatch.setenv('PATH', str(tmp_path))
    monkeypatch.setattr(sys, 'executable', str(tmp_path / 'python'))
    with pytest.raises(EngineError, match=r'squawk is not installed on this node .*pip install squawk-cli.*lint to off'):
        lint.find_squawk()
    with pytest.raises(EngineError, match='squawk is not an executable file at /nowhere/squawk'):
        lint.find_squawk('/nowhere/squawk')
    fake = tmp_path / 'squawk'
    fake.write_text('#!/bin/sh\necho "not json"\nexit 1\n')
    fake.chmod(0o755)
    migrations = migrations_of(tmp_path, {'0001_a.sql': 'SELECT 1;\n'})
    with pytest.raises(EngineError, match='did not report a JSON list'):
        lint_(migrations, str(fake))
    fake.write_text('#!/bin/sh\necho "segfault" >&2\nexit 139\n')
    with pytest.raises(EngineError, match='failed with status 139: segfault'):
        lint_(migrations, str(fake))
