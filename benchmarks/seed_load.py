# Copyright (c) 2026, ShopPulse platform team
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Seed loading against psql's \\copy: first load, unchanged re-load and a 1 % change, side by side.

  python benchmarks/seed_load.py [--rows 1000000] [--runs 3] [--json benchmarks/results/seed_load.json]

Starts its own PostgreSQL 15 (tests/support/localpg.py, TLS as everywhere), applies the migrations, loads the
tenants, and generates an orders CSV. Then, several times each:

1. first load: `seed_load` (the module process itself, as Ansible runs it) into an empty orders
   table, against `psql -c "\\copy orders (...) FROM ... CSV HEADER"` into the same empty table;
   rows per second, and the module process's peak resident memory (wait4's ru_maxrss);
2. re-load of the unchanged file: changed=false and no row written (the table's n_tup_ins, n_tup_upd
   and n_tup_del do not move), time against the first load;
3. 1 % of the rows changed: exactly those rows written.

Prints one table and writes the figures as JSON.
"""

from __future__ import annotations

import argparse
import csv
import datetime
import os
import random
import shutil
import statistics
import sys

import psycopg2

from common import (ROOT, arguments, connection_args, module_path, print_table, run_module, run_psql, sql,
                    start_server, verdict, workdir, write_json)

from ansible_collections.shoppulse.analytics.plugins.module_utils.schema import engine, seeding
from support.database import Database

COLUMNS = ['tenant_id', 'external_order_id', 'customer_ref', 'channel', 'status', 'currency', 'subtotal_amount',
           'discount_amount', 'tax_amount', 'shipping_amount', 'total_amount', 'item_count', 'ordered_at']
KEY = ['tenant_id', 'external_order_id']
TENANTS = ['8a1f2c3e-000%d-4b5a-9c1d-00000000000%d' % (n, n) for n in (1, 2, 3)]
MODULE = module_path('seed_load')


def generate(path, rows, seed=7, changed_every=None):
    """An orders CSV; with changed_every, every n-th row's amounts differ from the first file's."""
    rng = random.Random(seed)
    start = datetime.datetime(2026, 1, 1, tzinfo=datetime.timezone.utc)
    with open(path, 'w', newline='', encoding='utf-8') as handle:
        writer = csv.writer(handle)
        writer.writerow(COLUMNS)
        for n in range(rows):
            subtotal = rng.randint(500, 50000) / 100
            discount = rng.randint(0, 500) / 100
            if changed_every and n % changed_every == 0:
                discount += 1
            tax = round(subtotal * 0.2, 2)
            total = round(subtotal - discount + tax + 4.99, 2)
            writer.writerow([TENANTS[n % 3], 'ord-%08d' % n, 'cust-%06d' % rng.randint(0, 999999),
                             rng.choice(('web', 'mobile', 'marketplace')), rng.choice(('paid', 'shipped', 'pending')),
                             'USD', '%.2f' % subtotal, '%.2f' % discount, '%.2f' % tax, '4.99', '%.2f' % total,
                             rng.randint(1, 9), (start + datetime.timedelta(seconds=n * 7)).isoformat()])
    return os.path.getsize(path)


def tuple_stats(server, dbname):
    conn = psycopg2.connect(**server.dsn(dbname))
    with conn.cursor() as cur:
        cur.execute('SELECT pg_stat_force_next_flush()')
        cur.execute("SELECT n_tup_ins, n_tup_upd, n_tup_del FROM pg_stat_user_tables WHERE relname = 'orders'")
        row = cur.fetchone()
    conn.close()
    return dict(inserted=row[0], updated=row[1], deleted=row[2])


def run_module_measured(server, dbname, path, workdir, login):
    """The seed_load module process on the orders CSV: (seconds, peak resident MiB, result)."""
    return run_module(MODULE, dict(connection_args(server, dbname), table='orders', key=KEY, path=path, **login),
                      workdir)


def copy_with_psql(server, dbname, path, login):
    """What a user loads with psql, as the role the module loads as (the migrator; the module refuses the master):
    orders has row-level security, forced on its owner too, which refuses COPY FROM ("COPY FROM not supported
    with row-level security"), so \\copy into a staging table, then one INSERT ... SELECT (which the policies
    check), in one transaction."""
    columns = ', '.join(COLUMNS)
    return run_psql(server, dbname, '--single-transaction',
                    '-c', 'CREATE TEMPORARY TABLE staging ON COMMIT DROP AS SELECT %s FROM orders WITH NO DATA' % columns,
                    '-c', "\\copy staging (%s) FROM '%s' WITH (FORMAT csv, HEADER true)" % (columns, path),
                    '-c', 'INSERT INTO orders (%s) SELECT %s FROM staging' % (columns, columns), login=login)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n', maxsplit=1)[0])
    parser.add_argument('--rows', type=int, default=1000000)
    parser.add_argument('--runs', type=int, default=3)
    parser.add_argument('--json', default=os.path.join(ROOT, 'benchmarks', 'results', 'seed_load.json'))
    args = arguments(parser, argv, smoke=dict(rows=3000, runs=1))

    base = workdir()
    server = start_server(os.path.join(base, 'pg'), settings={'max_wal_size': "'4GB'", 'checkpoint_timeout': "'30min'"})
    try:
        dbname = 'bench'
        sql(server, 'postgres', 'CREATE DATABASE %s' % dbname)
        conn = psycopg2.connect(**server.dsn(dbname))
        engine.run(conn, os.path.join(ROOT, 'files', 'sql'))
        seeding.load(conn, table='tenants', key=['tenant_id'], path=os.path.join(ROOT, 'files', 'seed', 'tenants.csv'))
        conn.close()
        login = Database(server, dbname).migrator_login()  # the module refuses the master

        first_file = os.path.join(base, 'orders.csv')
        changed_file = os.path.join(base, 'orders-1pct.csv')
        size = generate(first_file, args.rows)
        generate(changed_file, args.rows, changed_every=100)
        expected_changes = len(range(0, args.rows, 100))

        figures = dict(psql=[], first=[], reload=[], incremental=[], rss=[])
        checks = []

        def load(measure, path):
            """One timed module run; (its result, the tuples it wrote according to the server)."""
            before = tuple_stats(server, dbname)
            seconds, rss, result = run_module_measured(server, dbname, path, base, login)
            after = tuple_stats(server, dbname)
            figures[measure].append(seconds)
            figures['rss'].append(rss)
            return result, dict((k, after[k] - before[k]) for k in after)

        for dummy in range(args.runs):
            sql(server, dbname, 'TRUNCATE orders CASCADE')
            figures['psql'].append(copy_with_psql(server, dbname, first_file, login))
            sql(server, dbname, 'TRUNCATE orders CASCADE')
            result, written = load('first', first_file)
            assert result['inserted'] == args.rows, result

            result, written = load('reload', first_file)
            checks.append(('re-load: changed=false, no row written', not result['changed'] and not any(written.values()),
                           written))

            result, written = load('incremental', changed_file)
            exact = dict(inserted=0, updated=expected_changes, deleted=0)
            checks.append(('1 %% changed: exactly %d rows updated' % expected_changes,
                           result['updated'] == expected_changes and written == exact, written))
            # back to the first file's content for the next run's re-load
            run_module_measured(server, dbname, first_file, base, login)

        med = dict((k, statistics.median(v)) for k, v in figures.items() if k != 'rss')
        psql_rate = args.rows / med['psql']
        module_rate = args.rows / med['first']
        rows = [
            ('first load, rows/s', '%.0f' % module_rate, '%.0f' % psql_rate, '%.2f' % (module_rate / psql_rate),
             '>= 0.95', module_rate / psql_rate >= 0.95),
            ('module peak RSS, MiB', '%.0f' % max(figures['rss']), '-', '-', '< 150', max(figures['rss']) < 150),
            ('re-load unchanged, s', '%.2f' % med['reload'], '%.2f (first load)' % med['first'],
             '%.2f' % (med['reload'] / med['first']), '<= 1.50', med['reload'] / med['first'] <= 1.5),
            ('1 % changed, s', '%.2f' % med['incremental'], '%.2f (first load)' % med['first'],
             '%.2f' % (med['incremental'] / med['first']), '-', None),
        ]
        print_table('seed_load vs psql \\copy: %d orders rows, %.0f MB CSV, median of %d runs, PostgreSQL 15'
                    % (args.rows, size / 1e6, args.runs), ('measure', 'seed_load', 'psql \\copy', 'ratio', 'target'), rows)
        for name, ok, written in checks:
            print('%-60s %s  (tuples written: %s)' % (name, 'yes' if ok else 'NO', written))
        write_json(args.json, dict(rows=args.rows, csv_bytes=size, runs=args.runs, seconds=figures,
                                   medians=med, rows_per_second=dict(seed_load=module_rate, psql=psql_rate),
                                   peak_rss_mib=max(figures['rss']),
                                   checks=[dict(check=name, ok=ok, written=written) for name, ok, written in checks]))
        return verdict(args, [r[-1] for r in rows], [c[1] for c in checks])
    finally:
        server.destroy()
        shutil.rmtree(base, ignore_errors=True)


if __name__ == '__main__':
    sys.exit(main())
