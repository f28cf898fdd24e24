# Copyright (c) 2026, ShopPulse platform team
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Schema changes under live load: what the applications notice while schema_apply changes a large table.

  python benchmarks/live_change.py [--rows 10000000] [--tenants 100] [--clients 4] [--think-ms 20] [--baseline 30]
                                   [--lock-timeout 2s] [--version 15] [--json benchmarks/results/live_change.json]

Starts its own PostgreSQL (TLS, as everywhere), applies the collection's migrations as the RDS-like master
user and loads --rows orders over --tenants tenants (interleaved in time, as applications write them).
Then --clients application sessions, each logged in as shoppulse_app and each in its own tenant's
transactions (set_config('app.tenant_id', ..., true), as docs/tenancy.md says), keep writing an order and
reading the tenant's latest orders, pausing --think-ms between transactions (an application that keeps the
server busy, not one that saturates its two cores: then any work at all, an index build or a backup, would
show in its latency, whatever the locks):

  baseline   --baseline seconds of that load with no migration running;
  migration  the same load while schema_apply (the module, run as Ansible runs it, lock_timeout
             --lock-timeout) applies what users write to change a live table, the safe way:
               add a nullable column; add a column with a constant default;
               build an index CONCURRENTLY (no-transaction);
               add a foreign key NOT VALID, then VALIDATE it; add a check constraint NOT VALID, then VALIDATE it.

