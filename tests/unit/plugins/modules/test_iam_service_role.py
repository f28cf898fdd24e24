# Copyright (c) 2026, ShopPulse platform team
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""iam_service_role: every path, with botocore's Stubber (the provisioning tests run it against moto)."""

import copy
import datetime
import json
import urllib.parse

from ansible_collections.shoppulse.analytics.plugins.modules import iam_service_role

from aws_stub import AwsError, run_module

NAME = 'shoppulse-analytics-proxy'
ARN = 'arn:aws:iam::123456789012:role/' + NAME
TRUST = {'Version': '2012-10-17', 'Statement': [
    {'Effect': 'Allow', 'Principal': {'Service': 'rds.amazonaws.com'}, 'Action': 'sts:AssumeRole'}]}
POLICY = {'Version': '2012-10-17', 'Statement': [
    {'Effect': 'Allow', 'Action': ['secretsmanager:GetSecretValue'], 'Resource': ['arn:aws:secretsmanager:eu-west-1:1:secret:a']}]}
TAGS = [dict(Key='Project', Value='shoppulse')]
NOW = datetime.datetime(2026, 12, 1, tzinfo=datetime.timezone.utc)
ROLE = dict(Path='/', RoleName=NAME, RoleId='AROA0123456789EXAMPLE', Arn=ARN, CreateDate=NOW,
            AssumeRolePolicyDocument=TRUST, Description='', MaxSessionDuration=3600, Tags=TAGS)
ARGS = dict(name=NAME, assume_role_policy_document=json.dumps(TRUST), inline_policies={'read-secret': json.dumps(POLICY)},
            tags=dict(Project='shoppulse'))


def encoded(document):
    """A policy document as IAM sends it (URL-encoded JSON; botocore decodes it into a dict)."""
    return urllib.parse.quote(json.dumps(document))


def role(**changes):
    value = copy.deepcopy(ROLE)
    value.update(changes)
    value['AssumeRolePolicyDocument'] = encoded(value['AssumeRolePolicyDocument'])
    return value


def get_role(response):
    if isinstance(response, dict) and isinstance(response.get('AssumeRolePolicyDocument'), dict):
        response = role(**response)
    return ('get_role', dict(RoleName=NAME), response if isinstance(response, Exception) else dict(Role=response))


def policies(names=('read-secret',), documents=None):
    calls = [('list_role_policies', dict(RoleName=NAME), dict(PolicyNames=list(names)))]
    for name in names:
        document = (documents or {}).get(name, POLICY)
        calls.append(('get_role_policy', dict(RoleName=NAME, PolicyName=name),
                      dict(RoleName=NAME, PolicyName=name, PolicyDocument=encoded(document))))
    return calls


def current(value=None, **kwargs):
    return [get_role(value or ROLE)] + policies(**kwargs)


def run(monkeypatch, capsys, calls, check_mode=False, **overrides):
    args = dict(ARGS, **overrides)
    return run_module(monkeypatch, capsys, iam_service_role.main, args, 'iam', calls, check_mode=check_mode)


def test_create_with_its_policy(monkeypatch, capsys):
    result = run(monkeypatch, capsys, [
        get_role(AwsError('NoSuchEntity')),
        ('create_role', dict(RoleName=NAME, Path='/', AssumeRolePolicyDocument=json.dumps(TRUST), Tags=TAGS),
         dict(Role=role())),
        ('put_role_policy', dict(RoleName=NAME, PolicyName='read-secret', PolicyDocument=json.dumps(POLICY)), {}),
    ] + current())
    assert result['changed'] and result['iam_role']['arn'] == ARN
    assert result['iam_role']['inline_policies'] == {'read-secret': POLICY}
    # no deprecation of amazon.aws's iam_role (the reason for this module); the one ansible-core 2.20+ gives
    # for amazon.aws 10's own import of ansible.module_utils._text comes with whichever test imports it first
    deprecations = [d for d in result.get('deprecations') or []
                    if "from 'ansible.module_utils._text' is deprecated" not in str(d)]
    assert 'assume_role_policy_document_raw' not in result['iam_role'] and not deprecations


def test_nothing_to_do(monkeypatch, capsys):
    # the same policies written otherwise (statement lists and keys in another order) are the same
    reordered = json.loads(json.dumps(POLICY))
    reordered['Statement'][0] = dict(reversed(list(reordered['Statement'][0].items())))
    result = run(monkeypatch, capsys, current(), inline_policies={'read-secret': reordered})
    assert not result['changed'] and result['iam_role']['role_name'] == NAME


def test_a_changed_trust_policy_and_description_are_updated(monkeypatch, capsys):
    other = {'Version': '2012-10-17', 'Statement': [
        {'Effect': 'Allow', 'Principal': {'Service': 'ec2.amazonaws.com'}, 'Action': 'sts:AssumeRole'}]}
    result = run(monkeypatch, capsys, current(role(AssumeRolePolicyDocument=other)) + [
        ('update_assume_role_policy', dict(RoleName=NAME, PolicyDocument=json.dumps(TRUST)), {}),
        ('update_role', dict(RoleName=NAME, Description='the proxy'), {}),
    ] + current(), description='the proxy')
    assert result['changed']
    assert result['diff']['before']['assume_role_policy_document'] == other


def test_a_changed_policy_is_put_and_an_extra_one_deleted(monkeypatch, capsys):
    old = {'Version': '2012-10-17', 'Statement': [{'Effect': 'Allow', 'Action': 'secretsmanager:*', 'Resource': '*'}]}
    result = run(monkeypatch, capsys, current(names=('read-secret', 'extra'), documents={'read-secret': old}) + [
        ('put_role_policy', dict(RoleName=NAME, PolicyName='read-secret', PolicyDocument=json.dumps(POLICY)), {}),
        ('delete_role_policy', dict(RoleName=NAME, PolicyName='extra'), {}),
    ] + current())
    assert result['changed']
    assert sorted(result['diff']['before']['inline_policies']) == ['extra', 'read-secret']
    assert result['diff']['after']['inline_policies'] == {'read-secret': POLICY}


