# -*- coding: utf-8 -*-
# Copyright (c) 2026, ShopPulse platform team
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Repairs of the objects beyond tables (remediation.py asks): the statements that restore a function's
attributes and settings, the owner and privileges of functions, views, sequences, schemas, types and the
database, a sequence's options, the database's settings, default privileges, a table's storage parameters and
replica identity; an unexpected event trigger is dropped (it runs on every DDL statement of the database).

What is left, with the reason: a function's body, arguments, result or language (only a migration says what
they should be), what the manifest does not define (but event triggers), rules, extensions, statistics,
publications, the structure of types, a sequence's owning column, a table made UNLOGGED (setting it LOGGED
again rewrites the table under an exclusive lock: a migration's job, in a window). Plain Python; no Ansible.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

from ansible_collections.shoppulse.analytics.plugins.module_utils.postgres.sqlscript import quote_ident
from ansible_collections.shoppulse.analytics.plugins.module_utils.schema import grants

try:
    from typing import Any, Dict, List, Optional, Tuple, Union
except ImportError:  # pragma: no cover
    pass

KINDS = ('function', 'view', 'sequence', 'schema', 'type', 'database setting', 'default privileges',
         'event trigger', 'rule', 'extension', 'statistics', 'publication')
MIGRATION = 'change it with a migration'
# Settings whose value is a list: each element is quoted on its own, as pg_dump does (SET search_path TO 'a', 'b').
LIST_SETTINGS = ('search_path', 'temp_tablespaces', 'session_preload_libraries', 'local_preload_libraries')
FUNCTION_CLAUSES = dict(
    security_definer=lambda v: 'SECURITY DEFINER' if v else 'SECURITY INVOKER',
    volatility=lambda v: str(v).upper(),
    strict=lambda v: 'STRICT' if v else 'CALLED ON NULL INPUT',
    leakproof=lambda v: 'LEAKPROOF' if v else 'NOT LEAKPROOF',
    parallel=lambda v: 'PARALLEL %s' % str(v).upper(),
    cost=lambda v: 'COST %s' % v,
    rows=lambda v: 'ROWS %s' % v,
)
SEQUENCE_CLAUSES = dict(
    type=lambda v: 'AS %s' % v,
    increment=lambda v: 'INCREMENT BY %s' % v,
    minimum=lambda v: 'MINVALUE %s' % v,
    maximum=lambda v: 'MAXVALUE %s' % v,
    start=lambda v: 'START WITH %s' % v,
    cache=lambda v: 'CACHE %s' % v,
    cycle=lambda v: 'CYCLE' if v else 'NO CYCLE',
)
DEFAULT_KEY = re.compile(r'^(?P<role>.+) (?P<type>tables|sequences|functions|types|schemas)(?: in (?P<schema>.+))?$')


def literal(text):
    # type: (str) -> str
    """An SQL string literal (the repairs run with standard_conforming_strings on)."""
    return "'%s'" % text.replace("'", "''")


def _list_elements(value):
    # type: (str) -> List[str]
    """'pg_catalog, "my schema"' -> ['pg_catalog', 'my schema'] (the stored form of a list setting)."""
    elements = []
    for item in re.findall(r'"(?:[^"]|"")*"|[^,\s][^,]*', value):
        item = item.strip()
        elements.append(item[1:-1].replace('""', '"') if item.startswith('"') and item.endswith('"') else item)
    return elements


def setting_sql(setting):
    # type: (str) -> str
    """'search_path=pg_catalog, pg_temp' -> "search_path TO 'pg_catalog', 'pg_temp'"."""
    name, dummy, value = setting.partition('=')
    if name in LIST_SETTINGS:
        return '%s TO %s' % (name, ', '.join(literal(item) for item in _list_elements(value)))
    return '%s TO %s' % (name, literal(value))


def _settings(prefix, expected):
    # type: (str, Optional[List[str]]) -> List[str]
    return ['%s RESET ALL' % prefix] + ['%s SET %s' % (prefix, setting_sql(s)) for s in expected or []]


