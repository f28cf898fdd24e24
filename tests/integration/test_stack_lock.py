# Copyright (c) 2026, ShopPulse platform team
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""One stack, one writer (issue 39), on the emulated AWS: two runs at once on one stack, a NAT gateway made twice,
runs killed at chosen points (as a lost AWX node: SIGKILL of every process) and run again.

Each step ends where users look: the run that lost names the holder, nothing is made twice, the next run
converges (changed=0), and teardown leaves no Elastic IP, network interface, security group, role, secret, log
group or lock table. A server of its own, its new instances "creating" for a few seconds, as on AWS, so that a run
can be killed while it waits for one."""

import os
import re
import subprocess
import time

import boto3
import pytest
import yaml

from ansible_collections.shoppulse.analytics.plugins.module_utils.aws import stack_lock
from support import ROOT, localaws
from support import playbook as runner

pytestmark = pytest.mark.xdist_group('stack-lock')  # one server, the steps in order

CREDENTIALS = dict(AWS_ACCESS_KEY_ID='testing', AWS_SECRET_ACCESS_KEY='testing', AWS_SESSION_TOKEN='testing')
REGION, STACK = 'eu-west-1', 'shoppulse-lock-test'
with open(os.path.join(ROOT, 'roles', 'shoppulse', 'vars', 'main.yml')) as _handle:
    TAG = yaml.safe_load(_handle)['shoppulse_stack_tag']
HELD = re.compile(r'the stack is locked by (\S+) on (\S+) running (.+?) since (\S+), .*?; lock id ([0-9a-f-]{36})')


OUTPUTS = {}  # the outputs file of this module's runs, never the checkout's outputs/ (make site's)


@pytest.fixture(scope='module')
def moto(tmp_path_factory):
    directory = tmp_path_factory.mktemp('moto')
    OUTPUTS['file'] = str(directory / 'outputs.yml')
    # AWS's pace at 1/100 (a NAT gateway pending for 0.9 s, deleting for 0.6 s, ...), the instance creating for 6 s
    with localaws.emulated(str(directory), SHOPPULSE_MOTO_PACE='0.01', SHOPPULSE_MOTO_RDS_CREATING_SECONDS='6') as server:
        yield server.endpoint_url


def client(moto, service):
    return boto3.client(service, endpoint_url=moto, region_name=REGION, aws_access_key_id='testing',
                        aws_secret_access_key='testing')


def line(moto, name, *extra):
    extra_vars = dict(shoppulse_aws_endpoint_url=moto, shoppulse_aws_region=REGION, shoppulse_name=STACK,
                      shoppulse_outputs_file=OUTPUTS['file'], shoppulse_poll_seconds=0.5)
    return runner.command(os.path.join(ROOT, 'playbooks', name), *extra, extra_vars=extra_vars)


def start(moto, name, *extra):
    """A run in a process group of its own, to be killed whole (ansible-playbook and its workers)."""
    return subprocess.Popen(line(moto, name, *extra), cwd=ROOT, env=runner.environment(aws=CREDENTIALS),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)


def finish(proc):
    return runner.finish(proc, timeout=600)


def run(moto, name, *extra):
    return finish(start(moto, name, *extra))


def kill_when(proc, ready, timeout=300):
    """SIGKILL the run's every process once ``ready()`` holds (it must, before the run ends)."""
    deadline = time.time() + timeout
    while not ready():
        assert proc.poll() is None and time.time() < deadline, 'the run ended before the point to kill it at'
        time.sleep(0.2)
    runner.kill_tree(proc)


def holder(done):
    """(who, where, playbook, since, lock id) of the held lock a refused run names."""
    found = HELD.search(done.text)
    assert done.returncode != 0 and found, done.text[-3000:]
    return found.groups()


