# -*- coding: utf-8 -*-
# Copyright (c) 2026, ShopPulse platform team
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""GRANT and REVOKE statements that turn the privileges of an inventory into a manifest's.

Privileges are read as the inventory gives them: {grantee: 'INSERT,SELECT*'}, a ``*`` marking a privilege held
WITH GRANT OPTION, PUBLIC by that name. Plain Python; no Ansible.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.shoppulse.analytics.plugins.module_utils.postgres.sqlscript import quote_ident

try:
    from typing import Callable, Dict, List, Optional, Set, Tuple
except ImportError:  # pragma: no cover
    pass


def levels(text):
    # type: (Optional[str]) -> Dict[str, int]
    """{'SELECT': 2, 'INSERT': 1} for 'INSERT,SELECT*': 1 held, 2 held with the grant option."""
    found = {}
    for privilege in (text or '').split(','):
        if privilege:
            found[privilege.rstrip('*')] = 2 if privilege.endswith('*') else 1
    return found


def grantee_sql(name):
    # type: (str) -> str
    return 'PUBLIC' if name == 'PUBLIC' else quote_ident(name)


def statements(target, expected, actual):
    # type: (Callable[[List[str]], str], Optional[Dict[str, str]], Optional[Dict[str, str]]) -> List[str]
    """GRANT and REVOKE turning ``actual`` into ``expected``; ``target`` makes the text between the verb and TO or
    FROM from the sorted privileges ("INSERT, SELECT ON t", "INSERT (c) ON t", "EXECUTE ON ROUTINE f()")."""
    found = []
    for grantee in sorted(set(expected or {}) | set(actual or {})):
        want, have = levels((expected or {}).get(grantee)), levels((actual or {}).get(grantee))
        who = grantee_sql(grantee)
        grant = sorted(p for p, level in want.items() if level == 1 and p not in have)
        grant_option = sorted(p for p, level in want.items() if level == 2 and have.get(p, 0) < 2)
        revoke_option = sorted(p for p, level in have.items() if level == 2 and want.get(p) == 1)
        revoke = sorted(p for p in have if p not in want)
        if grant:
            found.append('GRANT %s TO %s' % (target(grant), who))
        if grant_option:
            found.append('GRANT %s TO %s WITH GRANT OPTION' % (target(grant_option), who))
        if revoke_option:
            found.append('REVOKE GRANT OPTION FOR %s FROM %s' % (target(revoke_option), who))
        if revoke:
            found.append('REVOKE %s FROM %s' % (target(revoke), who))
    return found


def on(what):
    # type: (str) -> Callable[[List[str]], str]
    """The target of privileges on one object: on('SEQUENCE "public"."s"')."""
    return lambda privileges: '%s ON %s' % (', '.join(privileges), what)


def table_grants(table_sql, expected, actual, column_grants):
    # type: (str, Optional[Dict[str, str]], Optional[Dict[str, str]], Dict[str, Dict[str, str]]) -> List[str]
    """The table-wide privileges; a REVOKE of one takes the same privilege off every column too (PostgreSQL
    does so), so the manifest's column privileges of that kind are granted again after it."""
    found = statements(on(table_sql), expected, actual)
    revoked = set()  # type: Set[Tuple[str, str]]
    for grantee, privileges in (actual or {}).items():
        want = levels((expected or {}).get(grantee))
        revoked.update((grantee, p) for p in levels(privileges) if p not in want)
    again = {}  # type: Dict[str, Dict[str, str]]
    for column, grants in column_grants.items():
        for grantee, privileges in grants.items():
            kept = sorted(p for p in privileges.split(',') if p and (grantee, p.rstrip('*')) in revoked)
            if kept:
                again.setdefault(column, {})[grantee] = ','.join(kept)
    return found + column_grants_sql(table_sql, again, {})


def _on_column(table_sql, column):
    # type: (str, str) -> Callable[[List[str]], str]
    """What a GRANT or REVOKE of privileges on ``column`` says between its verb and TO or FROM."""
    return lambda privileges: '%s ON %s' % (', '.join('%s (%s)' % (p, quote_ident(column)) for p in privileges), table_sql)


def column_grants_sql(table_sql, expected, actual):
    # type: (str, Optional[Dict[str, Dict[str, str]]], Optional[Dict[str, Dict[str, str]]]) -> List[str]
    """The privileges on single columns: {column: {grantee: 'INSERT,UPDATE'}}."""
    found = []
    for column in sorted(set(expected or {}) | set(actual or {})):
        found += statements(_on_column(table_sql, column), (expected or {}).get(column), (actual or {}).get(column))
    return found
