# -*- coding: utf-8 -*-
# Copyright (c) 2026, ShopPulse platform team
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Repair drift from the manifest: the SQL that restores what the manifest defines and the database lost or changed.

Plain Python over a DB-API connection of psycopg2 or psycopg 3; no Ansible.

What is repaired (from the differences of drift.compare): indexes (built CONCURRENTLY, so that the
applications keep writing; a changed or INVALID one is dropped CONCURRENTLY and built again), triggers (and
whether they are enabled), policies, the row-level security flags, the owner and grants of a table (missing
privileges granted, privileges beyond the manifest's revoked; those of single columns too; grants.py), and
comments; the objects beyond tables as objects.py says (functions' attributes and settings, owners and
privileges, default privileges, the database's settings, storage parameters; an unexpected event trigger dropped).

What is never done: a table, a column or a row is never dropped or changed, and nothing the manifest does not
define is dropped but an event trigger (an unexpected index, trigger or policy is named, for a person to decide).
Columns, constraints, views' definitions, functions' bodies, roles, missing tables and the indexes that carry a
constraint are named as what this cannot repair.

The transactional repairs run in one transaction (with a lock timeout: a repair that waits for a busy table fails
instead of stalling the applications, and nothing of it is left); the index builds follow, one by one, outside
a transaction, as CREATE INDEX CONCURRENTLY must.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type


from ansible_collections.shoppulse.analytics.plugins.module_utils.postgres import pgcompat
from ansible_collections.shoppulse.analytics.plugins.module_utils.postgres.errors import EngineError
from ansible_collections.shoppulse.analytics.plugins.module_utils.schema import grants, objects
from ansible_collections.shoppulse.analytics.plugins.module_utils.schema.runner import invalid_index, quietly, transaction
from ansible_collections.shoppulse.analytics.plugins.module_utils.schema.settings import (
    DEFAULT_LOCK_TIMEOUT,
    DEFAULT_STATEMENT_TIMEOUT,
)
from ansible_collections.shoppulse.analytics.plugins.module_utils.postgres.privileges import schema_search_path
from ansible_collections.shoppulse.analytics.plugins.module_utils.postgres.sqlpatterns import INDEX_KEYWORD
from ansible_collections.shoppulse.analytics.plugins.module_utils.postgres.sqlscript import quote_ident

try:
    from typing import Any, Dict, List, Optional, Tuple, Union
except ImportError:  # pragma: no cover
    pass
NOT_DEFINED = 'not in the manifest: left as it is (drop it by hand if it should not be there)'


class Step(object):
    """One repair: the difference it answers and its statements."""

    def __init__(self, difference, statements, transactional=True, index=None):
        # type: (Dict[str, Any], List[str], bool, Optional[str]) -> None
        self.difference = difference
        self.statements = statements
        self.transactional = transactional
        self.index = index  # the schema-qualified index an index build makes

    def as_dict(self):
        # type: () -> Dict[str, Any]
        d = self.difference
        return dict(kind=d['kind'], name=d['name'], problem=d['problem'], sql=list(self.statements))


def _split_table_name(name, tables):
    # type: (str, Dict[str, Any]) -> Tuple[Optional[str], str]
    """('orders', 'orders_tenant_idx') for 'orders.orders_tenant_idx', the longest table name that fits."""
    fits = [t for t in tables if name.startswith(t + '.')]
    if not fits:
        return None, name
    table = max(fits, key=len)
    return table, name[len(table) + 1:]


def _policy_sql(table_sql, name, policy):
    # type: (Any, str, Any) -> str
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
    # type: (str, str) -> Optional[str]
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


def _repair_index(d, name, table, tables, schema):
    # type: (Dict[str, Any], str, Any, Dict[str, Any], str) -> Union[Step, str]
    expected, constraints = d['expected'], (tables.get(table) or {}).get('constraints') or {}
    if d['problem'] == 'unexpected' or expected is None:
        return NOT_DEFINED
    if expected.get('primary') or name in constraints:
        return 'the index of constraint %s: constraints are not repaired' % name
    build, found = INDEX_KEYWORD.subn(r'\1 CONCURRENTLY ', expected['definition'], count=1)
    if not found:
        return 'its definition is not an index definition: %s' % expected['definition']
    index = '%s.%s' % (quote_ident(schema), quote_ident(name))
    statements = [build] if d['problem'] == 'missing' else ['DROP INDEX CONCURRENTLY IF EXISTS %s' % index, build]
    return Step(d, statements, transactional=False, index=index)


def _repair_trigger(d, name, table_sql):
    # type: (Dict[str, Any], str, Any) -> Union[Step, str]
    expected, actual, problem = d['expected'], d['actual'], d['problem']
    if problem == 'unexpected':
        return NOT_DEFINED
    statements = []
    only_enabled = problem == 'different' and dict(actual, enabled=expected.get('enabled')) == expected
    if not only_enabled:
        if problem == 'different':
            statements.append('DROP TRIGGER %s ON %s' % (quote_ident(name), table_sql))
        statements.append(expected['definition'])
    if expected.get('enabled', True) is False or (problem == 'different' and actual.get('enabled') is False):
        statements.append('ALTER TABLE %s %s TRIGGER %s' % (
            table_sql, 'ENABLE' if expected.get('enabled', True) else 'DISABLE', quote_ident(name)))
    return Step(d, statements)


def _repair_policy(d, name, table_sql):
    # type: (Dict[str, Any], str, Any) -> Union[Step, str]
    if d['problem'] == 'unexpected':
        return ('not in the manifest: left as it is; a permissive policy widens what its roles see, so review it and '
                'drop it by hand if it should not be there')
    statements = [] if d['problem'] == 'missing' else ['DROP POLICY %s ON %s' % (quote_ident(name), table_sql)]
    return Step(d, statements + [_policy_sql(table_sql, name, d['expected'])])


def _repair_setting(d, name, table, tables, table_sql):
    # type: (Dict[str, Any], str, Any, Dict[str, Any], Any) -> Union[Step, str, None]
    expected = d['expected']
    if name == 'row_security':
        return Step(d, ['ALTER TABLE %s %s ROW LEVEL SECURITY' % (table_sql, 'ENABLE' if expected else 'DISABLE')])
    if name == 'force_row_security':
        return Step(d, ['ALTER TABLE %s %s ROW LEVEL SECURITY' % (table_sql, 'FORCE' if expected else 'NO FORCE')])
    if name == 'owner':
        return Step(d, ['ALTER TABLE %s OWNER TO %s' % (table_sql, quote_ident(expected))])
    if name == 'privileges':
        column_grants = (tables.get(table) or {}).get('column_privileges') or {}
        return Step(d, grants.table_grants(table_sql, expected, d['actual'], column_grants))
    if name == 'column_privileges':
        return Step(d, grants.column_grants_sql(table_sql, expected, d['actual']))
    found = objects.table_storage(d, name, table_sql)
    return Step(d, found) if isinstance(found, list) else found


def _repair_comment(d, schema):
    # type: (Dict[str, Any], str) -> Union[Step, str]
    target = _comment_target(d['name'], schema)
    if target is None:
        return 'a comment on an object this cannot name'
    return Step(d, ['COMMENT ON %s IS %s' % (target, 'NULL' if d['problem'] == 'unexpected' else objects.literal(d['expected']))])


def _repair(d, tables, schema):
    # type: (Dict[str, Any], Dict[str, Any], str) -> Union[Step, str, Tuple[Step, str]]
    """The Step that repairs the difference ``d``, or why it is left (text), or both."""
    kind, problem = d['kind'], d['problem']
    table, name = _split_table_name(d['name'], tables) if kind in (
        'index', 'trigger', 'policy', 'table setting') else (None, d['name'])
    table_sql = '%s.%s' % (quote_ident(schema), quote_ident(table)) if table else None
    found = None
    if kind == 'index':
        found = _repair_index(d, name, table, tables, schema)
    elif kind == 'trigger':
        found = _repair_trigger(d, name, table_sql)
    elif kind == 'policy':
        found = _repair_policy(d, name, table_sql)
    elif kind == 'table setting':
        found = _repair_setting(d, name, table, tables, table_sql)
    elif kind == 'comment':
        found = _repair_comment(d, schema)
    elif kind in objects.KINDS:
        repaired = objects.repair(d, schema)
        if isinstance(repaired, tuple):  # part repaired, part left: a step and the reason
            return Step(d, repaired[0]), repaired[1]
        found = Step(d, repaired) if isinstance(repaired, list) else repaired
    elif kind == 'table' and problem == 'unexpected':
        found = 'not in the manifest: left as it is (tables are never dropped)'
    return found or ('%s%s are not repaired (a table, a column or data is never dropped or changed): change it with a '
                     'migration' % (kind, '' if kind.endswith('s') else 's'))


def plan(manifest, differences, schema=None):
    # type: (Dict[str, Any], List[Dict[str, Any]], Optional[str]) -> Tuple[List[Step], List[Dict[str, Any]]]
    """The repairs of ``differences`` (drift.compare(manifest, live)): ([Step], [not repaired]).

    Each difference not repaired is returned with ``reason``; the steps come in the order they run: the
    transactional ones first, then the index builds.
    """
    schema = schema or manifest.get('schema') or 'public'
    tables = manifest.get('tables') or {}
    steps, left = [], []
    for d in differences:
        found = _repair(d, tables, schema)
        if isinstance(found, tuple):
            steps.append(found[0])
            left.append(dict(d, reason=found[1]))
        elif isinstance(found, Step):
            steps.append(found)
        else:
            left.append(dict(d, reason=found))
    steps.sort(key=lambda step: 0 if step.transactional else 1)
    return steps, left


def apply(conn, steps, schema='public', lock_timeout=DEFAULT_LOCK_TIMEOUT, statement_timeout=DEFAULT_STATEMENT_TIMEOUT):
    # type: (Any, List[Step], str, str, str) -> List[Dict[str, Any]]
    """Run the steps: the transactional ones in one transaction, then each index build on its own. EngineError,
    naming the repair and its statement, when one fails: the transaction is rolled back whole; an index build that
    fails leaves no INVALID index behind (it is dropped) and the builds before it stay."""
    conn.autocommit = True
    cursor = pgcompat.tuple_cursor(conn)
    settings = (('lock_timeout', lock_timeout), ('statement_timeout', statement_timeout),
                ('standard_conforming_strings', 'on'), ('search_path', schema_search_path(schema)))
    done = []
    transactional = [s for s in steps if s.transactional]
    step = statement = None  # type: Any
    try:
        if transactional:
            with transaction(cursor):  # rolled back whole when a statement fails
                for name, value in settings:
                    cursor.execute('SELECT pg_catalog.set_config(%s, %s, true)', (name, value))
                for step in transactional:
                    for statement in step.statements:
                        cursor.execute(statement)
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
        if step is not None and not step.transactional:
            outcome = ('the index build was stopped and %s; the repairs before it stay applied (%s)'
                       % (_drop_if_invalid(cursor, step.index),
                          ', '.join('%s %s' % (s.difference['kind'], s.difference['name']) for s in done) or 'none'))
        what = '%s %s' % (step.difference['kind'], step.difference['name']) if step is not None else 'the session'
        raise EngineError('repairing %s failed: %s (statement: %s); %s'
                          % (what, pgcompat.describe_error(exc), statement, outcome), repaired=[s.as_dict() for s in done])
    finally:
        quietly(cursor, 'RESET ALL')
    return [s.as_dict() for s in done]


def _drop_if_invalid(cursor, index):
    # type: (Any, str) -> str
    """Drop what a failed CREATE INDEX CONCURRENTLY left (an INVALID index), never a valid index of that name.
    Returns what became of it, for the error message."""
    try:
        if invalid_index(cursor, index) is None:
            return 'it left no INVALID index'
        cursor.execute('DROP INDEX CONCURRENTLY IF EXISTS %s' % index)
        return 'the INVALID index it left was dropped'
    except Exception as exc:  # pylint: disable=broad-except
        if not pgcompat.is_database_error(exc):
            raise
        return ('the INVALID index %s it left could not be dropped (%s): the next remediate drops and builds it '
                'again' % (index, pgcompat.describe_error(exc)))
