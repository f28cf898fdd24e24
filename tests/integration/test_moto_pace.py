# Copyright (c) 2026, ShopPulse platform team
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The emulated AWS at AWS's pace (support/moto_pace.py): each resource is seen in its intermediate state by
every describe call and waiter for the pace's share of AWS's time, then in its final one; off, moto's at once."""

import time

import boto3
import pytest

from support import localaws, moto_pace

PACE = 0.01  # 1/100: the instance "creating" for 6 s, the NAT gateway "pending" for 0.9 s
REGION = 'eu-west-1'


@pytest.fixture(scope='module')
def paced(tmp_path_factory):
    with localaws.emulated(str(tmp_path_factory.mktemp('moto-pace')), SHOPPULSE_MOTO_PACE=str(PACE)) as server:
        yield server.endpoint_url


def client(endpoint, service):
    return boto3.client(service, endpoint_url=endpoint, region_name=REGION, aws_access_key_id='testing',
                        aws_secret_access_key='testing')


def seen_until(describe, expected, kind, started):
    """Poll ``describe`` (the state now) until it gives ``expected``; (the states seen before, seconds it took)."""
    seen = []
    while True:
        state = describe()
        if state == expected:
            return seen, time.time() - started
        seen.append(state)
        assert time.time() - started < moto_pace.DURATIONS[kind] * PACE + 20, (kind, seen[-5:])
        time.sleep(0.1)


def lasted(seen_and_seconds, state, kind):
    """The intermediate ``state`` was all that was seen before, for about the pace's share of AWS's time."""
    seen, seconds = seen_and_seconds
    assert seen and set(seen) == {state}, (kind, seen)
    assert moto_pace.DURATIONS[kind] * PACE * 0.9 <= seconds, (kind, seconds)


def network(ec2):
    vpc = ec2.create_vpc(CidrBlock='10.40.0.0/16')['Vpc']['VpcId']
    subnets = [ec2.create_subnet(VpcId=vpc, CidrBlock='10.40.%d.0/24' % n, AvailabilityZone=REGION + zone)[
        'Subnet']['SubnetId'] for n, zone in ((1, 'a'), (2, 'b'))]
    return vpc, subnets


def test_a_nat_gateway_is_pending_then_available_and_deleting_then_deleted_with_its_interface(paced):
    ec2 = client(paced, 'ec2')
    dummy, subnets = network(ec2)
    address = ec2.allocate_address(Domain='vpc')['AllocationId']
    started = time.time()
    gateway = ec2.create_nat_gateway(SubnetId=subnets[0], AllocationId=address)['NatGateway']['NatGatewayId']

    def state():
        return ec2.describe_nat_gateways(NatGatewayIds=[gateway])['NatGateways'][0]['State']

    lasted(seen_until(state, 'available', 'nat-gateway-pending', started), 'pending', 'nat-gateway-pending')
    interface = ec2.describe_nat_gateways(NatGatewayIds=[gateway])['NatGateways'][0]['NatGatewayAddresses'][0][
        'NetworkInterfaceId']
    started = time.time()
    ec2.delete_nat_gateway(NatGatewayId=gateway)
    assert ec2.describe_network_interfaces(NetworkInterfaceIds=[interface])['NetworkInterfaces']  # still there
    ec2.get_waiter('nat_gateway_deleted').wait(NatGatewayIds=[gateway], WaiterConfig=dict(Delay=0.2, MaxAttempts=100))
    assert time.time() - started >= moto_pace.DURATIONS['nat-gateway-deleting'] * PACE * 0.9
    assert interface not in [i['NetworkInterfaceId'] for i in ec2.describe_network_interfaces()['NetworkInterfaces']]


def test_an_instance_is_creating_modifying_rebooting_and_deleting_for_their_times(paced):
    rds = client(paced, 'rds')
    name = 'shoppulse-pace'
    started = time.time()
    rds.create_db_instance(DBInstanceIdentifier=name, DBInstanceClass='db.t4g.micro', Engine='postgres',
                           MasterUsername='master', MasterUserPassword='not-a-secret-1', AllocatedStorage=20)

    def status():
        return rds.describe_db_instances(DBInstanceIdentifier=name)['DBInstances'][0]['DBInstanceStatus']

    lasted(seen_until(status, 'available', 'rds-instance-creating', started), 'creating', 'rds-instance-creating')

    started = time.time()
    rds.modify_db_instance(DBInstanceIdentifier=name, DeletionProtection=False, ApplyImmediately=True)
    assert status() == 'available'  # a setting that takes no time
    rds.modify_db_instance(DBInstanceIdentifier=name, DBInstanceClass='db.t4g.small', ApplyImmediately=True)
    lasted(seen_until(status, 'available', 'rds-instance-modifying', started), 'modifying', 'rds-instance-modifying')
    rds.modify_db_instance(DBInstanceIdentifier=name, DBInstanceClass='db.t4g.medium', ApplyImmediately=False)
    assert status() == 'available'  # left for the maintenance window: nothing happens now

    started = time.time()
    rds.reboot_db_instance(DBInstanceIdentifier=name)
    lasted(seen_until(status, 'available', 'rds-instance-rebooting', started), 'rebooting', 'rds-instance-rebooting')

    started = time.time()
    rds.delete_db_instance(DBInstanceIdentifier=name, SkipFinalSnapshot=True)
    assert status() == 'deleting'
    rds.get_waiter('db_instance_deleted').wait(DBInstanceIdentifier=name, WaiterConfig=dict(Delay=0.2, MaxAttempts=200))
    assert time.time() - started >= moto_pace.DURATIONS['rds-instance-deleting'] * PACE * 0.9


def test_a_proxy_is_creating_its_target_registering_and_the_proxy_deleting_for_their_times(paced):
    rds, ec2 = client(paced, 'rds'), client(paced, 'ec2')
    dummy, subnets = network(ec2)
    name = 'shoppulse-pace-proxy'
    started = time.time()
    rds.create_db_proxy(DBProxyName=name, EngineFamily='POSTGRESQL', RoleArn='arn:aws:iam::123456789012:role/proxy',
                        Auth=[dict(AuthScheme='SECRETS', SecretArn='arn:aws:secretsmanager:%s:123456789012:secret:x'
                                   % REGION, IAMAuth='DISABLED')], VpcSubnetIds=subnets, RequireTLS=True)

    def status():
        return rds.describe_db_proxies(DBProxyName=name)['DBProxies'][0]['Status']

    lasted(seen_until(status, 'available', 'rds-proxy-creating', started), 'creating', 'rds-proxy-creating')
    rds.create_db_instance(DBInstanceIdentifier='shoppulse-pace-target', DBInstanceClass='db.t4g.micro',
                           Engine='postgres', MasterUsername='master', MasterUserPassword='not-a-secret-1',
                           AllocatedStorage=20)
    started = time.time()
    rds.register_db_proxy_targets(DBProxyName=name, DBInstanceIdentifiers=['shoppulse-pace-target'])

    def health():
        return rds.describe_db_proxy_targets(DBProxyName=name)['Targets'][0]['TargetHealth']['State']

    lasted(seen_until(health, 'AVAILABLE', 'rds-proxy-target-registering', started), 'REGISTERING',
           'rds-proxy-target-registering')

    started = time.time()
    rds.delete_db_proxy(DBProxyName=name)
    assert status() == 'deleting'

    def gone():
        return name not in [p['DBProxyName'] for p in rds.describe_db_proxies()['DBProxies']]

    seen_until(gone, True, 'rds-proxy-deleting', started)
    assert time.time() - started >= moto_pace.DURATIONS['rds-proxy-deleting'] * PACE * 0.9
