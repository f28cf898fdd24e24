# -*- coding: utf-8 -*-
# Copyright (c) 2026, ShopPulse platform team
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The few places where psycopg2 and psycopg 3 differ, behind one small API.

Connections are made by community.postgresql's connection layer (see
``connection.py``); the engine only needs a DB-API connection and these helpers,
so that tests can hand it a connection of either driver.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

try:
    from typing import Any, Dict, Iterable
except ImportError:  # pragma: no cover
    pass


def driver_of(conn):
    # type: (Any) -> str
    """Return 'psycopg' (3) or 'psycopg2' for a connection object."""
    module = type(conn).__module__
    return 'psycopg2' if module.startswith('psycopg2') else 'psycopg'


def tuple_cursor(conn):
    # type: (Any) -> Any
    """A cursor whose rows are tuples, whatever row factory the connection has.

    community.postgresql gives psycopg 3 connections a dict row factory and
    psycopg2 connections a plain one; the engine always reads tuples.
    """
    if driver_of(conn) == 'psycopg':
        from psycopg.rows import tuple_row  # pylint: disable=import-error
        return conn.cursor(row_factory=tuple_row)
    return conn.cursor()


# The PostgreSQL major versions the collection serves and is tested on: those RDS offers.
SUPPORTED_MAJORS = (15, 16, 17, 18)


class UnsupportedServer(Exception):
    """A server of a major version outside SUPPORTED_MAJORS."""


def server_version(conn):
    # type: (Any) -> int
    """The server's version number, as PostgreSQL gives it (180004 for 18.4)."""
    if driver_of(conn) == 'psycopg':
        return conn.info.server_version
    return conn.server_version


def check_server_version(conn):
    # type: (Any) -> int
    """Return the server's major version; raise UnsupportedServer for one the collection does not serve."""
    number = server_version(conn)
    major = number // 10000
    if major not in SUPPORTED_MAJORS:
        raise UnsupportedServer(
            'the server runs PostgreSQL %d.%d, which this collection does not serve (it serves %s, the '
            'versions RDS offers); nothing was changed' % (major, number % 10000, ', '.join(
                str(m) for m in SUPPORTED_MAJORS)))
    return major


def encrypt_password(conn, user, password):
    # type: (Any, str, str) -> str
    """The SCRAM-SHA-256 verifier of ``password`` for ``user``, made by libpq on the client (as psql's
    \\password does), so that the password itself is never sent in a statement or written to a log."""
    if driver_of(conn) == 'psycopg':
        return conn.pgconn.encrypt_password(password.encode('utf-8'), user.encode('utf-8'),
                                            b'scram-sha-256').decode('ascii')
    from psycopg2.extensions import encrypt_password as libpq_encrypt  # pylint: disable=import-error
    return libpq_encrypt(password, user, conn, 'scram-sha-256')


class _ChunkReader(object):
    """File-like wrapper of an iterator of bytes chunks, for psycopg2's copy_expert."""

    def __init__(self, chunks):
        # type: (Iterable[bytes]) -> None
        self._chunks = iter(chunks)
        self._buffer = b''

    def read(self, size=-1):
        # type: (int) -> bytes
        if size is None or size < 0:
            return self._buffer + b''.join(self._chunks)
        while len(self._buffer) < size:
            try:
                self._buffer += next(self._chunks)
            except StopIteration:
                break
        data, self._buffer = self._buffer[:size], self._buffer[size:]
        return data


def copy_from_chunks(cursor, sql, chunks):
    # type: (Any, str, Iterable[bytes]) -> int
    """Run ``COPY ... FROM STDIN`` feeding it an iterator of bytes chunks; the rows it wrote (-1: not known)."""
    if driver_of(cursor.connection) == 'psycopg':
        with cursor.copy(sql) as copy:
            for chunk in chunks:
                copy.write(chunk)
    else:
        cursor.copy_expert(sql, _ChunkReader(chunks), size=1 << 20)
    return cursor.rowcount if cursor.rowcount is not None else -1


def is_database_error(exc):
    # type: (BaseException) -> bool
    """True for an error raised by either driver (as opposed to our own bugs)."""
    names = [klass.__module__.split('.')[0] for klass in type(exc).__mro__]
    return 'psycopg' in names or 'psycopg2' in names


def error_fields(exc):
    # type: (BaseException) -> Dict[str, Any]
    """Return a dict of what PostgreSQL said about an error, for either driver."""
    diag = getattr(exc, 'diag', None)

    def field(name):
        # type: (str) -> Any
        value = getattr(diag, name, None) if diag is not None else None
        return value if value not in ('', None) else None

    sqlstate = getattr(exc, 'sqlstate', None) or getattr(exc, 'pgcode', None) or field('sqlstate')
    position = field('statement_position')
    message = field('message_primary')
    if not message:
        message = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return dict(
        sqlstate=sqlstate,
        message=message,
        detail=field('message_detail'),
        hint=field('message_hint'),
        context=field('context'),
        position=int(position) if position else None,
        constraint=field('constraint_name'),
        table=field('table_name'),
        column=field('column_name'),
    )


def describe_error(exc):
    # type: (BaseException) -> str
    """One line: message, then detail and hint when PostgreSQL gave them."""
    fields = error_fields(exc)
    text = fields['message']
    if fields['sqlstate']:
        text = '%s (SQLSTATE %s)' % (text, fields['sqlstate'])
    for extra in ('detail', 'hint'):
        if fields[extra]:
            text += '; %s: %s' % (extra, fields[extra].rstrip('.'))
    return text
