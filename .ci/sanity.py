# Copyright (c) 2026, ShopPulse platform team
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Run ``ansible-test sanity`` on the collection, offline but for the package index.

ansible-test must run from a tree whose path ends in
``ansible_collections/<namespace>/<name>``; this copies the files git knows
about into ``.cache/sanity/ansible_collections/shoppulse/analytics``, links the
collections it depends on (from the ``ansible`` package's site-packages) beside
it, and puts .ci/offline-get-pip.py where ansible-test looks for its cached
pip bootstrap script, so that no download from outside PyPI is attempted.

  python .ci/sanity.py [ansible-test sanity options, e.g. --test pylint]
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

import yaml

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
# a tree per virtualenv: the main one's under .cache/sanity, a matrix entry's (.venv-matrix/NAME) under
# .cache/sanity-NAME, so that `make sanity` and `make test-matrix` may run at the same time
VENV_NAME = os.path.basename(sys.prefix.rstrip(os.sep))
TREE = os.path.join(ROOT, '.cache', 'sanity' if os.path.realpath(sys.prefix) == os.path.realpath(os.path.join(ROOT, '.venv'))
                    else 'sanity-' + VENV_NAME, 'ansible_collections')
TARGET = os.path.join(TREE, 'shoppulse', 'analytics')
PYTHON_VERSION = '%d.%d' % sys.version_info[:2]


def site_collections() -> str:
    import ansible_collections.community.postgresql as cp  # noqa: F401  # pylint: disable=import-outside-toplevel
    return os.path.dirname(os.path.dirname(os.path.dirname(cp.__path__[0])))


def copy_tree() -> None:
    files = subprocess.run(['git', 'ls-files', '--cached', '--others', '--exclude-standard', '-z'], cwd=ROOT,
                           check=True, capture_output=True).stdout.decode().split('\0')
    shutil.rmtree(TARGET, ignore_errors=True)
    for name in filter(None, files):
        source = os.path.join(ROOT, name)
        if not os.path.isfile(source):
            continue  # deleted in the work tree
        destination = os.path.join(TARGET, name)
        os.makedirs(os.path.dirname(destination), exist_ok=True)
        shutil.copy2(source, destination)
    # ansible-test reads the file list from git when there is a .git: give it one of its own
    subprocess.run(['git', 'init', '-q'], cwd=TARGET, check=True)
    subprocess.run(['git', 'add', '-A'], cwd=TARGET, check=True)


def link_dependencies() -> None:
    source = os.path.join(site_collections(), 'ansible_collections')
    with open(os.path.join(ROOT, 'galaxy.yml')) as handle:
        dependencies = [name.replace('.', '/') for name in yaml.safe_load(handle)['dependencies']]
    for dependency in dependencies:
        link = os.path.join(TREE, dependency)
        os.makedirs(os.path.dirname(link), exist_ok=True)
        if not os.path.islink(link):
            os.symlink(os.path.join(source, dependency), link)


def offline_pip_bootstrap() -> None:
    from ansible_test._internal.python_requirements import get_venv_packages  # pylint: disable=import-outside-toplevel

    class Python:
        version = PYTHON_VERSION
    pip_version = get_venv_packages(Python)['pip']
    cache = os.path.expanduser('~/.ansible/test/cache/get_pip_%s.py' % pip_version.replace('.', '_'))
    os.makedirs(os.path.dirname(cache), exist_ok=True)
    shutil.copyfile(os.path.join(HERE, 'offline-get-pip.py'), cache)


def pyenv_bins() -> list[str]:
    """Real bin directories of pyenv's Pythons, so that compile and import run on every target Python.

    pyenv's shims need PYENV_VERSION, which ansible-test does not pass on; the
    interpreters themselves need nothing. Where there is no pyenv, ansible-test
    uses whatever Pythons PATH has.
    """
    root = os.environ.get('PYENV_ROOT', os.path.expanduser('~/.pyenv'))
    versions = os.path.join(root, 'versions')
    if not os.path.isdir(versions):
        return []
    return [os.path.join(versions, v, 'bin') for v in sorted(os.listdir(versions), reverse=True)
            if os.path.isdir(os.path.join(versions, v, 'bin'))]


def main(argv: list[str]) -> int:
    if not shutil.which('shellcheck'):
        # ansible-test would skip its shellcheck test with only a warning
        sys.stderr.write('sanity: shellcheck is missing (Debian: apt-get install shellcheck); .ci/run installs it\n')
        return 1
    copy_tree()
    link_dependencies()
    offline_pip_bootstrap()
    command = [os.path.join(os.path.dirname(sys.executable), 'ansible-test'), 'sanity', '--venv', '--color', 'no'] + argv
    env = dict(os.environ)
    env.pop('ANSIBLE_CONFIG', None)
    env['PATH'] = os.pathsep.join(pyenv_bins() + [env.get('PATH', os.defpath)])
    return subprocess.call(command, cwd=TARGET, env=env)


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
