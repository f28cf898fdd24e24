# -*- coding: utf-8 -*-
# Copyright (c) 2026, ShopPulse platform team
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""RDS Proxy: describe, compare and change a proxy, its default target group and its targets.

Plain Python over a boto3 RDS client, on amazon.aws's helpers (AWSRetry, the
RDS error handler family, the tag helpers); the modules rds_proxy and
rds_proxy_info are the Ansible glue. The comparison functions are pure and
unit-tested on their own; the calls are tested with botocore's Stubber and
against moto.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import time

from ansible.module_utils.common.dict_transformations import camel_dict_to_snake_dict
from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code
from ansible_collections.amazon.aws.plugins.module_utils.errors import AWSErrorHandler
from ansible_collections.amazon.aws.plugins.module_utils.rds import AnsibleRDSError
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry
from ansible_collections.shoppulse.analytics.plugins.module_utils.aws.iam_propagation import (
    RDS_ROLE_REFUSAL,
    retry_while_iam_propagates,
)
from ansible_collections.amazon.aws.plugins.module_utils.tagging import (
    ansible_dict_to_boto3_tag_list,
    boto3_tag_list_to_ansible_dict,
    compare_aws_tags,
)

try:
    from typing import Any, Dict, List, Optional, Tuple
except ImportError:  # pragma: no cover
    pass

DEFAULT_TARGET_GROUP = 'default'
# What ModifyDBProxy can change, as (parameter of the module, field of DescribeDBProxies, field of ModifyDBProxy).
MODIFIABLE = (
    ('require_tls', 'RequireTLS', 'RequireTLS'),
    ('idle_client_timeout', 'IdleClientTimeout', 'IdleClientTimeout'),
    ('debug_logging', 'DebugLogging', 'DebugLogging'),
    ('role_arn', 'RoleArn', 'RoleArn'),
)
POOL_FIELDS = (
    ('max_connections_percent', 'MaxConnectionsPercent'),
    ('max_idle_connections_percent', 'MaxIdleConnectionsPercent'),
    ('connection_borrow_timeout', 'ConnectionBorrowTimeout'),
    ('session_pinning_filters', 'SessionPinningFilters'),
    ('init_query', 'InitQuery'),
)


class ProxyErrorHandler(AWSErrorHandler):
    _CUSTOM_EXCEPTION = AnsibleRDSError

    @classmethod
    def _is_missing(cls):
        # type: () -> Any
        return is_boto3_error_code(['DBProxyNotFoundFault', 'DBProxyTargetGroupNotFoundFault'])


@ProxyErrorHandler.list_error_handler('describe DB proxy', None)
@AWSRetry.jittered_backoff()
def describe_proxy(client, name):
    # type: (Any, str) -> Optional[Dict[str, Any]]
    proxies = client.describe_db_proxies(DBProxyName=name)['DBProxies']
    return proxies[0] if proxies else None


@ProxyErrorHandler.list_error_handler('describe DB proxies', [])
@AWSRetry.jittered_backoff()
def describe_proxies(client):
    # type: (Any) -> List[Dict[str, Any]]
    return client.get_paginator('describe_db_proxies').paginate().build_full_result()['DBProxies']


@ProxyErrorHandler.list_error_handler('describe DB proxy target group', None)
@AWSRetry.jittered_backoff()
def describe_target_group(client, name):
    # type: (Any, str) -> Optional[Dict[str, Any]]
    groups = client.describe_db_proxy_target_groups(DBProxyName=name,
                                                    TargetGroupName=DEFAULT_TARGET_GROUP)['TargetGroups']
    return groups[0] if groups else None


@ProxyErrorHandler.list_error_handler('describe DB proxy targets', [])
@AWSRetry.jittered_backoff()
def describe_targets(client, name):
    # type: (Any, str) -> List[Dict[str, Any]]
    return client.describe_db_proxy_targets(DBProxyName=name, TargetGroupName=DEFAULT_TARGET_GROUP)['Targets']


