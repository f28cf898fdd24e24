# -*- coding: utf-8 -*-
# Copyright (c) 2026, ShopPulse platform team
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Execution: one migration's statements in a transaction (or none), with the run's timeouts, tried again after
a lock timeout, and a failure worded with file, line and what is left; the INVALID indexes a failed concurrent
build left, dropped before it runs again.

- Every migration runs with a server-side ``lock_timeout`` and ``statement_timeout``: through RDS Proxy a client
  cannot cancel a query, so the server must end it. A transactional migration that fails on the lock timeout
  (SQLSTATE 55P03) is rolled back and tried again after a growing delay, ``lock_retries`` times; any other error
  is never retried.
- What a migration SETs for its session ends with it: the session is RESET before the next migration.

Plain Python over a DB-API connection of psycopg2 or psycopg 3; no Ansible.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import contextlib
import time

from ansible_collections.shoppulse.analytics.plugins.module_utils.postgres import pgcompat
from ansible_collections.shoppulse.analytics.plugins.module_utils.postgres.sqlpatterns import concurrent_index_names
from ansible_collections.shoppulse.analytics.plugins.module_utils.postgres.errors import EngineError
from ansible_collections.shoppulse.analytics.plugins.module_utils.schema.lock import set_connection_check

try:
    from typing import Any, Callable, Dict, Iterator, List, Optional
except ImportError:  # pragma: no cover
    pass

LOCK_NOT_AVAILABLE = '55P03'
QUERY_CANCELED = '57014'


@contextlib.contextmanager
def transaction(cursor):
    # type: (Any) -> Iterator[None]
    """BEGIN, then COMMIT, or ROLLBACK when anything in it fails."""
    cursor.execute('BEGIN')
    try:
        yield
    except Exception:
        quietly(cursor, 'ROLLBACK')
        raise
    cursor.execute('COMMIT')


def quietly(cursor, sql):
    # type: (Any, str) -> None
    """``sql``, whose failure changes nothing of what is reported (a ROLLBACK after an error)."""
    try:
        cursor.execute(sql)
    except Exception:  # pylint: disable=broad-except
        pass


def invalid_index(cursor, name):
    # type: (Any, str) -> Optional[tuple]
    """(index, table, being built) of the index ``name`` when it is INVALID (what a failed or cancelled concurrent
    build leaves), else None."""
    cursor.execute(
        'SELECT i.indexrelid::regclass::text, i.indrelid::regclass::text, i.indisvalid, '
        ' EXISTS (SELECT 1 FROM pg_catalog.pg_stat_progress_create_index p WHERE p.index_relid = i.indexrelid) '
        'FROM pg_catalog.pg_index i WHERE i.indexrelid = pg_catalog.to_regclass(%s)', (name,))
    row = cursor.fetchone()
    if row is None or row[2]:
        return None
    return row[0], row[1], row[3]


class LockTimeout(Exception):
    """A transactional migration failed on the lock timeout and was rolled back: it may be tried again."""

    def __init__(self, error, reason):
        # type: (EngineError, str) -> None
        Exception.__init__(self, error.message)
        self.error = error
        self.reason = reason


