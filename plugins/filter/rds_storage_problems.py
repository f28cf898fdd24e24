# -*- coding: utf-8 -*-
# Copyright (c) 2026, ShopPulse platform team
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The filter shoppulse.analytics.rds_storage_problems; its documentation is rds_storage_problems.yml, its logic
module_utils/aws/storage.py."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible.errors import AnsibleFilterError

from ansible_collections.shoppulse.analytics.plugins.module_utils.aws import storage


def rds_storage_problems(storage_type, allocated, iops=0, throughput=0):
    try:
        return storage.problems('%s' % storage_type, int(allocated), int(iops or 0), int(throughput or 0))
    except (TypeError, ValueError):
        raise AnsibleFilterError('rds_storage_problems takes a storage type and whole numbers (size, IOPS, throughput)')


class FilterModule(object):
    def filters(self):
        return dict(rds_storage_problems=rds_storage_problems)
