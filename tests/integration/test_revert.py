# Copyright (c) 2026, ShopPulse platform team
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Reverting with down files (issue 20): a target_version below the current one, on real servers, as the RDS-like
master user."""

import pytest

from ansible_collections.shoppulse.analytics.plugins.module_utils.schema import engine, inventory
from ansible_collections.shoppulse.analytics.plugins.module_utils.postgres.errors import EngineError

from support import LATEST

pytestmark = pytest.mark.all_versions

# what users add to the collection's schema later, each with its down file
LATER = [
    ('orders_note', 'ALTER TABLE orders ADD COLUMN note text;\nCOMMENT ON COLUMN orders.note IS \'free text\';\n',
     'ALTER TABLE orders DROP COLUMN note;\n'),
    ('order_channels', "CREATE TABLE order_channels (channel text PRIMARY KEY);\n"
                       "INSERT INTO order_channels VALUES ('web'), ('mobile');\n"
                       "CREATE INDEX orders_tenant_channel_idx ON orders (tenant_id, channel);\n",
     'DROP INDEX orders_tenant_channel_idx;\nDROP TABLE order_channels;\n'),
]


def later(sql_copy, downs=True):
    for offset, (name, up, down) in enumerate(LATER):
        version = LATEST + 1 + offset
        (sql_copy / ('%04d_%s.sql' % (version, name))).write_text(up)
        if downs:
            (sql_copy / ('%04d_%s.down.sql' % (version, name))).write_text(down)
    return LATEST + len(LATER)


def ledger(database):
    return [r[0] for r in database.query('SELECT version FROM schema_migrations ORDER BY version')]


def test_up_down_to_an_earlier_version_and_up_again_ends_where_it_started(database, sql_copy):
    top = later(sql_copy)
    conn = database.connect()
    assert engine.run(conn, str(sql_copy))['current_version'] == top
    first = inventory.read_inventory(conn)
    database.execute("INSERT INTO order_channels VALUES ('pos')")

    check = engine.run(conn, str(sql_copy), check_mode=True, target_version=LATEST)
    assert check['changed'] and [m['version'] for m in check['reverted']] == [top, top - 1]
    assert check['current_version'] == LATEST and ledger(database)[-1] == top  # check mode: nothing done
    assert [sql[0] for sql in check['sql']] == ['%04d_order_channels.down.sql' % top, '%04d_orders_note.down.sql' % (top - 1)]

    down = engine.run(conn, str(sql_copy), target_version=LATEST)
    assert [m['down_file'] for m in down['reverted']] == ['%04d_order_channels.down.sql' % top,
                                                          '%04d_orders_note.down.sql' % (top - 1)]
    assert down['changed'] and down['applied'] == [] and down['current_version'] == LATEST
    assert [m['version'] for m in down['pending']] == [top - 1, top]
    assert ledger(database) == list(range(1, LATEST + 1))
    assert 'order_channels' not in database.tables()
    assert 'note' not in inventory.read_inventory(conn)['tables']['orders']['columns']
    assert engine.run(conn, str(sql_copy), target_version=LATEST)['changed'] is False  # there already

    up = engine.run(conn, str(sql_copy))
    assert [m['version'] for m in up['applied']] == [top - 1, top]
    assert inventory.read_inventory(conn) == first
    conn.close()


def test_a_failing_down_file_leaves_database_and_ledger_as_they_were(database, sql_copy):
    top = later(sql_copy)
    conn = database.connect()
    engine.run(conn, str(sql_copy))
    before = inventory.read_inventory(conn)
    # the newest down file works; the one after it fails on its second statement
    (sql_copy / ('%04d_orders_note.down.sql' % (top - 1))).write_text(
        'ALTER TABLE orders DROP COLUMN note;\nDROP TABLE no_such_table;\n')
    with pytest.raises(EngineError) as info:
        engine.run(conn, str(sql_copy), target_version=LATEST)
    message = info.value.message
    assert '%04d_orders_note.down.sql line 2: table "no_such_table" does not exist' % (top - 1) in message, message
    assert 'nothing was reverted' in message and '%04d_order_channels.down.sql' % top in message
    assert ledger(database) == list(range(1, top + 1))
    assert inventory.read_inventory(conn) == before
    conn.close()


def test_a_revert_that_cannot_be_done_is_refused_before_anything(database, sql_copy):
    top = later(sql_copy, downs=False)
    (sql_copy / ('%04d_order_channels.down.sql' % top)).write_text('DROP TABLE order_channels;\n')
    conn = database.connect()
    engine.run(conn, str(sql_copy))
    before = inventory.read_inventory(conn)
    for target, expected in ((LATEST, '%04d_orders_note.sql has no down file (%04d_orders_note.down.sql)' % (top - 1, top - 1)),
                             (6, '0007_reporting_indexes.sql ran outside a transaction')):
        for check_mode in (True, False):
            with pytest.raises(EngineError, match='cannot revert the database from version %d to %d; nothing was '
                                                  'reverted' % (top, target)) as info:
                engine.run(conn, str(sql_copy), target_version=target, check_mode=check_mode)
            assert expected in info.value.message
    assert 'version %d has no file' % top not in info.value.message
    assert ledger(database) == list(range(1, top + 1))
    assert inventory.read_inventory(conn) == before
    conn.close()