Reported side by side: transactions, failed transactions (target 0), p50, p99 (target at most 2x the
baseline's) and max latency (target: no stall longer than the lock timeout), and what the lint says,
beforehand, of the same set written the unsafe way (plain CREATE INDEX, constraints validated at once).
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import threading
import time
import uuid

import psycopg2

from common import arguments, connection_args, module_path, run_module, sql, start_server, verdict, workdir, write_json

from ansible_collections.shoppulse.analytics.plugins.module_utils.schema import engine
from ansible_collections.shoppulse.analytics.plugins.module_utils.postgres.errors import EngineError
from ansible_collections.shoppulse.analytics.plugins.module_utils.schema.settings import interval_seconds
from support import SQL_DIR, lintrun, tenancy
from support.database import Database

SETTINGS = {'fsync': 'off', 'synchronous_commit': 'off', 'full_page_writes': 'off', 'shared_buffers': "'2GB'",
            'max_wal_size': "'16GB'", 'checkpoint_timeout': "'30min'", 'maintenance_work_mem': "'512MB'",
            'autovacuum': 'off'}  # vacuumed and analysed once loaded
APP_PASSWORD = 'bench-app-password'

SAFE = [
    ('orders_note', 'ALTER TABLE orders ADD COLUMN note text;\n'),
    ('orders_source', "ALTER TABLE orders ADD COLUMN source text NOT NULL DEFAULT 'api';\n"),
    # one process for the build: the parallel workers a build takes by default (max_parallel_maintenance_workers,
    # 2) would take every core of a two-vCPU server from the applications; the SET ends with the migration
    ('orders_channel_index', '-- shoppulse:no-transaction\n'
                             'SET max_parallel_maintenance_workers = 0;\n'
                             'CREATE INDEX CONCURRENTLY IF NOT EXISTS orders_tenant_channel_ordered_at_idx\n'
                             '    ON orders (tenant_id, channel, ordered_at DESC);\n'),
    ('order_channels', "CREATE TABLE order_channels (channel text PRIMARY KEY);\n"
                       "INSERT INTO order_channels VALUES ('web'), ('mobile'), ('marketplace'), ('pos'), ('phone');\n"
                       "ALTER TABLE orders ADD CONSTRAINT orders_channel_fkey FOREIGN KEY (channel)\n"
                       "    REFERENCES order_channels (channel) NOT VALID;\n"),
    ('orders_channel_fkey_validate', 'ALTER TABLE orders VALIDATE CONSTRAINT orders_channel_fkey;\n'),
    ('orders_total_check', 'ALTER TABLE orders ADD CONSTRAINT orders_total_below_a_billion\n'
                           '    CHECK (total_amount < 1000000000) NOT VALID;\n'),
    ('orders_total_check_validate', 'ALTER TABLE orders VALIDATE CONSTRAINT orders_total_below_a_billion;\n'),
]
PARALLEL_INDEX = ('orders_channel_index_parallel', '-- shoppulse:no-transaction\n'
                  'CREATE INDEX CONCURRENTLY IF NOT EXISTS orders_tenant_channel_ordered_at_parallel_idx\n'
                  '    ON orders (tenant_id, channel, ordered_at DESC);\n')
UNSAFE = [
    ('orders_note', 'ALTER TABLE orders ADD COLUMN note text;\n'),
    ('orders_source', "ALTER TABLE orders ADD COLUMN source text NOT NULL DEFAULT 'api';\n"),
    ('orders_channel_index', 'CREATE INDEX orders_tenant_channel_ordered_at_idx ON orders (tenant_id, channel, ordered_at DESC);\n'),
    ('order_channels', "CREATE TABLE order_channels (channel text PRIMARY KEY);\n"
                       "INSERT INTO order_channels VALUES ('web'), ('mobile'), ('marketplace'), ('pos'), ('phone');\n"
                       "ALTER TABLE orders ADD CONSTRAINT orders_channel_fkey FOREIGN KEY (channel)\n"
                       "    REFERENCES order_channels (channel);\n"),
    ('orders_total_check', 'ALTER TABLE orders ADD CONSTRAINT orders_total_below_a_billion\n'
                           '    CHECK (total_amount < 1000000000);\n'),
]


def write_set(directory, changes):
    shutil.copytree(SQL_DIR, directory)
    first = max(m.version for m in engine.discover(SQL_DIR)) + 1
    for offset, (name, text) in enumerate(changes):
        with open(os.path.join(directory, '%04d_%s.sql' % (first + offset, name)), 'w') as handle:
            handle.write(text)
    return directory


def load(server, dbname, tenants, rows):
    """The collection's migrations as the master user, then ``rows`` orders over ``tenants`` tenants."""
    conn = psycopg2.connect(**server.dsn(dbname))
    engine.run(conn, SQL_DIR)
    conn.close()
    admin = psycopg2.connect(**server.admin_dsn(dbname))
    admin.autocommit = True
    with admin.cursor() as cur:
        cur.execute('SET session_replication_role = replica')
        cur.execute("INSERT INTO tenants (tenant_id, slug, name) SELECT (%s || lpad(to_hex(n), 12, '0'))::uuid, "
                    "'tenant-' || n, 'Tenant ' || n FROM generate_series(1, %s) n", (tenancy.TENANT_PREFIX, tenants))
        per = rows // tenants
        cur.execute(
            "INSERT INTO orders (tenant_id, order_id, external_order_id, customer_ref, channel, status, currency, "
            " subtotal_amount, total_amount, item_count, ordered_at) "
            "SELECT (%(prefix)s || lpad(to_hex(n), 12, '0'))::uuid, md5(n || '/' || k)::uuid, 'ord-' || k, "
            " 'cust-' || (k %% 200), (ARRAY['web', 'mobile', 'marketplace', 'pos', 'phone'])[1 + k %% 5], "
            " (ARRAY['pending', 'paid', 'shipped', 'delivered', 'cancelled', 'refunded'])[1 + (k * 7 + n) %% 6], "
            " 'USD', (k %% 500) + 9.99, (k %% 500) + 9.99, 1 + k %% 4, "
            " date_trunc('day', now()) - ((k - 1) * 365 / %(per)s) * interval '1 day' "
            "  + ((n * 7919 + k * 104729) %% 86400 - 86400) * interval '1 second' "
            "FROM generate_series(%(per)s::bigint, 1, -1) k, generate_series(1, %(tenants)s) n",
            dict(prefix=tenancy.TENANT_PREFIX, per=per, tenants=tenants))
        cur.execute('RESET session_replication_role')
        cur.execute('VACUUM ANALYZE')
        cur.execute('ALTER ROLE shoppulse_app PASSWORD %s', (APP_PASSWORD,))
        cur.execute("SELECT count(*), pg_size_pretty(pg_total_relation_size('orders')) FROM orders")
        count, size = cur.fetchone()
    admin.close()
    return count, size


class Load:
    """--clients application sessions in a loop; each transaction's start, latency and outcome."""

    def __init__(self, server, dbname, clients, tenants, think):
        self.think = think
        self.dsn = server.dsn(dbname, user='shoppulse_app', password=APP_PASSWORD)
        self.tenants = [tenancy.tenant_id(1 + (i * tenants) // clients) for i in range(clients)]
        self.samples = []   # (started, seconds, error or None)
        self.lock = threading.Lock()
        self.stop = threading.Event()
        self.threads = [threading.Thread(target=self._client, args=(tenant,), daemon=True) for tenant in self.tenants]

    def start(self):
        for thread in self.threads:
            thread.start()
        return self

    def _client(self, tenant):
        conn = psycopg2.connect(**self.dsn)
        while not self.stop.is_set():
            started = time.perf_counter()
            error = None
            try:
                with conn.cursor() as cur:
                    tenancy.set_tenant(cur, tenant)
                    cur.execute("INSERT INTO orders (tenant_id, external_order_id, currency, total_amount, ordered_at, "
                                "channel) VALUES (%s, %s, 'USD', 42.50, now(), 'web')", (tenant, 'live-' + uuid.uuid4().hex))
                    cur.execute("SELECT order_id, status, total_amount FROM orders WHERE ordered_at > now() - "
                                "interval '1 day' ORDER BY ordered_at DESC LIMIT 20")
                    cur.fetchall()
                conn.commit()
            except psycopg2.Error as exc:
                error = '%s' % exc
                try:
                    conn.rollback()
                except psycopg2.Error:
                    conn = psycopg2.connect(**self.dsn)
            with self.lock:
                self.samples.append((started, time.perf_counter() - started, error))
            self.stop.wait(self.think)
        conn.close()

    def between(self, start, end):
        with self.lock:
            return [s for s in self.samples if start <= s[0] < end]

    def finish(self):
        self.stop.set()
        for thread in self.threads:
            thread.join()


def figures(samples):
    latencies = sorted(s[1] for s in samples)

    def pct(p):
        return latencies[min(len(latencies) - 1, int(round(p * (len(latencies) - 1))))] * 1000

    return dict(transactions=len(samples), failed=sum(1 for s in samples if s[2]), p50_ms=pct(0.5), p99_ms=pct(0.99),
                max_ms=latencies[-1] * 1000, errors=sorted(set(s[2] for s in samples if s[2]))[:5])


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--rows', type=int, default=10000000)
    parser.add_argument('--tenants', type=int, default=100)
    parser.add_argument('--clients', type=int, default=4)
    parser.add_argument('--baseline', type=float, default=30.0)
    parser.add_argument('--think-ms', type=float, default=20.0, help='each session pauses so long between transactions')
    parser.add_argument('--lock-timeout', default='2s')
    parser.add_argument('--version', type=int, default=15)
    parser.add_argument('--json', default=os.path.join(os.path.dirname(os.path.abspath(__file__)), 'results',
                                                       'live_change.json'))
    args = arguments(parser, argv, smoke=dict(rows=20000, tenants=10, clients=2, baseline=2.0))
    base = workdir()
    server = None
    load_ = None
    try:
        server = start_server(os.path.join(base, 'pg'), settings=SETTINGS, version=args.version)
        sql(server, 'postgres', 'CREATE DATABASE bench_live')
        started = time.perf_counter()
        count, size = load(server, 'bench_live', args.tenants, args.rows)
        print('loaded %d orders (%s with indexes) in %.0f s on PostgreSQL %d'
              % (count, size, time.perf_counter() - started, args.version))
        module = module_path('schema_apply')
        # the module refuses the master (it runs code the migrator can change): it logs in as the migrator
        connection = dict(connection_args(server, 'bench_live'), **Database(server, 'bench_live').migrator_login())

        # what the lint says beforehand of the set written the unsafe way (check mode: nothing is applied)
        unsafe = write_set(os.path.join(base, 'unsafe'), UNSAFE)
        conn = psycopg2.connect(**server.dsn('bench_live'))
        try:
            said = engine.run(conn, unsafe, check_mode=True, lint=dict(run=lintrun.run))['lint']['findings']
        except EngineError as exc:
            said = exc.facts['lint']['findings']
        finally:
            conn.close()
        lint_said = ['%s line %d: %s: %s (%s)' % (f['file'], f['line'], f['rule'], f['level'], f['note'] or f['message'])
                     for f in said]
        print('\nThe lint, beforehand, on the same set written the unsafe way (check mode, nothing applied):')
        for line in lint_said or ['(no finding)']:
            print('  ' + line)

        safe = write_set(os.path.join(base, 'safe'), SAFE)
        load_ = Load(server, 'bench_live', args.clients, args.tenants, args.think_ms / 1000).start()
        time.sleep(3)  # the sessions connected and warm
        baseline_start = time.perf_counter()
        time.sleep(args.baseline)
        migration_start = time.perf_counter()
        elapsed, memory, result = run_module(module, dict(connection, path=safe, lock_timeout=args.lock_timeout), base)
        migration_end = time.perf_counter()
        time.sleep(1)
        before = figures(load_.between(baseline_start, migration_start))
        during = figures(load_.between(migration_start, migration_end))
        lock_ms = interval_seconds(args.lock_timeout) * 1000
        print('\nschema_apply applied %d migrations in %.1f s (lock_timeout %s; lock timeouts retried: %d):'
              % (len(result['applied']), migration_end - migration_start, args.lock_timeout,
                 len(result['lock_timeout_retries'])))
        # each migration's window, from the durations the ledger records (the module's own start-up, the
        # rest of the elapsed time, put first): what the applications saw during each
        cursor = migration_end - sum(m['duration_ms'] for m in result['applied']) / 1000.0
        windows = []
        for migration in result['applied']:
            windows.append((migration['file'], cursor, cursor + migration['duration_ms'] / 1000.0))
            cursor = windows[-1][2]
        print('  %-40s %8s  %s' % ('', 'ms', 'the applications meanwhile: transactions, p99 ms, max ms'))
        for (name, start, end), migration in zip(windows, result['applied']):
            seen = load_.between(start, end)
            print('  %-40s %8d  %s' % (name, migration['duration_ms'], '%d, %.1f, %.1f' % (
                len(seen), figures(seen)['p99_ms'], figures(seen)['max_ms']) if seen else '-'))
        # the same build with the server's default parallel workers, as a migration of its own after the set
        parallel = write_set(os.path.join(base, 'parallel'), SAFE + [PARALLEL_INDEX])
        parallel_start = time.perf_counter()
        run_module(module, dict(connection, path=parallel, lock_timeout=args.lock_timeout), base)
        parallel_seen = figures(load_.between(parallel_start, time.perf_counter()))
        print('  %-40s %8d  %s   (the same index, built with the default parallel workers: for comparison)'
              % (PARALLEL_INDEX[0], (time.perf_counter() - parallel_start) * 1000, '%d, %.1f, %.1f' % (
                  parallel_seen['transactions'], parallel_seen['p99_ms'], parallel_seen['max_ms'])))
        print('\n%d application sessions (shoppulse_app, one tenant each) writing an order and reading the latest 20, '
              '%g ms apart, against %d orders' % (args.clients, args.think_ms, count))
        rows = [('transactions', before['transactions'], during['transactions'], '', ''),
                ('transactions per second', '%.0f' % (before['transactions'] / (migration_start - baseline_start)),
                 '%.0f' % (during['transactions'] / (migration_end - migration_start)), '', ''),
                ('failed transactions', before['failed'], during['failed'], '0', 'yes' if during['failed'] == 0 else 'NO'),
                ('p50 latency, ms', '%.1f' % before['p50_ms'], '%.1f' % during['p50_ms'], '', ''),
                ('p99 latency, ms', '%.1f' % before['p99_ms'], '%.1f' % during['p99_ms'],
                 '<= 2x (%.1f)' % (2 * before['p99_ms']), 'yes' if during['p99_ms'] <= 2 * before['p99_ms'] else 'NO'),
                ('max latency, ms', '%.1f' % before['max_ms'], '%.1f' % during['max_ms'], '<= lock_timeout (%d)' % lock_ms,
                 'yes' if during['max_ms'] <= lock_ms else 'NO')]
        load_.finish()
        widths = [max(len('%s' % r[i]) for r in rows + [('', 'no migration', 'while migrating', 'target', 'met')])
                  for i in range(5)]
        for row in [('', 'no migration', 'while migrating', 'target', 'met')] + rows:
            print('  '.join(('%s' % c).ljust(w) if i == 0 else ('%s' % c).rjust(w) for i, (c, w) in enumerate(zip(row, widths))))
        if during['errors']:
            print('errors: %s' % '; '.join(during['errors']))
        check = psycopg2.connect(**server.dsn('bench_live'))
        with check.cursor() as cur:
            cur.execute("SELECT indisvalid FROM pg_index WHERE indexrelid = 'orders_tenant_channel_ordered_at_idx'::regclass")
            valid_index = cur.fetchone()[0]
            cur.execute("SELECT conname, convalidated FROM pg_constraint WHERE conname IN ('orders_channel_fkey', "
                        "'orders_total_below_a_billion') ORDER BY conname")
            constraints = cur.fetchall()
        check.close()
        print('afterwards: the index is %s; constraints %s' % ('valid' if valid_index else 'INVALID', constraints))
        write_json(args.json, dict(rows=count, size=size, clients=args.clients, lock_timeout=args.lock_timeout,
                                   baseline=before, migration=during, migration_seconds=migration_end - migration_start,
                                   applied=[(m['file'], m['duration_ms']) for m in result['applied']],
                                   lint_unsafe=lint_said, index_valid=valid_index, constraints=constraints,
                                   parallel_index=parallel_seen))
        # the latencies are speed targets; no failed transaction, the index valid and every constraint validated, checks
        return verdict(args, [during['p99_ms'] <= 2 * before['p99_ms'], during['max_ms'] <= lock_ms],
                       [during['failed'] == 0, valid_index, all(validated for dummy, validated in constraints)])
    finally:
        if load_ is not None:
            load_.finish()
        if server is not None:
            server.destroy()
        shutil.rmtree(base, ignore_errors=True)


if __name__ == '__main__':
    sys.exit(main())
