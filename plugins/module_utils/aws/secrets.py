# -*- coding: utf-8 -*-
# Copyright (c) 2026, ShopPulse platform team
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A Secrets Manager secret as the collection keeps one: its value, description, KMS key, tags and rotation.

Plain Python over boto3's secretsmanager client (amazon.aws's is_boto3_error_code and tag helpers); no
Ansible. Module secretsmanager_secret is its Ansible glue. It replaces community.aws's module of that name,
whose code imports ansible.module_utils._text (a deprecation warning on every call from ansible-core 2.20,
removed in 2.24), and does only what the collection asks of a secret: no replication, no resource policy,
no binary secrets. The API calls are the same ones, less the resource policy's read on every run (the
collection no longer depends on community.aws).

The work is split as elsewhere in module_utils: ``describe`` reads, ``plan`` compares what is there with
what is wanted and returns the calls to make (nothing is called), ``apply`` makes them.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code
from ansible_collections.amazon.aws.plugins.module_utils.tagging import (
    ansible_dict_to_boto3_tag_list,
    boto3_tag_list_to_ansible_dict,
    compare_aws_tags,
)

try:
    from typing import Any, Dict, List, Optional, Set, Tuple
except ImportError:  # pragma: no cover
    pass


def describe(client, name):
    # type: (Any, str) -> Optional[Dict[str, Any]]
    """DescribeSecret's answer for ``name``, or None when there is no such secret."""
    try:
        return client.describe_secret(SecretId=name)
    except is_boto3_error_code('ResourceNotFoundException'):
        return None


def current_value(client, name):
    # type: (Any, str) -> Optional[str]
    """The secret's current string, or None when it has no current version yet."""
    try:
        return client.get_secret_value(SecretId=name).get('SecretString')
    except is_boto3_error_code('ResourceNotFoundException'):
        return None


def _rotation_calls(wanted, current):
    # type: (Dict[str, Any], Optional[Dict[str, Any]]) -> List[Tuple[str, Dict[str, Any]]]
    enabled = bool(wanted['rotation_lambda'])
    rules = {'AutomaticallyAfterDays': wanted['rotation_interval']}
    if current is not None and bool(current.get('RotationEnabled')) == enabled and (
            not enabled or (current.get('RotationLambdaARN') == wanted['rotation_lambda']
                            and (current.get('RotationRules') or {}).get('AutomaticallyAfterDays') == rules['AutomaticallyAfterDays'])):
        return []
    if enabled:
        return [('rotate_secret', dict(SecretId=wanted['name'], RotationLambdaARN=wanted['rotation_lambda'], RotationRules=rules))]
    return [] if current is None else [('cancel_rotate_secret', dict(SecretId=wanted['name']))]


def _tag_calls(wanted, current):
    # type: (Dict[str, Any], Dict[str, Any]) -> List[Tuple[str, Dict[str, Any]]]
    if wanted['tags'] is None:
        return []
    now = boto3_tag_list_to_ansible_dict(current.get('Tags') or [])
    add, remove = compare_aws_tags(now, wanted['tags'], wanted['purge_tags'])
    calls = []
    if add:
        calls.append(('tag_resource', dict(SecretId=wanted['name'], Tags=ansible_dict_to_boto3_tag_list(add))))
    if remove:
        calls.append(('untag_resource', dict(SecretId=wanted['name'], TagKeys=remove)))
    return calls


