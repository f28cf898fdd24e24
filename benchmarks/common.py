# Copyright (c) 2026, ShopPulse platform team
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What the benchmarks share: their arguments, a server, a module run as Ansible runs it, statement counts, the
table, the verdict."""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

from support import ROOT, free_port, localpg

OWN_MODULES = os.path.join(ROOT, 'plugins', 'modules')
# every statement in the server log, with the client's application_name, to count round trips
LOG_SETTINGS = {'log_statement': "'all'", 'log_line_prefix': "'%m [%p] app=%a '"}


def arguments(parser: argparse.ArgumentParser, argv, smoke: dict) -> argparse.Namespace:
    """The benchmark's arguments, with --smoke: once, at the small size ``smoke`` gives (its arguments' values then).
    make test runs every benchmark so (tests/integration/test_benchmarks.py), so that none breaks unseen; a smoke
    run asserts what the benchmark checks, and prints its figures without judging them against the speed targets,
    which a small size says nothing of."""
    parser.add_argument('--smoke', action='store_true',
                        help='once, at a small size: it runs and its checks hold (speed targets not judged)')
    args = parser.parse_args(argv)
    if args.smoke:
        for name, value in smoke.items():
            setattr(args, name, value)
    return args


def verdict(args: argparse.Namespace, speed, checks=()) -> int:
    """The exit status: 1 when a check fails, or a speed target is missed outside a smoke run; else 0.
    speed, checks: the rows' "met" values (None: no target)."""
    failed = [met for met in checks if met is False] + ([] if args.smoke else [met for met in speed if met is False])
    if args.smoke:
        print('smoke run (--smoke): the checks judged, not the speed targets')
    return 1 if failed else 0


def workdir():
    """A directory of the benchmark's own that the postgres OS user can reach (the tests run as root)."""
    base = tempfile.mkdtemp(prefix='shoppulse-bench-')
    os.chmod(base, 0o755)
    return base


def start_server(directory, settings=None, version=None):
    """A server of the benchmark's own on a free port (PostgreSQL ``version``, Debian's 15 by default)."""
    server = localpg.LocalPostgres(directory, port=free_port(), settings=settings, version=version)
    return server.start()


def run_psql(server, dbname, *args, login=None):
    """Seconds that one psql run takes over the same TLS connection (verify-full) as the modules; login: the
    login_user and login_password of another role than the master (as a module's options give them)."""
    env = server.client_env(PGAPPNAME='bench-psql')
    if login:
        env.update(PGUSER=login['login_user'], PGPASSWORD=login['login_password'])
    started = time.perf_counter()
    subprocess.run(['psql', '-X', '-q', '-h', 'localhost', '-p', str(server.port), '-U', env['PGUSER'], '-d', dbname,
                    '-v', 'ON_ERROR_STOP=1'] + list(args), env=env, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - started


def module_path(name, collection='shoppulse.analytics'):
    """The file of a module: ours from the tree, others from the installed ansible_collections."""
    if collection == 'shoppulse.analytics':
        return os.path.join(OWN_MODULES, name + '.py')
    import importlib  # pylint: disable=import-outside-toplevel

    namespace, dummy, coll = collection.partition('.')
    package = importlib.import_module('ansible_collections.%s.%s.plugins.modules.%s' % (namespace, coll, name))
    return package.__file__


def connection_args(server, dbname):
    return dict(login_host='localhost', login_port=server.port, login_user=server.master,
                login_password=server.password, login_db=dbname, ssl_mode='verify-full', ca_cert=server.ca_cert)


def run_module(path, args, workdir, app=None):
    """Run one module file as Ansible does (a Python process reading its arguments from a file).

    Returns (wall seconds, peak resident MiB of the process, the parsed result). ``app`` becomes the
    connection's application_name (PGAPPNAME), so its statements can be picked out of the server log.
    """
    args_file = os.path.join(workdir, 'args.json')
    with open(args_file, 'w') as handle:
        json.dump({'ANSIBLE_MODULE_ARGS': args}, handle)
    env = dict(os.environ, PYTHONPATH=os.path.join(ROOT, 'collections'))
    if app:
        env['PGAPPNAME'] = app
    out_path = os.path.join(workdir, 'module.out')
    with open(out_path, 'wb') as out:
        started = time.perf_counter()
        pid = subprocess.Popen([sys.executable, path, args_file], stdout=out, stderr=subprocess.STDOUT, env=env).pid
        dummy, status, usage = os.wait4(pid, 0)
        elapsed = time.perf_counter() - started
    with open(out_path) as handle:
        text = handle.read()
    try:
        result = json.loads(text[text.index('{'):])
    except ValueError:
        result = {'failed': True, 'msg': text[-2000:]}
    if status != 0 or result.get('failed'):
        raise RuntimeError('%s failed: %s' % (os.path.basename(path), result.get('msg', text[-2000:])))
    return elapsed, usage.ru_maxrss / 1024.0, result


def sql(server, dbname, statement):
    """Run one statement in autocommit (CREATE DATABASE, TRUNCATE)."""
    import psycopg2  # pylint: disable=import-outside-toplevel

    conn = psycopg2.connect(**server.dsn(dbname))
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute(statement)
    conn.close()


def statements(server, app):
    """The statements the server logged for connections named ``app``, in order."""
    marker = ' app=%s ' % app
    found = []
    with open(server.log, errors='replace') as handle:
        for line in handle:
            if line.startswith('\t') and found and found[-1][1]:
                found[-1][0].append(line.strip())  # the next line of a statement
            elif marker in line and ('LOG:  statement: ' in line or 'LOG:  execute ' in line):
                found.append(([line.split('LOG:  ', 1)[1].strip()], True))
            elif found:
                found[-1] = (found[-1][0], False)
    return [' '.join(part for part in lines if part) for lines, dummy in found]


def median(values):
    return statistics.median(values)


def print_table(title, header, rows):
    """rows: (measure, ours, reference, ratio, target, met or None)."""
    print(title)
    cells = [list(header) + ['met']]
    cells += [[str(c) for c in row[:5]] + ['-' if row[5] is None else 'yes' if row[5] else 'NO'] for row in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(6)]
    for row in cells:
        print('  '.join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(row, widths))))
    print()


def write_json(path, data):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, 'w') as handle:
        json.dump(data, handle, indent=2)
