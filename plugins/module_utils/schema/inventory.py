# -*- coding: utf-8 -*-
# Copyright (c) 2026, ShopPulse platform team
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Read the live inventory of a schema (drift.py compares it with a manifest).

Plain Python over a DB-API connection of psycopg2 or psycopg 3; no Ansible.

The inventory (tables with their columns, indexes, constraints, triggers,
row-level security flags and policies; views; functions) is read in a single
catalog query that the server assembles as JSON, so the number of round trips
does not grow with the size of the schema.

The manifest has the same shape as the inventory; ``files/manifest.yml`` is
generated from a database built by the migrations (``make manifest``), and a
test keeps the two in step.

One manifest serves PostgreSQL 15 to 18: where the catalogs of the versions
differ, the query reads what they have in common (docs/postgresql-versions.md):
NOT NULL constraints, which 18 adds to pg_constraint, are left to the columns'
``nullable``. The roles section is the same whichever login ran the
migrations: an administrator (a role with CREATEROLE, such as RDS's master user,
which from 16 on is a member of every role it creates) is not one of the
schema's roles unless the manifest names it (``schema_roles``; drift.compare).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json

from ansible_collections.shoppulse.analytics.plugins.module_utils.postgres import pgcompat
from ansible_collections.shoppulse.analytics.plugins.module_utils.schema import catalog

try:
    from typing import Any, Dict, Optional
except ImportError:  # pragma: no cover
    pass