@ProxyErrorHandler.list_error_handler('list tags of DB proxy', [])
@AWSRetry.jittered_backoff()
def list_tags(client, arn):
    # type: (Any, str) -> Dict[str, str]
    return client.list_tags_for_resource(ResourceName=arn)['TagList']


@ProxyErrorHandler.common_error_handler('create DB proxy')
@retry_while_iam_propagates(RDS_ROLE_REFUSAL, 'RoleArn', 'create DB proxy')
@AWSRetry.jittered_backoff()
def create_proxy(client, **request):
    # type: (Any, **Any) -> Dict[str, Any]
    return client.create_db_proxy(**request)['DBProxy']


@ProxyErrorHandler.common_error_handler('modify DB proxy')
@retry_while_iam_propagates(RDS_ROLE_REFUSAL, 'RoleArn', 'modify DB proxy')
@AWSRetry.jittered_backoff(catch_extra_error_codes=['InvalidDBProxyStateFault'])
def modify_proxy(client, **request):
    # type: (Any, **Any) -> Dict[str, Any]
    return client.modify_db_proxy(**request)['DBProxy']


@ProxyErrorHandler.common_error_handler('modify DB proxy target group')
@AWSRetry.jittered_backoff(catch_extra_error_codes=['InvalidDBProxyStateFault'])
def modify_target_group(client, name, pool):
    # type: (Any, str, Dict[str, Any]) -> Any
    return client.modify_db_proxy_target_group(DBProxyName=name, TargetGroupName=DEFAULT_TARGET_GROUP,
                                               ConnectionPoolConfig=pool)['DBProxyTargetGroup']


@ProxyErrorHandler.common_error_handler('register DB proxy targets')
@AWSRetry.jittered_backoff(catch_extra_error_codes=['InvalidDBProxyStateFault', 'InvalidDBInstanceState'])
def register_targets(client, name, instances):
    # type: (Any, str, List[str]) -> Any
    return client.register_db_proxy_targets(DBProxyName=name, TargetGroupName=DEFAULT_TARGET_GROUP,
                                            DBInstanceIdentifiers=instances)['DBProxyTargets']


@ProxyErrorHandler.common_error_handler('deregister DB proxy targets')
@AWSRetry.jittered_backoff(catch_extra_error_codes=['InvalidDBProxyStateFault'])
def deregister_targets(client, name, instances):
    # type: (Any, str, List[str]) -> Any
    client.deregister_db_proxy_targets(DBProxyName=name, TargetGroupName=DEFAULT_TARGET_GROUP,
                                       DBInstanceIdentifiers=instances)
    return True


@ProxyErrorHandler.deletion_error_handler('delete DB proxy')
@AWSRetry.jittered_backoff(catch_extra_error_codes=['InvalidDBProxyStateFault'])
def delete_proxy(client, name):
    # type: (Any, str) -> Any
    client.delete_db_proxy(DBProxyName=name)
    return True


@ProxyErrorHandler.common_error_handler('tag DB proxy')
@AWSRetry.jittered_backoff()
def add_tags(client, arn, tags):
    # type: (Any, str, Dict[str, str]) -> Any
    client.add_tags_to_resource(ResourceName=arn, Tags=ansible_dict_to_boto3_tag_list(tags))


@ProxyErrorHandler.common_error_handler('untag DB proxy')
@AWSRetry.jittered_backoff()
def remove_tags(client, arn, keys):
    # type: (Any, str, List[str]) -> Any
    client.remove_tags_from_resource(ResourceName=arn, TagKeys=keys)


def ensure_tags(client, arn, tags, purge_tags, check_mode):
    # type: (Any, str, Optional[Dict[str, str]], bool, bool) -> bool
    """Bring the proxy's tags in line; True when they change.

    amazon.aws's RDS ensure_tags goes through its call_method, which knows DB
    instances, clusters and snapshots but raises NotImplementedError for proxies
    when the module has a wait option; the comparison is still amazon.aws's.
    """
    if tags is None:
        return False
    to_add, to_remove = compare_aws_tags(boto3_tag_list_to_ansible_dict(list_tags(client, arn)), tags, purge_tags)
    if not check_mode:
        if to_add:
            add_tags(client, arn, to_add)
        if to_remove:
            remove_tags(client, arn, to_remove)
    return bool(to_add or to_remove)


