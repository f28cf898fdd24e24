# -*- coding: utf-8 -*-
# Copyright (c) 2026, ShopPulse platform team
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Versioned SQL migrations: discovery, planning against a ledger, and applying.

Plain Python over a DB-API connection of psycopg2 or psycopg 3; no Ansible.

- A migration is a file ``<version>_<description>.sql`` (for example
  ``0003_orders_and_fulfillment.sql``); versions are positive integers, unique.
- The ledger table records version, description, sha256 checksum, applied_at,
  applied_by and duration of each applied migration.
- Every migration runs in a transaction of its own, statement by statement, so
  a failure is reported with file and line and rolls the whole migration back.
  A file whose leading comments hold ``-- shoppulse:no-transaction`` runs in
  autocommit instead, for statements such as CREATE INDEX CONCURRENTLY.
- Runs serialize on a PostgreSQL advisory lock; the plan is read again once the
  lock is held, so concurrent runs apply each migration exactly once.
- A migration edited after it was applied stops the run before anything is
  applied, naming the file and both checksums.
- Every migration runs with a server-side ``lock_timeout`` and ``statement_timeout``:
  through RDS Proxy a client cannot cancel a query, so the server must end it.
  A transactional migration that fails on the lock timeout (SQLSTATE 55P03) is
  rolled back and tried again after a growing delay, ``lock_retries`` times;
  any other error is never retried.
- Before a no-transaction migration runs (again, after a failure part way), the
  indexes its ``CREATE INDEX CONCURRENTLY`` statements name that are INVALID (what
  a failed or cancelled concurrent build leaves) are dropped, so that ``IF NOT
  EXISTS`` cannot keep a broken index.
- A migration may have a down file beside it, ``<version>_<description>.down.sql``. A
  ``target_version`` below the current version reverts: the down files of the versions
  above it run newest first, all in one transaction (a failing one leaves the database
  and the ledger as they were), and their ledger rows go with them. Nothing starts when
  one of them has no down file, its file is gone, or it ran outside a transaction.
- Repeatable migrations (views, functions, policies, grants), in a folder of their own
  (``repeatable`` beside the versioned files by default): once no versioned migration is
  pending, each file that is new or whose checksum changed runs, in name order, in a
  transaction of its own, and ``<ledger>_repeatable`` records its checksum.
- The ledger's history, ``<ledger>_history``, records every change to the ledger other
  than applying a migration: baselines, repairs, reverts, failed no-transaction attempts.
- What a migration SETs for its session (``SET max_parallel_maintenance_workers = 0``
  before a build, for one) ends with it: the session is RESET before the next migration.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import contextlib
import hashlib
import json
import os
import re
import time
import zlib

from ansible_collections.shoppulse.analytics.plugins.module_utils import inventory as inventorylib
from ansible_collections.shoppulse.analytics.plugins.module_utils import lint as lintlib
from ansible_collections.shoppulse.analytics.plugins.module_utils import names as namelib
from ansible_collections.shoppulse.analytics.plugins.module_utils import pgcompat
from ansible_collections.shoppulse.analytics.plugins.module_utils.errors import EngineError
from ansible_collections.shoppulse.analytics.plugins.module_utils.sqlscript import (
    parse_directives,
    quote_ident,
    split_statements,
)

DOWN_SUFFIX = '.down.sql'
HISTORY_SUFFIX = '_history'
REPEATABLE_SUFFIX = '_repeatable'
REPEATABLE_DIR = 'repeatable'
REPEATABLE_PATTERN = re.compile(r'^[A-Za-z0-9][A-Za-z0-9_.\- ]*\.sql$')
HISTORY_ACTIONS = ('baseline', 'failed attempt', 'forget failed', 'accept checksum', 'revert')
REPAIR_ACTIONS = ('accept_checksum', 'forget_failed')
FILE_PATTERN = re.compile(r'^(?P<version>[0-9]+)[_-](?P<description>[A-Za-z0-9][A-Za-z0-9_.\- ]*)\.sql$')
LOCK_CLASS = 0x53505341  # 'SPSA': the first key of the two-key advisory lock
UNDEFINED_TABLE = '42P01'
LOCK_NOT_AVAILABLE = '55P03'
QUERY_CANCELED = '57014'
DEFAULT_LOCK_TIMEOUT = '10s'
DEFAULT_STATEMENT_TIMEOUT = '15min'
DEFAULT_LOCK_RETRIES = 3
DEFAULT_LOCK_RETRY_DELAY = '1s'
MAX_LOCK_RETRY_DELAY = 60.0
CONNECTION_CHECK_INTERVAL = '1s'

_CONCURRENT_INDEX = re.compile(
    r'^' + lintlib.LEADING_COMMENTS + r'CREATE\s+(?:UNIQUE\s+)?INDEX\s+CONCURRENTLY\s+(?:IF\s+NOT\s+EXISTS\s+)?'
    r'(?P<name>' + lintlib.QUALIFIED_NAME + r')\s+ON\b', re.IGNORECASE | re.DOTALL)


def concurrent_index_names(migration):
    """The names (as written, perhaps schema-qualified) of the indexes a migration builds concurrently."""
    names = []
    for statement in migration.statements:
        match = _CONCURRENT_INDEX.match(statement.text)
        if match:
            names.append((re.sub(r'\s+', '', match.group('name')), statement.line))
    return names


_INTERVAL = re.compile(r'^\s*([0-9]+)\s*(us|ms|s|min|h|d)?\s*$')
_UNIT_SECONDS = {'us': 1e-6, 'ms': 1e-3, 's': 1.0, 'min': 60.0, 'h': 3600.0, 'd': 86400.0, None: 1e-3}


def interval_seconds(text):
    """Seconds in a PostgreSQL duration setting: '500ms', '10s', '5min', '1h' (a bare number is ms)."""
    match = _INTERVAL.match('%s' % text)
    if not match:
        raise EngineError('%r is not a duration such as 500ms, 10s, 5min or 1h' % (text,))
    return int(match.group(1)) * _UNIT_SECONDS[match.group(2)]


