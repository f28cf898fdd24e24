# Copyright (c) 2026, ShopPulse platform team
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What `make site` runs against, in a directory of its own, for the tests and the benchmarks."""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile

import localaws
import localpg
import moto_extension

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


@contextlib.contextmanager
def local_site(prefix, password=None):
    """Yield (the directory, the PostgreSQL server); stop and remove everything afterwards.

    The directory holds a copy of inventories/local beside its .local, where a moto server and the local
    TLS server run, the server's certificate issued for the emulated proxy domain, as the Makefile does.
    password: the server's superuser password (generated when None).
    """
    base = tempfile.mkdtemp(prefix=prefix)
    os.chmod(base, 0o755)  # the postgres OS user must reach .local/postgres when run as root
    shutil.copytree(os.path.join(ROOT, 'inventories', 'local'), os.path.join(base, 'inventories', 'local'))
    pg_dir = os.path.join(base, '.local', 'postgres')
    if password is not None:
        os.makedirs(pg_dir)
        with open(os.open(os.path.join(pg_dir, 'password'), os.O_WRONLY | os.O_CREAT, 0o600), 'w') as handle:
            handle.write(password)
    aws = localaws.LocalAws(os.path.join(base, '.local', 'aws'), port=localpg.free_port()).start()
    server = localpg.LocalPostgres(pg_dir, port=localpg.free_port(),
                                   names=('*.' + moto_extension.proxy_domain('eu-west-1'),)).start()
    try:
        yield base, server
    finally:
        aws.stop()
        server.destroy()
        shutil.rmtree(base, ignore_errors=True)
