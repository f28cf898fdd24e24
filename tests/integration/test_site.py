# Copyright (c) 2026, ShopPulse platform team
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""site.yml end to end on inventories/local, as `make site` runs it, offline: twice, the second a no-op.

The inventory is the repository's own, copied beside a .local of its own (so that a developer's
`make site` state is left alone): a moto server (tests/support/localaws.py) and the local TLS PostgreSQL server
(tests/support/localpg.py), whose certificate holds the emulated proxy domain, as the Makefile starts them.
"""

import json
import os
import re
import subprocess
import threading
import time

import psycopg2
import pytest

from support import BIN, LATEST, ROOT, localsite, strategy
from support import playbook as runner

# One worker for the tests of the module: they share the provisioned local site.
pytestmark = pytest.mark.xdist_group('site')


@pytest.fixture(scope='module')
def local_site():
    with localsite.local_site('shoppulse-site-') as site_and_server:
        yield site_and_server


@pytest.fixture(scope='module')
def linear_site():
    """A second local site, on which the same runs are made with Ansible's own strategy."""
    with localsite.local_site('shoppulse-site-linear-') as site_and_server:
        yield site_and_server


def start_site(base, *extra, linear=False):
    """Start site.yml on the site in ``base`` (with the suite's strategy, or ``linear``); finish() waits."""
    return runner.start(os.path.join(ROOT, 'site.yml'), *extra, inventory=os.path.join(base, 'inventories', 'local'),
                        extra_vars=dict(shoppulse_outputs_file=os.path.join(base, 'outputs.yml')),
                        env=runner.environment(aws=localsite.CREDENTIALS, linear=linear))


def finish(proc):
    done = runner.finish(proc)
    return done, done.stats, done.output


def site(base, *extra):
    return finish(start_site(base, *extra))


# What differs between two sites whatever the strategy: their directories and ports, the ids the
# emulated AWS makes up, generated names, times and durations.
VOLATILE = [
    (re.compile(r'\d{4}-\d\d-\d\d[T ]\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:?\d\d)?'), '<time>'),
    (re.compile(r'\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b'), '<uuid>'),
    (re.compile(r'\b([a-z]+(?:-[a-z]+)?)-[0-9a-f]{8,17}\b'), '\\1-<id>'),
    (re.compile(r'\b\d{1,3}(\.\d{1,3}){3}\b'), '<ip>'),
    (re.compile(r'(:secret:[\w/+=.@-]+)-[A-Za-z0-9]{6}\b'), '\\1-<suffix>'),  # Secrets Manager's ARN suffix
    (re.compile(r'\bprx-(tg-)?[0-9a-z]{17}\b'), 'prx-<id>'),  # RDS Proxy's and its target group's
    # the file a copy task sends: each strategy names its own temporary directory
    (re.compile(r'[^"\s]*/\.ansible/tmp/[^/"\s]+'), '<ansible tmp>'),
    (re.compile(r'\b[A-Za-z0-9]{20,}\b'), '<token>'),  # request ids, generated passwords' hashes
]
VOLATILE_KEYS = {'start', 'end', 'delta', 'duration', 'duration_ms', 'elapsed', 'retries', 'attempts',
                 'ResponseMetadata', 'response_metadata', 'last_modified', 'created', '_original_basename'}


def normalised(value, site_facts):
    if isinstance(value, dict):
        # keys that are made-up ids (a secret's versions by version id) become one placeholder: their
        # values are kept as a sorted list, as the ids' order is the emulated AWS's, not the strategy's
        grouped = {}
        for k, v in value.items():
            if k not in VOLATILE_KEYS:
                grouped.setdefault(normalised(k, site_facts), []).append(normalised(v, site_facts))
        return dict((k, vs[0] if len(vs) == 1 else sorted(vs, key=lambda v: json.dumps(v, sort_keys=True)))
                    for k, vs in grouped.items())
    if isinstance(value, list):
        return [normalised(v, site_facts) for v in value]
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, (int, float)):
        if value in site_facts['ports']:
            return '<port>'
        return '<float>' if isinstance(value, float) else '<epoch>' if value >= 10 ** 9 else value
    text = str(value)
    for fact, placeholder in site_facts['strings']:
        text = text.replace(fact, placeholder)
    for pattern, placeholder in VOLATILE:
        text = pattern.sub(placeholder, text)
    return text


def site_facts(base, server):
    aws_port = localsite.aws(base).port
    return dict(ports={aws_port, server.port},
                strings=[(os.path.realpath(base), '<base>'), (base, '<base>'), (str(aws_port), '<port>'),
                         (str(server.port), '<port>')])


