# -*- coding: utf-8 -*-
# Copyright (c) 2026, ShopPulse platform team
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The ledger: the one owner of the three tables that record a schema's migrations.

- ``<ledger>``: each applied migration (version, description, checksum, when, by whom, how long, whether it ran
  in a transaction);
- ``<ledger>_history``: every other change to the ledger (baselines, repairs, reverts, failed no-transaction
  attempts), with who, when, what and why;
- ``<ledger>_repeatable``: the checksum of each repeatable migration applied.

Every read and write of them is a method here, their DDL included, so that the engine never names a column. The
ledger's format is a number, in the ledger table's comment; ``STEPS`` are the ordered upgrades from one format to
the next, so a change to the ledger is one more step. The ledger follows the schema's owner (the one role that owns
the schema's tables), its companions follow the ledger: no migration needs to name it.

Writes run under the run's migration lock (lock.py), in the caller's transaction where a method says so.
Plain Python over a DB-API cursor of psycopg2 or psycopg 3; no Ansible.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import collections
import json

from ansible_collections.shoppulse.analytics.plugins.module_utils.postgres import names as namelib
from ansible_collections.shoppulse.analytics.plugins.module_utils.postgres import pgcompat
from ansible_collections.shoppulse.analytics.plugins.module_utils.postgres.errors import EngineError
from ansible_collections.shoppulse.analytics.plugins.module_utils.postgres.sqlscript import quote_ident

try:
    from typing import Any, Callable, Dict, List, Optional
except ImportError:  # pragma: no cover
    pass

HISTORY_SUFFIX = '_history'
REPEATABLE_SUFFIX = '_repeatable'
HISTORY_ACTIONS = ('baseline', 'failed attempt', 'forget failed', 'accept checksum', 'revert')
UNDEFINED_TABLE = '42P01'
FORMAT_COMMENT = 'migration ledger of shoppulse.analytics, format %d'

# A row of the ledger, by name.
Applied = collections.namedtuple('Applied', ['version', 'checksum', 'description', 'transactional'])


def _history_ddl(history):
    # type: (str) -> str
    return ('CREATE TABLE IF NOT EXISTS %s ('
            ' id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,'
            ' done_at timestamptz NOT NULL DEFAULT now(),'
            ' done_by text NOT NULL DEFAULT session_user,'
            ' action text NOT NULL CHECK (action IN (%s)),'
            ' version bigint NOT NULL,'
            ' checksum char(64),'
            ' details jsonb NOT NULL DEFAULT \'{}\','
            ' reason text)' % (history, ', '.join("'%s'" % a for a in HISTORY_ACTIONS)))


def _step_history(ledger):
    # type: (Ledger) -> None
    """Format 2: the history of the ledger (format 1, the first release's, had none)."""
    ledger.cursor.execute(_history_ddl(ledger.history))


def _step_history_actions(ledger):
    # type: (Ledger) -> None
    """Format 3: the history's CHECK of its actions holds every action (it was created IF NOT EXISTS, so an action
    added later never reached an existing history)."""
    ledger.cursor.execute(
        "SELECT conname FROM pg_catalog.pg_constraint WHERE conrelid = pg_catalog.to_regclass(%s) AND contype = 'c' "
        "AND pg_catalog.pg_get_constraintdef(oid) LIKE '%%action%%'", (ledger.history,))
    drops = ['DROP CONSTRAINT %s' % quote_ident(row[0]) for row in ledger.cursor.fetchall()]
    ledger.cursor.execute('ALTER TABLE %s %s ADD CHECK (action IN (%s))' % (
        ledger.history, ''.join(d + ', ' for d in drops), ', '.join("'%s'" % a for a in HISTORY_ACTIONS)))


# (format reached, step): in order. The next change to the ledger is one more entry here.
STEPS = [(2, _step_history), (3, _step_history_actions)]
FORMAT = STEPS[-1][0]


