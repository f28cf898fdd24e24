# Copyright (c) 2026, ShopPulse platform team
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The least-privilege policies (files/iam/) proven on the emulated AWS with IAM authorization on.

A moto server whose IAM authorization starts after the set-up requests (INITIAL_NO_AUTH_ACTION_COUNT), and
records each action it authorizes (moto_extension, SHOPPULSE_MOTO_ACTION_LOG). Two users hold exactly the
policies playbooks/iam-policies.yml writes for the local inventory: the deployer runs site.yml (provision and
database, first run, no-op run, check mode), verify.yml and rotate.yml; the other runs teardown.yml; both
paths of the master password, generated and managed (the instance "creating" at first, as on AWS), the managed
stack upgraded to a new major at its end (upgrade.yml: a snapshot, then the upgrade; moto correction 19). Every
playbook passes, and the actions each user called are exactly its policy's actions, but for the permissions
AWS checks without an API call of the user's (IMPLICIT)."""

import json
import os
import sys

import botocore.exceptions
import pytest
import yaml

from support import ROOT, iam_evaluation, localsite, pgupgrade
from support import playbook as runner

ACCOUNT = '123456789012'  # moto's
with open(os.path.join(ROOT, 'roles', 'shoppulse', 'vars', 'main.yml')) as _handle:
    TAG = yaml.safe_load(_handle)['shoppulse_stack_tag']
SETUP = dict(aws_access_key_id='AKIAIOSFODNN7EXAMPLE', aws_secret_access_key='setup')
USERS = {'deployer': ('deployer-policy.json', 'deployer-network-policy.json'), 'teardown': ('teardown-policy.json',)}
# Permissions in the policies that no recorded API call shows: AWS checks them when it acts on the caller's behalf.
IMPLICIT = {
    'iam:PassRole': 'checked when RDS Proxy and the flow logs are given their roles (CreateDBProxy, CreateFlowLogs)',
    'kms:DescribeKey': "RDS describes the master secret's KMS key with the caller's rights (ManageMasterUserPassword)",
    'secretsmanager:TagResource': "RDS tags the master secret it creates with the caller's rights",
    'iam:TagRole': 'checked when CreateRole carries tags',
    'ec2:CreateTags': 'checked when a create tags what it makes (TagSpecifications)',
    'dynamodb:TagResource': 'checked when CreateTable carries tags (the stack lock\'s table)',
    'rds:AddTagsToResource': 'checked when a create carries tags (CreateDBInstance, CreateDBParameterGroup, '
                             'CreateDBSubnetGroup, CreateDBSnapshot: "RDS performs additional authorization on the '
                             'rds:AddTagsToResource action")',
}
BOUNDARY = 'service-role-boundary.json'
# the set-up requests before IAM authorization starts: a user of each policy (2 requests and one per policy), the
# boundary an administrator creates, the instance of another stack with the master secret RDS keeps for it (2), and
# that stack's VPC, subnet and security group (3)
SETUP_REQUESTS = sum(2 + len(files) for files in USERS.values()) + 3 + 3
TRUST_ME = json.dumps({'Version': '2012-10-17', 'Statement': [{
    'Effect': 'Allow', 'Principal': {'AWS': 'arn:aws:iam::%s:user/deployer' % ACCOUNT}, 'Action': 'sts:AssumeRole'}]})
EVERYTHING = json.dumps({'Version': '2012-10-17', 'Statement': [{'Effect': 'Allow', 'Action': '*', 'Resource': '*'}]})


def refused(call, **kwargs):
    """The call is refused with AccessDenied."""
    with pytest.raises(botocore.exceptions.ClientError) as caught:
        call(**kwargs)
    error = caught.value.response['Error']
    # (moto answers a JSON service's refusal in IAM's XML: its code is in the message)
    assert error['Code'] in ('AccessDenied', 'AccessDeniedException', 'UnauthorizedOperation') or (
        '<Code>AccessDenied</Code>' in error['Message']), error
    return True


