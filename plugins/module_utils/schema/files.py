# -*- coding: utf-8 -*-
# Copyright (c) 2026, ShopPulse platform team
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Discovery: the migration files of a directory, read and split, and the repeatable ones.

- A migration is a file ``<version>_<description>.sql`` (for example ``0003_orders_and_fulfillment.sql``);
  versions are positive integers, unique. A down file ``<version>_<description>.down.sql`` may stand beside it.
- Repeatable migrations (views, functions, policies, grants) are in a folder of their own (``repeatable`` beside
  the versioned files by default), named ``<name>.sql``.
- A file's leading comments may hold directives: ``-- shoppulse:no-transaction`` (it runs outside a
  transaction), ``-- shoppulse:supersedes <sha256>`` (an earlier text of it that a ledger may record).

Plain Python; no Ansible.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import hashlib
import os
import re

from ansible_collections.shoppulse.analytics.plugins.module_utils.postgres import names as namelib
from ansible_collections.shoppulse.analytics.plugins.module_utils.postgres.errors import EngineError
from ansible_collections.shoppulse.analytics.plugins.module_utils.postgres.sqlpatterns import parse_directives, superseded_checksums
from ansible_collections.shoppulse.analytics.plugins.module_utils.postgres.sqlscript import split_statements

try:
    from typing import Any, Dict, List, Optional
except ImportError:  # pragma: no cover
    pass

DOWN_SUFFIX = '.down.sql'
REPEATABLE_DIR = 'repeatable'
REPEATABLE_PATTERN = re.compile(r'^[A-Za-z0-9][A-Za-z0-9_.\- ]*\.sql$')
FILE_PATTERN = re.compile(r'^(?P<version>[0-9]+)[_-](?P<description>[A-Za-z0-9][A-Za-z0-9_.\- ]*)\.sql$')


class Migration(object):
    """One migration file, read and split."""

    def __init__(self, path, version, description, raw):
        # type: (str, Optional[int], str, bytes) -> None
        self.path = path
        self.filename = os.path.basename(path)
        self.version = version
        self.description = description
        self.checksum = hashlib.sha256(raw).hexdigest()
        try:
            self.sql = raw.decode('utf-8')
        except UnicodeDecodeError as exc:
            line = raw[:exc.start].count(b'\n') + 1
            raise EngineError('%s line %d: the file is not valid UTF-8 (byte 0x%02x)'
                              % (self.filename, line, raw[exc.start]), file=path, line=line)
        try:
            directives = parse_directives(self.sql)
            self.supersedes = superseded_checksums(self.sql)  # type: List[str]
            self.statements = split_statements(self.sql)
        except EngineError as exc:
            line = exc.facts['line']
            raise EngineError('%s line %d: %s' % (self.filename, line, exc), file=path, line=line)
        self.transactional = 'no-transaction' not in directives
        self.down = None  # type: Optional[Migration]  # its down file's, when there is one
        if not self.statements:
            raise EngineError('%s: the migration holds no SQL statement' % self.filename, file=path)
        for statement in self.statements:
            if statement.is_transaction_control():
                raise EngineError(
                    '%s line %d: transaction control (%s) is not allowed in a migration; each migration '
                    'already runs in a transaction of its own (use "-- shoppulse:no-transaction" for '
                    'statements that cannot run in one)' % (self.filename, statement.line, statement.text.split()[0]),
                    file=path, line=statement.line)

    def summary(self):
        # type: () -> Dict[str, Any]
        return dict(version=self.version, description=self.description, file=self.filename,
                    checksum=self.checksum, transactional=self.transactional)


def _refuse_leaving(path, directory):
    # type: (str, str) -> None
    if namelib.leaves(path, directory):
        raise EngineError('%s is a link to a file outside %s: a migration is read from its directory only; nothing was '
                          'read or applied' % (path, directory), file=path)


def discover(directory):
    # type: (str) -> List[Migration]
    """Read every migration of ``directory``, sorted by version.

    Raises EngineError for a missing or empty directory, a ``.sql`` file whose
    name is not a migration name, two files with one version, or a file that
    cannot be read or split.
    """
    if not os.path.isdir(directory):
        raise EngineError('migrations directory %s does not exist or is not a directory' % directory,
                          file=directory)
    by_version = {}  # type: Dict[int, Migration]
    downs = {}  # type: Dict[int, Migration]
    for name in sorted(os.listdir(directory)):
        path = os.path.join(directory, name)
        if not name.endswith('.sql') or not os.path.isfile(path):
            continue
        _refuse_leaving(path, directory)
        is_down = name.endswith(DOWN_SUFFIX)
        match = FILE_PATTERN.match(name[:-len(DOWN_SUFFIX)] + '.sql' if is_down else name)
        if not match:
            raise EngineError('%s: not a migration file name; expected <version>_<description>.sql, '
                              'for example 0001_create_tenants.sql' % path, file=path)
        version = int(match.group('version'))
        if version < 1:
            raise EngineError('%s: migration versions start at 1' % path, file=path)
        if is_down:
            with open(path, 'rb') as handle:
                downs[version] = Migration(path, version, match.group('description').replace('_', ' ').strip(),
                                           handle.read())
            if not downs[version].transactional:
                raise EngineError('%s: a down file runs in a transaction; it cannot be no-transaction' % path,
                                  file=path)
            continue
        if version in by_version:
            raise EngineError('duplicate migration version %d: %s and %s'
                              % (version, by_version[version].filename, name), file=path)
        with open(path, 'rb') as handle:
            raw = handle.read()
        description = match.group('description').replace('_', ' ').strip()
        by_version[version] = Migration(path, version, description, raw)
    if not by_version:
        raise EngineError('migrations directory %s holds no migration (*.sql) file' % directory,
                          file=directory)
    for version, down in sorted(downs.items()):
        if version not in by_version:
            raise EngineError('%s: a down file without its migration (no %d_*.sql beside it)' % (down.path, version),
                              file=down.path)
        by_version[version].down = down
    return [by_version[v] for v in sorted(by_version)]


def discover_repeatable(directory):
    # type: (str) -> List[Migration]
    """The repeatable migrations of ``directory`` (views, functions, policies, grants), in name order: [Migration]
    with version None; none for a directory that does not exist. EngineError for a file that cannot be one."""
    if not os.path.isdir(directory):
        return []
    found = []
    for name in sorted(os.listdir(directory)):
        path = os.path.join(directory, name)
        if not name.endswith('.sql') or not os.path.isfile(path):
            continue
        _refuse_leaving(path, directory)
        if not REPEATABLE_PATTERN.match(name):
            raise EngineError('%s: not a repeatable migration file name; expected a name such as '
                              'orders_summary_view.sql' % path, file=path)
        with open(path, 'rb') as handle:
            migration = Migration(path, None, name[:-len('.sql')].replace('_', ' ').strip(), handle.read())
        if not migration.transactional:
            raise EngineError('%s: a repeatable migration runs in a transaction; it cannot be no-transaction' % path,
                              file=path)
        found.append(migration)
    return found