INVENTORY_QUERY = r"""
WITH rels AS (
  SELECT c.oid, c.relname, c.relrowsecurity, c.relforcerowsecurity, c.relowner, c.relacl, c.reloptions,
         c.relpersistence, c.relreplident
  FROM pg_catalog.pg_class c
  JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
  WHERE n.nspname = %(schema)s AND c.relkind IN ('r', 'p')
)
SELECT json_build_object(
  'tables', COALESCE((SELECT json_object_agg(r.relname, json_build_object(
    'row_security', r.relrowsecurity,
    'force_row_security', r.relforcerowsecurity,
    'owner', pg_catalog.pg_get_userbyid(r.relowner),
    'privileges', %(table_privileges)s,
    'options', r.reloptions,
    'unlogged', CASE WHEN r.relpersistence = 'u' THEN true END,
    'replica_identity', CASE r.relreplident WHEN 'f' THEN 'full' WHEN 'n' THEN 'nothing' WHEN 'i' THEN 'index' END,
    'column_privileges', COALESCE((
      SELECT json_object_agg(c.attname, c.grants ORDER BY c.attnum) FROM (
        SELECT a.attname, a.attnum, json_object_agg(g.grantee, g.privileges ORDER BY g.grantee) AS grants
        FROM pg_catalog.pg_attribute a, LATERAL (
          SELECT CASE WHEN x.grantee = 0 THEN 'PUBLIC' ELSE pg_catalog.pg_get_userbyid(x.grantee) END AS grantee,
                 string_agg(x.privilege_type || CASE WHEN x.is_grantable THEN '*' ELSE '' END, ','
                          ORDER BY x.privilege_type) AS privileges
          FROM pg_catalog.aclexplode(a.attacl) x
          WHERE x.grantee <> r.relowner
          GROUP BY 1) g
        WHERE a.attrelid = r.oid AND a.attnum > 0 AND NOT a.attisdropped AND a.attacl IS NOT NULL
        GROUP BY a.attname, a.attnum) c), '{}'),
    'columns', COALESCE((
      SELECT json_object_agg(a.attname, json_build_object(
        'type', pg_catalog.format_type(a.atttypid, a.atttypmod),
        'nullable', NOT a.attnotnull,
        'default', pg_catalog.pg_get_expr(d.adbin, d.adrelid),
        'identity', NULLIF(a.attidentity, ''),
        'generated', NULLIF(a.attgenerated, ''),
        'collation', (SELECT co.collname FROM pg_catalog.pg_collation co, pg_catalog.pg_type ty
                      WHERE co.oid = a.attcollation AND ty.oid = a.atttypid
                        AND a.attcollation <> ty.typcollation)) ORDER BY a.attnum)
      FROM pg_catalog.pg_attribute a
      LEFT JOIN pg_catalog.pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
      WHERE a.attrelid = r.oid AND a.attnum > 0 AND NOT a.attisdropped), '{}'),
    'indexes', COALESCE((
      SELECT json_object_agg(ic.relname, json_build_object(
        'definition', pg_catalog.pg_get_indexdef(i.indexrelid),
        'columns', (SELECT json_agg(pg_catalog.pg_get_indexdef(i.indexrelid, k, true) ORDER BY k)
                    FROM generate_series(1, i.indnkeyatts) AS k),
        'unique', i.indisunique,
        'primary', i.indisprimary,
        'valid', i.indisvalid) ORDER BY ic.relname)
      FROM pg_catalog.pg_index i
      JOIN pg_catalog.pg_class ic ON ic.oid = i.indexrelid
      WHERE i.indrelid = r.oid), '{}'),
    'constraints', COALESCE((
      SELECT json_object_agg(con.conname, json_build_object(
        'type', CASE con.contype WHEN 'p' THEN 'primary key' WHEN 'f' THEN 'foreign key'
                WHEN 'u' THEN 'unique' WHEN 'c' THEN 'check' WHEN 'x' THEN 'exclusion'
                ELSE con.contype::text END,
        'definition', pg_catalog.pg_get_constraintdef(con.oid, true)) ORDER BY con.conname)
      FROM pg_catalog.pg_constraint con
      -- from 18 on NOT NULL is a constraint too (contype n); the columns' nullable says it on every version
      WHERE con.conrelid = r.oid AND con.contype <> 'n'), '{}'),
    'triggers', COALESCE((
      SELECT json_object_agg(t.tgname, json_build_object(
        'timing', CASE WHEN t.tgtype & 2 = 2 THEN 'BEFORE' WHEN t.tgtype & 64 = 64 THEN 'INSTEAD OF'
                  ELSE 'AFTER' END,
        'events', (SELECT json_agg(e.name ORDER BY e.bit) FROM (VALUES (4, 'INSERT'), (8, 'DELETE'),
                   (16, 'UPDATE'), (32, 'TRUNCATE')) AS e(bit, name) WHERE t.tgtype & e.bit = e.bit),
        'level', CASE WHEN t.tgtype & 1 = 1 THEN 'ROW' ELSE 'STATEMENT' END,
        'function', t.tgfoid::regproc::text,
        'enabled', t.tgenabled <> 'D',
        'definition', pg_catalog.pg_get_triggerdef(t.oid, true)) ORDER BY t.tgname)
      FROM pg_catalog.pg_trigger t
      WHERE t.tgrelid = r.oid AND NOT t.tgisinternal), '{}'),
    'policies', COALESCE((
      SELECT json_object_agg(p.polname, json_build_object(
        'command', CASE p.polcmd WHEN 'r' THEN 'SELECT' WHEN 'a' THEN 'INSERT' WHEN 'w' THEN 'UPDATE'
                   WHEN 'd' THEN 'DELETE' ELSE 'ALL' END,
        'permissive', p.polpermissive,
        'roles', (SELECT json_agg(CASE WHEN ro = 0 THEN 'public' ELSE ro::regrole::text END ORDER BY 1)
                  FROM unnest(p.polroles) AS ro),
        'using', pg_catalog.pg_get_expr(p.polqual, p.polrelid),
        'with_check', pg_catalog.pg_get_expr(p.polwithcheck, p.polrelid)) ORDER BY p.polname)
      FROM pg_catalog.pg_policy p
      WHERE p.polrelid = r.oid), '{}')
  ) ORDER BY r.relname) FROM rels r), '{}'),
  'comments', COALESCE((
    -- the comments of the tables, their columns, the views and the functions, by what they are on
    SELECT json_object_agg(k.target, k.comment ORDER BY k.target) FROM (
      SELECT CASE WHEN d.objsubid = 0 THEN CASE c.relkind WHEN 'v' THEN 'view ' ELSE 'table ' END || c.relname
                  ELSE 'column ' || c.relname || '.' || a.attname END AS target, d.description AS comment
      FROM pg_catalog.pg_description d
      JOIN pg_catalog.pg_class c ON c.oid = d.objoid AND d.classoid = 'pg_catalog.pg_class'::regclass
      JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
      LEFT JOIN pg_catalog.pg_attribute a ON a.attrelid = c.oid AND a.attnum = d.objsubid AND d.objsubid > 0
      WHERE n.nspname = %(schema)s AND c.relkind IN ('r', 'p', 'v') AND (d.objsubid = 0 OR a.attname IS NOT NULL)
      UNION ALL
      SELECT 'function ' || p.proname || '(' || pg_catalog.pg_get_function_identity_arguments(p.oid) || ')',
             d.description
      FROM pg_catalog.pg_description d
      JOIN pg_catalog.pg_proc p ON p.oid = d.objoid AND d.classoid = 'pg_catalog.pg_proc'::regclass
      JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace
      WHERE n.nspname = %(schema)s AND p.prokind = 'f'
        AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend dep
                        WHERE dep.classid = 'pg_catalog.pg_proc'::regclass AND dep.objid = p.oid
                          AND dep.deptype = 'e')) k), '{}'),
  'views', COALESCE((
    SELECT json_object_agg(c.relname, json_build_object(
      'definition', pg_catalog.pg_get_viewdef(c.oid, true),
      'security_barrier', COALESCE('security_barrier=true' = ANY (c.reloptions), false),
      'security_invoker', COALESCE('security_invoker=true' = ANY (c.reloptions), false),
      'check_option', (SELECT substr(o, 14) FROM unnest(c.reloptions) AS o WHERE starts_with(o, 'check_option=')),
      'materialized', CASE WHEN c.relkind = 'm' THEN true END,
      'owner', pg_catalog.pg_get_userbyid(c.relowner),
      'privileges', %(view_privileges)s) ORDER BY c.relname)
    FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
    WHERE n.nspname = %(schema)s AND c.relkind IN ('v', 'm')), '{}'),
  'roles', COALESCE((
    -- the roles that own or may use the tables, and their direct members: their powers
    SELECT json_object_agg(ro.rolname, json_build_object(
      'login', ro.rolcanlogin,
      'superuser', ro.rolsuper,
      'bypass_row_security', ro.rolbypassrls,
      'create_role', ro.rolcreaterole,
      'create_database', ro.rolcreatedb,
      'replication', CASE WHEN ro.rolreplication THEN true END,
      'settings', (SELECT json_agg(x ORDER BY x) FROM pg_catalog.pg_db_role_setting s, unnest(s.setconfig) AS x
                   WHERE s.setrole = ro.oid AND s.setdatabase IN (0, (SELECT oid FROM pg_catalog.pg_database
                                                                   WHERE datname = pg_catalog.current_database()))),
      'member_of', COALESCE((SELECT json_agg(DISTINCT pg_catalog.pg_get_userbyid(m.roleid) ORDER BY pg_catalog.pg_get_userbyid(m.roleid))
                             FROM pg_catalog.pg_auth_members m WHERE m.member = ro.oid), '[]')) ORDER BY ro.rolname)
    FROM pg_catalog.pg_roles ro
    WHERE NOT ro.rolsuper AND ro.oid IN (
      WITH named AS (
        SELECT r.relowner AS oid FROM rels r
        UNION SELECT a.grantee FROM rels r, pg_catalog.aclexplode(r.relacl) a WHERE a.grantee <> 0
        UNION SELECT x.grantee FROM rels r JOIN pg_catalog.pg_attribute a ON a.attrelid = r.oid,
                                    pg_catalog.aclexplode(a.attacl) x WHERE x.grantee <> 0)
      SELECT oid FROM named
      UNION SELECT m.member FROM pg_catalog.pg_auth_members m WHERE m.roleid IN (SELECT oid FROM named))), '{}'),
  'functions', COALESCE((
    SELECT json_object_agg(p.proname || '(' || pg_catalog.pg_get_function_identity_arguments(p.oid) || ')',
      json_build_object(
        'kind', CASE p.prokind WHEN 'p' THEN 'procedure' WHEN 'a' THEN 'aggregate' WHEN 'w' THEN 'window'
                ELSE 'function' END,
        'arguments', pg_catalog.pg_get_function_arguments(p.oid),
        'returns', pg_catalog.pg_get_function_result(p.oid),
        'language', l.lanname,
        'security_definer', p.prosecdef,
        'settings', p.proconfig,
        -- a body in SQL-standard form (BEGIN ATOMIC) has no source text: its parsed form is hashed instead
        'body_sha256', encode(sha256(convert_to(COALESCE(NULLIF(p.prosrc, ''), pg_catalog.pg_get_function_sqlbody(p.oid), ''),
                                                'UTF8')), 'hex'),
        'volatility', CASE p.provolatile WHEN 'i' THEN 'immutable' WHEN 's' THEN 'stable' ELSE 'volatile' END,
        'strict', p.proisstrict,
        'leakproof', p.proleakproof,
        'parallel', CASE p.proparallel WHEN 's' THEN 'safe' WHEN 'r' THEN 'restricted' ELSE 'unsafe' END,
        'cost', p.procost,
        'rows', p.prorows,
        'support', NULLIF(p.prosupport, 0)::regproc::text,
        'owner', pg_catalog.pg_get_userbyid(p.proowner),
        'privileges', %(function_privileges)s)
      ORDER BY p.proname, pg_catalog.pg_get_function_identity_arguments(p.oid))
    FROM pg_catalog.pg_proc p
    JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace
    JOIN pg_catalog.pg_language l ON l.oid = p.prolang
    WHERE n.nspname = %(schema)s
      AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend dep
                      WHERE dep.classid = 'pg_catalog.pg_proc'::regclass AND dep.objid = p.oid
                        AND dep.deptype = 'e')), '{}'),
  %(sections)s
)::text
"""
# The parts written once in catalog.py (psycopg's own %(schema)s is left for the driver).
for _name, _sql in (('%(table_privileges)s', catalog.acl_json('r.relacl', 'r.relowner', 'r')),
                    ('%(view_privileges)s', catalog.acl_json('c.relacl', 'c.relowner', 'r')),
                    ('%(function_privileges)s', catalog.acl_json('p.proacl', 'p.proowner', 'f')),
                    ('%(sections)s', catalog.sections_sql())):
    INVENTORY_QUERY = INVENTORY_QUERY.replace(_name, _sql)


