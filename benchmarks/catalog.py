# Copyright (c) 2026, ShopPulse platform team
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""schema_verify on a large synthetic schema and schema_apply with nothing to do, side by side.

  python benchmarks/catalog.py [--tables 1000] [--runs 5] [--json benchmarks/results/catalog.json]

Starts its own PostgreSQL 15 with every statement logged (log_statement=all, the client's
application_name in each line), so the round trips of each module run are counted by the server.

1. schema_verify reads the inventory of a synthetic schema (--tables tables, each with 3 indexes,
   4 constraints and 1 trigger: 1,000 tables, 3,000 indexes and 1,000 triggers by default) and
   compares it with its manifest (given inline, as the schema role passes it, and as a JSON and a YAML
   file on the managed node); against community.postgresql.postgresql_query
   reading the same catalog (columns, indexes, constraints, triggers; no comparison). The number of
   statements is counted on the synthetic schema and on one of 10 tables: it must not grow.
   (community.postgresql.postgresql_info does not cover tables, indexes or triggers.)
2. schema_apply on a database that is up to date: its statements, and its wall time against
   `psql -c 'select 1'` over the same TLS connection.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import time

import psycopg2
import yaml

from common import (LOG_SETTINGS, ROOT, arguments, connection_args, median, module_path, print_table, run_module, run_psql,
                    sql, start_server, statements, verdict, workdir, write_json)

from support.database import Database

from ansible_collections.shoppulse.analytics.plugins.module_utils.schema import engine, inventory
from ansible_collections.shoppulse.analytics.plugins.module_utils.schema import drift

REFERENCE_QUERIES = [
    # what a user would write for postgresql_query to see the same objects
    "SELECT c.relname, a.attname, pg_catalog.format_type(a.atttypid, a.atttypmod) AS type, NOT a.attnotnull AS nullable,"
    " pg_catalog.pg_get_expr(d.adbin, d.adrelid) AS default FROM pg_catalog.pg_class c"
    " JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace JOIN pg_catalog.pg_attribute a ON a.attrelid = c.oid"
    " LEFT JOIN pg_catalog.pg_attrdef d ON d.adrelid = c.oid AND d.adnum = a.attnum"
    " WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') AND a.attnum > 0 AND NOT a.attisdropped",
    "SELECT tablename, indexname, indexdef FROM pg_catalog.pg_indexes WHERE schemaname = 'public'",
    "SELECT conrelid::regclass AS table_name, conname, contype, pg_catalog.pg_get_constraintdef(oid, true) AS definition"
    " FROM pg_catalog.pg_constraint WHERE connamespace = 'public'::regnamespace",
    "SELECT event_object_table, trigger_name, action_timing, event_manipulation, action_statement"
    " FROM information_schema.triggers WHERE trigger_schema = 'public'",
]


def synthetic_schema(server, dbname, tables):
    """``tables`` tables, each with 3 indexes (primary key, unique, plain), 4 constraints and a trigger."""
    sql(server, 'postgres', 'CREATE DATABASE %s' % dbname)
    statements_sql = ["CREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS "
                      "$$BEGIN NEW.updated_at := now(); RETURN NEW; END$$"]
    for n in range(1, tables + 1):
        name = 't%04d' % n
        statements_sql += [
            'CREATE TABLE %(t)s (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, tenant_id uuid NOT NULL,'
            ' name text NOT NULL, amount numeric(12, 2) NOT NULL DEFAULT 0, created_at timestamptz NOT NULL'
            ' DEFAULT now(), updated_at timestamptz NOT NULL DEFAULT now(), CONSTRAINT %(t)s_name_key UNIQUE'
            ' (tenant_id, name), CONSTRAINT %(t)s_name_check CHECK (length(name) > 0), CONSTRAINT'
            ' %(t)s_amount_check CHECK (amount >= 0))' % dict(t=name),
            'CREATE INDEX %(t)s_tenant_created_idx ON %(t)s (tenant_id, created_at)' % dict(t=name),
            'CREATE TRIGGER %(t)s_touch BEFORE UPDATE ON %(t)s FOR EACH ROW EXECUTE FUNCTION touch()' % dict(t=name),
        ]
    conn = psycopg2.connect(**server.dsn(dbname))
    with conn, conn.cursor() as cur:
        cur.execute(';\n'.join(statements_sql))
    conn.close()


def write_manifests(server, dbname, workdir):
    conn = psycopg2.connect(**server.dsn(dbname))
    manifest = drift.manifest_from_inventory(inventory.read_inventory(conn))
    conn.close()
    paths = dict(json=os.path.join(workdir, '%s.manifest.json' % dbname),
                 yaml=os.path.join(workdir, '%s.manifest.yml' % dbname))
    with open(paths['json'], 'w') as handle:
        json.dump(manifest, handle)
    with open(paths['yaml'], 'w') as handle:
        yaml.safe_dump(manifest, handle, sort_keys=False)
    return manifest, paths


