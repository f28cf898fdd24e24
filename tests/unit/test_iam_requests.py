# Copyright (c) 2026, ShopPulse platform team
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""support/iam_requests.py (what AWS authorizes an EC2 or RDS Proxy request against) on its own, and the
collection's policies (files/iam/) evaluated with it: the deployer and the teardown change only what carries the
stack's tag, each way out of it tried one at a time."""

import json
import os

import jinja2
import pytest
import yaml

from support import ROOT
from support.iam_evaluation import permitted
from support.iam_requests import ec2_requests, rds_proxy_requests, rds_resource, request_tags

ACCOUNT, REGION, STACK = '123456789012', 'eu-west-1', 'stack'
with open(os.path.join(ROOT, 'roles', 'shoppulse', 'vars', 'main.yml')) as _handle:
    VARS = yaml.safe_load(_handle)
TAG = VARS['shoppulse_stack_tag']
OURS, THEIRS = {TAG: STACK, 'Name': 'x'}, {TAG: 'other-stack'}
# resource id -> tags: ours, another stack's, and untagged ones (a VPC's default group)
TAGS = {'vpc-ours': OURS, 'subnet-ours': OURS, 'sg-ours': OURS, 'rtb-ours': OURS, 'igw-ours': OURS,
        'eipalloc-ours': OURS, 'nat-ours': OURS, 'fl-ours': OURS,
        'vpc-theirs': THEIRS, 'subnet-theirs': THEIRS, 'sg-theirs': THEIRS, 'rtb-theirs': THEIRS,
        'eipalloc-theirs': THEIRS, 'nat-theirs': THEIRS, 'sg-default': {}, 'eipalloc-untagged': {}}


def policy(name):
    names = dict((key, jinja2.Template(value).render(shoppulse_name=STACK))
                 for key, value in VARS['shoppulse_names'].items())
    with open(os.path.join(ROOT, 'files', 'iam', name)) as handle:
        return json.loads(jinja2.Template(handle.read()).render(
            account=ACCOUNT, region=REGION, names=names, stack=dict(tag=TAG, name=STACK)))


DEPLOYER = [policy('deployer-policy.json'), policy('deployer-network-policy.json')]
TEARDOWN = [policy('teardown-policy.json')]


def tagged(tags):
    """A create's TagSpecification parameters."""
    params = {'TagSpecification.1.ResourceType': 'x'}
    for number, (key, value) in enumerate(sorted(tags.items()), 1):
        params['TagSpecification.1.Tag.%d.Key' % number] = key
        params['TagSpecification.1.Tag.%d.Value' % number] = value
    return params


def ec2(documents, action, **params):
    found = ec2_requests('ec2:' + action, params, lambda resource: TAGS[resource], REGION, ACCOUNT)
    return all(permitted(documents, a, resource, context) for a, resource, context in found)


def test_a_create_is_authorized_on_what_it_makes_and_what_it_uses_and_as_tagging_on_creation():
    found = ec2_requests('ec2:CreateSubnet', dict(VpcId='vpc-ours', **tagged({TAG: STACK})),
                         lambda resource: TAGS[resource], REGION, ACCOUNT)
    assert found == [
        ('ec2:CreateSubnet', 'arn:aws:ec2:eu-west-1:123456789012:subnet/*', {'aws:RequestTag/' + TAG: STACK}),
        ('ec2:CreateTags', 'arn:aws:ec2:eu-west-1:123456789012:subnet/*',
         {'aws:RequestTag/' + TAG: STACK, 'ec2:CreateAction': 'CreateSubnet'}),
        ('ec2:CreateSubnet', 'arn:aws:ec2:eu-west-1:123456789012:vpc/vpc-ours',
         {'aws:RequestTag/' + TAG: STACK, 'ec2:ResourceTag/' + TAG: STACK, 'aws:ResourceTag/' + TAG: STACK,
          'ec2:ResourceTag/Name': 'x', 'aws:ResourceTag/Name': 'x'}),
    ]
    assert ec2_requests('ec2:DescribeVpcs', {}, TAGS.get, REGION, ACCOUNT) is None


def test_lists_and_tags_of_the_query_protocols():
    assert request_tags({'Tag.1.Key': 'a', 'Tag.1.Value': '1', 'Tags.Tag.2.Key': 'b', 'Tags.Tag.2.Value': '2',
                         'Tags.member.3.Key': 'c', 'TagSpecification.2.Tag.1.Key': 'd'}) == {
        'a': '1', 'b': '2', 'c': '', 'd': ''}
    found = ec2_requests('ec2:CreateTags', {'ResourceId.2': 'sg-ours', 'ResourceId.1': 'vpc-ours'},
                         lambda resource: {}, REGION, ACCOUNT)
    assert [resource.rsplit('/', 1)[1] for dummy, resource, dummy in found] == ['vpc-ours', 'sg-ours']


