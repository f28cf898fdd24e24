# Copyright (c) 2026, ShopPulse platform team
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""rds_proxy and rds_proxy_info: every path, with botocore's Stubber (moto has no ModifyDBProxy)."""

import copy
import datetime

import pytest

from ansible_collections.shoppulse.analytics.plugins.module_utils.aws import rds_proxy as api
from ansible_collections.shoppulse.analytics.plugins.modules import rds_proxy, rds_proxy_info

from aws_stub import AwsError, run_module

NAME = 'shoppulse-analytics-proxy'
ARN = 'arn:aws:rds:eu-west-1:123456789012:db-proxy:prx-0123456789abcdef0'
SECRET = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:shoppulse-db-AbCdEf'
ROLE = 'arn:aws:iam::123456789012:role/shoppulse-proxy'
SUBNETS = ['subnet-11111111', 'subnet-22222222']
NOW = datetime.datetime(2026, 11, 24, tzinfo=datetime.timezone.utc)

ARGS = dict(name=NAME, auth=[dict(secret_arn=SECRET, client_password_auth_type='POSTGRES_SCRAM_SHA_256')],
            role_arn=ROLE, vpc_subnet_ids=SUBNETS, vpc_security_group_ids=['sg-11111111'],
            require_tls=True, idle_client_timeout=1800,
            connection_pool=dict(max_connections_percent=100, max_idle_connections_percent=50),
            db_instance_identifiers=['shoppulse-analytics'], tags=dict(Project='shoppulse'))
AUTH = [dict(AuthScheme='SECRETS', SecretArn=SECRET, IAMAuth='DISABLED', ClientPasswordAuthType='POSTGRES_SCRAM_SHA_256')]
PROXY = dict(DBProxyName=NAME, DBProxyArn=ARN, Status='available', EngineFamily='POSTGRESQL', VpcId='vpc-1',
             VpcSecurityGroupIds=['sg-11111111'], VpcSubnetIds=SUBNETS, Auth=AUTH, RoleArn=ROLE,
             Endpoint=NAME + '.proxy-abc.eu-west-1.rds.amazonaws.com', RequireTLS=True, IdleClientTimeout=1800,
             DebugLogging=False, CreatedDate=NOW, UpdatedDate=NOW)
POOL = dict(MaxConnectionsPercent=100, MaxIdleConnectionsPercent=50, ConnectionBorrowTimeout=120,
            SessionPinningFilters=[])
GROUP = dict(DBProxyName=NAME, TargetGroupName='default', IsDefault=True, Status='available',
             ConnectionPoolConfig=POOL)
TARGET = dict(RdsResourceId='shoppulse-analytics', Type='RDS_INSTANCE', Port=5432, TargetHealth=dict(State='AVAILABLE'))
REGISTERING = dict(TARGET, TargetHealth=dict(State='REGISTERING'))
TAGS = [dict(Key='Project', Value='shoppulse')]


def proxy(**changes):
    value = copy.deepcopy(PROXY)
    value.update(changes)
    return value


def group(**pool):
    value = copy.deepcopy(GROUP)
    value['ConnectionPoolConfig'].update(pool)
    return value


def describe(response):
    return ('describe_db_proxies', dict(DBProxyName=NAME),
            response if isinstance(response, Exception) else dict(DBProxies=[response]))


def tags(tag_list=None):
    return ('list_tags_for_resource', dict(ResourceName=ARN), dict(TagList=TAGS if tag_list is None else tag_list))


def target_group(value=None):
    return ('describe_db_proxy_target_groups', dict(DBProxyName=NAME, TargetGroupName='default'),
            dict(TargetGroups=[value or GROUP]))


def targets(values=None):
    return ('describe_db_proxy_targets', dict(DBProxyName=NAME, TargetGroupName='default'),
            dict(Targets=[TARGET] if values is None else values))


def final_state():
    return [describe(proxy()), tags(), target_group(), targets()]


def run(monkeypatch, capsys, calls, check_mode=False, **overrides):
    return run_module(monkeypatch, capsys, rds_proxy.main, dict(ARGS, **overrides), 'rds', calls, check_mode=check_mode)


def test_create_waits_then_sets_the_pool_and_registers_the_instance(monkeypatch, capsys):
    request = dict(DBProxyName=NAME, EngineFamily='POSTGRESQL', Auth=AUTH, RoleArn=ROLE, VpcSubnetIds=SUBNETS,
                   RequireTLS=True, IdleClientTimeout=1800, VpcSecurityGroupIds=['sg-11111111'],
                   Tags=TAGS)
    result = run(monkeypatch, capsys, [
        describe(AwsError('DBProxyNotFoundFault')),
        ('create_db_proxy', request, dict(DBProxy=proxy(Status='creating'))),
        target_group(group(MaxConnectionsPercent=10, MaxIdleConnectionsPercent=5)),
        targets([]),
        describe(proxy()),  # the wait: available
        ('modify_db_proxy_target_group', dict(DBProxyName=NAME, TargetGroupName='default', ConnectionPoolConfig=dict(
            MaxConnectionsPercent=100, MaxIdleConnectionsPercent=50)), dict(DBProxyTargetGroup=GROUP)),
        ('register_db_proxy_targets', dict(DBProxyName=NAME, TargetGroupName='default',
                                           DBInstanceIdentifiers=['shoppulse-analytics']), dict(DBProxyTargets=[TARGET])),
        targets([REGISTERING]), targets(),  # the wait for the target: registering, then available
    ] + final_state(), wait_delay=0.01)
    assert result['changed']
    assert result['proxy']['require_tls'] and result['proxy']['tags'] == {'Project': 'shoppulse'}
    assert result['target_group']['connection_pool_config']['max_idle_connections_percent'] == 50
    assert [t['rds_resource_id'] for t in result['targets']] == ['shoppulse-analytics']


