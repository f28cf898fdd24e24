# Copyright (c) 2026, ShopPulse platform team
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The collection as Galaxy gets it: `ansible-galaxy collection build`, its file list, and the built
tarball installed into an empty collections path, running `make site`'s playbooks from there."""

import json
import os
import re
import subprocess
import sys
import tarfile

import pytest

# one worker builds the tarball once for every test of this file (pytest-xdist's loadgroup)
pytestmark = pytest.mark.xdist_group('build')
import yaml

import localsite
from conftest import LATEST, ROOT

BIN = os.path.dirname(sys.executable)
# what must never be in the tarball: virtualenvs, caches, test output, local servers' state, keys
FORBIDDEN_PARTS = re.compile(r'(^|/)(\.venv[^/]*|\.cache|\.local|\.git|\.pytest_cache|__pycache__|\.ansible|'
                             r'outputs|build|results|tests/output)(/|$)')
PEM_PRIVATE_KEY = re.compile(rb'-----BEGIN [A-Z ]*PRIVATE KEY-----')
FORBIDDEN_NAMES = re.compile(r'(\.pyc|\.key|\.crt|\.tar\.gz|\.log|(^|/)password|(^|/)id_[a-z0-9]+)$')


@pytest.fixture(scope='module')
def tarball(tmp_path_factory):
    out = tmp_path_factory.mktemp('build')
    with open(os.path.join(ROOT, 'galaxy.yml')) as handle:
        galaxy = yaml.safe_load(handle)
    # the state a developer's tree has: local servers, test output, a virtualenv, outputs, a key
    # (named after this process: parallel workers each build, none removes another's)
    tag = os.getpid()
    planted = [os.path.join(ROOT, '.local', 'planted-by-test_build-%d' % tag),
               os.path.join(ROOT, 'outputs', 'planted-%d.yml' % tag),
               os.path.join(ROOT, 'tests', 'output', 'planted-%d.xml' % tag),
               os.path.join(ROOT, 'benchmarks', 'results', 'x-%d.json' % tag)]
    for path in planted:
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, 'w') as handle:
            handle.write('planted\n')
    try:
        proc = subprocess.run([os.path.join(BIN, 'ansible-galaxy'), 'collection', 'build', '--output-path', str(out), ROOT],
                              capture_output=True, text=True, check=False)
    finally:
        for path in planted:
            os.unlink(path)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    path = out / ('%s-%s-%s.tar.gz' % (galaxy['namespace'], galaxy['name'], galaxy['version']))
    assert path.exists(), proc.stdout
    return str(path)


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
    assert manifest['collection_info']['dependencies'] == {
        'amazon.aws': '>=10.1.0,<11.0.0', 'community.aws': '>=10.0.0,<11.0.0', 'community.postgresql': '>=4.1.0,<5.0.0'}


@pytest.mark.long
def test_galaxy_importer_accepts_the_tarball_with_no_warning(tarball, tmp_path):
    """Galaxy's own importer (ansible-doc on every module and role, ansible-lint, the changelog, file checks)."""
    env = dict((k, v) for k, v in os.environ.items() if not k.startswith(('ANSIBLE_', 'GALAXY_IMPORTER_')))
    env['PATH'] = os.pathsep.join([BIN, env.get('PATH', '')])
    proc = subprocess.run([sys.executable, '-m', 'galaxy_importer.main', tarball], cwd=str(tmp_path), env=env,
                          capture_output=True, text=True, check=False)
    output = proc.stdout + proc.stderr
    assert proc.returncode == 0 and 'Importer processing completed successfully' in output, output[-4000:]
    assert [line for line in output.splitlines() if line.startswith(('WARNING', 'ERROR'))] == [], output[-4000:]
    for content in ('module schema_apply', 'module seed_load', 'module schema_verify', 'role schema', 'role secret',
                    'playbook database.yml'):
        assert 'Loading %s' % content in output, output[-4000:]


@pytest.mark.long
def test_the_installed_tarball_runs_the_site_playbooks_from_an_empty_collections_path(tarball, tmp_path):
    collections = tmp_path / 'collections'
    collections.mkdir()
    env = dict((k, v) for k, v in os.environ.items() if not k.startswith(('ANSIBLE_', 'AWS_')))
    env.update(PATH=os.pathsep.join([BIN, env.get('PATH', '')]), ANSIBLE_COLLECTIONS_PATH=str(collections))
    # the dependencies are the ansible package's (Galaxy is not reachable here); ours comes from the tarball
    install = subprocess.run([os.path.join(BIN, 'ansible-galaxy'), 'collection', 'install', '--no-deps', '-p',
                              str(collections), tarball], cwd=str(tmp_path), env=env, capture_output=True, text=True, check=False)
    assert install.returncode == 0, install.stdout + install.stderr
    installed = collections / 'ansible_collections' / 'shoppulse' / 'analytics'
    listed = subprocess.run([os.path.join(BIN, 'ansible-galaxy'), 'collection', 'list', 'shoppulse.analytics',
                             '--format', 'json'], cwd=str(tmp_path), env=env, capture_output=True, text=True, check=False)
    # the only shoppulse.analytics Ansible can find is the installed one (no ansible.cfg here, and the
    # checkout's collections/ link is neither on the path nor in the tarball)
    assert list(json.loads(listed.stdout)) == [str(collections / 'ansible_collections')], listed.stdout

    with localsite.local_site('shoppulse-build-') as (base, server):
        env.update(AWS_ACCESS_KEY_ID='local', AWS_SECRET_ACCESS_KEY='local', ANSIBLE_NOCOLOR='1')
        run = subprocess.run([os.path.join(BIN, 'ansible-playbook'), '-i', os.path.join(base, 'inventories', 'local'),
                              str(installed / 'site.yml'), '-e', 'shoppulse_outputs_file=%s' % (tmp_path / 'outputs.yml')],
                             cwd=str(tmp_path), env=env, capture_output=True, text=True, check=False)
        assert run.returncode == 0, run.stdout[-4000:] + run.stderr[-2000:]
        assert 'is at migration version %d' % LATEST in run.stdout
        import psycopg2  # pylint: disable=import-outside-toplevel
        conn = psycopg2.connect(**server.dsn('shoppulse'))
        with conn.cursor() as cur:
            cur.execute('SELECT max(version) FROM schema_migrations')
            assert cur.fetchone()[0] == LATEST
            cur.execute('SELECT count(*) FROM tenants')
            assert cur.fetchone()[0] == 3
        conn.close()
