# -*- coding: utf-8 -*-
# Copyright (c) 2026, ShopPulse platform team
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What RDS for PostgreSQL takes as an instance's storage (issue 42), checked before anything is created or changed.

From the RDS user guide ("Amazon RDS DB instance storage") and CreateDBInstance's constraints: gp2 has neither
provisioned IOPS nor throughput; gp3 below 400 GiB has its baseline (3,000 IOPS, 125 MiB/s) and takes neither,
from 400 GiB it takes 12,000 to 64,000 IOPS and 500 to 4,000 MiB/s; io1 and io2 need IOPS, 1,000 to 256,000, at
most 50 (io1) or 1,000 (io2) per GiB and at least half as many as GiB, and take no throughput. Sizes: 20 to 65,536
GiB (io1 and io2 from 100). 0 stands for "not given" (the baseline). Plain Python; no Ansible.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

try:
    from typing import List
except ImportError:  # pragma: no cover
    pass

GP3_PROVISIONED_FROM = 400
GP3_IOPS = (12000, 64000)
GP3_THROUGHPUT = (500, 4000)
PROVISIONED_IOPS = (1000, 256000)
IOPS_PER_GIB = {'io1': 50, 'io2': 1000}
SMALLEST = {'gp2': 20, 'gp3': 20, 'io1': 100, 'io2': 100}
LARGEST = 65536


def _within(value, bounds):
    # type: (int, tuple) -> bool
    return bounds[0] <= value <= bounds[1]


def problems(storage_type, allocated, iops=0, throughput=0):
    # type: (str, int, int, int) -> List[str]
    """One sentence per setting RDS would refuse, naming the role's variables; [] when RDS takes them."""
    found = []
    allocated, iops, throughput = int(allocated or 0), int(iops or 0), int(throughput or 0)
    smallest = SMALLEST.get(storage_type, 20)
    if not smallest <= allocated <= LARGEST:
        found.append('database_allocated_storage %d: %s storage is %d to %d GiB' % (allocated, storage_type, smallest, LARGEST))
    if storage_type == 'gp2':
        if iops or throughput:
            found.append('database_iops and database_storage_throughput: gp2 storage takes neither (gp3 or io1/io2 do)')
    elif storage_type == 'gp3':
        if (iops or throughput) and allocated < GP3_PROVISIONED_FROM:
            found.append('database_iops and database_storage_throughput: gp3 storage below %d GiB has its baseline '
                         '(3000 IOPS, 125 MiB/s) and takes neither (database_allocated_storage is %d)'
                         % (GP3_PROVISIONED_FROM, allocated))
        else:
            if iops and not _within(iops, GP3_IOPS):
                found.append('database_iops %d: gp3 takes %d to %d' % ((iops,) + GP3_IOPS))
            if throughput and not _within(throughput, GP3_THROUGHPUT):
                found.append('database_storage_throughput %d: gp3 takes %d to %d MiB/s' % ((throughput,) + GP3_THROUGHPUT))
    elif storage_type in IOPS_PER_GIB:
        if not _within(iops, PROVISIONED_IOPS):
            found.append('database_iops %d: %s storage needs %d to %d' % ((iops, storage_type) + PROVISIONED_IOPS))
        elif allocated and not allocated / 2.0 <= iops <= allocated * IOPS_PER_GIB[storage_type]:
            found.append('database_iops %d: %s takes 0.5 to %d IOPS per GiB (%d to %d for %d GiB)' % (
                iops, storage_type, IOPS_PER_GIB[storage_type], (allocated + 1) // 2,
                allocated * IOPS_PER_GIB[storage_type], allocated))
        if throughput:
            found.append('database_storage_throughput: %s storage takes none (gp3 does)' % storage_type)
    return found
