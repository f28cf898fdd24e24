# -*- coding: utf-8 -*-
# Copyright (c) 2026, ShopPulse platform team
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The commands: ``run`` (baseline, revert, apply and the repeatable migrations, as steps of one run), ``repair``
(one audited change of the ledger) and ``hand_over_ledger`` (after a bootstrap).

A run is one critical section: outside check mode the migration lock (lock.py) is taken once, then the ledger is
read and the plan made once (plan.py), and each step writes through the one ledger object (ledger.py) and runs
migrations through the runner (runner.py). Check mode reads, plans and takes no lock.

Plain Python over a DB-API connection of psycopg2 or psycopg 3; no Ansible.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import contextlib
import os
import time

from ansible_collections.shoppulse.analytics.plugins.module_utils.postgres import pgcompat
from ansible_collections.shoppulse.analytics.plugins.module_utils.postgres.errors import EngineError
from ansible_collections.shoppulse.analytics.plugins.module_utils.schema import adopt
from ansible_collections.shoppulse.analytics.plugins.module_utils.schema import lock as locklib
from ansible_collections.shoppulse.analytics.plugins.module_utils.schema.files import (
    REPEATABLE_DIR,
    discover,
    discover_repeatable,
)
from ansible_collections.shoppulse.analytics.plugins.module_utils.schema.ledger import Applied, Ledger
from ansible_collections.shoppulse.analytics.plugins.module_utils.schema.linting import check_failures, lint_pending
from ansible_collections.shoppulse.analytics.plugins.module_utils.schema.plan import plan_migrations
from ansible_collections.shoppulse.analytics.plugins.module_utils.schema.result import RunResult
from ansible_collections.shoppulse.analytics.plugins.module_utils.schema.runner import Runner
from ansible_collections.shoppulse.analytics.plugins.module_utils.schema.settings import Settings

try:
    from typing import Any, Callable, Dict, Iterator, List, Optional
except ImportError:  # pragma: no cover
    pass

REPAIR_ACTIONS = ('accept_checksum', 'forget_failed')
SUPERSEDED_REASON = 'the file supersedes the text the ledger recorded (-- shoppulse:supersedes)'