class Runner(object):
    """Runs migrations through one connection (autocommit between them) with the run's ``settings``."""

    def __init__(self, conn, cursor, settings, log=None, sleep=time.sleep):
        # type: (Any, Any, Any, Optional[Callable[[str], None]], Callable[[float], None]) -> None
        self.conn = conn
        self.cursor = cursor
        self.settings = settings
        self.log = log or (lambda message: None)
        self.sleep = sleep
        self.retries = []  # type: List[Dict[str, Any]]  # each attempt that failed on the lock timeout
        self.dropped_indexes = []  # type: List[Dict[str, Any]]  # INVALID indexes dropped before a migration

    def transaction(self):
        # type: () -> Any
        return transaction(self.cursor)

    def invalid_indexes(self, migration):
        # type: (Any) -> List[Dict[str, Any]]
        """The INVALID indexes among those ``migration`` builds concurrently: [{index, table, line, file, version}].
        An index whose concurrent build is running right now (in a session outside this run, as the migration lock
        keeps other runs out) is not a leftover: EngineError."""
        found = []
        for name, line in concurrent_index_names(migration):
            row = invalid_index(self.cursor, name)
            if row is None:
                continue
            if row[2]:
                raise EngineError('%s line %d: the index %s is INVALID and being built right now by another session; '
                                  'nothing was applied. Let that build end, then run again.'
                                  % (migration.filename, line, row[0]), file=migration.path, line=line)
            found.append(dict(index=row[0], table=row[1], line=line, file=migration.filename, version=migration.version))
        return found

    def drop_invalid_indexes(self, migration):
        # type: (Any) -> None
        for index in self.invalid_indexes(migration):
            self.log('dropping the INVALID index %s (%s line %d) that an earlier attempt left'
                     % (index['index'], migration.filename, index['line']))
            self.cursor.execute('DROP INDEX CONCURRENTLY IF EXISTS %s' % index['index'])
            self.dropped_indexes.append(index)

    def retrying(self, migration, attempt_once):
        # type: (Any, Callable[[int], Any]) -> Any
        """attempt_once(attempt), tried again after a lock timeout (LockTimeout), lock_retries times."""
        attempt = 1
        while True:
            try:
                return attempt_once(attempt)
            except LockTimeout as timeout:
                if attempt > self.settings.lock_retries:
                    timeout.error.facts['lock_timeout_retries'] = self.retries
                    raise timeout.error
                delay = self.settings.retry_delay(attempt)
                self.retries.append(dict(version=migration.version, file=migration.filename, attempt=attempt,
                                         line=timeout.error.facts.get('line'), error=timeout.reason,
                                         retry_in_seconds=delay))
                self.log('%s: attempt %d failed on the lock timeout (%s); rolled back, trying again in %g s'
                         % (migration.filename, attempt, self.settings.lock_timeout, delay))
                self.sleep(delay)
                attempt += 1

    def run_once(self, migrations, done, attempt, record, prepare=None, outcome=None):
        # type: (List[Any], List[Dict[str, Any]], int, Callable[[Any, int], None], Optional[Callable[[], None]], Optional[Callable]) -> List[int]
        """One attempt at ``migrations`` (their statements, one after the other; one migration unless a revert runs
        down files), in one transaction unless the first is no-transaction (``prepare()`` first in it), each
        followed by ``record(migration, duration_ms)``; the session reset after. Returns the durations; raises
        LockTimeout (rolled back, may be tried again) or the EngineError naming file and line (``outcome(those
        done)`` words what is left, for a revert)."""
        transactional = migrations[0].transactional
        migration = statement = None
        durations = []  # type: List[int]
        try:
            if transactional:
                self.cursor.execute('BEGIN')
                if prepare is not None:
                    prepare()
            self._timeouts(local=transactional)
            for migration in migrations:
                started = time.monotonic()
                for statement in migration.statements:
                    self.cursor.execute(statement.text)
                statement = None
                durations.append(int((time.monotonic() - started) * 1000))
                record(migration, durations[-1])
            if transactional:
                self.cursor.execute('COMMIT')
            self.reset_session()
        except Exception as exc:  # pylint: disable=broad-except
            if not pgcompat.is_database_error(exc):
                raise
            if transactional:
                quietly(self.cursor, 'ROLLBACK')
            else:
                self._reset_quietly()
            error = self.failure(migration, statement, exc, done, attempt,
                                 outcome=outcome(migrations[:len(durations)]) if outcome else None)
            if transactional and error.facts.get('sqlstate') == LOCK_NOT_AVAILABLE:
                raise LockTimeout(error, pgcompat.describe_error(exc))
            raise error
        return durations

    def _timeouts(self, local):
        # type: (bool) -> None
        for name in ('lock_timeout', 'statement_timeout'):
            self.cursor.execute('SELECT set_config(%s, %s, %s)', (name, str(getattr(self.settings, name)), local))

    def reset_session(self):
        # type: () -> None
        """After each migration: what its SETs changed of the session (a plain SET outlives the transaction it was
        made in; a no-transaction migration's outlives the migration) and the run's timeouts are undone, so that
        nothing of it leaks into the migrations after it; the run's own setting is set again."""
        self.cursor.execute('RESET ALL')
        set_connection_check(self.conn, self.cursor)

    def _reset_quietly(self):
        # type: () -> None
        try:
            self.reset_session()
        except Exception:  # pylint: disable=broad-except
            pass

    def failure(self, migration, statement, exc, done, attempt=1, outcome=None):
        # type: (Any, Any, Exception, List[Dict[str, Any]], int, Optional[str]) -> EngineError
        """The EngineError of ``exc`` in ``statement`` of ``migration``: file, line, the server's words, and what is
        left (the migration rolled back, or the statements before it applied)."""
        fields = pgcompat.error_fields(exc)
        if statement is not None:
            line = statement.line_of_position(fields['position'])
            where = '%s line %d' % (migration.filename, line)
        else:
            line = None
            where = '%s (recording it in the ledger)' % migration.filename
        if outcome is None:
            outcome = ('the migration was rolled back: nothing of it was applied' if migration.transactional else
                       'this migration runs outside a transaction (no-transaction): the statements before '
                       'that line stay applied, it is not recorded in the ledger and will be run again, '
                       'so its statements must be re-runnable (IF NOT EXISTS)')
        outcome += self._why(fields['sqlstate'], migration.transactional, attempt)
        earlier = ', '.join(m['file'] for m in done)
        message = '%s: %s; %s' % (where, pgcompat.describe_error(exc), outcome)
        if earlier:
            message += '; applied before it in this run: %s' % earlier
        return EngineError(message, file=migration.path, line=line, version=migration.version,
                           sqlstate=fields['sqlstate'], applied=done)

    def _why(self, sqlstate, transactional, attempt):
        # type: (str, bool, int) -> str
        settings = self.settings
        if sqlstate == LOCK_NOT_AVAILABLE:
            if transactional:
                return ('; another session holds a lock this statement needs (lock_timeout %s; attempt %d of %d, '
                        'lock_retries %d)' % (settings.lock_timeout, attempt, settings.lock_retries + 1,
                                              settings.lock_retries))
            return ('; another session holds a lock this statement needs (lock_timeout %s; a no-transaction '
                    'migration is not tried again by itself)' % settings.lock_timeout)
        if sqlstate == QUERY_CANCELED:
            return '; the server ended the statement (statement_timeout %s, or a cancel request)' % settings.statement_timeout
        return ''
