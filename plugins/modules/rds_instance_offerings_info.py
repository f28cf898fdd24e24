#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) 2026, ShopPulse platform team
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
module: rds_instance_offerings_info
short_description: What RDS offers in a region for an engine version and an instance class
version_added: 0.2.0
author: ShopPulse platform team (@shoppulse)
description:
  - Lists the DB instance options RDS offers in the region (DescribeOrderableDBInstanceOptions) for an
    engine, an engine version and, optionally, an instance class.
  - The database role asks it before anything is created, so that a version or a class the region does not
    offer fails at once with a clear message rather than after the network is built.
  - M(amazon.aws.rds_engine_versions_info) answers which engine versions exist; this module which instance
    classes a region offers for one of them, which no amazon.aws module answers.
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
    details: It only reads.
  diff_mode:
    support: none
options:
  engine:
    description: The engine.
    type: str
    default: postgres
  engine_version:
    description: The engine version, such as V(16.4).
    type: str
    required: true
  instance_class:
    description: Only options of this instance class. Left out, every class offered for the version.
    type: str
'''

EXAMPLES = r'''
- name: Does the region offer db.t4g.medium for PostgreSQL 16.4?
  shoppulse.analytics.rds_instance_offerings_info:
    engine_version: "16.4"
    instance_class: db.t4g.medium
  register: offerings

- name: Say so
  ansible.builtin.assert:
    that: offerings.instance_classes | length > 0
'''

RETURN = r'''
instance_classes:
  description: The instance classes offered (sorted, each once).
  returned: always
  type: list
  elements: str
  sample: [db.t3.medium, db.t4g.medium]
offerings:
  description: The options as RDS describes them, in snake case.
  returned: always
  type: list
  elements: dict
  sample: [{engine: postgres, engine_version: "16.4", db_instance_class: db.t3.medium, storage_type: gp3, multi_az_capable: true}]
'''

from ansible.module_utils.common.dict_transformations import camel_dict_to_snake_dict
from ansible_collections.amazon.aws.plugins.module_utils.exceptions import AnsibleAWSError
from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.shoppulse.analytics.plugins.module_utils.aws import rds_offerings


def main():
    module = AnsibleAWSModule(
        argument_spec=dict(
            engine=dict(type='str', default='postgres'),
            engine_version=dict(type='str', required=True),
            instance_class=dict(type='str'),
        ),
        supports_check_mode=True,
    )
    client = module.client('rds')
    try:
        options = rds_offerings.orderable_options(client, module.params['engine'], module.params['engine_version'],
                                                  module.params['instance_class'])
    except AnsibleAWSError as exc:
        module.fail_json_aws_error(exc)
    module.exit_json(changed=False, instance_classes=rds_offerings.instance_classes(options),
                     offerings=[camel_dict_to_snake_dict(option) for option in options])


if __name__ == '__main__':
    main()
