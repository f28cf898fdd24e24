# Copyright (c) 2026, ShopPulse platform team
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The AWX side: job templates run in the execution environment as AWX runs them, and the EE itself.

Each job template of awx/definitions.yml runs its playbook in the EE image (`make ee`) the way AWX's
receptor runs a job: `ansible-runner transmit` of a private data directory, `ansible-runner worker`
in the container, `ansible-runner process` of its events (support.ee). The private data directory is
shaped as AWX writes one: the project copied under project/, an inventory script under
inventory/, the survey answers and AWX's own variables in env/extravars, and the environment AWX's
built-in AWS credential injects in env/envvars, which in older AWX releases carries the token as
AWS_SECURITY_TOKEN only. AWS is a moto server on 127.0.0.1 with IAM authentication switched on, and
the credentials are temporary ones from STS: a request without the token is refused, as by AWS. The
database is a local TLS PostgreSQL server whose certificate holds the emulated proxy domain, reached
through the proxy endpoint name with verify-full, as in AWS.
"""

import glob
import json
import os
import re
import shutil
import stat
import subprocess
import sys
import tarfile
import tempfile

import boto3
import build_ee
import psycopg2
import pytest
import yaml
from ansible.galaxy.dependency_resolution.versioning import meets_requirements

from support import BIN, LATEST, ROOT, ee, localaws, localpg, moto_extension

STACK = 'shoppulse-awx-test'  # the inventory's shoppulse_name, from which every AWS name derives
REGION = 'eu-west-1'
ENVIRONMENT = 'awx-test'

with open(os.path.join(ROOT, 'awx', 'definitions.yml')) as _handle:
    DEFINITIONS = yaml.safe_load(_handle)
TEMPLATES = dict((t['name'], t) for t in DEFINITIONS['shoppulse_awx_job_templates'])


@pytest.fixture(scope='module')
def aws(tmp_path_factory):
    """moto with IAM authentication on after the set-up requests, and STS credentials for the jobs."""
    with localaws.emulated(str(tmp_path_factory.mktemp('moto')), INITIAL_NO_AUTH_ACTION_COUNT='3') as server:
        setup = dict(aws_access_key_id='AKIAIOSFODNN7EXAMPLE', aws_secret_access_key='setup')
        iam = server.client('iam', REGION, **setup)
        iam.create_role(RoleName='awx-jobs', AssumeRolePolicyDocument=json.dumps({
            'Version': '2012-10-17',
            'Statement': [{'Effect': 'Allow', 'Principal': {'AWS': '*'}, 'Action': 'sts:AssumeRole'}]}))
        iam.put_role_policy(RoleName='awx-jobs', PolicyName='everything', PolicyDocument=json.dumps({
            'Version': '2012-10-17', 'Statement': [{'Effect': 'Allow', 'Action': '*', 'Resource': '*'}]}))
        credentials = server.client('sts', REGION, **setup).assume_role(
            RoleArn='arn:aws:iam::123456789012:role/awx-jobs', RoleSessionName='awx')['Credentials']
        yield dict(url=server.endpoint_url, access_key=credentials['AccessKeyId'],
                   secret_key=credentials['SecretAccessKey'], token=credentials['SessionToken'])


def aws_client(aws, service):
    return boto3.client(service, endpoint_url=aws['url'], region_name=REGION, aws_access_key_id=aws['access_key'],
                        aws_secret_access_key=aws['secret_key'], aws_session_token=aws['token'])


@pytest.fixture(scope='module')
def server():
    """The database behind the emulated proxy: its certificate holds the proxy domain."""
    base = tempfile.mkdtemp(prefix='shoppulse-awx-')
    os.chmod(base, 0o755)  # the postgres OS user must reach it when the tests run as root
    server = localpg.LocalPostgres(os.path.join(base, 'pg'), names=('*.' + moto_extension.proxy_domain(REGION),),
                                   settings={'fsync': 'off', 'synchronous_commit': 'off'})
    server.start()
    yield server
    server.destroy()
    shutil.rmtree(base, ignore_errors=True)


def copy_project(destination):
    """The project as AWX checks it out: the repository's files, symbolic links kept."""
    names = subprocess.run(['git', 'ls-files', '--cached', '--others', '--exclude-standard', '-z'], cwd=ROOT,
                           check=True, capture_output=True).stdout.decode().split('\0')
    for name in filter(None, names):
        source = os.path.join(ROOT, name)
        target = os.path.join(destination, name)
        if not os.path.lexists(source):
            continue
        os.makedirs(os.path.dirname(target), exist_ok=True)
        if os.path.islink(source):
            os.symlink(os.readlink(source), target)
        else:
            shutil.copy2(source, target)


