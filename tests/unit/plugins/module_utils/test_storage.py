# Copyright (c) 2026, ShopPulse platform team
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Storage settings RDS for PostgreSQL refuses, each named (plugins/module_utils/aws/storage.py): one fault at a time."""

import pytest

from ansible_collections.shoppulse.analytics.plugins.module_utils.aws import storage


@pytest.mark.parametrize('settings', [
    ('gp3', 100, 0, 0), ('gp3', 400, 12000, 500), ('gp3', 1000, 64000, 4000), ('gp2', 100, 0, 0),
    ('io1', 100, 1000, 0), ('io1', 1000, 50000, 0), ('io2', 100, 100000, 0), ('gp3', 20, 0, 0),
])
def test_what_rds_takes_passes(settings):
    assert storage.problems(*settings) == []


@pytest.mark.parametrize('settings, named', [
    (('gp3', 19, 0, 0), 'database_allocated_storage 19: gp3 storage is 20 to 65536 GiB'),
    (('io1', 50, 1000, 0), 'database_allocated_storage 50: io1 storage is 100 to 65536 GiB'),
    (('gp2', 100, 3000, 0), 'gp2 storage takes neither'),
    (('gp3', 100, 12000, 0), 'gp3 storage below 400 GiB has its baseline'),
    (('gp3', 100, 0, 500), 'gp3 storage below 400 GiB has its baseline'),
    (('gp3', 400, 3000, 0), 'database_iops 3000: gp3 takes 12000 to 64000'),
    (('gp3', 400, 0, 125), 'database_storage_throughput 125: gp3 takes 500 to 4000 MiB/s'),
    (('io1', 100, 0, 0), 'database_iops 0: io1 storage needs 1000 to 256000'),
    (('io1', 100, 6000, 0), 'database_iops 6000: io1 takes 0.5 to 50 IOPS per GiB (50 to 5000 for 100 GiB)'),
    (('io2', 4000, 1000, 0), 'database_iops 1000: io2 takes 0.5 to 1000 IOPS per GiB (2000 to 4000000 for 4000 GiB)'),
    (('io2', 100, 1000, 500), 'database_storage_throughput: io2 storage takes none'),
])
def test_each_fault_is_named(settings, named):
    found = storage.problems(*settings)
    assert len(found) == 1 and named in found[0], found