class Engine(object):
    """One run's connection, ledger, runner and settings."""

    def __init__(self, conn, migrations, settings, log=None, sleep=time.sleep):
        # type: (Any, List[Any], Settings, Optional[Callable[[str], None]], Callable[[float], None]) -> None
        self.conn = conn
        self.migrations = migrations
        self.settings = settings
        conn.autocommit = True
        self.cursor = pgcompat.tuple_cursor(conn)
        self.ledger = Ledger(self.cursor, settings.ledger_schema, settings.ledger_table)
        self.runner = Runner(conn, self.cursor, settings, log, sleep)
        self.log = self.runner.log

    def plan(self, applied):
        # type: (Dict[int, Applied]) -> Any
        return plan_migrations(self.migrations, applied, self.settings.target_version, self.settings.out_of_order)

    @contextlib.contextmanager
    def critical_section(self, check_mode):
        # type: (bool) -> Iterator[None]
        """The migration lock, outside check mode."""
        if check_mode:
            yield
            return
        with locklib.held(self.conn, self.cursor, self.settings.ledger_schema, self.settings.ledger_table,
                          self.settings.migration_lock_timeout):
            yield

    # -- the steps of a run -------------------------------------------------------------------

    def baseline(self, adopted, version, reason):
        # type: (List[Any], int, Optional[str]) -> None
        with self.runner.transaction():
            self.ledger.ensure(in_transaction=True)
            for migration in adopted:
                self.ledger.record_baseline(migration, version, reason)
            self.ledger.align_owner(in_transaction=True)

    def accept_superseded(self, superseded):
        # type: (List[Any]) -> None
        with self.runner.transaction():
            for migration, old in superseded:
                self.ledger.accept_checksum(migration.version, migration.filename, old, migration.checksum,
                                            SUPERSEDED_REASON)

    def revert(self, migrations):
        # type: (List[Any]) -> List[Dict[str, Any]]
        """The down files of ``migrations`` (newest first), in one transaction with their ledger rows."""
        ups = dict((m.version, m) for m in migrations)

        def record(down, duration_ms):
            # type: (Any, int) -> None
            self.log('reverted %s with %s' % (ups[down.version].filename, down.filename))
            self.ledger.record_revert(ups[down.version], self.settings.target_version)

        def outcome(done):
            # type: (List[Any]) -> str
            return ('the revert was rolled back: nothing was reverted, the ledger is as it was'
                    + ('' if not done else ' (the down files before it in this run, %s, were undone with it)'
                       % ', '.join(d.filename for d in done)))

        downs = [m.down for m in migrations]
        durations = self.runner.retrying(downs[0], lambda attempt: self.runner.run_once(
            downs, [], attempt, record, outcome=outcome))
        return [dict(m.summary(), down_file=m.down.filename, down_checksum=m.down.checksum, duration_ms=ms)
                for m, ms in zip(migrations, durations)]

    def apply(self, pending):
        # type: (List[Any]) -> List[Dict[str, Any]]
        """Each pending migration in a transaction of its own (unless no-transaction) with its ledger row. The
        ledger a run created is dropped when its first migration fails and it records nothing."""
        new_ledger = not self.ledger.exists()
        self.ledger.ensure()
        applied = []  # type: List[Dict[str, Any]]
        try:
            for migration in pending:
                self.log('applying %s' % migration.filename)
                applied.append(self._apply_one(migration, applied))
        except Exception:
            if new_ledger and not applied:
                self.ledger.drop_if_unused(self.runner.transaction)
            raise
        return applied

    def _apply_one(self, migration, done):
        # type: (Any, List[Dict[str, Any]]) -> Dict[str, Any]
        if not migration.transactional:
            self.runner.drop_invalid_indexes(migration)

        def attempt_once(attempt):
            # type: (int) -> Dict[str, Any]
            try:
                durations = self.runner.run_once([migration], done, attempt, self.ledger.record_applied)
            except EngineError as error:
                if not migration.transactional:  # what it left stays: the history says so
                    self.ledger.record_failure(migration, error)
                raise
            return dict(migration.summary(), duration_ms=durations[0])

        return self.runner.retrying(migration, attempt_once)

    def apply_repeatables(self, pending, recorded):
        # type: (List[Any], Dict[str, str]) -> List[Dict[str, Any]]
        """The new or changed repeatable migrations, each in a transaction of its own with its record (made with the
        first, so that a failing one leaves nothing); those before a failing one stay."""
        done = []  # type: List[Dict[str, Any]]
        for migration in pending:
            self.log('applying the repeatable %s' % migration.filename)
            durations = self.runner.retrying(migration, self._repeatable_attempt(migration, done))
            done.append(dict(repeatable_summary(migration, recorded.get(migration.filename)),
                             duration_ms=durations[0]))
        return done

    def _repeatable_attempt(self, migration, done):
        # type: (Any, List[Dict[str, Any]]) -> Callable[[int], List[int]]
        """One attempt at a repeatable migration, with its record (and the record's table, made with the first)."""
        return lambda attempt: self.runner.run_once([migration], done, attempt, self.ledger.record_repeatable,
                                                    prepare=self.ledger.ensure_repeatables)


def repeatable_summary(migration, previous):
    # type: (Any, Optional[str]) -> Dict[str, Any]
    return dict(file=migration.filename, description=migration.description, checksum=migration.checksum,
                previous_checksum=previous)


def pending_repeatables(repeatables, recorded):
    # type: (List[Any], Dict[str, str]) -> List[Any]
    """The repeatable migrations never applied, or changed since they were: in name order."""
    return [m for m in repeatables if recorded.get(m.filename) != m.checksum]


