# Copyright (c) 2026, ShopPulse platform team
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Correction 19 of support/moto_extension.py: a major version upgrade as RDS makes it (issue 42).

RDS lists, for each engine version, the versions an instance may be upgraded to (DescribeDBEngineVersions'
ValidUpgradeTarget, with IsMajorVersionUpgrade), and ModifyDBInstance refuses any other (a downgrade, a major
not listed), a new major without AllowMajorVersionUpgrade ("The AllowMajorVersionUpgrade flag must be present when
upgrading to a new major version.") and a parameter group of another family than the target's. moto lists no
target and sets EngineVersion to anything. The emulator's path (not RDS's catalogue, which changes by minor): the
later minors of a version's major and every version of the next two majors, so that 15 to 18 needs a step through
16 or 17, as RDS has asked of some versions.

With SHOPPULSE_MOTO_RDS_UPGRADE_COMMAND (the local site's), a major upgrade runs that command (split on spaces) with
the target major appended, as RDS upgrades the instance's server in place: the local server the instance stands
for is upgraded with pg_upgrade (support/pgupgrade.py), and ModifyDBInstance answers once it is done.
"""

import os
import subprocess

MAJORS_AHEAD = 2


def _parse(version):
    return tuple(int(part) for part in version.split('.'))


def valid_targets(version, offered):
    """ValidUpgradeTarget of ``version`` among the ``offered`` versions."""
    major = _parse(version)[0]
    return [dict(Engine='postgres', EngineVersion=v, Description='PostgreSQL ' + v, AutoUpgrade=False,
                 IsMajorVersionUpgrade=_parse(v)[0] != major)
            for v in offered
            if (_parse(v)[0] == major and _parse(v) > _parse(version)) or major < _parse(v)[0] <= major + MAJORS_AHEAD]


def refuse(instance, kwargs, offered, backend, exceptions):
    """Before moto takes a modification: RDS's refusals of an engine version change."""
    target = kwargs.get('engine_version')
    current = instance.engine_version
    if not target or target == current:
        return
    allowed = [t['EngineVersion'] for t in valid_targets(current, offered)]
    if target not in allowed:
        raise exceptions.InvalidParameterCombination('Cannot upgrade postgres from %s to %s' % (current, target))
    major = _parse(target)[0]
    if major == _parse(current)[0]:
        return
    if not kwargs.get('allow_major_version_upgrade'):
        raise exceptions.InvalidParameterCombination(
            'The AllowMajorVersionUpgrade flag must be present when upgrading to a new major version.')
    group = kwargs.get('db_parameter_group_name') or instance.db_parameter_group_name
    family = backend.db_parameter_groups[group].family if group in backend.db_parameter_groups else None
    if family != 'postgres%d' % major:
        raise exceptions.InvalidParameterCombination(
            'The parameter group %s with DBParameterGroupFamily %s cannot be used for this instance. Use a '
            'parameter group with DBParameterGroupFamily postgres%d.' % (group, family, major))


def upgrade_server(current, target):
    """When the instance's engine version changes major (now, or in the maintenance window): the local server too."""
    command = os.environ.get('SHOPPULSE_MOTO_RDS_UPGRADE_COMMAND')
    if command and target and _parse(target)[0] != _parse(current)[0]:
        done = subprocess.run(command.split() + [str(_parse(target)[0])], capture_output=True, text=True, check=False)
        if done.returncode != 0:
            raise RuntimeError('the local server was not upgraded: %s' % (done.stdout + done.stderr)[-1500:])
