# Copyright (c) 2026, ShopPulse platform team
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""login_passwords' and server_check's engine against real servers, as RDS's master user, on every version."""

import re
import uuid

import psycopg2
import pytest

from ansible_collections.shoppulse.analytics.plugins.module_utils.postgres import logins
from ansible_collections.shoppulse.analytics.plugins.module_utils.postgres.errors import EngineError

pytestmark = pytest.mark.all_versions


def login_tester(database, attempts):
    def try_login(role, password):
        attempts.append(role)
        try:
            psycopg2.connect(**database.dsn(user=role, password=password)).close()
        except psycopg2.OperationalError as exc:
            return str(exc).strip()
        return None
    return try_login


@pytest.fixture
def roles(shoppulse_db):
    """The migrations' login roles with fresh passwords of this test's."""
    passwords = dict((role, 'pw-%s' % uuid.uuid4().hex) for role in ('shoppulse_app', 'shoppulse_readonly'))
    return shoppulse_db, passwords


def test_passwords_are_set_once_then_left_alone_and_check_mode_sets_none(roles, driver):
    database, passwords = roles
    conn = database.connect(driver)
    conn.autocommit = True
    attempts = []
    planned = logins.converge_passwords(conn, passwords, login_tester(database, attempts), check_mode=True)
    assert planned == dict(changed=True, updated=['shoppulse_app', 'shoppulse_readonly'])
    with pytest.raises(psycopg2.OperationalError, match='password authentication failed'):
        psycopg2.connect(**database.dsn(user='shoppulse_app', password=passwords['shoppulse_app']))
    done = logins.converge_passwords(conn, passwords, login_tester(database, attempts))
    assert done == planned
    assert logins.converge_passwords(conn, passwords, login_tester(database, attempts)) == dict(changed=False,
                                                                                                updated=[])
    conn.close()
    # what the server stored is a SCRAM verifier (read as the set-up superuser: only it may read pg_authid)
    admin = psycopg2.connect(**database.server.admin_dsn(database.name))
    with admin.cursor() as cur:
        cur.execute("SELECT rolpassword FROM pg_authid WHERE rolname = 'shoppulse_app'")
        assert cur.fetchone()[0].startswith('SCRAM-SHA-256$4096:')
    admin.close()


@pytest.mark.parametrize('passwords, message', [
    ({'shoppulse_app': 'x', 'no_such_role': 'y'}, 'no such role: no_such_role'),
    ({'shoppulse_owner': 'x'}, 'shoppulse_owner cannot log in (NOLOGIN)'),
    ({'shoppulse_app': ''}, 'the password for role shoppulse_app is empty'),
])
def test_a_role_that_cannot_take_a_password_fails_before_any_is_set(roles, passwords, message):
    database, dummy = roles
    conn = database.connect()
    conn.autocommit = True
    attempts = []
    with pytest.raises(EngineError, match=re.escape(message)):
        logins.converge_passwords(conn, passwords, login_tester(database, attempts))
    conn.close()
    assert attempts == []  # nothing tried, nothing set


def test_the_master_user_is_what_rds_makes_it(database):
    conn = database.connect()
    facts = logins.check_login(conn, ['create_role', 'create_database'])
    conn.close()
    assert facts['user'] == database.server.master
    assert not facts['superuser'] and facts['create_role'] and facts['create_database']
    assert 'rds_superuser' in facts['member_of']  # and, once migration 8 ran on the server, of its roles
    assert facts['server_major'] == database.server.major()


def test_a_login_without_createrole_is_named(database):
    database.execute("CREATE ROLE weak_login LOGIN CREATEDB PASSWORD 'weak-pw-2'")
    try:
        conn = database.connect(user='weak_login', password='weak-pw-2')
        with pytest.raises(EngineError, match='the login weak_login lacks CREATEROLE, which it needs to create'):
            logins.check_login(conn, ['create_role', 'create_database'])
        assert logins.check_login(conn, ['create_database'])['create_database']
        conn.close()
    finally:
        database.execute('DROP ROLE weak_login')
