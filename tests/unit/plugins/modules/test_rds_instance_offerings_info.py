# Copyright (c) 2026, ShopPulse platform team
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""rds_instance_offerings_info, with botocore's Stubber."""

from ansible_collections.shoppulse.analytics.plugins.modules import rds_instance_offerings_info

from aws_stub import AwsError, run_module


def option(db_class, storage='gp3'):
    return dict(Engine='postgres', EngineVersion='16.4', DBInstanceClass=db_class, StorageType=storage,
                MultiAZCapable=True, AvailabilityZones=[dict(Name='eu-west-1a')])


def test_the_classes_offered_for_a_version(monkeypatch, capsys):
    result = run_module(monkeypatch, capsys, rds_instance_offerings_info.main, dict(engine_version='16.4'), 'rds', [
        ('describe_orderable_db_instance_options', dict(Engine='postgres', EngineVersion='16.4'), dict(
            OrderableDBInstanceOptions=[option('db.t4g.medium'), option('db.t3.medium'), option('db.t3.medium', 'gp2')])),
    ])
    assert not result['changed'] and result['instance_classes'] == ['db.t3.medium', 'db.t4g.medium']
    assert result['offerings'][0]['db_instance_class'] == 'db.t4g.medium'


def test_a_class_the_region_does_not_offer_is_an_empty_answer(monkeypatch, capsys):
    result = run_module(monkeypatch, capsys, rds_instance_offerings_info.main,
                        dict(engine_version='16.4', instance_class='db.x2g.large'), 'rds', [
                            ('describe_orderable_db_instance_options',
                             dict(Engine='postgres', EngineVersion='16.4', DBInstanceClass='db.x2g.large'),
                             dict(OrderableDBInstanceOptions=[])),
                        ])
    assert result['instance_classes'] == [] and result['offerings'] == []


def test_an_error_names_the_call(monkeypatch, capsys):
    result = run_module(monkeypatch, capsys, rds_instance_offerings_info.main, dict(engine_version='16.4'), 'rds', [
        ('describe_orderable_db_instance_options', dict(Engine='postgres', EngineVersion='16.4'),
         AwsError('AccessDenied', 'not authorized to perform rds:DescribeOrderableDBInstanceOptions')),
    ])
    assert result['failed'] and 'Failed to describe orderable DB instance options' in result['msg']
