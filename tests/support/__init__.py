# Copyright (c) 2026, ShopPulse platform team
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What the tests, the benchmarks and `make site` run against, and how the tests run playbooks.

  localpg         a local TLS PostgreSQL server set up as RDS sets one up (binaries: pgbin)
  localaws        the emulated AWS: a moto server on 127.0.0.1 (corrections: moto_extension)
  localsite       both, as `make site` starts them, in a directory of their own
  playbook        the one way the tests run ansible-playbook and read its results
  strategy        the Ansible strategy `make site` and the tests use
  tenancy         the application's queries under row-level security, and synthetic tenants
  system-packages.sh  the Debian packages `make site` and `make test` need

Importable as ``support`` with ``collections`` (the checkout as ``ansible_collections.shoppulse.analytics``)
and ``tests`` on the path: pytest.ini says so for the tests, the Makefile (``PY``) for the commands
it runs. Nothing puts them on Ansible's own path: a playbook the tests run finds the collection
only where ansible.cfg says.
"""

import os
import socket
import sys

SUPPORT = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(SUPPORT))
SQL_DIR = os.path.join(ROOT, 'files', 'sql')
SEED_DIR = os.path.join(ROOT, 'files', 'seed')
# the version of the newest migration the collection ships
LATEST = max(int(name.split('_', 1)[0]) for name in os.listdir(SQL_DIR) if name.endswith('.sql'))
# the virtualenv's commands (ansible-playbook, ansible-galaxy, ...)
BIN = os.path.dirname(sys.executable)
# for a Python process started to run a module of this package (python -m support.X)
PYTHONPATH = os.pathsep.join([os.path.join(ROOT, 'collections'), os.path.dirname(SUPPORT)])


def free_port():
    """A TCP port on 127.0.0.1 that nothing listens on now (never one of `make site`'s)."""
    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        return sock.getsockname()[1]


def module_command(module, *args, env=None):
    """The command and environment (``env``, else this process's) that run ``support.<module>`` in a new Python."""
    return [sys.executable, '-m', 'support.' + module] + [str(a) for a in args], dict(env or os.environ, PYTHONPATH=PYTHONPATH)
