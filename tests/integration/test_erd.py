# Copyright (c) 2026, ShopPulse platform team
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""docs/erd.md is the diagram of what the migrations build, read from a live database."""

import os

import erd
from support import ROOT

from ansible_collections.shoppulse.analytics.plugins.module_utils.schema.inventory import read_inventory

COMMITTED = os.path.join(ROOT, 'docs', 'erd.md')


def test_the_committed_diagram_is_the_one_the_migrations_give(shoppulse_db):
    conn = shoppulse_db.connect()
    live = read_inventory(conn)
    conn.close()
    with open(COMMITTED) as handle:
        committed = handle.read()
    assert erd.render(live) == committed, 'docs/erd.md is out of date: run `make manifest`'
    # every table is in it, and every foreign key is a relationship
    for table in live['tables']:
        assert '    %s {' % table in committed
    foreign_keys = [c for t in live['tables'].values() for c in t['constraints'].values() if c['type'] == 'foreign key']
    assert committed.count(' : "') == len(foreign_keys)


def test_a_migration_that_changes_the_schema_changes_the_diagram(shoppulse_db):
    shoppulse_db.query('CREATE TABLE refunds (tenant_id uuid NOT NULL REFERENCES tenants (tenant_id), '
                       'refund_id bigint PRIMARY KEY, amount numeric(12,2))')
    conn = shoppulse_db.connect()
    live = read_inventory(conn)
    conn.close()
    with open(COMMITTED) as handle:
        committed = handle.read()
    rendered = erd.render(live)
    assert rendered != committed
    assert '    refunds {\n        uuid tenant_id FK\n        bigint refund_id PK\n        numeric(12-2) amount\n    }' \
        in rendered
    assert '    tenants ||--o{ refunds : "tenant_id"' in rendered
