# Copyright (c) 2026, ShopPulse platform team
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Tenant isolation at scale: the application's queries under row-level security against an explicit filter.

  python benchmarks/tenancy.py [--tenants 1000] [--orders-per-tenant 1000] [--growth 10] [--runs 60]
                               [--version 15] [--json benchmarks/results/tenancy.json]

Starts its own PostgreSQL (tests/support/localpg.py, TLS as everywhere) and builds two databases with the
collection's migrations, filled with synthetic tenants by tests/support/tenancy.py:

  1x   --tenants tenants of --orders-per-tenant orders each (1,000 x 1,000: 1,000,000 orders), a
       fulfillment row for every order that left the warehouse, an audit log entry per order,
       4 roles x 12 metrics per tenant;
  10x  --growth times as many tenants of the same size (10,000,000 orders). The tenants measured
       are among the first ones, whose rows are the same in both databases: only the table grows.

For each query an application runs (tests/support/tenancy.py QUERIES), for several tenants, alternately:

  rls        as shoppulse_app (SET LOCAL ROLE, see begin()), the tenant set with
             set_config('app.tenant_id', ..., true) and no tenant filter in the query: what the
             application does;
  explicit   the same query with the tenant filter written out, as a role that bypasses row-level
             security (made for the benchmark by the set-up superuser, a member of shoppulse_app):
             the reference.

