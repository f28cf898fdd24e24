# Copyright (c) 2026, ShopPulse platform team
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The AWS stack, provisioned and torn down through the playbooks against a moto server on 127.0.0.1.

Never real AWS: the server is started here on a free loopback port, with the corrections of
tests/support/moto_extension.py, and the playbooks get its endpoint URL and dummy credentials.
"""

import json
import os
import sys

import boto3
import botocore.exceptions
import pytest
import yaml

from support import ROOT, localaws
from support import playbook as runner

CREDENTIALS = dict(AWS_ACCESS_KEY_ID='testing', AWS_SECRET_ACCESS_KEY='testing', AWS_SESSION_TOKEN='testing')
REGION = 'eu-west-1'


class Endpoint(str):
    """The moto server's URL, with the file through which a test takes instance classes out of a region."""
    unoffered = None


@pytest.fixture(scope='module')
def moto(tmp_path_factory):
    directory = tmp_path_factory.mktemp('moto')
    # the classes a test takes out of a region (tests/support/moto_extension.py, correction 8)
    unoffered = directory / 'unoffered.json'
    with localaws.emulated(str(directory), SHOPPULSE_MOTO_RDS_UNOFFERED=str(unoffered)) as server:
        endpoint = Endpoint(server.endpoint_url)
        endpoint.unoffered = unoffered
        yield endpoint


MODULE_DEFAULTS = localaws.MODULE_DEFAULTS


def client(moto, service):
    return boto3.client(service, endpoint_url=moto, region_name=REGION, aws_access_key_id='testing',
                        aws_secret_access_key='testing')


def playbook(moto, name, *extra, stack='shoppulse-test', outputs=None):
    """A playbook of playbooks/ (or a path) on the emulated AWS, under the stack name ``stack``."""
    extra_vars = dict(shoppulse_aws_endpoint_url=str(moto), shoppulse_aws_region=REGION, shoppulse_name=stack)
    if outputs:
        extra_vars['shoppulse_outputs_file'] = str(outputs)
    result = runner.run(os.path.join(ROOT, 'playbooks', name), *extra, extra_vars=extra_vars,
                        env=runner.environment(aws=CREDENTIALS))
    playbook.last = result
    return result.returncode, result.tasks, result.stats


def failures(tasks):
    """The failed tasks' messages, a loop's failed items' too (of the last run, whose tasks these are)."""
    assert tasks == playbook.last.tasks
    return playbook.last.failures()


def our_vpcs(moto, stack='shoppulse-test'):
    return client(moto, 'ec2').describe_vpcs(Filters=[dict(Name='tag:Name', Values=[stack])])['Vpcs']


def test_check_mode_on_an_empty_account_creates_nothing(moto):
    code, tasks, stats = playbook(moto, 'provision.yml', '--check')
    assert code == 0, tasks
    assert dict(tasks)['shoppulse.analytics.network : Create the VPC']['changed']
    assert our_vpcs(moto) == []
    assert client(moto, 'iam').list_roles()['Roles'] == []


