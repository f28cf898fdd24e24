# -*- coding: utf-8 -*-
# Copyright (c) 2026, ShopPulse platform team
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What RDS offers in a region: DescribeOrderableDBInstanceOptions over a boto3 RDS client.

Plain Python on amazon.aws's helpers (AWSRetry, its RDSErrorHandler); the module
rds_instance_offerings_info is the Ansible glue.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.amazon.aws.plugins.module_utils.rds import RDSErrorHandler
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry

try:
    from typing import Any, Dict, List, Optional
except ImportError:  # pragma: no cover
    pass


@RDSErrorHandler.common_error_handler('describe orderable DB instance options')
@AWSRetry.jittered_backoff()
def orderable_options(client, engine, engine_version, instance_class=None):
    # type: (Any, str, str, Optional[str]) -> List[Dict[str, Any]]
    request = dict(Engine=engine, EngineVersion=engine_version)
    if instance_class:
        request['DBInstanceClass'] = instance_class
    paginator = client.get_paginator('describe_orderable_db_instance_options')
    return paginator.paginate(**request).build_full_result()['OrderableDBInstanceOptions']


def instance_classes(options):
    # type: (List[Dict[str, Any]]) -> List[str]
    return sorted(set(option['DBInstanceClass'] for option in options))
