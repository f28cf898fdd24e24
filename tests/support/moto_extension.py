# Copyright (c) 2026, ShopPulse platform team
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Corrections that make moto answer as AWS does, where the collection's tests and `make site` meet a difference.

The idempotence tests against the emulated AWS are strict (a second run must report no change);
where moto differs from AWS, the difference is corrected here, in moto, and documented, rather than
the assertion being weakened. Each correction names the AWS behaviour it restores.

1. EC2 DescribeTags reports a NAT gateway's tags with ResourceType "natgateway" and a flow log's with
   "vpc-flow-log" (the values DescribeTags takes as a resource-type filter). moto says "nat-gateway"
   and "flow-logs", so amazon.aws's ensure_ec2_tags, which filters by type, finds no tag and adds the
   tags again on every run.
2. RDS DescribeDBParameterGroups for a name that does not exist fails with DBParameterGroupNotFound;
   moto answers an empty list, on which amazon.aws.rds_instance_param_group fails (IndexError).
3. RDS DescribeDBInstances reports PerformanceInsightsEnabled, PerformanceInsightsRetentionPeriod and
   PerformanceInsightsKMSKeyId as set by CreateDBInstance and ModifyDBInstance; moto does not store them,
   so amazon.aws.rds_instance asks to enable Performance Insights on every run.
4. A gp3 instance has a StorageThroughput and Iops even when the request named none: the gp3 baseline,
   125 MiB/s and 3000 IOPS below 400 GiB for PostgreSQL, 500 MiB/s and 12000 IOPS from 400 GiB. moto
   leaves them out, and amazon.aws.rds_instance fails on the second run (KeyError 'StorageThroughput').
5. A new DB parameter group holds its family's engine-default parameters: support/moto_rds_parameters.py.
6. An RDS Proxy endpoint is <proxy name>.proxy-<id>.<region>.rds.amazonaws.com, where <id> belongs to the
   account and region (as the <id> of instance endpoints does), so the endpoints of one account share a
   domain. moto names it <proxy name>.db-proxy-<random per proxy>...; with the fixed PROXY_ENDPOINT_ID
   here, the local server of `make site` can hold a certificate for *.proxy-<id>.<region>.rds.amazonaws.com
   (see proxy_domain) and be verified as the proxy is, with verify-full.
7. RDS ModifyDBProxy changes a proxy's RequireTLS, IdleClientTimeout, DebugLogging, RoleArn, Auth and
   security groups in place. moto has no ModifyDBProxy (it answers 500, NotImplementedError), so a
   setting that differs could never be corrected and its test could not run.
8. RDS answers DescribeDBEngineVersions and DescribeOrderableDBInstanceOptions for PostgreSQL with the
   versions it offers and, for each, the instance classes the region offers. moto knows no PostgreSQL
   version (DescribeDBEngineVersions is missing, DescribeOrderableDBInstanceOptions answers an empty list
   and ignores DBInstanceClass), so the database role's check of what RDS offers would refuse everything.
   POSTGRES_OFFERED stands in for RDS's catalogue: it is the emulator's, not a copy of RDS's, and holds the
   versions and classes the tests and inventories use. A test takes a class out of a region with the JSON
   file named by SHOPPULSE_MOTO_RDS_UNOFFERED ({"region": ["db.class", ...]}), read on each call.
9. EC2 DeleteSecurityGroup refuses a group that a rule of another group refers to (DependencyViolation,
   "resource sg-... has a dependent object"). moto deletes it, so a teardown that removed the groups in
   an order AWS refuses (the proxy's, while the applications' egress still names it) passed here.
10. Secrets Manager GetSecretValue without a version answers the version that holds AWSCURRENT, also
    after UpdateSecretVersionStage moved AWSCURRENT to another version (as a rotation does). moto keeps
    answering the version that was current before (its default version is not moved), so a client that
    reads a rotated secret as applications do would still get the old password.
11. The master secret RDS manages (ManageMasterUserPassword) holds the instance's master username and a
    password the instance accepts, and a change of its KMS key (MasterUserSecretKmsKeyId on an instance
    whose password RDS already manages) re-encrypts that secret, whose ARN stays. moto's holds
    {"username": "admin", "password": "P@55w0rd!"} whatever the instance, and a new KMS key makes a new
    secret (the old one left behind). Here the password is the one in the file SHOPPULSE_MOTO_MASTER_PASSWORD_FILE
    names, the local server's (as the instance would accept RDS's), else a generated one.

