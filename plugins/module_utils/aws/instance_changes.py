# -*- coding: utf-8 -*-
# Copyright (c) 2026, ShopPulse platform team
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What a run changes on a running RDS instance, when RDS makes each change and whether it restarts the instance
(issue 42): the plan a check-mode run and a diff show, before amazon.aws.rds_instance modifies anything.

When and what it costs, per setting, from the RDS user guide ("Settings for DB instances"): the instance class and
the engine version restart the instance; storage (size, type, IOPS, throughput) and Multi-AZ do not (performance
may drop while RDS works); these wait for the maintenance window unless applied immediately. A backup retention
turned on from 0 or off to 0 restarts the instance and waits for the window too; another change of it applies at
once. Deletion protection, Performance Insights' retention and log exports apply at once and restart nothing. A change RDS
already holds as pending is reported as pending, not as a change. Plain Python over a description; no Ansible.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

try:
    from typing import Any, Dict, List, Optional
except ImportError:  # pragma: no cover
    pass

NOW, WINDOW = 'now', 'in the maintenance window'
# (setting as the database role names it, the key of DescribeDBInstances, waits for the window, restarts)
SETTINGS = (
    ('instance_class', 'DBInstanceClass', True, True),
    ('engine_version', 'EngineVersion', True, True),
    ('allocated_storage', 'AllocatedStorage', True, False),
    ('storage_type', 'StorageType', True, False),
    ('iops', 'Iops', True, False),
    ('storage_throughput', 'StorageThroughput', True, False),
    ('multi_az', 'MultiAZ', True, False),
    ('backup_retention_days', 'BackupRetentionPeriod', False, False),
    ('deletion_protection', 'DeletionProtection', False, False),
    ('performance_insights_retention_days', 'PerformanceInsightsRetentionPeriod', False, False),
    ('log_exports', 'EnabledCloudwatchLogsExports', False, False),
)
BASELINE_WHEN_0 = ('iops', 'storage_throughput')  # 0: the storage type's baseline, not compared
SETTING_NAMES = tuple(s[0] for s in SETTINGS)


def _backups_switched(current, wanted):
    # type: (Any, Any) -> bool
    return (int(current or 0) == 0) != (int(wanted or 0) == 0)


def plan(instance, wanted, apply_immediately):
    # type: (Dict[str, Any], Dict[str, Any], bool) -> Dict[str, List[Dict[str, Any]]]
    """{'changes': [...], 'pending': [...]}: each {setting, current, wanted, when, restarts}; ``wanted`` holds the
    settings of SETTING_NAMES the inventory gives (None or absent: not managed)."""
    pending_values = instance.get('PendingModifiedValues') or {}
    changes, pending = [], []
    for name, key, waits, restarts in SETTINGS:
        want = wanted.get(name)
        if want is None or (name in BASELINE_WHEN_0 and not want):
            continue
        current = instance.get(key)
        if name == 'log_exports':
            current, want = sorted(current or []), sorted(want)
        if key == 'BackupRetentionPeriod' and _backups_switched(current, want):
            waits = restarts = True
        item = dict(setting=name, current=current, wanted=want, restarts=restarts,
                    when=WINDOW if waits and not apply_immediately else NOW)
        if key in pending_values and pending_values[key] == want:
            pending.append(dict(item, when=WINDOW))
        elif current != want:
            changes.append(item)
    return dict(changes=changes, pending=pending)


def describe_item(item, window=None):
    # type: (Dict[str, Any], Optional[str]) -> str
    """'instance_class: db.t3.large -> db.r6g.large (in the maintenance window sun:05:00-sun:05:30, restarts the
    instance)'."""
    when = item['when'] + (' %s' % window if item['when'] == WINDOW and window else '')
    return '%s: %s -> %s (%s%s)' % (item['setting'], item['current'], item['wanted'], when,
                                    ', restarts the instance' if item['restarts'] else '')


def diff(instance, found, window=None):
    # type: (Dict[str, Any], Dict[str, List[Dict[str, Any]]], Optional[str]) -> Dict[str, str]
    """Ansible's diff of a plan: the settings as they are, and as the run leaves them (with when and the cost)."""
    before = ['%s: %s' % (item['setting'], item['current']) for item in found['changes']]
    after = [describe_item(item, window) for item in found['changes']]
    return dict(before=''.join(line + '\n' for line in before), after=''.join(line + '\n' for line in after),
                before_header=instance.get('DBInstanceIdentifier', ''), after_header=instance.get('DBInstanceIdentifier', ''))
