# Copyright (c) 2026, ShopPulse platform team
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""vpc_flow_log: every path, with botocore's Stubber."""

from ansible_collections.shoppulse.analytics.plugins.modules import vpc_flow_log

from aws_stub import run_module

VPC = 'vpc-0123456789abcdef0'
ROLE = 'arn:aws:iam::123456789012:role/shoppulse-flow-logs'
GROUP = '/shoppulse/vpc-flow-logs'
ARGS = dict(resource_id=VPC, log_group_name=GROUP, deliver_logs_permission_arn=ROLE, tags=dict(Project='shoppulse'))
FLOW = dict(FlowLogId='fl-1', ResourceId=VPC, TrafficType='ALL', LogDestinationType='cloud-watch-logs',
            LogGroupName=GROUP, DeliverLogsPermissionArn=ROLE, MaxAggregationInterval=600, FlowLogStatus='ACTIVE',
            Tags=[dict(Key='Project', Value='shoppulse')])
TAG_SPEC = [dict(ResourceType='vpc-flow-log', Tags=[dict(Key='Project', Value='shoppulse')])]
CREATE = dict(ResourceIds=[VPC], ResourceType='VPC', TrafficType='ALL', LogDestinationType='cloud-watch-logs',
              MaxAggregationInterval=600, LogGroupName=GROUP, DeliverLogsPermissionArn=ROLE, TagSpecifications=TAG_SPEC)


def describe(*flows):
    return ('describe_flow_logs', dict(Filters=[dict(Name='resource-id', Values=[VPC])]), dict(FlowLogs=list(flows)))


def tags(*pairs):
    return ('describe_tags', dict(Filters=[dict(Name='resource-id', Values=['fl-1'])]),
            dict(Tags=[dict(Key=k, Value=v, ResourceId='fl-1', ResourceType='vpc-flow-log') for k, v in pairs]))


def run(monkeypatch, capsys, calls, check_mode=False, **overrides):
    return run_module(monkeypatch, capsys, vpc_flow_log.main, dict(ARGS, **overrides), 'ec2', calls, check_mode=check_mode)


def test_create(monkeypatch, capsys):
    result = run(monkeypatch, capsys, [
        describe(), ('create_flow_logs', CREATE, dict(FlowLogIds=['fl-1'], Unsuccessful=[])), describe(FLOW)])
    assert result['changed'] and result['flow_log']['flow_log_id'] == 'fl-1'
    assert result['flow_log']['tags'] == {'Project': 'shoppulse'}


def test_nothing_to_do(monkeypatch, capsys):
    result = run(monkeypatch, capsys, [describe(FLOW), tags(('Project', 'shoppulse')), describe(FLOW)])
    assert not result['changed']


def test_tags_are_brought_in_line(monkeypatch, capsys):
    result = run(monkeypatch, capsys, [
        describe(FLOW), tags(('Owner', 'someone')),
        ('delete_tags', dict(Resources=['fl-1'], Tags=[dict(Key='Owner')])),
        ('create_tags', dict(Resources=['fl-1'], Tags=[dict(Key='Project', Value='shoppulse')])),
        describe(FLOW)])
    assert result['changed']


def test_a_flow_log_with_other_settings_is_replaced(monkeypatch, capsys):
    old = dict(FLOW, FlowLogId='fl-0', MaxAggregationInterval=60)
    result = run(monkeypatch, capsys, [
        describe(old), ('delete_flow_logs', dict(FlowLogIds=['fl-0']), dict(Unsuccessful=[])),
        ('create_flow_logs', CREATE, dict(FlowLogIds=['fl-1'], Unsuccessful=[])), describe(FLOW)])
    assert result['changed'] and result['replaced_settings'] == ['MaxAggregationInterval']


def test_a_flow_log_to_another_destination_is_left_alone(monkeypatch, capsys):
    other = dict(FLOW, FlowLogId='fl-9', LogGroupName='/other')
    result = run(monkeypatch, capsys, [
        describe(other), ('create_flow_logs', CREATE, dict(FlowLogIds=['fl-1'], Unsuccessful=[])),
        describe(other, FLOW)])
    assert result['changed'] and result['flow_log']['flow_log_id'] == 'fl-1'


def test_an_unsuccessful_creation_fails_with_the_reason(monkeypatch, capsys):
    failure = dict(Error=dict(Code='AccessDenied', Message='cannot assume role'), ResourceId=VPC)
    creation = ('create_flow_logs', CREATE, dict(FlowLogIds=[], Unsuccessful=[failure]))
    result = run(monkeypatch, capsys, [describe(), creation])
    assert result['failed'] and 'cannot assume role (AccessDenied)' in result['msg']


def test_check_mode_creates_nothing(monkeypatch, capsys):
    result = run(monkeypatch, capsys, [describe()], check_mode=True)
    assert result['changed'] and result['flow_log'] == {}


def test_delete(monkeypatch, capsys):
    result = run(monkeypatch, capsys, [describe(FLOW), ('delete_flow_logs', dict(FlowLogIds=['fl-1']),
                                                        dict(Unsuccessful=[]))], state='absent')
    assert result['changed']


def test_delete_of_nothing(monkeypatch, capsys):
    assert not run(monkeypatch, capsys, [describe()], state='absent')['changed']


def test_cloudwatch_delivery_needs_a_role(monkeypatch, capsys):
    result = run(monkeypatch, capsys, [], deliver_logs_permission_arn=None)
    assert result['failed'] and 'deliver_logs_permission_arn is required' in result['msg']
