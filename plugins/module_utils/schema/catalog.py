# -*- coding: utf-8 -*-
# Copyright (c) 2026, ShopPulse platform team
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The catalog SQL of the inventory's parts beyond the tables (inventory.py assembles one query of them).

Every part is an SQL expression that yields JSON, so that the whole inventory stays one statement and one
round trip however many objects a schema holds. ``%(schema)s`` is the schema read; objects of the whole
database (extensions, event triggers, publications, the database's own privileges and settings, default
privileges of the whole database) are read whatever the schema.

Privileges are read as PostgreSQL applies them: an object whose ACL is NULL has its default privileges
(``acldefault``; EXECUTE on functions and USAGE on types for PUBLIC, CONNECT and TEMPORARY on the database),
so a REVOKE from PUBLIC is a difference, not the absence of one. A privilege held WITH GRANT OPTION ends in
``*`` ("SELECT*"); the owner's own privileges are not listed (the owner may always grant them back).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type


def acl_json(acl, owner, kind):
    # type: (str, str, str) -> str
    """SQL of the privileges of an ACL, {grantee: 'INSERT,SELECT*'} with PUBLIC by that name; ``kind`` is the
    object type letter of acldefault (r table, s sequence, f function, n schema, T type, d database)."""
    return (
        "COALESCE((SELECT json_object_agg(g.grantee, g.privileges ORDER BY g.grantee) FROM ("
        "SELECT CASE WHEN a.grantee = 0 THEN 'PUBLIC' ELSE pg_catalog.pg_get_userbyid(a.grantee) END AS grantee, "
        "string_agg(a.privilege_type || CASE WHEN a.is_grantable THEN '*' ELSE '' END, ',' "
        "ORDER BY a.privilege_type) AS privileges "
        "FROM pg_catalog.aclexplode(COALESCE(%s, pg_catalog.acldefault('%s', %s))) a "
        "WHERE a.grantee <> %s GROUP BY 1) g), '{}')" % (acl, kind, owner, owner))


def _not_in_extension(catalog, oid):
    # type: (str, str) -> str
    """SQL: the object is not a member of an extension (those are the extension's, compared as its version)."""
    return ("NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend dep WHERE dep.classid = 'pg_catalog.%s'::regclass "
            "AND dep.objid = %s AND dep.deptype = 'e')" % (catalog, oid))


SEQUENCES = r"""COALESCE((
    SELECT json_object_agg(c.relname, json_build_object(
      'type', pg_catalog.format_type(s.seqtypid, NULL),
      'start', s.seqstart, 'increment', s.seqincrement, 'minimum', s.seqmin, 'maximum', s.seqmax,
      'cache', s.seqcache, 'cycle', s.seqcycle,
      'owned_by', (SELECT t.relname || '.' || a.attname FROM pg_catalog.pg_depend d
                   JOIN pg_catalog.pg_class t ON t.oid = d.refobjid
                   JOIN pg_catalog.pg_attribute a ON a.attrelid = d.refobjid AND a.attnum = d.refobjsubid
                   WHERE d.classid = 'pg_catalog.pg_class'::regclass AND d.objid = c.oid
                     AND d.refclassid = 'pg_catalog.pg_class'::regclass AND d.deptype IN ('a', 'i')),
      'owner', pg_catalog.pg_get_userbyid(c.relowner),
      'privileges', """ + acl_json('c.relacl', 'c.relowner', 's') + r""") ORDER BY c.relname)
    FROM pg_catalog.pg_class c
    JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
    JOIN pg_catalog.pg_sequence s ON s.seqrelid = c.oid
    WHERE n.nspname = %(schema)s AND c.relkind = 'S'), '{}')"""

SCHEMAS = r"""COALESCE((
    SELECT json_object_agg(n.nspname, json_build_object(
      'owner', pg_catalog.pg_get_userbyid(n.nspowner),
      'privileges', """ + acl_json('n.nspacl', 'n.nspowner', 'n') + r""") ORDER BY n.nspname)
    FROM pg_catalog.pg_namespace n
    WHERE n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast')
      AND n.nspname !~ '^pg_(toast_)?temp_'), '{}')"""