def run(conn, directory, check_mode=False, lint=None, baseline=None, repeatable_path=None, log=None,
        sleep=time.sleep, **settings):
    # type: (Any, str, bool, Optional[Dict[str, Any]], Optional[Dict[str, Any]], Optional[str], Any, Any, **Any) -> RunResult
    """Discover, plan, lint and (unless check_mode) apply, in one critical section. Return a RunResult.

    ``baseline``: {version, manifest, reason}: on a database with no migration recorded, first adopt the schema
    it holds as the migrations up to that version, then apply what comes after. ``repeatable_path`` (default:
    ``repeatable`` in ``directory``): the repeatable migrations, applied when new or changed once no versioned
    migration is left pending. ``lint`` holds lint_pending's options, ``run`` among them (a command runner); None
    lints nothing. ``settings``: Settings' fields.

    In check mode the result is the one a real run would give: ``applied`` lists what would be applied,
    ``current_version`` the version it would reach.
    """
    migrations = discover(directory)
    repeatables = discover_repeatable(repeatable_path or os.path.join(directory, REPEATABLE_DIR))
    engine = Engine(conn, migrations, Settings(**settings), log, sleep)
    if not check_mode:
        nothing = _nothing_to_do(engine, directory, lint, baseline, repeatables)
        if nothing is not None:
            return nothing
    with engine.critical_section(check_mode):
        return _run(engine, directory, check_mode, lint, baseline, repeatables)


def _nothing_to_do(engine, directory, lint, baseline, repeatables):
    # type: (Engine, str, Optional[Dict[str, Any]], Optional[Dict[str, Any]], List[Any]) -> Optional[RunResult]
    """The result of a run with nothing to do, read without the lock; None when there is something (or the read
    without the lock fails), for the run to do under the lock.

    The ledger is read in one statement, so it is the state some moment committed: a run that is applying
    migrations meanwhile has its own not yet recorded, which makes them pending here, and the run waits for the
    lock as before. Most runs have nothing to do (every site.yml run after the first): they take no lock, so
    that they neither wait for one another nor for a run that applies, and send the server fewer statements."""
    try:
        result = _run(engine, directory, True, lint, baseline, repeatables)
    except EngineError:
        return None  # said again, or not, under the lock
    if result.changed or result['pending'] or result['earlier_failures']:
        return None
    result.check_mode = False
    return result


def _run(engine, directory, check_mode, lint, baseline, repeatables):
    # type: (Engine, str, bool, Optional[Dict[str, Any]], Optional[Dict[str, Any]], List[Any]) -> RunResult
    ledger = engine.ledger
    applied = ledger.read()
    result = RunResult(previous_version=max(applied) if applied else None, check_mode=check_mode)
    adopted = []  # type: List[Any]
    if baseline is not None and not applied:
        adopted = adopt.adopted(engine.migrations, baseline['version'], baseline['manifest'], engine.conn, ledger)
        applied = dict((m.version, Applied(m.version, m.checksum, m.description, m.transactional)) for m in adopted)
    plan = engine.plan(applied)
    result.update(baselined=[m.summary() for m in adopted], earlier_failures=check_failures(ledger, plan))
    result.lint(*lint_pending(engine, plan.pending, lint, directory))
    upgrade = ledger.outdated
    if check_mode:
        result.update(applied=[m.summary() for m in plan.pending], reverted=[dict(
            m.summary(), down_file=m.down.filename, down_checksum=m.down.checksum) for m in plan.revert],
            dropped_invalid_indexes=[i for m in plan.pending if not m.transactional
                                     for i in engine.runner.invalid_indexes(m)])
    else:
        if adopted and baseline is not None:
            engine.baseline(adopted, baseline['version'], baseline.get('reason'))
        if upgrade:
            ledger.ensure()
        if plan.superseded:
            engine.accept_superseded(plan.superseded)
        result.update(reverted=engine.revert(plan.revert) if plan.revert else [])
        result.update(applied=engine.apply(plan.pending) if plan.pending and not plan.revert else [],
                      dropped_invalid_indexes=engine.runner.dropped_indexes)
    result.update(ledger_upgraded=bool(upgrade), superseded=[m.summary() for m, dummy in plan.superseded])
    result.done(engine.migrations, plan)
    _repeatables(engine, result, repeatables, check_mode)
    result.update(lock_timeout_retries=engine.runner.retries)
    result['changed'] = result.changed
    return result