def escalations_before_the_first_deploy(clients, names, boundary_arn):
    """While the service roles are absent, the deployer may create them only inside the boundary: a role of
    their name trusting the deployer, with or without another boundary, is refused. Returns the actions tried."""
    iam = clients['deployer'].client('iam')
    for boundary in (None, 'arn:aws:iam::%s:policy/AdministratorAccess' % ACCOUNT):
        request = dict(RoleName=names['proxy_role'], AssumeRolePolicyDocument=TRUST_ME)
        if boundary:
            request['PermissionsBoundary'] = boundary
        assert refused(iam.create_role, **request)
    return {'iam:CreateRole'}


def escalations_after_a_deploy(clients, names, boundary_arn, boundary, other_secret):
    """Once the roles exist: their boundary cannot be taken away or changed, the boundary itself not widened;
    a policy the deployer puts on a role is bounded by it; another stack's master secret is out of reach of the
    deployer and of the teardown. Returns the actions refused."""
    iam = clients['deployer'].client('iam')
    role = names['proxy_role']
    assert refused(iam.delete_role_permissions_boundary, RoleName=role)
    assert refused(iam.put_role_permissions_boundary, RoleName=role,
                   PermissionsBoundary='arn:aws:iam::%s:policy/AdministratorAccess' % ACCOUNT)
    assert refused(iam.create_policy_version, PolicyArn=boundary_arn, PolicyDocument=EVERYTHING, SetAsDefault=True)
    assert refused(iam.put_role_policy, RoleName='not-the-stacks', PolicyName='all', PolicyDocument=EVERYTHING)
    # allowed: the role carries the boundary; what it may do is the intersection, which holds nothing of IAM
    assert iam.get_role(RoleName=role)['Role']['PermissionsBoundary']['PermissionsBoundaryArn'] == boundary_arn
    assert not iam_evaluation.permitted([json.loads(EVERYTHING)], 'iam:CreateUser', '*', {}, boundary=boundary)
    assert not iam_evaluation.permitted([json.loads(EVERYTHING)], 'secretsmanager:GetSecretValue', other_secret, {
        'secretsmanager:ResourceTag/aws:rds:primaryDBInstanceArn': 'arn:aws:rds:eu-west-1:%s:db:other-stack' % ACCOUNT},
        boundary=boundary)
    assert refused(clients['deployer'].client('secretsmanager').get_secret_value, SecretId=other_secret)
    assert refused(clients['deployer'].client('secretsmanager').describe_secret, SecretId=other_secret)
    assert refused(clients['teardown'].client('secretsmanager').delete_secret, SecretId=other_secret)
    return {'deployer': {'iam:DeleteRolePermissionsBoundary', 'iam:PutRolePermissionsBoundary',
                         'iam:CreatePolicyVersion', 'iam:PutRolePolicy', 'secretsmanager:GetSecretValue',
                         'secretsmanager:DescribeSecret'},
            'teardown': {'secretsmanager:DeleteSecret'}}


def escalations_beyond_the_stack(clients, other):
    """EC2 and RDS Proxy writes reach only what carries the stack's tag: another stack's VPC, subnet and group
    (``other``) are out of reach of the deployer and of the teardown, and nothing is created untagged. Returns the
    actions refused."""
    ours = [{'Key': TAG, 'Value': 'shoppulse-analytics'}]
    ec2 = clients['deployer'].client('ec2')
    assert refused(ec2.create_vpc, CidrBlock='10.99.0.0/16')  # untagged
    assert refused(ec2.create_subnet, VpcId=other['vpc'], CidrBlock='10.98.7.0/24',
                   TagSpecifications=[{'ResourceType': 'subnet', 'Tags': ours}])
    assert refused(ec2.authorize_security_group_ingress, GroupId=other['group'], IpPermissions=[{
        'IpProtocol': 'tcp', 'FromPort': 5432, 'ToPort': 5432, 'IpRanges': [{'CidrIp': '0.0.0.0/0'}]}])
    assert refused(ec2.create_tags, Resources=[other['group']], Tags=ours)  # claiming it
    assert refused(clients['deployer'].client('rds').create_db_proxy, DBProxyName='untagged', EngineFamily='POSTGRESQL',
                   Auth=[{'AuthScheme': 'SECRETS', 'SecretArn': 'arn:aws:secretsmanager:eu-west-1:%s:secret:x' % ACCOUNT}],
                   RoleArn='arn:aws:iam::%s:role/x' % ACCOUNT, VpcSubnetIds=[other['subnet']])
    teardown = clients['teardown'].client('ec2')
    assert refused(teardown.delete_security_group, GroupId=other['group'])
    assert refused(teardown.delete_subnet, SubnetId=other['subnet'])
    assert refused(teardown.delete_vpc, VpcId=other['vpc'])
    return {'deployer': {'ec2:CreateVpc', 'ec2:CreateSubnet', 'ec2:AuthorizeSecurityGroupIngress', 'ec2:CreateTags',
                         'rds:CreateDBProxy'},
            'teardown': {'ec2:DeleteSecurityGroup', 'ec2:DeleteSubnet', 'ec2:DeleteVpc'}}


