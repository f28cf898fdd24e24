# -*- coding: utf-8 -*-
# Copyright (c) 2026, ShopPulse platform team
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
name: aws_connection
short_description: The AWS connection of the collection's roles and playbooks
version_added: 0.2.0
author: ShopPulse platform team (@shoppulse)
description:
  - Returns the connection options (O(region), O(endpoint_url), O(session_token)) that every AWS module and
    lookup the collection's roles and playbooks call is given, as one dictionary. It is the one place where
    the connection is put together.
  - >-
    The playbooks give it to every AWS module of the play, at play level, as the C(module_defaults) entry
    C(group/shoppulse.analytics.aws: "{{ lookup('shoppulse.analytics.aws_connection') }}"),
    and the roles pass it to the amazon.aws lookups they make (lookups take no C(module_defaults)).
  - A role used on its own reads the same inventory variables; give its play the same C(module_defaults) entry
    (see the example).
  - The environment is the controller's; the roles' AWS tasks run on the controller (C(localhost)).
options:
  region:
    description:
      - >-
        The AWS region. The first that is set wins: the inventory's C(shoppulse_aws_region);
        the C(AWS_REGION) environment variable, then C(AWS_DEFAULT_REGION), which amazon.aws's modules read
        when they are given no region; the region of the AWS profile (C(AWS_PROFILE), else C(default)) in the
        AWS config file, as botocore reads it; V(eu-west-1), the collection's built-in default.
    type: str
    vars:
      - name: shoppulse_aws_region
  endpoint_url:
    description:
      - The endpoint of an emulated AWS (a moto server) for tests; empty or unset for AWS itself, when the
        result has no C(endpoint_url) at all.
    type: str
    vars:
      - name: shoppulse_aws_endpoint_url
  session_token:
    description:
      - >-
        The token of temporary credentials. amazon.aws 10 reads it from C(AWS_SESSION_TOKEN) only, while the AWS
        credential of older AWX releases injects it as C(AWS_SECURITY_TOKEN); without the token temporary
        credentials are refused (C(The security token included in the request is invalid)), so both are read.
        Unset, the result has no C(session_token).
    type: str
    env:
      - name: AWS_SESSION_TOKEN
      - name: AWS_SECURITY_TOKEN
notes:
  - Nothing it returns is a credential except the session token, which amazon.aws's modules take as a
    C(no_log) option.
'''

EXAMPLES = r'''
- name: Provision the network with the collection's AWS connection
  hosts: localhost
  gather_facts: false
  module_defaults:
    group/shoppulse.analytics.aws: "{{ lookup('shoppulse.analytics.aws_connection') }}"
  tasks:
    - name: Show the region the roles will use
      ansible.builtin.debug:
        msg: "{{ lookup('shoppulse.analytics.aws_connection').region }}"

    - name: Call an amazon.aws lookup with the same connection
      ansible.builtin.debug:
        msg: "{{ lookup('amazon.aws.secretsmanager_secret', 'shoppulse-analytics/db-master', on_missing='skip',
                        **lookup('shoppulse.analytics.aws_connection')) | length }}"

    - name: The network
      ansible.builtin.import_role:
        name: shoppulse.analytics.network
'''

RETURN = r'''
_raw:
  description:
    - One dictionary with V(region) always, V(endpoint_url) and V(session_token) when they are set.
  type: list
  elements: dict
'''

import os

from ansible.plugins.lookup import LookupBase

DEFAULT_REGION = 'eu-west-1'
ENVIRONMENT = ('AWS_REGION', 'AWS_DEFAULT_REGION')


def profile_region():
    """The region of the current AWS profile in the AWS config file, as botocore reads it; None without one."""
    try:
        import botocore.session
    except ImportError:
        return None
    try:
        return botocore.session.Session().get_scoped_config().get('region') or None
    except Exception:  # pylint: disable=broad-except  # a missing or broken profile: no region from it
        return None


def resolve(configured=None, environ=None):
    """The first region set: the configured one, AWS_REGION, AWS_DEFAULT_REGION, the profile's, the default."""
    if configured:
        return configured
    environ = os.environ if environ is None else environ
    for name in ENVIRONMENT:
        if environ.get(name):
            return environ[name]
    return profile_region() or DEFAULT_REGION


def connection(region=None, endpoint_url=None, session_token=None, environ=None):
    """The options every AWS module and lookup is given: the region always, the others when set."""
    result = dict(region=resolve(region, environ))
    if endpoint_url:
        result['endpoint_url'] = endpoint_url
    if session_token:
        result['session_token'] = session_token
    return result


class LookupModule(LookupBase):
    def run(self, terms, variables=None, **kwargs):
        self.set_options(var_options=variables, direct=kwargs)
        # an option read from a variable is the variable's value as written: template it
        # (the local inventory's endpoint reads the emulated AWS's port from a file)
        region, endpoint_url = (self._templar.template(self.get_option(name)) for name in ('region', 'endpoint_url'))
        return [connection(region, endpoint_url, self.get_option('session_token'))]
