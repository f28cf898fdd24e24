# -*- coding: utf-8 -*-
# Copyright (c) 2026, ShopPulse platform team
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The login the collection works as, and the passwords of the database's login roles.

Plain Python over a DB-API connection of psycopg2 or psycopg 3; no Ansible.

On RDS the login is the master user, which is not a superuser: it has CREATEROLE and CREATEDB and is a
member of ``rds_superuser``. Nothing here reads ``pg_authid`` (only a superuser may): whether a login
role's password is the one wanted is found by logging in with it, and a password is set as a SCRAM
verifier made on the client, so the password is in no statement and no server log.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

from ansible_collections.shoppulse.analytics.plugins.module_utils.postgres import pgcompat, privileges
from ansible_collections.shoppulse.analytics.plugins.module_utils.postgres.errors import EngineError
from ansible_collections.shoppulse.analytics.plugins.module_utils.postgres.sqlscript import quote_ident

try:
    from typing import Any, Callable, Dict, Optional, Sequence
except ImportError:  # pragma: no cover
    pass

# What a role attribute is called in SQL, by the name the collection gives it.
ATTRIBUTES = (('create_role', 'CREATEROLE'), ('create_database', 'CREATEDB'))
_NEEDED_FOR = dict(create_role='to create the login roles (migration 8) and set their passwords',
                   create_database='to create the database')

LOGIN_QUERY = """
SELECT r.rolname, r.rolsuper, r.rolcreaterole, r.rolcreatedb,
       COALESCE((SELECT array_agg(DISTINCT b.rolname ORDER BY b.rolname)
                 FROM pg_catalog.pg_auth_members m JOIN pg_catalog.pg_roles b ON b.oid = m.roleid
                 WHERE m.member = r.oid), '{}'),
       current_setting('server_version')
FROM pg_catalog.pg_roles r WHERE r.rolname = current_user
"""

_VERIFIER = re.compile(r'^SCRAM-SHA-256\$[0-9]+:[A-Za-z0-9+/=]+\$[A-Za-z0-9+/=]+:[A-Za-z0-9+/=]+$')


def login_facts(conn):
    # type: (Any) -> Dict[str, Any]
    """The login of ``conn``: its name, attributes, direct memberships and the server's version."""
    cursor = pgcompat.tuple_cursor(conn)
    cursor.execute(LOGIN_QUERY)
    user, superuser, create_role, create_database, member_of, version = cursor.fetchone()
    cursor.close()
    return dict(user=user, superuser=superuser, create_role=create_role, create_database=create_database,
                member_of=list(member_of), server_version=version.split()[0],
                server_major=pgcompat.server_version(conn) // 10000)


def check_login(conn, require=()):
    # type: (Any, Sequence[str]) -> Dict[str, Any]
    """Return login_facts; raise EngineError naming every attribute of ``require`` the login lacks.

    A superuser has them all; so does nobody else by membership: CREATEROLE and CREATEDB are
    attributes of the login itself, as RDS gives them to its master user.
    """
    facts = login_facts(conn)
    unknown = sorted(set(require) - set(name for name, dummy in ATTRIBUTES))
    if unknown:
        known = ', '.join(name for name, dummy in ATTRIBUTES)
        raise EngineError('unknown privilege(s) %s (known: %s)' % (', '.join(unknown), known))
    if facts['superuser']:
        return facts
    lacking = [(name, sql) for name, sql in ATTRIBUTES if name in require and not facts[name]]
    if lacking:
        raise EngineError('the login %s lacks %s, which it needs %s; nothing was changed (on RDS, log in as the '
                          'master user, which has both)' % (
                              facts['user'], ' and '.join(sql for dummy, sql in lacking),
                              ' and '.join(_NEEDED_FOR[name] for name, dummy in lacking)))
    return facts


def set_password(conn, role, password):
    # type: (Any, str, str) -> None
    """ALTER ROLE ``role`` PASSWORD with the SCRAM verifier of ``password`` (the password is not sent)."""
    verifier = pgcompat.encrypt_password(conn, role, password)
    if not _VERIFIER.match(verifier):  # libpq's output; checked because it is written into the statement
        raise EngineError('unexpected password verifier format for role %s' % role)
    cursor = conn.cursor()
    cursor.execute("ALTER ROLE %s PASSWORD '%s'" % (quote_ident(role), verifier))
    cursor.close()


def check_login_roles(conn, names):
    # type: (Any, Sequence[str]) -> None
    """Raise EngineError unless every role of ``names`` exists and may log in."""
    cursor = pgcompat.tuple_cursor(conn)
    cursor.execute('SELECT rolname, rolcanlogin FROM pg_catalog.pg_roles WHERE rolname = ANY (%s)', (list(names),))
    can_login = dict(cursor.fetchall())
    cursor.close()
    missing = [name for name in names if name not in can_login]
    if missing:
        raise EngineError('no such role: %s (the login roles are created by the migrations; nothing was changed)'
                          % ', '.join(missing))
    no_login = [name for name in names if not can_login[name]]
    if no_login:
        raise EngineError('role(s) %s cannot log in (NOLOGIN), so a password would not be used; nothing was changed'
                          % ', '.join(no_login))
    elevated = privileges.elevated_roles(conn, names)
    if elevated:
        raise EngineError('%s: the passwords set here are those of the schema\'s login roles only, never of a login '
                          'above the schema\'s owner (the master user\'s is RDS\'s or the secret role\'s to keep, with '
                          'its secret); nothing was changed'
                          % '; '.join('role %s is %s' % (name, ', '.join(elevated[name])) for name in sorted(elevated)))


def converge_passwords(conn, passwords, try_login, check_mode=False):
    # type: (Any, Dict[str, str], Callable[[str, str], Optional[str]], bool) -> Dict[str, Any]
    """Give each login role of ``passwords`` (role name -> password) its password, where it lacks it.

    ``try_login(role, password)`` returns None when the role logs in with the password, else the
    error. A role that logs in is left alone; the others get theirs, and must then log in with it.
    Every role is checked to exist and to be a LOGIN role before any password is set.
    Returns dict(changed, updated=[roles whose password was (in check mode: would be) set]).
    """
    names = sorted(passwords)
    check_login_roles(conn, names)
    for name in names:
        if not passwords[name]:
            raise EngineError('the password for role %s is empty; nothing was changed' % name)
    updated = [name for name in names if try_login(name, passwords[name]) is not None]
    if not check_mode:
        for name in updated:
            set_password(conn, name, passwords[name])
            error = try_login(name, passwords[name])
            if error is not None:
                raise EngineError('role %s still cannot log in with the password just set: %s' % (name, error))
    return dict(changed=bool(updated), updated=updated)
