# -*- coding: utf-8 -*-
# Copyright (c) 2026, ShopPulse platform team
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What the collection reads in SQL text besides where statements end (sqlscript.py): names, quoted or not; the
statements that take locks and what they lock (the lint, the runner's INVALID-index cleanup, remediation); and
the ``-- shoppulse:`` directives of a migration's leading comments. Every such pattern is here, once.

Plain Python; no Ansible.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

from ansible_collections.shoppulse.analytics.plugins.module_utils.postgres.errors import EngineError

try:
    from typing import Any, Iterator, List, Optional, Set, Tuple
except ImportError:  # pragma: no cover
    pass

DIRECTIVE_PREFIX = 'shoppulse:'
KNOWN_DIRECTIVES = ('no-transaction', 'supersedes')

# an identifier, quoted or not; one perhaps schema-qualified; what may come before a statement's first word
SQL_NAME = r'(?:"(?:[^"]|"")+"|[A-Za-z_][A-Za-z0-9_$]*)'
QUALIFIED_NAME = SQL_NAME + r'(?:\s*\.\s*' + SQL_NAME + r')?'
LEADING_COMMENTS = r'(?:\s+|--[^\n]*(?:\n|$)|/\*.*?\*/)*'
_FLAGS = re.IGNORECASE | re.DOTALL
_CREATE_TABLE = re.compile(r'^' + LEADING_COMMENTS + r'CREATE\s+(?:(?:GLOBAL|LOCAL)\s+)?(?:(?:TEMP|TEMPORARY|UNLOGGED)\s+)?'
                           r'TABLE\s+(?:IF\s+NOT\s+EXISTS\s+)?(?P<table>' + QUALIFIED_NAME + r')', _FLAGS)
_ALTER_TABLE = re.compile(r'^' + LEADING_COMMENTS + r'ALTER\s+TABLE\s+(?:IF\s+EXISTS\s+)?(?:ONLY\s+)?(?P<table>' + QUALIFIED_NAME + r')',
                          _FLAGS)
_CREATE_INDEX = re.compile(r'^' + LEADING_COMMENTS + r'CREATE\s+(?:UNIQUE\s+)?INDEX\s+(?:CONCURRENTLY\s+)?'
                           r'(?:(?:IF\s+NOT\s+EXISTS\s+)?' + QUALIFIED_NAME + r'\s+)?ON\s+(?:ONLY\s+)?(?P<table>'
                           + QUALIFIED_NAME + r')', _FLAGS)
_DROP_INDEX = re.compile(r'^' + LEADING_COMMENTS + r'DROP\s+INDEX\s+(?:CONCURRENTLY\s+)?(?:IF\s+EXISTS\s+)?(?P<index>'
                         + QUALIFIED_NAME + r')', _FLAGS)
# an index a statement builds concurrently (its name as written); the keyword an index definition starts with
_CONCURRENT_INDEX = re.compile(r'^' + LEADING_COMMENTS + r'CREATE\s+(?:UNIQUE\s+)?INDEX\s+CONCURRENTLY\s+'
                               r'(?:IF\s+NOT\s+EXISTS\s+)?(?P<name>' + QUALIFIED_NAME + r')\s+ON\b', _FLAGS)
INDEX_KEYWORD = re.compile(r'^(CREATE\s+(?:UNIQUE\s+)?INDEX)\s+', re.IGNORECASE)


def unquoted(name):
    # type: (str) -> str
    """The name as the catalog holds it: unquoted parts folded to lower case, quoted ones kept."""
    parts = re.findall(r'"((?:[^"]|"")+)"|([A-Za-z_][A-Za-z0-9_$]*)', name)
    return '.'.join(quoted.replace('""', '"') if quoted else plain.lower() for quoted, plain in parts)


def statement_target(text):
    # type: (str) -> Optional[Tuple[str, str]]
    """('table', name), ('index', name) or None: what a statement takes its lock on."""
    for pattern, kind in ((_ALTER_TABLE, 'table'), (_CREATE_INDEX, 'table'), (_DROP_INDEX, 'index'),
                          (_CREATE_TABLE, 'table')):
        match = pattern.match(text)
        if match:
            return kind, unquoted(match.group(kind))
    return None


def created_tables(migration):
    # type: (Any) -> Set[str]
    """The tables the statements of ``migration`` create (CREATE TABLE), as the catalog names them."""
    return set(unquoted(m.group('table')) for m in (_CREATE_TABLE.match(s.text) for s in migration.statements) if m)


def concurrent_index_names(migration):
    # type: (Any) -> List[Tuple[str, int]]
    """(name as written, perhaps schema-qualified; line) of each index ``migration`` builds concurrently."""
    names = []
    for statement in migration.statements:
        match = _CONCURRENT_INDEX.match(statement.text)
        if match:
            names.append((re.sub(r'\s+', '', match.group('name')), statement.line))
    return names


def _directives(script):
    # type: (str) -> Iterator[Tuple[str, str, int]]
    """(name, value, line) of each ``-- shoppulse:<name> [value]`` directive in the leading comment block.

    Directives are only read from the comment lines before the first statement,
    so that a directive-like string deep in a file has no effect. An unknown
    directive raises EngineError rather than being silently ignored.
    """
    for number, raw in enumerate(script.splitlines(), 1):
        line = raw.strip()
        if not line:
            continue
        if not line.startswith('--'):
            break
        body = line[2:].strip()
        if body.lower().startswith(DIRECTIVE_PREFIX):
            words = body[len(DIRECTIVE_PREFIX):].strip().split(None, 1)
            name = words[0].lower() if words else ''
            if name not in KNOWN_DIRECTIVES:
                raise EngineError('unknown directive "-- %s%s" (known: %s)'
                                  % (DIRECTIVE_PREFIX, name, ', '.join(KNOWN_DIRECTIVES)), line=number)
            yield name, words[1].strip() if len(words) > 1 else '', number


def parse_directives(script):
    # type: (str) -> Set[str]
    """Return the set of ``-- shoppulse:<name>`` directives in the leading comment block (_directives)."""
    return set(name for name, dummy, dummy_line in _directives(script))


def superseded_checksums(script):
    # type: (str) -> List[str]
    """The sha256 checksums ``-- shoppulse:supersedes <checksum>`` names: earlier texts of this migration that a
    ledger may record, which the file replaces on purpose. EngineError at the line of one that is not a checksum."""
    found = []
    for name, value, number in _directives(script):
        if name == 'supersedes':
            if not re.match(r'^[0-9a-f]{64}$', value):
                raise EngineError('"-- %ssupersedes" takes the sha256 checksum (64 hexadecimal digits) of the text '
                                  'the file replaces' % DIRECTIVE_PREFIX, line=number)
            found.append(value)
    return found
