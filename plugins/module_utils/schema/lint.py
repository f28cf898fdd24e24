# -*- coding: utf-8 -*-
# Copyright (c) 2026, ShopPulse platform team
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Lint migrations with squawk, knowing the database they are about to run against.

Plain Python; no Ansible. squawk (PyPI ``squawk-cli``, a single binary) finds the
statements that take locks a live application notices or rewrite a table; it does
not know the database. This module adds what only the database knows:

- a finding of a rule in ``TABLE_RULES`` about a table that the same run creates
  (this migration or an earlier pending one), or that is empty, is dropped: the
  lock it warns about is taken on a table no application reads yet;
- such a finding about a table holding ``large_table_rows`` rows or more (from the
  catalog's statistics: ``pg_class.reltuples``, or the live rows of
  ``pg_stat_all_tables`` where the table was never analysed; never a count, which
  row-level security would make 0) is raised to an error, with the table's size;
- the other rules (types, naming, dropping objects) keep the level asked for.

The rules the runner itself satisfies (``RUNNER_RULES``: it sets lock_timeout and
statement_timeout on the server for every migration) are left out while it does.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os
import re
import shutil
import sys

from ansible_collections.shoppulse.analytics.plugins.module_utils.postgres.errors import EngineError
from ansible_collections.shoppulse.analytics.plugins.module_utils.postgres.sqlpatterns import created_tables, statement_target

try:
    from typing import Any, Callable, Dict, List, Optional, Sequence, Set, Tuple
except ImportError:  # pragma: no cover
    pass

LEVELS = ('error', 'warn', 'off')
DEFAULT_LEVEL = 'warn'
DEFAULT_LARGE_TABLE_ROWS = 100000
SQUAWK_PACKAGE = 'squawk-cli'

# squawk's rules about a lock on, or a rewrite of, one table with its rows: the ones that take part
TABLE_RULES = frozenset([
    'adding-field-with-default',         # a volatile default rewrites the table under ACCESS EXCLUSIVE
    'adding-foreign-key-constraint',     # validates every row while it blocks writes
    'adding-not-nullable-field',         # SET NOT NULL scans the table under ACCESS EXCLUSIVE
    'adding-primary-key-constraint',     # builds a unique index while it blocks reads and writes
    'adding-required-field',             # fails, or rewrites, on a table with rows
    'adding-serial-primary-key-field',   # rewrites the table
    'changing-column-type',              # rewrites the table and its indexes
    'constraint-missing-not-valid',      # validates every row while it blocks writes
    'disallowed-unique-constraint',      # builds a unique index while it blocks reads and writes
    'require-concurrent-index-creation',  # a plain CREATE INDEX blocks writes for the whole build
    'require-concurrent-index-deletion',  # a plain DROP INDEX waits for, then blocks, every query
])
# what the runner does for every migration, so that these rules are met (schema_apply's lock_timeout and
# statement_timeout; a rule comes back when its setting is turned off with 0)
RUNNER_RULES = dict([('require-lock-timeout', 'lock_timeout'), ('require-statement-timeout', 'statement_timeout')])


def _bare(name):
    # type: (str) -> str
    return name.rsplit('.', 1)[-1]


class Finding(object):
    """One finding: file, line, rule, squawk's message and help, and the level it ends with."""

    def __init__(self, migration, line, rule, message, help_text, level):
        # type: (Any, int, str, str, str, str) -> None
        self.migration = migration
        self.line = line
        self.rule = rule
        self.message = message
        self.help = help_text
        self.level = level   # 'error' or 'warn'
        self.table = None  # type: Optional[str]
        self.rows = None  # type: Optional[int]
        self.note = None  # type: Optional[str]  # what the database said about the table

    def text(self):
        # type: () -> str
        where = '%s line %d: %s: %s' % (self.migration.filename, self.line, self.rule, self.message.rstrip('.'))
        if self.note:
            where += ' (%s)' % self.note
        if self.help:
            where += '. Instead: %s' % self.help.rstrip('.')
        return where + '.'

    def as_dict(self):
        # type: () -> Dict[str, Any]
        return dict(file=self.migration.filename, version=self.migration.version, line=self.line, rule=self.rule,
                    level=self.level, message=self.message, help=self.help, table=self.table, rows=self.rows,
                    note=self.note)