def group_vars(aws, server, ca_cert):
    """The inventory's variables for the test stack: the emulated AWS, the local TLS server and its CA."""
    return dict(shoppulse_environment=ENVIRONMENT, shoppulse_aws_region=REGION, shoppulse_aws_endpoint_url=aws['url'],
                shoppulse_name=STACK, schema_db_hostaddr='127.0.0.1', schema_db_port=server.port, schema_ca_cert=ca_cert,
                schema_wait_timeout=10)


def inventory_script(aws, server):
    """What AWX writes for a job: a script printing the inventory as JSON (group vars included)."""
    data = {
        # the server's CA is streamed in with the job (Awx.launch)
        'all': {'children': ['shoppulse_db_runner', 'ungrouped'], 'vars': group_vars(aws, server, ee.RUNNER + '/server-ca/ca.pem')},
        'shoppulse_db_runner': {'hosts': ['localhost']},
        '_meta': {'hostvars': {'localhost': {'ansible_connection': 'local',
                                             'ansible_python_interpreter': ee.PYTHON}}},
    }
    return '#!/bin/sh\ncat <<"EOF"\n%s\nEOF\n' % json.dumps(data, indent=2)


class Job:
    """What AWX keeps of a job: its status, the play's stats and the output, from the processed artifacts."""

    def __init__(self, artifacts):
        with open(os.path.join(artifacts, 'status')) as handle:
            self.status = handle.read().strip()
        self.stats = {}
        for path in glob.glob(os.path.join(artifacts, 'job_events', '*.json')):
            with open(path) as handle:
                event = json.load(handle)
            if event.get('event') == 'playbook_on_stats':
                self.stats = event['event_data']
        with open(os.path.join(artifacts, 'stdout'), errors='replace') as handle:
            self.output = handle.read()

    def changed(self):
        return (self.stats.get('changed') or {}).get('localhost', 0)