TYPES = r"""COALESCE((
    SELECT json_object_agg(t.typname, json_build_object(
      'kind', CASE t.typtype WHEN 'e' THEN 'enum' WHEN 'd' THEN 'domain' WHEN 'r' THEN 'range'
              ELSE 'composite' END,
      'labels', (SELECT json_agg(e.enumlabel ORDER BY e.enumsortorder) FROM pg_catalog.pg_enum e
                 WHERE e.enumtypid = t.oid),
      'base', CASE WHEN t.typtype = 'd' THEN pg_catalog.format_type(t.typbasetype, t.typtypmod) END,
      'subtype', (SELECT pg_catalog.format_type(r.rngsubtype, NULL) FROM pg_catalog.pg_range r
                  WHERE r.rngtypid = t.oid),
      'not_null', CASE WHEN t.typtype = 'd' THEN t.typnotnull END,
      'default', t.typdefault,
      'collation', (SELECT co.collname FROM pg_catalog.pg_collation co
                    WHERE co.oid = t.typcollation AND t.typtype = 'd'
                      AND t.typcollation <> (SELECT b.typcollation FROM pg_catalog.pg_type b
                                             WHERE b.oid = t.typbasetype)),
      'constraints', (SELECT json_object_agg(con.conname, pg_catalog.pg_get_constraintdef(con.oid, true)
                                             ORDER BY con.conname)
                      FROM pg_catalog.pg_constraint con WHERE con.contypid = t.oid AND con.contype <> 'n'),
      'attributes', (SELECT json_object_agg(a.attname, pg_catalog.format_type(a.atttypid, a.atttypmod)
                                            ORDER BY a.attnum)
                     FROM pg_catalog.pg_attribute a
                     WHERE t.typtype = 'c' AND a.attrelid = t.typrelid AND a.attnum > 0 AND NOT a.attisdropped),
      'owner', pg_catalog.pg_get_userbyid(t.typowner),
      'privileges', """ + acl_json('t.typacl', 't.typowner', 'T') + r""") ORDER BY t.typname)
    FROM pg_catalog.pg_type t
    JOIN pg_catalog.pg_namespace n ON n.oid = t.typnamespace
    WHERE n.nspname = %(schema)s
      AND (t.typtype IN ('e', 'd', 'r')
           OR t.typtype = 'c' AND (SELECT k.relkind FROM pg_catalog.pg_class k WHERE k.oid = t.typrelid) = 'c')
      AND """ + _not_in_extension('pg_type', 't.oid') + r"""), '{}')"""

EXTENSIONS = r"""COALESCE((
    SELECT json_object_agg(x.extname, json_build_object(
      'schema', x.extnamespace::regnamespace::text, 'version', x.extversion) ORDER BY x.extname)
    FROM pg_catalog.pg_extension x), '{}')"""

RULES = r"""COALESCE((
    SELECT json_object_agg(c.relname || '.' || w.rulename, json_build_object(
      'definition', pg_catalog.pg_get_ruledef(w.oid, true),
      'enabled', w.ev_enabled <> 'D') ORDER BY c.relname, w.rulename)
    FROM pg_catalog.pg_rewrite w
    JOIN pg_catalog.pg_class c ON c.oid = w.ev_class
    JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
    WHERE n.nspname = %(schema)s AND w.rulename <> '_RETURN'), '{}')"""

EVENT_TRIGGERS = r"""COALESCE((
    SELECT json_object_agg(e.evtname, json_build_object(
      'event', e.evtevent,
      'function', e.evtfoid::regprocedure::text,
      'enabled', CASE e.evtenabled WHEN 'O' THEN 'origin' WHEN 'D' THEN 'disabled' WHEN 'R' THEN 'replica'
                 ELSE 'always' END,
      'tags', e.evttags,
      'owner', pg_catalog.pg_get_userbyid(e.evtowner)) ORDER BY e.evtname)
    FROM pg_catalog.pg_event_trigger e), '{}')"""

STATISTICS = r"""COALESCE((
    SELECT json_object_agg(s.stxname, json_build_object(
      'definition', pg_catalog.pg_get_statisticsobjdef(s.oid),
      -- the default target is -1 up to 16 and NULL from 17 on: both read as null
      'target', NULLIF(COALESCE(s.stxstattarget::int, -1), -1),
      'owner', pg_catalog.pg_get_userbyid(s.stxowner)) ORDER BY s.stxname)
    FROM pg_catalog.pg_statistic_ext s
    JOIN pg_catalog.pg_namespace n ON n.oid = s.stxnamespace
    WHERE n.nspname = %(schema)s), '{}')"""

