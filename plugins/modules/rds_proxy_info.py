#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) 2026, ShopPulse platform team
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
---
module: rds_proxy_info
short_description: Describe RDS Proxies, their default target group and targets
version_added: 0.1.0
description:
  - Returns one RDS Proxy, or all of them, with tags, the C(default) target group's connection
    pool settings and the registered targets.
author:
  - ShopPulse platform team (@shoppulse)
options:
  name:
    description: Name of the proxy; all proxies when omitted.
    type: str
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
attributes:
  check_mode:
    support: full
  diff_mode:
    support: none
  platform:
    platforms: posix
seealso:
  - module: shoppulse.analytics.rds_proxy
'''

EXAMPLES = r'''
- name: Read the ShopPulse proxy
  shoppulse.analytics.rds_proxy_info:
    name: shoppulse-analytics-proxy
  register: proxy_info

- name: Show its endpoint
  ansible.builtin.debug:
    msg: "{{ proxy_info.proxies[0].endpoint }}"
'''

RETURN = r'''
proxies:
  description: The proxies, each with C(tags), C(target_group) and C(targets); empty when none matches.
  returned: always
  type: list
  elements: dict
  sample:
    - db_proxy_name: shoppulse-analytics-proxy
      endpoint: shoppulse-analytics-proxy.proxy-abcdefghijkl.eu-west-1.rds.amazonaws.com
      require_tls: true
      status: available
      tags: {Project: shoppulse}
      target_group: {connection_pool_config: {max_connections_percent: 100, max_idle_connections_percent: 50}}
      targets: [{rds_resource_id: shoppulse-analytics, type: RDS_INSTANCE}]
'''

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.amazon.aws.plugins.module_utils.rds import AnsibleRDSError
from ansible_collections.shoppulse.analytics.plugins.module_utils.aws import rds_proxy as api


def main():
    module = AnsibleAWSModule(argument_spec=dict(name=dict(type='str')), supports_check_mode=True)
    client = module.client('rds')
    try:
        if module.params['name']:
            proxy = api.describe_proxy(client, module.params['name'])
            found = [proxy] if proxy else []
        else:
            found = api.describe_proxies(client)
        proxies = []
        for proxy in found:
            item, group, targets = api.describe_all(client, proxy)
            item.update(target_group=group, targets=targets)
            proxies.append(item)
    except AnsibleRDSError as exc:
        module.fail_json_aws_error(exc)
    module.exit_json(changed=False, proxies=proxies)


if __name__ == '__main__':
    main()