class Awx:
    """Runs job templates the way AWX does, each in a private data directory of its own, streamed into
    the execution environment: `ansible-runner transmit | <engine> run -i <ee> ansible-runner worker |
    ansible-runner process`, AWX's receptor work unit on a container engine."""

    def __init__(self, base, aws, server, image, monkeypatch):
        self.base = base
        self.aws = aws
        self.server = server
        self.image = image
        self.project = os.path.join(base, 'project-cache')
        copy_project(self.project)
        self.jobs = []
        # the job's environment is AWX's, not this test run's
        for name in list(os.environ):
            if name.startswith(('AWS_', 'ANSIBLE_')):
                monkeypatch.delenv(name)

    def launch(self, template, survey=None, verbosity=2):
        job_id = len(self.jobs) + 1
        pdd = os.path.join(self.base, 'job-%d' % job_id)
        shutil.copytree(self.project, os.path.join(pdd, 'project'), symlinks=True)
        for name in ('inventory', 'env', 'requirements_collections', 'server-ca'):
            os.makedirs(os.path.join(pdd, name))
        shutil.copy(self.server.ca_cert, os.path.join(pdd, 'server-ca', 'ca.pem'))
        script = os.path.join(pdd, 'inventory', 'hosts')
        with open(script, 'w') as handle:
            handle.write(inventory_script(self.aws, self.server))
        os.chmod(script, stat.S_IRWXU)
        extravars = dict(TEMPLATES[template].get('extra_vars') or {}, shoppulse_environment=ENVIRONMENT,
                         awx_job_id=job_id, awx_job_template_name='ShopPulse %s %s' % (ENVIRONMENT, template),
                         tower_job_id=job_id)
        # as AWX does: the survey's defaults for the questions not answered
        extravars.update((q['variable'], q['default']) for q in TEMPLATES[template]['survey'] if 'default' in q)
        extravars.update(survey or {})
        with open(os.path.join(pdd, 'env', 'extravars'), 'w') as handle:
            json.dump(extravars, handle)
        # AWX's "Amazon Web Services" credential, as older AWX injects it: the token as AWS_SECURITY_TOKEN
        envvars = dict(AWS_ACCESS_KEY_ID=self.aws['access_key'], AWS_SECRET_ACCESS_KEY=self.aws['secret_key'],
                       AWS_SECURITY_TOKEN=self.aws['token'],
                       ANSIBLE_COLLECTIONS_PATHS='%s/requirements_collections:~/.ansible/collections:'
                                                 '/usr/share/ansible/collections' % ee.RUNNER,
                       ANSIBLE_FORCE_COLOR='False', ANSIBLE_STRATEGY='linear')  # AWX's: Ansible's own
        with open(os.path.join(pdd, 'env', 'envvars'), 'w') as handle:
            json.dump(envvars, handle)
        job = Job(ee.run_job(self.image, pdd, TEMPLATES[template]['playbook'], verbosity))
        self.jobs.append((template, job, pdd))
        return job

    def artifacts_text(self):
        """Everything the runs left that AWX would store or show: stdout, events, status, command."""
        texts = []
        for dummy, dummy_job, pdd in self.jobs:
            for path in glob.glob(os.path.join(pdd, 'artifacts', '**', '*'), recursive=True):
                if os.path.isfile(path):
                    with open(path, errors='replace') as handle:
                        texts.append((path, handle.read()))
        return texts


def failure(job):
    return job.output[-4000:]


def emulate_rds_master_password(aws, server):
    """What RDS does at creation: the master user's password is the one in the secret."""
    arn = [s['ARN'] for s in aws_client(aws, 'secretsmanager').list_secrets()['SecretList']
           if s['Name'] == STACK + '/db-master'][0]
    password = json.loads(aws_client(aws, 'secretsmanager').get_secret_value(SecretId=arn)['SecretString'])['password']
    conn = psycopg2.connect(**server.dsn())
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute('ALTER ROLE shoppulse_admin PASSWORD %s', (password,))
    conn.close()
    return password


def navigator_run(awx, aws, server, image, playbook, tmp_path):
    """`ansible-navigator run --eei IMAGE` in a checkout, as a user runs a playbook in the EE locally."""
    ca_dir = str(tmp_path / 'navigator-ca')
    os.makedirs(ca_dir)
    shutil.copy(server.ca_cert, os.path.join(ca_dir, 'ca.pem'))
    inventory = str(tmp_path / 'navigator-inventory.yml')
    with open(inventory, 'w') as handle:
        localhost = {'ansible_connection': 'local', 'ansible_python_interpreter': ee.PYTHON}
        yaml.safe_dump({'all': {'vars': group_vars(aws, server, os.path.join(ca_dir, 'ca.pem')),
                                'children': {'shoppulse_db_runner': {'hosts': {'localhost': localhost}}}}}, handle)
    env = dict(build_ee.engine_env(), AWS_ACCESS_KEY_ID=aws['access_key'], AWS_SECRET_ACCESS_KEY=aws['secret_key'],
               AWS_SESSION_TOKEN=aws['token'], HOME=str(tmp_path))
    command = [os.path.join(BIN, 'ansible-navigator'), 'run', playbook, '-i', inventory, '--eei', image, '--ee', 'true',
               '--ce', build_ee.engine(), '--pp', 'never', '--mode', 'stdout', '--pae', 'false',
               '--lf', str(tmp_path / 'navigator.log'), '--eev', '%s:%s:ro' % (ca_dir, ca_dir),
               '--penv', 'AWS_ACCESS_KEY_ID', '--penv', 'AWS_SECRET_ACCESS_KEY', '--penv', 'AWS_SESSION_TOKEN',
               '--co=--network=host']
    return subprocess.run(command, cwd=awx.project, env=env, capture_output=True, text=True, check=False)


