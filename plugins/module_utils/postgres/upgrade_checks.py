# -*- coding: utf-8 -*-
# Copyright (c) 2026, ShopPulse platform team
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Before a major version upgrade: what would make it fail, read from the live server (issue 42).

The checks are those ``pg_upgrade --check`` makes on the old cluster and those RDS documents for an in-place major
upgrade ("Upgrading the PostgreSQL DB engine for Amazon RDS"), each a ``Finding`` that names the object:

- the path: a target that is not a later major the collection serves (a downgrade, the same major, or a major
  RDS does not offer) is refused with the allowed targets;
- open prepared transactions (pg_upgrade refuses them; RDS fails the upgrade);
- logical replication slots (RDS refuses the upgrade until they are dropped);
- columns of reg* types that store OIDs pg_upgrade cannot carry over (regcollation, regconfig, regdictionary,
  regnamespace, regoper, regoperator, regproc, regprocedure), directly, in arrays or in domains;
- columns of type aclitem, whose storage changed in PostgreSQL 16, for an upgrade from 15 or older to 16 or later;
- extensions the target does not offer, or offers without the installed version (update them first), when the
  target's extensions are given (read from the target's installation, or RDS's list for the target version).

The checks read the database the connection is on (pg_upgrade reads every database of the cluster: run them on
each) and the cluster-wide prepared transactions and slots. Plain Python over a DB-API connection; no Ansible.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import collections

from ansible_collections.shoppulse.analytics.plugins.module_utils.postgres import pgcompat

try:
    from typing import Any, Dict, Iterable, List, Optional, Sequence
except ImportError:  # pragma: no cover
    pass

Finding = collections.namedtuple('Finding', 'check object message')

# the majors RDS offers for the collection (pgcompat.SUPPORTED_MAJORS says the same of the schema)
REG_TYPES = ('regcollation', 'regconfig', 'regdictionary', 'regnamespace', 'regoper', 'regoperator', 'regproc',
             'regprocedure')

# user columns whose type is one of %(types)s, or an array or a domain of one (recursively)
COLUMNS_OF_TYPES = r"""
WITH RECURSIVE bad(oid) AS (
  SELECT t.oid FROM pg_catalog.pg_type t
  WHERE t.typnamespace = 'pg_catalog'::regnamespace AND t.typname = ANY (%(types)s)
  UNION
  SELECT t.oid FROM pg_catalog.pg_type t JOIN bad ON t.typbasetype = bad.oid OR (t.typelem = bad.oid AND t.typcategory = 'A')
)
SELECT n.nspname || '.' || c.relname || '.' || a.attname, pg_catalog.format_type(a.atttypid, a.atttypmod)
FROM pg_catalog.pg_attribute a
JOIN pg_catalog.pg_class c ON c.oid = a.attrelid
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
WHERE a.atttypid IN (SELECT oid FROM bad) AND a.attnum > 0 AND NOT a.attisdropped
  AND c.relkind IN ('r', 'm', 'p')
  AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname !~ '^pg_toast'
ORDER BY 1
"""


def _rows(cursor, sql, params=None):
    # type: (Any, str, Optional[Dict[str, Any]]) -> List[Sequence[Any]]
    cursor.execute(sql, params)
    return list(cursor.fetchall())


def path(current, target, offered):
    # type: (int, int, Sequence[int]) -> List[Finding]
    """A major upgrade goes up to a major that is offered; RDS upgrades a major in place to any later one it offers."""
    allowed = sorted(m for m in offered if m > current)
    if target in allowed:
        return []
    if target < current:
        why = 'a downgrade from %d to %d: RDS has none (restore a snapshot of %d instead)' % (current, target, current)
    elif target == current:
        why = 'already on %d: a minor version is not a major upgrade' % current
    else:
        why = '%d is not offered' % target
    return [Finding('path', 'PostgreSQL %d' % target, '%s; the allowed targets from %d: %s'
                    % (why, current, ', '.join(str(m) for m in allowed) or 'none'))]


def _extensions(cursor, target_extensions):
    # type: (Any, Dict[str, Iterable[str]]) -> List[Finding]
    found = []
    for name, version in _rows(cursor, 'SELECT extname, extversion FROM pg_catalog.pg_extension ORDER BY 1'):
        versions = target_extensions.get(name)
        if versions is None:
            found.append(Finding('extension', name, 'the target does not offer extension %s: drop it first' % name))
        elif version not in versions:
            offered = ', '.join(sorted(versions))
            found.append(Finding('extension', name, 'the target does not offer version %s of extension %s (it offers '
                                 '%s): ALTER EXTENSION %s UPDATE first' % (version, name, offered, name)))
    return found


def current_major(conn):
    # type: (Any) -> int
    """The server's major version (the driver has it from the connection: no query)."""
    return pgcompat.server_version(conn) // 10000


def check(conn, target, offered, target_extensions=None):
    # type: (Any, int, Sequence[int], Optional[Dict[str, Iterable[str]]]) -> List[Finding]
    """Every finding that would make an upgrade of the server of ``conn`` to major ``target`` fail; [] when none."""
    current = current_major(conn)
    cursor = pgcompat.tuple_cursor(conn)
    try:
        found = path(current, target, offered)
        for gid, database in _rows(cursor, 'SELECT gid, database FROM pg_catalog.pg_prepared_xacts ORDER BY 1'):
            found.append(Finding('prepared transaction', gid, 'an open prepared transaction in database %s: COMMIT '
                                 'PREPARED or ROLLBACK PREPARED it first' % database))
        for slot, database in _rows(cursor, "SELECT slot_name, database FROM pg_catalog.pg_replication_slots "
                                            "WHERE slot_type = 'logical' ORDER BY 1"):
            found.append(Finding('replication slot', slot, 'a logical replication slot of database %s: RDS refuses '
                                 'the upgrade until it is dropped' % database))
        for column, type_name in _rows(cursor, COLUMNS_OF_TYPES, dict(types=list(REG_TYPES))):
            found.append(Finding('data type', column, 'a column of type %s, which stores OIDs pg_upgrade cannot carry '
                                 'over: change its type first' % type_name))
        if current < 16 <= target:
            for column, type_name in _rows(cursor, COLUMNS_OF_TYPES, dict(types=['aclitem'])):
                found.append(Finding('data type', column, 'a column of type %s, stored differently from PostgreSQL 16 '
                                     'on: change its type first' % type_name))
        if target_extensions is not None:
            found += _extensions(cursor, target_extensions)
        return found
    finally:
        cursor.close()
        if not conn.autocommit:
            conn.rollback()


def describe(findings):
    # type: (List[Finding]) -> str
    """One sentence for the findings, each naming its object."""
    return '; '.join('%s %s: %s' % (f.check, f.object, f.message) for f in findings)
