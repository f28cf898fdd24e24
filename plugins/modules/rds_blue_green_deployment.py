#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) 2026, ShopPulse platform team
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
---
module: rds_blue_green_deployment
short_description: Create, switch over and delete an RDS Blue/Green deployment of a DB instance
version_added: 0.2.0
description:
  - An RDS Blue/Green deployment copies a DB instance (blue) to a staging instance (green), kept in step by
    replication, which may run a newer engine version; a switchover then makes the green instance the production one
    in about a minute. amazon.aws has no module for it.
  - Before it creates anything, the module refuses an instance that RDS documents blue/green deployments do not
    support, naming each reason - a target of an RDS Proxy, a master user password managed by RDS in Secrets Manager
    (RDS user guide, "Limitations and considerations for blue/green deployments"). Nothing is left half switched.
  - Idempotent, by O(name) - C(present) creates the deployment and waits until it is available; C(switched_over)
    also switches it over (once); C(absent) deletes the deployment (and the green instance with O(delete_target),
    before a switchover only).
author:
  - ShopPulse platform team (@shoppulse)
options:
  name:
    description: The deployment's name (BlueGreenDeploymentName).
    type: str
    required: true
  source_db_instance_identifier:
    description: The blue instance; required to create the deployment.
    type: str
  target_engine_version:
    description: The green instance's engine version (a major upgrade, for example).
    type: str
  target_db_parameter_group_name:
    description: The green instance's DB parameter group (of the target version's family).
    type: str
  state:
    description: C(present), C(switched_over) or C(absent).
    type: str
    choices: [present, switched_over, absent]
    default: present
  switchover_timeout:
    description: Seconds RDS may take to switch over before it rolls the switchover back (RDS's default 300).
    type: int
    default: 300
  delete_target:
    description: With C(state=absent) before a switchover, delete the green instance too.
    type: bool
    default: false
  wait_timeout:
    description: Seconds to wait for the deployment to become available, or to be switched over.
    type: int
    default: 3600
  tags:
    description: Tags of the deployment, when it is created.
    type: dict
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
attributes:
  check_mode:
    support: full
    details: Checks the refusals and says what it would do; changes nothing.
  diff_mode:
    support: none
  platform:
    platforms: posix
seealso:
  - module: amazon.aws.rds_instance
'''

EXAMPLES = r'''
- name: Stage PostgreSQL 16 beside the instance, then switch over
  shoppulse.analytics.rds_blue_green_deployment:
    name: analytics-to-16
    source_db_instance_identifier: analytics
    target_engine_version: "16.4"
    target_db_parameter_group_name: analytics-postgres16
    state: switched_over
'''

RETURN = r'''
blue_green_deployment:
  description: The deployment as RDS describes it (snake_case), empty when absent.
  returned: always
  type: dict
  sample: {blue_green_deployment_name: analytics-to-16, status: SWITCHOVER_COMPLETED}
'''

from ansible.module_utils.common.dict_transformations import camel_dict_to_snake_dict
from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.amazon.aws.plugins.module_utils.rds import AnsibleRDSError
from ansible_collections.amazon.aws.plugins.module_utils.tagging import ansible_dict_to_boto3_tag_list
from ansible_collections.shoppulse.analytics.plugins.module_utils.aws import blue_green
from ansible_collections.shoppulse.analytics.plugins.module_utils.aws.rds_master import describe
from ansible_collections.shoppulse.analytics.plugins.module_utils.postgres.errors import EngineError


def _refuse_what_rds_does_not_support(module, client):
    """Fail naming each reason RDS documents against a deployment of the source instance (before any other call)."""
    try:
        instance = describe(client, module.params['source_db_instance_identifier'])
    except EngineError as exc:
        module.fail_json(msg='%s; nothing was created' % exc)
    reasons = blue_green.refusals(instance, blue_green.proxies_of(client, instance['DBInstanceIdentifier']))
    if reasons:
        module.fail_json(msg='no blue/green deployment of %s: %s; nothing was created' % (
            instance['DBInstanceIdentifier'], '; '.join(reasons)), reasons=reasons)
    return instance


def _created(module, client, instance):
    """The deployment, created (None in check mode)."""
    params = module.params
    if instance is None:
        module.fail_json(msg='creating blue/green deployment %s needs source_db_instance_identifier' % params['name'])
    if module.check_mode:
        return None
    blue_green.create(client, params['name'], instance['DBInstanceArn'], params['target_engine_version'],
                      params['target_db_parameter_group_name'],
                      ansible_dict_to_boto3_tag_list(params['tags']) if params['tags'] else None)
    return blue_green.wait_for(client, params['name'], blue_green.AVAILABLE, params['wait_timeout'])


def main():
    module = AnsibleAWSModule(argument_spec=dict(
        name=dict(type='str', required=True),
        source_db_instance_identifier=dict(type='str'),
        target_engine_version=dict(type='str'),
        target_db_parameter_group_name=dict(type='str'),
        state=dict(type='str', choices=['present', 'switched_over', 'absent'], default='present'),
        switchover_timeout=dict(type='int', default=300),
        delete_target=dict(type='bool', default=False),
        wait_timeout=dict(type='int', default=3600),
        tags=dict(type='dict')), supports_check_mode=True)
    params = module.params
    client = module.client('rds')
    changed = False
    try:
        instance = None
        if params['state'] != 'absent' and params['source_db_instance_identifier']:
            instance = _refuse_what_rds_does_not_support(module, client)
        deployment = blue_green.find(client, params['name'])
        if params['state'] == 'absent':
            if deployment:
                changed = True
                if not module.check_mode:
                    blue_green.delete(client, deployment['BlueGreenDeploymentIdentifier'],
                                      params['delete_target'] and deployment.get('Status') != blue_green.SWITCHED)
            module.exit_json(changed=changed, blue_green_deployment={})
        if deployment is None:
            changed = True
            deployment = _created(module, client, instance)
        if params['state'] == 'switched_over' and (deployment or {}).get('Status') != blue_green.SWITCHED:
            changed = True
            if deployment and not module.check_mode:
                blue_green.switchover(client, deployment['BlueGreenDeploymentIdentifier'], params['switchover_timeout'])
                deployment = blue_green.wait_for(client, params['name'], blue_green.SWITCHED, params['wait_timeout'])
    except AnsibleRDSError as exc:
        module.fail_json_aws_error(exc)
    except RuntimeError as exc:
        module.fail_json(msg='%s' % exc)
    module.exit_json(changed=changed, blue_green_deployment=camel_dict_to_snake_dict(deployment or {}, ignore_list=['Tags']))


if __name__ == '__main__':
    main()
