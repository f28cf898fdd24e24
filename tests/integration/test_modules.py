# Copyright (c) 2026, ShopPulse platform team
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The modules and the schema role, run by ansible-playbook against a real TLS PostgreSQL server.

Each module test runs twice: with the test virtualenv as the managed node's
interpreter (psycopg 3, which community.postgresql prefers) and with a
virtualenv that has psycopg2 only.
"""

import json
import os
import re
import subprocess
import sys
import time
import uuid

import psycopg2
import pytest
import yaml

from support import BIN, LATEST, ROOT, free_port, localpg
from support import playbook as runner
from support.database import Database

INTERPRETERS = {
    'psycopg3': sys.executable,
    'psycopg2': os.path.join(ROOT, '.venv-psycopg2', 'bin', 'python'),
}
MANIFEST = os.path.join(ROOT, 'files', 'manifest.yml')
with open(os.path.join(ROOT, 'roles', 'schema', 'vars', 'main.yml')) as _handle:
    ROLES_MIGRATION = yaml.safe_load(_handle)['schema_roles_migration']  # the last one the master applies


@pytest.fixture(params=sorted(INTERPRETERS))
def interpreter(request):
    path = INTERPRETERS[request.param]
    assert os.path.exists(path), '%s is missing: run `make test-venv`' % path
    if request.param == 'psycopg2':  # the point of this interpreter: community.postgresql must fall back
        assert subprocess.run([path, '-c', 'import psycopg'], capture_output=True, check=False).returncode != 0
    return path


def connection_vars(database, **overrides):
    values = dict(login_host='localhost', login_port=database.server.port, login_user=database.server.master,
                  login_password=database.server.password, login_db=database.name, ssl_mode='verify-full',
                  ca_cert=database.server.ca_cert)
    values.update(overrides)
    return values


def as_migrator(database, *tasks):
    """``tasks`` with the migrator's login: the work that runs code of the schema's owner (docs/privileges.md)."""
    login = database.migrator_login()
    done = []
    for task in tasks:
        module = [key for key in task if key.startswith('shoppulse.analytics.')][0]
        done.append(dict(task, **{module: dict(task[module], **login)}))
    return done


def bootstrap(path=None, **options):
    """The master's schema_apply of a database that is still its own (a new one)."""
    return {'name': 'bootstrap', 'shoppulse.analytics.schema_apply': dict(
        path=path or os.path.join(ROOT, 'files', 'sql'), bootstrap=True, **options)}


def play(tasks, connection):
    return [dict(name='test', hosts='localhost', gather_facts=False,
                 module_defaults={'group/shoppulse.analytics.postgresql': connection}, tasks=tasks)]


def ansible(playbook, tmp_path, *args, inventory=None, json_output=True, interpreter=None, env=None):
    """ansible-playbook on ``inventory`` (else localhost), with Ansible's temporary files under tmp_path."""
    environ = runner.environment(json_output=json_output, ANSIBLE_LOCAL_TEMP=str(tmp_path / 'ansible-tmp'), **(env or {}))
    if interpreter:
        args += ('-e', 'ansible_python_interpreter=%s' % interpreter)
    return runner.run(playbook, *args, inventory=inventory, env=environ, json_output=json_output, timeout=300)


def run_play(tmp_path, tasks, connection, interpreter=None, extra=()):
    path = tmp_path / ('play-%d.yml' % time.monotonic_ns())
    path.write_text(yaml.safe_dump(play(tasks, connection)))
    result = ansible(path, tmp_path, *extra, interpreter=interpreter)
    return result, result.tasks, result.stats


FULL = [
    {'name': 'apply', 'shoppulse.analytics.schema_apply': {'path': os.path.join(ROOT, 'files', 'sql')}},
    {'name': 'tenants', 'shoppulse.analytics.seed_load': {
        'table': 'tenants', 'key': ['tenant_id'], 'path': os.path.join(ROOT, 'files', 'seed', 'tenants.csv')}},
    {'name': 'visibility', 'shoppulse.analytics.seed_load': {
        'table': 'role_metric_visibility', 'key': ['tenant_id', 'role', 'metric_key'],
        'path': os.path.join(ROOT, 'files', 'seed', 'role_metric_visibility.csv')}},
    {'name': 'verify', 'shoppulse.analytics.schema_verify': {
        'manifest': "{{ lookup('ansible.builtin.file', '%s') | from_yaml }}" % MANIFEST}},
]


