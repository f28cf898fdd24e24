# -*- coding: utf-8 -*-
# Copyright (c) 2026, ShopPulse platform team
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Adopting a database that holds the schema but no ledger (a baseline): which migrations it may record as
applied, only when the live schema is what the manifest of that version says, every difference named.

Plain Python over a DB-API connection; no Ansible.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.shoppulse.analytics.plugins.module_utils.schema import inventory as inventorylib
from ansible_collections.shoppulse.analytics.plugins.module_utils.schema import drift
from ansible_collections.shoppulse.analytics.plugins.module_utils.postgres.errors import EngineError

try:
    from typing import Any, Dict, List
except ImportError:  # pragma: no cover
    pass


def differences(conn, manifest, ledger):
    # type: (Any, Dict[str, Any], Any) -> List[Dict[str, Any]]
    """The differences between the live schema and ``manifest``, leaving out the ledger's tables, their comments
    and the sequences of their columns (what a baseline makes)."""
    schema = manifest.get('schema') or 'public'
    expected = dict(manifest)
    if schema == ledger.schema:
        own = set(ledger.table_names)
        expected['tables'] = dict((name, table) for name, table in (manifest.get('tables') or {}).items()
                                  if name not in own)
        expected['sequences'] = dict((name, sequence) for name, sequence in (manifest.get('sequences') or {}).items()
                                     if _owning_table(sequence) not in own)
        if 'comments' in manifest:
            expected['comments'] = dict((target, text) for target, text in (manifest.get('comments') or {}).items()
                                        if _commented_table(target) not in own)
    found = drift.compare(expected, inventorylib.read_inventory(conn, schema))
    if schema != ledger.schema:
        return found
    return [d for d in found if not (d.get('kind') == 'comment' and _commented_table(d.get('name', '')) in own
                                     or d.get('kind') == 'sequence' and _owning_table(d.get('actual')) in own)]


def _owning_table(sequence):
    # type: (Any) -> str
    """The table whose column owns a sequence of an inventory ('' for none)."""
    return ((sequence or {}).get('owned_by') or '').split('.')[0]


def _commented_table(target):
    # type: (str) -> str
    """The table of a comment's target ('table orders', 'column orders.note'), '' for a view's or function's."""
    kind, dummy, name = target.partition(' ')
    return name.split('.')[0] if kind in ('table', 'column') else ''


def adopted(migrations, version, manifest, conn, ledger):
    # type: (List[Any], int, Dict[str, Any], Any, Any) -> List[Any]
    """The migrations up to ``version`` that a baseline records; EngineError, recording nothing, when the version is
    no migration's, the manifest is of another version, or the schema differs (every difference named)."""
    known = dict((m.version, m) for m in migrations)
    if version not in known:
        raise EngineError('baseline version %s matches no migration file (known versions: %s); nothing was recorded'
                          % (version, ', '.join(str(v) for v in sorted(known))))
    try:
        drift.validate_manifest(manifest)
    except ValueError as exc:
        raise EngineError('baseline: invalid manifest: %s; nothing was recorded' % exc)
    if manifest.get('migrations') != version:
        raise EngineError('baseline version %d matches no manifest: the manifest given describes the schema at '
                          'version %s (its "migrations"); give the manifest of version %d (make manifest at that '
                          'version), or baseline at %s. Nothing was recorded.'
                          % (version, manifest.get('migrations'), version, manifest.get('migrations')))
    found = differences(conn, manifest, ledger)
    if found:
        raise EngineError('baseline at version %d refused: the database differs from the manifest of version %d in '
                          '%d place(s): %s. Nothing was recorded.' % (
                              version, version, len(found), drift.describe(found)),
                          differences=found)
    return [m for m in migrations if m.version <= version]