@pytest.fixture(scope='module')
def ee_image():
    """The execution environment of this checkout (make ee), built when it is missing or stale."""
    return ee.image()


@pytest.mark.long
@pytest.mark.xdist_group('ee')
def test_the_job_templates_run_the_workflow_in_the_execution_environment_as_awx_runs_them(tmp_path, aws, server, ee_image,
                                                                                          monkeypatch):
    awx = Awx(str(tmp_path), aws, server, ee_image, monkeypatch)

    provision = awx.launch('provision', {'database_instance_class': 'db.t4g.medium'})
    assert provision.status == 'successful', failure(provision)
    assert provision.changed() > 10
    password = emulate_rds_master_password(aws, server)
    assert len(password) == 32

    database = awx.launch('database')
    assert database.status == 'successful', failure(database)
    assert database.changed() == 5  # database, the master's bootstrap, role passwords, migrations, seeds
    again = awx.launch('database')
    assert again.status == 'successful' and again.changed() == 0

    verify = awx.launch('verify')
    assert verify.status == 'successful', failure(verify)
    assert verify.changed() == 0

    # the rotation job: as its schedule launches it (passwords at least 30 days old: none yet), then now;
    # the database job then logs every role in with its new password and changes nothing
    scheduled = awx.launch('rotate')
    assert scheduled.status == 'successful' and scheduled.changed() == 0, failure(scheduled)
    rotated = awx.launch('rotate', {'schema_rotate_older_than_days': 0})
    assert rotated.status == 'successful' and rotated.changed() == 1, failure(rotated)
    assert awx.launch('database').changed() == 0
    proxy_auth = aws_client(aws, 'rds').describe_db_proxies()['DBProxies'][0]['Auth']
    role_passwords = [json.loads(aws_client(aws, 'secretsmanager').get_secret_value(SecretId=auth['SecretArn'])
                                 ['SecretString'])['password'] for auth in proxy_auth[1:]]

    # a user's run of the same image on a laptop: ansible-navigator in the project, the user's credentials
    navigator = navigator_run(awx, aws, server, ee_image, 'playbooks/verify.yml', tmp_path)
    assert navigator.returncode == 0, navigator.stdout[-4000:] + navigator.stderr[-2000:]
    assert re.search(r'localhost +: ok=\d+ +changed=0 +unreachable=0 +failed=0', navigator.stdout), navigator.stdout[-2000:]
    assert password not in navigator.stdout + navigator.stderr

    # the ledger's and the schema's life: an index dropped by hand is rebuilt by "repair drift"; a baseline on a
    # database with a ledger and a repair with nothing to repair change nothing; a revert the migrations cannot do
    # (the collection's have no down files) is refused before anything
    conn = psycopg2.connect(**server.dsn('shoppulse', password=password))
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute('DROP INDEX orders_tenant_ordered_at_idx')
    repaired = awx.launch('repair drift')
    assert repaired.status == 'successful' and repaired.changed() == 1, failure(repaired)
    with conn.cursor() as cur:
        cur.execute("SELECT to_regclass('orders_tenant_ordered_at_idx') IS NOT NULL")
        assert cur.fetchone()[0]
    reason = {'schema_change_reason': 'checked by the AWX test'}
    for template, survey in (('baseline', dict(reason, schema_baseline_version=LATEST)),
                             ('repair', dict(reason, schema_repair_action='accept_checksum', schema_repair_version=3))):
        job = awx.launch(template, survey)
        assert job.status == 'successful' and job.changed() == 0, failure(job)
    refused_revert = awx.launch('revert', {'schema_target_version': LATEST - 1})
    assert refused_revert.status == 'failed'
    assert 'cannot revert the database from version %d to %d; nothing was reverted' % (LATEST, LATEST - 1) \
        in refused_revert.output, failure(refused_revert)
    conn.autocommit = False

    with conn.cursor() as cur:
        cur.execute('SELECT count(*) FROM tenants')
        assert cur.fetchone()[0] == 3
        cur.execute('ALTER TABLE tenants ADD COLUMN drift int')
    conn.commit()
    drift = awx.launch('verify')
    assert drift.status == 'failed'
    assert re.search(r'unexpected +column +tenants\.drift +- +integer', drift.output)

    # bad input: the secret the proxy authenticates with is gone
    secret_arn = aws_client(aws, 'rds').describe_db_proxies()['DBProxies'][0]['Auth'][0]['SecretArn']
    aws_client(aws, 'secretsmanager').delete_secret(SecretId=secret_arn, ForceDeleteWithoutRecovery=True)
    missing = awx.launch('database')
    assert missing.status == 'failed'
    output = missing.output
    assert secret_arn in output and 'ResourceNotFound' in output, output[-3000:]

    refused = awx.launch('teardown', {'shoppulse_teardown_confirmation': 'production'})
    assert refused.status == 'failed'
    assert 'nothing was removed' in refused.output
    assert aws_client(aws, 'rds').describe_db_proxies()['DBProxies']

    teardown = awx.launch('teardown', {'shoppulse_teardown_confirmation': ENVIRONMENT})
    assert teardown.status == 'successful', failure(teardown)
    assert not aws_client(aws, 'rds').describe_db_proxies()['DBProxies']
    assert not aws_client(aws, 'rds').describe_db_instances()['DBInstances']

    texts = awx.artifacts_text()
    assert sum('job_events' in path for path, dummy in texts) > 100
    leaks = [path for path, text in texts if password in text]
    assert not leaks, 'the master password is in the artifacts: %s' % leaks
    leaks = [path for path, text in texts for role_password in role_passwords if role_password in text]
    assert len(role_passwords) == 3 and not leaks, 'a rotated password is in the artifacts: %s' % leaks
    # The AWS credential reaches the job as environment variables, which ansible-runner records in
    # artifacts/<job>/command (AWX stores that environment with the secrets redacted); it is in no
    # event and no output.
    for secret in (aws['secret_key'], aws['token']):
        leaks = [path for path, text in texts if secret in text and os.path.basename(path) != 'command']
        assert not leaks, 'an AWS secret is in the artifacts: %s' % leaks


