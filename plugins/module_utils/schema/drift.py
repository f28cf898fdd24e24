# -*- coding: utf-8 -*-
# Copyright (c) 2026, ShopPulse platform team
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Drift: a live inventory (inventory.py) compared with a manifest, every difference named, and the reports of
the differences; reading, checking and writing manifests.

The manifest has the inventory's shape; ``files/manifest.yml`` is generated from a database built by the
migrations (``make manifest``). Plain Python; no Ansible.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json

from ansible_collections.shoppulse.analytics.plugins.module_utils.schema.inventory import schema_roles

try:
    from typing import Any, Dict, List, Optional, Sequence
except ImportError:  # pragma: no cover
    pass

try:
    import yaml
    HAS_YAML = True
except ImportError:  # a managed node without PyYAML reads JSON manifests only
    HAS_YAML = False

MANIFEST_FORMAT = 2  # 2 (make manifest since issue 41): every part of the catalog below; 1 still compares as before
READABLE_FORMATS = (1, 2)

# What each part of a table is called in a report, and its key in the inventory.
TABLE_PARTS = (
    ('column', 'columns'),
    ('index', 'indexes'),
    ('constraint', 'constraints'),
    ('trigger', 'triggers'),
    ('policy', 'policies'),
)
TABLE_FLAGS = ('row_security', 'force_row_security')
# Compared when the manifest has them (manifests written before they were read do not).
TABLE_SETTINGS = ('owner', 'privileges', 'column_privileges')
# Compared in format 2, absent meaning PostgreSQL's default (reloptions unset, a logged table, replica identity
# default).
TABLE_STORAGE = ('options', 'unlogged', 'replica_identity')
# The parts of the database beyond tables, views, functions, comments and roles, by key and by what a report
# calls one of them; compared in format 2 (absent: none exists).
SECTIONS = (
    ('schemas', 'schema'),
    ('sequences', 'sequence'),
    ('types', 'type'),
    ('extensions', 'extension'),
    ('rules', 'rule'),
    ('event_triggers', 'event trigger'),
    ('statistics', 'statistics'),
    ('publications', 'publication'),
    ('default_privileges', 'default privileges'),
)
DATABASE_SETTINGS = ('privileges', 'settings')
# What a format 1 manifest knew of each object; the live inventory is cut to it before comparing one.
FORMAT_1 = dict(
    column=('type', 'nullable', 'default', 'identity', 'generated'),
    view=('definition', 'security_barrier', 'security_invoker'),
    function=('returns', 'language', 'security_definer', 'settings', 'body_sha256'),
    role=('login', 'superuser', 'bypass_row_security', 'create_role', 'create_database', 'member_of'),
)


def _difference(kind, name, problem, expected=None, actual=None):
    # type: (str, str, str, Any, Any) -> Dict[str, Any]
    """One difference; a "different" one of two mappings names the properties that differ (``properties``)."""
    found = dict(kind=kind, name=name, problem=problem, expected=expected, actual=actual)
    if problem == 'different' and isinstance(expected, dict) and isinstance(actual, dict):
        found['properties'] = sorted(k for k in set(expected) | set(actual) if expected.get(k) != actual.get(k))
    return found


def _plain_privileges(privileges):
    # type: (Any) -> Any
    """{grantee: 'SELECT*'} as format 1 read it, without the grant options."""
    if not isinstance(privileges, dict):
        return privileges
    return dict((grantee, value.replace('*', '') if isinstance(value, str) else _plain_privileges(value))
                for grantee, value in privileges.items())


def _cut(mapping, keys):
    # type: (Dict[str, Any], Any) -> Dict[str, Any]
    return dict((k, v) for k, v in mapping.items() if k in keys)


def as_format_1(inventory):
    # type: (Dict[str, Any]) -> Dict[str, Any]
    """The live inventory as a format 1 manifest saw it: tables, views, functions (not procedures or
    aggregates), comments and roles, each with the properties format 1 had, privileges without grant options."""
    tables = {}
    for name, table in (inventory.get('tables') or {}).items():
        table = dict((k, v) for k, v in table.items() if k not in TABLE_STORAGE)
        table['columns'] = dict((c, _cut(column, FORMAT_1['column'])) for c, column in table.get('columns', {}).items())
        for key in ('privileges', 'column_privileges'):
            if key in table:
                table[key] = _plain_privileges(table[key])
        tables[name] = table
    return dict(
        schema=inventory.get('schema'), tables=tables, comments=inventory.get('comments') or {},
        views=dict((n, _cut(v, FORMAT_1['view'])) for n, v in (inventory.get('views') or {}).items()
                   if not v.get('materialized')),
        functions=dict((n, _cut(f, FORMAT_1['function'])) for n, f in (inventory.get('functions') or {}).items()
                       if f.get('kind', 'function') == 'function'),
        roles=dict((n, _cut(r, FORMAT_1['role'])) for n, r in (inventory.get('roles') or {}).items()))


