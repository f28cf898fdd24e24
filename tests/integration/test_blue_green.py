# Copyright (c) 2026, ShopPulse platform team
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""shoppulse.analytics.rds_blue_green_deployment on the emulated AWS (issue 42): the API path of a Blue/Green major
upgrade - created (check mode first), available, switched over once, deleted - and its refusal of what RDS documents
blue/green deployments do not support, each reason named and nothing created: a target of an RDS Proxy, a master
password RDS manages in Secrets Manager (this collection's stacks have both; playbooks/upgrade.yml asks the module)."""

import pytest

from support import localaws
from support import playbook as runner

REGION = 'eu-west-1'
CREDENTIALS = dict(AWS_ACCESS_KEY_ID='testing', AWS_SECRET_ACCESS_KEY='testing')


@pytest.fixture(scope='module')
def moto(tmp_path_factory):
    with localaws.emulated(str(tmp_path_factory.mktemp('moto-blue-green'))) as server:
        yield server


def _instance(moto, name, **extra):
    request = dict(DBInstanceIdentifier=name, Engine='postgres', EngineVersion='15.10', DBInstanceClass='db.t4g.micro',
                   MasterUsername='shoppulse_admin', AllocatedStorage=20)
    request.update(extra or dict(MasterUserPassword='initial-password-1'))
    moto.client('rds', REGION).create_db_instance(**request)
    return name


def module(moto, tmp_path, *extra, **args):
    return runner.aws_module(moto, REGION, CREDENTIALS, tmp_path, 'blue/green', 'rds_blue_green_deployment', args, *extra)


def deployments(moto):
    return moto.client('rds', REGION).describe_blue_green_deployments()['BlueGreenDeployments']


def test_created_switched_over_once_then_deleted(moto, tmp_path):
    blue = _instance(moto, 'bg-blue')
    args = dict(name='bg-to-16', source_db_instance_identifier=blue, target_engine_version='16.4', state='switched_over')
    done, result = module(moto, tmp_path, '--check', **args)
    assert done.returncode == 0 and result['changed'] and deployments(moto) == []
    done, result = module(moto, tmp_path, **args)
    assert done.returncode == 0 and result['changed'], done.failures()
    assert result['blue_green_deployment']['status'] == 'SWITCHOVER_COMPLETED'
    assert [(d['BlueGreenDeploymentName'], d['Status']) for d in deployments(moto)] == [('bg-to-16', 'SWITCHOVER_COMPLETED')]
    done, result = module(moto, tmp_path, **args)
    assert done.returncode == 0 and not result['changed']
    done, result = module(moto, tmp_path, name='bg-to-16', state='absent')
    assert done.returncode == 0 and result['changed'] and deployments(moto) == []
    done, result = module(moto, tmp_path, name='bg-to-16', state='absent')
    assert done.returncode == 0 and not result['changed']


def test_what_rds_does_not_support_is_refused_naming_each_reason_and_nothing_is_created(moto, tmp_path):
    managed = _instance(moto, 'bg-managed', ManageMasterUserPassword=True)
    rds = moto.client('rds', REGION)
    ec2 = moto.client('ec2', REGION)
    vpc = ec2.create_vpc(CidrBlock='10.77.0.0/16')['Vpc']['VpcId']
    subnets = [ec2.create_subnet(VpcId=vpc, CidrBlock='10.77.%d.0/24' % i, AvailabilityZone=REGION + zone)['Subnet'][
        'SubnetId'] for i, zone in enumerate('ab')]
    rds.create_db_proxy(DBProxyName='bg-proxy', EngineFamily='POSTGRESQL', RoleArn='arn:aws:iam::123456789012:role/x',
                        Auth=[{'AuthScheme': 'SECRETS', 'SecretArn': 'arn:aws:secretsmanager:%s:123456789012:secret:x' % REGION}],
                        VpcSubnetIds=subnets)
    behind = _instance(moto, 'bg-behind-proxy')
    rds.register_db_proxy_targets(DBProxyName='bg-proxy', DBInstanceIdentifiers=[behind])
    for source, named in ((managed, 'the master user password of bg-managed is managed by RDS in Secrets Manager'),
                          (behind, 'bg-behind-proxy is a target of RDS Proxy bg-proxy')):
        for extra in (['--check'], []):
            done, result = module(moto, tmp_path, *extra, name='bg-refused', source_db_instance_identifier=source,
                                  target_engine_version='16.4')
            assert done.returncode != 0 and named in result['msg'] and 'nothing was created' in result['msg'], result
            assert deployments(moto) == []