def second_nat(clients):
    """A second NAT gateway in the public subnet, tagged as the stack's, made as a second run would (the deployer's
    rights); returns the first one's id, the one to keep."""
    ec2 = clients['deployer'].client('ec2')
    first = ec2.describe_nat_gateways(Filters=[dict(Name='state', Values=['available']), dict(
        Name='tag:' + TAG, Values=['shoppulse-analytics'])])['NatGateways'][0]
    tags = [{'Key': TAG, 'Value': 'shoppulse-analytics'}]
    address = ec2.allocate_address(Domain='vpc', TagSpecifications=[{'ResourceType': 'elastic-ip', 'Tags': tags}])
    ec2.create_nat_gateway(SubnetId=first['SubnetId'], AllocationId=address['AllocationId'],
                           TagSpecifications=[{'ResourceType': 'natgateway', 'Tags': tags}])
    return first['NatGatewayId']


ALWAYS_ALLOWED = {'sts:GetCallerIdentity'}  # needs no permission on AWS (the lookup aws_connection's checks)


def actions_of(policies):
    """The actions the policies allow (a Deny names actions an Allow gives already)."""
    return set(action for policy in policies for statement in policy['Statement'] if statement['Effect'] == 'Allow'
               for action in (statement['Action'] if isinstance(statement['Action'], list) else [statement['Action']]))


