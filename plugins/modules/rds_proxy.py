#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) 2026, ShopPulse platform team
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
---
module: rds_proxy
short_description: Create, update or delete an RDS Proxy, its connection pool and its targets
version_added: 0.1.0
description:
  - Manages an RDS Proxy (authentication through Secrets Manager, TLS, idle client timeout,
    debug logging, IAM role, security groups and tags), the connection pool settings of its
    C(default) target group, and the DB instances registered as its targets.
  - Settings that AWS cannot change in place (engine family, subnets) fail the task with a clear
    message instead of silently recreating the proxy, because recreating changes its endpoint.
  - amazon.aws and community.aws have no module for RDS Proxy.
author:
  - ShopPulse platform team (@shoppulse)
options:
  name:
    description: Name of the proxy (DBProxyName).
    type: str
    required: true
  state:
    description: Whether the proxy should exist.
    type: str
    choices: [present, absent]
    default: present
  engine_family:
    description: Engine of the databases behind the proxy. Cannot be changed.
    type: str
    choices: [POSTGRESQL, MYSQL, SQLSERVER]
    default: POSTGRESQL
  auth:
    description: How the proxy authenticates to the database; one entry per Secrets Manager secret.
    type: list
    elements: dict
    suboptions:
      secret_arn:
        description: ARN of the secret holding a database user's credentials.
        type: str
        required: true
      auth_scheme:
        description: Authentication scheme.
        type: str
        choices: [SECRETS]
        default: SECRETS
      iam_auth:
        description: Whether clients must use IAM authentication.
        type: str
        choices: [DISABLED, REQUIRED, ENABLED]
        default: DISABLED
      client_password_auth_type:
        description: Password authentication between clients and the proxy.
        type: str
        choices: [POSTGRES_SCRAM_SHA_256, POSTGRES_MD5, MYSQL_NATIVE_PASSWORD, MYSQL_CACHING_SHA2_PASSWORD, SQL_SERVER_AUTHENTICATION]
      description:
        description: Description of the entry.
        type: str
  role_arn:
    description: IAM role that lets the proxy read the secrets. Required to create the proxy.
    type: str
  vpc_subnet_ids:
    description: Subnets of the proxy (at least two AZs). Required to create the proxy; cannot be changed.
    type: list
    elements: str
  vpc_security_group_ids:
    description: Security groups of the proxy.
    type: list
    elements: str
  require_tls:
    description:
      - Whether client connections must use TLS.
      - Left out, a proxy keeps its setting; a new proxy gets AWS's default (TLS not required).
    type: bool
  idle_client_timeout:
    description:
      - Seconds a client connection may stay idle before the proxy closes it (1 to 28800).
      - Left out, a proxy keeps its setting; a new proxy gets AWS's default (1800).
    type: int
  debug_logging:
    description:
      - Whether the proxy logs the SQL of the statements it forwards (costly; for troubleshooting).
      - Left out, a proxy keeps its setting; a new proxy gets AWS's default (off).
    type: bool
  connection_pool:
    description: Connection pool settings of the C(default) target group; settings left out are left as they are.
    type: dict
    suboptions:
      max_connections_percent:
        description: Share of the database's max_connections the proxy may open.
        type: int
      max_idle_connections_percent:
        description: Share of the database's max_connections the proxy may keep idle.
        type: int
      connection_borrow_timeout:
        description: Seconds a client waits for a connection from the pool.
        type: int
      session_pinning_filters:
        description: Statements not to pin a session for.
        type: list
        elements: str
      init_query:
        description: SQL run on each new database connection.
        type: str
  db_instance_identifiers:
    description:
      - DB instances registered as the targets of the C(default) target group; others are deregistered.
      - Targets are left as they are when omitted.
    type: list
    elements: str
  wait:
    description:
      - Wait until the proxy is available (or deleted), and, when O(db_instance_identifiers) is given, until each of
        those DB instances is an C(AVAILABLE) target; the proxy answers through a target only then (on AWS, minutes
        after it is registered).
      - A run that was stopped while it waited waits again, registering nothing twice.
    type: bool
    default: true
  wait_timeout:
    description: Seconds to wait, for the proxy and for its targets each.
    type: int
    default: 900
  wait_delay:
    description: Seconds between two checks while waiting.
    type: float
    default: 10
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
seealso:
  - module: shoppulse.analytics.rds_proxy_info
  - module: amazon.aws.rds_instance