def test_amazon_aws_alone_ignores_the_token_older_awx_injects(tmp_path, aws, monkeypatch):
    """Why the lookup aws_connection reads AWS_SECURITY_TOKEN: amazon.aws 10 alone does not."""
    for name in list(os.environ):
        if name.startswith('AWS_'):
            monkeypatch.delenv(name)

    def describe_vpcs(token_variable):
        env = dict(os.environ, AWS_ACCESS_KEY_ID=aws['access_key'], AWS_SECRET_ACCESS_KEY=aws['secret_key'],
                   ANSIBLE_CONFIG=os.path.join(ROOT, 'ansible.cfg'))
        env[token_variable] = aws['token']
        return subprocess.run([os.path.join(BIN, 'ansible'), 'localhost', '-m', 'amazon.aws.ec2_vpc_net_info',
                               '-a', 'region=%s endpoint_url=%s' % (REGION, aws['url']),
                               '-e', 'ansible_python_interpreter=%s' % sys.executable],
                              cwd=str(tmp_path), env=env, capture_output=True, text=True, check=False)

    newer = describe_vpcs('AWS_SESSION_TOKEN')
    assert newer.returncode == 0, newer.stdout[-2000:]
    older = describe_vpcs('AWS_SECURITY_TOKEN')
    assert older.returncode != 0 and 'Failed to describe vpcs' in older.stdout, older.stdout[-2000:]


