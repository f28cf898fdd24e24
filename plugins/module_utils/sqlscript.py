# -*- coding: utf-8 -*-
# Copyright (c) 2026, ShopPulse platform team
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Split a PostgreSQL script into statements exactly where psql would, keeping each one's first line.

Plain Python, no Ansible and no database: the migration engine uses it to run a
file statement by statement, so that a failing statement is reported with the
file and line it stands on, and so that statements which cannot run inside a
transaction block (CREATE INDEX CONCURRENTLY) can be sent one at a time.

It follows psql's own lexer (src/fe_utils/psqlscan.l), which decides where
``psql -f`` ends a statement: a semicolon ends one only outside strings
('...', E'...' with backslash escapes, B'', X'', N'', U&''), quoted
identifiers, dollar quotes ($$ ... $$, $tag$ ... $tag$), comments (-- and
nested /* */), parentheses (``CREATE RULE ... DO ALSO (INSERT ...; INSERT
...)``), and the ``BEGIN ... END`` of a statement that starts with CREATE [OR
REPLACE] FUNCTION or PROCEDURE (a SQL-standard ``BEGIN ATOMIC`` body, with the
``CASE ... END`` inside it counted as psql counts them).

What psql does but a server cannot, the splitter refuses, naming the line: a
psql meta-command (a backslash outside a string: ``\\set``, ``\\i``, ``\\copy``,
``\\;``), and ``COPY ... FROM STDIN`` or ``TO STDOUT``, whose rows psql reads
from, or prints to, its own input and output.

Why not a library: pglast (libpg_query) parses with the grammar of one
PostgreSQL release, so it refuses syntax of a newer server, needs a compiled
extension on every managed node, and is not psql: it knows neither psql's
meta-commands nor where psql ends a statement. The lexer psql uses is a
few rules, kept here in plain Python that any managed node runs.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

DIRECTIVE_PREFIX = 'shoppulse:'
KNOWN_DIRECTIVES = ('no-transaction',)

# psqlscan.l: identifier = ident_start ident_cont*; dolqdelim = \$(dolq_start dolq_cont*)?\$
_IDENT_START = r'A-Za-z\x80-\uffff_'
_IDENTIFIER = re.compile(r'[%s][%s0-9$]*' % (_IDENT_START, _IDENT_START))
_DOLLAR_TAG = re.compile(r'\$([%s][%s0-9]*)?\$' % (_IDENT_START, _IDENT_START))
_NUMBER = re.compile(r'[0-9][0-9A-Za-z_]*(\.[0-9A-Za-z_]*)?|\.[0-9][0-9A-Za-z_]*')
_META_COMMAND = re.compile(r'\\(\S*)')
_TRANSACTION_CONTROL = re.compile(
    r'^(BEGIN|COMMIT|ROLLBACK|END|ABORT|START\s+TRANSACTION|SAVEPOINT|RELEASE|PREPARE\s+TRANSACTION)\b',
    re.IGNORECASE)
# psqlscan.l records the first letter of these words among a statement's first four identifiers: the
# BEGIN ... END of CREATE [OR REPLACE] FUNCTION|PROCEDURE is tracked from them
_HEAD_WORDS = ('create', 'function', 'procedure', 'or', 'replace')


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


