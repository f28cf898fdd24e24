# Copyright (c) 2026, ShopPulse platform team
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The network role, provisioned and torn down through playbooks against a moto server on 127.0.0.1.

Never real AWS: the server is started here on a free loopback port, with the corrections of
tests/aws/moto_extension.py, and the playbooks get its endpoint URL and dummy credentials.
"""

import json
import os
import socket
import subprocess
import sys
import time

import boto3
import pytest

import localpg
from conftest import ROOT

BIN = os.path.dirname(sys.executable)
CREDENTIALS = dict(AWS_ACCESS_KEY_ID='testing', AWS_SECRET_ACCESS_KEY='testing', AWS_SESSION_TOKEN='testing')
REGION = 'eu-west-1'


@pytest.fixture(scope='module')
def moto():
    port = localpg.free_port()
    proc = subprocess.Popen([sys.executable, os.path.join(ROOT, 'tests', 'aws', 'moto_server.py'), str(port)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 30
    while True:
        try:
            socket.create_connection(('127.0.0.1', port), timeout=1).close()
            break
        except OSError:
            assert time.monotonic() < deadline, 'the moto server did not start'
            time.sleep(0.1)
    yield 'http://127.0.0.1:%d' % port
    proc.terminate()
    proc.wait(10)


def client(moto, service):
    return boto3.client(service, endpoint_url=moto, region_name=REGION, aws_access_key_id='testing',
                        aws_secret_access_key='testing')


def playbook(moto, name, *extra, network_name='shoppulse-test'):
    env = dict(os.environ, ANSIBLE_CONFIG=os.path.join(ROOT, 'ansible.cfg'), ANSIBLE_STDOUT_CALLBACK='ansible.posix.json',
               **CREDENTIALS)
    proc = subprocess.run([os.path.join(BIN, 'ansible-playbook'), '-i', 'localhost,',
                           '-e', 'ansible_python_interpreter=%s' % sys.executable, '-e', 'shoppulse_aws_endpoint_url=%s' % moto,
                           '-e', 'shoppulse_aws_region=%s' % REGION, '-e', 'network_name=%s' % network_name,
                           os.path.join(ROOT, 'playbooks', name)] + list(extra),
                          cwd=ROOT, env=env, capture_output=True, text=True, check=False, timeout=600)
    output = json.loads(proc.stdout)
    tasks = [(t['task']['name'], t['hosts'].get('localhost', {})) for p in output['plays'] for t in p['tasks']]
    return proc.returncode, tasks, output['stats']['localhost']


def our_vpcs(moto, network_name='shoppulse-test'):
    return client(moto, 'ec2').describe_vpcs(Filters=[dict(Name='tag:Name', Values=[network_name])])['Vpcs']


def test_check_mode_on_an_empty_account_creates_nothing(moto):
    code, tasks, stats = playbook(moto, 'provision.yml', '--check')
    assert code == 0, tasks
    assert dict(tasks)['shoppulse.analytics.network : Create the VPC']['changed']
    assert our_vpcs(moto) == []
    assert client(moto, 'iam').list_roles()['Roles'] == []


def test_provision_builds_the_network_then_changes_nothing_then_teardown_removes_it(moto):
    code, tasks, stats = playbook(moto, 'provision.yml')
    assert code == 0, [t for t in tasks if t[1].get('failed')]
    ec2 = client(moto, 'ec2')
    vpcs = our_vpcs(moto)
    assert len(vpcs) == 1 and vpcs[0]['CidrBlock'] == '10.0.0.0/16'
    vpc = vpcs[0]['VpcId']

    subnets = ec2.describe_subnets(Filters=[dict(Name='vpc-id', Values=[vpc])])['Subnets']
    tiers = {}
    for subnet in subnets:
        tier = [t['Value'] for t in subnet['Tags'] if t['Key'] == 'Tier'][0]
        tiers.setdefault(tier, []).append((subnet['CidrBlock'], subnet['AvailabilityZone'], subnet['SubnetId']))
    assert len(subnets) == 6
    assert sorted(cidr for cidr, zone, ident in tiers['public']) == ['10.0.0.0/24', '10.0.1.0/24']
    assert sorted(cidr for cidr, zone, ident in tiers['private']) == ['10.0.10.0/24', '10.0.11.0/24']
    assert sorted(cidr for cidr, zone, ident in tiers['isolated']) == ['10.0.20.0/24', '10.0.21.0/24']
    assert all(len(set(zone for cidr, zone, ident in values)) == 2 for values in tiers.values())
    assert not any(s['MapPublicIpOnLaunch'] for s in subnets)

    igws = ec2.describe_internet_gateways(Filters=[dict(Name='attachment.vpc-id', Values=[vpc])])['InternetGateways']
    nats = [n for n in ec2.describe_nat_gateways(Filters=[dict(Name='vpc-id', Values=[vpc])])['NatGateways']
            if n['State'] == 'available']
    assert len(igws) == 1 and len(nats) == 1
    assert nats[0]['SubnetId'] in [ident for cidr, zone, ident in tiers['public']]
    assert nats[0]['NatGatewayAddresses'][0]['AllocationId']

    def routes_of(tier):
        tables = ec2.describe_route_tables(Filters=[dict(Name='association.subnet-id',
                                                         Values=[ident for cidr, zone, ident in tiers[tier]])])['RouteTables']
        assert len(tables) == 1, tier
        return [(r.get('DestinationCidrBlock'), r.get('GatewayId') or r.get('NatGatewayId')) for r in tables[0]['Routes']]
    assert ('0.0.0.0/0', igws[0]['InternetGatewayId']) in routes_of('public')
    assert ('0.0.0.0/0', nats[0]['NatGatewayId']) in routes_of('private')
    assert routes_of('isolated') == [('10.0.0.0/16', 'local')]  # no route out

    flow_logs = ec2.describe_flow_logs(Filters=[dict(Name='resource-id', Values=[vpc])])['FlowLogs']
    assert len(flow_logs) == 1 and flow_logs[0]['TrafficType'] == 'ALL'
    group = flow_logs[0]['LogGroupName']
    assert group == '/aws/vpc/shoppulse-test/flow-logs'
    assert flow_logs[0]['DeliverLogsPermissionArn'].endswith(':role/shoppulse-test-flow-logs')
    log_groups = client(moto, 'logs').describe_log_groups(logGroupNamePrefix=group)['logGroups']
    assert log_groups[0]['retentionInDays'] == 90
    policy = client(moto, 'iam').get_role_policy(RoleName='shoppulse-test-flow-logs', PolicyName='publish-flow-logs')
    resources = policy['PolicyDocument']['Statement'][0]['Resource']
    assert all(group in resource for resource in resources)

    default_group = ec2.describe_security_groups(Filters=[dict(Name='vpc-id', Values=[vpc]),
                                                          dict(Name='group-name', Values=['default'])])
    assert default_group['SecurityGroups'][0]['IpPermissions'] == []
    assert default_group['SecurityGroups'][0]['IpPermissionsEgress'] == []

    code, tasks, stats = playbook(moto, 'provision.yml')
    assert code == 0 and stats['changed'] == 0, [name for name, result in tasks if result.get('changed')]

    code, tasks, stats = playbook(moto, 'teardown.yml')
    assert code == 0, [t for t in tasks if t[1].get('failed')]
    assert our_vpcs(moto) == []
    assert [n['State'] for n in ec2.describe_nat_gateways(Filters=[dict(Name='vpc-id', Values=[vpc])])['NatGateways']] \
        in ([], ['deleted'])
    assert ec2.describe_addresses()['Addresses'] == []
    assert client(moto, 'iam').list_roles()['Roles'] == []
    assert client(moto, 'logs').describe_log_groups(logGroupNamePrefix=group)['logGroups'] == []

    code, tasks, stats = playbook(moto, 'teardown.yml')
    assert code == 0 and stats['changed'] == 0


@pytest.mark.parametrize('extra, message', [
    (['-e', 'network_cidr=10.0.0.0/33'], 'network_cidr (10.0.0.0/33) must be a CIDR'),
    (['-e', '{"network_isolated_subnets": ["10.0.20.0/24"]}'], 'must each list two CIDRs'),
    (['-e', 'network_flow_logs_retention_days=17'], 'network_flow_logs_retention_days'),
])
def test_bad_variables_fail_before_anything_is_created(moto, extra, message):
    code, tasks, stats = playbook(moto, 'provision.yml', *extra, network_name='shoppulse-bad')
    assert code != 0
    assert any(message in result.get('msg', '') for name, result in tasks), tasks
    assert our_vpcs(moto, 'shoppulse-bad') == []
