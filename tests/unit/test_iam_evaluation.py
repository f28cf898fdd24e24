# Copyright (c) 2026, ShopPulse platform team
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""support/iam_evaluation.py, the evaluation of moto_extension's correction 14, on its own: each rule of AWS's
evaluation logic it promises, broken one at a time."""

import pytest

from support.iam_evaluation import conditions_match, decide, permitted

BOUNDARY = 'arn:aws:iam::123456789012:policy/stack-service-role-boundary'
ROLE = 'arn:aws:iam::123456789012:role/stack-proxy'
CREATE = {'Effect': 'Allow', 'Action': ['iam:CreateRole', 'iam:PutRolePolicy'], 'Resource': ROLE,
          'Condition': {'StringEquals': {'iam:PermissionsBoundary': BOUNDARY}}}
MASTER = {'Effect': 'Allow', 'Action': 'secretsmanager:GetSecretValue',
          'Resource': 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:rds!db-*',
          'Condition': {'StringEquals': {'secretsmanager:ResourceTag/aws:rds:primaryDBInstanceArn':
                                         'arn:aws:rds:eu-west-1:123456789012:db:stack'}}}
SECRET = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:rds!db-1234-abcd'
TAG = 'secretsmanager:ResourceTag/aws:rds:primaryDBInstanceArn'


def doc(*statements):
    return {'Version': '2012-10-17', 'Statement': list(statements)}


def test_the_allow_applies_when_action_resource_and_condition_match():
    assert decide([doc(CREATE)], 'iam:CreateRole', ROLE, {'iam:PermissionsBoundary': BOUNDARY}) == 'allowed'
    assert decide([doc(MASTER)], 'secretsmanager:GetSecretValue', SECRET,
                  {TAG: 'arn:aws:rds:eu-west-1:123456789012:db:stack'}) == 'allowed'


@pytest.mark.parametrize('action, resource, context', [
    ('iam:CreateRole', ROLE, {}),  # the condition's key absent: a role without a boundary
    ('iam:CreateRole', ROLE, {'iam:PermissionsBoundary': BOUNDARY + '-wider'}),  # another boundary
    ('iam:CreateRole', 'arn:aws:iam::123456789012:role/admin', {'iam:PermissionsBoundary': BOUNDARY}),  # resource
    ('iam:CreateUser', ROLE, {'iam:PermissionsBoundary': BOUNDARY}),  # action
])
def test_each_part_that_fails_leaves_the_implicit_deny(action, resource, context):
    assert decide([doc(CREATE)], action, resource, context) == 'implicit'


def test_another_instances_master_secret_is_not_reached():
    assert decide([doc(MASTER)], 'secretsmanager:GetSecretValue', SECRET,
                  {TAG: 'arn:aws:rds:eu-west-1:123456789012:db:other'}) == 'implicit'


def test_an_explicit_deny_wins():
    deny = {'Effect': 'Deny', 'Action': 'iam:*', 'Resource': '*'}
    assert decide([doc(CREATE), doc(deny)], 'iam:CreateRole', ROLE, {'iam:PermissionsBoundary': BOUNDARY}) == 'denied'


def test_a_boundary_bounds_what_the_policies_allow():
    everything = doc({'Effect': 'Allow', 'Action': '*', 'Resource': '*'})
    boundary = doc({'Effect': 'Allow', 'Action': 'secretsmanager:GetSecretValue', 'Resource': '*'})
    assert permitted([everything], 'iam:CreateUser', '*', {})
    assert not permitted([everything], 'iam:CreateUser', '*', {}, boundary=boundary)
    assert permitted([everything], 'secretsmanager:GetSecretValue', SECRET, {}, boundary=boundary)


@pytest.mark.parametrize('conditions, context, expected', [
    ({'StringLike': {'aws:SourceArn': 'arn:aws:rds:*:1:db-proxy:*'}}, {'aws:SourceArn': 'arn:aws:rds:x:1:db-proxy:p'}, True),
    ({'ArnLike': {'aws:SourceArn': 'arn:aws:rds:*:1:db-proxy:*'}}, {'aws:SourceArn': 'arn:aws:rds:x:2:db-proxy:p'}, False),
    ({'StringNotEquals': {'k': 'a'}}, {'k': 'b'}, True),
    ({'StringNotEquals': {'k': 'a'}}, {'k': 'a'}, False),
    ({'StringEqualsIfExists': {'k': 'a'}}, {}, True),
    ({'StringEquals': {'k': 'a'}}, {}, False),  # a key the request lacks does not match...
    ({'StringNotEquals': {'k': 'a'}}, {}, True),  # ...but for a negated operator, which it does
    ({'ArnNotLike': {'k': 'arn:*'}}, {}, True),
    ({'Null': {'k': 'true'}}, {}, True),
    ({'Null': {'k': 'false'}}, {}, False),
    ({'StringEquals': {'K': 'a'}}, {'k': 'a'}, True),  # keys without regard to case
    ({'StringEquals': {'k': ['a', 'b']}}, {'k': 'b'}, True),  # any of the values
])
def test_the_condition_operators(conditions, context, expected):
    assert conditions_match(conditions, context) is expected


def test_an_operator_it_does_not_evaluate_is_refused_rather_than_guessed():
    with pytest.raises(ValueError, match='NumericLessThan is not evaluated here'):
        conditions_match({'NumericLessThan': {'k': '1'}}, {'k': '0'})