def test_modules_apply_seed_verify_and_are_idempotent(database, tmp_path, interpreter):
    """The master applies a new database's migrations up to the one that creates the roles; the migrator the rest."""
    tasks = [bootstrap(target_version=ROLES_MIGRATION)] + as_migrator(database, *FULL)
    proc, results, stats = run_play(tmp_path, tasks, connection_vars(database), interpreter)
    assert proc.returncode == 0, results
    by_name = dict(results)
    assert by_name['bootstrap']['changed'] and by_name['bootstrap']['current_version'] == ROLES_MIGRATION
    assert not by_name['bootstrap']['handed_over']
    assert by_name['apply']['changed'] and by_name['apply']['current_version'] == LATEST
    assert (by_name['tenants']['inserted'], by_name['visibility']['inserted']) == (3, 132)
    assert by_name['verify']['in_sync'] and not by_name['verify']['changed']
    assert by_name['verify']['summary']['tenant_id_indexes'] >= 13
    proc, results, stats = run_play(tmp_path, tasks, connection_vars(database), interpreter)
    assert proc.returncode == 0 and stats['changed'] == 0, results
    assert dict(results)['bootstrap']['handed_over'] and 'function update_updated_at_column()' in dict(results)['bootstrap']['blockers']


def test_check_mode_and_diff_change_nothing(database, tmp_path, interpreter):
    proc, results, stats = run_play(tmp_path, [bootstrap()], connection_vars(database), interpreter,
                                    extra=['--check', '--diff'])
    assert proc.returncode == 0, results
    result = dict(results)['bootstrap']
    assert result['changed'] and len(result['applied']) == LATEST and result['current_version'] == LATEST
    diff = result['diff']
    assert diff['before'] == 'version: None\n' and diff['after'].startswith('version: %d\n' % LATEST)
    assert '-- 0001_tenants_and_updated_at.sql' in diff['after'] and 'CREATE TABLE tenants' in diff['after']
    assert database.tables() == set()


def test_check_mode_and_diff_show_the_repeatable_migrations_after_the_versioned_ones(database, tmp_path):
    sql = tmp_path / 'sql'
    (sql / 'repeatable').mkdir(parents=True)
    (sql / '0001_t.sql').write_text('CREATE TABLE t (a int);\n')
    (sql / 'repeatable' / '10_t_view.sql').write_text('CREATE OR REPLACE VIEW t_view AS SELECT a FROM t;\n')
    task = {'name': 'apply', 'shoppulse.analytics.schema_apply': {'path': str(sql), 'bootstrap': True}}
    proc, results, stats = run_play(tmp_path, [task], connection_vars(database), INTERPRETERS['psycopg3'],
                                    extra=['--check', '--diff'])
    result = dict(results)['apply']
    assert proc.returncode == 0 and result['changed'], results
    assert [r['file'] for r in result['repeatable']] == ['10_t_view.sql']
    assert result['diff']['after'] == ('version: 1\nrepeatable: 10_t_view.sql\n\n-- 0001_t.sql\nCREATE TABLE t (a int);\n'
                                       '\n-- 10_t_view.sql\nCREATE OR REPLACE VIEW t_view AS SELECT a FROM t;\n')
    assert database.tables() == set()
    for changed in (True, False):
        proc, results, stats = run_play(tmp_path, [task], connection_vars(database), INTERPRETERS['psycopg3'])
        assert proc.returncode == 0 and dict(results)['apply']['changed'] is changed, results


def test_wrong_password_fails_clearly_and_the_password_is_never_shown(database, tmp_path, interpreter):
    wrong = 'Wr0ng-Canary-Passw0rd-%d' % os.getpid()
    path = tmp_path / 'wrong.yml'
    path.write_text(yaml.safe_dump(play(FULL[:1], connection_vars(database, login_password=wrong))))
    proc = ansible(path, tmp_path, '-vvvv', json_output=False,
                   interpreter=interpreter)
    assert proc.returncode != 0
    assert 'unable to connect to database' in proc.stdout and 'password authentication failed' in proc.stdout
    assert wrong not in proc.stdout + proc.stderr
    assert database.tables() == set()


def test_an_unreachable_port_fails_fast_and_clearly(database, tmp_path, interpreter):
    port = free_port()
    started = time.monotonic()
    proc, results, stats = run_play(tmp_path, FULL[:1], connection_vars(database, login_port=port), interpreter)
    assert proc.returncode != 0 and time.monotonic() - started < 30
    message = dict(results)['apply']['msg']
    assert 'unable to connect to database' in message and str(port) in message and 'refused' in message


def test_a_server_certificate_from_another_ca_is_refused(database, tmp_path, interpreter, pg_server):
    other = localpg.LocalPostgres(str(tmp_path / 'other'))
    other._make_certificates()  # pylint: disable=protected-access
    proc, results, stats = run_play(tmp_path, FULL[:1], connection_vars(database, ca_cert=other.ca_cert),
                                    interpreter)
    assert proc.returncode != 0
    assert 'certificate verify failed' in dict(results)['apply']['msg']
    assert database.tables() == set()