def test_awx_definitions_match_the_playbooks_and_role_options():
    specs = {}
    for path in glob.glob(os.path.join(ROOT, 'roles', '*', 'meta', 'argument_specs.yml')):
        with open(path) as handle:
            for entry in yaml.safe_load(handle)['argument_specs'].values():
                specs.update(entry.get('options') or {})
    for template in TEMPLATES.values():
        assert os.path.isfile(os.path.join(ROOT, template['playbook'])), template['playbook']
        with open(os.path.join(ROOT, template['playbook'])) as handle:
            playbook = handle.read()  # a variable of the playbook's own (teardown's confirmation, upgrade's way)
        for question in template['survey']:
            variable = question['variable']
            assert variable in specs or re.search(r'\b%s\b' % variable, playbook), variable
            if variable not in specs and question['type'] == 'multiplechoice':
                assert all(re.search(r"'%s'" % choice, playbook) for choice in question['choices']), variable
            if variable in specs and question['type'] == 'multiplechoice':
                assert set(question['choices']) <= set(specs[variable]['choices']), variable
            if variable in specs and question['type'] == 'integer':
                assert specs[variable]['type'] == 'int', variable
    workflows = dict((w['name'], w) for w in DEFINITIONS['shoppulse_awx_workflows'])
    assert workflows['deploy']['steps'] == ['provision', 'database', 'verify']
    assert workflows['adopt']['steps'] == ['baseline', 'verify']
    for workflow in workflows.values():
        assert set(workflow['steps']) <= set(TEMPLATES)
        # a step's required survey questions are answered by the workflow's survey
        asked = set(q['variable'] for q in workflow['survey'])
        for step in workflow['steps']:
            assert set(q['variable'] for q in TEMPLATES[step]['survey'] if q['required']) <= asked, step
    for template in TEMPLATES.values():
        assert set(template.get('extra_vars') or {}) <= set(specs), template['name']
    for environment in DEFINITIONS['shoppulse_awx_environments']:
        assert os.path.isfile(os.path.join(ROOT, environment['inventory_source']))


def versions(entries):
    return dict((c['name'], c['version']) for c in entries if 'version' in c)


def test_ansible_builder_creates_a_context_with_the_collection_and_its_dependencies(tmp_path, tarball):
    with open(os.path.join(ROOT, 'galaxy.yml')) as handle:
        galaxy = yaml.safe_load(handle)
    with open(os.path.join(ROOT, 'execution-environment.yml')) as handle:
        ee = yaml.safe_load(handle)
    archive_name = '%s-%s-%s.tar.gz' % (galaxy['namespace'], galaxy['name'], galaxy['version'])
    for name in ('execution-environment.yml', 'meta/ee-requirements.txt', 'meta/ee-bindep.txt', 'collections/requirements.yml'):
        os.makedirs(os.path.dirname(str(tmp_path / name)), exist_ok=True)
        shutil.copy(os.path.join(ROOT, name), str(tmp_path / name))
    shutil.copy(tarball, str(tmp_path / archive_name))  # where execution-environment.yml takes it from
    context = tmp_path / 'context'
    proc = subprocess.run([os.path.join(BIN, 'ansible-builder'), 'create', '-f', str(tmp_path / 'execution-environment.yml'),
                           '-c', str(context)], capture_output=True, text=True, check=False, cwd=str(tmp_path))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    with open(str(context / '_build' / 'requirements.yml')) as handle:
        galaxy_requirements = yaml.safe_load(handle)['collections']
    with open(os.path.join(ROOT, 'collections', 'requirements.yml')) as handle:
        project_requirements = yaml.safe_load(handle)['collections']
    with open(os.path.join(ROOT, 'requirements.yml')) as handle:
        user_requirements = yaml.safe_load(handle)['collections']
    # the EE, the AWX project sync and Galaxy users get the same versions of every dependency
    assert versions(galaxy_requirements) == versions(project_requirements)
    assert set(galaxy['dependencies']) <= set(versions(galaxy_requirements))
    for name, version in versions(project_requirements).items():
        assert versions(user_requirements)[name] == version
    assert galaxy_requirements == project_requirements  # the file itself, not a copy of it
    assert os.path.isfile(str(context / '_build' / 'collections' / archive_name))
    with tarfile.open(str(context / '_build' / 'collections' / archive_name)) as archive:
        names = archive.getnames()
    assert 'meta/execution-environment.yml' in names and 'files/rds-ca-bundle.pem' in names
    with open(str(context / '_build' / 'requirements.txt')) as handle:
        python = handle.read()
    assert 'psycopg2-binary' in python and 'boto3' in python
    with open(str(context / '_build' / 'bindep.txt')) as handle:
        assert 'libpq' in handle.read()
    with open(str(context / 'Containerfile')) as handle:
        containerfile = handle.read()
    assert ee['dependencies']['ansible_core']['package_pip'] in containerfile
    # this collection goes in from the tarball, after the dependencies, without asking Galaxy for them again
    install = [line for line in containerfile.splitlines() if '/build/collections/%s' % archive_name in line]
    assert len(install) == 1 and 'ansible-galaxy collection install --no-deps' in install[0], containerfile
    assert containerfile.index(install[0]) > containerfile.index('requirements.yml')
    with open(os.path.join(ROOT, 'meta', 'execution-environment.yml')) as handle:
        meta = yaml.safe_load(handle)
    for path in meta['dependencies'].values():
        assert path in names