def _compare_named(kind, prefix, expected, actual, out):
    # type: (str, str, Dict[str, Any], Dict[str, Any], List[Dict[str, Any]]) -> None
    for name in sorted(expected):
        if name not in actual:
            out.append(_difference(kind, prefix + name, 'missing', expected=expected[name]))
        elif expected[name] != actual[name]:
            out.append(_difference(kind, prefix + name, 'different', expected=expected[name], actual=actual[name]))
    for name in sorted(actual):
        if name not in expected:
            out.append(_difference(kind, prefix + name, 'unexpected', actual=actual[name]))


def _name_invalid_indexes(table, expected, actual, out):
    # type: (str, Dict[str, Any], Dict[str, Any], List[Dict[str, Any]]) -> None
    """An INVALID index (what a failed or cancelled CREATE INDEX CONCURRENTLY leaves: it is kept up to date
    but no query uses it, and IF NOT EXISTS skips it) is drift of its own, named so, whether the manifest
    expects an index of that name or not: it takes the place of "unexpected" and of a "different" that is
    only its validity; any other difference of its definition is still named beside it."""
    for name in sorted(actual):
        if actual[name].get('valid', True):
            continue
        full = table + '.' + name
        out[:] = [d for d in out if not (d['kind'] == 'index' and d['name'] == full and (
            d['problem'] == 'unexpected' or d['problem'] == 'different' and dict(d['expected'], valid=False) == d['actual']))]
        out.append(_difference('index', full, 'invalid', expected=expected.get(name), actual=actual[name]))


def compare(manifest, inventory):
    # type: (Dict[str, Any], Dict[str, Any]) -> List[Dict[str, Any]]
    """Return every difference between a manifest and a live inventory, sorted by name.

    A missing or unexpected table is one difference (its parts are not listed
    again); inside tables present on both sides, each column, index, constraint,
    trigger, policy and row-security flag is compared on its own.
    """
    differences = []  # type: List[Dict[str, Any]]
    newest = (manifest.get('format') or MANIFEST_FORMAT) >= 2  # an inventory given as a manifest has every part
    if not newest:
        inventory = as_format_1(inventory)
    expected_tables = manifest.get('tables') or {}
    actual_tables = inventory.get('tables') or {}
    for name in sorted(expected_tables):
        if name not in actual_tables:
            differences.append(_difference('table', name, 'missing'))
            continue
        want, have = expected_tables[name], actual_tables[name]
        for flag in TABLE_FLAGS:
            if bool(want.get(flag, False)) != bool(have.get(flag, False)):
                differences.append(_difference('table setting', '%s.%s' % (name, flag), 'different',
                                               expected=bool(want.get(flag, False)),
                                               actual=bool(have.get(flag, False))))
        for setting in TABLE_SETTINGS + (TABLE_STORAGE if newest else ()):
            if (setting in want or setting in TABLE_STORAGE) and want.get(setting) != have.get(setting):
                differences.append(_difference('table setting', '%s.%s' % (name, setting), 'different',
                                               expected=want.get(setting), actual=have.get(setting)))
        for kind, key in TABLE_PARTS:
            _compare_named(kind, name + '.', want.get(key) or {}, have.get(key) or {}, differences)
        _name_invalid_indexes(name, want.get('indexes') or {}, have.get('indexes') or {}, differences)
    for name in sorted(actual_tables):
        if name not in expected_tables:
            differences.append(_difference('table', name, 'unexpected'))
    _compare_named('view', '', manifest.get('views') or {}, inventory.get('views') or {}, differences)
    _compare_named('function', '', manifest.get('functions') or {}, inventory.get('functions') or {}, differences)
    if 'comments' in manifest:  # manifests written before comments were read do not compare them
        _compare_named('comment', '', manifest.get('comments') or {}, inventory.get('comments') or {}, differences)
    if 'roles' in manifest:
        expected_roles = manifest.get('roles') or {}
        _compare_named('role', '', expected_roles, schema_roles(inventory.get('roles'), keep=expected_roles),
                       differences)
    if newest:
        _compare_database(manifest, inventory, differences)
    return sorted(differences, key=lambda d: (d['name'], d['kind']))


def _compare_database(manifest, inventory, out):
    # type: (Dict[str, Any], Dict[str, Any], List[Dict[str, Any]]) -> None
    """Format 2: the parts beyond the tables, and the database's own privileges and settings."""
    for key, kind in SECTIONS:
        _compare_named(kind, '', manifest.get(key) or {}, inventory.get(key) or {}, out)
    want, have = manifest.get('database') or {}, inventory.get('database') or {}
    for setting in DATABASE_SETTINGS:
        if want.get(setting) != have.get(setting):
            found = _difference('database setting', setting, 'different', expected=want.get(setting),
                                actual=have.get(setting))
            found['database'] = inventory.get('database_name')
            out.append(found)


def report_lines(differences):
    # type: (List[Dict[str, Any]]) -> List[str]
    """One readable line per difference: "missing index orders.orders_tenant_ordered_at_idx", "different function
    f() (volatility)": a difference of two mappings names the properties that differ."""
    return ['%s %s %s%s' % (d['problem'], d['kind'], d['name'],
                            ' (%s)' % ', '.join(d['properties']) if d.get('properties') else '') for d in differences]


