# Copyright (c) 2026, ShopPulse platform team
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""module_utils/stack_lock.py on moto's DynamoDB (in this process), which makes conditional writes as DynamoDB does:
each promise of the lock broken one at a time."""

import boto3
import moto
import pytest

from ansible_collections.shoppulse.analytics.plugins.module_utils.aws import stack_lock as api

TABLE = 'stack-lock'
ME = dict(who='alice', where='controller-1', playbook='playbooks/provision.yml', job='')
OTHER = dict(who='bob', where='awx-node-2', playbook='playbooks/teardown.yml', job='42')


class Clock(object):
    def __init__(self, now=1_800_000_000.0):
        self.now = now

    def __call__(self):
        return self.now

    def sleep(self, seconds):
        self.now += max(seconds, 0.5)


@pytest.fixture()
def client():
    with moto.mock_aws():
        dynamodb = boto3.client('dynamodb', region_name='eu-west-1', aws_access_key_id='x', aws_secret_access_key='x')
        assert api.ensure_table(dynamodb, TABLE, {'shoppulse:stack': 'stack'}, sleep=lambda s: None)
        yield dynamodb


def test_the_table_is_made_once_and_removed():
    with moto.mock_aws():
        dynamodb = boto3.client('dynamodb', region_name='eu-west-1', aws_access_key_id='x', aws_secret_access_key='x')
        assert not api.table_exists(dynamodb, TABLE)
        assert api.current(dynamodb, TABLE, 0) is None  # no table: no lock
        assert api.ensure_table(dynamodb, TABLE, {'a': 'b'}) is True
        assert api.ensure_table(dynamodb, TABLE, {'a': 'b'}) is False
        tags = dynamodb.list_tags_of_resource(ResourceArn=dynamodb.describe_table(TableName=TABLE)['Table']['TableArn'])
        assert tags['Tags'] == [{'Key': 'a', 'Value': 'b'}]
        assert api.delete_table(dynamodb, TABLE) is True
        assert api.delete_table(dynamodb, TABLE) is False


def test_a_lock_says_who_where_which_playbook_and_since_when(client):
    clock = Clock()
    lock = api.acquire(client, TABLE, ME, ttl=600, clock=clock)
    assert dict((k, lock[k]) for k in ('who', 'where', 'playbook', 'since', 'expires', 'stale')) == dict(
        who='alice', where='controller-1', playbook='playbooks/provision.yml', since='2027-01-15T08:00:00Z',
        expires='2027-01-15T08:10:00Z', stale=False)
    assert api.current(client, TABLE, clock.now) == dict(lock, job='')


def test_a_second_run_is_refused_at_once_naming_the_holder(client):
    clock = Clock()
    mine = api.acquire(client, TABLE, ME, ttl=600, clock=clock)
    with pytest.raises(api.LockHeld) as refused:
        api.acquire(client, TABLE, OTHER, ttl=600, clock=clock, sleep=clock.sleep)
    message = str(refused.value)
    for part in ('alice', 'controller-1', 'playbooks/provision.yml', '2027-01-15T08:00:00Z', mine['token'], 'fresh until'):
        assert part in message, part
    assert clock.now == 1_800_000_000.0  # no wait asked for, none made


def test_a_second_run_waits_its_bounded_time_then_gets_the_lock_once_released(client):
    clock = Clock()
    mine = api.acquire(client, TABLE, ME, ttl=600, clock=clock)

    def sleep(seconds):
        clock.sleep(seconds)
        if clock.now >= 1_800_000_010:
            api.release(client, TABLE, mine['token'])

    with pytest.raises(api.LockHeld):  # 5 s are not enough
        api.acquire(client, TABLE, OTHER, ttl=600, wait=5, clock=clock, sleep=clock.sleep, poll=1)
    theirs = api.acquire(client, TABLE, OTHER, ttl=600, wait=60, clock=clock, sleep=sleep, poll=1)
    assert theirs['who'] == 'bob' and 1_800_000_010 <= clock.now < 1_800_000_015


def test_a_lock_past_its_ttl_is_stale_but_taken_over_only_when_named(client):
    clock = Clock()
    mine = api.acquire(client, TABLE, ME, ttl=600, clock=clock)
    clock.now += 601
    with pytest.raises(api.LockHeld) as refused:
        api.acquire(client, TABLE, OTHER, ttl=600, clock=clock)
    assert 'stale since 2027-01-15T08:10:00Z' in str(refused.value) and refused.value.lock['stale']
    with pytest.raises(api.LockHeld):  # another id than the lock's
        api.acquire(client, TABLE, OTHER, ttl=600, clock=clock, force='not-the-lock')
    theirs = api.acquire(client, TABLE, OTHER, ttl=600, clock=clock, force=mine['token'])
    assert theirs['taken_over']['token'] == mine['token'] and theirs['who'] == 'bob'
    assert api.current(client, TABLE, clock.now)['token'] == theirs['token']
    # the run that lost it cannot release the new holder's lock
    assert api.release(client, TABLE, mine['token']) is False
    assert api.current(client, TABLE, clock.now)['token'] == theirs['token']
    assert api.release(client, TABLE, theirs['token']) is True
    assert api.current(client, TABLE, clock.now) is None
    assert api.release(client, TABLE, theirs['token']) is False


def test_a_fresh_lock_named_is_taken_over_too_as_terraform_force_unlock(client):
    clock = Clock()
    mine = api.acquire(client, TABLE, ME, ttl=600, clock=clock)
    theirs = api.acquire(client, TABLE, OTHER, ttl=600, clock=clock, force=mine['token'])
    assert theirs['taken_over']['stale'] is False


def test_two_runs_forcing_the_same_lock_do_not_both_win(client):
    clock = Clock()
    mine = api.acquire(client, TABLE, ME, ttl=600, clock=clock)
    first = api.acquire(client, TABLE, OTHER, ttl=600, clock=clock, force=mine['token'])
    with pytest.raises(api.LockHeld) as refused:
        api.acquire(client, TABLE, dict(OTHER, who='carol'), ttl=600, clock=clock, force=mine['token'])
    assert refused.value.lock['token'] == first['token']
