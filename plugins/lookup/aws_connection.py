# -*- coding: utf-8 -*-
# Copyright (c) 2026, ShopPulse platform team
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
name: aws_region
short_description: The AWS region the provisioning roles use
version_added: 0.2.0
author: ShopPulse platform team (@shoppulse)
description:
  - Returns the region the collection's roles pass to every AWS module and lookup, chosen in this order,
    the first that is set winning
  - the term given (the inventory's C(shoppulse_aws_region), as the roles pass it);
  - the C(AWS_REGION) environment variable, then C(AWS_DEFAULT_REGION), which amazon.aws's modules read
    when they are given no region;
  - the region of the AWS profile (C(AWS_PROFILE), else C(default)) in the AWS config file, as botocore
    reads it;
  - V(eu-west-1), the collection's built-in default.
  - The environment is the controller's; the roles' AWS tasks run on the controller (C(localhost)).
options:
  _terms:
    description:
      - The configured region, if any. An empty string or no term means not configured.
    required: false
    type: list
    elements: str
notes:
  - The roles use it as C(lookup('shoppulse.analytics.aws_region', shoppulse_aws_region | default(''))), so a
    region set in the inventory always wins, and a run with no region anywhere still has one.
'''

EXAMPLES = r'''
- name: Show the region the roles will use
  ansible.builtin.debug:
    msg: "{{ lookup('shoppulse.analytics.aws_region', shoppulse_aws_region | default('')) }}"
'''

RETURN = r'''
_raw:
  description: The region, one string.
  type: list
  elements: str
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


class LookupModule(LookupBase):
    def run(self, terms, variables=None, **kwargs):
        configured = next((term for term in terms or [] if term), None)
        return [resolve(configured)]
