# -*- coding: utf-8 -*-
# Copyright (c) 2026, ShopPulse platform team
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The filter shoppulse.analytics.rds_upgrade_refusal; its documentation is rds_upgrade_refusal.yml, its logic
module_utils/aws/upgrade_path.py."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible.errors import AnsibleFilterError

from ansible_collections.shoppulse.analytics.plugins.module_utils.aws import upgrade_path


def rds_upgrade_refusal(current, target, valid_targets, major_allowed=True):
    try:
        return upgrade_path.refusal('%s' % current, '%s' % target, list(valid_targets or []), bool(major_allowed)) or ''
    except (TypeError, ValueError, AttributeError):
        raise AnsibleFilterError('rds_upgrade_refusal takes two versions such as 15.10 and the list of ValidUpgradeTarget')


class FilterModule(object):
    def filters(self):
        return dict(rds_upgrade_refusal=rds_upgrade_refusal)
