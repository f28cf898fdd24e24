# Copyright (c) 2026, ShopPulse platform team
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""login_rotation's engine (module_utils/rotation.py) against real servers, as RDS's master user, and the
secrets of a moto server: a client that keeps logging in with what the secret holds while the passwords
rotate, an interrupted rotation finished, and the bad inputs that change nothing."""

import datetime
import json
import threading
import time
import uuid

import psycopg2
import pytest

from ansible_collections.shoppulse.analytics.plugins.module_utils.postgres import logins
from ansible_collections.shoppulse.analytics.plugins.module_utils.aws import rotation
from ansible_collections.shoppulse.analytics.plugins.module_utils.postgres.errors import EngineError
from support import localaws

ROLES = ('shoppulse_app', 'shoppulse_readonly')


@pytest.fixture(scope='module')
def secretsmanager(tmp_path_factory):
    with localaws.emulated(str(tmp_path_factory.mktemp('moto'))) as server:
        yield server.client('secretsmanager')


def login_tester(database):
    def try_login(role, password):
        try:
            psycopg2.connect(**database.dsn(user=role, password=password, connect_timeout=5)).close()
        except psycopg2.OperationalError as exc:
            return ' '.join(str(exc).split())
        return None
    return try_login


@pytest.fixture
def rotating(shoppulse_db, secretsmanager):
    """The migrations' login roles with passwords of this test's, each in a secret of its own, as the
    secret role stores them; yields (database, master connection, store, role -> secret ARN)."""
    conn = shoppulse_db.connect()
    conn.autocommit = True
    passwords = dict((role, rotation.new_password()) for role in ROLES)
    logins.converge_passwords(conn, passwords, login_tester(shoppulse_db))
    secrets = {}
    for role in ROLES:
        created = secretsmanager.create_secret(
            Name='t-%s/%s' % (uuid.uuid4().hex[:8], role),
            SecretString=json.dumps(dict(username=role, password=passwords[role], engine='postgres', port=5432)))
        secrets[role] = created['ARN']
    yield shoppulse_db, conn, rotation.SecretStore(secretsmanager), secrets
    conn.close()


def current(secretsmanager, arn, stage=None):
    """The secret's document as an application reads it (no stage: AWSCURRENT), or at ``stage``."""
    return json.loads(secretsmanager.get_secret_value(SecretId=arn, **({'VersionStage': stage} if stage else {}))
                      ['SecretString'])


def stages(secretsmanager, arn):
    return sorted(stage for version in secretsmanager.list_secret_version_ids(SecretId=arn)['Versions']
                  for stage in version.get('VersionStages', []))


@pytest.mark.all_versions
def test_a_client_logging_in_with_the_secret_never_fails_once_the_secret_has_changed(rotating, secretsmanager):
    database, conn, store, secrets = rotating
    try_login = login_tester(database)
    before = dict((role, current(secretsmanager, secrets[role])['password']) for role in ROLES)
    attempts, stop = [], threading.Event()

    def client(role):
        """An application: read the secret's current value, log in with it; again and again."""
        while not stop.is_set():
            password = current(secretsmanager, secrets[role])['password']
            attempts.append((role, password, try_login(role, password)))

    threads = [threading.Thread(target=client, args=(role,)) for role in ROLES for dummy in range(2)]
    for thread in threads:
        thread.start()
    time.sleep(0.5)
    steps = rotation.plan(conn, store, secrets)
    assert [(step['role'], step['action']) for step in steps] == [(role, 'rotate') for role in ROLES]
    rotated = rotation.rotate(conn, store, steps, try_login)
    time.sleep(0.5)
    stop.set()
    for thread in threads:
        thread.join()

    assert rotated == list(ROLES)
    for role in ROLES:
        after = current(secretsmanager, secrets[role])
        assert after['password'] != before[role] and len(after['password']) == rotation.PASSWORD_LENGTH
        assert after['username'] == role and after['port'] == 5432  # the rest of the document kept
        assert current(secretsmanager, secrets[role], 'AWSPREVIOUS')['password'] == before[role]
        assert stages(secretsmanager, secrets[role]) == ['AWSCURRENT', 'AWSPREVIOUS']  # no AWSPENDING left
        # every login made with the new password (read once the secret had changed) succeeded
        new = [error for name, password, error in attempts if name == role and password == after['password']]
        assert new and set(new) == {None}, [e for e in new if e]
        assert [1 for name, password, dummy in attempts if name == role and password == before[role]]
        # the old one no longer works; the new one does
        assert 'password authentication failed' in try_login(role, before[role])
        assert try_login(role, after['password']) is None

    # a rotation that asks for passwords at least a day old changes nothing now
    again = rotation.plan(conn, store, secrets, older_than_days=1)
    assert [step['action'] for step in again] == ['skip', 'skip']
    assert rotation.rotate(conn, store, again, try_login) == []
    # ... and rotates them once they are (the clock of the plan moved two days on)
    later = rotation.plan(conn, store, secrets, older_than_days=1,
                          now=datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(days=2))
    assert [step['action'] for step in later] == ['rotate', 'rotate']


