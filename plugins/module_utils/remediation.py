# -*- coding: utf-8 -*-
# Copyright (c) 2026, ShopPulse platform team
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Repair drift from the manifest: the SQL that restores what the manifest defines and the database lost or changed.

Plain Python over a DB-API connection of psycopg2 or psycopg 3; no Ansible.

What is repaired (from the differences of inventory.compare): indexes (built CONCURRENTLY, so that the
applications keep writing; a changed or INVALID one is dropped CONCURRENTLY and built again), triggers (and
whether they are enabled), policies, the row-level security flags, the owner and grants of a table (missing
privileges granted, privileges beyond the manifest's revoked; those of single columns too), and comments.

What is never done: a table, a column or a row is never dropped or changed, and nothing the manifest does not
define is dropped (an unexpected index, trigger or policy is named, for a person to decide). Columns,
constraints, views, functions, roles, missing tables and the indexes that carry a constraint are named as what
this cannot repair.

The transactional repairs run in one transaction (with a lock timeout: a repair that waits for a busy table fails
instead of stalling the applications, and nothing of it is left); the index builds follow, one by one, outside
a transaction, as CREATE INDEX CONCURRENTLY must.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

from ansible_collections.shoppulse.analytics.plugins.module_utils import pgcompat
from ansible_collections.shoppulse.analytics.plugins.module_utils.errors import EngineError
from ansible_collections.shoppulse.analytics.plugins.module_utils.migrations import (
    DEFAULT_LOCK_TIMEOUT,
    DEFAULT_STATEMENT_TIMEOUT,
)
from ansible_collections.shoppulse.analytics.plugins.module_utils.privileges import schema_search_path
from ansible_collections.shoppulse.analytics.plugins.module_utils.sqlscript import quote_ident
NOT_DEFINED = 'not in the manifest: left as it is (drop it by hand if it should not be there)'
_INDEX_KEYWORD = re.compile(r'^(CREATE\s+(?:UNIQUE\s+)?INDEX)\s+', re.IGNORECASE)


def literal(text):
    """An SQL string literal (the repairs run with standard_conforming_strings on)."""
    return "'%s'" % text.replace("'", "''")


class Step(object):
    """One repair: the difference it answers and its statements."""

    def __init__(self, difference, statements, transactional=True, index=None):
        self.difference = difference
        self.statements = statements
        self.transactional = transactional
        self.index = index  # the schema-qualified index an index build makes

    def as_dict(self):
        d = self.difference
        return dict(kind=d['kind'], name=d['name'], problem=d['problem'], sql=list(self.statements))


def _split_table_name(name, tables):
    """('orders', 'orders_tenant_idx') for 'orders.orders_tenant_idx', the longest table name that fits."""
    fits = [t for t in tables if name.startswith(t + '.')]
    if not fits:
        return None, name
    table = max(fits, key=len)
    return table, name[len(table) + 1:]


def _privileges(text):
    return set(p for p in (text or '').split(',') if p)


def _grantee(name):
    return 'PUBLIC' if name == 'PUBLIC' else quote_ident(name)


def _grant_statements(target, expected, actual):
    """GRANT and REVOKE turning ``actual`` ({grantee: 'INSERT,SELECT'}) into ``expected``; ``target`` makes the
    text between the verb and TO/FROM from the sorted privileges ("INSERT, SELECT ON t", "INSERT (c) ON t")."""
    statements = []
    for grantee in sorted(set(expected or {}) | set(actual or {})):
        want, have = _privileges((expected or {}).get(grantee)), _privileges((actual or {}).get(grantee))
        for verb, privileges, direction in (('GRANT', want - have, 'TO'), ('REVOKE', have - want, 'FROM')):
            if privileges:
                statements.append('%s %s %s %s' % (verb, target(sorted(privileges)), direction, _grantee(grantee)))
    return statements


def _table_grants(table_sql, expected, actual, column_grants):
    """The table-wide privileges; a REVOKE of one takes the same privilege off every column too (PostgreSQL
    does so), so the manifest's column privileges of that kind are granted again after it."""
    statements = _grant_statements(lambda p: '%s ON %s' % (', '.join(p), table_sql), expected, actual)
    revoked = set()
    for grantee in actual or {}:
        revoked.update((grantee, p) for p in _privileges(actual[grantee]) - _privileges((expected or {}).get(grantee)))
    again = {}
    for column, grants in column_grants.items():
        for grantee, privileges in grants.items():
            kept = sorted(p for p in _privileges(privileges) if (grantee, p) in revoked)
            if kept:
                again.setdefault(column, {})[grantee] = ','.join(kept)
    return statements + _column_grants(table_sql, again, {})


def _column_grants(table_sql, expected, actual):
    """The privileges on single columns: {column: {grantee: 'INSERT,UPDATE'}}."""
    statements = []
    for column in sorted(set(expected or {}) | set(actual or {})):
        statements += _grant_statements(
            lambda p, c=column: ', '.join('%s (%s)' % (each, quote_ident(c)) for each in p) + ' ON ' + table_sql,
            (expected or {}).get(column), (actual or {}).get(column))
    return statements


def _policy_sql(table_sql, name, policy):
    roles = ', '.join('PUBLIC' if r == 'public' else r for r in policy.get('roles') or ['public'])
    sql = 'CREATE POLICY %s ON %s AS %s FOR %s TO %s' % (
        quote_ident(name), table_sql, 'PERMISSIVE' if policy.get('permissive', True) else 'RESTRICTIVE',
        policy.get('command') or 'ALL', roles)
    if policy.get('using'):
        sql += ' USING (%s)' % policy['using']
    if policy.get('with_check'):
        sql += ' WITH CHECK (%s)' % policy['with_check']
    return sql


def _comment_target(target, schema):
    """'table tenants' -> 'TABLE "public"."tenants"'; None for what is not understood."""
    kind, name = target.split(' ', 1) if ' ' in target else (target, '')
    if kind in ('table', 'view'):
        return '%s %s.%s' % (kind.upper(), quote_ident(schema), quote_ident(name))
    if kind == 'column' and '.' in name:
        table, column = name.split('.', 1)
        return 'COLUMN %s.%s.%s' % (quote_ident(schema), quote_ident(table), quote_ident(column))
    if kind == 'function' and name.endswith(')') and '(' in name:
        function, arguments = name.split('(', 1)
        return 'FUNCTION %s.%s(%s' % (quote_ident(schema), quote_ident(function), arguments)
    return None


def plan(manifest, differences, schema=None):
    """The repairs of ``differences`` (inventory.compare(manifest, live)): ([Step], [not repaired]).

    Each difference not repaired is returned with ``reason``; the steps come in the order they run: the
    transactional ones first, then the index builds.
    """
    schema = schema or manifest.get('schema') or 'public'
    tables = manifest.get('tables') or {}
    steps, left = [], []

    def leave(difference, reason):
        left.append(dict(difference, reason=reason))

    for d in differences:
        kind, problem = d['kind'], d['problem']
        table, name = _split_table_name(d['name'], tables) if kind in (
            'index', 'trigger', 'policy', 'table setting') else (None, d['name'])
        table_sql = '%s.%s' % (quote_ident(schema), quote_ident(table)) if table else None
        expected = d.get('expected')
        if kind == 'index':
            constraints = (tables.get(table) or {}).get('constraints') or {}
            if problem == 'unexpected' or expected is None:
                leave(d, NOT_DEFINED)
            elif expected.get('primary') or name in constraints:
                leave(d, 'the index of constraint %s: constraints are not repaired' % name)
            else:
                build, found = _INDEX_KEYWORD.subn(r'\1 CONCURRENTLY ', expected['definition'], count=1)
                if not found:
                    leave(d, 'its definition is not an index definition: %s' % expected['definition'])
                    continue
                index = '%s.%s' % (quote_ident(schema), quote_ident(name))
                statements = [build] if problem == 'missing' else ['DROP INDEX CONCURRENTLY IF EXISTS %s' % index, build]
                steps.append(Step(d, statements, transactional=False, index=index))
        elif kind == 'trigger':
            actual = d.get('actual')
            if problem == 'unexpected':
                leave(d, NOT_DEFINED)
                continue
            statements = []
            only_enabled = problem == 'different' and dict(actual, enabled=expected.get('enabled')) == expected
            if not only_enabled:
                if problem == 'different':
                    statements.append('DROP TRIGGER %s ON %s' % (quote_ident(name), table_sql))
                statements.append(expected['definition'])
            if expected.get('enabled', True) is False or (problem == 'different' and actual.get('enabled') is False):
                statements.append('ALTER TABLE %s %s TRIGGER %s' % (
                    table_sql, 'ENABLE' if expected.get('enabled', True) else 'DISABLE', quote_ident(name)))
            steps.append(Step(d, statements))
        elif kind == 'policy':
            if problem == 'unexpected':
                leave(d, 'not in the manifest: left as it is; a permissive policy widens what its roles see, so '
                         'review it and drop it by hand if it should not be there')
                continue
            statements = [] if problem == 'missing' else ['DROP POLICY %s ON %s' % (quote_ident(name), table_sql)]
            steps.append(Step(d, statements + [_policy_sql(table_sql, name, expected)]))
        elif kind == 'table setting' and name in ('row_security', 'force_row_security'):
            if name == 'row_security':
                sql = 'ALTER TABLE %s %s ROW LEVEL SECURITY' % (table_sql, 'ENABLE' if expected else 'DISABLE')
            else:
                sql = 'ALTER TABLE %s %s ROW LEVEL SECURITY' % (table_sql, 'FORCE' if expected else 'NO FORCE')
            steps.append(Step(d, [sql]))
        elif kind == 'table setting' and name == 'owner':
            steps.append(Step(d, ['ALTER TABLE %s OWNER TO %s' % (table_sql, quote_ident(expected))]))
        elif kind == 'table setting' and name == 'privileges':
            column_grants = (tables.get(table) or {}).get('column_privileges') or {}
            steps.append(Step(d, _table_grants(table_sql, expected, d.get('actual'), column_grants)))
        elif kind == 'table setting' and name == 'column_privileges':
            steps.append(Step(d, _column_grants(table_sql, expected, d.get('actual'))))
        elif kind == 'comment':
            target = _comment_target(d['name'], schema)
            if target is None:
                leave(d, 'a comment on an object this cannot name')
            else:
                steps.append(Step(d, ['COMMENT ON %s IS %s' % (
                    target, 'NULL' if problem == 'unexpected' else literal(expected))]))
        elif kind == 'table' and problem == 'unexpected':
            leave(d, 'not in the manifest: left as it is (tables are never dropped)')
        else:
            leave(d, '%s%s are not repaired (a table, a column or data is never dropped or changed): change it '
                     'with a migration' % (kind, '' if kind.endswith('s') else 's'))
    steps.sort(key=lambda step: 0 if step.transactional else 1)
    return steps, left


def apply(conn, steps, schema='public', lock_timeout=DEFAULT_LOCK_TIMEOUT, statement_timeout=DEFAULT_STATEMENT_TIMEOUT):
    """Run the steps: the transactional ones in one transaction, then each index build on its own. EngineError,
    naming the repair and its statement, when one fails: the transaction is rolled back whole; an index build that
    fails leaves no INVALID index behind (it is dropped) and the builds before it stay."""
    conn.autocommit = True
    cursor = pgcompat.tuple_cursor(conn)
    settings = (('lock_timeout', lock_timeout), ('statement_timeout', statement_timeout),
                ('standard_conforming_strings', 'on'), ('search_path', schema_search_path(schema)))
    done = []
    transactional = [s for s in steps if s.transactional]
    step = statement = None
    try:
        if transactional:
            cursor.execute('BEGIN')
            for name, value in settings:
                cursor.execute('SELECT pg_catalog.set_config(%s, %s, true)', (name, value))
            for step in transactional:
                for statement in step.statements:
                    cursor.execute(statement)
            cursor.execute('COMMIT')
            done.extend(transactional)
        for name, value in settings:
            cursor.execute('SELECT pg_catalog.set_config(%s, %s, false)', (name, value))
        for step in steps:
            if step.transactional:
                continue
            for statement in step.statements:
                cursor.execute(statement)
            done.append(step)
    except Exception as exc:  # pylint: disable=broad-except
        if not pgcompat.is_database_error(exc):
            raise
        outcome = 'nothing of the repair was applied'
        if step is not None and step.transactional:
            _quietly(cursor, 'ROLLBACK')
        else:
            outcome = ('the index build was stopped and %s; the repairs before it stay applied (%s)'
                       % (_drop_if_invalid(cursor, step.index),
                          ', '.join('%s %s' % (s.difference['kind'], s.difference['name']) for s in done) or 'none'))
        raise EngineError('repairing %s %s failed: %s (statement: %s); %s'
                          % (step.difference['kind'], step.difference['name'], pgcompat.describe_error(exc),
                             statement, outcome), repaired=[s.as_dict() for s in done])
    finally:
        _quietly(cursor, 'RESET ALL')
    return [s.as_dict() for s in done]


def _drop_if_invalid(cursor, index):
    """Drop what a failed CREATE INDEX CONCURRENTLY left (an INVALID index), never a valid index of that name.
    Returns what became of it, for the error message."""
    try:
        cursor.execute('SELECT NOT i.indisvalid FROM pg_catalog.pg_index i WHERE i.indexrelid = pg_catalog.to_regclass(%s)',
                       (index,))
        row = cursor.fetchone()
        if not row or not row[0]:
            return 'it left no INVALID index'
        cursor.execute('DROP INDEX CONCURRENTLY IF EXISTS %s' % index)
        return 'the INVALID index it left was dropped'
    except Exception as exc:  # pylint: disable=broad-except
        if not pgcompat.is_database_error(exc):
            raise
        return ('the INVALID index %s it left could not be dropped (%s): the next remediate drops and builds it '
                'again' % (index, pgcompat.describe_error(exc)))


def _quietly(cursor, sql):
    try:
        cursor.execute(sql)
    except Exception:  # pylint: disable=broad-except
        pass