ACCEPTED_FILE = 'lint-accepted.json'


def load_accepted(directory):
    # type: (str) -> Dict[Tuple[str, int, str], str]
    """{(file, line, rule): why} from ``directory``/lint-accepted.json, the findings that stay in released
    migrations (which can never change); empty when there is no such file."""
    path = os.path.join(directory, ACCEPTED_FILE)
    if not os.path.exists(path):
        return {}
    try:
        with open(path) as handle:
            entries = json.load(handle)['accepted']
        return dict(((e['file'], int(e['line']), e['rule']), e['why']) for e in entries)
    except (ValueError, KeyError, TypeError) as exc:
        raise EngineError('%s: not a list of accepted findings ({"accepted": [{"file", "line", "rule", "why"}]}): %s'
                          % (path, exc), file=path)


def find_squawk(path=None):
    # type: (Optional[str]) -> str
    """The squawk binary: ``path`` if given, else squawk on PATH, else beside the running Python (a virtualenv's bin)."""
    if path:
        if not (os.path.isfile(path) and os.access(path, os.X_OK)):
            raise EngineError('lint: squawk is not an executable file at %s (lint_squawk_path)' % path)
        return path
    found = shutil.which('squawk') or shutil.which('squawk', path=os.path.dirname(sys.executable))
    if not found:
        raise EngineError('lint: squawk is not installed on this node (looked on PATH and in %s): install it into the '
                          'Python that runs the modules (pip install %s), or set lint to off. Nothing was applied.'
                          % (os.path.dirname(sys.executable), SQUAWK_PACKAGE))
    return found


def validate_options(level, exclude=(), include=()):
    # type: (str, Sequence[str], Sequence[str]) -> None
    if level not in LEVELS:
        raise EngineError('lint must be one of %s (it is %r)' % (', '.join(LEVELS), level))
    for name in list(exclude or ()) + list(include or ()):
        if not re.match(r'^[a-z][a-z0-9-]*$', '%s' % name):
            raise EngineError('lint rule %r is not a squawk rule name (such as require-concurrent-index-creation)'
                              % (name,))


def run_squawk(squawk, migrations, exclude=(), include=(), pg_version=None, transactional=True, run=None):
    # type: (str, List[Any], Sequence[str], Sequence[str], Optional[str], bool, Optional[Callable]) -> List[Tuple[Any, int, str, str, str]]
    """squawk's findings on the files, as (migration, 1-based line, rule, message, help); EngineError if it cannot run.

    ``run(command)`` runs a command and returns (status, stdout bytes, stderr bytes): the module's
    run_command (AnsibleModule.run_command with encoding=None); the tests and tools give their own."""
    if run is None:
        raise EngineError('lint: no way to run squawk was given (run)')
    if not migrations:
        return []
    command = [squawk, '--reporter', 'json', '--no-error-on-unmatched-pattern']
    if transactional:
        command.append('--assume-in-transaction')
    if pg_version:
        command.append('--pg-version=%s' % pg_version)
    if exclude:
        command.append('--exclude=%s' % ','.join(exclude))
    if include:
        command.append('--include=%s' % ','.join(include))
    by_path = dict((os.path.abspath(m.path), m) for m in migrations)
    command += sorted(by_path)
    try:
        returncode, stdout, stderr = run(command)
    except OSError as exc:
        raise EngineError('lint: squawk (%s) could not run: %s. Nothing was applied.' % (squawk, exc))
    stderr = stderr.decode('utf-8', 'replace').strip()
    if returncode not in (0, 1):
        unknown = re.search(r"invalid rule name ([\w-]+)", stderr)
        if unknown:
            raise EngineError('lint: %s is not a squawk rule (lint_exclude, lint_include); squawk --help names the '
                              'rules. Nothing was applied.' % unknown.group(1))
        raise EngineError('lint: squawk (%s) failed with status %d: %s. Nothing was applied.'
                          % (squawk, returncode, stderr.splitlines()[-1] if stderr else 'no message'))
    try:
        reported = json.loads(stdout.decode('utf-8') or '[]')
    except ValueError:
        reported = None
    if not isinstance(reported, list):
        raise EngineError('lint: squawk (%s) did not report a JSON list (is it squawk 2?): %s. Nothing was applied.'
                          % (squawk, stdout[:200].decode('utf-8', 'replace')))
    findings = []
    for item in reported:
        migration = by_path.get(os.path.abspath(item.get('file', '')))
        if migration is None:
            continue
        findings.append((migration, int(item.get('line') or 0) + 1, item.get('rule_name') or 'unknown',
                         item.get('message') or '', item.get('help')))
    return findings