'''

EXAMPLES = r'''
- name: RDS Proxy in front of the ShopPulse database, TLS required
  shoppulse.analytics.rds_proxy:
    name: shoppulse-analytics-proxy
    auth:
      - secret_arn: "{{ secret.secret.arn }}"
        client_password_auth_type: POSTGRES_SCRAM_SHA_256
    role_arn: "{{ proxy_role.iam_role.arn }}"
    vpc_subnet_ids: "{{ isolated_subnet_ids }}"
    vpc_security_group_ids: ["{{ proxy_sg.group_id }}"]
    require_tls: true
    idle_client_timeout: 1800
    connection_pool:
      max_connections_percent: 100
      max_idle_connections_percent: 50
    db_instance_identifiers: [shoppulse-analytics]
    tags:
      Project: shoppulse

- name: Delete it
  shoppulse.analytics.rds_proxy:
    name: shoppulse-analytics-proxy
    state: absent
'''

RETURN = r'''
proxy:
  description: The proxy as RDS describes it (empty when absent).
  returned: always
  type: dict
  contains:
    db_proxy_name:
      description: Name of the proxy.
      type: str
      sample: shoppulse-analytics-proxy
    db_proxy_arn:
      description: ARN of the proxy.
      type: str
      sample: arn:aws:rds:eu-west-1:123456789012:db-proxy:prx-0123456789abcdef0
    endpoint:
      description: Host name clients connect to.
      type: str
      sample: shoppulse-analytics-proxy.proxy-abcdefghijkl.eu-west-1.rds.amazonaws.com
    status:
      description: Status of the proxy.
      type: str
      sample: available
    require_tls:
      description: Whether TLS is required.
      type: bool
      sample: true
    idle_client_timeout:
      description: Idle client timeout in seconds.
      type: int
      sample: 1800
    tags:
      description: Tags of the proxy.
      type: dict
      sample: {Project: shoppulse}
target_group:
  description: The C(default) target group, with its connection pool settings.
  returned: when state is present
  type: dict
  sample: {target_group_name: default, connection_pool_config: {max_connections_percent: 100, max_idle_connections_percent: 50}}
targets:
  description: The registered targets.
  returned: when state is present
  type: list
  elements: dict
  sample: [{rds_resource_id: shoppulse-analytics, type: RDS_INSTANCE, port: 5432}]