def _qualified(schema, name):
    # type: (str, str) -> str
    return '%s.%s' % (quote_ident(schema), quote_ident(name))


def _function(d, schema):
    # type: (Dict[str, Any], str) -> Union[List[str], str, Tuple[List[str], str]]
    """The attributes, settings, owner and EXECUTE of a function or procedure; a different body, arguments, result
    or language is left to a migration (and what can be repaired beside it is)."""
    name, arguments = d['name'].split('(', 1)
    target = 'ROUTINE %s(%s' % (_qualified(schema, name), arguments)
    expected, actual, properties = d['expected'], d['actual'], d['properties']
    found = []
    clauses = [FUNCTION_CLAUSES[p](expected.get(p)) for p in properties if p in FUNCTION_CLAUSES]
    if clauses:
        found.append('ALTER %s %s' % (target, ' '.join(clauses)))
    if 'settings' in properties:
        found += _settings('ALTER %s' % target, expected.get('settings'))
    if 'owner' in properties:
        found.append('ALTER %s OWNER TO %s' % (target, quote_ident(expected['owner'])))
    if 'privileges' in properties:
        found += grants.statements(grants.on(target), expected.get('privileges'), actual.get('privileges'))
    left = [p for p in properties if p not in FUNCTION_CLAUSES and p not in ('settings', 'owner', 'privileges')]
    if not left:
        return found
    reason = 'its %s differ from the manifest: %s' % (', '.join(left), MIGRATION)
    return (found, reason + ' (its other properties were repaired)') if found else reason


def _owner_and_privileges(d, keyword, target, privileges_target=None):
    # type: (Dict[str, Any], str, str, Optional[str]) -> Union[List[str], str]
    """Owner and privileges of a view, a schema or a type; any other property is left to a migration."""
    left = [p for p in d['properties'] if p not in ('owner', 'privileges')]
    if left:
        return 'its %s differ from the manifest: %s' % (', '.join(left), MIGRATION)
    found = []
    if 'owner' in d['properties']:
        found.append('ALTER %s %s OWNER TO %s' % (keyword, target, quote_ident(d['expected']['owner'])))
    if 'privileges' in d['properties']:
        found += grants.statements(grants.on(privileges_target or '%s %s' % (keyword, target)),
                                   d['expected'].get('privileges'), d['actual'].get('privileges'))
    return found


def _sequence(d, schema):
    # type: (Dict[str, Any], str) -> Union[List[str], str]
    target = 'SEQUENCE %s' % _qualified(schema, d['name'])
    properties, expected = d['properties'], d['expected']
    if 'owned_by' in properties:
        return 'the column that owns it differs: %s' % MIGRATION
    if 'owner' in properties and expected.get('owned_by'):
        return 'its owner differs, and a sequence a column owns follows its table\'s owner: repair the table\'s owner'
    found = []
    clauses = [SEQUENCE_CLAUSES[p](expected[p]) for p in sorted(SEQUENCE_CLAUSES) if p in properties]
    if clauses:
        found.append('ALTER %s %s' % (target, ' '.join(clauses)))
    if 'owner' in properties:
        found.append('ALTER %s OWNER TO %s' % (target, quote_ident(expected['owner'])))
    if 'privileges' in properties:
        found += grants.statements(grants.on(target), expected.get('privileges'), d['actual'].get('privileges'))
    return found


def _database(d):
    # type: (Dict[str, Any]) -> Union[List[str], str]
    target = quote_ident(d.get('database') or '')
    if not d.get('database'):
        return 'the name of the database is not known'
    if d['name'] == 'settings':
        return _settings('ALTER DATABASE %s' % target, d['expected'])
    return grants.statements(grants.on('DATABASE %s' % target), d['expected'], d['actual'])


