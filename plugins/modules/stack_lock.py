#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) 2026, ShopPulse platform team
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
---
module: stack_lock
short_description: Take or release the lock of a stack, so that one run at a time changes it
version_added: 0.1.0
description:
  - One item of a DynamoDB table of the stack's, written by a conditional write that DynamoDB makes atomic, as
    Terraform's state lock. The item says who holds the lock, on which host, with which playbook (and AWX job),
    since when, and until when it is fresh (O(ttl_minutes)); its token is the lock's id.
  - A run that finds the lock held waits up to O(wait_seconds), then fails naming the holder and the lock's id.
  - A lock whose run is gone (killed, its host lost) is taken over only when O(force) names its id, as
    C(terraform force-unlock LOCK_ID).
  - Taking and releasing the lock report no change (they are the run's bookkeeping, not the stack's); creating and
    removing the table do.
author:
  - ShopPulse platform team (@shoppulse)
options:
  name:
    description: The lock's DynamoDB table, one per stack (C(<shoppulse_name>-lock)).
    type: str
    required: true
  state:
    description:
      - V(locked) takes the lock, creating the table when it is missing.
      - V(unlocked) releases the lock O(token) names, if this run still holds it.
      - V(absent) releases it and removes the table (the last step of a teardown); fails, leaving the table, when
        another run holds the lock.
    type: str
    choices: [locked, unlocked, absent]
    default: locked
  token:
    description: The lock's id this run holds (C(lock.token) of V(locked)), for V(unlocked) and V(absent).
    type: str
  who:
    description: Who runs the playbook; the controller's user when omitted.
    type: str
  where:
    description: Where the playbook runs; the controller's host name when omitted.
    type: str
  playbook:
    description: The playbook (or play) that takes the lock.
    type: str
  job:
    description: The AWX job, when the run is one (C(awx_job_id)).
    type: str
  ttl_minutes:
    description:
      - How long the lock is fresh. A lock past it is reported as stale; it is still taken over only with O(force).
    type: int
    default: 120
  wait_seconds:
    description: How long to wait for another run's lock to go before failing; 0 fails at once.
    type: int
    default: 0
  force:
    description: The id of a lock to take over (its holder's run is gone); shown in the message of a held lock.
    type: str
  tags:
    description: Tags of the table, when it is created.
    type: dict
    default: {}
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
attributes:
  check_mode:
    support: full
    details: Takes no lock and creates no table; returns the lock as it is and warns when another run holds it.
  diff_mode:
    support: none
  platform:
    platforms: posix
notes:
  - A run stopped by SIGKILL or a lost host leaves its lock until it is taken over with O(force). Ctrl-C stops
    C(ansible-playbook) before the release, too.
'''

EXAMPLES = r'''
- name: Take the stack lock
  shoppulse.analytics.stack_lock:
    name: shoppulse-analytics-lock
    playbook: playbooks/provision.yml
  register: lock

- name: Release it
  shoppulse.analytics.stack_lock:
    name: shoppulse-analytics-lock
    state: unlocked
    token: "{{ lock.lock.token }}"
'''

RETURN = r'''
lock:
  description: The lock this run took (V(locked)), or the lock as it is (check mode; empty when free).
  returned: always
  type: dict
  contains:
    token:
      description: The lock's id.
      type: str
    who:
      description: Who holds it.
      type: str
    where:
      description: The host of the run that holds it.
      type: str
    playbook:
      description: The playbook that took it.
      type: str
    job:
      description: The AWX job that took it.
      type: str
    since:
      description: When it was taken (UTC, ISO 8601).
      type: str
    expires:
      description: Until when it is fresh.
      type: str
    stale:
      description: Whether it is past its TTL.
      type: bool
    taken_over:
      description: The lock this run took over with O(force).
      type: dict
      returned: when taken over
store_created:
  description: Whether this run created the lock's table (V(locked)).
  returned: when state is locked and not in check mode
  type: bool
released:
  description: Whether the lock was released (V(unlocked), V(absent)); false when another run had taken it over.
  returned: when state is unlocked or absent
  type: bool
'''

import getpass
import socket
import time

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.shoppulse.analytics.plugins.module_utils.aws import stack_lock as api

ARGUMENT_SPEC = dict(
    name=dict(type='str', required=True),
    state=dict(type='str', choices=['locked', 'unlocked', 'absent'], default='locked'),
    token=dict(type='str', no_log=False),
    who=dict(type='str'),
    where=dict(type='str'),
    playbook=dict(type='str'),
    job=dict(type='str'),
    ttl_minutes=dict(type='int', default=120),
    wait_seconds=dict(type='int', default=0),
    force=dict(type='str'),
    tags=dict(type='dict', default={}),
)


def lock(module, client):
    params = module.params
    if module.check_mode:
        held = api.current(client, params['name'], time.time())
        if held:
            module.warn('check mode takes no lock: ' + api.describe_holder(held))
        module.exit_json(changed=not api.table_exists(client, params['name']), lock=held or {})
    holder = dict(who=params['who'] or getpass.getuser(), where=params['where'] or socket.gethostname(),
                  playbook=params['playbook'] or '', job=params['job'] or '')
    created = api.ensure_table(client, params['name'], params['tags'])
    try:
        taken = api.acquire(client, params['name'], holder, params['ttl_minutes'] * 60, wait=params['wait_seconds'],
                            force=params['force'])
    except api.LockHeld as exc:
        module.fail_json(msg='%s. Wait for that run to end; if it is gone (killed, its host lost), take the lock over '
                             'with shoppulse_lock_force=%s' % (exc, exc.lock['token']), lock=exc.lock)
    if taken.get('taken_over'):
        module.warn('took over the lock of a run that is gone: ' + api.describe_holder(taken['taken_over']))
    module.exit_json(changed=created, lock=taken, store_created=created)


def main():
    module = AnsibleAWSModule(argument_spec=ARGUMENT_SPEC, supports_check_mode=True,
                              required_if=[('state', 'unlocked', ['token'])])
    client = module.client('dynamodb')
    params = module.params
    if params['state'] == 'locked':
        lock(module, client)
    if module.check_mode:
        module.exit_json(changed=params['state'] == 'absent' and api.table_exists(client, params['name']),
                         released=False, lock={})
    released = bool(params['token']) and api.release(client, params['name'], params['token'])
    if params['token'] and not released:
        module.warn('the lock %s was no longer this run\'s: another run took it over' % params['token'])
    removed = False
    if params['state'] == 'absent':
        held = api.current(client, params['name'], time.time())
        if held:
            module.fail_json(msg='the lock\'s table is left: ' + api.describe_holder(held), lock=held)
        removed = api.delete_table(client, params['name'])
    module.exit_json(changed=removed, released=released, lock={})


if __name__ == '__main__':
    main()