PUBLICATIONS = r"""COALESCE((
    SELECT json_object_agg(p.pubname, json_build_object(
      'owner', pg_catalog.pg_get_userbyid(p.pubowner),
      'all_tables', p.puballtables,
      'actions', (SELECT json_agg(a.name ORDER BY a.name) FROM (VALUES ('insert', p.pubinsert),
                  ('update', p.pubupdate), ('delete', p.pubdelete), ('truncate', p.pubtruncate)) AS a(name, on_)
                  WHERE a.on_),
      'via_root', p.pubviaroot,
      'tables', (SELECT json_agg(pt.schemaname || '.' || pt.tablename ORDER BY pt.schemaname, pt.tablename)
                 FROM pg_catalog.pg_publication_tables pt WHERE pt.pubname = p.pubname)) ORDER BY p.pubname)
    FROM pg_catalog.pg_publication p), '{}')"""

# Default privileges: what objects that role creates later get; keyed "<role> <object type>[ in <schema>]".
DEFAULT_PRIVILEGES = r"""COALESCE((
    SELECT json_object_agg(k.key, k.privileges ORDER BY k.key) FROM (
      SELECT pg_catalog.pg_get_userbyid(d.defaclrole) || ' ' ||
             CASE d.defaclobjtype WHEN 'r' THEN 'tables' WHEN 'S' THEN 'sequences' WHEN 'f' THEN 'functions'
             WHEN 'T' THEN 'types' WHEN 'n' THEN 'schemas' ELSE d.defaclobjtype::text END ||
             CASE WHEN d.defaclnamespace = 0 THEN '' ELSE ' in ' || d.defaclnamespace::regnamespace::text END
             AS key,
             COALESCE((SELECT json_object_agg(g.grantee, g.privileges ORDER BY g.grantee) FROM (
               SELECT CASE WHEN a.grantee = 0 THEN 'PUBLIC' ELSE pg_catalog.pg_get_userbyid(a.grantee) END
                        AS grantee,
                      string_agg(a.privilege_type || CASE WHEN a.is_grantable THEN '*' ELSE '' END, ','
                                 ORDER BY a.privilege_type) AS privileges
               FROM pg_catalog.aclexplode(d.defaclacl) a GROUP BY 1) g), '{}') AS privileges
      FROM pg_catalog.pg_default_acl d
      WHERE d.defaclnamespace = 0
         OR d.defaclnamespace = (SELECT oid FROM pg_catalog.pg_namespace WHERE nspname = %(schema)s)) k), '{}')"""

# The database: its privileges (as PostgreSQL applies them) and the settings every session of it starts with.
DATABASE = r"""(
    SELECT json_build_object(
      'name', d.datname,
      'privileges', """ + acl_json('d.datacl', 'd.datdba', 'd') + r""",
      'settings', (SELECT s.setconfig FROM pg_catalog.pg_db_role_setting s
                   WHERE s.setdatabase = d.oid AND s.setrole = 0))
    FROM pg_catalog.pg_database d WHERE d.datname = pg_catalog.current_database())"""

# The parts above, by their key in the inventory.
SECTIONS = (
    ('schemas', SCHEMAS),
    ('sequences', SEQUENCES),
    ('types', TYPES),
    ('extensions', EXTENSIONS),
    ('rules', RULES),
    ('event_triggers', EVENT_TRIGGERS),
    ('statistics', STATISTICS),
    ('publications', PUBLICATIONS),
    ('default_privileges', DEFAULT_PRIVILEGES),
    ('database', DATABASE),
)


def sections_sql():
    # type: () -> str
    """The parts as the arguments of the inventory's json_build_object (its text after a comma)."""
    return ',\n  '.join("'%s', %s" % (key, sql) for key, sql in SECTIONS)


def drop_nulls(mapping, keys=None):
    # type: (dict, object) -> dict
    """``mapping`` without the keys (all, or those of ``keys``) whose value is null: an absent property is its
    default, so a manifest lists only what is set."""
    for key in list(mapping):
        if mapping[key] is None and (keys is None or key in keys):  # type: ignore[operator]
            del mapping[key]
    return mapping