def read_inventory(conn, schema='public'):
    # type: (Any, str) -> Dict[str, Any]
    """Return the inventory of ``schema`` as plain dicts; one catalog query, one round trip."""
    cursor = pgcompat.tuple_cursor(conn)
    cursor.execute(INVENTORY_QUERY, dict(schema=schema))
    data = json.loads(cursor.fetchone()[0])
    cursor.close()
    if not conn.autocommit:
        conn.rollback()  # end the read-only transaction the driver opened
    for table in data['tables'].values():
        catalog.drop_nulls(table, ('options', 'unlogged', 'replica_identity'))
        for column in table['columns'].values():
            catalog.drop_nulls(column, ('default', 'identity', 'generated', 'collation'))
    for view in data['views'].values():
        catalog.drop_nulls(view, ('check_option', 'materialized'))
    for function in data['functions'].values():
        catalog.drop_nulls(function, ('settings', 'support'))  # SET clauses (search_path=...): listed when there are some
    for role in data['roles'].values():
        catalog.drop_nulls(role, ('replication', 'settings'))
    for section in ('types', 'sequences'):
        for item in data[section].values():
            catalog.drop_nulls(item)
    for item in data['event_triggers'].values():
        catalog.drop_nulls(item, ('tags',))
    for item in data['statistics'].values():
        catalog.drop_nulls(item, ('target',))
    catalog.drop_nulls(data['database'], ('settings',))
    data['database_name'] = data['database'].pop('name')
    data['schema'] = schema
    return data


