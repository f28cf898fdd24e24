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

from ansible_collections.shoppulse.analytics.plugins.module_utils.postgres.errors import EngineError

try:
    from typing import Any, List, Optional
except ImportError:  # pragma: no cover
    pass


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


def quote_ident(name):
    # type: (str) -> str
    """Quote an SQL identifier (always, so that any name is safe)."""
    return '"%s"' % name.replace('"', '""')


class Statement(object):
    """One statement of a script: its text (without the final semicolon) and first line."""

    __slots__ = ('text', 'line')

    def __init__(self, text, line):
        # type: (str, int) -> None
        self.text = text
        self.line = line

    def line_of_position(self, position):
        # type: (Optional[int]) -> int
        """Return the script line of a 1-based character position in this statement.

        PostgreSQL reports the position of a syntax error (and of some others) in
        the statement it received; this maps it back to the file.
        """
        if not position or position < 1:
            return self.line
        return self.line + self.text.count('\n', 0, position - 1)

    def is_transaction_control(self):
        # type: () -> bool
        return bool(_TRANSACTION_CONTROL.match(self.text.lstrip()))

    def __repr__(self):
        # type: () -> str
        return 'Statement(line=%d, %r)' % (self.line, self.text[:40])


class _Scanner(object):
    """psqlscan.l's state for one script: where statements end, and what psql would refuse."""

    def __init__(self, script):
        # type: (str) -> None
        self.script = script
        self.n = len(script)
        self.i = 0
        self.line = 1
        self.statements = []  # type: List[Statement]
        self._new_statement()

    def _new_statement(self):
        # type: () -> None
        self.start = None  # type: Optional[int]  # offset of the statement's first significant character
        self.start_line = None  # type: Optional[int]
        self.paren_depth = 0
        self.begin_depth = 0
        self.identifier_count = 0
        self.heads = []  # type: List[str]  # psqlscan.l's identifiers[]: first letters of the leading words
        self.words = []  # type: List[str]  # the statement's identifiers outside parentheses, lower case

    def _begin_token(self):
        # type: () -> None
        if self.start is None:
            self.start = self.i
            self.start_line = self.line

    def _advance_to(self, end):
        # type: (int) -> None
        self.line += self.script.count('\n', self.i, end)
        self.i = end

    def _end_statement(self):
        # type: () -> None
        if self.start is not None:
            text = self.script[self.start:self.i].rstrip()
            if text:
                statement = Statement(text, self.start_line or self.line)
                self._refuse_copy_with_psql_data(statement)
                self.statements.append(statement)
        self._new_statement()

    def _refuse_copy_with_psql_data(self, statement):
        # type: (Statement) -> None
        words = self.words
        if not words or words[0] != 'copy':
            return
        for first, second, what in (('from', 'stdin', 'reads the rows that follow it in psql\'s input'),
                                    ('to', 'stdout', 'prints its rows to psql\'s output')):
            if any(words[k] == first and words[k + 1] == second for k in range(len(words) - 1)):
                raise EngineError('COPY ... %s %s %s, which only psql has: load rows with the seed_load module, '
                                  'or COPY from a file on the server' % (first.upper(), second.upper(), what),
                                  line=statement.line)

    def _identifier(self, word):
        # type: (str) -> None
        lower = word.lower()
        if self.paren_depth == 0:
            self.words.append(lower)
        if self.identifier_count < 4:
            self.heads.append(lower[0] if lower in _HEAD_WORDS else '')
        self.identifier_count += 1
        if self.paren_depth == 0 and self._in_routine():
            self._count_begin_end(lower)

    def _in_routine(self):
        # type: () -> bool
        """psqlscan.l: the statement starts CREATE [OR REPLACE] FUNCTION|PROCEDURE, whose BEGIN ... END count."""
        heads = self.heads + [''] * (4 - len(self.heads))
        return heads[0] == 'c' and (heads[1] in ('f', 'p') or (heads[1:3] == ['o', 'r'] and heads[3] in ('f', 'p')))

    def _count_begin_end(self, lower):
        # type: (str) -> None
        """A BEGIN ATOMIC body's depth: a semicolon inside it does not end the statement."""
        if lower == 'begin':
            self.begin_depth += 1
        elif lower == 'case':
            if self.begin_depth >= 1:  # CASE ends with END too; counted only inside a BEGIN
                self.begin_depth += 1
        elif lower == 'end':
            if self.begin_depth > 0:
                self.begin_depth -= 1

    def _quoted(self, quote, backslash, what):
        # type: (str, bool, str) -> None
        """Skip a string or quoted identifier that opens at self.i (on its quote)."""
        opened = self.line
        script, n = self.script, self.n
        j = self.i + 1
        while True:
            if j >= n:
                raise EngineError('unterminated %s' % what, line=opened)
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
        # type: () -> List[Statement]
        """The statements of the script, in order."""
        while self.i < self.n:
            self._step(self.script[self.i])
        self._end_statement()
        return self.statements

    def _step(self, c):
        # type: (str) -> None
        """Consume what starts at self.i (on the character c): space, a comment, a semicolon or a token."""
        if c == '\n':
            self.line += 1
            self.i += 1
        elif c in ' \t\r\f\v':
            self.i += 1
        elif self.script.startswith('--', self.i):
            end = self.script.find('\n', self.i)
            self.i = self.n if end < 0 else end
        elif self.script.startswith('/*', self.i):
            self._comment()
        elif c == ';':
            self._semicolon()
        elif c == '\\':
            self._refuse_meta_command()
        else:
            self._begin_token()
            self._token(c)

    def _semicolon(self):
        # type: () -> None
        """A semicolon ends the statement, unless it is inside parentheses or a BEGIN ATOMIC body."""
        if self.paren_depth == 0 and self.begin_depth == 0:
            self._end_statement()
        else:
            self._begin_token()
        self.i += 1

    def _refuse_meta_command(self):
        # type: () -> None
        command = _matched(_META_COMMAND, self.script, self.i).group(0)
        raise EngineError('%s is a psql meta-command, not SQL: a migration holds only SQL statements, '
                          'which the server runs' % command, line=self.line)

    def _comment(self):
        # type: () -> None
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
            raise EngineError('unterminated /* comment', line=opened)
        self._advance_to(j)

    def _token(self, c):
        # type: (str) -> None
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
            self._dollar()
        elif c.isdigit() or (c == '.' and self.i + 1 < self.n and self.script[self.i + 1].isdigit()):
            self.i = _matched(_NUMBER, self.script, self.i).end()
        else:
            self._word()

    def _dollar(self):
        # type: () -> None
        """A dollar-quoted string ($$...$$, $tag$...$tag$), or a parameter ($1) or operator character."""
        match = _DOLLAR_TAG.match(self.script, self.i)
        if not match:
            self.i += 1
            return
        tag = match.group(0)
        end = self.script.find(tag, match.end())
        if end < 0:
            raise EngineError('unterminated dollar-quoted string %s' % tag, line=self.line)
        self._advance_to(end + len(tag))

    def _word(self):
        # type: () -> None
        """An identifier or keyword, or a string with a prefix: E'' (backslash escapes), B'' X'' N'', U&'' and U&""."""
        match = _IDENTIFIER.match(self.script, self.i)
        if not match:
            self.i += 1  # an operator or punctuation character
            return
        word = match.group(0)
        after = self.script[match.end():match.end() + 2]
        lower = word.lower()
        if lower in ('e', 'b', 'x', 'n') and after[:1] == "'":
            self.i = match.end()
            self._quoted("'", lower == 'e', 'quoted string')
        elif lower == 'u' and after in ("&'", '&"'):
            self.i = match.end() + 1
            self._quoted(after[1], False, 'quoted string' if after[1] == "'" else 'quoted identifier')
        else:
            self.i = match.end()
            self._identifier(word)


def _matched(pattern, text, at):
    # type: (Any, str, int) -> Any
    """``pattern`` matched at ``at``, where the scanner knows it matches."""
    found = pattern.match(text, at)
    if found is None:
        raise AssertionError('the scanner matched where its pattern does not')
    return found


def split_statements(script):
    # type: (str) -> List[Statement]
    """Split ``script`` into a list of Statement objects, where psql ends each statement.

    Empty statements (only whitespace, comments or stray semicolons) are dropped.
    Raises EngineError, with its line, for anything left open at the end of the
    script and for what only psql can run (meta-commands, COPY with psql's data).
    """
    return _Scanner(script).scan()
