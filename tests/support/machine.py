# Copyright (c) 2026, ShopPulse platform team
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What `make site` and `make test` take from the machine they run on, within what the collection supports.

Run by the Makefile and tests/support/system-packages.sh before any virtualenv exists, so: the standard
library only, on any Python 3.

  python3 tests/support/machine.py python        the controller Python: the machine's python3 when it is a
                                                 supported one, else the newest supported pythonX.Y on PATH
  python3 tests/support/machine.py python 3.13   that version of Python (pyenv's newest patch release, else
                                                 python3.13 on PATH), or nothing
  python3 tests/support/machine.py postgresql    the major version of Debian's PostgreSQL on this machine
                                                 (Debian 12: 15, Debian 13: 17), which `make site` serves from

The collection's own supported ranges live where their tools read them: ansible-core's lower bound in
meta/runtime.yml, the collections' in galaxy.yml, the newest `ansible` each Python allows in
requirements/run.txt (environment markers), PostgreSQL's in module_utils/pgcompat.py. The Pythons are here.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

# the controller Pythons the collection supports, oldest first (ansible 12 runs on 3.11 to 3.13; 13 and 14,
# ansible-core 2.20 and 2.21, on 3.12 and 3.13)
SUPPORTED_PYTHONS = ('3.11', '3.12', '3.13')
# the PostgreSQL major each Debian release ships (its `postgresql` package), by VERSION_CODENAME
DEBIAN_POSTGRESQL = {'bookworm': 15, 'trixie': 17}
DEFAULT_POSTGRESQL = 15
DEBIAN_BINDIR = '/usr/lib/postgresql/%d/bin'
PYENV = os.environ.get('PYENV_ROOT', os.path.expanduser('~/.pyenv'))


def version_of(python: str) -> str | None:
    """'3.11' for a Python that runs, else None (a pyenv shim of a version not selected does not)."""
    try:
        proc = subprocess.run([python, '-c', 'import sys; print("%d.%d" % sys.version_info[:2])'],
                              capture_output=True, text=True, timeout=30, check=False)
    except OSError:
        return None
    return proc.stdout.strip() if proc.returncode == 0 else None


def _numbers(version: str) -> list[int]:
    return [int(part) for part in version.split('.') if part.isdigit()]


def python_of(version: str) -> str | None:
    """A Python of that version: pyenv's newest patch release of it, else pythonX.Y on PATH; None if none runs."""
    versions = os.path.join(PYENV, 'versions')
    if os.path.isdir(versions):
        found = sorted((v for v in os.listdir(versions) if v.startswith(version + '.')), key=_numbers)
        for candidate in reversed(found):
            path = os.path.join(versions, candidate, 'bin', 'python' + version)
            if version_of(path) == version:
                return path
    path = shutil.which('python' + version)
    return path if path and version_of(path) == version else None


def controller_python() -> str:
    """The machine's python3 when it is supported, else the newest supported Python it has."""
    default = shutil.which('python3')
    if default and version_of(default) in SUPPORTED_PYTHONS:
        return default
    for version in reversed(SUPPORTED_PYTHONS):
        path = python_of(version)
        if path:
            return path
    raise SystemExit('no supported Python (%s) on this machine: apt-get install python3' % ', '.join(SUPPORTED_PYTHONS))


def os_release() -> dict:
    try:
        with open('/etc/os-release') as handle:
            pairs = (line.rstrip('\n').split('=', 1) for line in handle if '=' in line)
            return dict((key, value.strip('"')) for key, value in pairs)
    except OSError:
        return {}


def debian_postgresql() -> int:
    """The PostgreSQL major Debian ships on this machine (15 where the release is not known)."""
    return DEBIAN_POSTGRESQL.get(os_release().get('VERSION_CODENAME', ''), DEFAULT_POSTGRESQL)


def main(argv: list[str]) -> int:
    if argv[:1] == ['python'] and len(argv) == 1:
        print(controller_python())
    elif argv[:1] == ['python'] and len(argv) == 2:
        print(python_of(argv[1]) or '')
    elif argv == ['postgresql']:
        print(debian_postgresql())
    else:
        print(__doc__, file=sys.stderr)
        return 2
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
