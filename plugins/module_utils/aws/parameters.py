# -*- coding: utf-8 -*-
# Copyright (c) 2026, ShopPulse platform team
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The parameter values of the stack's DB parameter group, as the inventory gives them (issue 42).

The group is the stack's own, so the inventory is the whole of it: a parameter it gives is set, one set before
that it no longer gives goes back to the engine's default (ResetDBParameterGroup). How each applies, from the RDS
user guide ("Working with DB parameter groups"): a dynamic parameter applies at once (ApplyMethod immediate); a
static one only when the instance restarts (pending-reboot), and RDS refuses "immediate" for it. amazon.aws's
rds_instance_param_group neither resets nor chooses the method per parameter (all pending-reboot unless told
immediate, which fails for a static parameter), which is why the role uses this instead. Plain Python over a
boto3 client; no Ansible.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code
from ansible_collections.amazon.aws.plugins.module_utils.errors import AWSErrorHandler
from ansible_collections.amazon.aws.plugins.module_utils.rds import AnsibleRDSError
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry

try:
    from typing import Any, Dict, List, Optional
except ImportError:  # pragma: no cover
    pass

BATCH = 20  # ModifyDBParameterGroup and ResetDBParameterGroup take at most 20 parameters a call


class ParameterError(ValueError):
    """Parameters the group cannot take, each named (never its value)."""


class ParameterGroupErrorHandler(AWSErrorHandler):
    _CUSTOM_EXCEPTION = AnsibleRDSError

    @classmethod
    def _is_missing(cls):
        # type: () -> Any
        return is_boto3_error_code('DBParameterGroupNotFound')


def value_text(value):
    # type: (Any) -> str
    """A value as RDS stores it: booleans 1 and 0, numbers and strings as text."""
    if isinstance(value, bool):
        return '1' if value else '0'
    return str(value)


def apply_method(parameter):
    # type: (Dict[str, Any]) -> str
    return 'immediate' if parameter.get('ApplyType') == 'dynamic' else 'pending-reboot'


def plan(current, wanted, family=''):
    # type: (List[Dict[str, Any]], Dict[str, Any], str) -> Dict[str, List[Dict[str, Any]]]
    """{'modify': [...], 'reset': [...]}: each {ParameterName, ParameterValue (modify only), ApplyMethod}.
    ``current``: DescribeDBParameters' parameters of the group (every source). Raises ParameterError naming each
    parameter that the family lacks or that is not modifiable, before anything changes."""
    by_name = dict((p['ParameterName'], p) for p in current)
    unknown = sorted(name for name in wanted if name not in by_name)
    fixed = sorted(name for name in wanted if name in by_name and not by_name[name].get('IsModifiable', True))
    problems = ['%s is not a parameter of %s' % (name, family or 'this family') for name in unknown]
    problems += ['%s cannot be modified' % name for name in fixed]
    if problems:
        raise ParameterError('; '.join(problems))
    modify = []
    for name in sorted(wanted):
        text = value_text(wanted[name])
        parameter = by_name[name]
        if parameter.get('Source') != 'user' or parameter.get('ParameterValue') != text:  # set by the inventory
            modify.append(dict(ParameterName=name, ParameterValue=text, ApplyMethod=apply_method(parameter)))
    reset = [dict(ParameterName=p['ParameterName'], ApplyMethod=apply_method(p)) for p in current
             if p.get('Source') == 'user' and p['ParameterName'] not in wanted]
    return dict(modify=modify, reset=sorted(reset, key=lambda p: p['ParameterName']))


def restart_needed(found):
    # type: (Dict[str, List[Dict[str, Any]]]) -> List[str]
    """The parameters of a plan that take effect only when the instance restarts."""
    return sorted(p['ParameterName'] for p in found['modify'] + found['reset'] if p['ApplyMethod'] == 'pending-reboot')


@ParameterGroupErrorHandler.list_error_handler('describe DB parameter group', None)
@AWSRetry.jittered_backoff()
def describe_group(client, group):
    # type: (Any, str) -> Optional[Dict[str, Any]]
    """The group (DescribeDBParameterGroups), None if it does not exist."""
    return client.describe_db_parameter_groups(DBParameterGroupName=group)['DBParameterGroups'][0]


@ParameterGroupErrorHandler.list_error_handler('describe DB parameters', [])
@AWSRetry.jittered_backoff()
def describe_parameters(client, group):
    # type: (Any, str) -> List[Dict[str, Any]]
    paginator = client.get_paginator('describe_db_parameters')
    return [p for page in paginator.paginate(DBParameterGroupName=group) for p in page.get('Parameters', [])]


@ParameterGroupErrorHandler.common_error_handler('modify DB parameter group')
@AWSRetry.jittered_backoff(catch_extra_error_codes=['InvalidDBParameterGroupState'])
def apply(client, group, found):
    # type: (Any, str, Dict[str, List[Dict[str, Any]]]) -> None
    """Make the plan: the modifications, then the resets, at most BATCH a call."""
    for start in range(0, len(found['modify']), BATCH):
        client.modify_db_parameter_group(DBParameterGroupName=group, Parameters=found['modify'][start:start + BATCH])
    for start in range(0, len(found['reset']), BATCH):
        client.reset_db_parameter_group(DBParameterGroupName=group, ResetAllParameters=False,
                                        Parameters=found['reset'][start:start + BATCH])


def diff(group, current, found):
    # type: (str, List[Dict[str, Any]], Dict[str, List[Dict[str, Any]]]) -> Dict[str, str]
    """Ansible's diff: the parameters that change, as they are and as the run leaves them."""
    by_name = dict((p['ParameterName'], p) for p in current)
    names = sorted(set(p['ParameterName'] for p in found['modify'] + found['reset']))
    after_values = dict((p['ParameterName'], p['ParameterValue']) for p in found['modify'])

    def line(name, value, source):
        return '%s = %s (%s)\n' % (name, value if value is not None else '(none)', source)
    before = ''.join(line(n, by_name[n].get('ParameterValue'), by_name[n].get('Source', '')) for n in names)
    after = ''.join(line(n, after_values[n], 'user') if n in after_values else line(n, None, 'engine-default')
                    for n in names)
    return dict(before=before, after=after, before_header=group, after_header=group)
