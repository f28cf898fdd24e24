# Copyright (c) 2026, ShopPulse platform team
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Creates that AWS makes idempotent by a client token (issue 39): where the collection relies on botocore's."""

import boto3
import pytest


def test_botocore_gives_each_nat_gateway_and_route_table_create_a_client_token_of_its_own():
    """The NAT gateway is created by amazon.aws's ec2_vpc_nat_gateway without a client_token (amazon.aws 11 fails
    on one): the token that makes an SDK retry of a lost answer create one gateway is botocore's, which it fills in
    for every member the API marks an idempotency token. This fails if a botocore of the range stops doing so."""
    client = boto3.client('ec2', region_name='eu-west-1', aws_access_key_id='testing', aws_secret_access_key='testing')
    seen = []

    class Sent(Exception):
        pass

    def capture(request, **kwargs):
        seen.append(request.body.decode() if isinstance(request.body, bytes) else request.body)
        raise Sent()

    client.meta.events.register('before-send.ec2.*', capture)
    for call in (lambda: client.create_nat_gateway(SubnetId='subnet-1', AllocationId='eipalloc-1'),
                 lambda: client.create_route_table(VpcId='vpc-1')):
        with pytest.raises(Sent):
            call()
    tokens = [[part for part in body.split('&') if part.startswith('ClientToken=')] for body in seen]
    assert [len(t) for t in tokens] == [1, 1] and tokens[0] != tokens[1], tokens