@pytest.mark.long
def test_provision_builds_the_stack_then_changes_nothing_then_teardown_removes_it(moto, tmp_path, ansible_end):
    outputs_file = tmp_path / 'outputs.yml'
    code, tasks, stats = playbook(moto, 'provision.yml', outputs=outputs_file)
    assert code == 0, failures(tasks)
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

    check_stack(moto, vpc, tiers, outputs_file)

    code, tasks, stats = playbook(moto, 'provision.yml', outputs=outputs_file)
    assert code == 0 and stats['changed'] == 0, [name for name, result in tasks if result.get('changed')]
    password = json.loads(client(moto, 'secretsmanager').get_secret_value(
        SecretId='shoppulse-test/db-master')['SecretString'])['password']
    assert password not in playbook.last.text  # every result of every task, as JSON
    code, tasks, stats = playbook(moto, 'provision.yml', '--check', outputs=outputs_file)
    assert code == 0 and stats['changed'] == 0, [name for name, result in tasks if result.get('changed')]

    # the inventory's settings of a running proxy end up on it, and stay there: its timeout (the create step) and
    # its pool (the attach step)
    timeout = ['-e', 'proxy_idle_client_timeout=900', '-e', 'proxy_max_connections_percent=90',
               '-e', 'proxy_connection_borrow_timeout=60']

    def proxy_settings():
        rds = client(moto, 'rds')
        pool = rds.describe_db_proxy_target_groups(DBProxyName='shoppulse-test-proxy')['TargetGroups'][0][
            'ConnectionPoolConfig']
        return (rds.describe_db_proxies()['DBProxies'][0]['IdleClientTimeout'], pool['MaxConnectionsPercent'],
                pool['MaxIdleConnectionsPercent'], pool['ConnectionBorrowTimeout'])
    code, tasks, stats = playbook(moto, 'provision.yml', *timeout, outputs=outputs_file)
    assert code == 0 and [name for name, result in tasks if result.get('changed')] == [
        'shoppulse.analytics.proxy : Start the proxy (waited for once, later, by tasks_from=attach)',
        'shoppulse.analytics.proxy : Set the pool, register the instance, wait for the proxy (about five minutes on '
        'AWS), then for its target'], tasks
    assert proxy_settings() == (900, 90, 50, 60)
    code, tasks, stats = playbook(moto, 'provision.yml', *timeout, outputs=outputs_file)
    assert code == 0 and stats['changed'] == 0, [name for name, result in tasks if result.get('changed')]
    assert proxy_settings() == (900, 90, 50, 60)

    code, tasks, stats = playbook(moto, 'teardown.yml')
    assert code == 0, failures(tasks)
    assert our_vpcs(moto) == []
    assert [n['State'] for n in ec2.describe_nat_gateways(Filters=[dict(Name='vpc-id', Values=[vpc])])['NatGateways']] \
        in ([], ['deleted'])
    assert ec2.describe_addresses()['Addresses'] == []
    assert client(moto, 'iam').list_roles()['Roles'] == []
    assert client(moto, 'logs').describe_log_groups(logGroupNamePrefix=group)['logGroups'] == []
    rds = client(moto, 'rds')
    assert rds.describe_db_instances()['DBInstances'] == []
    assert rds.describe_db_proxies()['DBProxies'] == []
    assert rds.describe_db_subnet_groups()['DBSubnetGroups'] == []
    assert client(moto, 'secretsmanager').list_secrets()['SecretList'] == []
    assert client(moto, 'iam').list_policies(Scope='Local')['Policies'] == []
    assert client(moto, 'cloudwatch').describe_alarms()['MetricAlarms'] == []
    assert ec2.describe_security_groups(Filters=[dict(Name='group-name', Values=['shoppulse-test-*'])])[
        'SecurityGroups'] == []

    code, tasks, stats = playbook(moto, 'teardown.yml')
    assert code == 0 and stats['changed'] == 0