def describe_all(client, proxy):
    # type: (Any, Dict[str, Any]) -> Tuple[Dict[str, Any], Dict[str, Any], List[Dict[str, Any]]]
    """(proxy with its tags, default target group, targets), in snake_case, as the modules return them."""
    name = proxy['DBProxyName']
    result = camel_dict_to_snake_dict(proxy)
    result['tags'] = boto3_tag_list_to_ansible_dict(list_tags(client, proxy['DBProxyArn']))
    group = camel_dict_to_snake_dict(describe_target_group(client, name) or {})
    return result, group, [camel_dict_to_snake_dict(t) for t in describe_targets(client, name)]


# -- pure comparison -------------------------------------------------------------------------

def auth_request(auth):
    # type: (List[Dict[str, Any]]) -> List[Dict[str, Any]]
    """The Auth list of the API for the module's auth option."""
    request = []
    for entry in auth or []:
        item = dict(AuthScheme=entry.get('auth_scheme') or 'SECRETS', SecretArn=entry['secret_arn'],
                    IAMAuth=entry.get('iam_auth') or 'DISABLED')
        if entry.get('client_password_auth_type'):
            item['ClientPasswordAuthType'] = entry['client_password_auth_type']
        if entry.get('description'):
            item['Description'] = entry['description']
        request.append(item)
    return request


def _auth_key(entry):
    # type: (Dict[str, Any]) -> Tuple[Any, ...]
    return tuple(sorted((k, v) for k, v in entry.items() if k in (
        'AuthScheme', 'SecretArn', 'IAMAuth', 'ClientPasswordAuthType', 'Description') and v is not None))


def create_request(params):
    # type: (Dict[str, Any]) -> Dict[str, Any]
    """The CreateDBProxy request (tags added by the caller)."""
    request = dict(DBProxyName=params['name'], EngineFamily=params['engine_family'],
                   Auth=auth_request(params['auth']), RoleArn=params['role_arn'],
                   VpcSubnetIds=params['vpc_subnet_ids'])
    # an option left out is AWS's default at creation, and left as it is afterwards (modify_request)
    for option, field, argument in MODIFIABLE:
        if params.get(option) is not None:
            request[field] = params[option]
    if params.get('vpc_security_group_ids'):
        request['VpcSecurityGroupIds'] = params['vpc_security_group_ids']
    return request


def immutable_differences(current, params):
    # type: (Dict[str, Any], Dict[str, Any]) -> List[str]
    """Settings that differ and that ModifyDBProxy cannot change: the proxy must be recreated."""
    found = []
    if params.get('engine_family') and current.get('EngineFamily') != params['engine_family']:
        found.append('engine_family')
    if params.get('vpc_subnet_ids') is not None and set(current.get('VpcSubnetIds', [])) != set(params['vpc_subnet_ids']):
        found.append('vpc_subnet_ids')
    return found


def modify_request(current, params):
    # type: (Dict[str, Any], Dict[str, Any]) -> Optional[Dict[str, Any]]
    """The ModifyDBProxy request for what differs, or None when nothing does."""
    request = {}
    for option, field, argument in MODIFIABLE:
        if params.get(option) is not None and current.get(field) != params[option]:
            request[argument] = params[option]
    if params.get('auth') is not None:
        wanted = auth_request(params['auth'])
        if sorted(map(_auth_key, current.get('Auth', []))) != sorted(map(_auth_key, wanted)):
            request['Auth'] = wanted
    groups = params.get('vpc_security_group_ids')
    if groups is not None and set(current.get('VpcSecurityGroupIds', [])) != set(groups):
        request['SecurityGroups'] = groups
    if not request:
        return None
    request['DBProxyName'] = params['name']
    return request