@pytest.mark.xdist_group('ee')
def test_the_execution_environment_holds_the_declared_versions_and_nothing_the_jobs_do_not_need(ee_image):
    probe = subprocess.run([build_ee.engine(), 'run', '--rm', ee_image, ee.PYTHON, '-c', (
        'import importlib.metadata as m, json, subprocess\n'
        'collections = json.loads(subprocess.run(["ansible-galaxy", "collection", "list", "--format", "json"],'
        ' capture_output=True, text=True, check=True).stdout)\n'
        'print(json.dumps(dict(python=dict((d.metadata["Name"].lower(), d.version) for d in m.distributions()),'
        ' collections=collections)))')], env=build_ee.engine_env(), capture_output=True, text=True, check=False)
    assert probe.returncode == 0, probe.stderr
    found = json.loads(probe.stdout)
    collections = {}
    for path, entries in found['collections'].items():
        if path.startswith('/usr/share/ansible/collections'):
            collections.update((name, entry['version']) for name, entry in entries.items())
    with open(os.path.join(ROOT, 'galaxy.yml')) as handle:
        galaxy = yaml.safe_load(handle)
    expected = {}
    for name, wanted in galaxy['dependencies'].items():  # the controller's copy, which must be in galaxy.yml's range
        with open(os.path.join(build_ee.installed_collection(*name.split('.')), 'MANIFEST.json')) as handle:
            expected[name] = json.load(handle)['collection_info']['version']
        assert meets_requirements(expected[name], wanted), (name, expected[name], wanted)
    expected['%s.%s' % (galaxy['namespace'], galaxy['name'])] = galaxy['version']
    assert collections == expected  # the declared dependencies, at versions within their ranges, and nothing else
    python = found['python']
    pins = {}
    with open(os.path.join(ROOT, 'requirements', 'run.txt')) as handle:
        for line in handle:
            match = re.match(r'^([A-Za-z0-9_.-]+)==(\S+)', line.split('#')[0].strip())
            if match:
                pins[match.group(1).lower()] = match.group(2)
    with open(os.path.join(ROOT, 'execution-environment.yml')) as handle:
        definition = yaml.safe_load(handle)
    for key in ('ansible_core', 'ansible_runner'):
        name, version = definition['dependencies'][key]['package_pip'].split('==')
        pins[name] = version
    del pins['ansible']  # the controller's bundle of collections; the EE holds ansible-core and the three
    assert pins and dict((name, python.get(name)) for name in pins) == pins
    assert 'ansible' not in python
    for name in definition['dependencies']['exclude']['python']:  # community.postgresql's test tools
        assert name not in python, name
