# Copyright (c) 2026, ShopPulse platform team
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Lint files/sql with squawk as schema_apply lints it on an empty database (`make lint`).

  python tools/sql_lint.py [DIRECTORY]

The same code as the module's (plugins/module_utils/schema/lint.py), with no database: a finding about a lock on a
table the migrations create is dropped, as on a new database. Any other finding fails, but for the ones
files/sql/lint-accepted.json names (which schema_apply accepts too): findings in migrations that were
released, and so can never change (their checksums are in every ledger), each with the reason it stays. An
entry the lint no longer finds fails too. A new migration gets no entry: fix what the lint says.
"""

from __future__ import annotations

import sys

from ansible_collections.shoppulse.analytics.plugins.module_utils.schema import lint
from ansible_collections.shoppulse.analytics.plugins.module_utils.schema.files import discover
from ansible_collections.shoppulse.analytics.plugins.module_utils.schema.settings import DEFAULT_LOCK_TIMEOUT, DEFAULT_STATEMENT_TIMEOUT
from support import SQL_DIR, lintrun


def main(argv: list[str]) -> int:
    directory = argv[0] if argv else SQL_DIR
    found = discover(directory)
    accepted = lint.load_accepted(directory)
    kept, dropped = lint.lint(found, lint.find_squawk(), level='error', accepted=accepted, run=lintrun.run, runner_settings=dict(
        lock_timeout=DEFAULT_LOCK_TIMEOUT, statement_timeout=DEFAULT_STATEMENT_TIMEOUT))
    seen = set((f.migration.filename, f.line, f.rule) for f in dropped if (f.note or '').startswith('accepted'))
    stale = sorted(key for key in accepted if key not in seen)
    for finding in kept:
        print(finding.text())
    for key in stale:
        print('%s names %s line %d %s, which the lint no longer finds: remove it' % ((lint.ACCEPTED_FILE,) + key))
    print('sql lint: %d migrations, %d findings (%d accepted in %s, %d about a lock on a table they create, dropped), '
          '%d failing' % (len(found), len(kept) + len(dropped), len(seen), lint.ACCEPTED_FILE, len(dropped) - len(seen),
                          len(kept) + len(stale)))
    return 1 if kept or stale else 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
