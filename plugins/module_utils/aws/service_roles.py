# -*- coding: utf-8 -*-
# Copyright (c) 2026, ShopPulse platform team
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""An IAM role that an AWS service assumes, with its inline policies: describe, compare, change.

Plain Python over a boto3 IAM client, on amazon.aws's IAM helpers (get_iam_role,
list_iam_role_policies, IAMErrorHandler, normalize_iam_role), its policy comparison
(compare_policies) and tag helpers; the module iam_service_role is the Ansible glue.

It does what amazon.aws.iam_role plus amazon.aws.iam_policy do for such a role, in one task, without
the deprecation warnings amazon.aws 10's iam_role prints on every call (its
assume_role_policy_document_raw return value, printed unconditionally).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json

from ansible_collections.amazon.aws.plugins.module_utils.iam import (
    IAMErrorHandler,
    detach_iam_role_policy,
    get_iam_role,
    list_iam_instance_profiles,
    list_iam_role_attached_policies,
    list_iam_role_policies,
    normalize_iam_role,
    remove_role_from_iam_instance_profile,
)
from ansible_collections.amazon.aws.plugins.module_utils.policy import compare_policies
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry
from ansible_collections.amazon.aws.plugins.module_utils.tagging import (
    ansible_dict_to_boto3_tag_list,
    boto3_tag_list_to_ansible_dict,
    compare_aws_tags,
)

try:
    from typing import Any, Dict, List, Optional, Tuple
except ImportError:  # pragma: no cover
    pass


def as_document(value):
    # type: (Any) -> Dict[str, Any]
    """A policy document as a dict, from the JSON string or the dict a task gives."""
    return json.loads(value) if isinstance(value, str) else value


@IAMErrorHandler.common_error_handler('create role')
@AWSRetry.jittered_backoff()
def create_role(client, **request):
    # type: (Any, **Any) -> Dict[str, Any]
    return client.create_role(**request)['Role']


@IAMErrorHandler.common_error_handler('update role')
@AWSRetry.jittered_backoff()
def update_role(client, **request):
    # type: (Any, **Any) -> None
    client.update_role(**request)


@IAMErrorHandler.common_error_handler('update the trust policy of role')
@AWSRetry.jittered_backoff()
def update_trust(client, name, document):
    # type: (Any, str, Dict[str, Any]) -> None
    client.update_assume_role_policy(RoleName=name, PolicyDocument=json.dumps(document))


@IAMErrorHandler.common_error_handler('set the permissions boundary of role')
@AWSRetry.jittered_backoff()
def put_boundary(client, name, arn):
    # type: (Any, str, str) -> None
    client.put_role_permissions_boundary(RoleName=name, PermissionsBoundary=arn)


def boundary_of(role):
    # type: (Optional[Dict[str, Any]]) -> str
    """The ARN of the role's permissions boundary, '' when it has none."""
    return ((role or {}).get('PermissionsBoundary') or {}).get('PermissionsBoundaryArn', '')


@IAMErrorHandler.list_error_handler('get role policy', None)
@AWSRetry.jittered_backoff()
def get_role_policy(client, name, policy):
    # type: (Any, str, str) -> Dict[str, Any]
    return client.get_role_policy(RoleName=name, PolicyName=policy)['PolicyDocument']


@IAMErrorHandler.common_error_handler('put role policy')
@AWSRetry.jittered_backoff()
def put_role_policy(client, name, policy, document):
    # type: (Any, str, str, Dict[str, Any]) -> None
    client.put_role_policy(RoleName=name, PolicyName=policy, PolicyDocument=json.dumps(document))


@IAMErrorHandler.deletion_error_handler('delete role policy')
@AWSRetry.jittered_backoff()
def delete_role_policy(client, name, policy):
    # type: (Any, str, str) -> bool
    client.delete_role_policy(RoleName=name, PolicyName=policy)
    return True


@IAMErrorHandler.common_error_handler('tag role')
@AWSRetry.jittered_backoff()
def tag_role(client, name, tags):
    # type: (Any, str, Dict[str, str]) -> None
    client.tag_role(RoleName=name, Tags=ansible_dict_to_boto3_tag_list(tags))


@IAMErrorHandler.common_error_handler('untag role')
@AWSRetry.jittered_backoff()
def untag_role(client, name, keys):
    # type: (Any, str, List[str]) -> None
    client.untag_role(RoleName=name, TagKeys=keys)


@IAMErrorHandler.deletion_error_handler('delete role')
@AWSRetry.jittered_backoff()
def delete_role(client, name):
    # type: (Any, str) -> bool
    client.delete_role(RoleName=name)
    return True


def inline_policies(client, name):
    # type: (Any, str) -> Dict[str, Dict[str, Any]]
    """{policy name: document} of the role's inline policies."""
    return dict((policy, get_role_policy(client, name, policy)) for policy in list_iam_role_policies(client, name))


def state(client, name):
    # type: (Any, str) -> Tuple[Optional[Dict[str, Any]], Dict[str, Dict[str, Any]]]
    """What the module compares and shows: the role (boto3 form) and its inline policies; (None, {}) when absent."""
    role = get_iam_role(client, name)
    if role is None:
        return None, {}
    return role, inline_policies(client, name)


def view(role, policies):
    # type: (Optional[Dict[str, Any]], Dict[str, Dict[str, Any]]) -> Dict[str, Any]
    """The comparable state, for --diff."""
    if role is None:
        return {}
    return dict(assume_role_policy_document=role.get('AssumeRolePolicyDocument'), description=role.get('Description', ''),
                max_session_duration=role.get('MaxSessionDuration'), permissions_boundary=boundary_of(role),
                tags=boto3_tag_list_to_ansible_dict(role.get('Tags', [])),
                inline_policies=policies)


