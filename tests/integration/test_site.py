# Copyright (c) 2026, ShopPulse platform team
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""site.yml end to end on inventories/local, as `make site` runs it, offline: twice, the second a no-op.

The inventory is the repository's own, copied beside a .local of its own (so that a developer's
`make site` state is left alone): a moto server (tools/localaws.py) and the local TLS PostgreSQL server
(tools/localpg.py), whose certificate holds the emulated proxy domain, as the Makefile starts them.
"""

import json
import os
import subprocess
import sys

import boto3
import psycopg2
import pytest

import localsite
from conftest import LATEST, ROOT

BIN = os.path.dirname(sys.executable)


@pytest.fixture(scope='module')
def local_site():
    with localsite.local_site('shoppulse-site-') as site_and_server:
        yield site_and_server


def site(base, *extra):
    env = dict((k, v) for k, v in os.environ.items() if not k.startswith('AWS_'))
    env.update(AWS_ACCESS_KEY_ID='local', AWS_SECRET_ACCESS_KEY='local', ANSIBLE_CONFIG=os.path.join(ROOT, 'ansible.cfg'),
               ANSIBLE_STDOUT_CALLBACK='ansible.posix.json')
    proc = subprocess.run([os.path.join(BIN, 'ansible-playbook'), '-i', os.path.join(base, 'inventories', 'local'),
                           '-e', 'shoppulse_outputs_file=%s' % os.path.join(base, 'outputs.yml'),
                           os.path.join(ROOT, 'site.yml')] + list(extra),
                          cwd=ROOT, env=env, capture_output=True, text=True, check=False, timeout=900)
    output = json.loads(proc.stdout)
    return proc, output['stats']['localhost'], output


@pytest.mark.long
def test_site_runs_end_to_end_offline_then_changes_nothing(local_site):
    base, server = local_site
    first, stats, output = site(base)
    assert first.returncode == 0, first.stdout[-4000:]
    assert stats['changed'] > 20 and stats['failures'] == 0
    # no deprecation warning of a collection (amazon.aws's iam_role printed two on every call)
    warnings = [w for play in output['plays'] for task in play['tasks'] for result in task['hosts'].values()
                for w in result.get('deprecations', [])]
    assert warnings == [] and "from collection '" not in first.stderr, warnings or first.stderr
    plays = [play['play']['name'] for play in output['plays']]
    assert plays == ['Provision the AWS side of the ShopPulse analytics database',
                     'ShopPulse database schema, seeds and inventory']
    # the database play connected through the proxy's endpoint name, mapped to the local server
    names = [task['task']['name'] for task in output['plays'][1]['tasks']]
    report = [task for task in output['plays'][1]['tasks'] if task['task']['name'].endswith('Report the state of the schema')]
    assert report, names
    message = report[0]['hosts']['localhost']['msg'][0]
    assert '.proxy-aaaaaaaaaaaa.eu-west-1.rds.amazonaws.com:%d is at migration version %d' % (server.port, LATEST) in message

    # every login role logs in with the password of its own secret, which the proxy authenticates
    with open(os.path.join(base, '.local', 'aws', 'port')) as handle:
        endpoint = 'http://127.0.0.1:%s' % handle.read().strip()
    aws = dict(endpoint_url=endpoint, region_name='eu-west-1', aws_access_key_id='local', aws_secret_access_key='local')
    proxy = boto3.client('rds', **aws).describe_db_proxies()['DBProxies'][0]
    secrets = boto3.client('secretsmanager', **aws)
    credentials = [json.loads(secrets.get_secret_value(SecretId=auth['SecretArn'])['SecretString'])
                   for auth in proxy['Auth']]
    assert [c['username'] for c in credentials] == ['shoppulse_admin', 'shoppulse_migrator', 'shoppulse_app',
                                                    'shoppulse_readonly']
    assert len(set(c['password'] for c in credentials)) == 4
    for login in credentials[1:]:
        conn = psycopg2.connect(**server.dsn('shoppulse', user=login['username'], password=login['password']))
        with conn.cursor() as cur:
            cur.execute("SELECT set_config('app.tenant_id', '8a1f2c3e-0001-4b5a-9c1d-000000000001', true)")
            cur.execute('SELECT count(*) FROM tenants')
            # the migrator is a maintenance identity (all tenants); the others see the tenant they set
            assert cur.fetchone()[0] == (3 if login['username'] == 'shoppulse_migrator' else 1), login['username']
        conn.close()

    second, stats, dummy = site(base)
    assert second.returncode == 0 and stats['changed'] == 0, second.stdout[-4000:]

    check, stats, dummy = site(base, '--check')
    assert check.returncode == 0 and stats['changed'] == 0


@pytest.mark.parametrize('environment', ['dev', 'production'])
def test_the_dev_and_production_inventories_pass_every_role_argument_spec(local_site, environment):
    """Their group_vars are checked by provision.yml's first tasks; in check mode it stops before the VPC."""
    base = local_site[0]
    with open(os.path.join(base, '.local', 'aws', 'port')) as handle:
        endpoint = 'http://127.0.0.1:%s' % handle.read().strip()
    env = dict((k, v) for k, v in os.environ.items() if not k.startswith('AWS_'))
    env.update(AWS_ACCESS_KEY_ID='local', AWS_SECRET_ACCESS_KEY='local', ANSIBLE_CONFIG=os.path.join(ROOT, 'ansible.cfg'))
    inventory = os.path.join(ROOT, 'inventories', environment)
    proc = subprocess.run([os.path.join(BIN, 'ansible-playbook'), '-i', inventory, '--check',
                           '-e', 'shoppulse_aws_endpoint_url=%s' % endpoint,
                           '-e', 'shoppulse_outputs_file=%s' % os.path.join(base, environment + '.yml'),
                           os.path.join(ROOT, 'playbooks', 'provision.yml')],
                          cwd=ROOT, env=env, capture_output=True, text=True, check=False, timeout=300)
    assert proc.returncode == 0, proc.stdout[-3000:]
    assert 'The VPC does not exist yet (check mode)' in proc.stdout
    listed = subprocess.run([os.path.join(BIN, 'ansible-inventory'), '-i', inventory, '--host', 'localhost'],
                            cwd=ROOT, env=env, capture_output=True, text=True, check=True)
    host = json.loads(listed.stdout)
    assert host['shoppulse_environment'] == environment
    assert host['database_deletion_protection'] is (environment == 'production')
    assert host['database_multi_az'] is (environment == 'production')
    assert not [k for k in host if 'password' in k or 'secret_key' in k or 'token' in k]


def test_the_database_play_before_provision_says_so(local_site):
    base = local_site[0]
    env = dict((k, v) for k, v in os.environ.items() if not k.startswith('AWS_'))
    env.update(AWS_ACCESS_KEY_ID='local', AWS_SECRET_ACCESS_KEY='local', ANSIBLE_CONFIG=os.path.join(ROOT, 'ansible.cfg'))
    proc = subprocess.run([os.path.join(BIN, 'ansible-playbook'), '-i', os.path.join(base, 'inventories', 'local'),
                           '-e', 'proxy_name=shoppulse-never-provisioned',
                           os.path.join(ROOT, 'playbooks', 'database.yml')],
                          cwd=ROOT, env=env, capture_output=True, text=True, check=False, timeout=300)
    assert proc.returncode != 0
    assert ('RDS Proxy shoppulse-never-provisioned does not exist in eu-west-1: run playbooks/provision.yml first'
            in proc.stdout), proc.stdout[-3000:]