def test_drift_fails_verify_naming_each_object(shoppulse_db, tmp_path, interpreter):
    shoppulse_db.execute('DROP INDEX orders_tenant_ordered_at_idx')
    shoppulse_db.execute('DROP TRIGGER users_set_updated_at ON users')
    shoppulse_db.execute('ALTER TABLE orders ADD COLUMN note text')
    proc, results, stats = run_play(tmp_path, FULL[3:], connection_vars(shoppulse_db), interpreter)
    result = dict(results)['verify']
    assert proc.returncode != 0 and result['failed']
    assert result['msg'] == ('schema public differs from the manifest in 3 place(s): '
                             'unexpected column orders.note; missing index orders.orders_tenant_ordered_at_idx; '
                             'missing trigger users.users_set_updated_at')
    report_only = [dict(FULL[3], **{'shoppulse.analytics.schema_verify': dict(
        FULL[3]['shoppulse.analytics.schema_verify'], fail_on_drift=False)})]
    proc, results, stats = run_play(tmp_path, report_only, connection_vars(shoppulse_db), interpreter)
    assert proc.returncode == 0 and len(dict(results)['verify']['differences']) == 3
    as_table = [dict(FULL[3], **{'shoppulse.analytics.schema_verify': dict(
        FULL[3]['shoppulse.analytics.schema_verify'], report_format='table')})]
    proc, results, stats = run_play(tmp_path, as_table, connection_vars(shoppulse_db), interpreter)
    result = dict(results)['verify']
    assert proc.returncode != 0 and result['failed']
    lines = result['msg'].split('\n')
    assert lines[0] == 'schema public differs from the manifest in 3 place(s):'
    assert lines[1:] == result['report'] and lines[1].split() == ['PROBLEM', 'KIND', 'OBJECT', 'EXPECTED', 'ACTUAL']
    assert [line.split()[:3] for line in lines[3:6]] == [['unexpected', 'column', 'orders.note'],
                                                         ['missing', 'index', 'orders.orders_tenant_ordered_at_idx'],
                                                         ['missing', 'trigger', 'users.users_set_updated_at']]
    assert lines[-1] == '3 difference(s)'


def test_manifest_files_on_the_managed_node_json_always_yaml_with_pyyaml(shoppulse_db, tmp_path):
    as_json = tmp_path / 'manifest.json'
    with open(MANIFEST) as handle:
        as_json.write_text(json.dumps(yaml.safe_load(handle)))
    bare = INTERPRETERS['psycopg2']  # no PyYAML in that virtualenv
    tasks = [{'name': 'json', 'shoppulse.analytics.schema_verify': {'manifest_path': str(as_json)}}]
    proc, results, stats = run_play(tmp_path, tasks, connection_vars(shoppulse_db), bare)
    assert proc.returncode == 0 and dict(results)['json']['in_sync']
    tasks = [{'name': 'yaml', 'shoppulse.analytics.schema_verify': {'manifest_path': MANIFEST}}]
    proc, results, stats = run_play(tmp_path, tasks, connection_vars(shoppulse_db), bare)
    assert proc.returncode != 0 and 'PyYAML' in dict(results)['yaml']['msg']
    proc, results, stats = run_play(tmp_path, tasks, connection_vars(shoppulse_db), INTERPRETERS['psycopg3'])
    assert proc.returncode == 0 and dict(results)['yaml']['in_sync']


def test_a_bad_seed_row_fails_naming_file_and_line(shoppulse_db, tmp_path, interpreter):
    bad = tmp_path / 'tenants.csv'
    bad.write_text(open(os.path.join(ROOT, 'files', 'seed', 'tenants.csv')).read().replace(',EUR,', ',eur,'))
    options = dict(FULL[1]['shoppulse.analytics.seed_load'], path=str(bad))
    task = dict(FULL[1], **{'shoppulse.analytics.seed_load': options})
    proc, results, stats = run_play(tmp_path, as_migrator(shoppulse_db, task), connection_vars(shoppulse_db), interpreter)
    result = dict(results)['tenants']
    assert proc.returncode != 0
    assert result['msg'].startswith('%s line 3: ' % bad) and 'tenants_currency_format' in result['msg']
    assert result['line'] == 3
    assert shoppulse_db.scalar('SELECT count(*) FROM tenants') == 0