def test_rds_proxy_requests():
    proxy = rds_resource('arn:aws:rds:eu-west-1:1:db-proxy:prx-1', [{'Key': TAG, 'Value': STACK}], 'db-proxy-tag')
    assert proxy[1] == {'aws:ResourceTag/' + TAG: STACK, 'rds:db-proxy-tag/' + TAG: STACK}
    assert rds_proxy_requests('rds:ModifyDBProxy', {}, REGION, ACCOUNT, None) is None  # RDS answers "not found"
    assert rds_proxy_requests('rds:DescribeDBProxies', {}, REGION, ACCOUNT, proxy) is None
    create = rds_proxy_requests('rds:CreateDBProxy', {'Tags.Tag.1.Key': TAG, 'Tags.Tag.1.Value': STACK}, REGION,
                                ACCOUNT, None)
    assert create == [('rds:CreateDBProxy', 'arn:aws:rds:eu-west-1:123456789012:db-proxy:*',
                       {'aws:RequestTag/' + TAG: STACK})]


# What the playbooks do, allowed
@pytest.mark.parametrize('action, params', [
    ('CreateVpc', tagged(OURS)),
    ('CreateSubnet', dict(VpcId='vpc-ours', **tagged(OURS))),
    ('CreateSecurityGroup', dict(VpcId='vpc-ours', **tagged(OURS))),
    ('AllocateAddress', tagged(OURS)),
    ('CreateNatGateway', dict(SubnetId='subnet-ours', AllocationId='eipalloc-ours', **tagged(OURS))),
    ('CreateFlowLogs', dict(**{'ResourceId.1': 'vpc-ours'}, **tagged(OURS))),
    ('AuthorizeSecurityGroupIngress', dict(GroupId='sg-ours')),
    ('AssociateRouteTable', dict(RouteTableId='rtb-ours', SubnetId='subnet-ours')),
    ('AttachInternetGateway', dict(InternetGatewayId='igw-ours', VpcId='vpc-ours')),
    ('CreateTags', {'ResourceId.1': 'sg-ours', 'Tag.1.Key': 'Name', 'Tag.1.Value': 'y'}),
    ('RevokeSecurityGroupIngress', dict(GroupId='sg-default')),  # the VPC's default group, untagged by AWS
])
def test_the_deployer_builds_its_own_stack(action, params):
    assert ec2(DEPLOYER, action, **params)


# Ways out of the stack, each refused
@pytest.mark.parametrize('action, params', [
    ('CreateVpc', {}),  # untagged
    ('CreateVpc', tagged(THEIRS)),  # tagged as another stack's
    ('CreateSubnet', dict(VpcId='vpc-theirs', **tagged(OURS))),  # ours, in another stack's VPC
    ('CreateSecurityGroup', dict(VpcId='vpc-theirs', **tagged(OURS))),
    ('CreateRouteTable', dict(VpcId='vpc-theirs', **tagged(OURS))),
    ('CreateFlowLogs', dict(**{'ResourceId.1': 'vpc-theirs'}, **tagged(OURS))),
    ('CreateNatGateway', dict(SubnetId='subnet-theirs', AllocationId='eipalloc-ours', **tagged(OURS))),
    ('CreateNatGateway', dict(SubnetId='subnet-ours', AllocationId='eipalloc-theirs', **tagged(OURS))),
    ('CreateNatGateway', dict(SubnetId='subnet-ours', AllocationId='eipalloc-untagged', **tagged(OURS))),
    ('AuthorizeSecurityGroupIngress', dict(GroupId='sg-theirs')),  # open another stack's group
    ('AuthorizeSecurityGroupIngress', dict(GroupId='sg-default')),  # or a default group
    ('RevokeSecurityGroupIngress', dict(GroupId='sg-theirs')),
    ('CreateRoute', dict(RouteTableId='rtb-theirs')),
    ('AssociateRouteTable', dict(RouteTableId='rtb-ours', SubnetId='subnet-theirs')),
    ('AttachInternetGateway', dict(InternetGatewayId='igw-ours', VpcId='vpc-theirs')),
    ('ModifyVpcAttribute', dict(VpcId='vpc-theirs')),
    ('CreateTags', {'ResourceId.1': 'sg-theirs', 'Tag.1.Key': TAG, 'Tag.1.Value': STACK}),  # claim theirs
    ('CreateTags', {'ResourceId.1': 'sg-default', 'Tag.1.Key': TAG, 'Tag.1.Value': STACK}),  # claim an untagged one
    ('CreateTags', {'ResourceId.1': 'sg-ours', 'Tag.1.Key': TAG, 'Tag.1.Value': 'other-stack'}),  # give ours away
    ('DeleteVpc', dict(VpcId='vpc-ours')),  # the teardown's
])
def test_the_deployer_reaches_nothing_else(action, params):
    assert not ec2(DEPLOYER, action, **params)