class _Scanner(object):
    """psqlscan.l's state for one script: where statements end, and what psql would refuse."""

    def __init__(self, script):
        self.script = script
        self.n = len(script)
        self.i = 0
        self.line = 1
        self.statements = []
        self._new_statement()

    def _new_statement(self):
        self.start = None         # offset of the statement's first significant character
        self.start_line = None
        self.paren_depth = 0
        self.begin_depth = 0
        self.identifier_count = 0
        self.heads = []           # psqlscan.l's identifiers[]: first letters of the leading words
        self.words = []           # the statement's identifiers outside parentheses, lower case

    def _begin_token(self):
        if self.start is None:
            self.start = self.i
            self.start_line = self.line

    def _advance_to(self, end):
        self.line += self.script.count('\n', self.i, end)
        self.i = end

    def _end_statement(self):
        if self.start is not None:
            text = self.script[self.start:self.i].rstrip()
            if text:
                statement = Statement(text, self.start_line)
                self._refuse_copy_with_psql_data(statement)
                self.statements.append(statement)
        self._new_statement()

    def _refuse_copy_with_psql_data(self, statement):
        words = self.words
        if not words or words[0] != 'copy':
            return
        for first, second, what in (('from', 'stdin', 'reads the rows that follow it in psql\'s input'),
                                    ('to', 'stdout', 'prints its rows to psql\'s output')):
            if any(words[k] == first and words[k + 1] == second for k in range(len(words) - 1)):
                raise ScriptError('COPY ... %s %s %s, which only psql has: load rows with the seed_load module, '
                                  'or COPY from a file on the server' % (first.upper(), second.upper(), what),
                                  statement.line)

    def _identifier(self, word):
        lower = word.lower()
        if self.paren_depth == 0:
            self.words.append(lower)
        if self.identifier_count < 4:
            self.heads.append(lower[0] if lower in _HEAD_WORDS else '')
        self.identifier_count += 1
        heads = self.heads + [''] * (4 - len(self.heads))
        routine = heads[0] == 'c' and (heads[1] in ('f', 'p') or (heads[1:3] == ['o', 'r'] and heads[3] in ('f', 'p')))
        if routine and self.paren_depth == 0:
            if lower == 'begin':
                self.begin_depth += 1
            elif lower == 'case':
                if self.begin_depth >= 1:  # CASE ends with END too; counted only inside a BEGIN
                    self.begin_depth += 1
            elif lower == 'end':
                if self.begin_depth > 0:
                    self.begin_depth -= 1

    def _quoted(self, quote, backslash, what):
        """Skip a string or quoted identifier that opens at self.i (on its quote)."""
        opened = self.line
        script, n = self.script, self.n
        j = self.i + 1
        while True:
            if j >= n:
                raise ScriptError('unterminated %s' % what, opened)
            ch = script[j]
            if backslash and ch == '\\':
                j += 2
                continue
            if ch == quote:
                if script.startswith(quote * 2, j):
                    j += 2
                    continue
                break
            j += 1
        self._advance_to(j + 1)

    def scan(self):
        script, n = self.script, self.n
        while self.i < n:
            c = script[self.i]
            if c == '\n':
                self.line += 1
                self.i += 1
            elif c in ' \t\r\f\v':
                self.i += 1
            elif script.startswith('--', self.i):
                end = script.find('\n', self.i)
                self.i = n if end < 0 else end
            elif script.startswith('/*', self.i):
                self._comment()
            elif c == ';':
                if self.paren_depth == 0 and self.begin_depth == 0:
                    self._end_statement()
                else:
                    self._begin_token()
                self.i += 1
            elif c == '\\':
                command = _META_COMMAND.match(script, self.i).group(0)
                raise ScriptError('%s is a psql meta-command, not SQL: a migration holds only SQL statements, '
                                  'which the server runs' % command, self.line)
            else:
                self._begin_token()
                self._token(c)
        self._end_statement()
        return self.statements

    def _comment(self):
        opened = self.line
        script, n = self.script, self.n
        depth = 0
        j = self.i
        while j < n:
            if script.startswith('/*', j):
                depth += 1
                j += 2
            elif script.startswith('*/', j):
                depth -= 1
                j += 2
                if depth == 0:
                    break
            else:
                j += 1
        if depth:
            raise ScriptError('unterminated /* comment', opened)
        self._advance_to(j)

    def _token(self, c):
        script = self.script
        if c == "'":
            self._quoted("'", False, 'quoted string')
        elif c == '"':
            self._quoted('"', False, 'quoted identifier')
        elif c == '(':
            self.paren_depth += 1
            self.i += 1
        elif c == ')':
            if self.paren_depth > 0:
                self.paren_depth -= 1
            self.i += 1
        elif c == '$':
            match = _DOLLAR_TAG.match(script, self.i)
            if match:
                tag = match.group(0)
                end = script.find(tag, match.end())
                if end < 0:
                    raise ScriptError('unterminated dollar-quoted string %s' % tag, self.line)
                self._advance_to(end + len(tag))
            else:
                self.i += 1  # a parameter ($1) or an operator character
        elif c.isdigit() or (c == '.' and self.i + 1 < self.n and script[self.i + 1].isdigit()):
            self.i = _NUMBER.match(script, self.i).end()
        else:
            match = _IDENTIFIER.match(script, self.i)
            if not match:
                self.i += 1  # an operator or punctuation character
                return
            word = match.group(0)
            after = script[match.end():match.end() + 2]
            lower = word.lower()
            # string prefixes: E'' (backslash escapes), B'' X'' N'', and U&'' U&""
            if lower in ('e', 'b', 'x', 'n') and after[:1] == "'":
                self.i = match.end()
                self._quoted("'", lower == 'e', 'quoted string')
            elif lower == 'u' and after in ("&'", '&"'):
                self.i = match.end() + 1
                self._quoted(after[1], False, 'quoted string' if after[1] == "'" else 'quoted identifier')
            else:
                self.i = match.end()
                self._identifier(word)


def split_statements(script):
    """Split ``script`` into a list of Statement objects, where psql ends each statement.

    Empty statements (only whitespace, comments or stray semicolons) are dropped.
    Raises ScriptError, with its line, for anything left open at the end of the
    script and for what only psql can run (meta-commands, COPY with psql's data).
    """
    return _Scanner(script).scan()