def task_results(output, facts):
    """Task by task: play, task, action, changed, failed, skipped and what the task returned (registered).

    The two strategies do not report the same skipped ``meta`` tasks (end_play, end_host under a false
    condition) to the output callback, so those are left out; every other skipped task is compared."""
    results = []
    for play in output['plays']:
        for task in play['tasks']:
            for host, result in task['hosts'].items():
                if result.get('action') in ('meta', 'ansible.builtin.meta') and result.get('skipped'):
                    continue
                results.append((play['play']['name'], task['task']['name'], host, result.get('action'),
                                bool(result.get('changed')), bool(result.get('failed')), bool(result.get('skipped')),
                                json.dumps(normalised(result, facts), sort_keys=True)))
    return results


def assert_same_results(ours, linear):
    """The suite's strategy (Mitogen's) and linear gave the same results, task by task."""
    (output, facts), (linear_output, linear_facts) = ours, linear
    mine, theirs = task_results(output, facts), task_results(linear_output, linear_facts)
    # A skipped task that only one of them reported (Mitogen's strategy leaves out a skipped debug task
    # right before a skipped end_play) is the one difference allowed; every task that ran, and every
    # skipped task both reported, must be the same, in the same order.
    mine, theirs = ([r for r in one if not r[6] or r[:3] in set(t[:3] for t in other)]
                    for one, other in ((mine, theirs), (theirs, mine)))
    assert [r[:7] for r in mine] == [r[:7] for r in theirs]
    for a, b in zip(mine, theirs):
        assert a[7] == b[7], 'task %r returned differently:\n%s\n%s' % (a[1], a[7][:3000], b[7][:3000])
    # the recap too, but for its count of skipped tasks (the meta tasks above)
    assert dict((k, v) for k, v in output['stats']['localhost'].items() if k != 'skipped') == \
        dict((k, v) for k, v in linear_output['stats']['localhost'].items() if k != 'skipped')