class Migration(object):
    """One migration file, read and split."""

    def __init__(self, path, version, description, raw):
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
            self.statements = split_statements(self.sql)
        except EngineError as exc:
            line = exc.facts['line']
            raise EngineError('%s line %d: %s' % (self.filename, line, exc), file=path, line=line)
        self.transactional = 'no-transaction' not in directives
        self.down = None  # the Migration of its down file, when there is one
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
        return dict(version=self.version, description=self.description, file=self.filename,
                    checksum=self.checksum, transactional=self.transactional)


def _refuse_leaving(path, directory):
    if namelib.leaves(path, directory):
        raise EngineError('%s is a link to a file outside %s: a migration is read from its directory only; nothing was '
                          'read or applied' % (path, directory), file=path)


def discover(directory):
    """Read every migration of ``directory``, sorted by version.

    Raises EngineError for a missing or empty directory, a ``.sql`` file whose
    name is not a migration name, two files with one version, or a file that
    cannot be read or split.
    """
    if not os.path.isdir(directory):
        raise EngineError('migrations directory %s does not exist or is not a directory' % directory,
                          file=directory)
    by_version = {}
    downs = {}
    for name in sorted(os.listdir(directory)):
        path = os.path.join(directory, name)
        if not name.endswith('.sql') or not os.path.isfile(path):
            continue
        _refuse_leaving(path, directory)
        down = name.endswith(DOWN_SUFFIX)
        match = FILE_PATTERN.match(name[:-len(DOWN_SUFFIX)] + '.sql' if down else name)
        if not match:
            raise EngineError('%s: not a migration file name; expected <version>_<description>.sql, '
                              'for example 0001_create_tenants.sql' % path, file=path)
        version = int(match.group('version'))
        if version < 1:
            raise EngineError('%s: migration versions start at 1' % path, file=path)
        if down:
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


class Plan(object):
    """What a run would do: applied versions, pending migrations, current version."""

    def __init__(self, applied, pending, missing, current_version, revert=None):
        self.applied = applied          # {version: (checksum, description[, transactional])} from the ledger
        self.pending = pending          # [Migration]
        self.missing = missing          # versions in the ledger with no file
        self.current_version = current_version
        self.revert = revert or []      # [Migration] to revert, newest first


def plan_migrations(migrations, applied, target_version=None, out_of_order=False):
    """Decide what to apply: pure logic over the files and the ledger's {version: (checksum, description)}.

    Raises EngineError, before anything is applied, for an edited migration, a
    database beyond ``target_version``, an unknown ``target_version``, or (unless
    ``out_of_order``) a pending migration older than the current version.
    """
    edited = [m for m in migrations if m.version in applied and applied[m.version][0] != m.checksum]
    if edited:
        lines = ['%s (version %d) was changed after it was applied: ledger checksum %s, file checksum %s'
                 % (m.filename, m.version, applied[m.version][0], m.checksum) for m in edited]
        raise EngineError('applied migrations must not be edited; nothing was applied. '
                          + '; '.join(lines) + '. Restore the files, or add a new migration for the change.',
                          edited=[dict(file=m.path, version=m.version, ledger_checksum=applied[m.version][0],
                                       file_checksum=m.checksum) for m in edited])
    known = set(m.version for m in migrations)
    missing = sorted(v for v in applied if v not in known)
    current = max(applied) if applied else None
    if target_version is not None:
        if target_version != 0 and target_version not in known and target_version not in applied:
            raise EngineError('target_version %d matches no migration file (known versions: %s)'
                              % (target_version, ', '.join(str(v) for v in sorted(known))))
    pending = [m for m in migrations
               if m.version not in applied and (target_version is None or m.version <= target_version)]
    if target_version is not None and current is not None and current > target_version:
        return Plan(applied, [], missing, current, revert=plan_revert(migrations, applied, target_version, pending))
    if not out_of_order and current is not None:
        late = [m for m in pending if m.version < current]
        if late:
            raise EngineError(
                'migration %s (version %d) is older than the current version %d of the database; '
                'it would be applied out of order. Renumber it, or set out_of_order to apply it anyway. '
                'Nothing was applied.' % (late[0].filename, late[0].version, current))
    return Plan(applied, pending, missing, current)


def plan_revert(migrations, applied, target_version, pending):
    """The migrations to revert down to ``target_version``, newest first; EngineError, before anything is
    done, naming every version that cannot be reverted (no file, no down file, ran outside a transaction)."""
    by_version = dict((m.version, m) for m in migrations)
    versions = sorted((v for v in applied if v > target_version), reverse=True)
    problems = []
    for version in versions:
        migration = by_version.get(version)
        ledger_transactional = applied[version][2] if len(applied[version]) > 2 else True
        if migration is None:
            problems.append('version %d has no file in the directory' % version)
        elif not migration.transactional or not ledger_transactional:
            problems.append('%s ran outside a transaction (no-transaction): what it did cannot be undone in one'
                            % migration.filename)
        elif migration.down is None:
            problems.append('%s has no down file (%s)' % (
                migration.filename, migration.filename[:-len('.sql')] + DOWN_SUFFIX))
    if pending:
        problems.append('migrations at or below target_version %d are not applied (%s): apply them first'
                        % (target_version, ', '.join(m.filename for m in pending)))
    if problems:
        raise EngineError('cannot revert the database from version %d to %d; nothing was reverted: %s'
                          % (versions[0], target_version, '; '.join(problems)))
    return [by_version[v] for v in versions]