def predicted_view(before, params):
    # type: (Dict[str, Any], Dict[str, Any]) -> Dict[str, Any]
    """The comparable state the parameters lead to, from the view before (for --diff in check mode)."""
    after = dict(before) if before else dict(description='', max_session_duration=3600, permissions_boundary='', tags={},
                                             inline_policies={})  # type: Dict[str, Any]
    after['assume_role_policy_document'] = as_document(params['assume_role_policy_document'])
    for option in ('description', 'max_session_duration', 'permissions_boundary'):
        if params.get(option) is not None:
            after[option] = params[option]
    if params.get('tags') is not None:
        after['tags'] = dict(params['tags']) if params['purge_tags'] else dict(after['tags'], **params['tags'])
    if params.get('inline_policies') is not None:
        wanted = dict((name, as_document(doc)) for name, doc in params['inline_policies'].items())
        after['inline_policies'] = wanted if params['purge_inline_policies'] else dict(after['inline_policies'], **wanted)
    return after


def result(role, policies):
    # type: (Optional[Dict[str, Any]], Dict[str, Dict[str, Any]]) -> Dict[str, Any]
    """The role as the module returns it (amazon.aws's iam_role return form, plus the inline policies)."""
    if role is None:
        return {}
    value = normalize_iam_role(role)
    value['assume_role_policy_document'] = role.get('AssumeRolePolicyDocument')
    value['tags'] = boto3_tag_list_to_ansible_dict(role.get('Tags', []))
    value['inline_policies'] = policies
    return value


def plan(role, policies, params):
    # type: (Optional[Dict[str, Any]], Dict[str, Dict[str, Any]], Dict[str, Any]) -> List[Tuple[str, Any]]
    """The changes that bring a role (None: absent) and its inline policies to the parameters, as a list of
    (action, arguments) in order; pure, so that check mode predicts exactly what a run does."""
    name = params['name']
    steps = []
    trust = as_document(params['assume_role_policy_document'])
    if role is None:
        request = dict(RoleName=name, Path=params['path'], AssumeRolePolicyDocument=json.dumps(trust))
        if params.get('description') is not None:
            request['Description'] = params['description']
        if params.get('max_session_duration') is not None:
            request['MaxSessionDuration'] = params['max_session_duration']
        if params.get('permissions_boundary'):
            request['PermissionsBoundary'] = params['permissions_boundary']
        if params.get('tags'):
            request['Tags'] = ansible_dict_to_boto3_tag_list(params['tags'])
        steps.append(('create_role', request))
        current_policies = {}
    else:
        if role.get('Path', '/') != params['path']:
            raise ValueError('role %s exists with path %s, not %s, and IAM cannot change a role\'s path: remove '
                             'the role first, or give its path' % (name, role.get('Path'), params['path']))
        if params.get('permissions_boundary') and params['permissions_boundary'] != boundary_of(role):
            steps.append(('put_boundary', dict(name=name, arn=params['permissions_boundary'])))  # before any policy
        if compare_policies(role.get('AssumeRolePolicyDocument') or {}, trust):
            steps.append(('update_trust', dict(name=name, document=trust)))
        update = {}
        if params.get('description') is not None and params['description'] != role.get('Description', ''):
            update['Description'] = params['description']
        if params.get('max_session_duration') is not None and params['max_session_duration'] != role.get('MaxSessionDuration'):
            update['MaxSessionDuration'] = params['max_session_duration']
        if update:
            steps.append(('update_role', dict(update, RoleName=name)))
        if params.get('tags') is not None:
            add, remove = compare_aws_tags(boto3_tag_list_to_ansible_dict(role.get('Tags', [])), params['tags'],
                                           purge_tags=params['purge_tags'])
            if remove:
                steps.append(('untag_role', dict(name=name, keys=remove)))
            if add:
                steps.append(('tag_role', dict(name=name, tags=add)))
        current_policies = policies
    if params.get('inline_policies') is not None:
        for policy, document in sorted(params['inline_policies'].items()):
            document = as_document(document)
            if policy not in current_policies or compare_policies(current_policies[policy], document):
                steps.append(('put_role_policy', dict(name=name, policy=policy, document=document)))
        if params['purge_inline_policies']:
            for policy in sorted(set(current_policies) - set(params['inline_policies'])):
                steps.append(('delete_role_policy', dict(name=name, policy=policy)))
    return steps


ACTIONS = dict(create_role=create_role, put_boundary=put_boundary, update_trust=update_trust, update_role=update_role,
               untag_role=untag_role, tag_role=tag_role, put_role_policy=put_role_policy,
               delete_role_policy=delete_role_policy)


def apply(client, steps):
    # type: (Any, List[Tuple[str, Any]]) -> None
    for action, arguments in steps:
        ACTIONS[action](client, **arguments)


def remove(client, name):
    # type: (Any, str) -> bool
    """Delete the role and what IAM requires gone first (inline policies, attached policies, its place in
    instance profiles; the profiles themselves are left). Returns whether it existed."""
    if get_iam_role(client, name) is None:
        return False
    for policy in list_iam_role_policies(client, name):
        delete_role_policy(client, name, policy)
    for attached in list_iam_role_attached_policies(client, name):
        detach_iam_role_policy(client, attached['PolicyArn'], name)
    for profile in list_iam_instance_profiles(client, role=name):
        remove_role_from_iam_instance_profile(client, profile['InstanceProfileName'], name)
    delete_role(client, name)
    return True
