# -*- coding: utf-8 -*-
# Copyright (c) 2026, ShopPulse platform team
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Before a run applies anything: the lint of the pending migrations (squawk, knowing the live tables, lint.py) and
the earlier failed attempts of no-transaction migrations that a changed file may not run over.

Plain Python; no Ansible.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.shoppulse.analytics.plugins.module_utils.schema import lint as lintlib
from ansible_collections.shoppulse.analytics.plugins.module_utils.postgres import pgcompat
from ansible_collections.shoppulse.analytics.plugins.module_utils.postgres.errors import EngineError

try:
    from typing import Any, Dict, List, Optional, Tuple
except ImportError:  # pragma: no cover
    pass


def lint_pending(engine, pending, options, directory=None):
    # type: (Any, List[Any], Optional[Dict[str, Any]], Optional[str]) -> Tuple[Dict[str, Any], List[str]]
    """squawk on the pending migrations, knowing the live tables; EngineError when a finding is an error.

    ``options``: level, exclude, include, large_table_rows, squawk_path (lint.lint's). Returns
    {findings, dropped} as dicts, and the findings' texts; nothing runs when nothing is pending. A node
    without squawk is an error at level error, and a warning (``skipped``) at level warn.
    """
    if options is None:
        return dict(findings=[], dropped=[]), []  # no lint asked for (the module always asks)
    options = dict(options)
    level = options.pop('level', lintlib.DEFAULT_LEVEL)
    lintlib.validate_options(level, options.get('exclude') or (), options.get('include') or ())
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
    number = pgcompat.server_version(engine.conn)
    kept, dropped = lintlib.lint(pending, squawk, level=level, cursor=engine.cursor,
                                 accepted=lintlib.load_accepted(directory) if directory else None,
                                 pg_version='%d.%d' % (number // 10000, number % 10000),
                                 runner_settings=dict(lock_timeout=engine.settings.lock_timeout,
                                                      statement_timeout=engine.settings.statement_timeout), **options)
    said = dict(findings=[f.as_dict() for f in kept], dropped=[f.as_dict() for f in dropped])
    errors = [f for f in kept if f.level == 'error']
    if errors:
        raise EngineError('the lint found %d error(s) in the migrations to apply; nothing was applied: %s'
                          % (len(errors), ' '.join(f.text() for f in errors)), lint=said)
    return said, [f.text() for f in kept]


def check_failures(ledger, plan):
    # type: (Any, Any) -> List[Dict[str, Any]]
    """The pending no-transaction migrations whose last attempt failed part way: [{file, version, ...}].
    EngineError, before anything is applied, when such a file was changed since that attempt: what the attempt
    left is unknown to the new file, so a person looks first and forgets the attempt (repair forget_failed)."""
    pending = dict((m.version, m) for m in plan.pending if not m.transactional)
    if not pending:
        return []
    found = []
    for version, failure in sorted(ledger.open_failures(plan.applied).items()):
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
