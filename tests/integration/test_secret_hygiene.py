# Copyright (c) 2026, ShopPulse platform team
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A canary password carried through the whole `make site` run appears nowhere it could leak.

The local server is set up with a canary as its password; inventories/local stores it in the
(emulated) Secrets Manager secret, the database play reads it back with the lookup and connects with
it. site.yml runs through ansible-runner at -vvvv with --diff and an Ansible log, followed by a play
that shows every variable the roles and playbooks register, with debug. The canary must appear zero
times in the output, the log, the debug output and the runner's artifacts (events included).
The run is the collection's as Galaxy installs it, from the tarball test_build checks: the one run
from nothing of the installed collection, and what test_build's install is proven by.
"""

import glob
import json
import os
import re
import secrets

import ansible_runner
import psycopg2
import pytest
import yaml

from support import LATEST, ROOT, localsite

# on the worker that builds and installs the tarball for test_build (conftest's ``installed``)
pytestmark = pytest.mark.xdist_group('build')


def registered_names():
    names = set()
    for path in glob.glob(os.path.join(ROOT, 'roles', '*', 'tasks', '*.yml')) + glob.glob(
            os.path.join(ROOT, 'playbooks', '*.yml')):
        with open(path) as handle:
            names.update(re.findall(r'^\s*register:\s*(\w+)\s*$', handle.read(), re.M))
    return sorted(names)


@pytest.fixture(scope='module')
def canary_site():
    canary = 'Canary' + secrets.token_hex(12)
    with localsite.local_site('shoppulse-canary-', password=canary) as (base, server):
        yield base, canary, server


@pytest.mark.long
def test_a_canary_password_appears_nowhere_in_a_verbose_diff_run(canary_site, installed, tmp_path):
    """site.yml of the collection as Galaxy installs it (conftest's ``installed``; no ansible.cfg, no checkout)."""
    base, canary, server = canary_site
    assert server.password == canary
    playbook = tmp_path / 'site-and-show.yml'
    playbook.write_text(yaml.safe_dump([
        {'name': 'The whole site', 'ansible.builtin.import_playbook': os.path.join(installed['path'], 'site.yml')},
        {'name': 'Show what was registered', 'hosts': 'localhost', 'gather_facts': False,
         'tasks': [{'name': 'Show ' + name, 'ansible.builtin.debug': {'var': name}} for name in registered_names()]},
    ], sort_keys=False))
    log = tmp_path / 'ansible.log'
    envvars = dict(installed['env'], ANSIBLE_LOG_PATH=str(log), **localsite.CREDENTIALS)
    pdd = tmp_path / 'runner'
    pdd.mkdir()
    project = tmp_path / 'project'  # no ansible.cfg, no collections/: only the installed collection is found
    project.mkdir()
    runner = ansible_runner.run(private_data_dir=str(pdd), project_dir=str(project), playbook=str(playbook),
                                inventory=os.path.join(base, 'inventories', 'local'), envvars=envvars,
                                cmdline='--diff -e shoppulse_outputs_file=%s' % (tmp_path / 'outputs.yml'),
                                verbosity=4, quiet=True)
    stdout = runner.stdout.read()
    assert runner.status == 'successful', stdout[-4000:]
    assert 'Show schema_migrations' in stdout and 'TASK [Show secret_metadata]' in stdout
    assert 'is at migration version %d' % LATEST in stdout  # it did connect with the canary
    # the installed collection ran, not the checkout
    assert 'task path: %s/roles/' % installed['path'] in stdout and 'task path: %s/' % ROOT not in stdout
    conn = psycopg2.connect(**server.dsn('shoppulse'))
    with conn.cursor() as cur:
        cur.execute('SELECT max(version) FROM schema_migrations')
        assert cur.fetchone()[0] == LATEST
        cur.execute('SELECT count(*) FROM tenants')
        assert cur.fetchone()[0] == 3
    conn.close()

    places = {'stdout': stdout}
    with open(str(log), errors='replace') as handle:
        places['ansible.log'] = handle.read()
    assert 'PLAY RECAP' in places['ansible.log']
    for path in glob.glob(os.path.join(str(pdd), 'artifacts', '**', '*'), recursive=True):
        if os.path.isfile(path):
            with open(path, errors='replace') as handle:
                places[os.path.relpath(path, str(pdd))] = handle.read()
    assert len([p for p in places if 'job_events' in p]) > 200
    counts = dict((place, text.count(canary)) for place, text in places.items() if canary in text)
    assert counts == {}, counts

    # the login roles' passwords, generated during the run, are secrets as well
    secrets_manager = localsite.aws(base).client('secretsmanager')
    for name in ('migrator', 'app', 'readonly'):
        password = json.loads(secrets_manager.get_secret_value(
            SecretId='shoppulse-analytics/db-' + name)['SecretString'])['password']
        leaks = [place for place, text in places.items() if password in text]
        assert not leaks, (name, leaks)
