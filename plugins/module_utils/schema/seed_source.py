# -*- coding: utf-8 -*-
# Copyright (c) 2026, ShopPulse platform team
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Where a seed load's rows come from: a CSV file read in chunks (its header, its records' lines for the messages),
or inline rows turned into CSV. What schema/seeding.py streams into COPY.

Plain Python; no Ansible, no database.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import csv
import io
import json
import os

from ansible_collections.shoppulse.analytics.plugins.module_utils.postgres import names as namelib
from ansible_collections.shoppulse.analytics.plugins.module_utils.postgres.errors import EngineError

try:
    from typing import Any, Dict, Iterator, List, Optional, Tuple
except ImportError:  # pragma: no cover
    pass

CHUNK = 1 << 20


# PostgreSQL's names of client encodings that Python spells differently.
_PYTHON_CODECS = {'UTF8': 'utf-8', 'LATIN1': 'latin-1', 'LATIN9': 'iso8859-15', 'WIN1252': 'cp1252',
                  'WIN1250': 'cp1250', 'WIN1251': 'cp1251', 'SQL_ASCII': 'ascii', 'EUC_JP': 'euc_jp',
                  'SJIS': 'shift_jis', 'GBK': 'gbk', 'UHC': 'cp949', 'BIG5': 'big5'}


def python_codec(pg_encoding):
    # type: (str) -> str
    """The Python codec for a PostgreSQL encoding name (UTF8, LATIN1, WIN1252, ...)."""
    return _PYTHON_CODECS.get(pg_encoding.upper().replace('-', ''), pg_encoding)


class Source(object):
    """Where the rows come from: a CSV file, or inline rows turned into CSV."""

    def __init__(self, path=None, rows=None, columns=None, delimiter=',', encoding='UTF8'):
        # type: (Any, Any, Optional[List[str]], str, str) -> None
        self.path = path
        self.rows = rows
        self.delimiter = delimiter
        self.encoding = python_codec(encoding)
        self.label = path if path else 'rows'
        if path is not None:
            if not os.path.isfile(path):
                raise EngineError('seed file %s does not exist' % path, file=path)
            if namelib.leaves(path, os.path.dirname(path) or '.'):
                raise EngineError('seed file %s is a link to a file outside its folder: a seed is read from where it is '
                                  'named only; nothing was read or loaded' % path, file=path)
            self.columns = self._read_header()
        else:
            self.columns, self.data = self._inline(rows, columns)

    def _read_header(self):
        # type: () -> List[str]
        with open(self.path, 'rb') as handle:
            first = handle.readline()  # the header only: a bad byte further down is COPY's to report
        try:
            text = first.decode(self.encoding)
        except UnicodeDecodeError as exc:
            raise EngineError('%s line 1: the header is not valid %s (%s)' % (self.path, self.encoding, exc),
                              file=self.path, line=1)
        header = next(csv.reader([text.lstrip(u'\ufeff')], delimiter=self.delimiter), None)
        if not header or not any(h.strip() for h in header):
            raise EngineError('%s line 1: the file has no header line naming its columns' % self.path,
                              file=self.path, line=1)
        columns = [h.strip() for h in header]
        for number, name in enumerate(columns, 1):
            if not name:
                raise EngineError('%s line 1: column %d of the header has no name' % (self.path, number),
                                  file=self.path, line=1)
        seen = {}  # type: Dict[str, int]
        for number, name in enumerate(columns, 1):
            if name in seen:
                raise EngineError('%s line 1: columns %d and %d of the header have the same name'
                                  % (self.path, seen[name], number), file=self.path, line=1)
            seen[name] = number
        return columns

    @staticmethod
    def _inline(rows, columns):
        # type: (List[Any], Optional[List[str]]) -> Tuple[List[str], bytes]
        if not rows:
            raise EngineError('rows is empty: nothing to load')
        for index, row in enumerate(rows, 1):
            if not isinstance(row, dict):
                raise EngineError('rows item %d is not a mapping of column names to values' % index)
        columns = list(columns or rows[0].keys())
        buffer = io.StringIO()
        buffer.write(','.join(_csv_field(c) for c in columns) + '\n')
        for index, row in enumerate(rows, 1):
            if set(row) != set(columns):
                raise EngineError('rows item %d has columns %s; expected %s'
                                  % (index, ', '.join(sorted(row)), ', '.join(sorted(columns))))
            buffer.write(','.join(_csv_field(row[c]) for c in columns) + '\n')
        return columns, buffer.getvalue().encode('utf-8')

    def chunks(self):
        # type: () -> Iterator[bytes]
        if self.path is None:
            yield self.data
            return
        with open(self.path, 'rb') as handle:
            while True:
                chunk = handle.read(CHUNK)
                if not chunk:
                    return
                yield chunk

    def line_of_record(self, record):
        # type: (int) -> int
        """Physical line on which record ``record`` (1-based, header excluded) starts."""
        if self.path is None:
            return record + 1
        with io.open(self.path, 'r', encoding=self.encoding, errors='replace', newline='') as handle:
            reader = csv.reader(handle, delimiter=self.delimiter)
            previous_end = 0
            for index, _row in enumerate(reader):
                if index == record:
                    return previous_end + 1
                previous_end = reader.line_num
        return previous_end + 1

    def locate(self, record):
        # type: (int) -> Tuple[str, Optional[int]]
        """('<file> line N', N) for a record of a file, ('rows item N', None) for inline rows: one scan."""
        if self.path is None:
            return 'rows item %d' % record, None
        line = self.line_of_record(record)
        return '%s line %d' % (self.path, line), line

    def where(self, record):
        # type: (int) -> str
        return self.locate(record)[0]


def _csv_field(value):
    # type: (Any) -> str
    if value is None:
        return ''
    if isinstance(value, bool):
        value = 'true' if value else 'false'
    elif isinstance(value, (dict, list)):
        value = json.dumps(value, sort_keys=True)
    else:
        value = '%s' % (value,)
    return '"%s"' % value.replace('"', '""')
