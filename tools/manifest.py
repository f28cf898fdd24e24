# Copyright (c) 2026, ShopPulse platform team
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Generate files/manifest.yml and docs/erd.md from a database built by the migrations (``make manifest``).

The manifest is the expected inventory that schema_verify checks, and docs/erd.md the schema's
entity-relationship diagram (tools/erd.py); generating both from the migrations keeps one source of
truth. ``--check`` exits 1 when either committed file no longer matches what the migrations build.
"""

from __future__ import annotations

import argparse
import difflib
import os
import sys
import tempfile

import yaml

import erd
from ansible_collections.shoppulse.analytics.plugins.module_utils.schema import engine, inventory
from ansible_collections.shoppulse.analytics.plugins.module_utils.schema import drift
from support import ROOT, localpg

HEADER = ('# Expected inventory of the ShopPulse schema, checked by shoppulse.analytics.schema_verify.\n'
          '# Generated from the migrations in files/sql by `make manifest` (tools/manifest.py):\n'
          '# do not edit by hand; add a migration and regenerate.\n')


class _Dumper(yaml.SafeDumper):
    """Indents block sequences under their key, as yamllint (and ansible-lint) expect."""

    def increase_indent(self, flow=False, indentless=False):
        return super().increase_indent(flow, False)


def build(sql_dir: str, server=None) -> tuple:
    """Apply the migrations to a fresh database; return the texts of the manifest and of the diagram."""
    import psycopg2
    own = server is None
    tmp = None
    if own:
        tmp = tempfile.mkdtemp(prefix='shoppulse-manifest-')
        os.chmod(tmp, 0o755)
        server = localpg.LocalPostgres(os.path.join(tmp, 'pg'), settings={'fsync': 'off'}).start()
    try:
        admin = psycopg2.connect(**server.dsn())
        admin.autocommit = True
        with admin.cursor() as cur:
            cur.execute('DROP DATABASE IF EXISTS shoppulse_manifest')
            cur.execute('CREATE DATABASE shoppulse_manifest')
        conn = psycopg2.connect(**server.dsn('shoppulse_manifest'))
        result = engine.run(conn, sql_dir)
        live = inventory.read_inventory(conn, 'public')
        conn.close()
        with admin.cursor() as cur:
            cur.execute('DROP DATABASE shoppulse_manifest')
        admin.close()
    finally:
        if own:
            server.destroy()
            os.rmdir(tmp)
    document = drift.manifest_from_inventory(live, migrations=result['current_version'])
    body = yaml.dump(document, Dumper=_Dumper, sort_keys=False, width=120, default_flow_style=False)
    return HEADER + body, erd.render(live)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n', maxsplit=1)[0])
    parser.add_argument('--sql', default=os.path.join(ROOT, 'files', 'sql'))
    parser.add_argument('--output', default=os.path.join(ROOT, 'files', 'manifest.yml'))
    parser.add_argument('--erd', default=os.path.join(ROOT, 'docs', 'erd.md'))
    parser.add_argument('--check', action='store_true', help='compare with --output and --erd instead of writing them')
    args = parser.parse_args(argv)
    manifest_text, erd_text = build(args.sql)
    status = 0
    for path, text in ((args.output, manifest_text), (args.erd, erd_text)):
        if args.check:
            with open(path) as handle:
                committed = handle.read()
            if committed != text:
                sys.stdout.writelines(difflib.unified_diff(committed.splitlines(True), text.splitlines(True),
                                                           path, 'generated from ' + args.sql))
                sys.stderr.write('%s is out of date: run `make manifest`\n' % path)
                status = 1
            else:
                print('%s matches the migrations' % path)
            continue
        with open(path, 'w') as handle:
            handle.write(text)
        print('wrote %s' % path)
    return status


if __name__ == '__main__':
    sys.exit(main())
