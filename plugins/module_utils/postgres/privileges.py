# -*- coding: utf-8 -*-
# Copyright (c) 2026, ShopPulse platform team
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Which identity may run which work, and the search_path of every session (docs/privileges.md).

Plain Python over a DB-API connection of psycopg2 or psycopg 3; no Ansible.

The rule: no identity runs code, or resolves a name, that a lower identity can change. The schema's
objects belong to ``shoppulse_owner``, which ``shoppulse_migrator`` is a member of: the migrator can
replace any function a trigger, a policy, a default or an index calls. Work that fires such code
(migrations, seeds, remediation) therefore runs as the migrator's own login, never as a login with
more rights (the master user: CREATEROLE, ``rds_superuser``), because ``SET ROLE`` is no boundary: code
running in the session may ``RESET ROLE``. The master does the server's work only (the database,
the roles, their passwords), in sessions whose ``search_path`` holds nothing but ``pg_catalog``.

The one exception is the bootstrap of a new database: until the migration that creates the roles
has run, every object of the database is the master's own and nothing a lower identity can change
is in it; ``bootstrap_blockers`` proves that before each such run.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.shoppulse.analytics.plugins.module_utils.postgres import pgcompat
from ansible_collections.shoppulse.analytics.plugins.module_utils.postgres.errors import EngineError
from ansible_collections.shoppulse.analytics.plugins.module_utils.postgres.sqlscript import quote_ident

try:
    from typing import Any, Dict, List, Sequence, Tuple
except ImportError:  # pragma: no cover
    pass

# The path of a session of the master user: built-in names only, temporary objects last.
SERVER_SEARCH_PATH = 'pg_catalog, pg_temp'

# What makes a role more than the schema's owner; {extra} adds a reason, {where} chooses the roles.
_ELEVATION = """
SELECT r.rolname,
       array_remove(ARRAY[CASE WHEN r.rolsuper THEN 'SUPERUSER' END,
                          CASE WHEN r.rolcreaterole THEN 'CREATEROLE' END,
                          CASE WHEN r.rolbypassrls THEN 'BYPASSRLS' END,
                          CASE WHEN r.rolreplication THEN 'REPLICATION' END,
                          CASE WHEN EXISTS (SELECT FROM pg_catalog.pg_roles s
                                            WHERE s.rolname = 'rds_superuser'
                                              AND pg_catalog.pg_has_role(r.oid, s.oid, 'MEMBER'))
                               THEN 'member of rds_superuser' END{extra}], NULL)
FROM pg_catalog.pg_roles r WHERE {where}
"""
ELEVATED_QUERY = _ELEVATION.format(extra='', where='r.rolname = session_user')
# The same, for roles by name: the session's login counts as elevated (it is the one doing the work).
ELEVATED_ROLES_QUERY = _ELEVATION.format(
    extra=",\n                          CASE WHEN r.rolname = session_user THEN 'the login doing this' END",
    where='r.rolname = ANY (%s)')