@pytest.mark.parametrize('task, message', [
    ({'shoppulse.analytics.schema_apply': {'path': '/nonexistent/sql'}},
     'migrations directory /nonexistent/sql does not exist'),
    ({'shoppulse.analytics.schema_apply': {'path': os.path.join(ROOT, 'files', 'sql'), 'lock_timeout': 'soon'}},
     "lock_timeout: 'soon' is not a duration"),
    ({'shoppulse.analytics.schema_apply': {'path': os.path.join(ROOT, 'files', 'sql'), 'lint': 'loud'}},
     'value of lint must be one of: error, warn, off, got: loud'),
    ({'shoppulse.analytics.schema_apply': {'path': os.path.join(ROOT, 'files', 'sql'), 'lint_exclude': ['no-such-rule']}},
     'lint: no-such-rule is not a squawk rule (lint_exclude, lint_include)'),
    ({'shoppulse.analytics.schema_apply': {'path': os.path.join(ROOT, 'files', 'sql'), 'lint_squawk_path': '/nowhere/squawk'}},
     'lint: squawk is not an executable file at /nowhere/squawk'),
    ({'shoppulse.analytics.schema_apply': {'path': os.path.join(ROOT, 'files', 'sql'), 'lock_retries': -1}},
     'lock_retries must be 0 or more (it is -1)'),
    ({'shoppulse.analytics.schema_apply': {'path': os.path.join(ROOT, 'files', 'sql'), 'statement_timeout': 'forever'}},
     "statement_timeout: 'forever' is not a duration"),
    ({'shoppulse.analytics.schema_apply': {'path': os.path.join(ROOT, 'files', 'sql'), 'baseline': {'version': LATEST}}},
     'one of the following is required: manifest, manifest_path found in baseline'),
    ({'shoppulse.analytics.schema_apply': {'path': os.path.join(ROOT, 'files', 'sql'),
                                           'baseline': {'version': LATEST, 'manifest_path': '/nowhere/manifest.yml'}}},
     'baseline: cannot read the manifest /nowhere/manifest.yml'),
    ({'shoppulse.analytics.schema_apply': {'path': os.path.join(ROOT, 'files', 'sql'), 'target_version': 3,
                                           'repair': {'action': 'accept_checksum', 'version': 3, 'reason': 'x'}}},
     'parameters are mutually exclusive: repair|target_version'),
    ({'shoppulse.analytics.schema_apply': {'path': os.path.join(ROOT, 'files', 'sql'),
                                           'repair': {'action': 'accept_checksum', 'version': 3}}},
     'missing required arguments: reason found in repair'),
    ({'shoppulse.analytics.schema_apply': {'path': os.path.join(ROOT, 'files', 'sql'),
                                           'repair': {'action': 'accept_checksum', 'version': 3, 'reason': 'typo'}}},
     'repair: version 3 is not applied'),
    ({'shoppulse.analytics.seed_load': {'table': 't', 'key': ['a'], 'rows': [{'a': 1}], 'path': '/x.csv'}},
     'parameters are mutually exclusive: path|rows'),
    ({'shoppulse.analytics.seed_load': {'table': 't', 'key': ['a'], 'path': '/x.csv', 'delimiter': ';;'}},
     'delimiter must be a single character'),
    ({'shoppulse.analytics.schema_verify': {'remediate': True, 'fail_on_drift': False}},
     'remediate needs a manifest (manifest or manifest_path) to repair from'),
    ({'shoppulse.analytics.schema_verify': {'manifest_path': MANIFEST, 'remediate': True, 'lock_timeout': 'brief'}},
     "lock_timeout: 'brief' is not a duration"),
    ({'shoppulse.analytics.schema_verify': {'manifest': {'format': 1, 'tables': {}}}},
     'invalid manifest: the manifest lists no tables'),
])
def test_bad_options_are_refused_clearly(database, tmp_path, task, message):
    task = dict(task, name='bad')
    proc, results, stats = run_play(tmp_path, [task], connection_vars(database, **database.migrator_login()),
                                    INTERPRETERS['psycopg3'])
    assert proc.returncode != 0
    assert message in dict(results)['bad']['msg']
    assert database.tables() == set()  # nothing applied, not even the ledger


def test_a_repair_in_check_mode_shows_its_diff_then_changes_one_version_once(database, tmp_path):
    sql = tmp_path / 'sql'
    sql.mkdir()
    (sql / '0001_t.sql').write_text('CREATE TABLE t (a int);\n')
    apply = {'name': 'apply', 'shoppulse.analytics.schema_apply': {'path': str(sql), 'bootstrap': True}}
    proc, results, stats = run_play(tmp_path, [apply], connection_vars(database), INTERPRETERS['psycopg3'])
    assert proc.returncode == 0, results
    (sql / '0001_t.sql').write_text('-- t holds the a values\nCREATE TABLE t (a int);\n')
    repair = {'name': 'repair', 'shoppulse.analytics.schema_apply': {'path': str(sql), 'bootstrap': True, 'repair': {
        'action': 'accept_checksum', 'version': 1, 'reason': 'a comment, no SQL changed'}}}
    proc, results, stats = run_play(tmp_path, [repair], connection_vars(database), INTERPRETERS['psycopg3'],
                                    extra=['--check', '--diff'])
    result = dict(results)['repair']
    assert proc.returncode == 0 and result['changed'], results
    old, new = result['repair']['old_checksum'], result['repair']['new_checksum']
    assert result['diff']['before'] == 'version 1 checksum: %s\n' % old
    assert result['diff']['after'] == 'version 1 checksum: %s\nreason: a comment, no SQL changed\n' % new
    assert database.scalar('SELECT checksum FROM schema_migrations') == old
    for changed in (True, False):
        proc, results, stats = run_play(tmp_path, [repair, apply], connection_vars(database), INTERPRETERS['psycopg3'])
        assert proc.returncode == 0 and dict(results)['repair']['changed'] is changed, results
        assert dict(results)['apply']['changed'] is False
    assert database.query('SELECT action, reason FROM schema_migrations_history') == [
        ('accept checksum', 'a comment, no SQL changed')]