def stack(moto):
    """What the stack has that must be unique, or must be gone after teardown."""
    ec2 = client(moto, 'ec2')
    mine = [dict(Name='tag:' + TAG, Values=[STACK])]
    # tagged as the stack's, or only named as its VPC (which provision would find)
    vpcs = sorted(set(v['VpcId'] for v in ec2.describe_vpcs(Filters=mine)['Vpcs'] + ec2.describe_vpcs(
        Filters=[dict(Name='tag:Name', Values=[STACK])])['Vpcs']))
    nats = [n['NatGatewayId'] for n in ec2.describe_nat_gateways(
        Filters=[dict(Name='vpc-id', Values=vpcs or ['none']), dict(Name='state', Values=['pending', 'available'])])[
        'NatGateways']]
    tables = client(moto, 'dynamodb').list_tables()['TableNames']
    return dict(
        vpcs=vpcs, nats=nats, addresses=[a['AllocationId'] for a in ec2.describe_addresses(Filters=mine)['Addresses']],
        # every one of the region: the server is this module's, and the test that makes others removes them
        interfaces=[i['NetworkInterfaceId'] for i in ec2.describe_network_interfaces()['NetworkInterfaces']],
        groups=[g['GroupId'] for g in ec2.describe_security_groups(Filters=mine)['SecurityGroups']],
        roles=[r['RoleName'] for r in client(moto, 'iam').list_roles()['Roles'] if r['RoleName'].startswith(STACK)],
        secrets=[s['Name'] for s in client(moto, 'secretsmanager').list_secrets()['SecretList']
                 if s['Name'].startswith(STACK)],
        log_groups=[g['logGroupName'] for g in client(moto, 'logs').describe_log_groups(
            logGroupNamePrefix='/aws/vpc/' + STACK)['logGroups']],
        instances=[i['DBInstanceIdentifier'] for i in client(moto, 'rds').describe_db_instances()['DBInstances']],
        lock=[t for t in tables if t == STACK + '-lock'])


def lock_item(moto):
    return client(moto, 'dynamodb').get_item(TableName=STACK + '-lock', Key={'LockID': {'S': 'stack'}}).get('Item')


def nothing_left(moto):
    left = stack(moto)
    assert left == dict((key, []) for key in left), left


def converged(moto):
    again = run(moto, 'provision.yml')
    assert again.returncode == 0 and again.changed() == [], (again.changed(), again.failures())
    found = stack(moto)
    assert len(found['vpcs']) == 1 and len(found['nats']) == 1 and len(found['addresses']) == 1, found


def step_1_two_provisions_at_once_one_is_refused_naming_the_holder_and_nothing_is_made_twice(moto):
    runs = [finish(proc) for proc in [start(moto, 'provision.yml'), start(moto, 'provision.yml')]]
    assert sorted(r.returncode == 0 for r in runs) == [False, True], [r.failures() for r in runs]
    who, where, playbook, since, lock_id = holder([r for r in runs if r.returncode != 0][0])
    assert playbook.startswith('Provision the AWS side') and where
    converged(moto)
    assert lock_item(moto) is None  # released

    # check mode takes no lock, and says who holds one (another run's, taken here as that run would)
    other = stack_lock.acquire(client(moto, 'dynamodb'), STACK + '-lock', dict(
        who='bob', where='awx-node-2', playbook='playbooks/rotate.yml', job='7'), ttl=600)
    checked = run(moto, 'provision.yml', '--check')
    assert checked.returncode == 0 and checked.changed() == [], checked.failures()
    assert 'check mode takes no lock: the stack is locked by bob on awx-node-2 running playbooks/rotate.yml, AWX job 7' \
        in checked.text
    assert lock_item(moto)['Token']['S'] == other['token']
    assert stack_lock.release(client(moto, 'dynamodb'), STACK + '-lock', other['token'])


def step_2_two_nat_gateways_are_not_chosen_between_silently(moto):
    ec2 = client(moto, 'ec2')
    kept = stack(moto)['nats'][0]
    subnet = ec2.describe_nat_gateways(NatGatewayIds=[kept])['NatGateways'][0]['SubnetId']
    tags = [dict(Key=TAG, Value=STACK)]
    address = ec2.allocate_address(Domain='vpc', TagSpecifications=[dict(ResourceType='elastic-ip', Tags=tags)])
    second = ec2.create_nat_gateway(SubnetId=subnet, AllocationId=address['AllocationId'], TagSpecifications=[
        dict(ResourceType='natgateway', Tags=tags)])['NatGateway']['NatGatewayId']
    refused = run(moto, 'provision.yml')
    assert refused.returncode != 0
    assert any('holds 2 NAT gateways (%s)' % ', '.join(sorted([kept, second])) in m for m in refused.messages()), \
        refused.failures()
    assert sorted(stack(moto)['nats']) == sorted([kept, second])  # refused before anything changed
    done = run(moto, 'provision.yml', '-e', 'network_nat_gateway_keep=' + kept)
    assert done.returncode == 0, done.failures()
    assert done.changed() == ['shoppulse.analytics.network : Remove the NAT gateways not kept, with their Elastic IPs']
    found = stack(moto)
    assert found['nats'] == [kept] and address['AllocationId'] not in found['addresses'] and len(found['addresses']) == 1