class Migrator(object):
    """Apply migrations through one connection.

    The connection is used in autocommit mode between migrations; each
    transactional migration gets an explicit transaction.
    """

    def __init__(self, conn, migrations, ledger_schema='public', ledger_table='schema_migrations',
                 lock_timeout=DEFAULT_LOCK_TIMEOUT, statement_timeout=DEFAULT_STATEMENT_TIMEOUT,
                 migration_lock_timeout='300s', target_version=None, out_of_order=False, log=None,
                 lock_retries=DEFAULT_LOCK_RETRIES, lock_retry_delay=DEFAULT_LOCK_RETRY_DELAY, sleep=time.sleep):
        try:  # before anything runs: a name PostgreSQL would cut would make the ledger's companions collide
            namelib.check(ledger_schema, 'ledger_schema')
            namelib.derived(ledger_table, (HISTORY_SUFFIX, REPEATABLE_SUFFIX), 'ledger_table')
        except ValueError as exc:
            raise EngineError('%s; nothing was changed' % exc)
        self.conn = conn
        self.migrations = migrations
        self.ledger_schema = ledger_schema
        self.ledger_table = ledger_table
        self.ledger = '%s.%s' % (quote_ident(ledger_schema), quote_ident(ledger_table))
        self.lock_timeout = lock_timeout
        self.statement_timeout = statement_timeout
        self.migration_lock_timeout = migration_lock_timeout
        self.target_version = target_version
        self.out_of_order = out_of_order
        self.log = log or (lambda message: None)
        if lock_retries is None or lock_retries < 0:
            raise EngineError('lock_retries must be 0 or more (it is %s)' % (lock_retries,))
        self.lock_retries = lock_retries
        self.lock_retry_delay = interval_seconds(lock_retry_delay)
        self.sleep = sleep
        self.retries = []            # each attempt that failed on the lock timeout and was tried again
        self.dropped_indexes = []    # the INVALID indexes dropped before a no-transaction migration
        self.history = '%s.%s' % (quote_ident(ledger_schema), quote_ident(ledger_table + HISTORY_SUFFIX))
        self.history_name = '%s.%s' % (ledger_schema, ledger_table + HISTORY_SUFFIX)
        self.repeatable_ledger = '%s.%s' % (quote_ident(ledger_schema), quote_ident(ledger_table + REPEATABLE_SUFFIX))
        self.has_history = None      # read with the ledger: False on a ledger made before its history was
        self.lock_key = zlib.crc32(('%s.%s' % (ledger_schema, ledger_table)).encode('utf-8'))
        if self.lock_key >= 1 << 31:
            self.lock_key -= 1 << 32
        conn.autocommit = True
        self.cursor = pgcompat.tuple_cursor(conn)

    # -- reading -------------------------------------------------------------------------

    def read_ledger(self):
        """Return {version: (checksum, description, transactional)}; empty when there is no ledger yet.

        One round trip: the table is simply read, and "undefined table" means empty.
        """
        try:
            self.cursor.execute('SELECT version, checksum, description, transactional, '
                                '(SELECT pg_catalog.to_regclass(%%s) IS NOT NULL) FROM %s' % self.ledger,
                                (self.history,))
        except Exception as exc:  # pylint: disable=broad-except
            if pgcompat.is_database_error(exc) and pgcompat.error_fields(exc)['sqlstate'] == UNDEFINED_TABLE:
                self.has_history = None
                return {}
            raise
        rows = self.cursor.fetchall()
        self.has_history = bool(rows[0][4]) if rows else None
        return dict((int(row[0]), (row[1].strip(), row[2], bool(row[3]))) for row in rows)

    def open_failures(self, applied):
        """{version: {checksum, done_at, line, error}}: the no-transaction attempts that failed part way and are
        neither applied since nor forgotten (empty without a history table)."""
        if self.has_history is None:  # the ledger is empty or not there: its rows did not say
            self.cursor.execute('SELECT pg_catalog.to_regclass(%s) IS NOT NULL', (self.history,))
            self.has_history = self.cursor.fetchone()[0]
        if not self.has_history:
            return {}
        self.cursor.execute(
            "SELECT DISTINCT ON (version) version, action, checksum, done_at::text, details::text FROM %s "
            "WHERE action IN ('failed attempt', 'forget failed') ORDER BY version, id DESC" % self.history)
        found = {}
        for version, action, checksum, done_at, details in self.cursor.fetchall():
            if action == 'failed attempt' and int(version) not in applied:
                details = json.loads(details)
                found[int(version)] = dict(checksum=(checksum or '').strip(), done_at=done_at,
                                           line=details.get('line'), error=details.get('error'))
        return found

    def plan(self, applied=None):
        if applied is None:
            applied = self.read_ledger()
        return plan_migrations(self.migrations, applied, self.target_version, self.out_of_order)

    # -- applying ------------------------------------------------------------------------

    def _set(self, name, value, local):
        self.cursor.execute('SELECT set_config(%s, %s, %s)', (name, str(value), local))

    def _acquire_lock(self):
        """Take the advisory lock, polling with pg_try_advisory_lock until migration_lock_timeout.

        A waiter must not block inside pg_advisory_lock(): that statement holds a
        snapshot, and CREATE INDEX CONCURRENTLY in the run that holds the lock waits
        for every such snapshot to go away, which would be a deadlock.
        """
        if pgcompat.server_version(self.conn) >= 140000:
            # Lets the server notice a client that died mid-migration within a second,
            # roll back and release the lock, instead of finishing a long statement first.
            self._set('client_connection_check_interval', CONNECTION_CHECK_INTERVAL, False)
        deadline = time.monotonic() + interval_seconds(self.migration_lock_timeout or '0')
        delay = 0.02
        while True:
            self.cursor.execute('SELECT pg_try_advisory_lock(%s, %s)', (LOCK_CLASS, self.lock_key))
            if self.cursor.fetchone()[0]:
                return
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                self.cursor.execute("SELECT pid FROM pg_catalog.pg_locks WHERE locktype = 'advisory' AND granted "
                                    "AND classid = %s::oid AND objid = %s::oid AND objsubid = 2",
                                    (LOCK_CLASS & 0xFFFFFFFF, self.lock_key & 0xFFFFFFFF))
                holder = self.cursor.fetchone()
                raise EngineError('could not take the migration lock of %s within %s: another run is applying '
                                  'migrations (server process %s holds it)'
                                  % (self.ledger, self.migration_lock_timeout, holder[0] if holder else 'unknown'))
            time.sleep(min(delay, remaining))
            delay = min(delay * 2, 0.5)

    def _release_lock(self):
        try:
            self.cursor.execute('SELECT pg_advisory_unlock(%s, %s)', (LOCK_CLASS, self.lock_key))
        except Exception:  # pylint: disable=broad-except
            pass  # the connection is gone: so is the lock

    def _ensure_ledger(self, in_transaction=False):
        """The ledger and its history (who changed the ledger other than by applying a migration, when, what
        and why: failed no-transaction attempts, repairs, reverts), created under the migration lock."""
        self.cursor.execute(
            'CREATE TABLE IF NOT EXISTS %s ('
            ' id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,'
            ' done_at timestamptz NOT NULL DEFAULT now(),'
            ' done_by text NOT NULL DEFAULT session_user,'
            ' action text NOT NULL CHECK (action IN (%s)),'
            ' version bigint NOT NULL,'
            ' checksum char(64),'
            ' details jsonb NOT NULL DEFAULT \'{}\','
            ' reason text)' % (self.history, ', '.join("'%s'" % a for a in HISTORY_ACTIONS)))
        self.has_history = True
        self.cursor.execute(
            'CREATE TABLE IF NOT EXISTS %s ('
            ' version bigint PRIMARY KEY CHECK (version > 0),'
            ' description text NOT NULL,'
            ' checksum char(64) NOT NULL,'
            ' applied_at timestamptz NOT NULL DEFAULT now(),'
            ' applied_by text NOT NULL DEFAULT current_user,'
            ' duration_ms integer NOT NULL CHECK (duration_ms >= 0),'
            ' transactional boolean NOT NULL DEFAULT true)' % self.ledger)
        self._align_history_owner(in_transaction)

    def _align_history_owner(self, in_transaction=False):
        """The ledger's companions, its history and its record of repeatable migrations, belong to whoever owns the
        ledger (a migration may give the ledger to a role of the schema, as the collection's 0008 does), so that the
        manifest does not depend on the login that ran the migrations. Best effort: a login that cannot give them
        away leaves them, and schema_verify names the owner. Returns how many it gave away."""
        given = 0
        self.cursor.execute(
            'SELECT l.relowner::regrole::text, c.oid::regclass::text FROM pg_catalog.pg_class l, pg_catalog.pg_class c'
            ' WHERE l.oid = pg_catalog.to_regclass(%s) AND c.oid IN (pg_catalog.to_regclass(%s), pg_catalog.to_regclass(%s))'
            ' AND c.relowner <> l.relowner', (self.ledger, self.history, self.repeatable_ledger))
        for owner, table in self.cursor.fetchall():
            try:
                if in_transaction:
                    self.cursor.execute('SAVEPOINT shoppulse_history_owner')
                self.cursor.execute('ALTER TABLE %s OWNER TO %s' % (table, owner))
                given += 1
            except Exception as exc:  # pylint: disable=broad-except
                if not pgcompat.is_database_error(exc):
                    raise
                if in_transaction:
                    self.cursor.execute('ROLLBACK TO SAVEPOINT shoppulse_history_owner')
        return given

    @contextlib.contextmanager
    def _transaction(self):
        """BEGIN, then COMMIT, or ROLLBACK when anything in it fails."""
        self.cursor.execute('BEGIN')
        try:
            yield
        except Exception:
            self._rollback_quietly(True)
            raise
        self.cursor.execute('COMMIT')

    def _record(self, action, version, checksum, details, reason=None):
        self.cursor.execute('INSERT INTO %s (action, version, checksum, details, reason) VALUES (%%s, %%s, %%s, %%s, %%s)'
                            % self.history, (action, version, checksum, json.dumps(details, sort_keys=True), reason))

    def upgrade_ledger(self):
        """Create the history of a ledger made by an earlier release of the collection (under the lock)."""
        self._acquire_lock()
        try:
            self._ensure_ledger()
        finally:
            self._release_lock()

    def baseline_differences(self, manifest):
        """The differences between the live schema and ``manifest``, leaving out the ledger and its history (what
        a baseline makes)."""
        schema = manifest.get('schema') or 'public'
        expected = dict(manifest)
        if schema == self.ledger_schema:
            own = (self.ledger_table, self.ledger_table + HISTORY_SUFFIX)
            expected['tables'] = dict((name, table) for name, table in (manifest.get('tables') or {}).items()
                                      if name not in own)
        return inventorylib.compare(expected, inventorylib.read_inventory(self.conn, schema))

    def baseline(self, version, manifest, reason=None, check_mode=False):
        """Adopt a database that holds the schema but no ledger: record the migrations up to ``version`` as applied
        (each marked in the history as baselined, with ``reason``), only when the live schema is what ``manifest``
        says the migrations up to ``version`` build. Returns the summaries recorded (in check mode, those it would
        record); [] when the ledger already records migrations. EngineError, recording nothing, when the version is
        no migration's, the manifest is of another version, or the schema differs (every difference named)."""
        if self.read_ledger():
            return []
        known = dict((m.version, m) for m in self.migrations)
        if version not in known:
            raise EngineError('baseline version %s matches no migration file (known versions: %s); nothing was recorded'
                              % (version, ', '.join(str(v) for v in sorted(known))))
        try:
            inventorylib.validate_manifest(manifest)
        except ValueError as exc:
            raise EngineError('baseline: invalid manifest: %s; nothing was recorded' % exc)
        if manifest.get('migrations') != version:
            raise EngineError('baseline version %d matches no manifest: the manifest given describes the schema at '
                              'version %s (its "migrations"); give the manifest of version %d (make manifest at that '
                              'version), or baseline at %s. Nothing was recorded.'
                              % (version, manifest.get('migrations'), version, manifest.get('migrations')))
        differences = self.baseline_differences(manifest)
        if differences:
            raise EngineError('baseline at version %d refused: the database differs from the manifest of version %d in '
                              '%d place(s): %s. Nothing was recorded.' % (
                                  version, version, len(differences), inventorylib.describe(differences)),
                              differences=differences)
        adopted = [m for m in self.migrations if m.version <= version]
        if check_mode:
            return [m.summary() for m in adopted]
        owner = ((manifest.get('tables') or {}).get(self.ledger_table) or {}).get('owner') \
            if (manifest.get('schema') or 'public') == self.ledger_schema else None
        self._acquire_lock()
        try:
            if self.read_ledger():  # another run recorded migrations while this one waited for the lock
                return []
            with self._transaction():
                self._ensure_ledger(in_transaction=True)
                if owner:  # the ledger as the manifest has it (the collection's 0008 gives it to shoppulse_owner)
                    self.cursor.execute('ALTER TABLE %s OWNER TO %s' % (self.ledger, quote_ident(owner)))
                    self._align_history_owner(in_transaction=True)
                for migration in adopted:
                    self.cursor.execute(
                        'INSERT INTO %s (version, description, checksum, duration_ms, transactional) '
                        'VALUES (%%s, %%s, %%s, 0, %%s)' % self.ledger,
                        (migration.version, migration.description, migration.checksum, migration.transactional))
                    self._record('baseline', migration.version, migration.checksum,
                                 dict(file=migration.filename, baseline_version=version), reason)
        finally:
            self._release_lock()
        return [m.summary() for m in adopted]

    def repair(self, action, version, reason, check_mode=False):
        """One repair of the ledger, for one version, written to its history with ``reason``: accept_checksum
        records the file's checksum for an applied version whose file was edited; forget_failed forgets the
        failed part-way attempt of a no-transaction migration, so that a changed file of it may run.
        Returns {action, version, changed, ...}; EngineError, with nothing changed, for what cannot be done."""
        if action not in REPAIR_ACTIONS:
            raise EngineError('repair action must be one of %s (it is %r)' % (', '.join(REPAIR_ACTIONS), action))
        if not (reason or '').strip():
            raise EngineError('a repair needs a reason (it is written to the ledger\'s history); nothing was changed')
        by_version = dict((m.version, m) for m in self.migrations)
        applied = self.read_ledger()
        if version not in by_version and version not in applied:
            raise EngineError('repair: version %s is neither a migration file nor in the ledger %s (known versions: %s); '
                              'nothing was changed' % (version, self.ledger, ', '.join(str(v) for v in sorted(by_version))))
        done = dict(action=action, version=version, reason=reason)
        if action == 'accept_checksum':
            if version not in applied:
                raise EngineError('repair: version %d is not applied (not in the ledger %s), so it has no checksum to '
                                  'accept; nothing was changed' % (version, self.ledger))
            if version not in by_version:
                raise EngineError('repair: version %d has no file in the directory, so there is no checksum to accept; '
                                  'nothing was changed' % version)
            migration = by_version[version]
            done.update(file=migration.filename, old_checksum=applied[version][0], new_checksum=migration.checksum,
                        changed=applied[version][0] != migration.checksum)
        else:
            failure = self.open_failures(applied).get(version)
            done.update(file=by_version[version].filename if version in by_version else None, failure=failure,
                        changed=failure is not None)
        if not done['changed'] or check_mode:
            return done
        self._acquire_lock()
        try:
            self._ensure_ledger()
            with self._transaction():
                if action == 'accept_checksum':
                    self.cursor.execute('UPDATE %s SET checksum = %%s WHERE version = %%s AND checksum = %%s'
                                        % self.ledger, (done['new_checksum'], version, done['old_checksum']))
                    if self.cursor.rowcount != 1:
                        raise EngineError('repair: the ledger row of version %d changed while this run waited; '
                                          'nothing was changed, run again' % version)
                    self._record('accept checksum', version, done['new_checksum'],
                                 dict(file=done['file'], old_checksum=done['old_checksum']), reason)
                else:
                    self._record('forget failed', version, done['failure']['checksum'],
                                 dict(file=done['file'], failed_at=done['failure']['done_at'],
                                      line=done['failure']['line'], error=done['failure']['error']), reason)
        finally:
            self._release_lock()
        return done

    # -- repeatable migrations ----------------------------------------------------------

    def read_repeatables(self):
        """{file name: checksum} of the repeatable migrations applied; empty when none ever was."""
        try:
            self.cursor.execute('SELECT name, checksum FROM %s' % self.repeatable_ledger)
        except Exception as exc:  # pylint: disable=broad-except
            if pgcompat.is_database_error(exc) and pgcompat.error_fields(exc)['sqlstate'] == UNDEFINED_TABLE:
                return {}
            raise
        return dict((row[0], row[1].strip()) for row in self.cursor.fetchall())

    @staticmethod
    def pending_repeatables(repeatables, recorded):
        """The repeatable migrations never applied, or changed since they were: in name order."""
        return [m for m in repeatables if recorded.get(m.filename) != m.checksum]

    def apply_repeatables(self, repeatables):
        """Apply the repeatable migrations that are new or changed, each in a transaction of its own with its record;
        return their summaries. A failing one is rolled back and named with its line (those before it stay)."""
        if not self.pending_repeatables(repeatables, self.read_repeatables()):
            return []
        self._acquire_lock()
        done = []
        try:
            recorded = self.read_repeatables()  # another run may have applied some while we waited
            for migration in self.pending_repeatables(repeatables, recorded):
                self.log('applying the repeatable %s' % migration.filename)
                done.append(self._retrying(migration, lambda attempt, m=migration: self._apply_repeatable_once(
                    m, recorded.get(m.filename), done, attempt)))
        finally:
            self._release_lock()
        return done

    def _apply_repeatable_once(self, migration, previous, done, attempt):
        def prepare():
            # the record is made with the first repeatable migration, so that a failing one leaves nothing
            self.cursor.execute(
                'CREATE TABLE IF NOT EXISTS %s ('
                ' name text PRIMARY KEY,'
                ' checksum char(64) NOT NULL,'
                ' applied_at timestamptz NOT NULL DEFAULT now(),'
                ' applied_by text NOT NULL DEFAULT current_user,'
                ' duration_ms integer NOT NULL CHECK (duration_ms >= 0))' % self.repeatable_ledger)
            self._align_history_owner(in_transaction=True)

        def record(duration_ms):
            self.cursor.execute(
                'INSERT INTO %s (name, checksum, duration_ms) VALUES (%%s, %%s, %%s) ON CONFLICT (name) DO UPDATE SET '
                'checksum = EXCLUDED.checksum, applied_at = now(), applied_by = current_user, '
                'duration_ms = EXCLUDED.duration_ms' % self.repeatable_ledger,
                (migration.filename, migration.checksum, duration_ms))

        duration_ms = self._run_once(migration, done, attempt, record, prepare)
        return dict(repeatable_summary(migration, previous), duration_ms=duration_ms)

    def _timeouts(self, local):
        if self.lock_timeout is not None:
            self._set('lock_timeout', self.lock_timeout, local)
        if self.statement_timeout is not None:
            self._set('statement_timeout', self.statement_timeout, local)

    def invalid_indexes(self, migration):
        """The INVALID indexes among those ``migration`` builds concurrently: [{index, table, line}].

        An index whose concurrent build is running right now (in a session outside this
        run, as the migration lock keeps other runs out) is not a leftover: EngineError.
        """
        found = []
        for name, line in concurrent_index_names(migration):
            self.cursor.execute(
                'SELECT i.indexrelid::regclass::text, i.indrelid::regclass::text, i.indisvalid, '
                ' EXISTS (SELECT 1 FROM pg_catalog.pg_stat_progress_create_index p WHERE p.index_relid = i.indexrelid) '
                'FROM pg_catalog.pg_index i WHERE i.indexrelid = pg_catalog.to_regclass(%s)', (name,))
            row = self.cursor.fetchone()
            if row is None or row[2]:
                continue
            if row[3]:
                raise EngineError('%s line %d: the index %s is INVALID and being built right now by another session; '
                                  'nothing was applied. Let that build end, then run again.'
                                  % (migration.filename, line, row[0]), file=migration.path, line=line)
            found.append(dict(index=row[0], table=row[1], line=line, file=migration.filename, version=migration.version))
        return found

    def _drop_invalid_indexes(self, migration):
        for index in self.invalid_indexes(migration):
            self.log('dropping the INVALID index %s (%s line %d) that an earlier attempt left'
                     % (index['index'], migration.filename, index['line']))
            self.cursor.execute('DROP INDEX CONCURRENTLY IF EXISTS %s' % index['index'])
            self.dropped_indexes.append(index)

    def _retry_delay(self, attempt):
        return min(self.lock_retry_delay * (2 ** (attempt - 1)), MAX_LOCK_RETRY_DELAY)

    def apply(self, plan=None):
        """Apply what is pending; return (plan as read under the lock, [applied summaries])."""
        plan = plan or self.plan()
        if not plan.pending:
            return plan, []
        self._acquire_lock()
        applied = []
        try:
            self.cursor.execute('SELECT pg_catalog.to_regclass(%s) IS NULL', (self.ledger,))
            new_ledger = self.cursor.fetchone()[0]
            self._ensure_ledger()
            try:
                plan = self.plan()  # another run may have applied some while we waited
                for migration in plan.pending:
                    self.log('applying %s' % migration.filename)
                    applied.append(self._apply_one(migration, applied))
            except Exception:
                if new_ledger and not applied:
                    self._drop_unused_ledger()
                raise
            self._align_history_owner()  # a migration may have given the ledger to another role
        finally:
            self._release_lock()
        return plan, applied

    def _drop_unused_ledger(self):
        """The ledger and history this run created, dropped when its first migration failed and they record
        nothing (a no-transaction migration's failed attempt is kept): a refused run leaves nothing behind, the
        tables of a mistyped ledger name included."""
        try:
            with self._transaction():
                self.cursor.execute('SELECT EXISTS (SELECT FROM %s) OR EXISTS (SELECT FROM %s)'
                                    % (self.ledger, self.history))
                if not self.cursor.fetchone()[0]:
                    self.cursor.execute('DROP TABLE %s, %s' % (self.history, self.ledger))
                    self.has_history = None
        except Exception:  # pylint: disable=broad-except
            pass  # the connection is gone, or the tables are in use: the error that brought us here is the news

    def revert(self, plan=None):
        """Revert what the plan says (target_version below the current version), in one transaction;
        return (plan as read under the lock, [reverted summaries, newest first])."""
        plan = plan or self.plan()
        if not plan.revert:
            return plan, []
        self._acquire_lock()
        try:
            self._ensure_ledger()
            plan = self.plan()  # another run may have changed the ledger while we waited
            if not plan.revert:
                return plan, []
            reverted = self._retrying(plan.revert[0].down, lambda attempt: self._revert_once(plan.revert, attempt))
        finally:
            self._release_lock()
        return plan, reverted

    def _revert_once(self, migrations, attempt):
        reverted = []
        migration = statement = None
        try:
            self.cursor.execute('BEGIN')
            self._timeouts(local=True)
            for migration in migrations:
                self.log('reverting %s with %s' % (migration.filename, migration.down.filename))
                started = time.monotonic()
                for statement in migration.down.statements:
                    self.cursor.execute(statement.text)
                statement = None
                self.cursor.execute('DELETE FROM %s WHERE version = %%s' % self.ledger, (migration.version,))
                self._record('revert', migration.version, migration.checksum,
                             dict(file=migration.filename, down_file=migration.down.filename,
                                  down_checksum=migration.down.checksum, target_version=self.target_version))
                summary = migration.summary()
                summary.update(down_file=migration.down.filename, down_checksum=migration.down.checksum,
                               duration_ms=int((time.monotonic() - started) * 1000))
                reverted.append(summary)
            self.cursor.execute('COMMIT')
            self._reset_session()
        except Exception as exc:  # pylint: disable=broad-except
            if not pgcompat.is_database_error(exc):
                raise
            self._rollback_quietly(True)
            error = self._failure(migration.down, statement, exc, [], attempt, outcome=(
                'the revert was rolled back: nothing was reverted, the ledger is as it was'
                + ('' if not reverted else ' (the down files before it in this run, %s, were undone with it)'
                   % ', '.join(r['down_file'] for r in reverted))))
            if error.facts.get('sqlstate') == LOCK_NOT_AVAILABLE:
                raise _LockTimeout(error, pgcompat.describe_error(exc))
            raise error
        return reverted

    def _apply_one(self, migration, done):
        if not migration.transactional:
            self._drop_invalid_indexes(migration)
        return self._retrying(migration, lambda attempt: self._apply_once(migration, done, attempt))

    def _retrying(self, migration, attempt_once):
        """attempt_once(attempt), tried again after a lock timeout (_LockTimeout), lock_retries times."""
        attempt = 1
        while True:
            try:
                return attempt_once(attempt)
            except _LockTimeout as timeout:
                if attempt > self.lock_retries:
                    timeout.error.facts['lock_timeout_retries'] = self.retries
                    raise timeout.error
                delay = self._retry_delay(attempt)
                self.retries.append(dict(version=migration.version, file=migration.filename, attempt=attempt,
                                         line=timeout.error.facts.get('line'), error=timeout.reason,
                                         retry_in_seconds=delay))
                self.log('%s: attempt %d failed on the lock timeout (%s); rolled back, trying again in %g s'
                         % (migration.filename, attempt, self.lock_timeout, delay))
                self.sleep(delay)
                attempt += 1

    def _apply_once(self, migration, done, attempt):
        def record(duration_ms):
            self.cursor.execute(
                'INSERT INTO %s (version, description, checksum, duration_ms, transactional) '
                'VALUES (%%s, %%s, %%s, %%s, %%s)' % self.ledger,
                (migration.version, migration.description, migration.checksum, duration_ms, migration.transactional))

        summary = migration.summary()
        summary['duration_ms'] = self._run_once(migration, done, attempt, record)
        return summary

    def _run_once(self, migration, done, attempt, record, prepare=None):
        """One attempt at a migration: its statements, in a transaction unless it is no-transaction (``prepare()``
        first in it), then ``record(duration_ms)`` in the same transaction; the session reset after it. Returns the
        duration; raises _LockTimeout (rolled back, may be tried again) or the EngineError naming file and line."""
        started = time.monotonic()
        statement = None
        transactional = migration.transactional
        try:
            if transactional:
                self.cursor.execute('BEGIN')
                if prepare is not None:
                    prepare()
                self._timeouts(local=True)
            else:
                self._timeouts(local=False)
            for statement in migration.statements:
                self.cursor.execute(statement.text)
            statement = None
            duration_ms = int((time.monotonic() - started) * 1000)
            record(duration_ms)
            if transactional:
                self.cursor.execute('COMMIT')
            self._reset_session()
        except Exception as exc:  # pylint: disable=broad-except
            if not pgcompat.is_database_error(exc):
                raise
            self._rollback_quietly(transactional)
            error = self._failure(migration, statement, exc, done, attempt)
            if not transactional:
                self._record_failure(migration, error)
            if transactional and error.facts.get('sqlstate') == LOCK_NOT_AVAILABLE:
                raise _LockTimeout(error, pgcompat.describe_error(exc))
            raise error
        return duration_ms

    def _record_failure(self, migration, error):
        """A no-transaction migration failed part way: what it left stays; the history says so (line, error), so
        that a later run of a changed file of it is refused until the attempt is forgotten (repair)."""
        try:
            self._record('failed attempt', migration.version, migration.checksum,
                         dict(file=migration.filename, line=error.facts.get('line'), sqlstate=error.facts.get('sqlstate'),
                              error=error.message[:2000]))
        except Exception:  # pylint: disable=broad-except
            pass  # the connection is gone: the error itself is what matters

    def _reset_session(self):
        """After each migration: what its SETs changed of the session (a plain SET outlives the transaction
        it was made in; a no-transaction migration's outlives the migration) and the run's timeouts are
        undone, so that nothing of it leaks into the migrations after it; the run's own setting is set again."""
        self.cursor.execute('RESET ALL')
        if pgcompat.server_version(self.conn) >= 140000:
            self._set('client_connection_check_interval', CONNECTION_CHECK_INTERVAL, False)

    def _rollback_quietly(self, transactional):
        try:
            if transactional:
                self.cursor.execute('ROLLBACK')
            else:
                self._reset_session()
        except Exception:  # pylint: disable=broad-except
            pass

    def _failure(self, migration, statement, exc, done, attempt=1, outcome=None):
        fields = pgcompat.error_fields(exc)
        if statement is not None:
            line = statement.line_of_position(fields['position'])
            where = '%s line %d' % (migration.filename, line)
        else:
            line = None
            where = '%s (recording it in the ledger)' % migration.filename
        if outcome is not None:
            pass
        elif migration.transactional:
            outcome = 'the migration was rolled back: nothing of it was applied'
        else:
            outcome = ('this migration runs outside a transaction (no-transaction): the statements before '
                       'that line stay applied, it is not recorded in the ledger and will be run again, '
                       'so its statements must be re-runnable (IF NOT EXISTS)')
        if fields['sqlstate'] == LOCK_NOT_AVAILABLE:
            outcome += ('; another session holds a lock this statement needs (lock_timeout %s; attempt %d of %d, '
                        'lock_retries %d)' % (self.lock_timeout, attempt, self.lock_retries + 1, self.lock_retries)
                        if migration.transactional else
                        '; another session holds a lock this statement needs (lock_timeout %s; a no-transaction '
                        'migration is not tried again by itself)' % self.lock_timeout)
        elif fields['sqlstate'] == QUERY_CANCELED:
            outcome += ('; the server ended the statement (statement_timeout %s, or a cancel request)'
                        % self.statement_timeout)
        earlier = ', '.join(m['file'] for m in done)
        message = '%s: %s; %s' % (where, pgcompat.describe_error(exc), outcome)
        if earlier:
            message += '; applied before it in this run: %s' % earlier
        return EngineError(message, file=migration.path, line=line, version=migration.version,
                           sqlstate=fields['sqlstate'], applied=done)