def check_stack(moto, vpc, tiers, outputs_file):
    """Everything past the network: secret, database, proxy, access, monitoring and the outputs."""
    ec2, rds, iam = client(moto, 'ec2'), client(moto, 'rds'), client(moto, 'iam')
    isolated = sorted(ident for cidr, zone, ident in tiers['isolated'])

    sm = client(moto, 'secretsmanager')
    secret = sm.get_secret_value(SecretId='shoppulse-test/db-master')
    credentials = json.loads(secret['SecretString'])
    assert len(credentials['password']) == 32 and credentials['password'].isalnum()
    assert (credentials['username'], credentials['engine'], credentials['port'], credentials['dbname']) == (
        'shoppulse_admin', 'postgres', 5432, 'shoppulse')

    instance = rds.describe_db_instances(DBInstanceIdentifier='shoppulse-test')['DBInstances'][0]
    assert credentials['host'] == instance['Endpoint']['Address']
    assert instance['Engine'] == 'postgres' and instance['EngineVersion'].startswith('15.')
    assert (instance['DBInstanceClass'], instance['AllocatedStorage'], instance['StorageType']) == (
        'db.t3.medium', 100, 'gp3')
    assert instance['StorageEncrypted'] and not instance['PubliclyAccessible'] and instance['AutoMinorVersionUpgrade']
    assert instance['PerformanceInsightsEnabled']
    assert sorted(instance['EnabledCloudwatchLogsExports']) == ['postgresql', 'upgrade']
    assert not instance['MultiAZ'] and instance['BackupRetentionPeriod'] == 0 and not instance['DeletionProtection']
    assert sorted(s['SubnetIdentifier'] for s in instance['DBSubnetGroup']['Subnets']) == isolated
    assert instance['DBParameterGroups'][0]['DBParameterGroupName'] == 'shoppulse-test-postgres15'
    parameters = rds.describe_db_parameters(DBParameterGroupName='shoppulse-test-postgres15')['Parameters']
    assert [p['ParameterValue'] for p in parameters if p['ParameterName'] == 'rds.force_ssl'] == ['1']

    def group(name):
        found = ec2.describe_security_groups(Filters=[dict(Name='group-name', Values=[name]),
                                                      dict(Name='vpc-id', Values=[vpc])])['SecurityGroups']
        assert len(found) == 1, name
        return found[0]
    db_group, proxy_group, app_group = (group('shoppulse-test-' + n) for n in ('db', 'proxy', 'app'))
    assert [g['VpcSecurityGroupId'] for g in instance['VpcSecurityGroups']] == [db_group['GroupId']]

    def ingress(sg):
        return [(rule['FromPort'], rule['ToPort'], [p['GroupId'] for p in rule['UserIdGroupPairs']],
                 [r['CidrIp'] for r in rule['IpRanges']]) for rule in sg['IpPermissions']]
    assert ingress(db_group) == [(5432, 5432, [proxy_group['GroupId']], [])]
    assert ingress(proxy_group) == [(5432, 5432, [app_group['GroupId']], [])]
    assert ingress(app_group) == []
    assert [(r['FromPort'], [p['GroupId'] for p in r['UserIdGroupPairs']]) for r in app_group['IpPermissionsEgress']] \
        == [(5432, [proxy_group['GroupId']])]

    proxy = rds.describe_db_proxies(DBProxyName='shoppulse-test-proxy')['DBProxies'][0]
    assert proxy['RequireTLS'] and proxy['IdleClientTimeout'] == 1800 and proxy['EngineFamily'] == 'POSTGRESQL'
    assert proxy['Auth'][0]['SecretArn'] == secret['ARN']
    role_secrets = dict((name, sm.get_secret_value(SecretId='shoppulse-test/db-' + name))
                        for name in ('migrator', 'app', 'readonly'))
    # the master's first, then the login roles' in the manifest's order (the secret role's secret_roles)
    assert [a['SecretArn'] for a in proxy['Auth']] == [secret['ARN']] + [role_secrets[n]['ARN'] for n in
                                                                         ('app', 'migrator', 'readonly')]
    assert all(a['ClientPasswordAuthType'] == 'POSTGRES_SCRAM_SHA_256' for a in proxy['Auth'])
    for name, value in role_secrets.items():
        role_credentials = json.loads(value['SecretString'])
        assert role_credentials['username'] == 'shoppulse_' + name and len(role_credentials['password']) == 32
    assert sorted(proxy['VpcSubnetIds']) == isolated and proxy['VpcSecurityGroupIds'] == [proxy_group['GroupId']]
    pool = rds.describe_db_proxy_target_groups(DBProxyName='shoppulse-test-proxy')['TargetGroups'][0]
    assert (pool['ConnectionPoolConfig']['MaxConnectionsPercent'],
            pool['ConnectionPoolConfig']['MaxIdleConnectionsPercent']) == (100, 50)
    targets = rds.describe_db_proxy_targets(DBProxyName='shoppulse-test-proxy')['Targets']
    assert [t['RdsResourceId'] for t in targets] == ['shoppulse-test']

    role_name = proxy['RoleArn'].rsplit('/', 1)[1]
    statements = iam.get_role_policy(RoleName=role_name, PolicyName='read-database-secret')['PolicyDocument']['Statement']
    assert [(s['Action'], s['Resource']) for s in statements] == [(['secretsmanager:GetSecretValue'], [
        secret['ARN']] + [role_secrets[n]['ARN'] for n in ('app', 'migrator', 'readonly')])]
    policy = [p for p in iam.list_policies(Scope='Local')['Policies']
              if p['PolicyName'] == 'shoppulse-test-read-db-secret'][0]
    document = iam.get_policy_version(PolicyArn=policy['Arn'], VersionId=policy['DefaultVersionId'])['PolicyVersion']
    assert [(s['Action'], s['Resource']) for s in document['Document']['Statement']] == [
        (['secretsmanager:GetSecretValue'], [role_secrets['app']['ARN']])]  # the applications' own, not the master's

    alarms = client(moto, 'cloudwatch').describe_alarms(AlarmNamePrefix='shoppulse-test-')['MetricAlarms']
    assert sorted(a['MetricName'] for a in alarms) == sorted([
        'DatabaseConnections', 'CPUUtilization', 'FreeableMemory', 'ReadLatency', 'WriteLatency', 'ClientConnections'])

    written = yaml.safe_load(outputs_file.read_text())
    assert written['lambda_environment'] == dict(RDS_PROXY_ENDPOINT=proxy['Endpoint'], RDS_PORT='5432',
                                                 RDS_DATABASE='shoppulse', RDS_SECRET_ARN=role_secrets['app']['ARN'])
    assert written['vpc_id'] == vpc and written['instance_endpoint'] == instance['Endpoint']['Address']
    assert written['app_secret_policy_arn'] == policy['Arn']
    assert credentials['password'] not in outputs_file.read_text()


