# Copyright (c) 2026, ShopPulse platform team
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Test-only corrections that make moto answer as AWS does, where the collection's tests meet a difference.

The idempotence tests against the emulated AWS are strict (a second run must report no change);
where moto differs from AWS, the difference is corrected here, in moto, and documented, rather than
the assertion being weakened. Each correction names the AWS behaviour it restores.

1. EC2 DescribeTags reports a NAT gateway's tags with ResourceType "natgateway" and a flow log's with
   "vpc-flow-log" (the values DescribeTags takes as a resource-type filter). moto says "nat-gateway"
   and "flow-logs", so amazon.aws's ensure_ec2_tags, which filters by type, finds no tag and adds the
   tags again on every run.
2. RDS DescribeDBParameterGroups for a name that does not exist fails with DBParameterGroupNotFound;
   moto answers an empty list, on which amazon.aws.rds_instance_param_group fails (IndexError).
"""

from moto.ec2 import utils as ec2_utils
from moto.ec2.models import tags as ec2_tags
from moto.rds import models as rds_models

AWS_TAG_RESOURCE_TYPES = {'nat': 'natgateway', 'fl': 'vpc-flow-log'}


def apply():
    """Patch the moto modules in this process (call before the server starts)."""
    for mapping in (ec2_utils.EC2_PREFIX_TO_RESOURCE, ec2_tags.EC2_PREFIX_TO_RESOURCE):
        mapping.update(AWS_TAG_RESOURCE_TYPES)

    original = rds_models.RDSBackend.describe_db_parameter_groups

    def describe_db_parameter_groups(self, db_parameter_group_kwargs):
        groups = original(self, db_parameter_group_kwargs)
        name = db_parameter_group_kwargs.get('db_parameter_group_name')
        if name and not groups:
            raise rds_models.DBParameterGroupNotFoundError(name)
        return groups

    rds_models.RDSBackend.describe_db_parameter_groups = describe_db_parameter_groups