def pool_request(current_group, pool):
    # type: (Optional[Dict[str, Any]], Optional[Dict[str, Any]]) -> Optional[Dict[str, Any]]
    """The ConnectionPoolConfig to send for what differs in the default target group, or None."""
    if not pool:
        return None
    current = (current_group or {}).get('ConnectionPoolConfig', {})
    request = {}
    for option, field in POOL_FIELDS:
        if pool.get(option) is None:
            continue
        value = pool[option]
        have = current.get(field)
        if field == 'SessionPinningFilters':
            differs = sorted(have or []) != sorted(value)
        elif field == 'InitQuery':
            differs = (have or '') != value
        else:
            differs = have != value
        if differs:
            request[field] = value
    # RDS takes the two percentages together only ("If you specify MaxConnectionsPercent, then you must also include
    # a value for MaxIdleConnectionsPercent"; left out, the idle share falls back to half the other): send both
    pair = (('max_connections_percent', 'MaxConnectionsPercent'), ('max_idle_connections_percent', 'MaxIdleConnectionsPercent'))
    if any(field in request for dummy, field in pair):
        for option, field in pair:
            value = pool.get(option) if pool.get(option) is not None else current.get(field)
            if value is not None:
                request[field] = value
    return request or None


def target_changes(current_targets, wanted):
    # type: (List[Dict[str, Any]], Optional[List[str]]) -> Tuple[List[str], List[str]]
    """(to register, to deregister) DB instance identifiers; None for wanted leaves targets alone."""
    if wanted is None:
        return [], []
    registered = set(t['RdsResourceId'] for t in current_targets
                     if t.get('Type', 'RDS_INSTANCE') == 'RDS_INSTANCE' and t.get('RdsResourceId'))
    return sorted(set(wanted) - registered), sorted(registered - set(wanted))


def unready_targets(targets, wanted):
    # type: (List[Dict[str, Any]], List[str]) -> List[Tuple[str, str, str]]
    """The DB instances of ``wanted`` whose target is not AVAILABLE yet: [(identifier, state, reason)]. The proxy
    answers through a target only once it is: for minutes after the registration, it is REGISTERING."""
    health = dict((t.get('RdsResourceId'), t.get('TargetHealth') or {}) for t in targets
                  if t.get('Type', 'RDS_INSTANCE') == 'RDS_INSTANCE')
    return [(i, health.get(i, {}).get('State', 'not registered'), health.get(i, {}).get('Reason', ''))
            for i in sorted(wanted) if health.get(i, {}).get('State') != 'AVAILABLE']


def wait_for_targets(client, name, wanted, timeout, sleep=10, clock=time, targets=None):
    # type: (Any, str, List[str], float, float, Any, Optional[List[Dict[str, Any]]]) -> List[Dict[str, Any]]
    """Poll until every DB instance of ``wanted`` is an AVAILABLE target of the proxy (``targets``: as just
    described, to look at first); AnsibleRDSError naming each one that is not, with its state, at the deadline."""
    deadline = clock.monotonic() + timeout
    while True:
        targets = describe_targets(client, name) if targets is None else targets
        unready = unready_targets(targets, wanted)
        if not unready:
            return targets
        if clock.monotonic() >= deadline:
            raise AnsibleRDSError(message='Timeout waiting for the targets of DB proxy %s to be available: %s' % (
                name, ', '.join('%s is %s%s' % (i, state, ' (%s)' % reason if reason else '') for i, state, reason in unready)))
        clock.sleep(sleep)
        targets = None


def wait_for_status(client, name, wanted, timeout, sleep=10, clock=time):
    # type: (Any, str, Optional[str], float, float, Any) -> Optional[Dict[str, Any]]
    """Poll until the proxy has status ``wanted`` ('available') or is gone (wanted None)."""
    deadline = clock.monotonic() + timeout
    while True:
        proxy = describe_proxy(client, name)
        status = proxy.get('Status') if proxy else None
        if status == wanted:
            return proxy
        if clock.monotonic() >= deadline:
            raise AnsibleRDSError(message='Timeout waiting for DB proxy %s to be %s (it is %s)'
                                  % (name, wanted or 'deleted', status or 'deleted'))
        clock.sleep(sleep)