@pytest.mark.long
def test_every_playbook_passes_with_exactly_the_policies_and_calls_all_their_actions(tmp_path):
    log = str(tmp_path / 'actions.log')
    with localsite.local_site('shoppulse-iam-', INITIAL_NO_AUTH_ACTION_COUNT=str(SETUP_REQUESTS),
                              SHOPPULSE_MOTO_ACTION_LOG=log, SHOPPULSE_MOTO_RDS_CREATING_SECONDS='3',
                              SHOPPULSE_MOTO_RDS_UPGRADE_COMMAND='%s -m support.pgupgrade upgrade {pg_dir}' % sys.executable
                              ) as (base, server):
        inventory = os.path.join(base, 'inventories', 'local')
        outputs = os.path.join(base, 'outputs.yml')

        def run(playbook, user_keys, *extra):
            return runner.run(os.path.join(ROOT, playbook), *extra, inventory=inventory, json_output=False,
                              extra_vars=dict(shoppulse_outputs_file=outputs),
                              env=runner.environment(json_output=False, aws=user_keys))

        written = run('playbooks/iam-policies.yml', {}, '-e', 'shoppulse_aws_account_id=' + ACCOUNT)
        assert written.returncode == 0, written.stdout[-3000:]
        policies = {}
        for user, names in USERS.items():
            policies[user] = []
            for name in names:
                with open(os.path.join(base, 'iam', name)) as handle:
                    policies[user].append(json.load(handle))
        with open(os.path.join(base, 'iam', BOUNDARY)) as handle:
            boundary = json.load(handle)
        rendered = json.dumps(policies)
        assert '{{' not in rendered and 'arn:aws:rds:eu-west-1:%s:db:shoppulse-analytics"' % ACCOUNT in rendered
        assert '"ec2:ResourceTag/%s": "shoppulse-analytics"' % TAG in rendered
        names = dict(proxy_role='shoppulse-analytics-proxy')

        # the set-up requests, before IAM authorization starts: a user of each policy, the boundary, another stack
        iam = localsite.aws(base).client('iam', 'eu-west-1', **SETUP)
        keys = {}
        for user in USERS:
            iam.create_user(UserName=user)
            for number, document in enumerate(policies[user]):
                iam.put_user_policy(UserName=user, PolicyName='%s-%d' % (user, number), PolicyDocument=json.dumps(document))
            key = iam.create_access_key(UserName=user)['AccessKey']
            keys[user] = dict(AWS_ACCESS_KEY_ID=key['AccessKeyId'], AWS_SECRET_ACCESS_KEY=key['SecretAccessKey'])
        boundary_arn = iam.create_policy(PolicyName='shoppulse-analytics-service-role-boundary',
                                         PolicyDocument=json.dumps(boundary))['Policy']['Arn']
        rds = localsite.aws(base).client('rds', 'eu-west-1', **SETUP)
        rds.create_db_instance(DBInstanceIdentifier='other-stack', Engine='postgres', EngineVersion='16.4',
                               DBInstanceClass='db.t4g.micro', AllocatedStorage=20, MasterUsername='other',
                               ManageMasterUserPassword=True)
        other_secret = rds.describe_db_instances(DBInstanceIdentifier='other-stack')[
            'DBInstances'][0]['MasterUserSecret']['SecretArn']
        ec2 = localsite.aws(base).client('ec2', 'eu-west-1', **SETUP)
        theirs = [{'Key': TAG, 'Value': 'other-stack'}]
        other = dict(vpc=ec2.create_vpc(CidrBlock='10.98.0.0/16', TagSpecifications=[
            {'ResourceType': 'vpc', 'Tags': theirs}])['Vpc']['VpcId'])
        other['subnet'] = ec2.create_subnet(VpcId=other['vpc'], CidrBlock='10.98.1.0/24', TagSpecifications=[
            {'ResourceType': 'subnet', 'Tags': theirs}])['Subnet']['SubnetId']
        other['group'] = ec2.create_security_group(VpcId=other['vpc'], GroupName='other-stack-db', Description='x',
                                                   TagSpecifications=[{'ResourceType': 'security-group',
                                                                       'Tags': theirs}])['GroupId']

        class Clients(object):
            def __init__(self, user):
                self.user = user

            def client(self, service):
                return localsite.aws(base).client(service, 'eu-west-1', aws_access_key_id=keys[self.user]['AWS_ACCESS_KEY_ID'],
                                                  aws_secret_access_key=keys[self.user]['AWS_SECRET_ACCESS_KEY'])

        clients = dict((user, Clients(user)) for user in USERS)
        tried = dict(deployer=escalations_before_the_first_deploy(clients, names, boundary_arn), teardown=set())

        def passed(done, *context):
            failures = [line for line in done.stdout.splitlines() if 'fatal' in line or 'FAILED' in line][-6:]
            return done.returncode == 0, (context, failures, open(log).read()[-1500:])

        for mode in ('generated', 'managed'):
            master = ['-e', 'shoppulse_master_secret=' + mode]
            # the generated path's first run sets parameters of both kinds, which the next run (without them)
            # resets: a static one restarts the instance (database_apply_immediately)
            first = run('site.yml', keys['deployer'], *(master + (['-e', json.dumps(dict(database_parameters=dict(
                max_connections=200, log_min_duration_statement=1000)))] if mode == 'generated' else [])))
            assert passed(first, mode)[0], passed(first, mode)[1]
            if mode == 'generated':
                # two NAT gateways in the public subnet (runs that met): the deployer keeps one and removes the other
                # with its address, on its own resources only
                keep = run('site.yml', keys['deployer'], *(master + ['-e', 'network_nat_gateway_keep=' + second_nat(clients)]))
                assert passed(keep, mode, 'keep')[0], passed(keep, mode, 'keep')[1]
                # the policies are enforced: the deployer may not tear down, and is refused at its first deletion
                # (the proxy's, which teardown starts first beside the instance's and the NAT gateway's); the no-op run
                # after it shows that nothing was removed
                refused = run('playbooks/teardown.yml', keys['deployer'], *master)
                assert refused.returncode != 0 and 'AccessDenied' in refused.stdout, refused.stdout[-3000:]
            for extra in ([], ['--check']):
                done = run('site.yml', keys['deployer'], *(master + extra))
                assert passed(done, mode, extra)[0] and ' changed=0 ' in done.stdout, passed(done, mode, extra)[1]
            for playbook in ('playbooks/verify.yml', 'playbooks/rotate.yml'):
                done = run(playbook, keys['deployer'], *master)
                assert passed(done, mode, playbook)[0], passed(done, mode, playbook)[1]
            if mode == 'managed':  # the last stack: a major version upgrade (a snapshot, then the upgrade)
                done = run('playbooks/upgrade.yml', keys['deployer'], *(master + ['-e', 'database_engine_version=16.4']))
                assert passed(done, mode, 'upgrade')[0], passed(done, mode, 'upgrade')[1]
                server.bindir = pgupgrade.full_bindir(16)  # the fixture stops the server it started on 15's binaries
            if mode == 'managed':  # the stack's own master secret is RDS's now, another stack's beside it
                for user, actions in escalations_after_a_deploy(clients, names, boundary_arn, boundary,
                                                                other_secret).items():
                    tried[user] |= actions
                for user, actions in escalations_beyond_the_stack(clients, other).items():
                    tried[user] |= actions
            for dummy in range(2):  # the second finds nothing to remove
                done = run('playbooks/teardown.yml', keys['teardown'], *master)
                assert passed(done, mode, 'teardown')[0], passed(done, mode, 'teardown')[1]

    with open(log) as handle:
        calls = [line.split() for line in handle]
    for user, policy in policies.items():
        mine = [(action, outcome) for key, action, outcome in calls if key == keys[user]['AWS_ACCESS_KEY_ID']]
        denied = sorted(set(action for action, outcome in mine if outcome == 'denied'))
        called = set(action for action, outcome in mine if outcome == 'allowed') - ALWAYS_ALLOWED
        if user == 'deployer':  # the refused teardown and the escalations tried, and nothing else
            assert denied == sorted({'rds:DeleteDBProxy'} | tried[user]), denied
        else:
            assert denied == sorted(tried[user]), denied
        granted = actions_of(policy)
        assert sorted(called - granted) == [], '%s called actions its policy lacks' % user
        assert sorted(granted - called - set(IMPLICIT)) == [], '%s: actions in the policy that no playbook called' % user