def _repeatables(engine, result, repeatables, check_mode):
    # type: (Engine, RunResult, List[Any], bool) -> None
    """Once no versioned migration is pending (the repeatable migrations describe the latest schema)."""
    recorded = engine.ledger.read_repeatables() if repeatables else {}
    repeated = []  # type: List[Dict[str, Any]]
    if repeatables and not result['pending'] and not result['reverted']:
        pending = pending_repeatables(repeatables, recorded)
        if check_mode:
            repeated = [repeatable_summary(m, recorded.get(m.filename)) for m in pending]
        elif pending:
            repeated = engine.apply_repeatables(pending, recorded)
    by_name = dict((m.filename, m) for m in repeatables)
    result.update(repeatable=repeated, repeatable_missing_files=sorted(name for name in recorded if name not in by_name))
    result['sql'] += [(r['file'], by_name[r['file']].sql) for r in repeated]


def repair(conn, directory, action, version, reason, check_mode=False, **settings):
    # type: (Any, str, str, int, str, bool, **Any) -> Dict[str, Any]
    """One repair of the ledger, for one version, written to its history with ``reason``: accept_checksum records
    the file's checksum for an applied version whose file was edited; forget_failed forgets the failed part-way
    attempt of a no-transaction migration, so that a changed file of it may run. Returns {changed, repair,
    history_table}; EngineError, with nothing changed, for what cannot be done."""
    if action not in REPAIR_ACTIONS:
        raise EngineError('repair action must be one of %s (it is %r)' % (', '.join(REPAIR_ACTIONS), action))
    if not (reason or '').strip():
        raise EngineError('a repair needs a reason (it is written to the ledger\'s history); nothing was changed')
    engine = Engine(conn, discover(directory), Settings(**settings))
    with engine.critical_section(check_mode):
        done = _repair(engine, action, version, reason, check_mode)
    return dict(changed=done['changed'], repair=done, history_table=engine.ledger.history_name)


def _repair(engine, action, version, reason, check_mode):
    # type: (Engine, str, int, str, bool) -> Dict[str, Any]
    ledger = engine.ledger
    by_version = dict((m.version, m) for m in engine.migrations)
    applied = ledger.read()
    if version not in by_version and version not in applied:
        raise EngineError('repair: version %s is neither a migration file nor in the ledger %s (known versions: %s); '
                          'nothing was changed' % (version, ledger.name, ', '.join(str(v) for v in sorted(by_version))))
    done = dict(action=action, version=version, reason=reason)  # type: Dict[str, Any]
    if action == 'accept_checksum':
        if version not in applied:
            raise EngineError('repair: version %d is not applied (not in the ledger %s), so it has no checksum to '
                              'accept; nothing was changed' % (version, ledger.name))
        if version not in by_version:
            raise EngineError('repair: version %d has no file in the directory, so there is no checksum to accept; '
                              'nothing was changed' % version)
        migration = by_version[version]
        done.update(file=migration.filename, old_checksum=applied[version].checksum, new_checksum=migration.checksum,
                    changed=applied[version].checksum != migration.checksum)
    else:
        failure = ledger.open_failures(applied).get(version)
        done.update(file=by_version[version].filename if version in by_version else None, failure=failure,
                    changed=failure is not None)
    if not done['changed'] or check_mode:
        return done
    ledger.ensure()
    with engine.runner.transaction():
        if action == 'accept_checksum':
            ledger.accept_checksum(version, done['file'], done['old_checksum'], done['new_checksum'], reason)
        else:
            ledger.forget_failed(version, done['file'], done['failure'], reason)
    return done


def hand_over_ledger(conn, ledger_schema='public', ledger_table='schema_migrations'):
    # type: (Any, str, str) -> bool
    """After a bootstrap (docs/privileges.md): the ledger goes to the schema's owner, its companions with it, so
    that the migrator, a member of that owner, keeps them from now on. Returns whether anything was handed over."""
    conn.autocommit = True
    cursor = pgcompat.tuple_cursor(conn)
    try:
        return bool(Ledger(cursor, ledger_schema, ledger_table).align_owner())
    finally:
        cursor.close()