def test_verify_remediates_in_check_mode_with_a_diff_then_for_real(shoppulse_db, tmp_path):
    shoppulse_db.execute('DROP INDEX orders_tenant_ordered_at_idx')
    shoppulse_db.execute('ALTER TABLE users DISABLE ROW LEVEL SECURITY')
    shoppulse_db.execute('ALTER TABLE orders ADD COLUMN note text')
    # a function the tables fire, its fixed search_path taken and EXECUTE given (issue 41)
    shoppulse_db.execute('ALTER FUNCTION update_updated_at_column() SET search_path = public, pg_temp')
    shoppulse_db.execute('GRANT EXECUTE ON FUNCTION update_updated_at_column() TO shoppulse_app')
    repair = as_migrator(shoppulse_db, {'name': 'repair', 'shoppulse.analytics.schema_verify': {
        'manifest_path': MANIFEST, 'remediate': True}})[0]
    proc, results, stats = run_play(tmp_path, [repair], connection_vars(shoppulse_db), INTERPRETERS['psycopg3'],
                                    extra=['--check', '--diff'])
    result = dict(results)['repair']
    assert proc.returncode != 0 and result['changed'], results  # the column is drift it does not repair
    assert result['msg'] == ('schema public differs from the manifest in 1 place(s) that remediate does not repair: '
                             'unexpected column orders.note')
    assert result['diff']['before'] == ('unexpected column orders.note\nmissing index orders.orders_tenant_ordered_at_idx\n'
                                        'different function update_updated_at_column() (privileges, settings)\n'
                                        'different table setting users.row_security\n')
    fn = '"public"."update_updated_at_column"()'
    assert result['diff']['after'] == ('ALTER ROUTINE %s RESET ALL;\n'
                                       "ALTER ROUTINE %s SET search_path TO 'pg_catalog', 'pg_temp';\n"
                                       'REVOKE EXECUTE ON ROUTINE %s FROM "shoppulse_app";\n' % (fn, fn, fn) +
                                       'ALTER TABLE "public"."users" ENABLE ROW LEVEL SECURITY;\n'
                                       'CREATE INDEX CONCURRENTLY orders_tenant_ordered_at_idx ON public.orders USING '
                                       'btree (tenant_id, ordered_at DESC);\n')
    assert [d['name'] for d in result['not_repaired']] == ['orders.note']
    assert not shoppulse_db.scalar("SELECT relrowsecurity FROM pg_class WHERE relname = 'users'")  # check mode
    shoppulse_db.execute('ALTER TABLE orders DROP COLUMN note')
    for changed in (True, False):
        proc, results, stats = run_play(tmp_path, [repair], connection_vars(shoppulse_db), INTERPRETERS['psycopg3'])
        result = dict(results)['repair']
        assert proc.returncode == 0 and result['changed'] is changed and result['in_sync'], results
    assert shoppulse_db.scalar("SELECT relrowsecurity FROM pg_class WHERE relname = 'users'")
    assert shoppulse_db.scalar("SELECT proconfig FROM pg_proc WHERE proname = 'update_updated_at_column'") == [
        'search_path=pg_catalog, pg_temp']


MODULES = sorted(name[:-3] for name in os.listdir(os.path.join(ROOT, 'plugins', 'modules')) if name.endswith('.py'))
with open(os.path.join(ROOT, 'meta', 'runtime.yml')) as _handle:
    POSTGRESQL_MODULES = yaml.safe_load(_handle)['action_groups']['postgresql']


@pytest.mark.parametrize('module', MODULES)
def test_ansible_doc_renders_each_module_with_examples_and_return_values(module):
    proc = subprocess.run([os.path.join(BIN, 'ansible-doc'), 'shoppulse.analytics.' + module], capture_output=True,
                          text=True, cwd=ROOT, env=dict(os.environ, ANSIBLE_CONFIG=os.path.join(ROOT, 'ansible.cfg')),
                          check=False)
    assert proc.returncode == 0, proc.stderr
    for section in ('OPTIONS', 'EXAMPLES', 'RETURN VALUES', 'shoppulse.analytics.' + module):
        assert section in proc.stdout, section
    assert ('login_password' if module in POSTGRESQL_MODULES else 'endpoint_url') in proc.stdout
    assert '[WARNING]' not in proc.stderr


