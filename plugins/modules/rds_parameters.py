#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) 2026, ShopPulse platform team
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
---
module: rds_parameters
short_description: Make an RDS DB parameter group's values those given, each applied as RDS allows
version_added: 0.2.0
description:
  - Sets the parameters given in an existing DB parameter group and resets to the engine's default every parameter
    set before that is no longer given (the group is taken to be managed by this task alone).
  - A dynamic parameter is applied at once (ApplyMethod C(immediate)); a static one when the instance restarts
    (C(pending-reboot)), the only way RDS takes it. RV(restart_needed) names the parameters that wait for a restart.
  - A parameter the group's family lacks, or one RDS does not let users modify, fails the task naming it, before
    anything changes.
  - Unlike amazon.aws.rds_instance_param_group (which creates the group), it resets what is no longer given and
    chooses the apply method per parameter.
author:
  - ShopPulse platform team (@shoppulse)
options:
  db_parameter_group_name:
    description: The DB parameter group; it must exist (in check mode, a group that does not exist yet has every
      value given set).
    type: str
    required: true
  parameters:
    description:
      - Every parameter the group sets, by name. Booleans are given to RDS as 1 and 0, other values as text.
    type: dict
    required: true
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
attributes:
  check_mode:
    support: full
    details: Says what it would set and reset; changes nothing.
  diff_mode:
    support: full
    details: The parameters that change, with their value and source before and after.
  platform:
    platforms: posix
seealso:
  - module: amazon.aws.rds_instance_param_group
'''

EXAMPLES = r'''
- name: The stack's parameters, rds.force_ssl among them
  shoppulse.analytics.rds_parameters:
    db_parameter_group_name: shoppulse-analytics-postgres16
    parameters:
      rds.force_ssl: 1
      log_min_duration_statement: 1000
  register: parameters
'''

RETURN = r'''
modified:
  description: The parameters set, each with C(ParameterName), C(ParameterValue) and C(ApplyMethod).
  returned: always
  type: list
  elements: dict
  sample: [{ParameterName: log_min_duration_statement, ParameterValue: "1000", ApplyMethod: immediate}]
reset:
  description: The parameters reset to the engine's default, each with C(ParameterName) and C(ApplyMethod).
  returned: always
  type: list
  elements: dict
  sample: []
restart_needed:
  description: The parameters of this run that take effect only when the instance restarts.
  returned: always
  type: list
  elements: str
  sample: [shared_preload_libraries]
'''

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.amazon.aws.plugins.module_utils.rds import AnsibleRDSError
from ansible_collections.shoppulse.analytics.plugins.module_utils.aws import parameters


def main():
    module = AnsibleAWSModule(argument_spec=dict(
        db_parameter_group_name=dict(type='str', required=True),
        parameters=dict(type='dict', required=True)), supports_check_mode=True)
    group = module.params['db_parameter_group_name']
    client = module.client('rds')
    try:
        found_group = parameters.describe_group(client, group)
        if found_group is None and module.check_mode:  # the run creates it first: every value given is set
            module.exit_json(changed=True, reset=[], restart_needed=[], modified=[
                dict(ParameterName=name, ParameterValue=parameters.value_text(value))
                for name, value in sorted(module.params['parameters'].items())])
        if found_group is None:
            module.fail_json(msg='DB parameter group %s does not exist; nothing was changed' % group)
        current = parameters.describe_parameters(client, group)
        try:
            found = parameters.plan(current, module.params['parameters'], found_group['DBParameterGroupFamily'])
        except parameters.ParameterError as exc:
            module.fail_json(msg='DB parameter group %s: %s; nothing was changed' % (group, exc))
        changed = bool(found['modify'] or found['reset'])
        if changed and not module.check_mode:
            parameters.apply(client, group, found)
    except AnsibleRDSError as exc:
        module.fail_json_aws_error(exc)
    result = dict(changed=changed, modified=found['modify'], reset=found['reset'],
                  restart_needed=parameters.restart_needed(found))
    if module._diff and changed:  # pylint: disable=protected-access
        result['diff'] = parameters.diff(group, current, found)
    module.exit_json(**result)


if __name__ == '__main__':
    main()