def _long(text):
    """The policy with its statements four times over: longer than AWS takes in a managed policy."""
    document = json.loads(text)
    document['Statement'] = document['Statement'] * 4
    return json.dumps(document)


@pytest.mark.parametrize('edit, message', [
    (lambda text: text.replace('"rds:ModifyDBProxy"', '"rds:Modify*"'), 'the action(s) rds:Modify* hold a wildcard'),
    (_long, 'characters for this inventory, more than the 6144 AWS takes in a managed policy'),
], ids=['wildcard', 'too-long'])
def test_a_policy_edited_beyond_what_aws_takes_is_refused_and_nothing_is_written(tmp_path, edit, message):
    source = tmp_path / 'iam'
    source.mkdir()
    for name in sum(USERS.values(), ()) + (BOUNDARY,):
        with open(os.path.join(ROOT, 'files', 'iam', name)) as handle:
            text = handle.read()
        (source / name).write_text(edit(text) if name == 'deployer-policy.json' else text)
    done = runner.run(os.path.join(ROOT, 'playbooks', 'iam-policies.yml'), inventory=os.path.join(ROOT, 'inventories', 'dev'),
                      json_output=False, env=runner.environment(json_output=False),
                      extra_vars=dict(shoppulse_aws_account_id=ACCOUNT, iam_policy_source_dir=str(source),
                                      shoppulse_outputs_file=str(tmp_path / 'out' / 'dev.yml')))
    assert done.returncode != 0
    assert '%s/deployer-policy.json: ' % source in done.stdout and message in done.stdout, done.stdout[-2000:]
    assert 'nothing was written' in done.stdout and not (tmp_path / 'out').exists()