@pytest.mark.parametrize('role', sorted(os.listdir(os.path.join(ROOT, 'roles'))))
def test_ansible_doc_renders_each_role_from_its_argument_spec(role):
    proc = subprocess.run([os.path.join(BIN, 'ansible-doc'), '-t', 'role', 'shoppulse.analytics.' + role],
                          capture_output=True, text=True, cwd=ROOT, check=False,
                          env=dict(os.environ, ANSIBLE_CONFIG=os.path.join(ROOT, 'ansible.cfg'), ANSIBLE_NOCOLOR='1'))
    assert proc.returncode == 0, proc.stderr
    assert 'ENTRY POINT: *main*' in proc.stdout and role + '_' in proc.stdout, proc.stdout


def schema_vars(database, **extra):
    """The schema role's variables for ``database``; a variable given as None is left out."""
    values = dict(schema_db_host='localhost', schema_db_port=database.server.port,
                  schema_db_user=database.server.master, schema_db_password=database.server.password,
                  schema_db_name=database.name + '_role', schema_ca_cert=database.server.ca_cert,
                  schema_wait_timeout=10, ansible_python_interpreter=runner.python(),
                  schema_role_passwords=dict((role, database.server.role_password(role)) for role in LOGIN_ROLES))
    values.update(extra)
    return dict((k, v) for k, v in values.items() if v is not None)


def write_inventory(tmp_path, database, hosts=None, **extra):
    """An inventory for the schema role's test playbooks: localhost on ``database``, or ``hosts`` (name:
    host variables), each on a database of its own; ``extra`` for all of them."""
    hosts = dict((name, dict(host_vars, ansible_connection='local')) for name, host_vars in (hosts or {}).items()) \
        or {'localhost': {'ansible_connection': 'local'}}
    group_vars = schema_vars(database, **extra) if database is not None else extra
    inventory = {'all': {'children': {'shoppulse_db_runner': {'hosts': hosts, 'vars': group_vars}}}}
    path = tmp_path / 'inventory.yml'
    path.write_text(yaml.safe_dump(inventory))
    return str(path)


SCHEMA_PLAYBOOK = os.path.join(ROOT, 'tests', 'integration', 'playbooks', 'schema.yml')
VERIFY_PLAYBOOK = os.path.join(ROOT, 'tests', 'integration', 'playbooks', 'verify.yml')


def drop(database, name):
    database.execute('DROP DATABASE IF EXISTS %s WITH (FORCE)' % name)


LOGIN_ROLES = ('shoppulse_app', 'shoppulse_migrator', 'shoppulse_readonly')


def stats_of(proc):
    return json.loads(proc.stdout)['stats']['localhost']


def changed_tasks(proc, host='localhost'):
    return [task['task']['name'].split(' : ', 1)[-1] for p in json.loads(proc.stdout)['plays'] for task in p['tasks']
            if task['hosts'].get(host, {}).get('changed')]


@pytest.mark.long
def test_the_schema_role_converges_then_changes_nothing_on_every_version(databases_of_every_version, tmp_path, ansible_end):
    """As RDS's master user (not a superuser), on each version (a host each, in one run): a first run, then
    nothing to do, in check mode too; then a login role's password changed by hand is set again, and only
    that one."""
    databases = dict(('pg%d' % version, database) for version, database in databases_of_every_version.items())
    # the migrator's is the server's (other tests share the server's roles); the others are new
    passwords = dict((host, dict((role, database.server.role_password(role) if role == 'shoppulse_migrator'
                                  else 'pw-%s-%s' % (role, uuid.uuid4().hex)) for role in LOGIN_ROLES))
                     for host, database in databases.items())
    inventory = write_inventory(tmp_path, None, hosts=dict(
        (host, schema_vars(database, schema_role_passwords=passwords[host])) for host, database in databases.items()))
    secrets = [password for of_host in passwords.values() for password in of_host.values()]
    try:
        first = ansible(SCHEMA_PLAYBOOK, tmp_path, inventory=inventory)
        assert first.returncode == 0, first.stdout[-3000:]
        for host in databases:
            assert changed_tasks(first, host) == [
                'Create the database if it is missing', 'Apply the migrations of a new database up to the one that creates '
                'the roles', "Set the passwords of the database's login roles (each from its own secret)",
                'Apply the migrations', 'Load the seed data'], (host, first.stdout[-3000:])
        second = ansible(SCHEMA_PLAYBOOK, tmp_path, inventory=inventory)
        check = ansible(SCHEMA_PLAYBOOK, tmp_path, '--check', inventory=inventory)
        for proc in (second, check):
            assert proc.returncode == 0 and [changed_tasks(proc, host) for host in databases] == [[]] * len(databases), \
                proc.stdout[-3000:]
        for host, database in databases.items():
            for role, password in passwords[host].items():  # each role logs in with its password
                psycopg2.connect(**database.server.dsn(database.name + '_role', user=role, password=password)).close()
            assert not database.scalar("SELECT rolsuper FROM pg_roles WHERE rolname = current_user"), host
            database.execute("ALTER ROLE shoppulse_readonly PASSWORD 'changed-by-hand'")

        check = ansible(SCHEMA_PLAYBOOK, tmp_path, '--check', inventory=inventory)
        assert check.returncode == 0, check.stdout[-3000:]
        for host, database in databases.items():
            # (the JSON callback may list a task once per host: each entry holds the hosts it names)
            result = [task['hosts'][host] for p in json.loads(check.stdout)['plays'] for task in p['tasks']
                      if 'Set the passwords' in task['task']['name'] and host in task['hosts']][0]
            assert result['changed'] and result['updated'] == ['shoppulse_readonly'], host
            with pytest.raises(psycopg2.OperationalError, match='password authentication failed'):  # check mode
                psycopg2.connect(**database.server.dsn(database.name + '_role', user='shoppulse_readonly',
                                                       password=passwords[host]['shoppulse_readonly']))
        fixed = ansible(SCHEMA_PLAYBOOK, tmp_path, inventory=inventory)
        for host, database in databases.items():
            assert changed_tasks(fixed, host) == ["Set the passwords of the database's login roles (each from its own secret)"], host
            psycopg2.connect(**database.server.dsn(database.name + '_role', user='shoppulse_readonly',
                                                   password=passwords[host]['shoppulse_readonly'])).close()
        for proc in (first, second, check, fixed):
            assert not any(password in proc.stdout + proc.stderr for password in secrets)
    finally:
        for database in databases.values():
            drop(database, database.name + '_role')


