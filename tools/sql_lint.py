# Copyright (c) 2026, ShopPulse platform team
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Lint files/sql with squawk as schema_apply lints it on an empty database (`make lint`).

  python tools/sql_lint.py [DIRECTORY]

The same code as the module's (plugins/module_utils/lint.py), with no database: a finding about a lock on a
table the migrations create is dropped, as on a new database. Any other finding fails, but for the ones
ACCEPTED names: findings in migrations that were released, and so can never change (their checksums are in
every ledger), each with the reason it stays. A new migration gets no entry here: fix what the lint says.
"""

from __future__ import annotations

import sys

from ansible_collections.shoppulse.analytics.plugins.module_utils import lint, migrations
from support import SQL_DIR

# (file, line, rule): why it stays
ACCEPTED = {
    ('0001_tenants_and_updated_at.sql', 21, 'ban-char-field'): 'ISO 4217 currency codes are exactly 3 letters (checked)',
    ('0003_orders_and_fulfillment.sql', 11, 'ban-char-field'): 'ISO 4217 currency code, checked by orders_currency_format',
    ('0003_orders_and_fulfillment.sql', 17, 'prefer-bigint-over-int'): 'an order\'s item count, far below 2^31',
    ('0003_orders_and_fulfillment.sql', 52, 'ban-char-field'): 'ISO 4217 currency code of a fulfillment',
    ('0004_marketing_campaigns.sql', 11, 'ban-char-field'): 'ISO 4217 currency code of a campaign budget',
    ('0005_governance.sql', 31, 'prefer-bigint-over-int'): 'a rule\'s priority, a small number',
    ('0010_tenant_policies_per_role.sql', 52, 'ban-drop-function'): 'the helper of the policies 0009 made, which '
                                                                    '0010 replaces; no client calls it',
}


def main(argv: list[str]) -> int:
    directory = argv[0] if argv else SQL_DIR
    found = migrations.discover(directory)
    kept, dropped = lint.lint(found, lint.find_squawk(), level='error', runner_settings=dict(
        lock_timeout=migrations.DEFAULT_LOCK_TIMEOUT, statement_timeout=migrations.DEFAULT_STATEMENT_TIMEOUT))
    failing = [f for f in kept if (f.migration.filename, f.line, f.rule) not in ACCEPTED]
    seen = set((f.migration.filename, f.line, f.rule) for f in kept)
    stale = sorted(key for key in ACCEPTED if key not in seen)
    for finding in failing:
        print(finding.text())
    for key in stale:
        print('tools/sql_lint.py: ACCEPTED names %s line %d %s, which the lint no longer finds: remove it' % key)
    print('sql lint: %d migrations, %d findings (%d accepted, %d about a lock on a table they create, dropped), '
          '%d failing' % (len(found), len(kept) + len(dropped), len(kept) - len(failing), len(dropped),
                          len(failing) + len(stale)))
    return 1 if failing or stale else 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
