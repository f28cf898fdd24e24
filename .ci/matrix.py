# Copyright (c) 2026, ShopPulse platform team
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Sanity and unit tests on the oldest ansible-core the collection supports and on the newest release.

  python .ci/matrix.py                 # every entry of MATRIX (make test-matrix)
  python .ci/matrix.py oldest          # one entry

The oldest entry gets a virtualenv of its own under .venv-matrix/ (its Python, its ansible-core, and
requirements/matrix.txt); the collections this one depends on (galaxy.yml) are the main virtualenv's
copies (the `ansible` package's), put on that virtualenv's path with a .pth file. The newest entry is the
Makefile's .venv-newest: the newest `ansible` package on Python 3.13, with its own collections (amazon.aws
11), as a user who installs it today has them. Then .ci/sanity.py (ansible-test sanity of that
ansible-core) and the unit tests run in it.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import time

import yaml

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(ROOT, 'tests', 'support'))
from machine import python_of  # noqa: E402  # pylint: disable=wrong-import-position

# meta/runtime.yml's requires_ansible is >=2.17.0: its newest patch release is the oldest supported;
# the newest is the Makefile's .venv-newest (requirements/newest.txt: ansible 14, ansible-core 2.21).
MATRIX = {
    'oldest': dict(python='3.11', core='2.17.14'),
    'newest': dict(venv=os.path.join(ROOT, '.venv-newest')),
}


def dependencies():
    """The collections galaxy.yml names, as paths under ansible_collections/ (amazon/aws, ...)."""
    with open(os.path.join(ROOT, 'galaxy.yml')) as handle:
        return [name.replace('.', '/') for name in yaml.safe_load(handle)['dependencies']]


def interpreter(version):
    """A Python of that version (tests/support/machine.py)."""
    path = python_of(version)
    if not path:
        raise SystemExit('matrix: no Python %s (pyenv install %s, or put python%s on PATH)' % (version, version, version))
    return path


def main_collections():
    """The directory holding ansible_collections/ of the main virtualenv (the `ansible` package)."""
    import ansible_collections.community.postgresql as cp  # noqa: F401  # pylint: disable=import-outside-toplevel
    return os.path.dirname(os.path.dirname(os.path.dirname(cp.__path__[0])))


def prepare(name, python, core):
    venv = os.path.join(ROOT, '.venv-matrix', name)
    requirements = os.path.join(ROOT, 'requirements', 'matrix.txt')
    with open(requirements, 'rb') as handle:  # a new requirement makes the virtualenv anew
        listed = hashlib.sha256(handle.read()).hexdigest()[:12]
    stamp = os.path.join(venv, '.installed-ansible-core-%s-%s' % (core, listed))
    if not os.path.exists(stamp):
        shutil.rmtree(venv, ignore_errors=True)
        subprocess.run([interpreter(python), '-m', 'venv', venv], check=True)
        subprocess.run([os.path.join(venv, 'bin', 'python'), '-m', 'pip', 'install', '-q', '--disable-pip-version-check',
                        'ansible-core==' + core, '-r', requirements], check=True)
        open(stamp, 'w').close()
    # the dependencies, and nothing else of the main virtualenv, on the matrix virtualenv's path
    collections = os.path.join(ROOT, '.cache', 'matrix-collections')
    for dependency in dependencies():
        link = os.path.join(collections, 'ansible_collections', dependency)
        os.makedirs(os.path.dirname(link), exist_ok=True)
        if not os.path.islink(link):
            os.symlink(os.path.join(main_collections(), 'ansible_collections', dependency), link)
    site = subprocess.run([os.path.join(venv, 'bin', 'python'), '-c', 'import sysconfig; print(sysconfig.get_paths()["purelib"])'],
                          check=True, capture_output=True, text=True).stdout.strip()
    with open(os.path.join(site, 'shoppulse-matrix-collections.pth'), 'w') as handle:
        handle.write(collections + '\n')
    return venv


def run(name):
    entry = MATRIX[name]
    venv = entry.get('venv') or prepare(name, entry['python'], entry['core'])
    if not os.path.exists(os.path.join(venv, 'bin', 'python')):
        raise SystemExit('matrix: %s is missing (make test-venv makes it)' % venv)
    python = os.path.join(venv, 'bin', 'python')
    version = subprocess.run([python, '-c', 'import ansible, sys; print(ansible.__version__, sys.version.split()[0])'],
                             check=True, capture_output=True, text=True).stdout.split()
    print('== %s: ansible-core %s on Python %s' % (name, version[0], version[1]), flush=True)
    env = dict(os.environ)
    env.pop('ANSIBLE_CONFIG', None)
    results = []
    for what, command in (('sanity', [python, os.path.join(HERE, 'sanity.py')]),
                          ('units', [python, '-m', 'pytest', '-q', '-p', 'no:cacheprovider', 'tests/unit'])):
        started = time.monotonic()
        status = subprocess.call(command, cwd=ROOT, env=env)
        results.append((what, status, time.monotonic() - started))
        print('== %s %s: %s in %.0f s' % (name, what, 'passed' if status == 0 else 'FAILED', results[-1][2]), flush=True)
    return results


def main(argv):
    names = argv or list(MATRIX)
    unknown = [n for n in names if n not in MATRIX]
    if unknown:
        raise SystemExit('matrix: unknown entries %s (known: %s)' % (', '.join(unknown), ', '.join(MATRIX)))
    failed = []
    for name in names:
        failed += ['%s %s' % (name, what) for what, status, dummy in run(name) if status]
    if failed:
        print('matrix: failed: %s' % ', '.join(failed))
        return 1
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