@pytest.mark.parametrize('extra, message', [
    (dict(schema_db_port='five-four-three-two'), "schema_db_port"),
    (dict(schema_ssl_mode='sometimes'), 'schema_ssl_mode'),
    (dict(schema_seeds=[{'table': 'tenants'}]), 'key'),
    (dict(schema_db_password=None), 'schema_db_password'),
    (dict(schema_db_password=''), 'schema_db_password must not be empty'),
    (dict(schema_lint='loud'), 'schema_lint must be error, warn or off (it is loud)'),
    (dict(schema_repair_action='everything', schema_repair_version=3, schema_change_reason='x'), 'schema_repair_action'),
    (dict(schema_repair_action='accept_checksum', schema_change_reason='x'),
     'schema_repair_action and schema_repair_version go together'),
    (dict(schema_repair_action='forget_failed', schema_repair_version=7),
     "schema_change_reason must say why (it is written to the ledger's history) with schema_repair_action"),
    (dict(schema_baseline_version=10, schema_change_reason='  '),
     "schema_change_reason must say why (it is written to the ledger's history) with schema_baseline_version"),
    # names, by PostgreSQL's and RDS's rules: a database name that would be SQL (a copy of every tenant's data,
    # with community.postgresql), one PostgreSQL would cut, login names that are no names
    (dict(schema_db_name='x" TEMPLATE "shoppulse'), 'schema_db_name must be a name of 1 to 63 letters'),
    (dict(schema_db_name='d' * 64), 'schema_db_name must be a name of 1 to 63 letters'),
    (dict(schema_migrator_user='shoppulse migrator'), 'schema_migrator_user must be a name of 1 to 63 letters'),
    (dict(schema_db_user='admin;'), 'schema_db_user must be a name of 1 to 63 letters'),
    (dict(schema_role_passwords={'shoppulse_migrator': 'p-1', 'app"; DROP': 'p-2'}),
     'schema_role_passwords key app"; DROP must be a name of 1 to 63 letters'),
])
def test_the_role_refuses_bad_variables_before_touching_anything(database, tmp_path, extra, message):
    inventory = write_inventory(tmp_path, database, **extra)
    proc = ansible(SCHEMA_PLAYBOOK, tmp_path, inventory=inventory, json_output=False)
    assert proc.returncode != 0
    assert message in proc.stdout, proc.stdout[-3000:]
    assert 'Wait until the server answers' not in proc.stdout  # refused before any connection
    assert not database.scalar('SELECT count(*) FROM pg_database WHERE datname = %s', (database.name + '_role',))