def step_3_a_teardown_killed_half_way_is_finished_by_the_next_told_to_take_the_lock(moto):
    rds = client(moto, 'rds')
    proc = start(moto, 'teardown.yml')
    # killed half-way: while the instance it started deleting (beside the proxy and the NAT gateway) is deleting;
    # the NAT gateway is gone by then, its Elastic IP not yet released
    kill_when(proc, lambda: [i for i in rds.describe_db_instances()['DBInstances'] if i['DBInstanceStatus'] == 'deleting'])
    refused = run(moto, 'teardown.yml')
    who, where, playbook, since, lock_id = holder(refused)
    assert playbook.startswith('Tear down the AWS side')
    done = run(moto, 'teardown.yml', '-e', 'shoppulse_lock_force=' + lock_id)
    assert done.returncode == 0 and 'took over the lock of a run that is gone' in done.text, done.failures()
    nothing_left(moto)
    again = run(moto, 'teardown.yml')
    assert again.returncode == 0 and again.changed() == [], again.changed()


def step_4_a_provision_killed_while_it_waits_is_finished_by_the_next_then_teardown_and_provision_meet(moto):
    rds = client(moto, 'rds')
    proc = start(moto, 'provision.yml')
    kill_when(proc, lambda: [i for i in rds.describe_db_instances()['DBInstances']
                             if i['DBInstanceStatus'] == 'creating'])  # killed while the instance is being made
    lock_id = holder(run(moto, 'provision.yml'))[4]
    done = run(moto, 'provision.yml', '-e', 'shoppulse_lock_force=' + lock_id)
    assert done.returncode == 0 and 'took over the lock of a run that is gone' in done.text, done.failures()
    converged(moto)

    # teardown and provision at once: one is refused at once; then teardown removes everything
    runs = dict((name, start(moto, name)) for name in ('teardown.yml', 'provision.yml'))
    runs = dict((name, finish(proc)) for name, proc in runs.items())
    assert sorted(r.returncode == 0 for r in runs.values()) == [False, True], dict(
        (name, r.failures()) for name, r in runs.items())
    holder([r for r in runs.values() if r.returncode != 0][0])
    if runs['teardown.yml'].returncode != 0:
        done = run(moto, 'teardown.yml')
        assert done.returncode == 0, done.failures()
    nothing_left(moto)


def step_5_two_vpcs_of_the_stack_are_refused_by_name_and_the_one_kept_is_where_the_database_lives(moto):
    ec2, rds = client(moto, 'ec2'), client(moto, 'rds')
    tags = [dict(Key='Name', Value=STACK), dict(Key=TAG, Value=STACK)]
    nothing_left(moto)  # as step 4 left it
    made = sorted(ec2.create_vpc(CidrBlock='10.0.0.0/16', TagSpecifications=[dict(ResourceType='vpc', Tags=tags)])[
        'Vpc']['VpcId'] for dummy in range(2))
    refused = run(moto, 'provision.yml')
    assert refused.returncode != 0
    assert any('2 VPCs are named %s with 10.0.0.0/16 (%s)' % (STACK, ', '.join(made)) in m for m in refused.messages()), \
        (refused.failures(), ec2.describe_vpcs(Filters=[dict(Name='tag:Name', Values=[STACK])])['Vpcs'])
    assert sorted(stack(moto)['vpcs']) == made and stack(moto)['lock'] == [STACK + '-lock']  # nothing else made

    # the first holds a NAT gateway with its address; the database lives in the second
    subnets = [ec2.create_subnet(VpcId=vpc, CidrBlock='10.0.20.0/24', TagSpecifications=[dict(
        ResourceType='subnet', Tags=tags)])['Subnet']['SubnetId'] for vpc in made]
    address = ec2.allocate_address(Domain='vpc', TagSpecifications=[dict(ResourceType='elastic-ip', Tags=tags)])
    ec2.create_nat_gateway(SubnetId=subnets[0], AllocationId=address['AllocationId'],
                           TagSpecifications=[dict(ResourceType='natgateway', Tags=tags)])
    rds.create_db_subnet_group(DBSubnetGroupName=STACK + '-isolated', DBSubnetGroupDescription='test',
                               SubnetIds=[subnets[1]])
    rds.create_db_instance(DBInstanceIdentifier=STACK, DBInstanceClass='db.t4g.micro', Engine='postgres',
                           MasterUsername='master', MasterUserPassword='not-a-secret-1', AllocatedStorage=20,
                           DBSubnetGroupName=STACK + '-isolated')
    before = stack(moto)
    for keep, named in [('vpc-0123456789abcdef0', 'network_vpc_keep (vpc-0123456789abcdef0) is not one of the VPCs'),
                        (made[0], 'the database instance %s lives in %s, not in network_vpc_keep' % (STACK, made[1]))]:
        refused = run(moto, 'teardown.yml', '-e', 'network_vpc_keep=' + keep)
        assert refused.returncode != 0 and any(named in m for m in refused.messages()), refused.failures()
        assert stack(moto) == before  # nothing removed

    kept = run(moto, 'teardown.yml', '-e', 'network_vpc_keep=' + made[1])
    assert kept.returncode == 0, kept.failures()
    left = stack(moto)
    assert left['vpcs'] == [made[1]] and left['nats'] == [] and left['addresses'] == [], left
    assert left['instances'] == [STACK] and left['lock'] == [STACK + '-lock']  # the rest of the stack stays
    done = run(moto, 'teardown.yml')
    assert done.returncode == 0, done.failures()
    nothing_left(moto)


