# -*- coding: utf-8 -*-
# Copyright (c) 2026, ShopPulse platform team
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The stack lock: one writer per stack, as Terraform's state lock.

The lock is one item of a DynamoDB table of the stack's (``<shoppulse_name>-lock``), written with a conditional
PutItem that DynamoDB makes atomic: of two runs that ask at the same moment, one writes it and the other is refused
(ConditionalCheckFailedException). The item says who holds the lock, where, with which playbook, since when, and
until when it is fresh (its TTL); its token is the lock's id. A run releases its lock by deleting the item on the
condition that it still holds that token, so a run whose lock was taken over never removes the new holder's.

A lock is taken over only on an explicit choice naming it (``force`` = its token, as ``terraform force-unlock
LOCK_ID``): a conditional write on the old token, so that two runs forcing the same stale lock do not both win.

Plain Python over a boto3 DynamoDB client; the module (plugins/modules/stack_lock.py) is the Ansible glue.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import datetime
import time
import uuid

from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code

try:
    from typing import Any, Callable, Dict, Optional
except ImportError:  # pragma: no cover
    pass

KEY = 'stack'  # the one item of the table
FIELDS = ('who', 'where', 'playbook', 'job')


class LockHeld(Exception):
    """Another run holds the lock (``lock``, as ``describe`` gives it)."""

    def __init__(self, lock, now):
        # type: (Dict[str, Any], float) -> None
        super(LockHeld, self).__init__(describe_holder(lock, now))
        self.lock = lock


def _answered(call, refusals, **request):
    # type: (Callable[..., Any], Any, Any) -> bool
    """True when AWS does the request, False when it refuses it with one of the error codes ``refusals``."""
    try:
        call(**request)
    except is_boto3_error_code(refusals):
        return False
    return True


def _iso(epoch):
    # type: (float) -> str
    return datetime.datetime.fromtimestamp(int(epoch), tz=datetime.timezone.utc).strftime('%Y-%m-%dT%H:%M:%SZ')


def _item(holder, token, now, ttl):
    # type: (Dict[str, str], str, float, int) -> Dict[str, Dict[str, str]]
    item = {'LockID': {'S': KEY}, 'Token': {'S': token}, 'Since': {'N': str(int(now))},
            'Expires': {'N': str(int(now + ttl))}}
    for field in FIELDS:
        if holder.get(field):
            item[field.capitalize()] = {'S': str(holder[field])}
    return item


def _lock(item, now):
    # type: (Dict[str, Dict[str, str]], float) -> Dict[str, Any]
    lock = dict((field, item.get(field.capitalize(), {}).get('S', '')) for field in FIELDS)  # type: Dict[str, Any]
    since, expires = float(item['Since']['N']), float(item['Expires']['N'])
    lock.update(token=item['Token']['S'], since=_iso(since), expires=_iso(expires), stale=now >= expires)
    return lock


def describe_holder(lock, now=None):
    # type: (Dict[str, Any], Optional[float]) -> str
    """The lock's holder in words, for a message."""
    job = ', AWX job %s' % lock['job'] if lock.get('job') else ''
    state = 'stale since %s (past its TTL)' % lock['expires'] if lock['stale'] else 'fresh until %s' % lock['expires']
    return 'the stack is locked by %s on %s running %s%s since %s, %s; lock id %s' % (
        lock['who'] or 'someone', lock['where'] or 'an unknown host', lock['playbook'] or 'a playbook', job,
        lock['since'], state, lock['token'])


def table_exists(client, table):
    # type: (Any, str) -> bool
    return _answered(client.describe_table, 'ResourceNotFoundException', TableName=table)


def ensure_table(client, table, tags, sleep=time.sleep):
    # type: (Any, str, Dict[str, str], Callable[[float], None]) -> bool
    """Create the lock's table when it is missing (True), and wait until DynamoDB takes writes on it."""
    if table_exists(client, table):
        return False
    # ResourceInUseException: another run created it a moment ago
    _answered(client.create_table, 'ResourceInUseException', TableName=table, BillingMode='PAY_PER_REQUEST',
              AttributeDefinitions=[{'AttributeName': 'LockID', 'AttributeType': 'S'}],
              KeySchema=[{'AttributeName': 'LockID', 'KeyType': 'HASH'}],
              Tags=[{'Key': k, 'Value': v} for k, v in sorted(tags.items())])
    for dummy in range(120):
        if client.describe_table(TableName=table)['Table']['TableStatus'] == 'ACTIVE':
            break
        sleep(1)
    return True


def current(client, table, now):
    # type: (Any, str, float) -> Optional[Dict[str, Any]]
    """The lock as it is (None: free, or no table)."""
    try:
        item = client.get_item(TableName=table, Key={'LockID': {'S': KEY}}, ConsistentRead=True).get('Item')
    except is_boto3_error_code('ResourceNotFoundException'):
        return None
    return _lock(item, now) if item else None


def _put(client, table, item, condition, **expression):
    # type: (Any, str, Dict[str, Any], str, Any) -> bool
    """PutItem on a condition; False when DynamoDB refuses it for the condition."""
    return _answered(client.put_item, 'ConditionalCheckFailedException', TableName=table, Item=item,
                     ConditionExpression=condition, **expression)


def acquire(client, table, holder, ttl, wait=0.0, force=None, clock=time.time, sleep=time.sleep, poll=5.0):
    # type: (Any, str, Dict[str, str], int, float, Optional[str], Callable[[], float], Callable[[float], None], float) -> Dict[str, Any]
    """Take the lock for ``holder`` ({who, where, playbook, job}) for ``ttl`` seconds; wait up to ``wait`` seconds
    for another run's to go; take over the lock whose token is ``force``. LockHeld when another run holds it."""
    token = str(uuid.uuid4())
    deadline = clock() + wait
    while True:
        now = clock()
        item = _item(holder, token, now, ttl)
        if _put(client, table, item, 'attribute_not_exists(LockID)'):
            return _lock(item, now)
        held = current(client, table, now)
        if held is None:
            continue  # released between the two requests: ask again
        if force and held['token'] == force:
            if _take_over(client, table, item, force):
                lock = _lock(item, now)
                lock['taken_over'] = held
                return lock
            continue
        if clock() >= deadline:
            raise LockHeld(held, now)
        sleep(min(poll, max(0.0, deadline - clock())))


def _take_over(client, table, item, token):
    # type: (Any, str, Dict[str, Any], str) -> bool
    return _put(client, table, item, '#token = :old', ExpressionAttributeNames={'#token': 'Token'},
                ExpressionAttributeValues={':old': {'S': token}})


def release(client, table, token):
    # type: (Any, str, str) -> bool
    """Remove the lock if it is still ``token``'s (False: it was taken over, or is gone)."""
    return _answered(client.delete_item, ('ConditionalCheckFailedException', 'ResourceNotFoundException'),
                     TableName=table, Key={'LockID': {'S': KEY}}, ConditionExpression='#token = :mine',
                     ExpressionAttributeNames={'#token': 'Token'}, ExpressionAttributeValues={':mine': {'S': token}})


def delete_table(client, table):
    # type: (Any, str) -> bool
    """Remove the lock's table (teardown's last step, under its own lock); False when there is none."""
    return _answered(client.delete_table, 'ResourceNotFoundException', TableName=table)