def test_the_role_adopts_a_database_built_with_psql_then_changes_nothing(database, tmp_path):
    adopted = Database(database.server, database.name + '_role')
    database.execute('CREATE DATABASE %s' % adopted.name)
    try:
        errors = adopted.psql_files(sorted(os.path.join(ROOT, 'files', 'sql', n)
                                           for n in os.listdir(os.path.join(ROOT, 'files', 'sql')) if n.endswith('.sql')))
        assert errors == [] and 'schema_migrations' not in adopted.tables()  # psql alone builds it; no ledger yet
        inventory = write_inventory(tmp_path, database, schema_baseline_version=LATEST,
                                    schema_change_reason='adopted from the seed script')
        first = ansible(SCHEMA_PLAYBOOK, tmp_path, inventory=inventory)
        assert first.returncode == 0, first.stdout[-3000:]
        assert 'Apply the migrations' in changed_tasks(first)
        assert adopted.query('SELECT count(*), min(reason) FROM schema_migrations_history WHERE action = %s',
                             ('baseline',)) == [(LATEST, 'adopted from the seed script')]
        assert adopted.scalar("SELECT tableowner FROM pg_tables WHERE tablename = 'schema_migrations'") == 'shoppulse_owner'
        second = ansible(SCHEMA_PLAYBOOK, tmp_path, inventory=inventory)
        assert second.returncode == 0 and changed_tasks(second) == [], second.stdout[-3000:]
    finally:
        drop(database, adopted.name)


def test_the_drift_check_is_read_only_and_fails_on_pending_migrations_and_drift(database, tmp_path):
    inventory = write_inventory(tmp_path, database)
    name = database.name + '_role'
    database.execute('CREATE DATABASE %s' % name)
    server = database.server
    try:
        behind = ansible(VERIFY_PLAYBOOK, tmp_path, inventory=inventory, json_output=False)
        assert behind.returncode != 0
        assert '%d migration(s) not applied' % LATEST in behind.stdout and 'not applied: 0001_' in behind.stdout
        # read-only: not even the ledger was created
        conn = psycopg2.connect(**server.dsn(name))
        with conn.cursor() as cur:
            cur.execute("SELECT count(*) FROM pg_class WHERE relnamespace = 'public'::regnamespace")
            assert cur.fetchone()[0] == 0
        conn.close()

        assert ansible(SCHEMA_PLAYBOOK, tmp_path, inventory=inventory).returncode == 0
        clean = ansible(VERIFY_PLAYBOOK, tmp_path, inventory=inventory)
        assert clean.returncode == 0 and json.loads(clean.stdout)['stats']['localhost']['changed'] == 0

        conn = psycopg2.connect(**server.dsn(name))
        conn.autocommit = True
        with conn.cursor() as cur:
            cur.execute('DROP INDEX orders_tenant_status_ordered_at_idx')
        conn.close()
        drifted = ansible(VERIFY_PLAYBOOK, tmp_path, inventory=inventory, json_output=False)
        assert drifted.returncode != 0
        # the role asks for the table: a header, then one aligned row per difference with the expected definition
        assert re.search(r'PROBLEM +KIND +OBJECT +EXPECTED +ACTUAL', drifted.stdout), drifted.stdout[-3000:]
        assert re.search(r'missing +index +orders\.orders_tenant_status_ordered_at_idx +CREATE INDEX '
                         r'orders_tenant_status_ordered_at_idx ON public\.orders', drifted.stdout), drifted.stdout[-3000:]
    finally:
        drop(database, name)


def test_upgrade_check_refuses_an_upgrade_that_would_fail_naming_the_object(database, tmp_path):
    """The module of issue 42, through ansible-playbook: a clean database passes; a column pg_upgrade cannot carry
    and a downgrade are refused naming them, in check mode too; fail_on_findings=false only reports."""
    check = {'name': 'check', 'shoppulse.analytics.upgrade_check': {'target_major': 17}}
    proc, results, stats = run_play(tmp_path, [check], connection_vars(database), INTERPRETERS['psycopg3'])
    assert proc.returncode == 0 and dict(results)['check']['findings'] == [], results
    assert dict(results)['check']['current_major'] == 15 and not dict(results)['check']['changed']
    database.execute('CREATE TABLE remembered (fn regproc)')
    downgrade = {'name': 'downgrade', 'shoppulse.analytics.upgrade_check': {'target_major': 14},
                 'ignore_errors': True}
    report = {'name': 'report', 'shoppulse.analytics.upgrade_check': {'target_major': 17, 'fail_on_findings': False}}
    proc, results, stats = run_play(tmp_path, [dict(check, ignore_errors=True), downgrade, report],
                                    connection_vars(database), INTERPRETERS['psycopg3'], extra=['--check'])
    by_name = dict(results)
    assert by_name['check']['failed'] and by_name['check']['msg'] == (
        'an upgrade from 15 to 17 is refused, nothing was changed: data type public.remembered.fn: a column of type '
        'regproc, which stores OIDs pg_upgrade cannot carry over: change its type first')
    assert by_name['downgrade']['failed'] and 'a downgrade from 15 to 14' in by_name['downgrade']['msg']
    assert 'the allowed targets from 15: 16, 17, 18' in by_name['downgrade']['msg']
    assert not by_name['report'].get('failed') and [f['object'] for f in by_name['report']['findings']] == [
        'public.remembered.fn']
