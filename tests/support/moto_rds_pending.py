# Copyright (c) 2026, ShopPulse platform team
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Correction 17 of support/moto_extension.py: changes RDS makes in the maintenance window (issue 42).

ModifyDBInstance without ApplyImmediately leaves the changes that RDS applies "during the next maintenance window"
(the instance class, storage size, type, IOPS and throughput, Multi-AZ, the engine version; "Settings for DB
instances" in the RDS user guide) in the instance's PendingModifiedValues, and DescribeDBInstances reports the old
values until the window; so does a backup retention turned on from 0 or off to 0 (another change of it applies
as soon as possible); the other settings (deletion protection, Performance Insights, log exports) apply at once.
moto applies everything at once and has no PendingModifiedValues, so a run that asked for
a change in the window would look finished, and the second run's changed=0 over a pending change was never tested.

The maintenance window comes when the file named by SHOPPULSE_MOTO_RDS_WINDOW_FILE exists (a test creates it):
the next DescribeDBInstances applies the pending changes, as RDS does in the window.
"""

import os

from support import moto_rds_upgrade

# moto's keyword of ModifyDBInstance -> the member of PendingModifiedValues
IN_THE_WINDOW = {
    'db_instance_class': 'DBInstanceClass',
    'allocated_storage': 'AllocatedStorage',
    'storage_type': 'StorageType',
    'iops': 'Iops',
    'storage_throughput': 'StorageThroughput',
    'multi_az': 'MultiAZ',
    'engine_version': 'EngineVersion',
    'backup_retention_period': 'BackupRetentionPeriod',
}


def _waits(instance, key, value):
    if value is None:
        return False
    if key == 'backup_retention_period':  # 0 to nonzero or nonzero to 0: in the window
        return (int(value) == 0) != (int(getattr(instance, key, 0) or 0) == 0)
    return key in IN_THE_WINDOW


def _window_has_come():
    path = os.environ.get('SHOPPULSE_MOTO_RDS_WINDOW_FILE')
    return bool(path) and os.path.exists(path)


def split(instance, kwargs):
    """The keywords of a modification to apply now; those for the window go to the instance's pending values."""
    if kwargs.get('apply_immediately'):
        return kwargs
    pending = dict(getattr(instance, 'shoppulse_pending', None) or {})
    now = {}
    for key, value in kwargs.items():
        if _waits(instance, key, value):
            if value != getattr(instance, key, None):
                pending[key] = value
            else:  # asked for what it has: nothing pending of it any more
                pending.pop(key, None)
        else:
            now[key] = value
    if 'engine_version' in pending and 'db_parameter_group_name' in now:  # the new family's group comes with it
        pending['db_parameter_group_name'] = now.pop('db_parameter_group_name')
    instance.shoppulse_pending = pending
    instance.pending_modified_values = dict((IN_THE_WINDOW[k], v) for k, v in pending.items() if k in IN_THE_WINDOW)
    return now


def apply_if_due(instance):
    """In the maintenance window: the pending changes applied, nothing pending."""
    pending = getattr(instance, 'shoppulse_pending', None)
    if pending and _window_has_come():
        moto_rds_upgrade.upgrade_server(instance.engine_version, pending.get('engine_version'))  # correction 19
        for key, value in pending.items():
            setattr(instance, key, value)
        instance.shoppulse_pending = {}
        instance.pending_modified_values = {}