@pytest.mark.long
def test_site_runs_end_to_end_offline_then_changes_nothing(local_site, linear_site):
    """First run, no-op run and --check; each also on a second site with the linear strategy, run beside
    it, whose results must be the same task by task (issue 18: Mitogen's strategy changes nothing else)."""
    base, server = local_site
    assert strategy.environment().get('ANSIBLE_STRATEGY') == 'mitogen_linear', 'mitogen is in requirements/local.txt'
    facts, linear_facts = site_facts(base, server), site_facts(*linear_site)
    linear = start_site(linear_site[0], linear=True)
    first, stats, output = site(base)
    linear_first = finish(linear)
    assert linear_first[0].returncode == 0, linear_first[0].stdout[-4000:]
    assert_same_results((output, facts), (linear_first[2], linear_facts))
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
    aws = localsite.aws(base)  # the site's emulated AWS
    proxy = aws.client('rds').describe_db_proxies()['DBProxies'][0]
    secrets = aws.client('secretsmanager')
    credentials = [json.loads(secrets.get_secret_value(SecretId=auth['SecretArn'])['SecretString'])
                   for auth in proxy['Auth']]
    assert [c['username'] for c in credentials] == ['shoppulse_admin', 'shoppulse_app', 'shoppulse_migrator',
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

    for extra in ([], ['--check']):  # nothing to do, then nothing to do in check mode
        linear = start_site(linear_site[0], *extra, linear=True)
        again, stats, output = site(base, *extra)
        assert again.returncode == 0 and stats['changed'] == 0, again.stdout[-4000:]
        linear_again = finish(linear)
        assert linear_again[0].returncode == 0 and linear_again[1]['changed'] == 0, linear_again[0].stdout[-4000:]
        assert_same_results((output, facts), (linear_again[2], linear_facts))


@pytest.fixture(scope='module')
def newest_site():
    """A third local site, on which site.yml runs with the newest end's ansible (support/playbook.py)."""
    with localsite.local_site('shoppulse-site-newest-') as site_and_server:
        yield site_and_server


def deprecations(run):
    """The deprecation warnings of a run: the modules' (in the JSON results) and the controller's (its text),
    but for the one Mitogen's strategy itself causes (support/strategy.py)."""
    found = [w.get('msg', w) for dummy, result in run.tasks for w in result.get('deprecations', [])]
    return found + [line for line in run.stderr.splitlines() if 'DEPRECATION' in line and 'Use of strategy plugins' not in line]


@pytest.mark.long
@pytest.mark.xdist_group('site-newest')
def test_site_on_the_newest_ansible_runs_then_changes_nothing_with_no_deprecation(newest_site, monkeypatch):
    """The other end of the supported range (ansible 14, ansible-core 2.21, amazon.aws 11, Python 3.13): first
    run, no-op run, --check; no deprecation warning from the collection or a module it calls."""
    monkeypatch.setenv(runner.END_VARIABLE, 'newest')
    base, server = newest_site
    first = finish(start_site(base))[0]
    assert first.returncode == 0 and first.stats['changed'] > 20, first.stdout[-4000:] + first.stderr[-2000:]
    version = subprocess.run([os.path.join(runner.end_bin(), 'ansible'), '--version'], capture_output=True, text=True,
                             check=True).stdout
    assert '[core 2.21.' in version, version
    assert deprecations(first) == [], deprecations(first)
    report = [task for task in first.output['plays'][1]['tasks'] if task['task']['name'].endswith('Report the state of the schema')]
    assert 'is at migration version %d' % LATEST in report[0]['hosts']['localhost']['msg'][0]
    for extra in ([], ['--check']):
        again = finish(start_site(base, *extra))[0]
        assert again.returncode == 0 and again.stats['changed'] == 0, again.stdout[-4000:]
        assert deprecations(again) == [], deprecations(again)


@pytest.mark.parametrize('environment', ['dev', 'production'])
def test_the_dev_and_production_inventories_pass_every_role_argument_spec(local_site, environment):
    """Their group_vars are checked by provision.yml's first tasks; in check mode it stops before the VPC."""
    base = local_site[0]
    env = runner.environment(json_output=False, aws=localsite.CREDENTIALS)
    inventory = os.path.join(ROOT, 'inventories', environment)
    proc = runner.run(os.path.join(ROOT, 'playbooks', 'provision.yml'), '--check', inventory=inventory, env=env,
                      json_output=False, extra_vars=dict(shoppulse_aws_endpoint_url=localsite.endpoint_url(base),
                                                         shoppulse_outputs_file=os.path.join(base, environment + '.yml')))
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
    proc = runner.run(os.path.join(ROOT, 'playbooks', 'database.yml'), inventory=os.path.join(base, 'inventories', 'local'),
                      extra_vars=dict(shoppulse_name='shoppulse-never-provisioned'), json_output=False,
                      env=runner.environment(json_output=False, aws=localsite.CREDENTIALS))
    assert proc.returncode != 0
    assert ('RDS Proxy shoppulse-never-provisioned-proxy does not exist in eu-west-1: run playbooks/provision.yml first'
            in proc.stdout), proc.stdout[-3000:]


def test_rotation_keeps_the_stack_working_and_prints_nothing(local_site):
    """playbooks/rotate.yml on the provisioned local site while clients keep logging in with what the
    secrets hold: none fails once the secret has changed, the old passwords stop working, nothing is
    printed; the next run with schema_rotate_older_than_days changes nothing, and site.yml afterwards neither."""
    base, server = local_site
    if not os.path.exists(os.path.join(base, 'outputs.yml')):  # run on its own: provision first
        assert site(base)[0].returncode == 0
    aws = localsite.aws(base)  # the site's emulated AWS
    proxy = aws.client('rds').describe_db_proxies()['DBProxies'][0]
    secrets = aws.client('secretsmanager')

    def read(arn):
        return json.loads(secrets.get_secret_value(SecretId=arn)['SecretString'])

    arns = dict((read(auth['SecretArn'])['username'], auth['SecretArn']) for auth in proxy['Auth'][1:])
    before = dict((role, read(arn)['password']) for role, arn in arns.items())
    attempts, stop = [], threading.Event()

    def client(role):
        while not stop.is_set():
            password = read(arns[role])['password']
            try:
                psycopg2.connect(connect_timeout=5, **server.dsn('shoppulse', user=role, password=password)).close()
                attempts.append((role, password, None))
            except psycopg2.OperationalError as exc:
                attempts.append((role, password, str(exc)))
            time.sleep(0.05)

    def rotate(*extra):
        return runner.run(os.path.join(ROOT, 'playbooks', 'rotate.yml'), *extra,
                          inventory=os.path.join(base, 'inventories', 'local'), json_output=False,
                          env=runner.environment(json_output=False, aws=localsite.CREDENTIALS))

    threads = [threading.Thread(target=client, args=(role,)) for role in arns]
    for thread in threads:
        thread.start()
    try:
        done = rotate()
    finally:
        time.sleep(0.5)
        stop.set()
        for thread in threads:
            thread.join()
    assert done.returncode == 0, done.stdout[-3000:]
    after = dict((role, read(arn)['password']) for role, arn in arns.items())
    for role in arns:
        assert after[role] != before[role]
        assert after[role] not in done.stdout + done.stderr and before[role] not in done.stdout + done.stderr
        failed_after_change = [error for name, password, error in attempts if name == role and password == after[role] and error]
        assert [1 for name, password, dummy in attempts if name == role and password == after[role]]
        assert failed_after_change == [], failed_after_change
        with pytest.raises(psycopg2.OperationalError, match='password authentication failed'):
            psycopg2.connect(connect_timeout=5, **server.dsn('shoppulse', user=role, password=before[role]))
    assert re.search(r'localhost\s*: ok=\d+\s+changed=1 ', done.stdout), done.stdout[-2000:]
    assert 'shoppulse_app: rotate: the password is' in done.stdout

    again = rotate('-e', 'schema_rotate_older_than_days=1')
    assert again.returncode == 0 and re.search(r'changed=0 ', again.stdout), again.stdout[-3000:]
    # the age is Secrets Manager's clock against this one's: a few seconds either way, never below 0
    assert re.search(r'shoppulse_app: skip: rotated 0\.0 days ago \(rotated after 1 days\)', again.stdout), again.stdout[-3000:]
    for bad, message in ((['-e', '{"rotate_roles": ["shoppulse_owner"]}'],
                          'rotate_roles must list login roles whose secrets RDS Proxy shoppulse-analytics-proxy'),
                         (['-e', 'schema_rotate_older_than_days=-1'], 'older_than_days must be 0 or more, not -1')):
        refused = rotate(*bad)
        assert refused.returncode != 0 and message in refused.stdout, refused.stdout[-3000:]
    assert dict((role, read(arn)['password']) for role, arn in arns.items()) == after

    # the stack keeps working: site.yml reads the new passwords, and has nothing to change
    last, stats, dummy = site(base)
    assert last.returncode == 0 and stats['changed'] == 0, last.stdout[-3000:]


def test_rotate_and_provision_at_once_one_is_refused_naming_the_holder_then_both_converge(local_site):
    """The stack lock across playbooks (issue 39): rotate.yml started while provision.yml holds the lock of the stack
    is refused at once naming the holder; run again afterwards it passes, and site.yml has nothing to change.
    (Started only once provision's lock is in the table: two runs started together on a loaded machine may not
    overlap at all.)"""
    base, server = local_site
    if not os.path.exists(os.path.join(base, 'outputs.yml')):  # run on its own: provision first
        assert site(base)[0].returncode == 0

    def start(name):
        return runner.start(os.path.join(ROOT, 'playbooks', name), inventory=os.path.join(base, 'inventories', 'local'),
                            extra_vars=dict(shoppulse_outputs_file=os.path.join(base, 'outputs.yml')),
                            env=runner.environment(json_output=False, aws=localsite.CREDENTIALS))

    import boto3  # pylint: disable=import-outside-toplevel
    dynamodb = boto3.client('dynamodb', endpoint_url=localsite.endpoint_url(base), region_name='eu-west-1',
                            aws_access_key_id=localsite.CREDENTIALS['AWS_ACCESS_KEY_ID'],
                            aws_secret_access_key=localsite.CREDENTIALS['AWS_SECRET_ACCESS_KEY'])

    def lock_held():
        try:
            return 'Item' in dynamodb.get_item(TableName='shoppulse-analytics-lock', Key={'LockID': {'S': 'stack'}})
        except dynamodb.exceptions.ResourceNotFoundException:
            return False

    procs = {'provision.yml': start('provision.yml')}
    deadline = time.monotonic() + 300
    while not lock_held() and procs['provision.yml'].poll() is None and time.monotonic() < deadline:
        time.sleep(0.2)
    assert lock_held(), 'provision.yml never held the lock'
    procs['rotate.yml'] = start('rotate.yml')
    done = dict((name, runner.finish(proc, json_output=False)) for name, proc in procs.items())
    refused = [name for name, run in done.items() if run.returncode != 0]
    assert refused == ['rotate.yml'], dict((name, run.stdout[-2000:]) for name, run in done.items())
    assert 'the stack is locked by' in done[refused[0]].stdout, done[refused[0]].stdout[-3000:]
    again = runner.finish(start(refused[0]), json_output=False)
    assert again.returncode == 0, again.stdout[-3000:]
    last, stats, dummy = site(base)
    assert last.returncode == 0 and stats['changed'] == 0, last.stdout[-3000:]
