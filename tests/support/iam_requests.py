# Copyright (c) 2026, ShopPulse platform team
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What AWS authorizes an EC2 or RDS Proxy request against (moto_extension's correction 14): each resource it
acts on, with the condition keys AWS gives for it, from the request's parameters and the tags of what it names.

As the Service Authorization Reference documents it for these actions:
- a request is authorized once per resource it acts on (CreateSubnet: the new subnet and the VPC it goes in),
  and allowed only when every one of them is;
- a resource that exists has its tags as ec2:ResourceTag/<key> and aws:ResourceTag/<key> (rds:db-proxy-tag/<key>
  and rds:db-tag/<key> for RDS); one the request creates has the ARN of its type with "*" for its id;
- the tags the request gives (TagSpecifications of a create, the tags of CreateTags, of CreateDBProxy) are
  aws:RequestTag/<key> for every resource of the request;
- a create that tags on creation is also authorized as ec2:CreateTags on the new resource, with ec2:CreateAction
  naming the create.
aws:TagKeys (a key of several values) is not given: no policy of the collection uses it.

Plain Python (the moto glue is in moto_iam.py), so that it is tested on its own: tests/unit/test_iam_evaluation.py.
"""

import re

EC2_TYPES = {'vpc': 'vpc', 'subnet': 'subnet', 'sg': 'security-group', 'rtb': 'route-table',
             'igw': 'internet-gateway', 'eipalloc': 'elastic-ip', 'nat': 'natgateway', 'fl': 'vpc-flow-log',
             'eni': 'network-interface'}
_SECURITY_GROUP = (None, ('GroupId',))
# action -> (the type of the resource it creates, or None; the parameters naming the resources it acts on)
EC2_ACTIONS = {
    'ec2:CreateVpc': ('vpc', ()),
    'ec2:CreateSubnet': ('subnet', ('VpcId',)),
    'ec2:CreateInternetGateway': ('internet-gateway', ()),
    'ec2:CreateRouteTable': ('route-table', ('VpcId',)),
    'ec2:CreateSecurityGroup': ('security-group', ('VpcId',)),
    'ec2:AllocateAddress': ('elastic-ip', ()),
    'ec2:CreateNatGateway': ('natgateway', ('SubnetId', 'AllocationId')),
    'ec2:CreateFlowLogs': ('vpc-flow-log', ('ResourceId',)),
    'ec2:AttachInternetGateway': (None, ('InternetGatewayId', 'VpcId')),
    'ec2:DetachInternetGateway': (None, ('InternetGatewayId', 'VpcId')),
    'ec2:AssociateRouteTable': (None, ('RouteTableId', 'SubnetId')),
    'ec2:DisassociateRouteTable': (None, ('RouteTableId', 'SubnetId')),  # the glue finds them by AssociationId
    'ec2:CreateRoute': (None, ('RouteTableId',)),
    'ec2:ModifyVpcAttribute': (None, ('VpcId',)),
    'ec2:AuthorizeSecurityGroupIngress': _SECURITY_GROUP,
    'ec2:AuthorizeSecurityGroupEgress': _SECURITY_GROUP,
    'ec2:RevokeSecurityGroupIngress': _SECURITY_GROUP,
    'ec2:RevokeSecurityGroupEgress': _SECURITY_GROUP,
    'ec2:CreateTags': (None, ('ResourceId',)),
    'ec2:DeleteVpc': (None, ('VpcId',)),
    'ec2:DeleteSubnet': (None, ('SubnetId',)),
    'ec2:DeleteInternetGateway': (None, ('InternetGatewayId',)),
    'ec2:DeleteRouteTable': (None, ('RouteTableId',)),
    'ec2:DeleteSecurityGroup': _SECURITY_GROUP,
    'ec2:DeleteNatGateway': (None, ('NatGatewayId',)),
    'ec2:ReleaseAddress': (None, ('AllocationId',)),
    'ec2:DeleteFlowLogs': (None, ('FlowLogId',)),
}
# RDS Proxy: CreateDBProxy creates, the others act on the proxy DBProxyName names (and Register/Deregister on its
# target group and the instances they name)
RDS_PROXY_ACTIONS = ('rds:CreateDBProxy', 'rds:ModifyDBProxy', 'rds:DeleteDBProxy', 'rds:RegisterDBProxyTargets',
                     'rds:DeregisterDBProxyTargets')
ACTIONS = tuple(EC2_ACTIONS) + RDS_PROXY_ACTIONS


def values(params, name):
    """A parameter's values: ``name`` itself, or its members ``name.1``, ``name.2``... (EC2's query lists)."""
    if params.get(name):
        return [params[name]]
    found = [(int(key.rsplit('.', 1)[1]), value) for key, value in params.items()
             if re.match(r'^%s\.\d+$' % re.escape(name), key)]
    return [value for dummy, value in sorted(found)]


def request_tags(params):
    """The tags a request gives: EC2's TagSpecification.N.Tag.M and Tag.N, RDS's Tags.member.N (or Tags.Tag.N)."""
    pairs = {}
    for key, value in params.items():
        match = re.match(r'^((?:TagSpecification\.\d+\.)?Tag|Tags\.(?:member|Tag))\.(\d+)\.(Key|Value)$', key)
        if match:
            pairs.setdefault((match.group(1), match.group(2)), {})[match.group(3)] = value
    return dict((pair['Key'], pair.get('Value', '')) for pair in pairs.values() if 'Key' in pair)


def resource_tags(tags, service_key):
    """The condition keys of a resource's tags ({key: value}): aws:ResourceTag/<key> and <service_key>/<key>
    (ec2:ResourceTag, secretsmanager:ResourceTag, rds:db-proxy-tag...)."""
    context = {}
    for key, value in tags.items():
        context['aws:ResourceTag/%s' % key] = value
        context['%s/%s' % (service_key, key)] = value
    return context


def _with_request_tags(context, tags):
    for key, value in tags.items():
        context['aws:RequestTag/%s' % key] = value
    return context


def ec2_arn(region, account, resource_id):
    kind = EC2_TYPES.get(resource_id.split('-', 1)[0], 'unknown')
    return 'arn:aws:ec2:%s:%s:%s/%s' % (region, account, kind, resource_id)


def ec2_requests(action, params, tags_of, region, account):
    """[(action, resource ARN, context)] that AWS authorizes ``action`` with, or None for an action not listed.
    ``tags_of(resource id)`` answers a resource's tags ({key: value})."""
    if action not in EC2_ACTIONS:
        return None
    creates, naming = EC2_ACTIONS[action]
    tags = request_tags(params)
    found = []
    if creates:
        new = 'arn:aws:ec2:%s:%s:%s/*' % (region, account, creates)
        found.append((action, new, _with_request_tags({}, tags)))
        if tags:
            found.append(('ec2:CreateTags', new, _with_request_tags({'ec2:CreateAction': action.split(':', 1)[1]}, tags)))
    for name in naming:
        for resource_id in values(params, name):
            context = _with_request_tags(resource_tags(tags_of(resource_id), 'ec2:ResourceTag'), tags)
            found.append((action, ec2_arn(region, account, resource_id), context))
    return found


def rds_resource(arn, tags, service_key):
    """(ARN, context) of an RDS resource that exists, with its tags ([{Key, Value}])."""
    return arn, resource_tags(dict((tag['Key'], tag['Value']) for tag in tags or []), 'rds:' + service_key)


def rds_proxy_requests(action, params, region, account, proxy, others=()):
    """[(action, resource ARN, context)] for an RDS Proxy action, or None for another action. ``proxy`` is the
    (ARN, context) of the proxy DBProxyName names (None: it does not exist, and RDS answers that), ``others``
    those of the target group and instances a Register/Deregister names."""
    if action not in RDS_PROXY_ACTIONS:
        return None
    tags = request_tags(params)
    if action == 'rds:CreateDBProxy':
        return [(action, 'arn:aws:rds:%s:%s:db-proxy:*' % (region, account), _with_request_tags({}, tags))]
    if proxy is None:
        return None
    return [(action, arn, _with_request_tags(dict(context), tags)) for arn, context in [proxy] + list(others)]
