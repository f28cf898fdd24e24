# Copyright (c) 2026, ShopPulse platform team
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Day two on the emulated AWS (issue 42): the settings of an inventory converge on a running instance; a change
RDS makes in the maintenance window is reported as pending, not as a change again, and changed=0 once made.

A moto server of this file's own, whose maintenance window comes when the test says (SHOPPULSE_MOTO_RDS_WINDOW_FILE,
correction 17 of tests/support/moto_extension.py)."""

import sys

import pytest
import yaml

from support import localaws

import test_aws_provision as provision
from test_aws_provision import REGION, client


@pytest.fixture(scope='module')
def moto(tmp_path_factory):
    directory = tmp_path_factory.mktemp('moto-day-two')
    with localaws.emulated(str(directory), SHOPPULSE_MOTO_RDS_WINDOW_FILE=str(directory / 'window')) as server:
        endpoint = provision.Endpoint(server.endpoint_url)
        endpoint.window = directory / 'window'
        yield endpoint


def _inventory(tmp_path, vpc, subnets, **settings):
    host = dict(ansible_connection='local', ansible_python_interpreter=sys.executable, shoppulse_name='shoppulse-day2',
                database_vpc_id=vpc, database_subnet_ids=subnets, **settings)
    path = tmp_path / ('day-two-%d.yml' % len(list(tmp_path.glob('day-two-*.yml'))))
    path.write_text(yaml.safe_dump({'all': {'hosts': {'day2': host}}}))
    return path


def _run(moto, tmp_path, state, inventory, *extra):
    result = provision.database_role(moto, tmp_path, state, inventory, *extra)
    assert result.returncode == 0, result.text[-3000:]
    return result.output['stats']['day2']['changed'], result


@pytest.mark.long
def test_a_running_instance_converges_now_or_in_its_maintenance_window(moto, tmp_path):
    ec2, rds = client(moto, 'ec2'), client(moto, 'rds')
    vpc = ec2.create_vpc(CidrBlock='10.42.0.0/16')['Vpc']['VpcId']
    subnets = [ec2.create_subnet(VpcId=vpc, CidrBlock='10.42.%d.0/24' % i, AvailabilityZone=REGION + zone)
               ['Subnet']['SubnetId'] for i, zone in enumerate('ab')]

    def instance():
        return rds.describe_db_instances(DBInstanceIdentifier='shoppulse-day2')['DBInstances'][0]

    def parameters():
        group = instance()['DBParameterGroups'][0]['DBParameterGroupName']
        return dict((p['ParameterName'], p['ParameterValue']) for p in rds.describe_db_parameters(
            DBParameterGroupName=group)['Parameters'] if p['Source'] == 'user')

    try:
        _run(moto, tmp_path, 'present', _inventory(tmp_path, vpc, subnets))
        assert instance()['DBInstanceClass'] == 'db.t3.medium' and not instance()['MultiAZ']
        # now (database_apply_immediately, true by default): class, storage with its IOPS and throughput, Multi-AZ,
        # backups, Performance Insights, log exports, parameters of both kinds (the static one restarts the instance)
        bigger = dict(database_instance_class='db.t3.large', database_allocated_storage=400, database_iops=15000,
                      database_storage_throughput=600, database_multi_az=True, database_backup_retention_days=7,
                      database_performance_insights_retention_days=31, database_log_exports=['postgresql'],
                      database_parameters={'log_min_duration_statement': 1000,
                                           'shared_preload_libraries': 'pg_stat_statements,auto_explain'})
        # check mode and --diff say what will change, when, and whether it restarts; nothing changes
        dummy, result = _run(moto, tmp_path, 'present', _inventory(tmp_path, vpc, subnets, **bigger), '--check', '--diff')
        for line in ('instance_class: db.t3.medium -> db.t3.large (now, restarts the instance)',
                     'allocated_storage: 100 -> 400 (now)', 'iops: 3000 -> 15000 (now)', 'multi_az: False -> True (now)',
                     'backup_retention_days: 0 -> 7 (now, restarts the instance)',
                     "log_exports: ['postgresql', 'upgrade'] -> ['postgresql'] (now)",
                     'shared_preload_libraries = pg_stat_statements,auto_explain (user)'):
            assert line in result.text, line
        assert instance()['DBInstanceClass'] == 'db.t3.medium'
        changed, dummy = _run(moto, tmp_path, 'present', _inventory(tmp_path, vpc, subnets, **bigger))
        assert changed > 0
        now = instance()
        assert (now['DBInstanceClass'], now['AllocatedStorage'], now['Iops'], now['StorageThroughput'], now['MultiAZ'],
                now['BackupRetentionPeriod'], now['PerformanceInsightsRetentionPeriod'],
                now['EnabledCloudwatchLogsExports']) == ('db.t3.large', 400, 15000, 600, True, 7, 31, ['postgresql'])
        assert not now.get('PendingModifiedValues')
        assert parameters() == {'rds.force_ssl': '1', 'log_min_duration_statement': '1000',
                                'shared_preload_libraries': 'pg_stat_statements,auto_explain'}
        assert now['DBParameterGroups'][0]['ParameterApplyStatus'] == 'in-sync'  # restarted by the run
        changed, dummy = _run(moto, tmp_path, 'present', _inventory(tmp_path, vpc, subnets, **bigger))
        assert changed == 0

        # in the window (false, as production has it): asked once, reported pending with the window, not again
        later = dict(bigger)
        later.update(database_instance_class='db.m6g.large', database_apply_immediately=False)
        dummy, result = _run(moto, tmp_path, 'present', _inventory(tmp_path, vpc, subnets, **later), '--check', '--diff')
        assert 'instance_class: db.t3.large -> db.m6g.large (in the maintenance window ' in result.text
        changed, result = _run(moto, tmp_path, 'present', _inventory(tmp_path, vpc, subnets, **later))
        assert changed > 0
        waiting = instance()
        assert waiting['DBInstanceClass'] == 'db.t3.large'
        assert waiting['PendingModifiedValues'] == {'DBInstanceClass': 'db.m6g.large'}
        assert 'pending until the maintenance window' in result.text and 'db.m6g.large' in result.text
        changed, result = _run(moto, tmp_path, 'present', _inventory(tmp_path, vpc, subnets, **later))
        assert changed == 0 and 'pending until the maintenance window' in result.text
        # the window comes: RDS makes the change; the next run has nothing to do or to say
        moto.window.write_text('now')
        assert instance()['DBInstanceClass'] == 'db.m6g.large' and not instance().get('PendingModifiedValues')
        changed, result = _run(moto, tmp_path, 'present', _inventory(tmp_path, vpc, subnets, **later))
        assert changed == 0 and 'pending until the maintenance window' not in result.text

        # a static parameter changed and a parameter no longer given, without a restart: the group changes, the
        # instance waits for a reboot, which each run says without changing anything again
        later['database_parameters'] = {'shared_preload_libraries': 'pg_stat_statements'}
        changed, result = _run(moto, tmp_path, 'present', _inventory(tmp_path, vpc, subnets, **later))
        assert changed > 0 and parameters() == {'rds.force_ssl': '1', 'shared_preload_libraries': 'pg_stat_statements'}
        assert 'static parameters shared_preload_libraries take effect when it is rebooted' in result.text
        assert instance()['DBParameterGroups'][0]['ParameterApplyStatus'] == 'pending-reboot'
        changed, result = _run(moto, tmp_path, 'present', _inventory(tmp_path, vpc, subnets, **later))
        assert changed == 0 and 'pending a restart of shoppulse-day2' in result.text
        rds.reboot_db_instance(DBInstanceIdentifier='shoppulse-day2')
        changed, result = _run(moto, tmp_path, 'present', _inventory(tmp_path, vpc, subnets, **later))
        assert changed == 0 and 'pending a restart' not in result.text
    finally:
        _run(moto, tmp_path, 'absent', _inventory(tmp_path, vpc, subnets))