def statement_at(migration, line):
    # type: (Any, int) -> Any
    """The statement of ``migration`` that holds ``line``."""
    holding = None
    for statement in migration.statements:
        if statement.line > line:
            break
        holding = statement
    return holding


class TableFacts(object):
    """What the database says of a table, asked once per table: (rows, bytes) or None when it does not exist."""

    def __init__(self, cursor, large_table_rows):
        # type: (Any, int) -> None
        self.cursor = cursor
        self.large_table_rows = large_table_rows
        self.cache = {}  # type: Dict[Any, Any]

    def of_index(self, name):
        # type: (str) -> Optional[str]
        if self.cursor is None:
            return None
        self.cursor.execute('SELECT indrelid::regclass::text FROM pg_catalog.pg_index '
                            'WHERE indexrelid = pg_catalog.to_regclass(%s)', (name,))
        row = self.cursor.fetchone()
        return row[0] if row else None

    def size(self, table):
        # type: (str) -> Optional[Tuple[int, int, bool]]
        """(rows, bytes, known) of a table (its leaf partitions' sum): the catalog's estimate (reltuples, which
        ANALYZE and autovacuum keep), else the statistics' live rows; never a count, which row-level security
        would make 0 for the tables' owner. ``known`` is false for a table with pages but no estimate yet."""
        if self.cursor is None:
            return None
        if table not in self.cache:
            self.cursor.execute(
                'SELECT c.oid::regclass::text, '
                ' COALESCE(sum(CASE WHEN l.reltuples >= 0 THEN l.reltuples WHEN pg_catalog.pg_relation_size(l.oid) = 0 '
                '  THEN 0 ELSE COALESCE(s.n_live_tup, 0) END), 0), '
                ' COALESCE(sum(pg_catalog.pg_total_relation_size(l.oid)), 0), '
                ' NOT COALESCE(bool_or(l.reltuples < 0 AND pg_catalog.pg_relation_size(l.oid) > 0 '
                '  AND COALESCE(s.n_live_tup, 0) = 0), false) '
                'FROM pg_catalog.pg_class c '
                'LEFT JOIN LATERAL (SELECT t.relid FROM pg_catalog.pg_partition_tree(c.oid) t WHERE t.isleaf '
                ' AND c.relkind = %s UNION ALL SELECT c.oid::regclass WHERE c.relkind <> %s) leaf ON true '
                'LEFT JOIN pg_catalog.pg_class l ON l.oid = leaf.relid '
                'LEFT JOIN pg_catalog.pg_stat_all_tables s ON s.relid = l.oid '
                'WHERE c.oid = pg_catalog.to_regclass(%s) GROUP BY c.oid', ('p', 'p', '%s' % table))
            row = self.cursor.fetchone()
            self.cache[table] = None if row is None else (int(row[1]), int(row[2]), bool(row[3]))
        return self.cache[table]


def _size_text(rows, size):
    # type: (int, int) -> str
    units = ['bytes', 'kB', 'MB', 'GB', 'TB']
    value, unit = float(size), 0
    while value >= 1024 and unit < len(units) - 1:
        value, unit = value / 1024, unit + 1
    return 'about {0:,} rows, {1:.0f} {2}'.format(rows, value, units[unit]) if unit else \
        'about {0:,} rows, {1} bytes'.format(rows, size)


def _excluded_rules(settings, exclude):
    # type: (Dict[str, Any], Sequence[str]) -> List[str]
    """The rules left out: those asked for, and each of RUNNER_RULES while the runner sets its setting."""
    excluded = list(exclude or ())
    for rule, setting in sorted(RUNNER_RULES.items()):
        value = '%s' % settings.get(setting, '')
        if value and value.strip() not in ('0', '0ms', '0s') and rule not in excluded:
            excluded.append(rule)
    return excluded