def _cell(value, width):
    # type: (Any, int) -> str
    """A short readable rendering of an expected or actual value, for a table cell."""
    if value is None:
        text = '-'
    elif isinstance(value, dict) and 'definition' in value:
        text = value['definition']
    elif isinstance(value, dict) and 'type' in value and 'nullable' in value:
        text = value['type'] + ('' if value['nullable'] else ' not null')
        if value.get('default') is not None:
            text += ' default ' + str(value['default'])
    elif isinstance(value, dict):
        text = json.dumps(value, sort_keys=True, separators=(',', ':'))
    else:
        text = str(value).lower() if isinstance(value, bool) else str(value)
    text = ' '.join(text.split())
    return text if len(text) <= width else text[:width - 3] + '...'


def report_table(differences, width=100):
    # type: (List[Dict[str, Any]], int) -> List[str]
    """The differences as an aligned text table, one row each, for people reading a job's output.

    Columns: problem, kind, object, expected, actual (long values cut at ``width`` characters).
    """
    if not differences:
        return ['no differences']
    header = ('PROBLEM', 'KIND', 'OBJECT', 'EXPECTED', 'ACTUAL')
    rows = [(d['problem'], d['kind'], d['name'], _cell(d.get('expected'), width), _cell(d.get('actual'), width))
            for d in differences]
    widths = [max(len(row[i]) for row in [header] + rows) for i in range(len(header))]

    def line(row):
        # type: (Sequence[str]) -> str
        return '  '.join(cell.ljust(widths[i]) for i, cell in enumerate(row)).rstrip()

    return ([line(header), line(tuple('-' * w for w in widths))] + [line(row) for row in rows]
            + ['%d difference(s)' % len(differences)])


def describe(differences, limit=None):
    # type: (List[Dict[str, Any]], Optional[int]) -> str
    """One readable sentence for a list of differences."""
    parts = report_lines(differences if limit is None else differences[:limit])
    if limit is not None and len(differences) > limit:
        parts.append('and %d more' % (len(differences) - limit))
    return '; '.join(parts)


def manifest_from_inventory(inventory, migrations=None):
    # type: (Dict[str, Any], Optional[int]) -> Dict[str, Any]
    """The manifest document for an inventory (what ``make manifest`` writes)."""
    manifest = dict(format=MANIFEST_FORMAT, schema=inventory.get('schema', 'public'))
    if migrations is not None:
        manifest['migrations'] = migrations
    for key in ('tables', 'views', 'functions', 'comments') + tuple(key for key, dummy in SECTIONS):
        manifest[key] = inventory.get(key) or {}
    manifest['roles'] = schema_roles(inventory.get('roles'))
    manifest['database'] = inventory.get('database') or {}
    return manifest


def read_manifest(path):
    # type: (str) -> Dict[str, Any]
    """The manifest file at ``path`` (JSON, or YAML with PyYAML), parsed: the one reader of the modules and the
    lookup. ValueError naming the file for what cannot be read or parsed, or is not a mapping."""
    try:
        with open(path, 'rb') as handle:
            text = handle.read().decode('utf-8')
    except (IOError, OSError, UnicodeDecodeError) as exc:
        raise ValueError('cannot read the manifest %s: %s' % (path, exc))
    if text.lstrip().startswith('{'):
        try:
            data = json.loads(text)
        except ValueError as exc:
            raise ValueError('the manifest %s is not valid JSON: %s' % (path, exc))
    elif not HAS_YAML:
        raise ValueError('the manifest %s is YAML, and reading YAML needs PyYAML (install it, or give the manifest as '
                         'JSON or inline)' % path)
    else:
        try:
            # libyaml's loader when PyYAML has it: a manifest of 1,000 tables loads in 1.7 s instead of 4.3 s
            data = yaml.load(text, Loader=getattr(yaml, 'CSafeLoader', yaml.SafeLoader))
        except yaml.YAMLError as exc:
            raise ValueError('the manifest %s is not valid YAML: %s' % (path, exc))
    if not isinstance(data, dict):
        raise ValueError('the manifest %s is not a mapping' % path)
    return data


def validate_manifest(manifest):
    # type: (Dict[str, Any]) -> None
    """Raise ValueError naming what is wrong with a manifest's shape."""
    if not isinstance(manifest, dict):
        raise ValueError('the manifest must be a mapping, not %s' % type(manifest).__name__)
    if manifest.get('format') not in READABLE_FORMATS:
        raise ValueError('unsupported manifest format %r (this collection reads formats %s)'
                         % (manifest.get('format'), ' and '.join(str(f) for f in READABLE_FORMATS)))
    tables = manifest.get('tables')
    if not isinstance(tables, dict) or not tables:
        raise ValueError('the manifest lists no tables')
    for name, table in tables.items():
        if not isinstance(table, dict) or not isinstance(table.get('columns'), dict):
            raise ValueError('manifest table %s has no columns mapping' % name)