VERSIONS = ('16.4', '17.2', '18.1')


def database_role(moto, tmp_path, state, inventory, *extra):
    """The database role alone (with the master secret it reads), on networks the test made: where the engine
    version matters. One run for every host of ``inventory`` (one per version, each its own stack name, network
    and version), at the same time. The whole stack is provisioned on 15 by the test above."""
    play = tmp_path / ('database-%s.yml' % state)
    role = dict(role='shoppulse.analytics.database')
    tasks = [dict(name='Master secret', **{'ansible.builtin.include_role': dict(name='shoppulse.analytics.secret')}),
             dict(name='Database', **{'ansible.builtin.include_role': dict(name=role['role'])})]
    if state == 'present':
        tasks.append(dict(name='Wait for it', **{'ansible.builtin.include_role': dict(name=role['role'], tasks_from='wait')}))
    else:
        tasks.reverse()
    play.write_text(yaml.safe_dump([dict(name='The database role on PostgreSQL 16, 17 and 18',
                                         hosts='all', gather_facts=False, module_defaults=MODULE_DEFAULTS,
                                         vars=dict(database_state=state, secret_state=state, secret_roles=[]),
                                         tasks=tasks)]))
    result = runner.run(play, *extra, inventory=str(inventory), env=runner.environment(aws=CREDENTIALS),
                        extra_vars=dict(shoppulse_aws_endpoint_url=str(moto), shoppulse_aws_region=REGION))
    playbook.last = result
    return result


@pytest.mark.long
def test_a_newer_engine_version_gets_a_parameter_group_of_its_family(moto, tmp_path):
    """16, 17 and 18, one host each in one run (as forks of one ansible-playbook): present, present again
    (changed=0), absent."""
    ec2 = client(moto, 'ec2')
    hosts, networks = {}, {}
    for version in VERSIONS:
        major = version.partition('.')[0]
        vpc = ec2.create_vpc(CidrBlock='10.%s.0.0/16' % major)['Vpc']['VpcId']
        subnets = [ec2.create_subnet(VpcId=vpc, CidrBlock='10.%s.%d.0/24' % (major, i), AvailabilityZone=REGION + zone)
                   ['Subnet']['SubnetId'] for i, zone in enumerate('ab')]
        networks[version] = (vpc, subnets)
        hosts['engine%s' % major] = dict(ansible_connection='local', ansible_python_interpreter=sys.executable,
                                         database_engine_version=version, shoppulse_name='shoppulse-engine-%s' % major,
                                         database_vpc_id=vpc, database_subnet_ids=subnets)
    inventory = tmp_path / 'engines.yml'
    inventory.write_text(yaml.safe_dump({'all': {'hosts': hosts}}))
    rds = client(moto, 'rds')
    try:
        first = database_role(moto, tmp_path, 'present', inventory)
        assert first.returncode == 0, first.text[-3000:]
        for version in VERSIONS:
            major = version.partition('.')[0]
            name = 'shoppulse-engine-%s' % major
            instance = rds.describe_db_instances(DBInstanceIdentifier=name)['DBInstances'][0]
            assert instance['EngineVersion'] == version
            group = instance['DBParameterGroups'][0]['DBParameterGroupName']
            assert group == name + '-postgres' + major
            described = rds.describe_db_parameter_groups(DBParameterGroupName=group)['DBParameterGroups'][0]
            assert described['DBParameterGroupFamily'] == 'postgres' + major
        again = database_role(moto, tmp_path, 'present', inventory)
        assert again.returncode == 0, again.text[-3000:]
        assert dict((host, again.output['stats'][host]['changed']) for host in hosts) == dict((host, 0) for host in hosts)
    finally:
        gone = database_role(moto, tmp_path, 'absent', inventory)
        assert gone.returncode == 0, gone.text[-3000:]
    for version, (vpc, subnets) in networks.items():
        name = 'shoppulse-engine-%s' % version.partition('.')[0]
        assert rds.describe_db_instances(Filters=[dict(Name='db-instance-id', Values=[name])])['DBInstances'] == []
        for group in ec2.describe_security_groups(Filters=[dict(Name='vpc-id', Values=[vpc])])['SecurityGroups']:
            if group['GroupName'] != 'default':
                ec2.delete_security_group(GroupId=group['GroupId'])
        for subnet in subnets:
            ec2.delete_subnet(SubnetId=subnet)
        ec2.delete_vpc(VpcId=vpc)


