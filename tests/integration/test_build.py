# Copyright (c) 2026, ShopPulse platform team
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The collection as Galaxy gets it: `ansible-galaxy collection build`, its file list, and the built
tarball installed into an empty collections path (conftest's ``tarball`` and ``installed``, which
test_secret_hygiene's canary run of site.yml uses: both files run on one worker, in the group build)."""

import json
import os
import re
import subprocess
import sys
import tarfile

import pytest

import yaml

from support import BIN, ROOT

# one worker builds and installs the tarball once for this file and test_secret_hygiene (pytest-xdist's loadgroup)
pytestmark = pytest.mark.xdist_group('build')

# what must never be in the tarball: virtualenvs, caches, test output, local servers' state, keys
FORBIDDEN_PARTS = re.compile(r'(^|/)(\.venv[^/]*|\.cache|\.local|\.git|\.pytest_cache|__pycache__|\.ansible|'
                             r'outputs|build|results|tests/output)(/|$)')
PEM_PRIVATE_KEY = re.compile(rb'-----BEGIN [A-Z ]*PRIVATE KEY-----')
FORBIDDEN_NAMES = re.compile(r'(\.pyc|\.key|\.crt|\.tar\.gz|\.log|(^|/)password|(^|/)id_[a-z0-9]+)$')


def test_the_tarball_holds_the_collection_and_nothing_of_a_working_tree(tarball):
    with tarfile.open(tarball) as tar:
        members = tar.getmembers()
        names = [m.name for m in members]
        files = dict((m.name, tar.extractfile(m).read()) for m in members if m.isfile())
    for required in ('MANIFEST.json', 'FILES.json', 'README.md', 'LICENSE', 'meta/runtime.yml', 'site.yml',
                     'changelogs/changelog.yaml', 'plugins/modules/schema_apply.py', 'roles/schema/meta/argument_specs.yml',
                     'files/manifest.yml', 'files/rds-ca-bundle.pem', 'docs/erd.md', 'inventories/local/hosts.yml'):
        assert required in names, required
    assert [n for n in names if FORBIDDEN_PARTS.search(n)] == []
    assert [n for n in names if FORBIDDEN_NAMES.search(n)] == []
    assert [n for n in names if n.startswith(('collections/ansible_collections', 'playbooks/collections'))] == []
    assert [m.name for m in members if m.issym() or m.islnk()] == []
    assert [n for n, data in files.items() if PEM_PRIVATE_KEY.search(data)] == []
    assert max(len(data) for data in files.values()) < 2 * 1024 * 1024  # Galaxy's importer refuses large files
    manifest = json.loads(files['MANIFEST.json'])
    with open(os.path.join(ROOT, 'galaxy.yml')) as handle:
        assert manifest['collection_info']['dependencies'] == yaml.safe_load(handle)['dependencies']
    assert set(manifest['collection_info']['dependencies']) == {'amazon.aws', 'community.postgresql'}


# galaxy-importer runs ansible-lint with a fixed 180 s timeout (loaders/collection.py), which a busy machine
# exceeded ("ERROR: Timeout on call to ansible-lint"): the importer runs without it, and the test runs the
# same command, on the same files, with a time the project sets.
IMPORTER_LINT = ['ansible-lint', '--profile', 'production', '--exclude', 'tests/integration/', '--exclude', 'tests/unit/',
                 '--format=pep8', '--nocolor', '-x',
                 'yaml,var-naming,avoid-dot-notation,import-task-no-when,single-entry-point,use-loop', '--offline']
IMPORTER_LINT_TIMEOUT = 1200


@pytest.mark.long
def test_galaxy_importer_accepts_the_tarball_with_no_warning(tarball, installed, tmp_path):
    """Galaxy's own importer (ansible-doc on every module and role, the changelog, file checks), and its
    ansible-lint run."""
    env = dict((k, v) for k, v in os.environ.items() if not k.startswith(('ANSIBLE_', 'GALAXY_IMPORTER_')))
    env['PATH'] = os.pathsep.join([BIN, env.get('PATH', '')])
    proc = subprocess.run([sys.executable, '-m', 'galaxy_importer.main', tarball], cwd=str(tmp_path),
                          env=dict(env, GALAXY_IMPORTER_RUN_ANSIBLE_LINT='false'), capture_output=True, text=True, check=False)
    output = proc.stdout + proc.stderr
    assert proc.returncode == 0 and 'Importer processing completed successfully' in output, output[-4000:]
    assert [line for line in output.splitlines() if line.startswith(('WARNING', 'ERROR'))] == [], output[-4000:]
    for content in ('module schema_apply', 'module seed_load', 'module schema_verify', 'role schema', 'role secret',
                    'playbook database.yml'):
        assert 'Loading %s' % content in output, output[-4000:]
    assert 'Linting collection via ansible-lint' not in output  # it ran here instead:
    lint = subprocess.run([os.path.join(BIN, IMPORTER_LINT[0])] + IMPORTER_LINT[1:], cwd=installed['path'],
                          env=dict(env, ANSIBLE_COLLECTIONS_PATH=os.path.dirname(installed['collections']),
                                   ANSIBLE_LOCAL_TEMP=str(tmp_path / 'lint'), XDG_CACHE_HOME=str(tmp_path / 'lint')),
                          capture_output=True, text=True, check=False, timeout=IMPORTER_LINT_TIMEOUT)
    assert lint.returncode == 0 and lint.stdout.strip() == '', lint.stdout[-4000:] + lint.stderr[-2000:]


def test_the_installed_tarball_is_the_only_shoppulse_analytics_ansible_finds(installed):
    """The tarball installed into an empty collections path; test_secret_hygiene runs site.yml from there."""
    listed = subprocess.run([os.path.join(BIN, 'ansible-galaxy'), 'collection', 'list', 'shoppulse.analytics',
                             '--format', 'json'], cwd=installed['cwd'], env=installed['env'], capture_output=True,
                            text=True, check=False)
    # no ansible.cfg there, and the checkout's collections/ link is neither on the path nor in the tarball
    assert list(json.loads(listed.stdout)) == [installed['collections']], listed.stdout
    assert os.path.isfile(os.path.join(installed['path'], 'site.yml'))
