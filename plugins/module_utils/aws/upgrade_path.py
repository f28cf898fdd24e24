# -*- coding: utf-8 -*-
# Copyright (c) 2026, ShopPulse platform team
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Whether RDS upgrades an instance from one engine version to another, and if not, the path it allows (issue 42).

RDS says which versions an instance may go to in DescribeDBEngineVersions' ValidUpgradeTarget of its current
version (each with IsMajorVersionUpgrade); anything else (a downgrade, a major it does not list) it refuses. A
refusal here names the versions allowed and, for a major too far, the majors to go through. Plain Python; no Ansible.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

try:
    from typing import Any, Dict, List, Optional
except ImportError:  # pragma: no cover
    pass


def parse(version):
    # type: (str) -> tuple
    return tuple(int(part) for part in ('%s' % version).split('.'))


def major(version):
    # type: (str) -> int
    return parse(version)[0]


def kind(current, target):
    # type: (str, str) -> str
    """'none', 'minor', 'major' or 'downgrade'."""
    if parse(target) == parse(current):
        return 'none'
    if parse(target) < parse(current):
        return 'downgrade'
    return 'major' if major(target) != major(current) else 'minor'


def _targets(valid_targets):
    # type: (List[Dict[str, Any]]) -> List[str]
    """The versions of DescribeDBEngineVersions' ValidUpgradeTarget (boto3's keys or amazon.aws's snake_case)."""
    return sorted(('%s' % (t.get('EngineVersion') or t.get('engine_version')) for t in valid_targets), key=parse)


UPGRADE_PLAYBOOK = 'playbooks/upgrade.yml'


def refusal(current, target, valid_targets, major_allowed=True):
    # type: (str, str, List[Dict[str, Any]], bool) -> Optional[str]
    """None when RDS upgrades ``current`` to ``target`` (or they are the same); else why not, with the path.
    major_allowed=False (a run that is not an upgrade's): a major upgrade is refused too, naming the playbook."""
    which = kind(current, target)
    if which == 'none':
        return None
    if which == 'major' and not major_allowed:
        return ('%s to %s is a major version upgrade, which %s makes (the checks, a snapshot, a parameter group of the '
                'new family, the upgrade, the schema verified): run it with database_engine_version %s'
                % (current, target, UPGRADE_PLAYBOOK, target))
    targets = _targets(valid_targets)
    if which != 'downgrade' and target in targets:
        return None
    majors = sorted(set(major(v) for v in targets if major(v) > major(current)))
    allowed = ', '.join(targets) or 'none'
    if which == 'downgrade':
        return ('%s to %s is a downgrade, which RDS does not make: go back by restoring the snapshot taken before the '
                'upgrade; from %s RDS upgrades to %s' % (current, target, current, allowed))
    if majors and major(target) > majors[-1]:
        return ('RDS does not upgrade %s to %s in one step: upgrade to PostgreSQL %d first (one of %s), then on from '
                'there' % (current, target, majors[-1], ', '.join(v for v in targets if major(v) == majors[-1])))
    return 'RDS does not upgrade %s to %s; from %s it upgrades to %s' % (current, target, current, allowed)
