# -*- coding: utf-8 -*-
# Copyright (c) 2026, ShopPulse platform team
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Network settings checked by what they mean, not by how they are written.

``1.2.3.4/0`` is not ``0.0.0.0/0`` as a string, but AWS (and amazon.aws, with a warning) takes it as exactly that;
``0.0.0.0/1`` and ``128.0.0.0/1`` are neither, but together they are the whole internet. So a CIDR is read as the
set of addresses it reaches, and every CIDR a user gives must lie inside the ranges the user declares private
(``shoppulse_private_cidrs``, RFC 1918 and IPv6 unique local addresses by default): whatever part of them, alone
or together, falls outside is named, with the entries that reach it. A CIDR with host bits set is refused on its
own: what it says is not what it means.

Plain Python (the standard library's ``ipaddress``); no Ansible. The filter ``shoppulse.analytics.cidrs_beyond`` and
``tools/security_check.py`` both use it.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import ipaddress

try:
    from typing import List, Sequence, Union
    Network = Union[ipaddress.IPv4Network, ipaddress.IPv6Network]
except ImportError:  # pragma: no cover - typing is in every Python the collection runs on
    pass


def _text(value):
    # type: (object) -> str
    return value.decode('utf-8', 'replace') if isinstance(value, bytes) else '%s' % (value,)


def parse(value, where):
    # type: (object, str) -> Network
    """The network of one CIDR; ValueError naming ``where`` for anything else, a CIDR with host bits included."""
    text = _text(value).strip()
    try:
        loose = ipaddress.ip_network(u'%s' % text, strict=False) if '/' in text else None
    except ValueError:
        loose = None
    if loose is None:
        raise ValueError('%s: %r is not a CIDR (an address and a prefix length, such as 10.8.0.0/16)' % (where, text))
    try:
        return ipaddress.ip_network(u'%s' % text)
    except ValueError:
        raise ValueError('%s: %s has host bits set: AWS takes it as %s; write that, if it is what you mean'
                         % (where, text, loose))


def _minus(network, others):
    # type: (Network, Sequence[Network]) -> List[Network]
    """The parts of ``network`` that none of ``others`` covers."""
    left = [network]
    for other in others:
        if other.version != network.version:
            continue
        kept = []  # type: List[Network]
        for part in left:
            if part.subnet_of(other):  # type: ignore[arg-type]
                continue
            if other.subnet_of(part):  # type: ignore[arg-type]
                kept.extend(part.address_exclude(other))  # type: ignore[arg-type]
            else:
                kept.append(part)
        left = kept
    return left


def beyond(cidrs, private, name, within='the private ranges'):
    # type: (Sequence[object], Sequence[object], str, str) -> List[str]
    """One sentence per problem of the list ``name``: an entry that is no CIDR or has host bits set, and each entry
    reaching addresses outside ``private`` (called ``within`` in the sentences), then how far all of them together
    reach outside. [] when all is well."""
    problems = []  # type: List[str]
    ranges = []  # type: List[Network]
    for index, value in enumerate(private or []):
        try:
            ranges.append(parse(value, '%s[%d]' % (within, index)))
        except ValueError as exc:
            problems.append('%s' % exc)
    outside = []  # type: List[Network]
    for index, value in enumerate(cidrs or []):
        where = '%s[%d]' % (name, index)
        try:
            network = parse(value, where)
        except ValueError as exc:
            problems.append('%s' % exc)
            continue
        parts = _minus(network, ranges)
        if parts:
            outside.extend(parts)
            problems.append('%s: %s reaches %s outside %s (%s)' % (
                where, network, _count(parts), within, ', '.join('%s' % r for r in ranges) or 'none declared'))
    together = _collapse(outside)
    if together and sum(1 for p in problems if ' outside %s (' % within in p) > 1:
        problems.append('%s together reach %s outside %s: %s' % (
            name, _count(together), within, ', '.join('%s' % n for n in together[:4]) + (' ...' if len(together) > 4 else '')))
    return problems


def _collapse(networks):
    # type: (Sequence[Network]) -> List[Network]
    merged = []  # type: List[Network]
    for version in (4, 6):
        merged.extend(ipaddress.collapse_addresses([n for n in networks if n.version == version]))  # type: ignore
    return merged


def _count(networks):
    # type: (Sequence[Network]) -> str
    total = sum(n.num_addresses for n in _collapse(networks))
    return '1 address' if total == 1 else '%d addresses' % total
