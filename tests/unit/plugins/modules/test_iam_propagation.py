# Copyright (c) 2026, ShopPulse platform team
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""IAM's eventual consistency, which the emulated AWS never shows: a role created seconds before is
refused by RDS (the proxy's role) and by EC2 (the flow logs' role) until IAM has propagated it.

botocore's Stubber scripts the refusals: refused, refused, accepted; refused past the bound (a clear
error naming the role); and errors that are not that refusal, which are never retried.
"""

import pytest

from ansible_collections.shoppulse.analytics.plugins.module_utils.aws import iam_propagation

from aws_stub import AwsError
import test_rds_proxy as proxy_case
import test_vpc_flow_log as flow_case

RDS_REFUSED = AwsError('InvalidParameterValue', 'IAM role ARN value is invalid or does not include the required '
                                                'permissions for: SECRETS_MANAGER')
EC2_REFUSED = AwsError('InvalidParameter', "Unable to assume given IAM role: '%s'" % flow_case.ROLE)
ATTEMPTS = len(iam_propagation.DELAYS) + 1


@pytest.fixture
def waits(monkeypatch):
    """The backoff's waits, recorded instead of slept."""
    recorded = []
    monkeypatch.setattr(iam_propagation, '_sleep', recorded.append)
    return recorded


def proxy_creation(response):
    request = dict(DBProxyName=proxy_case.NAME, EngineFamily='POSTGRESQL', Auth=proxy_case.AUTH,
                   RoleArn=proxy_case.ROLE, VpcSubnetIds=proxy_case.SUBNETS, RequireTLS=True,
                   IdleClientTimeout=1800, VpcSecurityGroupIds=['sg-11111111'], Tags=proxy_case.TAGS)
    return ('create_db_proxy', request, response)


def proxy_after_creation():
    return [
        proxy_case.target_group(), proxy_case.targets(),
        proxy_case.describe(proxy_case.proxy()),  # the wait: available
    ] + proxy_case.final_state()


def test_the_proxy_role_refused_twice_then_accepted_creates_the_proxy(monkeypatch, capsys, waits):
    result = proxy_case.run(monkeypatch, capsys, [
        proxy_case.describe(AwsError('DBProxyNotFoundFault')),
        proxy_creation(RDS_REFUSED), proxy_creation(RDS_REFUSED),
        proxy_creation(dict(DBProxy=proxy_case.proxy(Status='creating'))),
    ] + proxy_after_creation())
    assert result['changed'] and not result.get('failed')
    assert waits == list(iam_propagation.DELAYS[:2])


def test_the_proxy_role_refused_past_the_bound_fails_naming_the_role(monkeypatch, capsys, waits):
    result = proxy_case.run(monkeypatch, capsys, [proxy_case.describe(AwsError('DBProxyNotFoundFault'))]
                            + [proxy_creation(RDS_REFUSED)] * ATTEMPTS)
    assert result['failed']
    assert proxy_case.ROLE in result['msg'] and 'create DB proxy' in result['msg']
    assert '%d attempts over %d s' % (ATTEMPTS, sum(iam_propagation.DELAYS)) in result['msg']
    assert waits == list(iam_propagation.DELAYS)
    assert sum(waits) <= 120


def test_a_modified_role_is_retried_as_well(monkeypatch, capsys, waits):
    other_role = 'arn:aws:iam::123456789012:role/shoppulse-proxy-new'
    modify = ('modify_db_proxy', dict(DBProxyName=proxy_case.NAME, RoleArn=other_role), )
    moved = proxy_case.proxy(RoleArn=other_role)
    result = proxy_case.run(monkeypatch, capsys, [
        proxy_case.describe(proxy_case.proxy()),
        modify + (RDS_REFUSED,), modify + (dict(DBProxy=moved),),
        proxy_case.tags(), proxy_case.target_group(), proxy_case.targets(),
        proxy_case.describe(moved), proxy_case.tags(), proxy_case.target_group(), proxy_case.targets(),
    ], role_arn=other_role)
    assert result['changed'] and not result.get('failed')
    assert waits == [iam_propagation.DELAYS[0]]


@pytest.mark.parametrize('error', [
    AwsError('InvalidParameterValue', 'Subnet subnet-11111111 does not exist'),
    AwsError('AccessDenied', 'IAM role ARN value is invalid or does not include the required permissions'),
    AwsError('InvalidParameter', 'Unable to assume given IAM role'),  # EC2's refusal, not RDS's
], ids=['another-invalid-parameter', 'another-code', 'another-service-refusal'])
def test_any_other_error_of_the_proxy_is_not_retried(monkeypatch, capsys, waits, error):
    result = proxy_case.run(monkeypatch, capsys, [
        proxy_case.describe(AwsError('DBProxyNotFoundFault')), proxy_creation(error)])
    assert result['failed'] and 'Failed to create DB proxy' in result['msg']
    assert waits == []


def flow_log_creation(response):
    return ('create_flow_logs', flow_case.CREATE, response)


def test_the_flow_logs_role_refused_twice_then_accepted_creates_the_flow_log(monkeypatch, capsys, waits):
    result = flow_case.run(monkeypatch, capsys, [
        flow_case.describe(), flow_log_creation(EC2_REFUSED), flow_log_creation(EC2_REFUSED),
        flow_log_creation(dict(FlowLogIds=['fl-1'], Unsuccessful=[])), flow_case.describe(flow_case.FLOW)])
    assert result['changed'] and result['flow_log']['flow_log_id'] == 'fl-1'
    assert waits == list(iam_propagation.DELAYS[:2])


def test_the_flow_logs_role_refused_past_the_bound_fails_naming_the_role(monkeypatch, capsys, waits):
    result = flow_case.run(monkeypatch, capsys, [flow_case.describe()] + [flow_log_creation(EC2_REFUSED)] * ATTEMPTS)
    assert result['failed']
    assert flow_case.ROLE in result['msg'] and 'create flow log' in result['msg']
    assert waits == list(iam_propagation.DELAYS)


@pytest.mark.parametrize('error', [
    AwsError('InvalidParameter', 'LogGroupName /x is invalid'),
    AwsError('UnauthorizedOperation', 'You are not authorized to perform this operation.'),
], ids=['another-invalid-parameter', 'not-authorized'])
def test_any_other_error_of_the_flow_log_is_not_retried(monkeypatch, capsys, waits, error):
    result = flow_case.run(monkeypatch, capsys, [flow_case.describe(), flow_log_creation(error)])
    assert result['failed'] and 'Failed to create flow log' in result['msg']
    assert waits == []
