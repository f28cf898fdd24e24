#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) 2026, ShopPulse platform team
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
---
module: vpc_flow_log
short_description: Create or delete a VPC flow log
version_added: 0.1.0
description:
  - Creates, updates the tags of, or deletes a flow log of a VPC, subnet or network interface,
    delivered to CloudWatch Logs or S3.
  - A flow log is identified by its resource, its traffic type and its destination (log group or
    S3 ARN). EC2 cannot modify a flow log, so one whose other settings (aggregation interval,
    delivery role, log format) differ is replaced, and the module reports a change.
  - amazon.aws and community.aws have no module for flow logs.
author:
  - ShopPulse platform team (@shoppulse)
options:
  state:
    description: Whether the flow log should exist.
    type: str
    choices: [present, absent]
    default: present
  resource_id:
    description: ID of the VPC, subnet or network interface.
    type: str
    required: true
  resource_type:
    description: Type of O(resource_id).
    type: str
    choices: [VPC, Subnet, NetworkInterface]
    default: VPC
  traffic_type:
    description: Which traffic to log.
    type: str
    choices: [ACCEPT, REJECT, ALL]
    default: ALL
  log_destination_type:
    description: Where the records go.
    type: str
    choices: [cloud-watch-logs, s3]
    default: cloud-watch-logs
  log_group_name:
    description: CloudWatch Logs group. Required with O(log_destination_type=cloud-watch-logs).
    type: str
  deliver_logs_permission_arn:
    description: ARN of the IAM role that may publish to O(log_group_name). Required with O(log_destination_type=cloud-watch-logs).
    type: str
  log_destination:
    description: ARN of the S3 bucket (or folder). Required with O(log_destination_type=s3).
    type: str
  max_aggregation_interval:
    description: Seconds over which records are aggregated.
    type: int
    choices: [60, 600]
    default: 600
  log_format:
    description: Custom record format; the AWS default format when omitted.
    type: str
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.tags
  - amazon.aws.boto3
attributes:
  check_mode:
    support: full
  diff_mode:
    support: none
  platform:
    platforms: posix
'''

EXAMPLES = r'''
- name: Log all traffic of the VPC to CloudWatch Logs
  shoppulse.analytics.vpc_flow_log:
    resource_id: "{{ vpc.vpc.id }}"
    traffic_type: ALL
    log_group_name: /shoppulse/vpc-flow-logs
    deliver_logs_permission_arn: "{{ flow_logs_role.iam_role.arn }}"
    tags:
      Project: shoppulse

- name: Remove it
  shoppulse.analytics.vpc_flow_log:
    resource_id: "{{ vpc.vpc.id }}"
    log_group_name: /shoppulse/vpc-flow-logs
    state: absent
'''

RETURN = r'''
flow_log:
  description: The flow log, as EC2 describes it (empty when absent).
  returned: always
  type: dict
  contains:
    flow_log_id:
      description: ID of the flow log.
      type: str
      sample: fl-0123456789abcdef0
    resource_id:
      description: The logged resource.
      type: str
      sample: vpc-0123456789abcdef0
    traffic_type:
      description: Logged traffic.
      type: str
      sample: ALL
    log_group_name:
      description: CloudWatch Logs group.
      type: str
      sample: /shoppulse/vpc-flow-logs
    deliver_logs_permission_arn:
      description: Role that publishes the records.
      type: str
      sample: arn:aws:iam::123456789012:role/shoppulse-flow-logs
    max_aggregation_interval:
      description: Aggregation interval in seconds.
      type: int
      sample: 600
    tags:
      description: Tags of the flow log.
      type: dict
      sample: {Project: shoppulse}
replaced_settings:
  description: Settings that differed from the existing flow log, which was therefore replaced.
  returned: when state is present
  type: list
  elements: str
  sample: [MaxAggregationInterval]
'''

from ansible.module_utils.common.dict_transformations import camel_dict_to_snake_dict
from ansible_collections.amazon.aws.plugins.module_utils.ec2 import ensure_ec2_tags
from ansible_collections.amazon.aws.plugins.module_utils.exceptions import AnsibleAWSError
from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.amazon.aws.plugins.module_utils.tagging import boto3_tag_list_to_ansible_dict
from ansible_collections.shoppulse.analytics.plugins.module_utils.aws import flow_logs


def describe(flow_log):
    if not flow_log:
        return {}
    result = camel_dict_to_snake_dict(dict((k, v) for k, v in flow_log.items() if k != 'Tags'))
    result['tags'] = boto3_tag_list_to_ansible_dict(flow_log.get('Tags', []))
    return result


def main():
    module = AnsibleAWSModule(
        argument_spec=dict(
            state=dict(type='str', choices=['present', 'absent'], default='present'),
            resource_id=dict(type='str', required=True),
            resource_type=dict(type='str', choices=['VPC', 'Subnet', 'NetworkInterface'], default='VPC'),
            traffic_type=dict(type='str', choices=['ACCEPT', 'REJECT', 'ALL'], default='ALL'),
            log_destination_type=dict(type='str', choices=['cloud-watch-logs', 's3'], default='cloud-watch-logs'),
            log_group_name=dict(type='str'),
            deliver_logs_permission_arn=dict(type='str'),
            log_destination=dict(type='str'),
            max_aggregation_interval=dict(type='int', choices=[60, 600], default=600),
            log_format=dict(type='str'),
            tags=dict(type='dict', aliases=['resource_tags']),
            purge_tags=dict(type='bool', default=True),
        ),
        required_if=[
            ('log_destination_type', 'cloud-watch-logs', ('log_group_name',)),
            ('log_destination_type', 's3', ('log_destination',)),
        ],
        supports_check_mode=True,
    )
    params = module.params
    if (params['state'] == 'present' and params['log_destination_type'] == 'cloud-watch-logs'
            and not params['deliver_logs_permission_arn']):
        module.fail_json(msg='deliver_logs_permission_arn is required to publish flow logs to CloudWatch Logs')
    client = module.client('ec2')
    try:
        existing = flow_logs.find(client, params)
        changed = False
        if params['state'] == 'absent':
            if existing and not module.check_mode:
                flow_logs.delete_flow_logs(client, [f['FlowLogId'] for f in existing])
            module.exit_json(changed=bool(existing), flow_log={})

        current = existing[0] if existing else None
        stale = flow_logs.differences(current, params) if current else []
        if current and stale:
            changed = True
            if not module.check_mode:
                flow_logs.delete_flow_logs(client, [current['FlowLogId']])
            current = None
        if current is None:
            changed = True
            if module.check_mode:
                module.exit_json(changed=True, flow_log={}, replaced_settings=stale)
            flow_log_id = flow_logs.create(client, params)
        else:
            flow_log_id = current['FlowLogId']
            # by id only: the id is unique, and moto files flow log tags under another resource type
            changed |= ensure_ec2_tags(client, module, flow_log_id, tags=params['tags'],
                                       purge_tags=params['purge_tags'])
        final = [f for f in flow_logs.find(client, params) if f['FlowLogId'] == flow_log_id]
    except AnsibleAWSError as exc:
        module.fail_json_aws_error(exc)
    module.exit_json(changed=changed, flow_log=describe(final[0] if final else {}), replaced_settings=stale)


if __name__ == '__main__':
    main()
