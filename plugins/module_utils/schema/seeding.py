# -*- coding: utf-8 -*-
# Copyright (c) 2026, ShopPulse platform team
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Idempotent seed loads: CSV (or inline rows) merged into a table by a key.

Plain Python over a DB-API connection of psycopg2 or psycopg 3; no Ansible.

How a load goes, in one transaction:
1. The CSV header is read here; every column must exist in the table and the
   key columns must be among them.
2. The file is streamed, unchanged, in 1 MiB chunks through client-side
   ``COPY ... FROM STDIN (FORMAT csv, HEADER true)`` into a temporary table
   with the target's column types (so PostgreSQL parses it exactly as psql's
   ``\\copy`` would: an unquoted empty field is NULL, a quoted one ''), and
   each record gets its record number. Memory stays flat for any file size,
   and no superuser or server-side file access is needed.
3. An empty key stops COPY at its line (the temporary table's key columns are NOT NULL); a key the file repeats
   is refused naming both lines (found by the table's unique index on a first load, else looked for first).
4. Rows whose key exists and whose values differ are updated; rows whose key
   is new are inserted; nothing else is written.
5. Any error rolls the whole transaction back, so the table is as it was. The
   offending record is found (PostgreSQL names it for parse errors; for a
   constraint hit by the merge it is found by bisection with savepoints) and
   reported with file and line.
In check mode the same work is done and then rolled back, so the counts are exact.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

from ansible_collections.shoppulse.analytics.plugins.module_utils.postgres import pgcompat
from ansible_collections.shoppulse.analytics.plugins.module_utils.postgres.errors import EngineError
from ansible_collections.shoppulse.analytics.plugins.module_utils.postgres.sqlscript import quote_ident
from ansible_collections.shoppulse.analytics.plugins.module_utils.schema.seed_source import Source, python_codec

try:
    from typing import Any, Dict, List, Optional, Sequence, Tuple
except ImportError:  # pragma: no cover
    pass

TEMP_TABLE = '_shoppulse_seed'
RECORD_COLUMN = '_shoppulse_record'
# the values PostgreSQL quotes in an error: 'invalid input syntax for type uuid: "x"' (names it quotes stay),
# 'Key (slug)=(x) already exists', 'Failing row contains (x, y)'
_QUOTED_VALUE = re.compile(r'(: )"(?:[^"]|"")*"(?= \(SQLSTATE|;|$)')
_VALUE_IN_DETAIL = re.compile(r'(\)=|row contains )\(.*?\)(?= already exists| is not present|;|$)')
_COPY_LINE = re.compile(r'\bline (\d+)')


class SeedLoader(object):
    def __init__(self, conn, table, key, path=None, rows=None, columns=None, schema='public',
                 delimiter=',', encoding='UTF8'):
        # type: (Any, str, Sequence[str], Optional[str], Optional[List[Any]], Optional[List[str]], str, str, str) -> None
        if not key:
            raise EngineError('key must name at least one column')
        self.conn = conn
        self.schema = schema
        self.table = table
        self.qualified = '%s.%s' % (quote_ident(schema), quote_ident(table))
        self.key = list(key)
        self.encoding = encoding
        self.source = Source(path=path, rows=rows, columns=columns, delimiter=delimiter, encoding=encoding)
        self.delimiter = delimiter
        conn.autocommit = True
        self.cursor = pgcompat.tuple_cursor(conn)

    def _table_columns(self):
        # type: () -> Dict[str, Tuple[str, str]]
        self.cursor.execute(
            'SELECT a.attname, a.attgenerated, a.attidentity FROM pg_catalog.pg_attribute a '
            'WHERE a.attrelid = to_regclass(%s) AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum',
            (self.qualified,))
        rows = self.cursor.fetchall()
        if not rows:
            raise EngineError('table %s.%s does not exist (or is not visible to this user)' % (self.schema, self.table))
        return dict((r[0], (r[1], r[2])) for r in rows)

    def _check_columns(self, table_columns):
        # type: (Dict[str, Tuple[str, str]]) -> bool
        where = self.source.label
        # a file's header is named by position, never quoted: pointed at the wrong file, it may be a secret
        unknown = [(n, c) for n, c in enumerate(self.source.columns, 1) if c not in table_columns]
        if unknown and self.source.path is not None:
            raise EngineError('%s line 1: column(s) %s of the header name no column of table %s.%s (its columns: %s)'
                              % (where, ', '.join(str(n) for n, c in unknown), self.schema, self.table,
                                 ', '.join(table_columns)), file=self.source.path, line=1)
        if unknown:
            raise EngineError('%s: column(s) %s do not exist in table %s.%s (its columns: %s)'
                              % (where, ', '.join(c for n, c in unknown), self.schema, self.table,
                                 ', '.join(table_columns)))
        absent = [k for k in self.key if k not in self.source.columns]
        if absent:
            raise EngineError('%s: key column(s) %s are missing from the data%s'
                              % (where, ', '.join(absent), '' if self.source.path is not None
                                 else ' (columns: %s)' % ', '.join(self.source.columns)))
        generated = [c for c in self.source.columns if table_columns[c][0] not in ('', None, b'')]
        if generated:
            raise EngineError('%s: column(s) %s of %s.%s are generated and cannot be loaded'
                              % (where, ', '.join(generated), self.schema, self.table))
        return any(table_columns[c][1] == 'a' for c in self.source.columns)

    def load(self, check_mode=False):
        # type: (bool) -> Dict[str, Any]
        columns = self.source.columns
        self.cursor.execute('BEGIN')
        try:
            overriding = self._check_columns(self._table_columns())
            total = self._copy(columns)
            self.cursor.execute('SAVEPOINT shoppulse_seed_merge')
            # into a table this session sees empty (a first load), every record is new: no update, no anti-join,
            # and a unique index on the key finds a key the file repeats by itself (the insert fails; then the
            # records are named); else the planner joins the two tables knowing the file's size and keys
            self.cursor.execute('SELECT NOT EXISTS (SELECT FROM %s)' % self.qualified)
            empty = self.cursor.fetchone()[0]
            if not (empty and self._key_is_unique()):
                self._check_duplicate_keys()
            if not empty and total > 10000:
                self.cursor.execute('ANALYZE %s' % TEMP_TABLE)
            updated = 0 if empty else self._merge('update', columns, total)
            inserted = self._merge('insert', columns, total, overriding, new_only=not empty)
            self.cursor.execute('ROLLBACK' if check_mode else 'COMMIT')
        except Exception:
            self._rollback()
            raise
        return dict(changed=bool(inserted or updated), inserted=inserted, updated=updated,
                    unchanged=total - inserted - updated, total=total)

    def _rollback(self):
        # type: () -> None
        try:
            self.cursor.execute('ROLLBACK')
        except Exception:  # pylint: disable=broad-except
            pass

    def _copy(self, columns):
        # type: (List[str]) -> int
        cols = ', '.join(quote_ident(c) for c in columns)
        self.cursor.execute('CREATE TEMPORARY TABLE %s ON COMMIT DROP AS SELECT %s FROM %s WITH NO DATA'
                            % (TEMP_TABLE, cols, self.qualified))
        # the record numbers, and the key columns NOT NULL: COPY stops at the first record with an empty key
        self.cursor.execute('ALTER TABLE %s ADD COLUMN %s bigint GENERATED ALWAYS AS IDENTITY, %s'
                            % (TEMP_TABLE, RECORD_COLUMN, ', '.join('ALTER COLUMN %s SET NOT NULL' % quote_ident(k)
                                                                    for k in self.key)))
        options = ["FORMAT csv", "HEADER true", "DELIMITER '%s'" % self.delimiter.replace("'", "''")]
        if self.source.path is not None and python_codec(self.encoding) != 'utf-8':
            options.append("ENCODING '%s'" % self.encoding.replace("'", "''"))
        sql = 'COPY %s (%s) FROM STDIN (%s)' % (TEMP_TABLE, cols, ', '.join(options))
        try:
            total = pgcompat.copy_from_chunks(self.cursor, sql, self.source.chunks())
        except Exception as exc:  # pylint: disable=broad-except
            if not pgcompat.is_database_error(exc):
                raise
            fields = pgcompat.error_fields(exc)
            match = _COPY_LINE.search(fields['context'] or '')
            where = self.source.label
            line = None
            if match:
                record = int(match.group(1)) - 1  # COPY counts the header as line 1
                where, line = self.source.locate(record)
            if fields['sqlstate'] == '23502':  # not_null_violation: only the key columns are NOT NULL here
                raise EngineError('%s: a key column (%s) is empty; nothing was loaded' % (where, ', '.join(self.key)),
                                  file=self.source.path, line=line, sqlstate=fields['sqlstate'])
            raise EngineError('%s: %s; nothing was loaded into %s.%s'
                              % (where, self._describe(exc), self.schema, self.table),
                              file=self.source.path, line=line, sqlstate=fields['sqlstate'])
        if total < 0:  # a driver that does not count what COPY wrote
            self.cursor.execute('SELECT count(*) FROM %s' % TEMP_TABLE)
            total = self.cursor.fetchone()[0]
        return int(total)

    def _describe(self, exc):
        # type: (BaseException) -> str
        """PostgreSQL's error without the values it quotes from a file (``invalid input syntax for type uuid: "…"``,
        ``Key (slug)=(…) already exists``): the file and line say where, the file is the user's to read."""
        text = pgcompat.describe_error(exc)
        if self.source.path is None:
            return text
        return _VALUE_IN_DETAIL.sub(u'\\1(…)', _QUOTED_VALUE.sub(u'\\1"…"', text))

    def _key_is_unique(self):
        # type: () -> bool
        """Whether a valid unique index of the table, on columns only, without a predicate, covers no column
        outside the key: two records with the same key then collide in it."""
        self.cursor.execute(
            'SELECT EXISTS (SELECT FROM pg_catalog.pg_index i WHERE i.indrelid = %s::regclass AND i.indisunique '
            'AND i.indisvalid AND i.indpred IS NULL AND i.indexprs IS NULL AND NOT EXISTS ('
            'SELECT FROM pg_catalog.pg_attribute a WHERE a.attrelid = i.indrelid '
            'AND a.attnum = ANY (i.indkey::int2[]) AND NOT a.attname = ANY (%s::text[])))',
            (self.qualified, self.key))
        return bool(self.cursor.fetchone()[0])

    def _check_duplicate_keys(self):
        # type: () -> None
        keys = ', '.join(quote_ident(k) for k in self.key)
        # a hashed aggregate finds whether a key repeats (no sort of the whole file); which records, only then
        self.cursor.execute('SELECT EXISTS (SELECT FROM %s GROUP BY %s HAVING count(*) > 1)' % (TEMP_TABLE, keys))
        if not self.cursor.fetchone()[0]:
            return
        self.cursor.execute('SELECT min(%s), max(%s) FROM (SELECT %s, %s, count(*) OVER (PARTITION BY %s) AS n '
                            'FROM %s) d WHERE n > 1 GROUP BY %s ORDER BY 1 LIMIT 1'
                            % (RECORD_COLUMN, RECORD_COLUMN, RECORD_COLUMN, keys, keys, TEMP_TABLE, keys))
        row = self.cursor.fetchone()
        if row:
            raise EngineError('%s and %s hold the same key (%s); nothing was loaded'
                              % (self.source.where(row[0]), self.source.where(row[1]), ', '.join(self.key)))

    def _merge_sql(self, kind, columns, overriding=False, bounded=False, new_only=True):
        # type: (str, List[str], bool, bool, bool) -> Optional[str]
        target = self.qualified
        match = ' AND '.join('t.%s = s.%s' % (quote_ident(k), quote_ident(k)) for k in self.key)
        bound = (' AND s.%s BETWEEN %%s AND %%s' % RECORD_COLUMN) if bounded else ''
        if kind == 'update':
            values = [c for c in columns if c not in self.key]
            if not values:
                return None
            sets = ', '.join('%s = s.%s' % (quote_ident(c), quote_ident(c)) for c in values)
            left = ', '.join('t.%s' % quote_ident(c) for c in values)
            right = ', '.join('s.%s' % quote_ident(c) for c in values)
            return ('UPDATE %s AS t SET %s FROM %s AS s WHERE %s AND (%s) IS DISTINCT FROM (%s)%s'
                    % (target, sets, TEMP_TABLE, match, left, right, bound))
        cols = ', '.join(quote_ident(c) for c in columns)
        source_cols = ', '.join('s.%s' % quote_ident(c) for c in columns)
        new = 'NOT EXISTS (SELECT 1 FROM %s AS t WHERE %s)' % (target, match) if new_only else 'true'
        # rows go in in the file's order (identity and serial values follow it, as with psql's \copy): a join may
        # reorder them, so it is sorted; a plain scan of the temporary table is that order already (one COPY filled
        # it, page after page, and a table of the session's own is never read from the middle by a synchronized
        # scan), and sorting a million rows spills to disk
        order = ' ORDER BY s.%s' % RECORD_COLUMN if new_only or bounded else ''
        return ('INSERT INTO %s (%s)%s SELECT %s FROM %s AS s WHERE %s%s%s'
                % (target, cols, ' OVERRIDING SYSTEM VALUE' if overriding else '', source_cols, TEMP_TABLE, new, bound,
                   order))

    def _merge(self, kind, columns, total, overriding=False, new_only=True):
        # type: (str, List[str], int, bool, bool) -> int
        sql = self._merge_sql(kind, columns, overriding, new_only=new_only)
        if sql is None:
            return 0
        try:
            self.cursor.execute(sql)
            return max(self.cursor.rowcount, 0)
        except Exception as exc:  # pylint: disable=broad-except
            if not pgcompat.is_database_error(exc):
                raise
            self.cursor.execute('ROLLBACK TO SAVEPOINT shoppulse_seed_merge')
            if not new_only and pgcompat.error_fields(exc)['sqlstate'] == '23505':
                self._check_duplicate_keys()  # a key the file repeats: its two records named
            record = self._bisect(self._merge_sql(kind, columns, overriding, bounded=True, new_only=new_only), total)
            where, line = self.source.locate(record) if record else (self.source.label, None)
            raise EngineError('%s: %s; nothing was loaded into %s.%s'
                              % (where, self._describe(exc), self.schema, self.table),
                              file=self.source.path, line=line, sqlstate=pgcompat.error_fields(exc)['sqlstate'])

    def _fails(self, sql, low, high):
        # type: (str, int, int) -> bool
        self.cursor.execute('SAVEPOINT shoppulse_seed_probe')
        try:
            self.cursor.execute(sql, (low, high))
            failed = False
        except Exception as exc:  # pylint: disable=broad-except
            if not pgcompat.is_database_error(exc):
                raise
            failed = True
        self.cursor.execute('ROLLBACK TO SAVEPOINT shoppulse_seed_probe')
        return failed

    def _bisect(self, sql, total):
        # type: (Any, int) -> Optional[int]
        """Return the first record whose merge fails on its own, or None."""
        low, high = 1, total
        while low < high:
            middle = (low + high) // 2
            if self._fails(sql, low, middle):
                high = middle
            else:
                low = middle + 1
        return low if self._fails(sql, low, low) else None


def load(conn, check_mode=False, **options):
    # type: (Any, bool, **Any) -> Dict[str, Any]
    return SeedLoader(conn, **options).load(check_mode=check_mode)