'''

from ansible_collections.amazon.aws.plugins.module_utils.exceptions import AnsibleAWSError
from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.amazon.aws.plugins.module_utils.tagging import ansible_dict_to_boto3_tag_list
from ansible_collections.shoppulse.analytics.plugins.module_utils.aws import rds_proxy as api


def described(client, name):
    proxy = api.describe_proxy(client, name)
    return api.describe_all(client, proxy) if proxy else ({}, {}, [])


def ensure_absent(module, client, params):
    proxy = api.describe_proxy(client, params['name'])
    if not proxy:
        module.exit_json(changed=False, proxy={})
    if not module.check_mode:
        if proxy.get('Status') != 'deleting':
            api.delete_proxy(client, params['name'])
        if params['wait']:
            api.wait_for_status(client, params['name'], None, params['wait_timeout'], sleep=params['wait_delay'])
    module.exit_json(changed=True, proxy={})


def ensure_present(module, client, params):
    name = params['name']
    changed = False
    proxy = api.describe_proxy(client, name)
    if proxy is None:
        missing = [option for option in ('auth', 'role_arn', 'vpc_subnet_ids') if not params[option]]
        if missing:
            module.fail_json(msg='creating DB proxy %s needs %s' % (name, ', '.join(missing)))
        if module.check_mode:
            module.exit_json(changed=True, proxy={}, target_group={}, targets=[])
        request = api.create_request(params)
        if params['tags']:
            request['Tags'] = ansible_dict_to_boto3_tag_list(params['tags'])
        proxy = api.create_proxy(client, **request)
        changed = True
    else:
        immutable = api.immutable_differences(proxy, params)
        if immutable:
            module.fail_json(msg='DB proxy %s exists with a different %s, which AWS cannot change in place; '
                                 'delete it (state=absent) to recreate it, which changes its endpoint'
                                 % (name, ' and '.join(immutable)))
        request = api.modify_request(proxy, params)
        if request:
            changed = True
            if not module.check_mode:
                proxy = api.modify_proxy(client, **request)
        changed |= api.ensure_tags(client, proxy['DBProxyArn'], params['tags'], params['purge_tags'], module.check_mode)

    pool = api.pool_request(api.describe_target_group(client, name), params['connection_pool'])
    targets = api.describe_targets(client, name)
    register, deregister = api.target_changes(targets, params['db_instance_identifiers'])
    if module.check_mode:
        module.exit_json(changed=changed or bool(pool or register or deregister),
                         **dict(zip(('proxy', 'target_group', 'targets'), described(client, name))))
    if (pool or register or deregister or params['wait']) and proxy.get('Status') != 'available':
        proxy = api.wait_for_status(client, name, 'available', params['wait_timeout'], sleep=params['wait_delay'])
    if pool:
        api.modify_target_group(client, name, pool)
        changed = True
    if deregister:
        api.deregister_targets(client, name, deregister)
        changed = True
    if register:
        api.register_targets(client, name, register)
        changed = True
    if params['wait'] and params['db_instance_identifiers']:
        api.wait_for_targets(client, name, params['db_instance_identifiers'], params['wait_timeout'],
                             sleep=params['wait_delay'], targets=None if register or deregister else targets)
    result = dict(zip(('proxy', 'target_group', 'targets'), described(client, name)))
    module.exit_json(changed=changed, **result)


def main():
    module = AnsibleAWSModule(
        argument_spec=dict(
            name=dict(type='str', required=True),
            state=dict(type='str', choices=['present', 'absent'], default='present'),
            engine_family=dict(type='str', choices=['POSTGRESQL', 'MYSQL', 'SQLSERVER'], default='POSTGRESQL'),
            auth=dict(type='list', elements='dict', no_log=False, options=dict(
                secret_arn=dict(type='str', required=True, no_log=False),
                auth_scheme=dict(type='str', choices=['SECRETS'], default='SECRETS'),
                iam_auth=dict(type='str', choices=['DISABLED', 'REQUIRED', 'ENABLED'], default='DISABLED'),
                client_password_auth_type=dict(type='str', choices=[
                    'POSTGRES_SCRAM_SHA_256', 'POSTGRES_MD5', 'MYSQL_NATIVE_PASSWORD', 'MYSQL_CACHING_SHA2_PASSWORD',
                    'SQL_SERVER_AUTHENTICATION']),
                description=dict(type='str'),
            )),
            role_arn=dict(type='str'),
            vpc_subnet_ids=dict(type='list', elements='str'),
            vpc_security_group_ids=dict(type='list', elements='str'),
            require_tls=dict(type='bool'),
            idle_client_timeout=dict(type='int'),
            debug_logging=dict(type='bool'),
            connection_pool=dict(type='dict', options=dict(
                max_connections_percent=dict(type='int'),
                max_idle_connections_percent=dict(type='int'),
                connection_borrow_timeout=dict(type='int'),
                session_pinning_filters=dict(type='list', elements='str'),
                init_query=dict(type='str'),
            )),
            db_instance_identifiers=dict(type='list', elements='str'),
            tags=dict(type='dict', aliases=['resource_tags']),
            purge_tags=dict(type='bool', default=True),
            wait=dict(type='bool', default=True),
            wait_timeout=dict(type='int', default=900),
            wait_delay=dict(type='float', default=10),
        ),
        supports_check_mode=True,
    )
    client = module.client('rds')
    try:
        if module.params['state'] == 'absent':
            ensure_absent(module, client, module.params)
        ensure_present(module, client, module.params)
    except AnsibleAWSError as exc:
        module.fail_json_aws_error(exc)


if __name__ == '__main__':
    main()
