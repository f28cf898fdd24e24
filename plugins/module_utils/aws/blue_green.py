# -*- coding: utf-8 -*-
# Copyright (c) 2026, ShopPulse platform team
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""RDS Blue/Green deployments (issue 42): find, create, switch over and delete one, and say why an instance cannot
have one. amazon.aws has no module for them; the module rds_blue_green_deployment is the Ansible glue.

A Blue/Green deployment copies an instance (blue) to a staging one (green) that replication keeps in step, which can
be upgraded to a new major and then switched over in about a minute. The RDS user guide ("Limitations and
considerations for blue/green deployments") lists what it does not support; two of them are what this collection's
stacks have: RDS Proxy (an instance that is a proxy's target) and a master user password managed by RDS in Secrets
Manager. refusals() names each, so that nothing is created that would leave a stack half switched.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import time

from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code
from ansible_collections.amazon.aws.plugins.module_utils.errors import AWSErrorHandler
from ansible_collections.amazon.aws.plugins.module_utils.rds import AnsibleRDSError
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry

try:
    from typing import Any, Callable, Dict, List, Optional
except ImportError:  # pragma: no cover
    pass

AVAILABLE, SWITCHED = 'AVAILABLE', 'SWITCHOVER_COMPLETED'
FAILED = ('INVALID_CONFIGURATION', 'SWITCHOVER_FAILED', 'PROVISIONING_FAILED')
POLL_SECONDS = 15


class BlueGreenErrorHandler(AWSErrorHandler):
    _CUSTOM_EXCEPTION = AnsibleRDSError

    @classmethod
    def _is_missing(cls):
        # type: () -> Any
        return is_boto3_error_code(['BlueGreenDeploymentNotFoundFault', 'DBProxyNotFoundFault'])


@BlueGreenErrorHandler.list_error_handler('describe blue/green deployments', None)
@AWSRetry.jittered_backoff()
def find(client, name):
    # type: (Any, str) -> Optional[Dict[str, Any]]
    """The deployment named ``name`` (not being deleted), or None."""
    paginator = client.get_paginator('describe_blue_green_deployments')
    for page in paginator.paginate():
        for deployment in page.get('BlueGreenDeployments', []):
            if deployment.get('BlueGreenDeploymentName') == name and deployment.get('Status') != 'DELETING':
                return deployment
    return None


@BlueGreenErrorHandler.list_error_handler('describe DB proxies', [])
@AWSRetry.jittered_backoff()
def proxies_of(client, instance_id):
    # type: (Any, str) -> List[str]
    """The RDS Proxies that have the instance as a target."""
    found = []
    for page in client.get_paginator('describe_db_proxies').paginate():
        for proxy in page.get('DBProxies', []):
            targets = client.describe_db_proxy_targets(DBProxyName=proxy['DBProxyName']).get('Targets', [])
            if any(t.get('Type') == 'RDS_INSTANCE' and t.get('RdsResourceId') == instance_id for t in targets):
                found.append(proxy['DBProxyName'])
    return sorted(found)


def refusals(instance, proxies):
    # type: (Dict[str, Any], List[str]) -> List[str]
    """Why RDS documents that the instance cannot have a Blue/Green deployment; [] when nothing stands in the way."""
    reasons = []
    if proxies:
        reasons.append('%s is a target of RDS Proxy %s, which blue/green deployments do not support'
                       % (instance['DBInstanceIdentifier'], ', '.join(proxies)))
    if instance.get('MasterUserSecret'):
        reasons.append('the master user password of %s is managed by RDS in Secrets Manager, which blue/green '
                       'deployments do not support' % instance['DBInstanceIdentifier'])
    return reasons


@BlueGreenErrorHandler.common_error_handler('create blue/green deployment')
@AWSRetry.jittered_backoff()
def create(client, name, source_arn, engine_version=None, parameter_group=None, tags=None):
    # type: (Any, str, str, Optional[str], Optional[str], Optional[List[Dict[str, str]]]) -> Dict[str, Any]
    request = dict(BlueGreenDeploymentName=name, Source=source_arn)  # type: Dict[str, Any]
    if engine_version:
        request['TargetEngineVersion'] = engine_version
    if parameter_group:
        request['TargetDBParameterGroupName'] = parameter_group
    if tags:
        request['Tags'] = tags
    return client.create_blue_green_deployment(**request)['BlueGreenDeployment']


@BlueGreenErrorHandler.common_error_handler('switch over blue/green deployment')
@AWSRetry.jittered_backoff(catch_extra_error_codes=['InvalidBlueGreenDeploymentStateFault'])
def switchover(client, identifier, timeout):
    # type: (Any, str, int) -> Dict[str, Any]
    return client.switchover_blue_green_deployment(BlueGreenDeploymentIdentifier=identifier,
                                                   SwitchoverTimeout=timeout)['BlueGreenDeployment']


@BlueGreenErrorHandler.common_error_handler('delete blue/green deployment')
@AWSRetry.jittered_backoff()
def delete(client, identifier, delete_target=False):
    # type: (Any, str, bool) -> None
    request = dict(BlueGreenDeploymentIdentifier=identifier)  # type: Dict[str, Any]
    if delete_target:
        request['DeleteTarget'] = True
    client.delete_blue_green_deployment(**request)


def wait_for(client, name, status, timeout, sleep=time.sleep, clock=time.monotonic):
    # type: (Any, str, str, float, Callable[[float], None], Callable[[], float]) -> Dict[str, Any]
    """Poll until the deployment has ``status``; raises RuntimeError naming the last status on a failure state or
    past ``timeout`` seconds."""
    deadline = clock() + timeout
    while True:
        deployment = find(client, name)
        last = (deployment or {}).get('Status', 'gone')
        if last == status:
            return deployment or {}
        if last in FAILED or last == 'gone':
            raise RuntimeError('blue/green deployment %s is %s (%s)' % (name, last, (deployment or {}).get(
                'StatusDetails', 'no details')))
        if clock() >= deadline:
            raise RuntimeError('blue/green deployment %s is still %s after %d s' % (name, last, timeout))
        sleep(POLL_SECONDS)
