# -*- coding: utf-8 -*-
# Copyright (c) 2026, ShopPulse platform team
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Split a PostgreSQL script into statements, keeping the line each one starts on.

Plain Python, no Ansible and no database: the migration engine uses it to run a
file statement by statement, so that a failing statement is reported with the
file and line it stands on, and so that statements which cannot run inside a
transaction block (CREATE INDEX CONCURRENTLY) can be sent one at a time.

It understands what can hide a semicolon: single-quoted strings (with '' and,
for E'' strings, backslash escapes), quoted identifiers, dollar-quoted bodies
($$ ... $$ and $tag$ ... $tag$), line comments and nested block comments.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

DIRECTIVE_PREFIX = 'shoppulse:'
KNOWN_DIRECTIVES = ('no-transaction',)

_DOLLAR_TAG = re.compile(r'\$([A-Za-z_\x80-\uffff][A-Za-z0-9_\x80-\uffff]*)?\$')
_TRANSACTION_CONTROL = re.compile(
    r'^(BEGIN|COMMIT|ROLLBACK|END|ABORT|START\s+TRANSACTION|SAVEPOINT|RELEASE|PREPARE\s+TRANSACTION)\b',
    re.IGNORECASE)


class ScriptError(Exception):
    """A script that cannot be split: an unterminated string, comment or dollar quote."""

    def __init__(self, message, line):
        super(ScriptError, self).__init__(message)
        self.line = line


class Statement(object):
    """One statement of a script: its text (without the final semicolon) and first line."""

    __slots__ = ('text', 'line')

    def __init__(self, text, line):
        self.text = text
        self.line = line

    def line_of_position(self, position):
        """Return the script line of a 1-based character position in this statement.

        PostgreSQL reports the position of a syntax error (and of some others) in
        the statement it received; this maps it back to the file.
        """
        if not position or position < 1:
            return self.line
        return self.line + self.text.count('\n', 0, position - 1)

    def is_transaction_control(self):
        return bool(_TRANSACTION_CONTROL.match(self.text.lstrip()))

    def __repr__(self):
        return 'Statement(line=%d, %r)' % (self.line, self.text[:40])


def parse_directives(script):
    """Return the set of ``-- shoppulse:<name>`` directives in the leading comment block.

    Directives are only read from the comment lines before the first statement,
    so that a directive-like string deep in a file has no effect. An unknown
    directive raises ScriptError rather than being silently ignored.
    """
    found = set()
    for number, raw in enumerate(script.splitlines(), 1):
        line = raw.strip()
        if not line:
            continue
        if not line.startswith('--'):
            break
        body = line[2:].strip()
        if body.lower().startswith(DIRECTIVE_PREFIX):
            name = body[len(DIRECTIVE_PREFIX):].strip().lower()
            if name not in KNOWN_DIRECTIVES:
                raise ScriptError('unknown directive "-- %s%s" (known: %s)'
                                  % (DIRECTIVE_PREFIX, name, ', '.join(KNOWN_DIRECTIVES)), number)
            found.add(name)
    return found


def split_statements(script):
    """Split ``script`` into a list of Statement objects.

    Empty statements (only whitespace, comments or stray semicolons) are dropped.
    Raises ScriptError, with the line where it starts, for anything left open at
    the end of the script.
    """
    statements = []
    i = 0
    n = len(script)
    line = 1
    start = None          # offset of the first significant character of the statement
    start_line = None

    def flush(end):
        if start is not None:
            text = script[start:end].rstrip()
            if text:
                statements.append(Statement(text, start_line))

    while i < n:
        c = script[i]
        if c == '\n':
            line += 1
            i += 1
            continue
        if c in ' \t\r\f\v':
            i += 1
            continue
        if c == '-' and script.startswith('--', i):
            end = script.find('\n', i)
            i = n if end < 0 else end
            continue
        if c == '/' and script.startswith('/*', i):
            opened = line
            depth = 0
            while i < n:
                if script.startswith('/*', i):
                    depth += 1
                    i += 2
                elif script.startswith('*/', i):
                    depth -= 1
                    i += 2
                    if depth == 0:
                        break
                else:
                    if script[i] == '\n':
                        line += 1
                    i += 1
            if depth:
                raise ScriptError('unterminated /* comment', opened)
            continue
        if c == ';':
            flush(i)
            start = None
            i += 1
            continue
        if start is None:
            start = i
            start_line = line
        if c == "'" or ((c in 'eE') and script.startswith("'", i + 1) and not _ident_char(script, i - 1)):
            opened = line
            backslash = c != "'"
            i += 2 if backslash else 1
            while True:
                if i >= n:
                    raise ScriptError('unterminated quoted string', opened)
                ch = script[i]
                if ch == '\n':
                    line += 1
                if backslash and ch == '\\':
                    if i + 1 < n and script[i + 1] == '\n':
                        line += 1
                    i += 2
                    continue
                if ch == "'":
                    if script.startswith("''", i):
                        i += 2
                        continue
                    i += 1
                    break
                i += 1
            continue
        if c == '"':
            opened = line
            end = script.find('"', i + 1)
            while end >= 0 and script.startswith('""', end):
                end = script.find('"', end + 2)
            if end < 0:
                raise ScriptError('unterminated quoted identifier', opened)
            line += script.count('\n', i, end)
            i = end + 1
            continue
        if c == '$' and not _ident_char(script, i - 1):
            match = _DOLLAR_TAG.match(script, i)
            if match:
                tag = match.group(0)
                end = script.find(tag, match.end())
                if end < 0:
                    raise ScriptError('unterminated dollar-quoted string %s' % tag, line)
                line += script.count('\n', i, end)
                i = end + len(tag)
                continue
        i += 1
    flush(n)
    return statements


def _ident_char(script, index):
    if index < 0:
        return False
    ch = script[index]
    return ch.isalnum() or ch in '_$'
