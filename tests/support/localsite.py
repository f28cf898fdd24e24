# Copyright (c) 2026, ShopPulse platform team
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What `make site` runs against, in a directory of its own, for the tests and the benchmarks."""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile

from support import ROOT, free_port, localaws, localpg, moto_extension

# the dummy credentials `make site` gives the emulated AWS (the Makefile's site target)
CREDENTIALS = dict(AWS_ACCESS_KEY_ID='local', AWS_SECRET_ACCESS_KEY='local')


def aws(base):
    """The emulated AWS of the site in ``base`` (its port is in .local/aws, where inventories/local reads it)."""
    return localaws.LocalAws(os.path.join(base, '.local', 'aws'))


def endpoint_url(base):
    return aws(base).endpoint_url


@contextlib.contextmanager
def local_site(prefix, password=None, **aws_settings):
    """Yield (the directory, the PostgreSQL server); stop and remove everything afterwards.

    The directory holds a copy of inventories/local beside its .local, where a moto server and the local
    TLS server run, the server's certificate issued for the emulated proxy domain, as the Makefile does.
    password: the server's superuser password (generated when None); aws_settings: more of the moto server's
    environment (the settings moto_extension reads; "{pg_dir}" in a value stands for the server's directory).
    """
    base = tempfile.mkdtemp(prefix=prefix)
    os.chmod(base, 0o755)  # the postgres OS user must reach .local/postgres when run as root
    shutil.copytree(os.path.join(ROOT, 'inventories', 'local'), os.path.join(base, 'inventories', 'local'))
    pg_dir = os.path.join(base, '.local', 'postgres')
    if password is not None:
        os.makedirs(pg_dir)
        with open(os.open(os.path.join(pg_dir, 'password'), os.O_WRONLY | os.O_CREAT, 0o600), 'w') as handle:
            handle.write(password)
    server = localpg.LocalPostgres(pg_dir, port=free_port(),
                                   names=('*.' + moto_extension.proxy_domain('eu-west-1'),)).start()
    try:
        # the master secret the emulated RDS keeps holds the local server's password (moto_extension, 11)
        with localaws.emulated(os.path.join(base, '.local', 'aws'),
                               SHOPPULSE_MOTO_MASTER_PASSWORD_FILE=os.path.join(pg_dir, 'password'),
                               **dict((k, v.replace('{pg_dir}', pg_dir)) for k, v in aws_settings.items())):
            yield base, server
    finally:
        server.destroy()
        shutil.rmtree(base, ignore_errors=True)
