#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) 2026, ShopPulse platform team
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
---
module: rds_instance_changes
short_description: Say what a run changes on a running RDS instance, when, and whether it restarts it
version_added: 0.2.0
description:
  - Compares the settings an inventory gives with a running RDS instance and returns each change, when RDS makes
    it (now, or in the maintenance window unless O(apply_immediately)) and whether it restarts the instance, from
    the RDS user guide's settings table - the instance class and the engine version restart it; storage and
    Multi-AZ do not; a backup retention turned on from 0 or off to 0 restarts it and waits for the window.
  - A change RDS already holds as pending (asked for by an earlier run) is returned in RV(pending), not as a change.
  - Only reads; the database role runs it before amazon.aws.rds_instance, so that check mode and C(--diff) show
    the plan. An instance that does not exist has no changes.
author:
  - ShopPulse platform team (@shoppulse)
options:
  db_instance_identifier:
    description: The instance.
    type: str
    required: true
  apply_immediately:
    description: Whether the run applies its changes now (as the database role's C(database_apply_immediately)).
    type: bool
    default: true
  settings:
    description:
      - The settings the inventory gives, by the database role's names without C(database_) (C(instance_class),
        C(engine_version), C(allocated_storage), C(storage_type), C(iops), C(storage_throughput), C(multi_az),
        C(backup_retention_days), C(deletion_protection), C(performance_insights_retention_days), C(log_exports));
        a setting left out or null is not compared, nor C(iops) or C(storage_throughput) given as 0 (the storage
        type's baseline).
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
    details: The module only reads.
  diff_mode:
    support: full
    details: The settings that change, as they are and as the run leaves them, with when and whether it restarts.
  platform:
    platforms: posix
seealso:
  - module: amazon.aws.rds_instance
'''

EXAMPLES = r'''
- name: Say what a run changes on the instance
  shoppulse.analytics.rds_instance_changes:
    db_instance_identifier: shoppulse-analytics
    apply_immediately: false
    settings:
      instance_class: db.r6g.large
      multi_az: true
  register: planned
'''

RETURN = r'''
exists:
  description: Whether the instance exists.
  returned: always
  type: bool
  sample: true
changes:
  description: The settings a run changes, each with C(setting), C(current), C(wanted), C(when) (C(now) or
    C(in the maintenance window)) and C(restarts).
  returned: always
  type: list
  elements: dict
  sample:
    - {setting: instance_class, current: db.t3.large, wanted: db.r6g.large, when: in the maintenance window, restarts: true}
pending:
  description: The changes RDS holds for the maintenance window already, in the same form.
  returned: always
  type: list
  elements: dict
  sample: []
maintenance_window:
  description: The instance's preferred maintenance window (UTC).
  returned: when the instance exists
  type: str
  sample: sun:05:00-sun:05:30
lines:
  description: One sentence per change and per pending change.
  returned: always
  type: list
  elements: str
  sample: ["instance_class: db.t3.large -> db.r6g.large (in the maintenance window sun:05:00-sun:05:30, restarts the instance)"]
'''

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.amazon.aws.plugins.module_utils.rds import AnsibleRDSError
from ansible_collections.shoppulse.analytics.plugins.module_utils.aws import instance_changes
from ansible_collections.shoppulse.analytics.plugins.module_utils.aws.rds_master import describe
from ansible_collections.shoppulse.analytics.plugins.module_utils.postgres.errors import EngineError


def main():
    module = AnsibleAWSModule(argument_spec=dict(
        db_instance_identifier=dict(type='str', required=True),
        apply_immediately=dict(type='bool', default=True),
        settings=dict(type='dict', required=True)), supports_check_mode=True)
    params = module.params
    unknown = sorted(set(params['settings']) - set(instance_changes.SETTING_NAMES))
    if unknown:
        known = ', '.join(instance_changes.SETTING_NAMES)
        module.fail_json(msg='unknown settings: %s (known: %s)' % (', '.join(unknown), known))
    client = module.client('rds')
    try:
        instance = describe(client, params['db_instance_identifier'])
    except EngineError:
        module.exit_json(changed=False, exists=False, changes=[], pending=[], lines=[])
    except AnsibleRDSError as exc:
        module.fail_json_aws_error(exc)
    found = instance_changes.plan(instance, params['settings'], params['apply_immediately'])
    window = instance.get('PreferredMaintenanceWindow')
    lines = [instance_changes.describe_item(i, window) for i in found['changes']]
    lines += ['pending: ' + instance_changes.describe_item(i, window) for i in found['pending']]
    result = dict(changed=False, exists=True, maintenance_window=window, lines=lines, **found)
    if module._diff and found['changes']:  # pylint: disable=protected-access
        result['diff'] = instance_changes.diff(instance, found, window)
    module.exit_json(**result)


if __name__ == '__main__':
    main()