class Ledger(object):
    """The ledger ``schema.table`` and its companions, through ``cursor`` (autocommit between transactions)."""

    def __init__(self, cursor, schema='public', table='schema_migrations'):
        # type: (Any, str, str) -> None
        try:  # before anything runs: a name PostgreSQL would cut would make the companions collide
            namelib.check(schema, 'ledger_schema')
            namelib.derived(table, (HISTORY_SUFFIX, REPEATABLE_SUFFIX), 'ledger_table')
        except ValueError as exc:
            raise EngineError('%s; nothing was changed' % exc)
        self.cursor = cursor
        self.schema = schema
        self.table = table
        self.name = '%s.%s' % (quote_ident(schema), quote_ident(table))
        self.history = '%s.%s' % (quote_ident(schema), quote_ident(table + HISTORY_SUFFIX))
        self.history_name = '%s.%s' % (schema, table + HISTORY_SUFFIX)
        self.repeatable = '%s.%s' % (quote_ident(schema), quote_ident(table + REPEATABLE_SUFFIX))
        self.format = None  # type: Optional[int]  # as read: None when there is no ledger

    @property
    def table_names(self):
        # type: () -> List[str]
        """The names of the three tables in their schema (what a baseline or an inventory leaves out)."""
        return [self.table, self.table + HISTORY_SUFFIX, self.table + REPEATABLE_SUFFIX]

    # -- reading ------------------------------------------------------------------------

    def read(self):
        # type: () -> Dict[int, Applied]
        """{version: Applied}; empty when there is no ledger yet. One round trip, which also reads the format."""
        try:
            self.cursor.execute(
                'SELECT (SELECT pg_catalog.to_regclass(%%s) IS NOT NULL), pg_catalog.obj_description(%%s::regclass, '
                "'pg_class'), (SELECT pg_catalog.json_agg(pg_catalog.json_build_array(version, checksum, description, "
                'transactional)) FROM %s)' % self.name, (self.history, self.name))
        except Exception as exc:  # pylint: disable=broad-except
            if pgcompat.is_database_error(exc) and pgcompat.error_fields(exc)['sqlstate'] == UNDEFINED_TABLE:
                self.format = None
                return {}
            raise
        has_history, comment, rows = self.cursor.fetchone()
        self.format = self._format(has_history, comment)
        if isinstance(rows, str):  # a driver that does not decode json
            rows = json.loads(rows)
        return dict((int(r[0]), Applied(int(r[0]), r[1].strip(), r[2], bool(r[3]))) for r in rows or [])

    @staticmethod
    def _format(has_history, comment):
        # type: (bool, Optional[str]) -> int
        if not has_history:  # the first format's, or a history dropped since: made again
            return 1
        for number in range(FORMAT, 0, -1):
            if comment == FORMAT_COMMENT % number:
                return number
        return 2

    @property
    def outdated(self):
        # type: () -> bool
        """Whether the ledger read is of an earlier format (upgrade() brings it to FORMAT)."""
        return self.format is not None and self.format < FORMAT

    def has_history(self):
        # type: () -> bool
        self.cursor.execute('SELECT pg_catalog.to_regclass(%s) IS NOT NULL', (self.history,))
        return bool(self.cursor.fetchone()[0])

    def open_failures(self, applied):
        # type: (Dict[int, Applied]) -> Dict[int, Dict[str, Any]]
        """{version: {checksum, done_at, line, error}}: the no-transaction attempts that failed part way and are
        neither applied since nor forgotten (empty without a history table)."""
        if not self.has_history():
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

    def read_repeatables(self):
        # type: () -> Dict[str, str]
        """{file name: checksum} of the repeatable migrations applied; empty when none ever was."""
        try:
            self.cursor.execute('SELECT name, checksum FROM %s' % self.repeatable)
        except Exception as exc:  # pylint: disable=broad-except
            if pgcompat.is_database_error(exc) and pgcompat.error_fields(exc)['sqlstate'] == UNDEFINED_TABLE:
                return {}
            raise
        return dict((row[0], row[1].strip()) for row in self.cursor.fetchall())

    def exists(self):
        # type: () -> bool
        self.cursor.execute('SELECT pg_catalog.to_regclass(%s) IS NOT NULL', (self.name,))
        return bool(self.cursor.fetchone()[0])

    # -- its tables -----------------------------------------------------------------------

    def ensure(self, in_transaction=False):
        # type: (bool) -> List[int]
        """The ledger and its history, created at FORMAT, or the ledger there brought to FORMAT (the formats it
        went through, [] when it was there at FORMAT); then owned as align_owner says."""
        self.cursor.execute('SELECT pg_catalog.to_regclass(%s) IS NULL', (self.name,))
        if self.cursor.fetchone()[0]:
            self.cursor.execute(_history_ddl(self.history))
            self.cursor.execute(
                'CREATE TABLE %s ('
                ' version bigint PRIMARY KEY CHECK (version > 0),'
                ' description text NOT NULL,'
                ' checksum char(64) NOT NULL,'
                ' applied_at timestamptz NOT NULL DEFAULT now(),'
                ' applied_by text NOT NULL DEFAULT current_user,'
                ' duration_ms integer NOT NULL CHECK (duration_ms >= 0),'
                ' transactional boolean NOT NULL DEFAULT true)' % self.name)
            self._mark(FORMAT)
            upgraded = []  # type: List[int]
        else:
            upgraded = self.upgrade()
        self.align_owner(in_transaction, follow_schema=False)
        return upgraded

    def upgrade(self):
        # type: () -> List[int]
        """The steps from the ledger's format to FORMAT, in order; the formats reached."""
        self.read()
        done = []
        for number, step in STEPS:
            if self.format is not None and self.format < number:
                step(self)
                done.append(number)
        if done:
            self._mark(FORMAT)
        return done

    def _mark(self, number):
        # type: (int) -> None
        # a literal (a utility statement takes no parameter with psycopg 3), of the collection's own words
        self.cursor.execute("COMMENT ON TABLE %s IS '%s'" % (self.name, FORMAT_COMMENT % number))
        self.format = number

    def ensure_repeatables(self):
        # type: () -> None
        """The record of repeatable migrations, made in the transaction of the first one applied."""
        self.cursor.execute(
            'CREATE TABLE IF NOT EXISTS %s ('
            ' name text PRIMARY KEY,'
            ' checksum char(64) NOT NULL,'
            ' applied_at timestamptz NOT NULL DEFAULT now(),'
            ' applied_by text NOT NULL DEFAULT current_user,'
            ' duration_ms integer NOT NULL CHECK (duration_ms >= 0))' % self.repeatable)
        self.align_owner(in_transaction=True, follow_schema=False)

    def drop_if_unused(self, transaction):
        # type: (Callable[[], Any]) -> None
        """The ledger and history a run created, dropped when they record nothing (a refused run leaves nothing
        behind, the tables of a mistyped ledger name included). ``transaction``: the runner's context manager."""
        try:
            with transaction():
                self.cursor.execute('SELECT EXISTS (SELECT FROM %s) OR EXISTS (SELECT FROM %s)'
                                    % (self.name, self.history))
                if not self.cursor.fetchone()[0]:
                    self.cursor.execute('DROP TABLE %s, %s' % (self.history, self.name))
                    self.format = None
        except Exception:  # pylint: disable=broad-except
            pass  # the connection is gone, or the tables are in use: the error that brought us here is the news

    # -- owners -----------------------------------------------------------------------------

    def align_owner(self, in_transaction=False, follow_schema=True):
        # type: (bool, bool) -> int
        """The ledger goes to the schema's owner, when one role owns every other table of its schema (a migration
        gives the schema to its roles, as the collection's 0008 does; called after each migration, so that later
        tables of other owners do not take it back); its companions go with it. With ``follow_schema`` False only
        the companions follow the ledger. Best effort: a login that cannot give a table away leaves it, and
        schema_verify names the owner. Returns how many tables it gave away."""
        owners = []  # type: List[str]
        if follow_schema:
            self.cursor.execute(
                "SELECT pg_catalog.array_agg(DISTINCT c.relowner::regrole::text) FROM pg_catalog.pg_class c "
                "WHERE c.relnamespace = pg_catalog.to_regnamespace(%s) AND c.relkind IN ('r', 'p') "
                "AND c.relname <> ALL (%s)", (self.schema, self.table_names))
            owners = self.cursor.fetchone()[0] or []
        self.cursor.execute(
            'SELECT c.oid::regclass::text, c.relowner::regrole::text, c.oid = pg_catalog.to_regclass(%s)'
            ' FROM pg_catalog.pg_class c'
            ' WHERE c.oid IN (pg_catalog.to_regclass(%s), pg_catalog.to_regclass(%s), pg_catalog.to_regclass(%s))',
            (self.name, self.name, self.history, self.repeatable))
        tables = self.cursor.fetchall()
        ledger_owner = [current for dummy, current, is_ledger in tables if is_ledger]
        owner = owners[0] if len(owners) == 1 else (ledger_owner or [None])[0]
        given = 0
        for table, current, dummy in tables:
            if owner and current != owner and self._give(table, owner, in_transaction):
                given += 1
        return given

    def _give(self, table, owner, in_transaction):
        # type: (str, str, bool) -> bool
        try:
            if in_transaction:
                self.cursor.execute('SAVEPOINT shoppulse_ledger_owner')
            self.cursor.execute('ALTER TABLE %s OWNER TO %s' % (table, quote_ident(owner)))
            return True
        except Exception as exc:  # pylint: disable=broad-except
            if not pgcompat.is_database_error(exc):
                raise
            if in_transaction:
                self.cursor.execute('ROLLBACK TO SAVEPOINT shoppulse_ledger_owner')
            return False

    # -- rows ---------------------------------------------------------------------------------

    def record_applied(self, migration, duration_ms):
        # type: (Any, int) -> None
        """The migration's row, and the ledger to the schema's owner when the migration gave the schema one."""
        self._insert(migration, duration_ms)
        self.align_owner(in_transaction=migration.transactional)

    def _insert(self, migration, duration_ms):
        # type: (Any, int) -> None
        self.cursor.execute(
            'INSERT INTO %s (version, description, checksum, duration_ms, transactional) VALUES (%%s, %%s, %%s, %%s, %%s)'
            % self.name, (migration.version, migration.description, migration.checksum, duration_ms,
                          migration.transactional))

    def record_baseline(self, migration, baseline_version, reason):
        # type: (Any, int, Optional[str]) -> None
        self._insert(migration, 0)
        self._history('baseline', migration.version, migration.checksum,
                      dict(file=migration.filename, baseline_version=baseline_version), reason)

    def record_revert(self, migration, target_version):
        # type: (Any, Optional[int]) -> None
        self.cursor.execute('DELETE FROM %s WHERE version = %%s' % self.name, (migration.version,))
        self._history('revert', migration.version, migration.checksum,
                      dict(file=migration.filename, down_file=migration.down.filename,
                           down_checksum=migration.down.checksum, target_version=target_version))

    def accept_checksum(self, version, file, old, new, reason):
        # type: (int, str, str, str, Optional[str]) -> None
        self.cursor.execute('UPDATE %s SET checksum = %%s WHERE version = %%s AND checksum = %%s' % self.name,
                            (new, version, old))
        if self.cursor.rowcount != 1:
            raise EngineError('repair: the ledger row of version %d changed while this run waited; nothing was '
                              'changed, run again' % version)
        self._history('accept checksum', version, new, dict(file=file, old_checksum=old), reason)

    def forget_failed(self, version, file, failure, reason):
        # type: (int, Optional[str], Dict[str, Any], str) -> None
        self._history('forget failed', version, failure['checksum'],
                      dict(file=file, failed_at=failure['done_at'], line=failure['line'], error=failure['error']),
                      reason)

    def record_failure(self, migration, error):
        # type: (Any, EngineError) -> None
        """A no-transaction migration failed part way: the history says so (line, error). Best effort."""
        try:
            self._history('failed attempt', migration.version, migration.checksum,
                          dict(file=migration.filename, line=error.facts.get('line'),
                               sqlstate=error.facts.get('sqlstate'), error=error.message[:2000]))
        except Exception:  # pylint: disable=broad-except
            pass  # the connection is gone: the error itself is what matters

    def record_repeatable(self, migration, duration_ms):
        # type: (Any, int) -> None
        self.cursor.execute(
            'INSERT INTO %s (name, checksum, duration_ms) VALUES (%%s, %%s, %%s) ON CONFLICT (name) DO UPDATE SET '
            'checksum = EXCLUDED.checksum, applied_at = now(), applied_by = current_user, '
            'duration_ms = EXCLUDED.duration_ms' % self.repeatable, (migration.filename, migration.checksum, duration_ms))

    def _history(self, action, version, checksum, details, reason=None):
        # type: (str, int, Optional[str], Dict[str, Any], Optional[str]) -> None
        self.cursor.execute('INSERT INTO %s (action, version, checksum, details, reason) VALUES (%%s, %%s, %%s, %%s, %%s)'
                            % self.history, (action, version, checksum, json.dumps(details, sort_keys=True), reason))