def test_options_left_out_are_left_as_they_are(monkeypatch, capsys):
    # no tags, no inline_policies, no description: a role with others keeps them
    result = run_module(monkeypatch, capsys, iam_service_role.main,
                        dict(name=NAME, assume_role_policy_document=json.dumps(TRUST)), 'iam',
                        current(role(Tags=[dict(Key='Owner', Value='dba')], Description='kept'), names=('extra',)))
    assert not result['changed']


def test_tags_are_brought_in_line(monkeypatch, capsys):
    result = run(monkeypatch, capsys, current(role(Tags=[dict(Key='Owner', Value='dba')])) + [
        ('untag_role', dict(RoleName=NAME, TagKeys=['Owner']), {}),
        ('tag_role', dict(RoleName=NAME, Tags=TAGS), {}),
    ] + current())
    assert result['changed']


def test_check_mode_predicts_without_changing(monkeypatch, capsys):
    result = run(monkeypatch, capsys, current(role(Tags=[])), check_mode=True)
    assert result['changed'] and result['diff']['after']['tags'] == {'Project': 'shoppulse'}
    result = run(monkeypatch, capsys, [get_role(AwsError('NoSuchEntity'))], check_mode=True)
    assert result['changed'] and result['iam_role'] == {}
    assert result['diff']['after']['inline_policies'] == {'read-secret': POLICY}


def test_another_path_fails_clearly(monkeypatch, capsys):
    result = run(monkeypatch, capsys, current(role(Path='/service-role/')))
    assert result['failed'] and "IAM cannot change a role's path" in result['msg'] and NAME in result['msg']


def test_delete_removes_policies_and_instance_profiles_first(monkeypatch, capsys):
    profile = dict(Path='/', InstanceProfileName='p', InstanceProfileId='AIPA0123456789EXAMPLE',
                   Arn='arn:aws:iam::123456789012:instance-profile/p', CreateDate=NOW, Roles=[])
    managed = 'arn:aws:iam::aws:policy/managed'
    calls = current() + [
        get_role(ROLE),
        ('list_role_policies', dict(RoleName=NAME), dict(PolicyNames=['read-secret'])),
        ('delete_role_policy', dict(RoleName=NAME, PolicyName='read-secret'), {}),
        ('list_attached_role_policies', dict(RoleName=NAME),
         dict(AttachedPolicies=[dict(PolicyName='managed', PolicyArn=managed)])),
        ('detach_role_policy', dict(RoleName=NAME, PolicyArn=managed), {}),
        ('list_instance_profiles_for_role', dict(RoleName=NAME), dict(InstanceProfiles=[profile])),
        ('remove_role_from_instance_profile', dict(InstanceProfileName='p', RoleName=NAME), {}),
        ('delete_role', dict(RoleName=NAME), {}),
    ]
    result = run_module(monkeypatch, capsys, iam_service_role.main, dict(name=NAME, state='absent'), 'iam', calls)
    assert result['changed'] and result['iam_role'] == {}


def test_delete_of_a_missing_role_changes_nothing(monkeypatch, capsys):
    result = run_module(monkeypatch, capsys, iam_service_role.main, dict(name=NAME, state='absent'), 'iam',
                        [get_role(AwsError('NoSuchEntity'))])
    assert not result['changed']


BOUNDARY = 'arn:aws:iam::123456789012:policy/shoppulse-analytics-service-role-boundary'


def test_a_role_is_created_inside_its_boundary(monkeypatch, capsys):
    bounded = dict(PermissionsBoundary=dict(PermissionsBoundaryType='Policy', PermissionsBoundaryArn=BOUNDARY))
    result = run(monkeypatch, capsys, [
        get_role(AwsError('NoSuchEntity')),
        ('create_role', dict(RoleName=NAME, Path='/', AssumeRolePolicyDocument=json.dumps(TRUST),
                             PermissionsBoundary=BOUNDARY, Tags=TAGS), dict(Role=role(**bounded))),
        ('put_role_policy', dict(RoleName=NAME, PolicyName='read-secret', PolicyDocument=json.dumps(POLICY)), {}),
    ] + current(dict(ROLE, **bounded)), permissions_boundary=BOUNDARY)
    assert result['changed'] and result['diff']['after']['permissions_boundary'] == BOUNDARY
    again = run(monkeypatch, capsys, current(dict(ROLE, **bounded)), permissions_boundary=BOUNDARY)
    assert not again['changed']


def test_a_role_without_the_boundary_gets_it_before_any_policy(monkeypatch, capsys):
    bounded = dict(PermissionsBoundary=dict(PermissionsBoundaryType='Policy', PermissionsBoundaryArn=BOUNDARY))
    old = {'Version': '2012-10-17', 'Statement': [{'Effect': 'Allow', 'Action': 'kms:Decrypt', 'Resource': '*'}]}
    result = run(monkeypatch, capsys, current(documents={'read-secret': old}) + [
        ('put_role_permissions_boundary', dict(RoleName=NAME, PermissionsBoundary=BOUNDARY), {}),
        ('put_role_policy', dict(RoleName=NAME, PolicyName='read-secret', PolicyDocument=json.dumps(POLICY)), {}),
    ] + current(dict(ROLE, **bounded)), permissions_boundary=BOUNDARY)
    assert result['changed'] and result['diff']['before']['permissions_boundary'] == ''
