#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) 2026, ShopPulse platform team
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
module: iam_service_role
short_description: An IAM role that an AWS service assumes, with its inline policies
version_added: 0.2.0
author: ShopPulse platform team (@shoppulse)
description:
  - Creates, updates or deletes an IAM role that a service (RDS Proxy, VPC flow logs) assumes, together
    with its inline policies, in one task.
  - It does for such a role what M(amazon.aws.iam_role) and M(amazon.aws.iam_policy) do together,
    without the deprecation warnings M(amazon.aws.iam_role) of amazon.aws 10 prints on every call.
  - An option left out is left as it is on the role (O(description), O(max_session_duration),
    O(tags), O(inline_policies)); AWS's defaults apply when the role is created.
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
attributes:
  platform:
    platforms: posix
  check_mode:
    support: full
  diff_mode:
    support: full
    details: The trust policy, description, maximum session duration, permissions boundary, tags and inline policies, before and after.
options:
  name:
    description: Name of the role.
    type: str
    required: true
  state:
    description:
      - V(present) creates or updates the role; V(absent) deletes it, with its inline policies, its attached
        managed policies detached and the role taken out of any instance profile (the profiles are left).
    type: str
    choices: [present, absent]
    default: present
  assume_role_policy_document:
    description:
      - The trust policy, as JSON or a dictionary. Required with O(state=present).
      - Compared as IAM compares policies (the order of statements and lists does not matter).
    type: json
  path:
    description:
      - The role's path, set when it is created. IAM cannot change it; a role with another path is an error.
    type: str
    default: /
  description:
    description: The role's description. Left out, it is left as it is.
    type: str
  max_session_duration:
    description: Maximum session duration in seconds, 3600 to 43200. Left out, it is left as it is.
    type: int
  permissions_boundary:
    description:
      - ARN of the managed policy that bounds what the role may do, whatever its inline policies say. Set when the
        role is created; a role with another boundary, or none, gets this one (C(iam:PutRolePermissionsBoundary)).
      - Left out, the boundary is left as it is. The collection's deployer may create the service roles only with
        the boundary C(<shoppulse_name>-service-role-boundary) (files/iam/, docs/least-privilege.md).
    type: str
    version_added: 0.1.0
  inline_policies:
    description:
      - The role's inline policies, each policy name mapped to its document (JSON or a dictionary).
      - Left out, the inline policies are left as they are.
    type: dict
  purge_inline_policies:
    description: Delete inline policies not in O(inline_policies) (when it is given).
    type: bool
    default: true
  tags:
    description: Tags of the role. Left out, they are left as they are.
    type: dict
    aliases: [resource_tags]
  purge_tags:
    description: Remove tags not in O(tags) (when it is given).
    type: bool
    default: true
notes:
  - A role is usable by the service it trusts some seconds after it is created (IAM is eventually
    consistent); M(shoppulse.analytics.rds_proxy) and M(shoppulse.analytics.vpc_flow_log) retry on the
    service's refusal of a role that has not propagated yet.
seealso:
  - module: amazon.aws.iam_role
  - module: amazon.aws.iam_policy
'''

EXAMPLES = r'''
- name: The role the VPC's flow logs publish through
  shoppulse.analytics.iam_service_role:
    name: shoppulse-analytics-flow-logs
    assume_role_policy_document:
      Version: "2012-10-17"
      Statement:
        - Effect: Allow
          Principal: {Service: vpc-flow-logs.amazonaws.com}
          Action: sts:AssumeRole
    inline_policies:
      publish-flow-logs: "{{ lookup('ansible.builtin.template', 'flow-logs-policy.json.j2') }}"
    tags:
      Project: shoppulse
  register: flow_logs_role

- name: Remove it
  shoppulse.analytics.iam_service_role:
    name: shoppulse-analytics-flow-logs
    state: absent
'''

RETURN = r'''
iam_role:
  description: The role; empty when it is absent (or would be created, in check mode).
  returned: always
  type: dict
  contains:
    arn:
      description: ARN of the role.
      type: str
      sample: arn:aws:iam::123456789012:role/shoppulse-analytics-flow-logs
    role_name:
      description: Name of the role.
      type: str
      sample: shoppulse-analytics-flow-logs
    path:
      description: Path of the role.
      type: str
      sample: /
    role_id:
      description: The role's stable identifier.
      type: str
      sample: AROA0123456789EXAMPLE
    assume_role_policy_document:
      description: The trust policy.
      type: dict
      sample: {Version: "2012-10-17", Statement: [{Effect: Allow, Principal: {Service: rds.amazonaws.com}, Action: sts:AssumeRole}]}
    tags:
      description: Tags of the role.
      type: dict
      sample: {Project: shoppulse}
    inline_policies:
      description: The inline policies, each name mapped to its document.
      type: dict
      sample: {read-database-secret: {Version: "2012-10-17", Statement: []}}
'''

from ansible_collections.amazon.aws.plugins.module_utils.exceptions import AnsibleAWSError
from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.shoppulse.analytics.plugins.module_utils.aws import service_roles


def main():
    module = AnsibleAWSModule(
        argument_spec=dict(
            name=dict(type='str', required=True),
            state=dict(type='str', choices=['present', 'absent'], default='present'),
            assume_role_policy_document=dict(type='json'),
            path=dict(type='str', default='/'),
            description=dict(type='str'),
            max_session_duration=dict(type='int'),
            permissions_boundary=dict(type='str'),
            inline_policies=dict(type='dict'),
            purge_inline_policies=dict(type='bool', default=True),
            tags=dict(type='dict', aliases=['resource_tags']),
            purge_tags=dict(type='bool', default=True),
        ),
        required_if=[('state', 'present', ['assume_role_policy_document'])],
        supports_check_mode=True,
    )
    params = module.params
    client = module.client('iam')
    try:
        before_role, before_policies = service_roles.state(client, params['name'])
        if params['state'] == 'absent':
            changed = before_role is not None
            if changed and not module.check_mode:
                service_roles.remove(client, params['name'])
            module.exit_json(changed=changed, iam_role={},
                             diff=dict(before=service_roles.view(before_role, before_policies), after={}))
        try:
            steps = service_roles.plan(before_role, before_policies, params)
        except ValueError as exc:
            module.fail_json(msg=str(exc))
        before = service_roles.view(before_role, before_policies)
        if steps and not module.check_mode:
            service_roles.apply(client, steps)
            after_role, after_policies = service_roles.state(client, params['name'])
            after = service_roles.view(after_role, after_policies)
        elif steps:  # check mode: the role as it is (nothing when it would be created), the diff as it would be
            after_role, after_policies = before_role, before_policies
            after = service_roles.predicted_view(before, params)
        else:
            after_role, after_policies, after = before_role, before_policies, before
    except AnsibleAWSError as exc:
        module.fail_json_aws_error(exc)
    module.exit_json(changed=bool(steps), iam_role=service_roles.result(after_role, after_policies),
                     diff=dict(before=before, after=after))


if __name__ == '__main__':
    main()
