# Copyright (c) 2026, ShopPulse platform team
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What a run changes on a running instance, when and at what cost (plugins/module_utils/aws/instance_changes.py)."""

import pytest

from ansible_collections.shoppulse.analytics.plugins.module_utils.aws import instance_changes as ic

INSTANCE = dict(DBInstanceIdentifier='db', DBInstanceClass='db.t3.medium', EngineVersion='15.10', AllocatedStorage=100,
                StorageType='gp3', MultiAZ=False, BackupRetentionPeriod=0, DeletionProtection=False,
                PerformanceInsightsRetentionPeriod=7, PreferredMaintenanceWindow='sun:05:00-sun:05:30')


@pytest.mark.parametrize('wanted, immediately, expected', [
    (dict(instance_class='db.t3.large'), True, [('instance_class', ic.NOW, True)]),
    (dict(instance_class='db.t3.large'), False, [('instance_class', ic.WINDOW, True)]),
    (dict(engine_version='16.4'), False, [('engine_version', ic.WINDOW, True)]),
    (dict(allocated_storage=200, multi_az=True), False,
     [('allocated_storage', ic.WINDOW, False), ('multi_az', ic.WINDOW, False)]),
    # backups turned on from 0: a restart, in the window; from 7 to 14: at once, no restart
    (dict(backup_retention_days=7), False, [('backup_retention_days', ic.WINDOW, True)]),
    (dict(deletion_protection=True, performance_insights_retention_days=31), False,
     [('deletion_protection', ic.NOW, False), ('performance_insights_retention_days', ic.NOW, False)]),
    (dict(instance_class='db.t3.medium', multi_az=False, storage_type=None), False, []),
])
def test_each_change_says_when_and_whether_it_restarts(wanted, immediately, expected):
    found = ic.plan(INSTANCE, wanted, immediately)
    assert [(c['setting'], c['when'], c['restarts']) for c in found['changes']] == expected
    assert found['pending'] == []


def test_a_backup_retention_changed_between_nonzero_values_applies_at_once():
    found = ic.plan(dict(INSTANCE, BackupRetentionPeriod=7), dict(backup_retention_days=14), False)
    assert [(c['when'], c['restarts']) for c in found['changes']] == [(ic.NOW, False)]


def test_a_change_rds_holds_as_pending_is_pending_not_a_change_and_a_new_one_is():
    instance = dict(INSTANCE, PendingModifiedValues=dict(DBInstanceClass='db.r6g.large'))
    found = ic.plan(instance, dict(instance_class='db.r6g.large'), False)
    assert found['changes'] == [] and [p['setting'] for p in found['pending']] == ['instance_class']
    found = ic.plan(instance, dict(instance_class='db.r6g.xlarge'), False)
    assert [c['wanted'] for c in found['changes']] == ['db.r6g.xlarge'] and found['pending'] == []


def test_the_diff_and_the_sentences_name_the_window_and_the_restart():
    found = ic.plan(INSTANCE, dict(instance_class='db.t3.large', allocated_storage=200), False)
    assert ic.describe_item(found['changes'][0], INSTANCE['PreferredMaintenanceWindow']) == (
        'instance_class: db.t3.medium -> db.t3.large (in the maintenance window sun:05:00-sun:05:30, restarts the '
        'instance)')
    diff = ic.diff(INSTANCE, found, 'sun:05:00-sun:05:30')
    assert diff['before'] == 'instance_class: db.t3.medium\nallocated_storage: 100\n'
    assert diff['after'].endswith('allocated_storage: 100 -> 200 (in the maintenance window sun:05:00-sun:05:30)\n')


def test_iops_and_throughput_of_0_are_the_baseline_and_log_exports_compare_as_a_set():
    instance = dict(INSTANCE, Iops=3000, StorageThroughput=125, EnabledCloudwatchLogsExports=['upgrade', 'postgresql'])
    assert ic.plan(instance, dict(iops=0, storage_throughput=0, log_exports=['postgresql', 'upgrade']), True) == dict(
        changes=[], pending=[])
    found = ic.plan(instance, dict(iops=12000, log_exports=['postgresql']), False)
    assert [(c['setting'], c['when'], c['restarts']) for c in found['changes']] == [
        ('iops', ic.WINDOW, False), ('log_exports', ic.NOW, False)]
