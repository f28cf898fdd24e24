# -*- coding: utf-8 -*-
# Copyright (c) 2026, ShopPulse platform team
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""VPC flow logs: find, compare, create and delete, over a boto3 EC2 client.

Plain Python on amazon.aws's helpers (AWSRetry, its error handlers and tag
helpers); the module vpc_flow_log is the Ansible glue. A flow log cannot be
modified in place (EC2 has no ModifyFlowLogs), so a flow log whose settings
differ from the desired ones is replaced.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code
from ansible_collections.amazon.aws.plugins.module_utils.ec2 import AnsibleEC2Error
from ansible_collections.amazon.aws.plugins.module_utils.errors import AWSErrorHandler
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry
from ansible_collections.amazon.aws.plugins.module_utils.tagging import boto3_tag_specifications
from ansible_collections.shoppulse.analytics.plugins.module_utils.aws.iam_propagation import (
    EC2_ROLE_REFUSAL,
    retry_while_iam_propagates,
)

try:
    from typing import Any, Dict, List
except ImportError:  # pragma: no cover
    pass


class FlowLogErrorHandler(AWSErrorHandler):
    _CUSTOM_EXCEPTION = AnsibleEC2Error

    @classmethod
    def _is_missing(cls):
        # type: () -> Any
        return is_boto3_error_code(['InvalidFlowLogId.NotFound', 'InvalidVpcID.NotFound'])


@FlowLogErrorHandler.list_error_handler('describe flow logs', [])
@AWSRetry.jittered_backoff()
def describe_flow_logs(client, resource_id):
    # type: (Any, str) -> List[Dict[str, Any]]
    paginator = client.get_paginator('describe_flow_logs')
    filters = [dict(Name='resource-id', Values=[resource_id])]
    return paginator.paginate(Filters=filters).build_full_result()['FlowLogs']


@FlowLogErrorHandler.common_error_handler('create flow log')
@retry_while_iam_propagates(EC2_ROLE_REFUSAL, 'DeliverLogsPermissionArn', 'create flow log')
@AWSRetry.jittered_backoff()
def create_flow_log(client, **params):
    # type: (Any, **Any) -> str
    result = client.create_flow_logs(**params)
    if result.get('Unsuccessful'):
        problem = result['Unsuccessful'][0].get('Error', {})
        raise AnsibleEC2Error(message='Failed to create flow log: %s (%s)'
                              % (problem.get('Message'), problem.get('Code')))
    return result['FlowLogIds'][0]


@FlowLogErrorHandler.deletion_error_handler('delete flow logs')
@AWSRetry.jittered_backoff()
def delete_flow_logs(client, flow_log_ids):
    # type: (Any, List[str]) -> bool
    client.delete_flow_logs(FlowLogIds=flow_log_ids)
    return True


def desired_request(params):
    # type: (Dict[str, Any]) -> Dict[str, Any]
    """The CreateFlowLogs request for the module's parameters (tags excluded)."""
    request = dict(ResourceIds=[params['resource_id']], ResourceType=params['resource_type'],
                   TrafficType=params['traffic_type'], LogDestinationType=params['log_destination_type'],
                   MaxAggregationInterval=params['max_aggregation_interval'])
    if params['log_destination_type'] == 'cloud-watch-logs':
        request['LogGroupName'] = params['log_group_name']
        request['DeliverLogsPermissionArn'] = params['deliver_logs_permission_arn']
    else:
        request['LogDestination'] = params['log_destination']
    if params.get('log_format'):
        request['LogFormat'] = params['log_format']
    return request


def same_destination(flow_log, params):
    # type: (Dict[str, Any], Dict[str, Any]) -> bool
    """Whether an existing flow log is the one these parameters describe (same traffic and target)."""
    if flow_log.get('TrafficType') != params['traffic_type']:
        return False
    if flow_log.get('LogDestinationType', 'cloud-watch-logs') != params['log_destination_type']:
        return False
    if params['log_destination_type'] == 'cloud-watch-logs':
        return flow_log.get('LogGroupName') == params['log_group_name']
    return flow_log.get('LogDestination') == params['log_destination']


def differences(flow_log, params):
    # type: (Dict[str, Any], Dict[str, Any]) -> List[str]
    """Settings of an existing flow log that differ from the parameters (they force a replacement)."""
    wanted = dict(MaxAggregationInterval=params['max_aggregation_interval'])
    if params['log_destination_type'] == 'cloud-watch-logs':
        wanted['DeliverLogsPermissionArn'] = params['deliver_logs_permission_arn']
    if params.get('log_format'):
        wanted['LogFormat'] = params['log_format']
    return sorted(key for key, value in wanted.items() if flow_log.get(key) != value)


def find(client, params):
    # type: (Any, Dict[str, Any]) -> List[Dict[str, Any]]
    return [f for f in describe_flow_logs(client, params['resource_id']) if same_destination(f, params)]


def create(client, params):
    # type: (Any, Dict[str, Any]) -> str
    """Create the flow log. No client token: AWS makes no second flow log of one resource, traffic type and
    destination (it answers FlowLogAlreadyExists), and ``find`` takes the one an earlier run made."""
    request = desired_request(params)
    if params.get('tags'):
        request['TagSpecifications'] = boto3_tag_specifications(params['tags'], types='vpc-flow-log')
    return create_flow_log(client, **request)