def test_nothing_to_do_reports_no_change(monkeypatch, capsys):
    result = run(monkeypatch, capsys, [describe(proxy()), tags(), target_group(), targets()] + final_state())
    assert not result['changed']


def test_settings_that_differ_are_modified_in_place(monkeypatch, capsys):
    current = proxy(RequireTLS=False, IdleClientTimeout=600, VpcSecurityGroupIds=['sg-00000000'])
    result = run(monkeypatch, capsys, [
        describe(current),
        ('modify_db_proxy', dict(DBProxyName=NAME, RequireTLS=True, IdleClientTimeout=1800,
                                 SecurityGroups=['sg-11111111']), dict(DBProxy=proxy())),
        tags(), target_group(), targets(),
    ] + final_state())
    assert result['changed']


def test_settings_left_out_are_left_as_they_are(monkeypatch, capsys):
    # what the proxy role's attach entry point sends: the pool and the targets only
    current = proxy(IdleClientTimeout=900, RequireTLS=True, DebugLogging=True)
    attach = dict(name=NAME, connection_pool=ARGS['connection_pool'], db_instance_identifiers=['shoppulse-analytics'])
    result = run_module(monkeypatch, capsys, rds_proxy.main, attach, 'rds', [
        describe(current), target_group(), targets(), describe(current), tags(), target_group(), targets()])
    assert not result['changed'] and result['proxy']['idle_client_timeout'] == 900


def test_a_new_proxy_without_the_settings_gets_aws_defaults(monkeypatch, capsys):
    args = dict((k, v) for k, v in ARGS.items() if k not in ('require_tls', 'idle_client_timeout'))
    request = dict(DBProxyName=NAME, EngineFamily='POSTGRESQL', Auth=AUTH, RoleArn=ROLE, VpcSubnetIds=SUBNETS,
                   VpcSecurityGroupIds=['sg-11111111'], Tags=TAGS)
    result = run_module(monkeypatch, capsys, rds_proxy.main, args, 'rds', [
        describe(AwsError('DBProxyNotFoundFault')),
        ('create_db_proxy', request, dict(DBProxy=proxy(Status='creating'))),
        target_group(), targets(), describe(proxy()),
    ] + final_state())
    assert result['changed']


def test_new_auth_is_modified_in_place(monkeypatch, capsys):
    other = dict(AUTH[0], SecretArn=SECRET.replace('AbCdEf', 'Old123'))
    result = run(monkeypatch, capsys, [
        describe(proxy(Auth=[other])),
        ('modify_db_proxy', dict(DBProxyName=NAME, Auth=AUTH), dict(DBProxy=proxy())),
        tags(), target_group(), targets(),
    ] + final_state())
    assert result['changed']


def test_check_mode_predicts_a_modification_without_making_it(monkeypatch, capsys):
    result = run(monkeypatch, capsys, [
        describe(proxy(IdleClientTimeout=600)), tags(), target_group(), targets(),
    ] + final_state(), check_mode=True)
    assert result['changed']


def test_check_mode_on_an_empty_account_creates_nothing(monkeypatch, capsys):
    result = run(monkeypatch, capsys, [describe(AwsError('DBProxyNotFoundFault'))], check_mode=True)
    assert result['changed'] and result['proxy'] == {}


@pytest.mark.parametrize('changes, message', [
    (dict(EngineFamily='MYSQL'), 'different engine_family'),
    (dict(VpcSubnetIds=['subnet-99999999']), 'different vpc_subnet_ids'),
])
def test_settings_aws_cannot_change_fail_clearly(monkeypatch, capsys, changes, message):
    result = run(monkeypatch, capsys, [describe(proxy(**changes))])
    assert result['failed'] and message in result['msg'] and 'changes its endpoint' in result['msg']


def test_creation_needs_auth_role_and_subnets(monkeypatch, capsys):
    result = run(monkeypatch, capsys, [describe(AwsError('DBProxyNotFoundFault'))], role_arn=None, auth=None)
    assert result['failed'] and result['msg'] == 'creating DB proxy %s needs auth, role_arn' % NAME