@pytest.mark.parametrize('database_has_it', [False, True], ids=['set-in-database', 'already-in-database'])
def test_an_interrupted_rotation_is_finished_with_its_pending_password(rotating, secretsmanager, database_has_it):
    database, conn, store, secrets = rotating
    try_login = login_tester(database)
    role, arn = 'shoppulse_app', secrets['shoppulse_app']
    old = current(secretsmanager, arn)
    pending = store.put_pending(arn, dict(old, password=rotation.new_password()))  # a run stopped after step 1 ...
    pending_password = current(secretsmanager, arn, 'AWSPENDING')['password']
    if database_has_it:  # ... or after step 2
        logins.set_password(conn, role, pending_password)
    steps = rotation.plan(conn, store, {role: arn})
    assert steps[0]['action'] == 'finish' and steps[0]['pending'] == pending
    assert rotation.rotate(conn, store, steps, try_login, password=lambda: pytest.fail('a new password was made')) == [role]
    assert current(secretsmanager, arn)['password'] == pending_password
    assert try_login(role, pending_password) is None and try_login(role, old['password']) is not None
    assert stages(secretsmanager, arn) == ['AWSCURRENT', 'AWSPREVIOUS']


def test_a_new_password_the_role_cannot_log_in_with_is_undone(rotating, secretsmanager):
    """If the role cannot log in after its password was set (here: the login check says so), the old
    password is set back and the pending version removed: database and secret as they were."""
    database, conn, store, secrets = rotating
    real = login_tester(database)
    role, arn = 'shoppulse_readonly', secrets['shoppulse_readonly']
    old = current(secretsmanager, arn)
    versions = secretsmanager.list_secret_version_ids(SecretId=arn)['Versions']
    set_to = []

    def refusing(name, password):
        if password != old['password'] and set_to:
            return 'FATAL: too many connections for role "%s"' % name
        return real(name, password)

    def password():
        set_to.append(rotation.new_password())
        return set_to[-1]

    steps = rotation.plan(conn, store, {role: arn})
    with pytest.raises(EngineError, match='role shoppulse_readonly cannot log in with its new password .*too many '
                                          'connections.*old password was set back'):
        rotation.rotate(conn, store, steps, refusing, password=password)
    assert real(role, old['password']) is None and real(role, set_to[0]) is not None
    assert current(secretsmanager, arn) == old
    assert stages(secretsmanager, arn) == ['AWSCURRENT']
    assert [v['VersionId'] for v in secretsmanager.list_secret_version_ids(SecretId=arn)['Versions']
            if v.get('VersionStages')] == [v['VersionId'] for v in versions]


def test_bad_inputs_are_refused_before_anything_changes(rotating, secretsmanager):
    database, conn, store, secrets = rotating
    before = dict((role, current(secretsmanager, arn)) for role, arn in secrets.items())
    other = secretsmanager.create_secret(Name='t-%s/other' % uuid.uuid4().hex[:8],
                                         SecretString=json.dumps(dict(username='shoppulse_app', password='x')))['ARN']
    cases = [
        (dict(secrets, shoppulse_app=other), dict(allowed_arns=list(secrets.values())),
         'secret %s of role shoppulse_app is not one the proxy authenticates with' % other),
        (dict(shoppulse_readonly=secrets['shoppulse_app']), {},
         "holds the credentials of 'shoppulse_app', not of role shoppulse_readonly"),
        (dict(secrets, no_such_role=secrets['shoppulse_app']), {}, 'no such role: no_such_role'),
        (dict(shoppulse_owner=secrets['shoppulse_app']), {}, 'shoppulse_owner cannot log in'),
        # the master user (the login doing this) is no login role of the schema's: its password is RDS's to keep
        (dict(secrets, **{database.server.master: secrets['shoppulse_app']}), {},
         'role %s is CREATEROLE' % database.server.master),
    ]
    for role_secrets, options, message in cases:
        with pytest.raises(EngineError, match=message.replace('(', r'\(').replace(')', r'\)')):
            rotation.plan(conn, store, role_secrets, **options)
    with pytest.raises(EngineError, match='secret t-no-such-secret does not exist; nothing was changed'):
        rotation.plan(conn, store, dict(shoppulse_app='t-no-such-secret'))
    for role, arn in secrets.items():
        assert current(secretsmanager, arn) == before[role] and stages(secretsmanager, arn) == ['AWSCURRENT']
        assert login_tester(database)(role, before[role]['password']) is None