class _LockTimeout(Exception):
    """A transactional migration failed on the lock timeout and was rolled back: it may be tried again."""

    def __init__(self, error, reason):
        Exception.__init__(self, error.message)
        self.error = error
        self.reason = reason


def repeatable_summary(migration, previous):
    return dict(file=migration.filename, description=migration.description, checksum=migration.checksum,
                previous_checksum=previous)


def lint_pending(migrator, pending, options, directory=None):
    """squawk on the pending migrations, knowing the live tables; EngineError when a finding is an error.

    ``options``: level, exclude, include, large_table_rows, squawk_path (lint.lint's). Returns
    {findings, dropped} as dicts, and the findings' texts; nothing runs when nothing is pending. A node
    without squawk is an error at level error, and a warning (``skipped``) at level warn.
    """
    if options is None:
        return dict(findings=[], dropped=[]), []  # no lint asked for (the module always asks)
    options = dict(options)
    level = options.pop('level', lintlib.DEFAULT_LEVEL)
    lintlib.validate_options(level, options.get('exclude'), options.get('include'))
    if level == 'off' or not pending:
        return dict(findings=[], dropped=[]), []
    squawk_path = options.pop('squawk_path', None)
    try:
        squawk = lintlib.find_squawk(squawk_path)
    except EngineError as exc:
        if level == 'error' or squawk_path:
            raise
        # at level warn, a node without squawk is said, not a failure
        text = exc.message.replace('. Nothing was applied.', '; the migrations were applied without a lint.')
        return dict(findings=[], dropped=[], skipped=text), [text]
    number = pgcompat.server_version(migrator.conn)
    kept, dropped = lintlib.lint(pending, squawk, level=level, cursor=migrator.cursor,
                                 accepted=lintlib.load_accepted(directory) if directory else None,
                                 pg_version='%d.%d' % (number // 10000, number % 10000),
                                 runner_settings=dict(lock_timeout=migrator.lock_timeout,
                                                      statement_timeout=migrator.statement_timeout), **options)
    said = dict(findings=[f.as_dict() for f in kept], dropped=[f.as_dict() for f in dropped])
    errors = [f for f in kept if f.level == 'error']
    if errors:
        raise EngineError('the lint found %d error(s) in the migrations to apply; nothing was applied: %s'
                          % (len(errors), ' '.join(f.text() for f in errors)), lint=said)
    return said, [f.text() for f in kept]


def check_failures(migrator, plan):
    """The pending no-transaction migrations whose last attempt failed part way: [{file, version, ...}].
    EngineError, before anything is applied, when such a file was changed since that attempt: what the attempt
    left is unknown to the new file, so a person looks first and forgets the attempt (repair forget_failed)."""
    pending = dict((m.version, m) for m in plan.pending if not m.transactional)
    if not pending:
        return []
    found = []
    for version, failure in sorted(migrator.open_failures(plan.applied).items()):
        migration = pending.get(version)
        if migration is None:
            continue
        failure = dict(failure, file=migration.filename, version=version)
        if failure['checksum'] != migration.checksum:
            raise EngineError(
                '%s (version %d, no-transaction) failed part way at %s (line %s: %s) and the file was changed since '
                '(checksum then %s, now %s); what that attempt left is unknown to the new file. Nothing was applied. '
                'Look at what it left, then forget the attempt: schema_apply with repair (action forget_failed, '
                'version %d, and a reason).' % (migration.filename, version, failure['done_at'], failure['line'],
                                                failure['error'], failure['checksum'], migration.checksum, version),
                file=migration.path, version=version, failure=failure)
        found.append(failure)
    return found


def repair(conn, directory, action, version, reason, check_mode=False, **options):
    """One audited repair of the ledger (Migrator.repair): a result dict for the module."""
    migrator = Migrator(conn, discover(directory), **options)
    done = migrator.repair(action, version, reason, check_mode=check_mode)
    return dict(changed=done['changed'], repair=done, history_table=migrator.history_name)


def hand_over_ledger(conn, ledger_schema='public', ledger_table='schema_migrations'):
    """After a bootstrap (docs/privileges.md): the ledger's companions that the login made (its history, its
    record of repeatable migrations) go to the ledger's owner, so that the migrator, a member of that owner, keeps
    them from now on. Reads the catalog only; returns whether anything was handed over."""
    migrator = Migrator(conn, [], ledger_schema=ledger_schema, ledger_table=ledger_table)
    given = migrator._align_history_owner()  # pylint: disable=protected-access
    migrator.cursor.close()
    return bool(given)


def run(conn, directory, check_mode=False, lint=None, baseline=None, repeatable_path=None, **options):
    """Discover, plan, lint and (unless check_mode) apply. Return a result dict for the module.

    ``baseline``: {version, manifest, reason}: on a database with no migration recorded, first adopt the schema
    it holds as the migrations up to that version (Migrator.baseline), then apply what comes after.
    ``repeatable_path`` (default: ``repeatable`` in ``directory``): the repeatable migrations, applied when new or
    changed once no versioned migration is left pending.

    In check mode the result is the one a real run would give: ``applied`` lists
    what would be applied, ``current_version`` the version it would reach. ``lint``
    holds lint_pending's options, ``run`` among them (a command runner: the module's run_command); None lints
    nothing.
    """
    migrations = discover(directory)
    repeatables = discover_repeatable(repeatable_path or os.path.join(directory, REPEATABLE_DIR))
    migrator = Migrator(conn, migrations, **options)
    plan = migrator.plan()
    before = plan.current_version
    baselined = []
    if baseline is not None and not plan.applied:
        baselined = migrator.baseline(baseline['version'], baseline['manifest'], baseline.get('reason'), check_mode)
        plan = migrator.plan(dict((m['version'], (m['checksum'], m['description'], m['transactional']))
                                  for m in baselined))
    failures = check_failures(migrator, plan)
    linted, warnings = lint_pending(migrator, plan.pending, lint, directory)
    # a ledger made before the collection kept a history of it gets one (under the lock)
    upgrade = plan.applied and migrator.has_history is False and not (plan.pending or plan.revert)
    if upgrade and not check_mode:
        migrator.upgrade_ledger()
    if check_mode:
        applied = [m.summary() for m in plan.pending]
        reverted = [dict(m.summary(), down_file=m.down.filename, down_checksum=m.down.checksum) for m in plan.revert]
        invalid = [index for m in plan.pending if not m.transactional for index in migrator.invalid_indexes(m)]
    else:
        plan, reverted = migrator.revert(plan)
        if not reverted:
            plan, applied = migrator.apply(plan)
        else:
            applied = []
        invalid = migrator.dropped_indexes
    done = (set(plan.applied) | set(m['version'] for m in applied)) - set(m['version'] for m in reverted)
    pending = [m.summary() for m in migrations if m.version not in done]
    recorded = migrator.read_repeatables() if repeatables else {}
    repeated = []
    if repeatables and not pending and not reverted:  # the repeatable migrations describe the latest schema
        if check_mode:
            repeated = [repeatable_summary(m, recorded.get(m.filename))
                        for m in migrator.pending_repeatables(repeatables, recorded)]
        else:
            repeated = migrator.apply_repeatables(repeatables)
    by_name = dict((m.filename, m) for m in repeatables)
    return dict(
        changed=bool(applied or reverted or upgrade or baselined or repeated),
        repeatable=repeated,
        repeatable_missing_files=sorted(name for name in recorded if name not in by_name),
        baselined=baselined,
        applied=applied,
        reverted=reverted,
        ledger_upgraded=bool(upgrade),
        earlier_failures=failures,
        pending=pending,
        previous_version=before,
        current_version=max(done) if done else None,
        missing_files=plan.missing,
        sql=[(m.filename, m.sql) for m in plan.pending] + [(m.down.filename, m.down.sql) for m in plan.revert]
        + [(r['file'], by_name[r['file']].sql) for r in repeated],
        dropped_invalid_indexes=invalid,
        lock_timeout_retries=migrator.retries,
        lint=linted,
        warnings=warnings,
    )