@pytest.mark.parametrize('extra, message', [
    (['-e', 'database_engine_version=14.9'], 'database_engine_version 14.9 is not a version this collection serves'),
    (['-e', 'database_engine_version=sixteen'], 'give a PostgreSQL minor version of 15, 16, 17, 18'),
    (['-e', 'network_cidr=10.0.0.0/33'], 'network_cidr (10.0.0.0/33) must be a CIDR'),
    (['-e', '{"network_isolated_subnets": ["10.0.20.0/24"]}'], 'must each list two CIDRs'),
    (['-e', 'network_flow_logs_retention_days=17'], 'network_flow_logs_retention_days'),
    # CIDRs by what they reach: the internet written three ways, a wider range than the private ones, a public
    # network, a subnet outside the network
    (['-e', '{"database_client_cidrs": ["0.0.0.0/0"]}'], 'database_client_cidrs[0]: 0.0.0.0/0 reaches 4277075968'),
    (['-e', '{"database_client_cidrs": ["1.2.3.4/0"]}'], 'database_client_cidrs[0]: 1.2.3.4/0 has host bits set'),
    (['-e', '{"database_client_cidrs": ["10.8.0.0/16", "0.0.0.0/1", "128.0.0.0/1"]}'],
     'database_client_cidrs together reach 4277075968 addresses outside the private ranges'),
    (['-e', '{"database_client_cidrs": ["172.0.0.0/11"]}'], 'database_client_cidrs[0]: 172.0.0.0/11 reaches 1048576'),
    (['-e', '{"network_cidr": "100.20.0.0/16", "network_public_subnets": ["100.20.0.0/24", "100.20.1.0/24"], '
            '"network_private_subnets": ["100.20.10.0/24", "100.20.11.0/24"], '
            '"network_isolated_subnets": ["100.20.20.0/24", "100.20.21.0/24"]}'],
     'network_cidr[0]: 100.20.0.0/16 reaches 65536 addresses outside the private ranges'),
    (['-e', '{"network_isolated_subnets": ["10.0.20.0/24", "10.1.21.0/24"]}'],
     'network_isolated_subnets[1]: 10.1.21.0/24 reaches 256 addresses outside network_cidr'),
    (['-e', 'database_instance_class=db.huge'], 'database_instance_class'),
    (['-e', 'database_engine_version=16.99'], 'RDS does not offer PostgreSQL 16.99 (database_engine_version) in eu-west-1'),
    (['-e', 'proxy_idle_client_timeout=28801'], 'proxy_idle_client_timeout must be 1 to 28800 seconds (it is 28801)'),
    (['-e', 'proxy_idle_client_timeout=0'], 'proxy_idle_client_timeout must be 1 to 28800 seconds (it is 0)'),
    (['-e', 'proxy_max_connections_percent=120'], 'proxy_max_connections_percent 1 to 100 (it is 120)'),
    (['-e', 'proxy_max_idle_connections_percent=60', '-e', 'proxy_max_connections_percent=50'],
     'proxy_max_idle_connections_percent 0 to proxy_max_connections_percent (it is 60)'),
    (['-e', 'database_iops=12000'], 'gp3 storage below 400 GiB has its baseline (3000 IOPS, 125 MiB/s) and takes neither'),
    (['-e', '{"database_parameters": {"rds.force_ssl": 0}}'], 'database_parameters cannot set rds.force_ssl'),
    (['-e', '{"database_log_exports": ["upgrade"]}'], 'database_log_exports must hold postgresql'),
])
def test_bad_variables_fail_before_anything_is_created(moto, extra, message):
    code, tasks, stats = playbook(moto, 'provision.yml', *extra, stack='shoppulse-bad')
    assert code != 0
    messages = playbook.last.messages()
    assert any(message in text for text in messages), messages
    assert our_vpcs(moto, 'shoppulse-bad') == []


