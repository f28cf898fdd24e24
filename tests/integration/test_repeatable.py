# Copyright (c) 2026, ShopPulse platform team
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Repeatable migrations (issue 20): views, functions, policies and grants in a folder of their own, applied after
the versioned ones in name order, again whenever their checksum changes; on real servers of every version, as the
RDS-like master user."""

import pytest

from ansible_collections.shoppulse.analytics.plugins.module_utils.schema import engine
from ansible_collections.shoppulse.analytics.plugins.module_utils.postgres.errors import EngineError

from support import LATEST

pytestmark = pytest.mark.all_versions

VIEW = ('CREATE OR REPLACE VIEW orders_daily WITH (security_invoker = true) AS\n'
        '    SELECT tenant_id, date_trunc(\'day\', ordered_at) AS day, count(*) AS orders\n'
        '    FROM orders GROUP BY 1, 2;\n')
FUNCTION = ('CREATE OR REPLACE FUNCTION order_count(t uuid) RETURNS bigint\n'
            '    LANGUAGE sql STABLE AS $$ SELECT count(*) FROM orders WHERE tenant_id = t $$;\n')
GRANTS = 'GRANT SELECT ON orders_daily TO shoppulse_readonly;\nGRANT EXECUTE ON FUNCTION order_count(uuid) TO shoppulse_app;\n'


def repeatable(sql_copy, files):
    folder = sql_copy / 'repeatable'
    folder.mkdir(exist_ok=True)
    for name, text in files.items():
        (folder / name).write_text(text)
    return folder


def recorded(database):
    return dict(database.query('SELECT name, checksum FROM schema_migrations_repeatable'))


def test_repeatables_follow_the_versioned_ones_in_name_order_and_run_again_only_when_changed(database, sql_copy):
    folder = repeatable(sql_copy, {'10_orders_daily.sql': VIEW, '20_order_count.sql': FUNCTION, '90_grants.sql': GRANTS})
    conn = database.connect()
    check = engine.run(conn, str(sql_copy), check_mode=True)
    # what a real run would do: every versioned migration, then the repeatables
    assert [r['file'] for r in check['repeatable']] == ['10_orders_daily.sql', '20_order_count.sql', '90_grants.sql']
    assert database.tables() == set()
    first = engine.run(conn, str(sql_copy))
    assert first['current_version'] == LATEST
    assert [r['file'] for r in first['repeatable']] == ['10_orders_daily.sql', '20_order_count.sql', '90_grants.sql']
    assert all(r['previous_checksum'] is None and r['duration_ms'] >= 0 for r in first['repeatable'])
    assert database.scalar("SELECT has_table_privilege('shoppulse_readonly', 'orders_daily', 'SELECT')")
    assert sorted(recorded(database)) == ['10_orders_daily.sql', '20_order_count.sql', '90_grants.sql']
    assert engine.run(conn, str(sql_copy))['changed'] is False

    (folder / '10_orders_daily.sql').write_text(VIEW.replace('count(*) AS orders', 'count(*) AS orders, '
                                                             'sum(total_amount) AS total'))
    before = recorded(database)
    check = engine.run(conn, str(sql_copy), check_mode=True)
    assert check['changed'] and [r['file'] for r in check['repeatable']] == ['10_orders_daily.sql']
    assert check['repeatable'][0]['previous_checksum'] == before['10_orders_daily.sql'].strip()
    assert recorded(database) == before  # check mode changes nothing
    again = engine.run(conn, str(sql_copy))
    assert [r['file'] for r in again['repeatable']] == ['10_orders_daily.sql'] and again['applied'] == []
    assert 'total' in [r[0] for r in database.query(
        "SELECT column_name FROM information_schema.columns WHERE table_name = 'orders_daily'")]

    (folder / '90_grants.sql').unlink()
    assert engine.run(conn, str(sql_copy))['repeatable_missing_files'] == ['90_grants.sql']
    conn.close()


def test_a_failing_repeatable_is_rolled_back_naming_file_and_line(database, sql_copy):
    folder = repeatable(sql_copy, {'10_orders_daily.sql': VIEW, '20_order_count.sql': FUNCTION})
    conn = database.connect()
    engine.run(conn, str(sql_copy))
    before = recorded(database), database.scalar("SELECT pg_get_viewdef('orders_daily')")
    (folder / '05_first.sql').write_text('COMMENT ON VIEW orders_daily IS \'per day\';\n')
    (folder / '10_orders_daily.sql').write_text(VIEW.replace('count(*) AS orders', 'count(*) AS orders, no_such_column'))
    with pytest.raises(EngineError) as info:
        engine.run(conn, str(sql_copy))
    message = info.value.message
    assert message.startswith('10_orders_daily.sql line 2: column "no_such_column" does not exist'), message
    assert 'rolled back: nothing of it was applied' in message and 'applied before it in this run: 05_first.sql' in message
    assert info.value.facts['line'] == 2
    assert database.scalar("SELECT pg_get_viewdef('orders_daily')") == before[1]
    after = recorded(database)
    assert after.pop('05_first.sql') and after == before[0]
    conn.close()


def test_repeatables_wait_for_the_latest_version_and_are_refused_as_no_transaction(database, sql_copy):
    folder = repeatable(sql_copy, {'10_orders_daily.sql': VIEW})
    conn = database.connect()
    partial = engine.run(conn, str(sql_copy), target_version=LATEST - 1)
    assert partial['repeatable'] == [] and 'schema_migrations_repeatable' not in database.tables()
    assert [r['file'] for r in engine.run(conn, str(sql_copy))['repeatable']] == ['10_orders_daily.sql']
    (folder / '20_index.sql').write_text('-- shoppulse:no-transaction\nCREATE INDEX CONCURRENTLY i ON orders (status);\n')
    with pytest.raises(EngineError, match='20_index.sql: a repeatable migration runs in a transaction'):
        engine.run(conn, str(sql_copy))
    conn.close()
