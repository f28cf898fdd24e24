# Copyright (c) 2026, ShopPulse platform team
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Drift recall: schema_verify against migra on the same single changes (issue 41).

  python benchmarks/drift_recall.py [--version 15] [--json benchmarks/results/drift_recall.json]

Starts its own PostgreSQL, builds a pristine ShopPulse database with the migrations as the RDS-like master, then
for each mutation of tests/support/mutations.py (the list the mutation test of make test uses) makes a fresh copy
(CREATE DATABASE ... TEMPLATE), changes it, and asks both tools:

- schema_verify's engine (read_inventory + compare with files/manifest.yml): it sees the change when it reports
  exactly the mutation's lines, the object and the property;
- migra (PyPI migra 3.0 with schemainspect, in .venv-migra, requirements/migra.txt), `migra --unsafe
  --with-privileges <pristine> <copy>`: it sees the change when it prints statements (exit status 2) that name the
  changed object or its table (any statement, for the database's own privileges and settings). migra compares
  two databases of one server, so the server's roles are the same on both sides.

Prints, by kind of change, how many each tool saw, and the changes migra saw that schema_verify did not (the
target: none) and the other way round.
"""

from __future__ import annotations

import argparse
import collections
import os
import re
import shutil
import subprocess
import sys
import uuid

import psycopg2

from common import ROOT, arguments, print_table, sql, start_server, verdict, workdir, write_json

from support.database import Database
from support.mutations import MUTATIONS

from ansible_collections.shoppulse.analytics.plugins.module_utils.schema import drift, engine, inventory

MIGRA = os.path.join(ROOT, '.venv-migra', 'bin', 'migra')
LINE = re.compile(r'^(?:missing|unexpected|different|invalid) .*? (?P<name>\S+)(?: \([^)]*\))?$')


def tokens(line):
    """What migra would print of the object a report line names, leniently: every part of the name
    ('orders.orders_keep' -> orders, orders_keep; 'update_updated_at_column()' -> update_updated_at_column); for the
    database's own privileges and settings, which have no name in a diff, None: any statement counts."""
    if ' database setting ' in line:
        return None
    name = LINE.match(line).group('name')
    return set(name.split('(')[0].split('.'))


def url(server, dbname):
    # SQLAlchemy 2.1 (under sqlbag) takes psycopg 3 for postgresql:// unless told: migra's environment has psycopg2
    return 'postgresql+psycopg2://%s:%s@localhost:%d/%s?sslmode=verify-full&sslrootcert=%s' % (
        server.master, server.password, server.port, dbname, server.ca_cert)


def migra_sees(server, pristine, copy, mutation):
    proc = subprocess.run([MIGRA, '--unsafe', '--with-privileges', url(server, pristine), url(server, copy)],
                          capture_output=True, text=True, check=False)
    if proc.returncode not in (0, 2):  # a tool that cannot run has no recall to measure: stop
        raise RuntimeError('migra failed on %r: %s' % (mutation.sql, proc.stderr.strip()[-500:]))
    wanted = [tokens(line) for line in mutation.expected]
    named = any(t is None or any('"%s"' % part in proc.stdout or part in proc.stdout for part in t) for t in wanted)
    return proc.returncode == 2 and named, proc.stdout.strip()[:300]


def verify_sees(database, manifest, mutation):
    conn = database.connect()
    try:
        lines = drift.report_lines(drift.compare(manifest, inventory.read_inventory(conn)))
    finally:
        conn.close()
    return sorted(lines) == sorted(mutation.expected), lines


def run_one(server, pristine, manifest, mutation):
    name = 'm_' + uuid.uuid4().hex[:10]
    sql(server, 'postgres', 'CREATE DATABASE %s TEMPLATE %s' % (name, pristine))
    copy = Database(server, name)
    run = copy.admin_execute if mutation.admin else copy.execute
    try:
        run(mutation.sql)
        ours = verify_sees(copy, manifest, mutation)
        theirs = migra_sees(server, pristine, name, mutation)
        return ours, theirs
    finally:
        if mutation.undo:
            run(mutation.undo)
        admin = psycopg2.connect(**server.admin_dsn())
        admin.autocommit = True
        with admin.cursor() as cur:
            cur.execute('DROP DATABASE %s WITH (FORCE)' % name)
        admin.close()


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n', maxsplit=1)[0])
    parser.add_argument('--version', type=int, default=None, help='PostgreSQL major (Debian\'s by default)')
    parser.add_argument('--json', default=os.path.join(ROOT, 'benchmarks', 'results', 'drift_recall.json'))
    parser.add_argument('--one-of-each-kind', action='store_true', help='the first change of each kind only')
    args = arguments(parser, argv, smoke=dict(one_of_each_kind=True))
    if not os.access(MIGRA, os.X_OK):
        print('%s is missing: make bench-venv installs it (requirements/migra.txt)' % MIGRA, file=sys.stderr)
        return 2
    manifest = drift.read_manifest(os.path.join(ROOT, 'files', 'manifest.yml'))
    base = workdir()
    server = start_server(os.path.join(base, 'pg'), version=args.version)
    try:
        sql(server, 'postgres', 'CREATE DATABASE pristine')
        conn = psycopg2.connect(**server.dsn('pristine'))
        engine.run(conn, os.path.join(ROOT, 'files', 'sql'))
        conn.close()
        by_kind = collections.OrderedDict()
        outcomes = []
        kinds = collections.OrderedDict((m.kind, m) for m in reversed(MUTATIONS))  # the first of each kind
        for mutation in list(reversed(kinds.values())) if args.one_of_each_kind else MUTATIONS:
            (ours, lines), (theirs, output) = run_one(server, 'pristine', manifest, mutation)
            seen = by_kind.setdefault(mutation.kind, [0, 0, 0])
            seen[0] += 1
            seen[1] += ours
            seen[2] += theirs
            outcomes.append(dict(kind=mutation.kind, sql=mutation.sql, schema_verify=ours, migra=theirs,
                                 reported=lines, migra_output=output))
        total = len(outcomes)
        ours_total = sum(o['schema_verify'] for o in outcomes)
        theirs_total = sum(o['migra'] for o in outcomes)
        only_migra = [o for o in outcomes if o['migra'] and not o['schema_verify']]
        only_ours = [o for o in outcomes if o['schema_verify'] and not o['migra']]
        rows = [(kind, '%d/%d' % (n[1], n[0]), '%d/%d' % (n[2], n[0]), '-', '-', None) for kind, n in by_kind.items()]
        rows += [
            ('recall, all %d changes' % total, '%.0f%%' % (100.0 * ours_total / total),
             '%.0f%%' % (100.0 * theirs_total / total), '-', '100%', ours_total == total),
            ('seen by migra, missed by schema_verify', len(only_migra), '-', '-', '0', not only_migra),
            ('seen by schema_verify, missed by migra', len(only_ours), '-', '-', '-', None),
        ]
        print_table('Drift recall on PostgreSQL %d: %d single changes to a pristine database, each on a fresh copy'
                    % (server.major(), total), ('kind of change', 'schema_verify', 'migra 3.0', 'ratio', 'target'), rows)
        for outcome in only_migra:
            print('migra saw, schema_verify did not: %s -> %s' % (outcome['sql'], outcome['reported']))
        write_json(args.json, dict(version=server.major(), outcomes=outcomes, schema_verify=ours_total,
                                   migra=theirs_total, total=total))
        return verdict(args, [], [r[5] for r in rows])
    finally:
        server.destroy()
        shutil.rmtree(base, ignore_errors=True)


if __name__ == '__main__':
    sys.exit(main())