def _weigh(finding, facts, own, created, large_table_rows):
    # type: (Finding, TableFacts, Set[str], Set[str], int) -> bool
    """Whether a finding about a table stays, weighed by that table: dropped when the migration or an earlier one
    of the run creates it, or it is empty; an error when it holds at least ``large_table_rows``."""
    migration, rule = finding.migration, finding.rule
    statement = statement_at(migration, finding.line)
    target = statement_target(statement.text) if statement is not None and rule in TABLE_RULES else None
    if target is None:
        return True
    kind, name = target
    table = facts.of_index(name) if kind == 'index' else name
    finding.table = table or name
    if table is not None and (table in own or _bare(table) in own or table in created or _bare(table) in created):
        finding.note = 'dropped: %s is created by %s' % (table, 'this migration' if table in own or _bare(table) in own
                                                         else 'an earlier migration of this run')
        return False
    size = facts.size(table) if table is not None else None
    if size is not None and not size[2]:
        finding.note = '%s has pages but no row estimate yet (ANALYZE it)' % table
    elif size is not None:
        finding.rows = size[0]
        if size[0] == 0:
            finding.note = 'dropped: %s is empty' % table
            return False
        if size[0] >= large_table_rows:
            finding.level = 'error'
            finding.note = '%s holds %s: at least lint_large_table_rows (%d), so this is an error' % (
                table, _size_text(size[0], size[1]), large_table_rows)
        else:
            finding.note = '%s holds %s' % (table, _size_text(size[0], size[1]))
    return True


def lint(migrations, squawk, level=DEFAULT_LEVEL, exclude=(), include=(), cursor=None, pg_version=None,
         large_table_rows=DEFAULT_LARGE_TABLE_ROWS, runner_settings=None, accepted=None, run=None):
    # type: (List[Any], str, str, Sequence[str], Sequence[str], Any, Optional[str], int, Any, Any, Any) -> Tuple[List[Finding], List[Finding]]
    """Lint the migrations a run would apply; returns (kept findings, dropped findings).

    ``cursor`` (a DB-API cursor on the target database) makes the lint know the live tables; without
    one, only the tables the migrations themselves create are known (as on an empty database).
    ``runner_settings`` maps lock_timeout and statement_timeout to what the runner sets (a rule of
    RUNNER_RULES is left out while its setting is on). ``accepted`` (load_accepted's) findings are dropped,
    with their reason.
    """
    accepted = accepted or {}
    validate_options(level, exclude, include)
    if level == 'off' or not migrations:
        return [], []
    excluded = _excluded_rules(runner_settings or {}, exclude)
    raw = []
    for transactional in (True, False):
        group = [m for m in migrations if m.transactional == transactional]
        raw += run_squawk(squawk, group, excluded, include, pg_version, transactional, run=run)
    facts = TableFacts(cursor, large_table_rows)
    created = set()  # type: Set[str]  # tables the migrations before this one (in this run) create
    kept, dropped = [], []  # type: Tuple[List[Finding], List[Finding]]
    order = dict((m.version, i) for i, m in enumerate(migrations))
    raw.sort(key=lambda f: (order[f[0].version], f[1]))
    by_version = {}  # type: Dict[int, List[Tuple[Any, int, str, str, str]]]
    for found in raw:
        by_version.setdefault(found[0].version, []).append(found)
    for migration in migrations:
        own = created_tables(migration)
        for dummy, line, rule, message, help_text in by_version.get(migration.version, []):
            finding = Finding(migration, line, rule, message, help_text, 'error' if level == 'error' else 'warn')
            why = accepted.get((migration.filename, line, rule))
            if why is not None:
                finding.note = 'accepted (%s): %s' % (ACCEPTED_FILE, why)
                dropped.append(finding)
            elif rule == 'syntax-error':
                finding.level = 'warn'
                finding.note = 'squawk could not parse this statement, so its rules did not check the file; ' \
                               'PostgreSQL is the judge of its syntax'
                kept.append(finding)
            elif _weigh(finding, facts, own, created, large_table_rows):
                kept.append(finding)
            else:
                dropped.append(finding)
        created |= own
        created |= set(_bare(t) for t in own)
    return kept, dropped
