# -*- coding: utf-8 -*-
# Copyright (c) 2026, ShopPulse platform team
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Planning: what a run does, decided from the files and the ledger's rows alone (no connection).

Plain Python; no Ansible.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.shoppulse.analytics.plugins.module_utils.postgres.errors import EngineError
from ansible_collections.shoppulse.analytics.plugins.module_utils.schema.files import DOWN_SUFFIX

try:
    from typing import Any, Dict, List, Optional
except ImportError:  # pragma: no cover
    pass


class Plan(object):
    """What a run would do: applied versions, pending migrations, current version."""

    def __init__(self, applied, pending, missing, current_version, revert=None, superseded=None):
        # type: (Dict[int, Any], List[Any], List[int], Optional[int], Optional[List[Any]], Optional[List[Any]]) -> None
        self.applied = applied          # {version: ledger.Applied}
        self.pending = pending          # [Migration]
        self.missing = missing          # versions in the ledger with no file
        self.current_version = current_version
        self.revert = revert or []      # [Migration] to revert, newest first
        self.superseded = superseded or []  # [(Migration, checksum in the ledger)]: texts the files replace

    @property
    def work(self):
        # type: () -> bool
        """Whether the plan changes the ledger."""
        return bool(self.pending or self.revert or self.superseded)


def plan_migrations(migrations, applied, target_version=None, out_of_order=False):
    # type: (List[Any], Dict[int, Any], Optional[int], bool) -> Plan
    """Decide what to apply: pure logic over the files and the ledger's {version: ledger.Applied}.

    Raises EngineError, before anything is applied, for an edited migration, a
    database beyond ``target_version``, an unknown ``target_version``, or (unless
    ``out_of_order``) a pending migration older than the current version. A file whose
    ``-- shoppulse:supersedes`` names the checksum the ledger records is not edited: the
    plan's ``superseded`` says so, and the run records the file's checksum.
    """
    changed = [m for m in migrations if m.version in applied and applied[m.version].checksum != m.checksum]
    superseded = [(m, applied[m.version].checksum) for m in changed if applied[m.version].checksum in m.supersedes]
    edited = [m for m in changed if applied[m.version].checksum not in m.supersedes]
    if edited:
        lines = ['%s (version %d) was changed after it was applied: ledger checksum %s, file checksum %s'
                 % (m.filename, m.version, applied[m.version].checksum, m.checksum) for m in edited]
        raise EngineError('applied migrations must not be edited; nothing was applied. '
                          + '; '.join(lines) + '. Restore the files, or add a new migration for the change.',
                          edited=[dict(file=m.path, version=m.version, ledger_checksum=applied[m.version].checksum,
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
        return Plan(applied, [], missing, current, revert=plan_revert(migrations, applied, target_version, pending),
                    superseded=superseded)
    if not out_of_order and current is not None:
        late = [m for m in pending if m.version < current]
        if late:
            raise EngineError(
                'migration %s (version %d) is older than the current version %d of the database; '
                'it would be applied out of order. Renumber it, or set out_of_order to apply it anyway. '
                'Nothing was applied.' % (late[0].filename, late[0].version, current))
    return Plan(applied, pending, missing, current, superseded=superseded)


def plan_revert(migrations, applied, target_version, pending):
    # type: (List[Any], Dict[int, Any], int, List[Any]) -> List[Any]
    """The migrations to revert down to ``target_version``, newest first; EngineError, before anything is
    done, naming every version that cannot be reverted (no file, no down file, ran outside a transaction)."""
    by_version = dict((m.version, m) for m in migrations)
    versions = sorted((v for v in applied if v > target_version), reverse=True)
    problems = []
    for version in versions:
        migration = by_version.get(version)
        ledger_transactional = applied[version].transactional
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