def _default_privileges(d):
    # type: (Dict[str, Any]) -> Union[List[str], str]
    """ALTER DEFAULT PRIVILEGES turning an entry into the manifest's; an entry the manifest does not have goes back
    to PostgreSQL's defaults (the role's own privileges kept, and PUBLIC's on functions and types)."""
    match = DEFAULT_KEY.match(d['name'])
    if not match:
        return 'default privileges this cannot name'
    role, kind, schema = match.group('role', 'type', 'schema')
    actual = d.get('actual') or {}
    expected = d.get('expected')
    if expected is None:
        expected = {}
        if schema is None:  # the whole database's entry: back to the built-in defaults
            expected = dict((g, p) for g, p in actual.items() if g == role)
            expected.update({'functions': {'PUBLIC': 'EXECUTE'}, 'types': {'PUBLIC': 'USAGE'}}.get(kind, {}))
    prefix = 'ALTER DEFAULT PRIVILEGES FOR ROLE %s%s' % (quote_ident(role),
                                                         ' IN SCHEMA %s' % quote_ident(schema) if schema else '')
    return ['%s %s' % (prefix, statement)
            for statement in grants.statements(grants.on(kind.upper()), expected, actual)]


def repair(d, schema):
    # type: (Dict[str, Any], str) -> Union[List[str], str, Tuple[List[str], str]]
    """The statements that repair ``d`` (a difference of one of KINDS), or why it is left (text), or both: the
    statements of what can be repaired and why the rest is left."""
    kind, problem = d['kind'], d['problem']
    if kind == 'default privileges':
        return _default_privileges(d)
    if kind == 'event trigger' and problem == 'unexpected':
        return ['DROP EVENT TRIGGER %s' % quote_ident(d['name'])]
    if kind == 'database setting':
        return _database(d)
    if problem != 'different':
        what = 'not in the manifest: left as it is (drop it by hand if it should not be there)' \
            if problem == 'unexpected' else 'missing: %s' % MIGRATION
        if kind == 'rule' and problem == 'unexpected':
            what += '; a rule rewrites the statements on its table, so review it first'
        return what
    if kind == 'function':
        return _function(d, schema)
    if kind == 'sequence':
        return _sequence(d, schema)
    if kind in ('view', 'schema', 'type'):
        if kind == 'view' and d['expected'].get('materialized'):
            return _owner_and_privileges(d, 'MATERIALIZED VIEW', _qualified(schema, d['name']),
                                         privileges_target='TABLE %s' % _qualified(schema, d['name']))
        target = quote_ident(d['name']) if kind == 'schema' else _qualified(schema, d['name'])
        return _owner_and_privileges(d, kind.upper(), target,
                                     privileges_target='TABLE %s' % target if kind == 'view' else None)
    return 'its %s differ from the manifest: %s' % (', '.join(d.get('properties') or ['definition']), MIGRATION)


def table_storage(d, setting, table_sql):
    # type: (Dict[str, Any], str, str) -> Union[List[str], str, None]
    """A table's storage parameters and replica identity (None for another table setting)."""
    expected, actual = d['expected'], d['actual']
    if setting == 'options':
        want = dict(o.split('=', 1) for o in expected or [])
        have = dict(o.split('=', 1) for o in actual or [])
        found = []
        reset = sorted(k for k in have if k not in want)
        if reset:
            found.append('ALTER TABLE %s RESET (%s)' % (table_sql, ', '.join(reset)))
        changed = sorted(k for k in want if have.get(k) != want[k])
        if changed:
            values = ', '.join('%s = %s' % (k, literal(want[k])) for k in changed)
            found.append('ALTER TABLE %s SET (%s)' % (table_sql, values))
        return found
    if setting == 'replica_identity':
        if expected == 'index':
            return 'its replica identity is an index: %s' % MIGRATION
        return ['ALTER TABLE %s REPLICA IDENTITY %s' % (table_sql, (expected or 'default').upper())]
    if setting == 'unlogged':
        return ('setting it %s rewrites the table under an exclusive lock: %s, in a maintenance window'
                % ('UNLOGGED' if expected else 'LOGGED', MIGRATION))
    return None