def summarize(inventory):
    # type: (Dict[str, Any]) -> Dict[str, int]
    """Counts a reviewer asks for, computed from an inventory or a manifest."""
    tables = inventory.get('tables', {})
    counts = dict(tables=len(tables), columns=0, indexes=0, constraints=0, triggers=0, policies=0,
                  foreign_keys=0, tenant_id_indexes=0, tenant_tables=0, updated_at_triggers=0,
                  row_security_tables=0, views=len(inventory.get('views', {})),
                  functions=len(inventory.get('functions', {})))
    for table in tables.values():
        counts['columns'] += len(table.get('columns', {}))
        counts['indexes'] += len(table.get('indexes', {}))
        counts['constraints'] += len(table.get('constraints', {}))
        counts['triggers'] += len(table.get('triggers', {}))
        counts['policies'] += len(table.get('policies', {}))
        counts['foreign_keys'] += sum(1 for c in table.get('constraints', {}).values() if c['type'] == 'foreign key')
        counts['tenant_id_indexes'] += sum(1 for i in table.get('indexes', {}).values()
                                           if i.get('columns') and i['columns'][0] == 'tenant_id')
        counts['tenant_tables'] += 1 if 'tenant_id' in table.get('columns', {}) else 0
        counts['updated_at_triggers'] += sum(1 for t in table.get('triggers', {}).values()
                                             if t.get('function') == 'update_updated_at_column')
        counts['row_security_tables'] += 1 if table.get('row_security') else 0
    return counts


def is_administrator(role):
    # type: (Dict[str, Any]) -> bool
    """A role that may create roles (RDS's master user, rds_superuser's members): it can make itself a member
    of any role at any time, so its memberships say nothing about the schema."""
    return bool(role.get('create_role') or role.get('superuser'))


def schema_roles(roles, keep=()):
    # type: (Optional[Dict[str, Any]], Any) -> Dict[str, Any]
    """The roles of an inventory without the administrators, but for those named in ``keep``."""
    return dict((name, role) for name, role in (roles or {}).items() if name in keep or not is_administrator(role))