def plan(wanted, current, value):
    # type: (Dict[str, Any], Optional[Dict[str, Any]], Optional[str]) -> List[Tuple[str, Dict[str, Any]]]
    """The calls (method name, arguments) that bring the secret to ``wanted``; [] when it is there.

    wanted: dict(name, state, description, kms_key_id, secret, tags, purge_tags, rotation_lambda,
    rotation_interval, recovery_window), as the module's options; current: describe(); value: current_value().
    An option that is None (description, kms_key_id, secret, tags) is left as it is.
    """
    name = wanted['name']
    if wanted['state'] == 'absent':
        if current is None or (current.get('DeletedDate') and wanted['recovery_window'] != 0):
            return []
        if wanted['recovery_window'] == 0:
            return [('delete_secret', dict(SecretId=name, ForceDeleteWithoutRecovery=True))]
        return [('delete_secret', dict(SecretId=name, RecoveryWindowInDays=wanted['recovery_window']))]
    if current is None:
        create = dict(Name=name)
        for option, key in (('description', 'Description'), ('kms_key_id', 'KmsKeyId'), ('secret', 'SecretString')):
            if wanted[option] is not None:
                create[key] = wanted[option]
        if wanted['tags']:
            create['Tags'] = ansible_dict_to_boto3_tag_list(wanted['tags'])
        return [('create_secret', create)] + _rotation_calls(wanted, None)
    calls = [('restore_secret', dict(SecretId=name))] if current.get('DeletedDate') else []
    update = {}
    if wanted['description'] is not None and wanted['description'] != current.get('Description', ''):
        update['Description'] = wanted['description']
    if wanted['kms_key_id'] is not None and wanted['kms_key_id'] != current.get('KmsKeyId'):
        update['KmsKeyId'] = wanted['kms_key_id']
    if wanted['secret'] is not None and wanted['secret'] != value:
        update['SecretString'] = wanted['secret']
    if update:
        calls.append(('update_secret', dict(update, SecretId=name)))
    return calls + _rotation_calls(wanted, current) + _tag_calls(wanted, current)


def apply(client, calls):
    # type: (Any, List[Tuple[str, Dict[str, Any]]]) -> None
    """Make the calls, in order."""
    for method, arguments in calls:
        getattr(client, method)(**arguments)


def changed_fields(calls):
    # type: (List[Tuple[str, Dict[str, Any]]]) -> List[str]
    """What the calls change, for the diff: the argument names, never their values."""
    fields = set()  # type: Set[str]
    for method, arguments in calls:
        if method in ('create_secret', 'update_secret'):
            fields.update(k for k in arguments if k not in ('Name', 'SecretId'))
        else:
            fields.add(method)
    return sorted(fields)


def predicted(wanted, current):
    # type: (Dict[str, Any], Optional[Dict[str, Any]]) -> Optional[Dict[str, Any]]
    """What DescribeSecret would answer once plan()'s calls are made (check mode): a new secret has an empty ARN."""
    if wanted['state'] == 'absent':
        return None
    secret = dict(current or {'ARN': '', 'Name': wanted['name']})
    secret.pop('DeletedDate', None)
    if wanted['description'] is not None:
        secret['Description'] = wanted['description']
    if wanted['kms_key_id'] is not None:
        secret['KmsKeyId'] = wanted['kms_key_id']
    if wanted['tags'] is not None:
        tags = {} if wanted['purge_tags'] else boto3_tag_list_to_ansible_dict(secret.get('Tags') or [])
        secret['Tags'] = ansible_dict_to_boto3_tag_list(dict(tags, **wanted['tags']))
    secret['RotationEnabled'] = bool(wanted['rotation_lambda'])
    secret['RotationLambdaARN'] = wanted['rotation_lambda']
    secret['RotationRules'] = {'AutomaticallyAfterDays': wanted['rotation_interval']} if wanted['rotation_lambda'] else None
    return secret


def summary(secret):
    # type: (Optional[Dict[str, Any]]) -> Dict[str, Any]
    """What the module returns of a secret: its metadata in snake case, never its value."""
    if secret is None:
        return {}
    return dict(arn=secret.get('ARN'), name=secret.get('Name'), description=secret.get('Description', ''),
                kms_key_id=secret.get('KmsKeyId'), rotation_enabled=bool(secret.get('RotationEnabled')),
                rotation_lambda_arn=secret.get('RotationLambdaARN'),
                rotation_rules=dict((('automatically_after_days', v) for k, v in (secret.get('RotationRules') or {}).items()
                                     if k == 'AutomaticallyAfterDays')),
                tags_dict=boto3_tag_list_to_ansible_dict(secret.get('Tags') or []),
                deleted_date=str(secret['DeletedDate']) if secret.get('DeletedDate') else None)
