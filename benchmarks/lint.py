# Copyright (c) 2026, ShopPulse platform team
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The lint of schema_apply: 1,000 migrations, and what it adds to a run with nothing to do, side by side.

  python benchmarks/lint.py [--files 1000] [--runs 7] [--json benchmarks/results/lint.json]

1. 1,000 migration files as users write them (a table, then changes to it: columns, indexes, constraints,
   some the unsafe way), linted as schema_apply lints them on an empty database (plugins/module_utils/schema/lint.py:
   squawk, once for the transactional files and once for the others, and the collection's classification),
   against the squawk CLI alone on the same files. The discovery (read, split, checksum), which every run
   makes whether it lints or not, is shown beside.
2. schema_apply (the module, run as Ansible runs it) on a database that is up to date, lint warn against
   lint off, interleaved: the target is no cost at all, as no lint runs when nothing is pending (a run at
   lint error with a squawk path that does not exist passes: squawk is not even looked for), so the
   times differ by noise only.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import time

import psycopg2

from common import (arguments, connection_args, median, module_path, print_table, run_module, sql, start_server,
                    verdict, workdir, write_json)

from ansible_collections.shoppulse.analytics.plugins.module_utils.schema import engine, lint
from support import SQL_DIR, lintrun
from support.database import Database

KINDS = [
    'CREATE TABLE t{n} (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, tenant_id uuid NOT NULL, note text);\n'
    'CREATE INDEX t{n}_tenant_idx ON t{n} (tenant_id);\n',
    'ALTER TABLE t{m} ADD COLUMN c{n} text;\n',
    'ALTER TABLE t{m} ADD COLUMN d{n} timestamptz NOT NULL DEFAULT now();\n',
    '-- shoppulse:no-transaction\nCREATE INDEX CONCURRENTLY IF NOT EXISTS t{m}_note_{n}_idx ON t{m} (note);\n',
    'CREATE INDEX t{m}_c{n}_idx ON t{m} (id, tenant_id);\n',
    'ALTER TABLE t{m} ADD CONSTRAINT t{m}_check_{n} CHECK (id > 0) NOT VALID;\n'
    'ALTER TABLE t{m} VALIDATE CONSTRAINT t{m}_check_{n};\n',
    'ALTER TABLE t{m} ADD CONSTRAINT t{m}_fk_{n} FOREIGN KEY (tenant_id) REFERENCES tenants (tenant_id);\n',
    "COMMENT ON TABLE t{m} IS 'migration {n}';\n",
]


def write_files(directory, count):
    os.makedirs(directory)
    for n in range(1, count + 1):
        kind = KINDS[0] if n % len(KINDS) == 1 else KINDS[n % len(KINDS)]
        m = ((n - 1) // len(KINDS)) * len(KINDS) + 1  # the table of this group of migrations
        with open(os.path.join(directory, '%05d_change_%d.sql' % (n, n)), 'w') as handle:
            handle.write('-- migration %d\n' % n + kind.format(n=n, m=m))


def squawk_alone(squawk, directory):
    files = sorted(os.path.join(directory, f) for f in os.listdir(directory))
    started = time.perf_counter()
    proc = subprocess.run([squawk, '--reporter', 'json'] + files, stdout=subprocess.PIPE, check=False)
    assert proc.returncode in (0, 1), proc.returncode
    return time.perf_counter() - started


def collection_lint(squawk, directory):
    """(seconds of the lint, seconds of the discovery every run makes anyway, kept, dropped)."""
    started = time.perf_counter()
    found = engine.discover(directory)
    discovered = time.perf_counter()
    kept, dropped = lint.lint(found, squawk, run=lintrun.run, runner_settings=dict(lock_timeout='10s', statement_timeout='15min'))
    return time.perf_counter() - discovered, discovered - started, len(kept), len(dropped)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--files', type=int, default=1000)
    parser.add_argument('--runs', type=int, default=9)
    parser.add_argument('--json', default=os.path.join(os.path.dirname(os.path.abspath(__file__)), 'results', 'lint.json'))
    args = arguments(parser, argv, smoke=dict(files=30, runs=1))
    squawk = lint.find_squawk()
    base = workdir()
    server = None
    try:
        directory = os.path.join(base, 'sql')
        write_files(directory, args.files)
        alone = [squawk_alone(squawk, directory) for dummy in range(args.runs)]
        ours = [collection_lint(squawk, directory) for dummy in range(args.runs)]
        kept, dropped = ours[0][2], ours[0][3]
        ratio = median(o[0] for o in ours) / median(alone)
        print_table('Lint of %d migration files (median of %d runs; %d findings kept, %d dropped as about new tables; '
                    'the discovery every run makes, lint or not: %.2f s)'
                    % (args.files, args.runs, kept, dropped, median(o[1] for o in ours)),
                    ('measure', 'ours', 'squawk alone', 'ratio', 'target'),
                    [('seconds (squawk + what the collection adds)', '%.2f' % median(o[0] for o in ours),
                      '%.2f' % median(alone), '%.2f' % ratio, '<= 1.5', ratio <= 1.5)])
        speed = [ratio <= 1.5]

        server = start_server(os.path.join(base, 'pg'))
        sql(server, 'postgres', 'CREATE DATABASE bench_lint')
        module = module_path('schema_apply')
        conn = psycopg2.connect(**server.dsn('bench_lint'))
        engine.run(conn, SQL_DIR)  # the schema, as the master built it; the module then runs as the migrator
        conn.close()
        connection = dict(connection_args(server, 'bench_lint'), **Database(server, 'bench_lint').migrator_login())
        times = {}
        for level in ('off', 'warn', 'off', 'warn') * ((args.runs + 1) // 2):  # interleaved
            elapsed, dummy, result = run_module(module, dict(connection, path=SQL_DIR, lint=level), base)
            assert not result['changed'] and result['lint'] == dict(findings=[], dropped=[])
            times.setdefault(level, []).append(elapsed)
        off, warn = median(times['off']), median(times['warn'])
        # the proof that nothing of the lint runs: a squawk that does not exist, at level error, is never looked for
        dummy, dummy, result = run_module(module, dict(connection, path=SQL_DIR, lint='error',
                                                       lint_squawk_path='/nonexistent/squawk'), base)
        assert not result['changed'], result
        print_table('schema_apply with nothing to do (median of %d runs each)' % len(times['off']),
                    ('measure', 'lint warn', 'lint off', 'ratio', 'target'),
                    [('seconds', '%.3f' % warn, '%.3f' % off, '%.2f' % (warn / off), '<= 1.10 (noise)', warn <= off * 1.10),
                     ('squawk processes started', '0', '0', '-', '0', True)])
        speed.append(warn <= off * 1.10)  # the checks are the asserts: nothing changed, no finding, squawk unused
        write_json(args.json, dict(files=args.files, squawk_alone=median(alone), collection_lint=median(o[0] for o in ours),
                                   discover=median(o[1] for o in ours),
                                   kept=kept, dropped=dropped, noop_off=off, noop_warn=warn))
        return verdict(args, speed)
    finally:
        if server is not None:
            server.destroy()
        shutil.rmtree(base, ignore_errors=True)


if __name__ == '__main__':
    sys.exit(main())