@pytest.mark.parametrize('action, params, allowed', [
    ('DeleteVpc', dict(VpcId='vpc-ours'), True),
    ('DeleteSecurityGroup', dict(GroupId='sg-ours'), True),
    ('ReleaseAddress', dict(AllocationId='eipalloc-ours'), True),
    ('DisassociateRouteTable', dict(RouteTableId='rtb-ours', SubnetId='subnet-ours'), True),
    ('DeleteVpc', dict(VpcId='vpc-theirs'), False),
    ('DeleteSecurityGroup', dict(GroupId='sg-theirs'), False),
    ('DeleteSecurityGroup', dict(GroupId='sg-default'), False),
    ('ReleaseAddress', dict(AllocationId='eipalloc-theirs'), False),
    ('ReleaseAddress', dict(AllocationId='eipalloc-untagged'), False),
    ('DeleteNatGateway', dict(NatGatewayId='nat-theirs'), False),
    ('DisassociateRouteTable', dict(RouteTableId='rtb-theirs', SubnetId='subnet-theirs'), False),
    ('CreateVpc', tagged(OURS), False),  # the deployer's
])
def test_the_teardown_removes_its_own_stack_only(action, params, allowed):
    assert ec2(TEARDOWN, action, **params) is allowed


@pytest.mark.parametrize('documents, action, tags, allowed', [
    (DEPLOYER, 'rds:CreateDBProxy', OURS, True),
    (DEPLOYER, 'rds:CreateDBProxy', {}, False),
    (DEPLOYER, 'rds:CreateDBProxy', THEIRS, False),
    (DEPLOYER, 'rds:ModifyDBProxy', OURS, True),
    (DEPLOYER, 'rds:ModifyDBProxy', THEIRS, False),
    (DEPLOYER, 'rds:RegisterDBProxyTargets', THEIRS, False),
    (DEPLOYER, 'rds:DeleteDBProxy', OURS, False),
    (TEARDOWN, 'rds:DeleteDBProxy', OURS, True),
    (TEARDOWN, 'rds:DeleteDBProxy', THEIRS, False),
    (TEARDOWN, 'rds:DeleteDBProxy', {}, False),
])
def test_the_proxy_is_changed_only_when_it_is_the_stacks(documents, action, tags, allowed):
    proxy = rds_resource('arn:aws:rds:%s:%s:db-proxy:prx-1' % (REGION, ACCOUNT),
                         [{'Key': k, 'Value': v} for k, v in tags.items()], 'db-proxy-tag')
    params = {} if action != 'rds:CreateDBProxy' else dict(
        ('Tags.Tag.%d.%s' % (number, part), value) for number, (key, val) in enumerate(sorted(tags.items()), 1)
        for part, value in (('Key', key), ('Value', val)))
    found = rds_proxy_requests(action, params, REGION, ACCOUNT, proxy)
    assert all(permitted(documents, a, resource, context) for a, resource, context in found) is allowed


def test_every_action_a_condition_decides_is_evaluated_by_correction_14():
    """moto takes a statement whose condition it cannot evaluate for an explicit deny: an action under a condition
    (or a Deny) that correction 14 did not evaluate would be refused on the emulated AWS whatever the policy says."""
    from support.iam_evaluation import ROLE_ACTIONS, SECRET_ACTIONS  # pylint: disable=import-outside-toplevel
    from support.iam_requests import ACTIONS  # pylint: disable=import-outside-toplevel

    not_called = {'iam:PassRole'}  # checked by AWS inside CreateDBProxy and CreateFlowLogs; moto checks it nowhere
    conditioned = set(action for document in DEPLOYER + TEARDOWN for statement in document['Statement']
                      if statement.get('Condition') or statement['Effect'] == 'Deny' for action in statement['Action'])
    assert sorted(conditioned - set(ACTIONS + ROLE_ACTIONS + SECRET_ACTIONS) - not_called) == []
