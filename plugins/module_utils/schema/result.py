# -*- coding: utf-8 -*-
# Copyright (c) 2026, ShopPulse platform team
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What a migration run did (in check mode, would do): a dict of the module's return values that also knows its
warnings and its diff, so that the module only hands them to Ansible.

Plain Python; no Ansible.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

try:
    from typing import Any, Dict, List
except ImportError:  # pragma: no cover
    pass


class RunResult(dict):
    """schema_apply's return values (every key always there), with ``warnings()`` and ``diff()``."""

    def __init__(self, previous_version=None, check_mode=False):
        # type: (Any, bool) -> None
        dict.__init__(self, changed=False, repeatable=[], repeatable_missing_files=[], baselined=[], applied=[],
                      reverted=[], superseded=[], ledger_upgraded=False, earlier_failures=[], pending=[],
                      previous_version=previous_version, current_version=None, missing_files=[], sql=[],
                      dropped_invalid_indexes=[], lock_timeout_retries=[], lint=dict(findings=[], dropped=[]),
                      warnings=[])
        self.check_mode = check_mode

    def lint(self, said, texts):
        # type: (Dict[str, Any], List[str]) -> None
        self.update(lint=said, warnings=list(texts))

    def done(self, migrations, plan):
        # type: (List[Any], Any) -> None
        """What the run reached: the versions applied, those left pending, the current version, the SQL run."""
        versions = (set(plan.applied) | set(m['version'] for m in self['applied'])) \
            - set(m['version'] for m in self['reverted'])
        self.update(
            pending=[m.summary() for m in migrations if m.version not in versions],
            current_version=max(versions) if versions else None, missing_files=plan.missing,
            sql=[(m.filename, m.sql) for m in plan.pending] + [(m.down.filename, m.down.sql) for m in plan.revert])

    @property
    def changed(self):
        # type: () -> bool
        return bool(self['applied'] or self['reverted'] or self['ledger_upgraded'] or self['baselined']
                    or self['repeatable'] or self['superseded'])

    def as_return(self, diff=False):
        # type: (bool) -> Dict[str, Any]
        """The module's return values: changed set, the lint's texts and the SQL left out, the diff when asked."""
        out = dict((key, value) for key, value in self.items() if key not in ('sql', 'warnings'))
        out['changed'] = self.changed
        if diff and self.changed:
            out['diff'] = self.diff()
        return out

    def warnings(self, path):
        # type: (str) -> List[str]
        """What the module warns about: earlier failed attempts, the lint's findings, lock-timeout retries,
        INVALID indexes dropped, recorded files that are gone (``path``: the migrations' directory)."""
        would = self.check_mode
        said = ['%s failed part way at %s (line %s: %s); it %s run again unchanged'
                % (f['file'], f['done_at'], f['line'], f['error'], 'would be' if would else 'was')
                for f in self['earlier_failures']]
        said += ['lint: ' + text for text in self['warnings']]
        said += ['%s line %s, attempt %d: %s; rolled back and tried again after %g s'
                 % (r['file'], r['line'], r['attempt'], r['error'], r['retry_in_seconds'])
                 for r in self['lock_timeout_retries']]
        said += ['%s the INVALID index %s on %s, left by an earlier attempt of %s (line %d), so that it is built again'
                 % ('would drop' if would else 'dropped', i['index'], i['table'], i['file'], i['line'])
                 for i in self['dropped_invalid_indexes']]
        said += ['the repeatable migration %s is recorded as applied but its file is gone (what it made stays)' % name
                 for name in self['repeatable_missing_files']]
        said += ['migration version %d is recorded in the ledger but its file is not in %s' % (version, path)
                 for version in self['missing_files']]
        said += ['%s: the ledger recorded an earlier text that the file supersedes (-- shoppulse:supersedes); '
                 'its checksum %s recorded, in the ledger\'s history' % (m['file'], 'would be' if would else 'was')
                 for m in self['superseded']]
        return said

    def diff(self):
        # type: () -> Dict[str, str]
        before = 'version: %s\n' % self['previous_version']
        after = 'version: %s\n' % self['current_version']
        for migration in self['baselined']:
            after += 'baselined: %s\n' % migration['file']
        for migration in self['reverted']:
            after += 'reverts: %s\n' % migration['file']
        for migration in self['repeatable']:
            after += 'repeatable: %s\n' % migration['file']
        for filename, sql in self['sql']:
            after += '\n-- %s\n%s' % (filename, sql if sql.endswith('\n') else sql + '\n')
        return dict(before=before, after=after, before_header='ledger', after_header='ledger and migrations')