def counted(server, workdir, label, path, args):
    """One module run under its own application_name; (seconds, result, statements it sent)."""
    app = 'bench-%s-%d' % (label, time.monotonic_ns())
    seconds, dummy, result = run_module(path, args, workdir, app=app)
    return seconds, result, statements(server, app)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n', maxsplit=1)[0])
    parser.add_argument('--tables', type=int, default=1000)
    parser.add_argument('--runs', type=int, default=5)
    parser.add_argument('--json', default=os.path.join(ROOT, 'benchmarks', 'results', 'catalog.json'))
    args = arguments(parser, argv, smoke=dict(tables=30, runs=1))

    base = workdir()
    server = start_server(os.path.join(base, 'pg'), settings=LOG_SETTINGS)
    try:
        started = time.perf_counter()
        synthetic_schema(server, 'synthetic', args.tables)
        synthetic_schema(server, 'small', 10)
        build_seconds = time.perf_counter() - started
        manifest, manifests = write_manifests(server, 'synthetic', base)
        dummy, small_manifests = write_manifests(server, 'small', base)
        size = inventory.summarize(manifest)
        verify = module_path('schema_verify')
        query = module_path('postgresql_query', 'community.postgresql')

        figures = dict(verify_inline=[], verify_json=[], verify_yaml=[], reference=[], apply=[], psql=[])
        counts = {}
        for dummy in range(args.runs):
            for fmt in ('inline', 'json', 'yaml'):
                # inline: the manifest in the module's arguments, as the schema role passes it
                given = dict(manifest=manifest) if fmt == 'inline' else dict(manifest_path=manifests[fmt])
                seconds, result, sent = counted(server, base, 'verify', verify, dict(
                    connection_args(server, 'synthetic'), **given))
                assert result['in_sync'] and not result['differences'], result['differences'][:5]
                figures['verify_' + fmt].append(seconds)
                counts['verify'] = sent
            seconds, result, sent = counted(server, base, 'query', query, dict(
                connection_args(server, 'synthetic'), query=REFERENCE_QUERIES))
            figures['reference'].append(seconds)
            counts['reference'] = sent
            reference_rows = [len(rows) for rows in result['query_all_results']]
        dummy, dummy, counts['verify_small'] = counted(server, base, 'verify', verify, dict(
            connection_args(server, 'small'), manifest_path=small_manifests['json']))
        dummy, dummy, counts['reference_small'] = counted(server, base, 'query', query, dict(
            connection_args(server, 'small'), query=REFERENCE_QUERIES))

        sql(server, 'postgres', 'CREATE DATABASE up_to_date')
        conn = psycopg2.connect(**server.dsn('up_to_date'))
        engine.run(conn, os.path.join(ROOT, 'files', 'sql'))
        conn.close()
        # the module refuses the master (it runs code the migrator can change): it logs in as the migrator
        migrator = Database(server, 'up_to_date').migrator_login()
        for dummy in range(args.runs):
            seconds, result, sent = counted(server, base, 'apply', module_path('schema_apply'), dict(
                connection_args(server, 'up_to_date'), path=os.path.join(ROOT, 'files', 'sql'), **migrator))
            assert not result['changed'], result
            figures['apply'].append(seconds)
            counts['apply'] = sent
            figures['psql'].append(run_psql(server, 'up_to_date', '-t', '-c', 'select 1'))

        med = dict((k, median(v)) for k, v in figures.items())
        verify_rows = [
            ('schema_verify, manifest inline (as the role), s', '%.2f' % med['verify_inline'], '%.2f' % med['reference'],
             '%.2f' % (med['verify_inline'] / med['reference']), '< 2 s', med['verify_inline'] < 2),
            ('schema_verify, manifest_path JSON, s', '%.2f' % med['verify_json'], '%.2f' % med['reference'],
             '%.2f' % (med['verify_json'] / med['reference']), '< 2 s', med['verify_json'] < 2),
            ('schema_verify, manifest_path YAML, s', '%.2f' % med['verify_yaml'], '%.2f' % med['reference'],
             '%.2f' % (med['verify_yaml'] / med['reference']), '-', None),
            ('statements, %d tables' % args.tables, len(counts['verify']), len(counts['reference']), '-',
             'constant', len(counts['verify']) == len(counts['verify_small'])),
            ('statements, 10 tables', len(counts['verify_small']), len(counts['reference_small']), '-', '-', None),
        ]
        print_table('schema_verify vs community.postgresql.postgresql_query: %(tables)d tables, %(indexes)d indexes, '
                    '%(constraints)d constraints, %(triggers)d triggers; median of %(runs)d runs'
                    % dict(size, runs=args.runs),
                    ('measure', 'schema_verify', 'postgresql_query', 'ratio', 'target'), verify_rows)
        apply_rows = [
            ('wall time, s', '%.3f' % med['apply'], '%.3f' % med['psql'], '%.1f' % (med['apply'] / med['psql']),
             '-', None),
            # community.postgresql's datestyle, the session's search_path, the login check, the ledger read: no lock
            ('round trips (statements)', len(counts['apply']), 1, '-', '<= 4', len(counts['apply']) <= 4),
        ]
        print_table('schema_apply with nothing to do vs psql -c "select 1"; median of %d runs' % args.runs,
                    ('measure', 'schema_apply', 'psql', 'ratio', 'target'), apply_rows)
        for label in ('verify', 'apply'):
            print('%s sends: %s' % (label, '; '.join(s[:70] for s in counts[label])))
        write_json(args.json, dict(
            synthetic=size, build_seconds=build_seconds, runs=args.runs, seconds=figures, medians=med,
            statements=counts, reference_rows=reference_rows,
            met=all(r[5] is not False for r in verify_rows + apply_rows)))
        # the seconds are speed targets; the statement counts, checks
        return verdict(args, [r[5] for r in verify_rows[:3]], [r[5] for r in verify_rows[3:] + apply_rows])
    finally:
        server.destroy()
        shutil.rmtree(base, ignore_errors=True)


if __name__ == '__main__':
    sys.exit(main())