Two times per query, medians of --runs samples for each tenant (rls and explicit alternately first),
then the median over the tenants: ``app ms``, the time the application waits (execute and fetch, over
TLS; a sample is the mean of 10 runs in a row), and ``server ms``, what the server spends (EXPLAIN
ANALYZE's planning and execution time, once per sample). The 1x database is first measured at
migration 9, whose policy (tenant = X OR maintenance) the index could not serve, then migration 10
is applied. Inserts: 5,000 orders in one statement, under the policy's WITH CHECK against the
reference role. The targets: every ratio at most 1.2 (application time), the 10x database no slower
than the 1x one for the same tenant's queries (at most 1.2), inserts at most 1.2.
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import sys
import time

import psycopg2

from common import ROOT, arguments, median, print_table, sql, start_server, verdict, workdir, write_json

from ansible_collections.shoppulse.analytics.plugins.module_utils.schema import engine
from support import tenancy

REFERENCE = 'shoppulse_bench_reference'
REFERENCE_PASSWORD = 'bench-reference-password'
# what a bulk load wants; none of it changes how a query is planned or run once the data is there
SETTINGS = {'fsync': 'off', 'synchronous_commit': 'off', 'full_page_writes': 'off', 'shared_buffers': "'2GB'",
            'max_wal_size': "'16GB'", 'checkpoint_timeout': "'30min'", 'maintenance_work_mem': "'512MB'",
            'work_mem': "'16MB'", 'autovacuum': 'off'}  # each database is vacuumed and analysed once loaded
TARGET = 1.2
INSERT_ROWS = 5000
BATCH = 10
SQL_DIR = os.path.join(ROOT, 'files', 'sql')


def build(server, dbname, tenants, per_tenant, target_version=None):
    started = time.perf_counter()
    sql(server, 'postgres', 'CREATE DATABASE %s' % dbname)
    conn = psycopg2.connect(**server.dsn(dbname))  # the RDS-like master user, as the schema role runs them
    engine.run(conn, SQL_DIR, target_version=target_version)
    conn.close()
    admin = psycopg2.connect(**server.admin_dsn(dbname))
    admin.autocommit = True
    with admin.cursor() as cur:
        tenancy.load(cur, 1, tenants, per_tenant)
        cur.execute('VACUUM ANALYZE')
        cur.execute("SELECT sum(pg_total_relation_size(c.oid)) FROM pg_class c WHERE c.relkind = 'r' "
                    "AND c.relnamespace = 'public'::regnamespace")
        size = int(cur.fetchone()[0])
    admin.close()
    return time.perf_counter() - started, size


def connect(server, dbname, user, password):
    return psycopg2.connect(**server.dsn(dbname, user=user, password=password))


def begin(cur, label, tenant):
    """Start a sample's transaction: as shoppulse_app for 'rls', as the reference for 'explicit'.

    Both variants run on one session (the reference's login, a member of shoppulse_app), the role set
    for the transaction: two sessions of the same role differed here by up to 40 % on the same query,
    as their server processes landed on one core or the other, which is more than row-level security
    costs. Both then set the tenant (without effect for the reference, which bypasses the policy), so
    that both time statements that follow the same two in their transaction.
    """
    cur.execute('SET LOCAL ROLE %s' % ('shoppulse_app' if label == 'rls' else REFERENCE))
    tenancy.set_tenant(cur, tenant)


def measure_queries(server, dbname, tenants, runs, batch=BATCH, warm=3):
    """{query: {'rls': (app ms, server ms, indexes), 'explicit': (...)}}, medians over tenants of medians."""
    conn = connect(server, dbname, REFERENCE, REFERENCE_PASSWORD)
    results = {}
    for name, dummy, query in tenancy.QUERIES:
        per = {'rls': ([], [], set()), 'explicit': ([], [], set())}
        for tenant in tenants:
            with conn.cursor() as cur:
                values = tenancy.params(cur, tenant)
            conn.rollback()
            times = {'rls': ([], []), 'explicit': ([], [])}
            for run in range(runs + warm):  # the first ``warm`` of each warm the caches
                # alternately first; a sample is ``batch`` runs in a row, which the machine's
                # scheduling disturbs less than one run of a fraction of a millisecond
                for label in ('rls', 'explicit') if run % 2 else ('explicit', 'rls'):
                    statement = tenancy.sql(query, explicit=label == 'explicit')
                    with conn.cursor() as cur:
                        begin(cur, label, tenant)
                        began = time.perf_counter()
                        for dummy in range(batch):
                            cur.execute(statement, values)
                            rows = cur.fetchall()
                        elapsed = (time.perf_counter() - began) * 1000 / batch
                        plan = tenancy.explain(cur, statement, values, analyze=True)
                    conn.rollback()
                    if not rows:
                        raise RuntimeError('%s found no rows of tenant %s' % (name, tenant))
                    if run >= warm:
                        times[label][0].append(elapsed)
                        times[label][1].append(plan['Planning Time'] + plan['Execution Time'])
                    per[label][2].update(scan[2] or '%s (%s)' % (scan[1].lower(), scan[0])
                                         for scan in tenancy.scans(plan))
            for label in per:
                per[label][0].append(median(times[label][0]))
                per[label][1].append(median(times[label][1]))
        results[name] = dict((label, (median(a), median(s), sorted(i))) for label, (a, s, i) in per.items())
    conn.close()
    return results


def measure_inserts(server, dbname, tenant, runs):
    """Median ms of inserting INSERT_ROWS orders: (under the policy's WITH CHECK, the reference)."""
    statement = ("INSERT INTO orders (tenant_id, external_order_id, currency, total_amount, ordered_at) "
                 "SELECT %(tenant)s, 'bench-' || k, 'USD', k %% 100, now() FROM generate_series(1, {0}) k"
                 .format(INSERT_ROWS))
    conn = connect(server, dbname, REFERENCE, REFERENCE_PASSWORD)
    times = {'rls': [], 'explicit': []}
    for run in range(runs + 1):
        for label in ('rls', 'explicit') if run % 2 else ('explicit', 'rls'):
            with conn.cursor() as cur:
                begin(cur, label, tenant)
                began = time.perf_counter()
                cur.execute(statement, dict(tenant=tenant))
                elapsed = (time.perf_counter() - began) * 1000
            conn.rollback()  # the table stays as it was for the next run
            if run:
                times[label].append(elapsed)
    conn.close()
    return median(times['rls']), median(times['explicit'])


def prepare_roles(server, dbname):
    """The reference role (roles belong to the server: once, after the first database made shoppulse_app)."""
    admin = psycopg2.connect(**server.admin_dsn(dbname))
    admin.autocommit = True
    with admin.cursor() as cur:
        cur.execute('CREATE ROLE %s LOGIN BYPASSRLS IN ROLE shoppulse_app PASSWORD %%s' % REFERENCE,
                    (REFERENCE_PASSWORD,))
    admin.close()


def ms(value):
    return '%.3f' % value


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n', maxsplit=1)[0])
    parser.add_argument('--tenants', type=int, default=1000)
    parser.add_argument('--orders-per-tenant', type=int, default=1000)
    parser.add_argument('--growth', type=int, default=10)
    parser.add_argument('--runs', type=int, default=60)
    parser.add_argument('--measured-tenants', type=int, default=5)
    parser.add_argument('--version', type=int, default=None, help='PostgreSQL major (default: 15, Debian\'s)')
    parser.add_argument('--json', default=os.path.join(ROOT, 'benchmarks', 'results', 'tenancy.json'))
    args = arguments(parser, argv, smoke=dict(tenants=20, orders_per_tenant=50, growth=2, runs=2, measured_tenants=2))
    signal.signal(signal.SIGTERM, lambda *dummy: sys.exit(1))  # stopped: still remove the server (finally)
    base = workdir()
    server = None
    try:
        server = start_server(os.path.join(base, 'pg'), settings=SETTINGS, version=args.version)
        step = max(1, args.tenants // args.measured_tenants)
        measured = [tenancy.tenant_id(n) for n in range(step // 2 + 1, args.tenants + 1, step)][:args.measured_tenants]
        report = dict(version=server.major(), tenants=args.tenants, orders_per_tenant=args.orders_per_tenant,
                      growth=args.growth, runs=args.runs, measured_tenants=measured, databases={})

        seconds, size = build(server, 'tenancy_1x', args.tenants, args.orders_per_tenant, target_version=9)
        prepare_roles(server, 'tenancy_1x')
        print('1x: %d tenants, %d orders, %.1f GB, built in %.0f s' % (
            args.tenants, args.tenants * args.orders_per_tenant, size / 1e9, seconds), flush=True)
        # 50 to 300 ms a query: 3 single runs tell
        before = measure_queries(server, 'tenancy_1x', measured, 3, batch=1, warm=1)
        conn = psycopg2.connect(**server.dsn('tenancy_1x'))
        engine.run(conn, SQL_DIR)
        conn.close()
        one = measure_queries(server, 'tenancy_1x', measured, args.runs)
        one_inserts = measure_inserts(server, 'tenancy_1x', measured[0], max(5, args.runs // 3))
        report['databases']['1x'] = dict(build_seconds=seconds, bytes=size, migration_9=before, queries=one,
                                         inserts_ms=one_inserts)
        sql(server, 'postgres', 'DROP DATABASE tenancy_1x')  # its pages out of the caches for the 10x one

        grown = args.tenants * args.growth
        seconds, size = build(server, 'tenancy_10x', grown, args.orders_per_tenant)
        print('%dx: %d tenants, %d orders, %.1f GB, built in %.0f s' % (
            args.growth, grown, grown * args.orders_per_tenant, size / 1e9, seconds), flush=True)
        ten = measure_queries(server, 'tenancy_10x', measured, args.runs)
        ten_inserts = measure_inserts(server, 'tenancy_10x', measured[0], max(5, args.runs // 3))
        report['databases']['%dx' % args.growth] = dict(build_seconds=seconds, bytes=size, queries=ten,
                                                        inserts_ms=ten_inserts)

        speed = []  # every target here is one of speed
        header = ('measure', 'rls', 'explicit', 'ratio', 'target', 'index (rls | explicit)')
        for label, data in (('1x', one), ('%dx' % args.growth, ten)):
            rows = []
            for name, what, dummy in tenancy.QUERIES:
                rls, explicit = data[name]['rls'], data[name]['explicit']
                index = '%s | %s' % (','.join(rls[2]), ','.join(explicit[2]))
                rows.append(('%s: app ms' % what, ms(rls[0]), ms(explicit[0]), '%.2f' % (rls[0] / explicit[0]),
                             '<= %.1f' % TARGET, rls[0] / explicit[0] <= TARGET, index))
                rows.append(('%s: server ms' % what, ms(rls[1]), ms(explicit[1]), '%.2f' % (rls[1] / explicit[1]),
                             '-', None, ''))
            inserts = one_inserts if label == '1x' else ten_inserts
            rows.append(('insert %d orders (WITH CHECK): ms' % INSERT_ROWS, ms(inserts[0]), ms(inserts[1]),
                         '%.2f' % (inserts[0] / inserts[1]), '<= %.1f' % TARGET, inserts[0] / inserts[1] <= TARGET,
                         ''))
            speed += _table('%s database: shoppulse_app under RLS against the explicit tenant filter without RLS, '
                            'PostgreSQL %d, median of %d runs x %d tenants'
                            % (label, report['version'], args.runs, len(measured)), header, rows)
        rows = []
        for name, what, dummy in tenancy.QUERIES:
            old, new = before[name]['rls'], one[name]['rls']
            rows.append(('%s: app ms' % what, ms(new[0]), ms(old[0]), '%.3f' % (new[0] / old[0]), '-', None,
                         '%s | %s' % (','.join(new[2]), ','.join(old[2]))))
        speed += _table('1x database, shoppulse_app under RLS: migration 10 (per-role policies) against migration 9 '
                        '(tenant = X OR maintenance)',
                        ('measure', 'migration 10', 'migration 9', 'ratio', 'target', 'index (10 | 9)'), rows)
        rows = []
        for name, what, dummy in tenancy.QUERIES:
            small, big = one[name]['rls'], ten[name]['rls']
            rows.append(('%s: app ms' % what, ms(big[0]), ms(small[0]), '%.2f' % (big[0] / small[0]),
                         '<= %.1f' % TARGET, big[0] / small[0] <= TARGET, ''))
            rows.append(('%s: server ms' % what, ms(big[1]), ms(small[1]), '%.2f' % (big[1] / small[1]), '-', None,
                         ''))
        speed += _table('The same tenants under RLS: the %dx database against the 1x one' % args.growth,
                        ('measure', '%dx' % args.growth, '1x', 'ratio', 'target', ''), rows)
        write_json(args.json, report)
        print('figures written to %s' % os.path.relpath(args.json, ROOT))
    finally:
        if server:
            server.destroy()
        shutil.rmtree(base, ignore_errors=True)
    return verdict(args, speed)


def _table(title, header, rows):
    """print_table with a seventh, free-text column; the rows' "met" values."""
    print_table(title, header[:5], [row[:6] for row in rows])
    if any(row[6] for row in rows):
        print('  plans (%s):' % header[5])
        for row in rows:
            if row[6]:
                print('    %s: %s' % (row[0].split(':')[0], row[6]))
        print()
    return [row[5] for row in rows]


if __name__ == '__main__':
    sys.exit(main())