# The steps build on each other's stack, on one server, in this order, so that each starts where the one before
# left it rather than building the stack anew (the runs are what the test costs). One test runs them: as tests of
# their own they were not always run in a row on one worker (a later step once met an earlier step's stack).
@pytest.mark.long
def test_one_writer_per_stack_step_by_step(moto):
    step_1_two_provisions_at_once_one_is_refused_naming_the_holder_and_nothing_is_made_twice(moto)
    step_2_two_nat_gateways_are_not_chosen_between_silently(moto)
    step_3_a_teardown_killed_half_way_is_finished_by_the_next_told_to_take_the_lock(moto)
    step_4_a_provision_killed_while_it_waits_is_finished_by_the_next_then_teardown_and_provision_meet(moto)
    step_5_two_vpcs_of_the_stack_are_refused_by_name_and_the_one_kept_is_where_the_database_lives(moto)


def network_role(moto, tmp_path, state, stack):
    """The network role alone, in its own play, on the network 10.96.0.0/16."""
    play = tmp_path / ('network-%s.yml' % state)
    settings = dict(network_state=state, network_cidr='10.96.0.0/16',
                    network_public_subnets=['10.96.0.0/24', '10.96.1.0/24'],
                    network_private_subnets=['10.96.10.0/24', '10.96.11.0/24'],
                    network_isolated_subnets=['10.96.20.0/24', '10.96.21.0/24'])
    play.write_text(yaml.safe_dump([dict(
        name='The network role', hosts='localhost', connection='local', gather_facts=False,
        module_defaults=localaws.MODULE_DEFAULTS, vars=settings, roles=['shoppulse.analytics.network'])]))
    return runner.run(play, env=runner.environment(aws=CREDENTIALS), extra_vars=dict(
        shoppulse_aws_endpoint_url=str(moto), shoppulse_aws_region=REGION, shoppulse_name=stack))


@pytest.mark.long
def test_a_run_stopped_after_allocating_the_nat_address_takes_that_address_on_the_next(moto, tmp_path):
    """The network role allocates the NAT gateway's Elastic IP itself, tagged on creation (the deployer's policy
    refuses an untagged one): a run stopped between the allocation and the NAT gateway leaves the address,
    which the next run takes instead of allocating another, and teardown releases."""
    stack = 'shoppulse-eip'
    tag = TAG
    ec2 = client(moto, 'ec2')
    mine = [dict(Name='tag:' + tag, Values=[stack])]
    left = ec2.allocate_address(Domain='vpc', TagSpecifications=[dict(ResourceType='elastic-ip', Tags=[
        dict(Key='Name', Value=stack + '-nat'), dict(Key=tag, Value=stack)])])['AllocationId']
    try:
        for dummy in range(2):  # the second run finds the NAT gateway and allocates nothing
            done = network_role(moto, tmp_path, 'present', stack)
            assert done.returncode == 0, done.text[-3000:]
            assert [a['AllocationId'] for a in ec2.describe_addresses(Filters=mine)['Addresses']] == [left]
            nats = ec2.describe_nat_gateways(Filter=[dict(Name='state', Values=['available'])])['NatGateways']
            assert [n['NatGatewayAddresses'][0]['AllocationId'] for n in nats
                    if n['NatGatewayAddresses'][0]['AllocationId'] == left] == [left]
    finally:
        gone = network_role(moto, tmp_path, 'absent', stack)
        assert gone.returncode == 0, gone.text[-3000:]
    assert ec2.describe_addresses(Filters=mine)['Addresses'] == []


def test_the_pattern_of_a_held_lock_is_the_modules_message():
    """HELD reads stack_lock's message: a change of either fails here, not in a long test."""
    lock = dict(who='a', where='h', playbook='p q', job='', since='2026-01-01T00:00:00Z',
                expires='2026-01-01T02:00:00Z', stale=False, token='0' * 8 + '-0000-0000-0000-' + '0' * 12)
    assert HELD.search(stack_lock.describe_holder(lock)).groups() == ('a', 'h', 'p q', lock['since'], lock['token'])