Three corrections for IAM authorization (INITIAL_NO_AUTH_ACTION_COUNT), where moto evaluates a policy:
12. An API action is named in IAM by its service's prefix: CloudWatch's are cloudwatch:PutMetricAlarm and so on.
    moto names it by the endpoint's signing name, monitoring:PutMetricAlarm, which no policy names.
13. AWS evaluates a statement's Resource against the resource the request acts on. moto knows that resource
    only for IAM roles, SQS and STS, and evaluates every other request as on the resource "*", which no
    scoped statement matches: there, a statement's Resource is taken as matching, and only its actions
    decide. (The resources of the collection's policies are checked by tests/integration/test_iam_policy.py.)
14. For the requests whose safety rests on a resource or a condition (iam:CreateRole and the other actions on a
    role, by the role it names; Secrets Manager's actions, by the secret), the request is evaluated as AWS
    documents it, with its resource and the condition keys AWS gives it (iam:PermissionsBoundary, the secret's
    secretsmanager:ResourceTag/<key>): support/iam_evaluation.py. moto evaluates neither, and takes an Allow
    whose condition fails for an explicit deny.
Two of EC2: the first met when the deployer's EC2 writes were scoped to the stack's resources, the second for
runs that die and start again (issue 39):
15. A VPC's default security group admits all traffic from itself (an ingress rule whose source is the group)
    beside its egress to everywhere. moto's has the egress rule only, so the network role's emptying of the
    default group never revoked an ingress rule here, and the deployer's policy lacked the permission AWS asks.
16. A NAT gateway deleted takes its network interface along (its Elastic IP stays allocated, unassociated). moto
    keeps the interface, so "no network interface left after teardown" could not be asserted.
Three of RDS, for the stacks that change after their first run (issue 42):
17. ModifyDBInstance without ApplyImmediately leaves the instance class, storage, Multi-AZ and engine version to
    the maintenance window (PendingModifiedValues); moto applies all at once: support/moto_rds_pending.py.
18. A parameter's source, its apply method, ResetDBParameterGroup and an instance's group pending a reboot after
    a static parameter changed: support/moto_rds_parameters.py.
19. An engine version RDS does not list as a valid upgrade target, a new major without AllowMajorVersionUpgrade or
    with a parameter group of the old family are refused; the local site's server is upgraded with the instance:
    support/moto_rds_upgrade.py.
With SHOPPULSE_MOTO_ACTION_LOG naming a file, each action moto authorizes or refuses is appended to it, one
"<access key id> <action> <allowed|denied>" line each: the actions the playbooks call.

Not a correction but a setting: AWS's pace (support/moto_pace.py). On AWS a new RDS instance is "creating" for
about ten minutes, a NAT gateway "pending" for one or two, and so on; moto's are available at once. With
SHOPPULSE_MOTO_PACE=F, each stays in its intermediate state for F times AWS's time; with
SHOPPULSE_MOTO_RDS_CREATING_SECONDS=N, a new instance alone is "creating" for its first N seconds.
"""

import json
import os
import secrets
import string

from support import moto_iam, moto_pace, moto_rds_parameters, moto_rds_pending, moto_rds_upgrade

PROXY_ENDPOINT_ID = 'aaaaaaaaaaaa'  # like moto's fixed 'aaaaaaaaaa' of instance endpoints
AWS_TAG_RESOURCE_TYPES = {'nat': 'natgateway', 'fl': 'vpc-flow-log'}
# ModifyDBProxy's fields, and the attributes of moto's DBProxy they set
PROXY_MODIFIABLE = (('RequireTLS', 'require_tls'), ('IdleClientTimeout', 'idle_client_timeout'),
                    ('DebugLogging', 'debug_logging'), ('RoleArn', 'role_arn'), ('Auth', 'auth'),
                    ('SecurityGroups', 'vpc_security_group_ids'))
# correction 8: the emulated RDS's PostgreSQL catalogue (major: newest minor; every minor from .1 is offered)
POSTGRES_OFFERED = {
    'versions': {'15': 15, '16': 11, '17': 7, '18': 2},
    'classes': ['db.t3.micro', 'db.t3.small', 'db.t3.medium', 'db.t3.large', 'db.t4g.micro', 'db.t4g.small',
                'db.t4g.medium', 'db.t4g.large', 'db.m5.large', 'db.m6g.large', 'db.m6i.large', 'db.m7g.large',
                'db.r5.large', 'db.r6g.large', 'db.r6i.large', 'db.r7g.large'],
}
PI_FIELDS = {
    'enable_performance_insights': 'performance_insights_enabled',
    'performance_insights_retention_period': 'performance_insights_retention_period',
    'performance_insights_kms_key_id': 'performance_insights_kms_key_id',
}


def _gp3_baseline(instance):
    """(throughput MiB/s, IOPS) AWS gives a gp3 PostgreSQL volume that names none."""
    large = int(instance.allocated_storage or 0) >= 400
    return (500, 12000) if large else (125, 3000)


def _performance_insights(instance, kwargs, creating):
    given = dict((PI_FIELDS[k], v) for k, v in kwargs.items() if k in PI_FIELDS and v is not None)
    if creating:
        instance.performance_insights_enabled = bool(given.get('performance_insights_enabled', False))
    for name, value in given.items():
        setattr(instance, name, value)
    if instance.performance_insights_enabled:
        if not getattr(instance, 'performance_insights_retention_period', None):
            instance.performance_insights_retention_period = 7
        if not getattr(instance, 'performance_insights_kms_key_id', None):
            instance.performance_insights_kms_key_id = (
                'arn:aws:kms:%s:%s:key/aws-rds-default' % (instance.region, instance.account_id))


def postgres_versions():
    return ['%s.%d' % (major, minor) for major, newest in sorted(POSTGRES_OFFERED['versions'].items(), key=lambda i: int(i[0]))
            for minor in range(1, newest + 1)]


def unoffered_classes(region):
    """The classes a test took out of the region (SHOPPULSE_MOTO_RDS_UNOFFERED)."""
    path = os.environ.get('SHOPPULSE_MOTO_RDS_UNOFFERED')
    if not path or not os.path.exists(path):
        return set()
    with open(path) as handle:
        return set(json.load(handle).get(region, []))


def postgres_options(region, engine_version=None, instance_class=None):
    """DescribeOrderableDBInstanceOptions' answer for PostgreSQL in the region."""
    zones = ['%s%s' % (region, zone) for zone in 'abc']
    classes = [c for c in POSTGRES_OFFERED['classes'] if c not in unoffered_classes(region)]
    return [dict(Engine='postgres', EngineVersion=version, DBInstanceClass=db_class, LicenseModel='postgresql-license',
                 AvailabilityZones=[dict(Name=zone) for zone in zones], MultiAZCapable=True, ReadReplicaCapable=True,
                 Vpc=True, SupportsStorageEncryption=True, StorageType=storage, SupportsIops=storage != 'gp2',
                 SupportsStorageThroughput=storage == 'gp3', SupportsIAMDatabaseAuthentication=True,
                 SupportsPerformanceInsights=True, MinStorageSize=20, MaxStorageSize=65536)
            for version in postgres_versions() if engine_version in (None, version)
            for db_class in classes if instance_class in (None, db_class)
            for storage in ('gp2', 'gp3', 'io1')]


def proxy_domain(region):
    """The domain every RDS Proxy endpoint of the emulated account in ``region`` is in."""
    return 'proxy-%s.%s.rds.amazonaws.com' % (PROXY_ENDPOINT_ID, region)


def _refuse_deleting_referenced_groups():
    """Correction 9."""
    from moto.ec2 import exceptions as ec2_exceptions  # pylint: disable=import-outside-toplevel
    from moto.ec2.models import security_groups  # pylint: disable=import-outside-toplevel

    backend_class = security_groups.SecurityGroupBackend
    original = backend_class._delete_security_group  # pylint: disable=protected-access

    def delete(self, vpc_id, group_id):
        for groups in self.groups.values():
            for other in groups.values():
                if other.id == group_id:
                    continue
                for rule in other.ingress_rules + other.egress_rules:
                    if (rule.source_group or {}).get('GroupId') == group_id:
                        raise ec2_exceptions.DependencyViolationError(
                            'resource %s has a dependent object' % group_id)
        return original(self, vpc_id, group_id)

    backend_class._delete_security_group = delete  # pylint: disable=protected-access


def _default_group_admits_itself():
    """Correction 15."""
    from moto.ec2.models import security_groups  # pylint: disable=import-outside-toplevel

    backend_class = security_groups.SecurityGroupBackend
    original = backend_class.create_security_group

    def create(self, *args, **kwargs):
        group = original(self, *args, **kwargs)
        if group.is_default and not group.ingress_rules:
            self.authorize_security_group_ingress(group.id, '-1', None, None, [], source_groups=[{'GroupId': group.id}],
                                                  vpc_id=group.vpc_id)
        return group

    backend_class.create_security_group = create


def _nat_gateway_takes_its_interface_along():
    """Correction 16."""
    from moto.ec2.models import nat_gateways  # pylint: disable=import-outside-toplevel

    backend_class = nat_gateways.NatGatewayBackend
    original = backend_class.delete_nat_gateway

    def delete_nat_gateway(self, nat_gateway_id):
        gateway = original(self, nat_gateway_id)
        interface = getattr(gateway, '_eni', None)
        if interface is not None and interface.id in self.enis:
            for address in self.addresses:  # its Elastic IP stays allocated, no longer associated
                if address.eni is interface:
                    address.eni = None
                    address.association_id = None
            self.enis.pop(interface.id)
        return gateway

    backend_class.delete_nat_gateway = delete_nat_gateway


def _move_current_with_its_stage():
    from moto.secretsmanager import models as secrets_models  # pylint: disable=import-outside-toplevel

    backend_class = secrets_models.SecretsManagerBackend
    original = backend_class.update_secret_version_stage

    def update_secret_version_stage(self, secret_id, version_stage, remove_from_version_id, move_to_version_id):
        answer = original(self, secret_id, version_stage, remove_from_version_id, move_to_version_id)
        if version_stage == 'AWSCURRENT' and move_to_version_id:
            self.secrets[secret_id].set_default_version_id(move_to_version_id)
        return answer

    backend_class.update_secret_version_stage = update_secret_version_stage


def _managed_master_secret(rds_models):
    def secret_string(self):
        path = os.environ.get('SHOPPULSE_MOTO_MASTER_PASSWORD_FILE')
        if path and os.path.isfile(path):
            with open(path) as handle:
                password = handle.read().strip()
        else:
            password = ''.join(secrets.choice(string.ascii_letters + string.digits) for dummy in range(32))
        return json.dumps(dict(username=self.resource.master_username, password=password))

    rds_models.MasterUserSecret._generate_secret_string = secret_string  # pylint: disable=protected-access


def apply():
    """Patch the moto modules in this process (call before the server starts)."""
    # imported here: moto takes about 0.8 s to import, which proxy_domain() and `localaws.py start`
    # on a running server (every `make site`) do not need
    from moto.ec2 import utils as ec2_utils  # pylint: disable=import-outside-toplevel
    from moto.ec2.models import tags as ec2_tags  # pylint: disable=import-outside-toplevel
    from moto.rds import exceptions as rds_exceptions  # pylint: disable=import-outside-toplevel
    from moto.rds import models as rds_models  # pylint: disable=import-outside-toplevel

    for mapping in (ec2_utils.EC2_PREFIX_TO_RESOURCE, ec2_tags.EC2_PREFIX_TO_RESOURCE):
        mapping.update(AWS_TAG_RESOURCE_TYPES)

    _refuse_deleting_referenced_groups()
    _default_group_admits_itself()
    _nat_gateway_takes_its_interface_along()
    _move_current_with_its_stage()
    _managed_master_secret(rds_models)
    moto_iam.apply()

    original = rds_models.RDSBackend.describe_db_parameter_groups

    def describe_db_parameter_groups(self, db_parameter_group_kwargs):
        groups = original(self, db_parameter_group_kwargs)
        name = db_parameter_group_kwargs.get('db_parameter_group_name')
        if name and not groups:
            raise rds_models.DBParameterGroupNotFoundError(name)
        return groups

    rds_models.RDSBackend.describe_db_parameter_groups = describe_db_parameter_groups

    instance_class = rds_models.DBInstance
    original_init = instance_class.__init__
    original_update = instance_class.update

    def init(self, *args, **kwargs):
        original_init(self, *args, **kwargs)
        _performance_insights(self, kwargs, creating=True)
        if self.storage_type == 'gp3':
            throughput, iops = _gp3_baseline(self)
            if not self.storage_throughput:
                self.storage_throughput = throughput
            if not self.iops:
                self.iops = iops

    def update(self, *args, **kwargs):
        if kwargs.get('manage_master_user_password') and getattr(self, 'master_user_secret', None):
            kwargs.pop('manage_master_user_password')  # managed already: correction 11, the same secret re-encrypted
            key = kwargs.pop('master_user_secret_kms_key_id', None)
            if key:
                self.master_user_secret.secret.kms_key_id = key
        moto_rds_upgrade.refuse(self, kwargs, postgres_versions(), rds_models.rds_backends[self.account_id][self.region],
                                rds_exceptions)  # correction 19
        current = self.engine_version
        kwargs = moto_rds_pending.split(self, kwargs)  # correction 17: what waits for the maintenance window
        moto_rds_upgrade.upgrade_server(current, kwargs.get('engine_version'))  # correction 19: applied now
        original_update(self, *args, **dict((k, v) for k, v in kwargs.items() if k not in PI_FIELDS))
        _performance_insights(self, kwargs, creating=False)

    instance_class.__init__ = init

    original_describe = rds_models.RDSBackend.describe_db_instances

    def describe_db_instances(self, *args, **kwargs):
        found = original_describe(self, *args, **kwargs)
        for instance in found:
            moto_rds_pending.apply_if_due(instance)  # correction 17: the maintenance window came
        return found

    rds_models.RDSBackend.describe_db_instances = describe_db_instances
    instance_class.update = update

    proxy_class = rds_models.DBProxy
    original_proxy_init = proxy_class.__init__

    def proxy_init(self, *args, **kwargs):
        original_proxy_init(self, *args, **kwargs)
        self.url_identifier = PROXY_ENDPOINT_ID
        self.endpoint = '%s.%s' % (self.db_proxy_name, proxy_domain(self.region))

    proxy_class.__init__ = proxy_init

    from moto.core.responses import ActionResult  # pylint: disable=import-outside-toplevel
    from moto.rds import responses as rds_responses  # pylint: disable=import-outside-toplevel

    def modify_db_proxy(self):
        params = self.params
        proxy = self.backend.db_proxies.get(params['DBProxyName'])
        if proxy is None:
            raise rds_exceptions.DBProxyNotFoundFault(params['DBProxyName'])
        for field, attribute in PROXY_MODIFIABLE:
            if params.get(field) is not None:
                setattr(proxy, attribute, params[field])
        return ActionResult({'DBProxy': proxy})

    rds_responses.RDSResponse.modify_db_proxy = modify_db_proxy
    moto_rds_parameters.apply(rds_models, rds_responses, rds_exceptions, ActionResult)  # corrections 5 and 18

    original_orderable = rds_responses.RDSResponse.describe_orderable_db_instance_options

    def describe_orderable_db_instance_options(self):
        if self.params.get('Engine') != 'postgres':
            return original_orderable(self)
        options = postgres_options(self.region, self.params.get('EngineVersion'), self.params.get('DBInstanceClass'))
        return ActionResult({'OrderableDBInstanceOptions': options})

    rds_responses.RDSResponse.describe_orderable_db_instance_options = describe_orderable_db_instance_options

    def describe_db_engine_versions(self):
        engine, wanted = self.params.get('Engine'), self.params.get('EngineVersion')
        versions = [dict(Engine='postgres', EngineVersion=version, DBParameterGroupFamily='postgres' + version.split('.')[0],
                         DBEngineDescription='PostgreSQL', DBEngineVersionDescription='PostgreSQL ' + version,
                         Status='available', ValidUpgradeTarget=moto_rds_upgrade.valid_targets(version, postgres_versions()))
                    for version in postgres_versions()
                    if engine in (None, 'postgres') and wanted in (None, version, version.split('.')[0])]
        return ActionResult({'DBEngineVersions': versions})

    rds_responses.RDSResponse.describe_db_engine_versions = describe_db_engine_versions

    from moto.ec2.models import nat_gateways  # pylint: disable=import-outside-toplevel

    moto_pace.apply(rds_models, nat_gateways)  # AWS's pace, when asked for (a setting, not a correction)
