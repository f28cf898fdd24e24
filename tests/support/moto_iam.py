# Copyright (c) 2026, ShopPulse platform team
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""moto_extension's corrections 12 to 14, for IAM authorization (INITIAL_NO_AUTH_ACTION_COUNT); their list and
reasons are in moto_extension's docstring. The evaluation of correction 14 is support/iam_evaluation.py, what an EC2
or RDS Proxy request is authorized against support/iam_requests.py; here is what moto's models tell them."""

import json
import os

from support import iam_evaluation, iam_requests

IAM_PREFIXES = {'monitoring': 'cloudwatch'}  # correction 12: a signing name -> the IAM prefix


def _parameter(request, name):
    """A request parameter, from the query string or form (IAM) or the JSON body (Secrets Manager)."""
    value = (request._data or {}).get(name)  # pylint: disable=protected-access
    if isinstance(value, list):
        value = value[0] if value else None
    if value is None and request._body:  # pylint: disable=protected-access
        try:
            value = json.loads(request._body).get(name)  # pylint: disable=protected-access
        except (ValueError, AttributeError):
            value = None
    return value


def _policy_documents(request):
    from moto.iam.access_control import IAMPolicy  # pylint: disable=import-outside-toplevel

    return [IAMPolicy(policy)._policy_json for policy in request._access_key.collect_policies()]  # pylint: disable=protected-access


def _flat(request):
    """The request's query or form parameters, one value each."""
    data = request._data or {}  # pylint: disable=protected-access
    return dict((key, value[0] if isinstance(value, list) and value else value) for key, value in data.items())


def _role_request(request, account, action):
    from moto.iam.models import iam_backends  # pylint: disable=import-outside-toplevel

    name = _parameter(request, 'RoleName')
    iam = iam_backends[account]['aws']
    role = next((r for r in iam.roles.values() if r.name == name), None)
    path = role.path if role else (_parameter(request, 'Path') or '/')
    context = {}
    boundary = _parameter(request, 'PermissionsBoundary') if action in (
        'iam:CreateRole', 'iam:PutRolePermissionsBoundary') else (role.permissions_boundary_arn if role else None)
    if boundary:
        context['iam:PermissionsBoundary'] = boundary
    return [(action, 'arn:aws:iam::%s:role%s%s' % (account, path, name), context)]


def _secret_request(request, account, action):
    from moto.secretsmanager.models import secretsmanager_backends  # pylint: disable=import-outside-toplevel

    secret_id = _parameter(request, 'SecretId')
    store = secretsmanager_backends[account][request._region].secrets  # pylint: disable=protected-access
    secret = store.get(secret_id) if secret_id in store else None
    if secret is None:
        return None  # moto answers ResourceNotFound, as AWS does to a caller that may describe it
    tags = dict((tag['Key'], tag['Value']) for tag in secret.tags or [])
    return [(action, secret.arn, iam_requests.resource_tags(tags, 'secretsmanager:ResourceTag'))]


def _ec2_request(request, account, action):
    from moto.ec2.models import ec2_backends  # pylint: disable=import-outside-toplevel

    region = request._region  # pylint: disable=protected-access
    backend = ec2_backends[account][region]
    params = _flat(request)
    if action == 'ec2:DisassociateRouteTable':  # AWS authorizes it on the route table and the subnet
        for table in backend.route_tables.values():
            subnet = table._associations.get(params.get('AssociationId'))  # pylint: disable=protected-access
            if subnet:
                params.update(RouteTableId=table.id, SubnetId=subnet)
    return iam_requests.ec2_requests(action, params, lambda resource: dict(backend.tags.get(resource, {})), region,
                                     account)


def _rds_proxy_request(request, account, action):
    from moto.rds.models import rds_backends  # pylint: disable=import-outside-toplevel

    region = request._region  # pylint: disable=protected-access
    backend = rds_backends[account][region]
    params = _flat(request)
    found = backend.db_proxies.get(params.get('DBProxyName'))
    proxy = iam_requests.rds_resource(found.arn, found.tags, 'db-proxy-tag') if found else None
    others = []
    if found and action in ('rds:RegisterDBProxyTargets', 'rds:DeregisterDBProxyTargets'):
        group = found.proxy_target_groups.get(params.get('TargetGroupName') or 'default')
        if group is not None:
            others.append((group.arn, {}))
        for name in iam_requests.values(params, 'DBInstanceIdentifiers.member'):
            instance = backend.databases.get(name)
            others.append(iam_requests.rds_resource(instance.arn, instance.tags, 'db-tag') if instance else (
                'arn:aws:rds:%s:%s:db:%s' % (region, account, name), {}))
    return iam_requests.rds_proxy_requests(action, params, region, account, proxy, others)


def _authorizations(request):
    """[(action, resource ARN, context)] that correction 14 evaluates a request as, or None (moto decides)."""
    account, action = request.account_id, request._action  # pylint: disable=protected-access
    if action in iam_evaluation.ROLE_ACTIONS:
        return _role_request(request, account, action)
    if action in iam_evaluation.SECRET_ACTIONS:
        return _secret_request(request, account, action)
    if action in iam_requests.EC2_ACTIONS:
        return _ec2_request(request, account, action)
    if action in iam_requests.RDS_PROXY_ACTIONS:
        return _rds_proxy_request(request, account, action)
    return None


def _evaluate_in_context(request):
    """True or False for a request correction 14 evaluates; None for the others (moto decides)."""
    found = _authorizations(request)
    if found is None:
        return None
    documents = _policy_documents(request)
    return all(iam_evaluation.permitted(documents, action, resource, context) for action, resource, context in found)


def apply():
    """Patch moto's IAM authorization in this process."""
    from moto.iam import access_control  # pylint: disable=import-outside-toplevel

    base = access_control.IAMRequestBase
    original_init, original_check = base.__init__, base.check_action_permitted

    def init(self, *args, **kwargs):
        original_init(self, *args, **kwargs)
        service, dummy, action = self._action.partition(':')  # pylint: disable=protected-access
        self._action = '%s:%s' % (IAM_PREFIXES.get(service, service), action)  # pylint: disable=protected-access

    def check_action_permitted(self, resource):
        log = os.environ.get('SHOPPULSE_MOTO_ACTION_LOG')
        outcome = 'denied'
        try:
            evaluated = _evaluate_in_context(self)  # correction 14
            if evaluated is None:
                original_check(self, resource)
            elif not evaluated:
                self._raise_access_denied()  # pylint: disable=protected-access
            outcome = 'allowed'
        finally:
            if log:
                with open(log, 'a') as handle:
                    handle.write('%s %s %s\n' % (self._access_key._access_key_id, self._action, outcome))  # pylint: disable=protected-access

    base.__init__ = init
    base.check_action_permitted = check_action_permitted

    statement = access_control.IAMPolicyStatement
    original_matches = statement._check_element_matches  # pylint: disable=protected-access

    def check_element_matches(self, element, value):
        if element in ('Resource', 'NotResource') and value == '*':  # correction 13
            return element == 'Resource'
        return original_matches(self, element, value)

    statement._check_element_matches = check_element_matches  # pylint: disable=protected-access