# Everything in the database that a role other than the login owns or may change, by kind and name.
# The system schemas are left out; so is the public schema's usual owner (pg_database_owner, which is
# the login in a database it created) and the USAGE every role has on it.
BLOCKERS_QUERY = r"""
WITH me AS (SELECT oid FROM pg_catalog.pg_roles WHERE rolname = session_user),
     ns AS (SELECT oid, nspname FROM pg_catalog.pg_namespace
            WHERE nspname NOT IN ('pg_catalog', 'information_schema')
              AND nspname !~ '^pg_(toast|temp_|toast_temp_)')
SELECT kind, name FROM (
  SELECT 'database' AS kind, d.datname::text AS name FROM pg_catalog.pg_database d
   WHERE d.datname = pg_catalog.current_database() AND d.datdba <> (SELECT oid FROM me)
  UNION ALL
  SELECT 'schema', n.nspname::text FROM pg_catalog.pg_namespace n JOIN ns USING (oid)
   WHERE n.nspowner NOT IN ((SELECT oid FROM me), 'pg_database_owner'::regrole)
      OR EXISTS (SELECT FROM pg_catalog.aclexplode(n.nspacl) a
                 WHERE a.grantee NOT IN ((SELECT oid FROM me), n.nspowner)
                   AND NOT (a.grantee = 0 AND a.privilege_type = 'USAGE'))
  UNION ALL
  SELECT 'relation', c.oid::pg_catalog.regclass::text FROM pg_catalog.pg_class c JOIN ns ON ns.oid = c.relnamespace
   WHERE c.relowner <> (SELECT oid FROM me)
      OR EXISTS (SELECT FROM pg_catalog.aclexplode(c.relacl) a WHERE a.grantee <> c.relowner)
  UNION ALL
  SELECT 'function', p.oid::pg_catalog.regprocedure::text FROM pg_catalog.pg_proc p JOIN ns ON ns.oid = p.pronamespace
   WHERE p.proowner <> (SELECT oid FROM me)
      OR EXISTS (SELECT FROM pg_catalog.aclexplode(p.proacl) a WHERE a.grantee <> p.proowner)
  UNION ALL
  SELECT 'type', t.oid::pg_catalog.regtype::text FROM pg_catalog.pg_type t JOIN ns ON ns.oid = t.typnamespace
   WHERE t.typowner <> (SELECT oid FROM me)
  UNION ALL
  SELECT 'operator', o.oid::pg_catalog.regoperator::text FROM pg_catalog.pg_operator o
   JOIN ns ON ns.oid = o.oprnamespace WHERE o.oprowner <> (SELECT oid FROM me)
  UNION ALL
  SELECT 'extension', e.extname::text FROM pg_catalog.pg_extension e
   WHERE e.extname <> 'plpgsql' AND e.extowner <> (SELECT oid FROM me)
  UNION ALL
  SELECT 'default privileges', pg_catalog.pg_get_userbyid(a.defaclrole)::text FROM pg_catalog.pg_default_acl a
  UNION ALL
  SELECT 'event trigger', e.evtname::text FROM pg_catalog.pg_event_trigger e
) found ORDER BY kind, name
"""


class PrivilegeError(EngineError):
    """The login may not do this work (it would run code a lower identity can change)."""


def elevation(conn):
    # type: (Any) -> Tuple[str, List[str]]
    """(login, [what makes it more than the schema's owner]): empty when it is not above the owner."""
    cursor = pgcompat.tuple_cursor(conn)
    cursor.execute(ELEVATED_QUERY)
    login, reasons = cursor.fetchone()
    cursor.close()
    return login, list(reasons)


def elevated_roles(conn, names):
    # type: (Any, Sequence[str]) -> Dict[str, List[str]]
    """{role: [what makes it more than the schema's owner]} for the roles of ``names`` that are above it (the
    session's login among them)."""
    cursor = pgcompat.tuple_cursor(conn)
    cursor.execute(ELEVATED_ROLES_QUERY, (list(names),))
    found = dict((name, list(reasons)) for name, reasons in cursor.fetchall() if reasons)
    cursor.close()
    return found


def require_not_elevated(conn, work):
    # type: (Any, str) -> str
    """Raise PrivilegeError when the session's login is above the schema's owner.

    ``work`` is what the caller is about to do ("load seed data"): it fires triggers, evaluates policies
    and defaults, or calls functions that the migrator can replace; as the master user, that code would
    run with the master's rights.
    """
    login, reasons = elevation(conn)
    if reasons:
        raise PrivilegeError(
            '%s must not %s: it is %s, and the work runs code the migrator can change (trigger, policy and '
            'index functions); log in as the migrator (shoppulse_migrator) instead. Nothing was read or changed'
            % (login, work, ', '.join(reasons)))
    return login


def bootstrap_blockers(conn):
    # type: (Any) -> List[Tuple[str, str]]
    """What stops the login from working in the database as its own: [(kind, name)], empty when nothing.

    Empty means every object is the login's and no other role holds a privilege on any of them, no
    default privileges and no event trigger exist: nothing in the database runs code of another role.
    """
    cursor = pgcompat.tuple_cursor(conn)
    cursor.execute(BLOCKERS_QUERY)
    found = [tuple(row) for row in cursor.fetchall()]
    cursor.close()
    return found


def set_search_path(conn, path):
    # type: (Any, str) -> None
    """Give the session ``path`` as its search_path (for the session, before anything else runs)."""
    cursor = conn.cursor()
    cursor.execute('SELECT pg_catalog.set_config(%s, %s, false)', ('search_path', path))
    cursor.close()


def schema_search_path(schema):
    # type: (str) -> str
    """The path of a session that works in ``schema``: pg_catalog first (implicitly), temporary objects last.

    Leaving pg_catalog out puts it first: a built-in name cannot be shadowed by an object of ``schema``.
    """
    return '%s, pg_temp' % quote_ident(schema)