def test_pool_and_targets_are_brought_in_line(monkeypatch, capsys):
    old = dict(TARGET, RdsResourceId='old-instance')
    result = run(monkeypatch, capsys, [
        describe(proxy()), tags(), target_group(group(MaxIdleConnectionsPercent=10)), targets([old]),
        ('modify_db_proxy_target_group', dict(DBProxyName=NAME, TargetGroupName='default',
                                              # the two percentages together, as RDS takes them
                                              ConnectionPoolConfig=dict(MaxConnectionsPercent=100,
                                                                        MaxIdleConnectionsPercent=50)),
         dict(DBProxyTargetGroup=GROUP)),
        ('deregister_db_proxy_targets', dict(DBProxyName=NAME, TargetGroupName='default',
                                             DBInstanceIdentifiers=['old-instance'])),
        ('register_db_proxy_targets', dict(DBProxyName=NAME, TargetGroupName='default',
                                           DBInstanceIdentifiers=['shoppulse-analytics']), dict(DBProxyTargets=[TARGET])),
        targets(),  # the wait for the target
    ] + final_state())
    assert result['changed']


def test_a_target_still_registering_is_waited_for_without_registering_it_again(monkeypatch, capsys):
    """A run stopped while it waited for the target: the next one finds it registered, and waits again."""
    result = run(monkeypatch, capsys, [
        describe(proxy()), tags(), target_group(), targets([REGISTERING]),
        targets([REGISTERING]), targets(),  # the wait: the target as described first, then twice more
    ] + final_state(), wait_delay=0.01)
    assert not result['changed']


def test_tags_are_added_and_purged(monkeypatch, capsys):
    result = run(monkeypatch, capsys, [
        describe(proxy()), tags([dict(Key='Owner', Value='someone')]),
        ('add_tags_to_resource', dict(ResourceName=ARN, Tags=TAGS)),
        ('remove_tags_from_resource', dict(ResourceName=ARN, TagKeys=['Owner'])),
        target_group(), targets(),
    ] + final_state())
    assert result['changed']


def test_delete_waits_until_gone(monkeypatch, capsys):
    result = run(monkeypatch, capsys, [
        describe(proxy()),
        ('delete_db_proxy', dict(DBProxyName=NAME), dict(DBProxy=proxy(Status='deleting'))),
        describe(AwsError('DBProxyNotFoundFault')),
    ], state='absent')
    assert result['changed'] and result['proxy'] == {}


def test_delete_of_a_missing_proxy_changes_nothing(monkeypatch, capsys):
    result = run(monkeypatch, capsys, [describe(AwsError('DBProxyNotFoundFault'))], state='absent')
    assert not result['changed']


def test_info_returns_the_proxy_with_pool_and_targets(monkeypatch, capsys):
    result = run_module(monkeypatch, capsys, rds_proxy_info.main, dict(name=NAME), 'rds', final_state())
    assert not result['changed'] and result['proxies'][0]['endpoint'].startswith(NAME)
    assert result['proxies'][0]['target_group']['connection_pool_config']['max_connections_percent'] == 100


def test_info_of_a_missing_proxy_is_empty(monkeypatch, capsys):
    result = run_module(monkeypatch, capsys, rds_proxy_info.main, dict(name=NAME), 'rds',
                        [describe(AwsError('DBProxyNotFoundFault'))])
    assert result['proxies'] == []


class FakeClock:
    def __init__(self):
        self.now = 0.0

    def monotonic(self):
        return self.now

    def sleep(self, seconds):
        self.now += seconds


def test_wait_times_out_with_the_status_it_saw(monkeypatch, capsys):
    import boto3
    from botocore.stub import Stubber
    client = boto3.client('rds', region_name='eu-west-1', aws_access_key_id='t', aws_secret_access_key='t')
    stubber = Stubber(client)
    for creating in [proxy(Status='creating')] * 3:  # each poll until the deadline sees it still creating
        stubber.add_response('describe_db_proxies', dict(DBProxies=[creating]), dict(DBProxyName=NAME))
    with stubber, pytest.raises(api.AnsibleRDSError, match='to be available .it is creating.'):
        api.wait_for_status(client, NAME, 'available', timeout=20, sleep=10, clock=FakeClock())


def test_the_wait_for_targets_times_out_naming_each_one_with_its_state_and_reason():
    import boto3
    from botocore.stub import Stubber
    client = boto3.client('rds', region_name='eu-west-1', aws_access_key_id='t', aws_secret_access_key='t')
    stubber = Stubber(client)
    failing = dict(TARGET, TargetHealth=dict(State='UNAVAILABLE', Reason='CONNECTION_FAILED'))
    for dummy in range(2):
        stubber.add_response('describe_db_proxy_targets', dict(Targets=[failing]),
                             dict(DBProxyName=NAME, TargetGroupName='default'))
    with stubber, pytest.raises(api.AnsibleRDSError, match='other-instance is not registered, '
                                                           'shoppulse-analytics is UNAVAILABLE .CONNECTION_FAILED.$'):
        api.wait_for_targets(client, NAME, ['shoppulse-analytics', 'other-instance'], timeout=10, sleep=10,
                             clock=FakeClock())