def test_with_no_region_in_the_inventory_the_roles_use_aws_region_as_amazon_aws_does(moto, tmp_path):
    # AWS_REGION before AWS_DEFAULT_REGION, as amazon.aws's modules read them, and both before the built-in default
    play = tmp_path / 'secret.yml'
    play.write_text(yaml.safe_dump([dict(
        name='The secret role alone, with no region set', hosts='localhost', connection='local', gather_facts=False,
        module_defaults=MODULE_DEFAULTS, vars=dict(shoppulse_name='shoppulse-region-test', secret_roles=[]),
        roles=[dict(role='shoppulse.analytics.secret')])]))
    result = runner.run(play, extra_vars=dict(shoppulse_aws_endpoint_url=str(moto)),
                        env=runner.environment(aws=dict(CREDENTIALS, AWS_REGION='us-east-2', AWS_DEFAULT_REGION='ap-south-1')))
    assert result.returncode == 0, result.failures()

    def secrets(region):
        listed = boto3.client('secretsmanager', endpoint_url=moto, region_name=region, aws_access_key_id='testing',
                              aws_secret_access_key='testing').list_secrets()['SecretList']
        return [s['Name'] for s in listed if s['Name'].startswith('shoppulse-region-test/')]

    assert secrets('us-east-2') == ['shoppulse-region-test/db-master']
    assert secrets('ap-south-1') == [] and secrets(REGION) == []
    boto3.client('secretsmanager', endpoint_url=moto, region_name='us-east-2', aws_access_key_id='testing',
                 aws_secret_access_key='testing').delete_secret(SecretId='shoppulse-region-test/db-master',
                                                                ForceDeleteWithoutRecovery=True)


def test_an_instance_class_the_region_does_not_offer_fails_before_anything_is_created(moto):
    moto.unoffered.write_text(json.dumps({REGION: ['db.t3.medium']}))
    try:
        code, tasks, stats = playbook(moto, 'provision.yml', '-e', 'database_instance_class=db.t3.medium',
                                      stack='shoppulse-no-class')
    finally:
        moto.unoffered.unlink()
    assert code != 0
    failed = [result.get('msg', '') for name, result in tasks if result.get('failed')]
    assert failed == ['eu-west-1 offers no db.t3.medium (database_instance_class) for PostgreSQL 15.10: choose another '
                      'class, or another region'], failed
    assert our_vpcs(moto, 'shoppulse-no-class') == []


def test_the_emulated_aws_refuses_to_delete_a_group_another_group_refers_to(moto):
    """moto correction 9, which the teardown's order of the database role's groups is tested against."""
    ec2 = client(moto, 'ec2')
    vpc = ec2.create_vpc(CidrBlock='10.99.0.0/16')['Vpc']['VpcId']
    target = ec2.create_security_group(GroupName='shoppulse-ref-target', Description='t', VpcId=vpc)['GroupId']
    source = ec2.create_security_group(GroupName='shoppulse-ref-source', Description='s', VpcId=vpc)['GroupId']
    ec2.authorize_security_group_egress(GroupId=source, IpPermissions=[dict(
        IpProtocol='tcp', FromPort=5432, ToPort=5432, UserIdGroupPairs=[dict(GroupId=target)])])
    with pytest.raises(botocore.exceptions.ClientError, match='DependencyViolation'):
        ec2.delete_security_group(GroupId=target)
    ec2.delete_security_group(GroupId=source)
    ec2.delete_security_group(GroupId=target)
    ec2.delete_vpc(VpcId=vpc)


def test_the_emulated_aws_gives_a_vpcs_default_group_its_rule_admitting_itself(moto):
    """moto correction 15, which the network role's emptying of the default group (and the deployer's
    ec2:RevokeSecurityGroupIngress) is tested against."""
    ec2 = client(moto, 'ec2')
    vpc = ec2.create_vpc(CidrBlock='10.97.0.0/16')['Vpc']['VpcId']
    group = ec2.describe_security_groups(Filters=[dict(Name='vpc-id', Values=[vpc]),
                                                  dict(Name='group-name', Values=['default'])])['SecurityGroups'][0]
    assert [(rule['IpProtocol'], [pair['GroupId'] for pair in rule['UserIdGroupPairs']])
            for rule in group['IpPermissions']] == [('-1', [group['GroupId']])]
    ec2.delete_vpc(VpcId=vpc)
