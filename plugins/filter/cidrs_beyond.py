# -*- coding: utf-8 -*-
# Copyright (c) 2026, ShopPulse platform team
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The filter shoppulse.analytics.cidrs_beyond; its documentation is cidrs_beyond.yml, its logic module_utils/networks.py."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible.errors import AnsibleFilterError
from ansible.module_utils.common.collections import is_sequence

from ansible_collections.shoppulse.analytics.plugins.module_utils.aws import networks


def cidrs_beyond(cidrs, private, name='cidrs', within='the private ranges'):
    if not is_sequence(cidrs) or not is_sequence(private):
        raise AnsibleFilterError('cidrs_beyond takes a list of CIDRs and a list of ranges, not %s and %s'
                                 % (type(cidrs).__name__, type(private).__name__))
    return networks.beyond(list(cidrs), list(private), '%s' % name, '%s' % within)


class FilterModule(object):
    def filters(self):
        return dict(cidrs_beyond=cidrs_beyond)
