# -*- coding: utf-8 -*-
# Copyright (c) 2026, ShopPulse platform team
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The names a user gives (a schema, a ledger, a role), checked against PostgreSQL's rules before anything runs;
and the paths a user gives, which must not lead out of their folder.

PostgreSQL keeps NAMEDATALEN - 1 = 63 **bytes** of an identifier and cuts the rest without a word when it creates
an object, so ``<ledger>_history`` and ``<ledger>_repeatable``, the names the collection derives from a ledger's,
collide with each other or with the ledger once the ledger's name is long: every derived name must fit whole. An
identifier may hold any character but NUL; the collection quotes every name it writes into SQL, so a quote in a
name is harmless here (what is not quoted elsewhere, the role refuses by the stricter rule of RDS's names).

Plain Python; no Ansible.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os

try:
    from typing import Dict, Sequence
except ImportError:  # pragma: no cover
    pass

MAX_BYTES = 63  # NAMEDATALEN - 1


def problem(value, what):
    # type: (object, str) -> str
    """What is wrong with ``value`` as a PostgreSQL identifier, '' when nothing is. Never the value itself when it
    is not text (it could be anything the user pointed at)."""
    if not isinstance(value, str):
        return '%s must be a name (text), not %s' % (what, type(value).__name__)
    if not value:
        return '%s is empty' % what
    if u'\x00' in value:
        return '%s holds a NUL character, which no PostgreSQL name may' % what
    size = len(value.encode('utf-8'))
    if size > MAX_BYTES:
        return ('%s is %d bytes long: PostgreSQL keeps the first %d of a name and cuts the rest, so it would name '
                'another object than the one given' % (what, size, MAX_BYTES))
    return ''


def check(value, what):
    # type: (object, str) -> str
    """``value`` when it is a PostgreSQL identifier, else ValueError naming ``what``."""
    found = problem(value, what)
    if found:
        raise ValueError(found)
    return value  # type: ignore[return-value]


def derived(base, suffixes, what):
    # type: (str, Sequence[str], str) -> Dict[str, str]
    """{suffix: base + suffix}, each a whole identifier: ValueError naming ``what`` when one would be cut (and so
    collide with another after PostgreSQL's cut) or equal another."""
    check(base, what)
    names = dict((suffix, base + suffix) for suffix in suffixes)
    for suffix, name in sorted(names.items()):
        size = len(name.encode('utf-8'))
        if size > MAX_BYTES:
            longest = max(len(s.encode('utf-8')) for s in suffixes)
            raise ValueError('%s is %d bytes long, and the collection names its companion %s%s (%d bytes): PostgreSQL '
                             'keeps %d bytes of a name, so a %s may have at most %d bytes'
                             % (what, len(base.encode('utf-8')), '<%s>' % what, suffix, size, MAX_BYTES, what,
                                MAX_BYTES - longest))
    if len(set(names.values()) | {base}) != len(names) + 1:
        raise ValueError('%s and the names derived from it collide' % what)
    return names


def leaves(path, directory):
    # type: (str, str) -> bool
    """Whether ``path`` (a file named in ``directory``) is, once its links are followed, somewhere else: a file of a
    migrations directory or a seed linked to a file outside its folder (a password file, a key) is never read, and
    so never shown in an error."""
    real = os.path.realpath(path)
    folder = os.path.realpath(directory)
    return os.path.commonpath([real, folder]) != folder
