# Copyright (c) 2026, ShopPulse platform team
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The whole site on the local inventory: the first run, the no-op run, the tasks, and where the time goes.

  python benchmarks/site.py [--runs 3] [--first-runs 3] [--json benchmarks/results/site.json]

For each strategy, Ansible's own `linear` and Mitogen's `mitogen_linear` (what `make site` uses,
tests/support/strategy.py), starts its own moto server and PostgreSQL (tests/support/localsite.py, what `make site`
runs against) and runs `ansible-playbook site.yml` as `make site` does: once on the empty emulated
account, then --runs times with nothing to do; the first run is repeated --first-runs times on sites of
its own (the strategies alternating) and the medians compared, as one first run varies by a tenth.
The two strategies' figures are printed side by side,
with whether every task gave the same action and changed status under both. Each task's action and duration come from the ansible.posix.json callback, and the
no-op run's time is split into AWS API tasks, PostgreSQL tasks and Ansible's own (facts, includes,
argument checks). The floors it is set against are measured in the same run: a playbook of
ansible.builtin.ping tasks (Ansible's own cost of a module task on this machine) and one of
amazon.aws.aws_az_info tasks (the cheapest AWS API task: Python, boto3 and one call).
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import re
import sys
import time

import yaml

from common import ROOT, arguments, median, print_table, verdict, write_json

from support import BIN, localsite, strategy
from support import playbook as runner

AWS_COLLECTIONS = ('amazon.aws.', 'community.aws.')
AWS_OWN = ('shoppulse.analytics.rds_proxy', 'shoppulse.analytics.vpc_flow_log')
PG_ACTIONS = ('community.postgresql.', 'shoppulse.analytics.schema_', 'shoppulse.analytics.seed_load')
FLOOR_TASKS = 20


STRATEGIES = ('linear', 'mitogen')


def environment(report, how='linear'):
    mitogen = strategy.environment({'PYTHONPATH': os.environ.get('PYTHONPATH', '')}) if how == 'mitogen' else {}
    if how == 'mitogen' and not mitogen:
        raise SystemExit('site: Mitogen is not installed (requirements/local.txt)')
    return runner.environment(json_output=report, aws=localsite.CREDENTIALS, linear=how == 'linear',
                              PATH=os.pathsep.join([BIN, os.environ.get('PATH', '')]), **mitogen)


def kind(action):
    if action.startswith(AWS_COLLECTIONS) or action.startswith(AWS_OWN):
        return 'AWS API'
    if action.startswith(PG_ACTIONS):
        return 'PostgreSQL'
    return 'Ansible itself'


def playbook(base, path, *extra, report=True, how='linear'):
    """Run a playbook; (wall seconds, [(action, seconds, changed, skipped, task name)], the recap of localhost).

    report=False: as `make site` shows it (the default output callback; no tasks, the recap from its text).
    """
    started = time.perf_counter()
    proc = runner.run(path, *extra, inventory=os.path.join(base, 'inventories', 'local'), env=environment(report, how),
                      json_output=report, timeout=1800)
    wall = time.perf_counter() - started
    if not report:
        recap = re.search(r'localhost\s+: ok=(\d+)\s+changed=(\d+)\s+unreachable=(\d+)\s+failed=(\d+)', proc.stdout)
        if proc.returncode != 0 or not recap:
            raise RuntimeError('%s failed: %s' % (path, proc.text[-3000:]))
        return wall, None, dict(zip(('ok', 'changed', 'unreachable', 'failures'), map(int, recap.groups())))
    report = proc.output
    if proc.returncode != 0:
        raise RuntimeError('%s failed: %s' % (path, json.dumps(report['stats'])))
    tasks = []
    for play in report['plays']:
        for task in play['tasks']:
            duration = task['task']['duration']
            seconds = (parse(duration['end']) - parse(duration['start'])).total_seconds() if 'end' in duration else 0.0
            result = next(iter(task['hosts'].values()), {})
            tasks.append((result.get('action', ''), seconds, bool(result.get('changed')), bool(result.get('skipped')),
                          task['task']['name']))
    return wall, tasks, report['stats']['localhost']


def parse(stamp):
    return datetime.datetime.strptime(stamp, '%Y-%m-%dT%H:%M:%S.%fZ')


def floor_playbook(base, module, args):
    path = os.path.join(base, 'floor-%s.yml' % module.rsplit('.', 1)[-1])
    with open(path, 'w') as handle:
        yaml.safe_dump([{'name': 'floor', 'hosts': 'localhost', 'gather_facts': False, 'tasks': [
            {'name': 'task %d' % n, module: args} for n in range(FLOOR_TASKS)]}], handle)
    return path


def breakdown(tasks):
    out = {}
    for action, seconds, dummy, dummy, dummy in tasks:
        count, total = out.get(kind(action), (0, 0.0))
        out[kind(action)] = (count + 1, total + seconds)
    return out


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n', maxsplit=1)[0])
    parser.add_argument('--runs', type=int, default=3)
    parser.add_argument('--first-runs', type=int, default=3,
                        help='first runs of each strategy, each on a site of its own (the median is compared)')
    parser.add_argument('--json', default=os.path.join(ROOT, 'benchmarks', 'results', 'site.json'))
    args = arguments(parser, argv, smoke=dict(runs=1, first_runs=1))

    runs = {}
    firsts = dict((how, []) for how in STRATEGIES)
    for dummy in range(args.first_runs - 1):  # the other first runs, the strategies alternating, each on a new site
        for how in STRATEGIES:
            with localsite.local_site('shoppulse-bench-site-') as (base, dummy):
                outputs = ['-e', 'shoppulse_outputs_file=%s' % os.path.join(base, 'outputs.yml')]
                firsts[how].append(playbook(base, 'site.yml', *outputs, report=False, how=how)[0])
    for how in STRATEGIES:
        with localsite.local_site('shoppulse-bench-site-') as (base, dummy):
            outputs = ['-e', 'shoppulse_outputs_file=%s' % os.path.join(base, 'outputs.yml')]
            first_wall, first_tasks, dummy = playbook(base, 'site.yml', *outputs, how=how)
            firsts[how].append(first_wall)
            first_wall = median(firsts[how])
            noop = [playbook(base, 'site.yml', *outputs, report=False, how=how) for dummy in range(args.runs)]
            noop_tasks = playbook(base, 'site.yml', *outputs, how=how)[1]  # once more, for the tasks and their times
            if how == 'linear':  # Ansible's own cost of a task, and the cheapest AWS task's
                ping_wall = playbook(base, floor_playbook(base, 'ansible.builtin.ping', {}))[1]
                aws_floor = playbook(base, floor_playbook(base, 'amazon.aws.aws_az_info', {
                    'region': 'eu-west-1', 'endpoint_url': '{{ shoppulse_aws_endpoint_url }}'}))[1]
        runs[how] = dict(first=first_wall, firsts=firsts[how], first_tasks=first_tasks, noop=[wall for wall, dummy, dummy in noop],
                         noop_recaps=[recap for dummy, dummy, recap in noop], noop_tasks=noop_tasks)

    linear, mitogen = runs['linear'], runs['mitogen']
    noop_walls = mitogen['noop']
    noop_tasks = mitogen['noop_tasks']
    parts = breakdown(noop_tasks)
    ping = median(task[1] for task in ping_wall)
    aws = median(task[1] for task in aws_floor)
    first_ratio = mitogen['first'] / linear['first']
    noop_ratio = median(mitogen['noop']) / median(linear['noop'])

    def ran(tasks):
        return [(name, action, changed) for action, dummy, changed, skipped, name in tasks if not skipped]

    def same(key):
        # the tasks that ran, by name, action and changed status; skipped tasks are left out, since the two
        # strategies do not report the same skipped tasks (test_site.py compares everything else they return)
        return ran(linear[key]) == ran(mitogen[key])

    rows = [
        ('first run, s (median of %d)' % args.first_runs, '%.1f' % mitogen['first'], '%.1f' % linear['first'],
         '%.2f' % first_ratio, '<= 0.6', first_ratio <= 0.6),
        ('no-op run, s (median of %d)' % args.runs, '%.1f' % median(mitogen['noop']), '%.1f' % median(linear['noop']),
         '%.2f' % noop_ratio, '<= 0.5', noop_ratio <= 0.5),
        ('no-op run under 20 s', '%.1f' % median(mitogen['noop']), '-', '-', '< 20 s', median(mitogen['noop']) < 20),
        # the machine's speed drifts; in units of the AWS floor measured in this run, the figure does not
        ('no-op run, in AWS-task floors', '%.0f' % (median(mitogen['noop']) / aws), '%.0f' % (median(linear['noop']) / aws),
         '-', '-', None),
        ('tasks that ran, first / no-op', '%d / %d' % (len(ran(mitogen['first_tasks'])), len(ran(mitogen['noop_tasks']))),
         '%d / %d' % (len(ran(linear['first_tasks'])), len(ran(linear['noop_tasks']))), '-', 'equal',
         same('first_tasks') and same('noop_tasks')),
        ('same name, action, changed, task by task', 'first %s, no-op %s' % (same('first_tasks'), same('noop_tasks')),
         '-', '-', 'True', same('first_tasks') and same('noop_tasks')),
        ('changed, no-op runs', max(r['changed'] for r in mitogen['noop_recaps']),
         max(r['changed'] for r in linear['noop_recaps']), '-', '0',
         all(r['changed'] == 0 for how in STRATEGIES for r in runs[how]['noop_recaps'])),
    ]
    print_table('make site (ansible-playbook site.yml, local inventory): Mitogen\'s strategy against Ansible\'s own, '
                'first run, then %d no-op runs' % args.runs, ('measure', 'mitogen_linear', 'linear', 'ratio', 'target'), rows)
    where = []
    for name in ('AWS API', 'PostgreSQL', 'Ansible itself'):
        count, total = parts.get(name, (0, 0.0))
        floor = aws if name == 'AWS API' else ping if name == 'PostgreSQL' else None
        where.append(('%s tasks: %d' % (name, count), '%.1f s (%.2f each)' % (total, total / count if count else 0),
                      '%.2f each' % floor if floor else '-', '%.1f' % ((total / count) / floor) if floor and count else '-',
                      '-', None))
    where.append(('outside the tasks (start-up, parsing)',
                  '%.1f s' % (median(noop_walls) - sum(task[1] for task in noop_tasks)), '-', '-', '-', None))
    print_table('where the no-op run goes with Mitogen; floors (linear): ansible.builtin.ping %.2f s a task, '
                'amazon.aws.aws_az_info %.2f s a task' % (ping, aws), ('part', 'no-op run', 'floor', 'ratio', 'target'), where)
    slowest = sorted(noop_tasks, key=lambda item: -item[1])[:5]  # (action, seconds, ...)
    print('slowest no-op tasks: %s' % ', '.join('%s %.2f s' % item[:2] for item in slowest))
    # the first run: the tasks that take longest under Mitogen, with linear's time for the same task beside them
    linear_first = dict((task[4], task[1]) for task in linear['first_tasks'])
    print_table('slowest first-run tasks with Mitogen, against linear', ('task', 'mitogen_linear, s', 'linear, s', 'ratio',
                                                                         'target'),
                [(name[:60], '%.2f' % seconds, '%.2f' % linear_first.get(name, 0.0),
                  '%.2f' % (seconds / linear_first[name]) if linear_first.get(name) else '-', '-', None)
                 for dummy, seconds, dummy, dummy, name in sorted(mitogen['first_tasks'], key=lambda t: -t[1])[:8]])
    met = all(r[5] is not False for r in rows)
    write_json(args.json, dict(runs=args.runs,
                               strategies=dict((how, dict(first_run_seconds=runs[how]['first'],
                                                          first_runs_seconds=runs[how]['firsts'],
                                                          noop_run_seconds=runs[how]['noop'])) for how in STRATEGIES),
                               tasks=dict(first=len(mitogen['first_tasks']), noop=len(noop_tasks)),
                               breakdown=dict((k, dict(tasks=v[0], seconds=v[1])) for k, v in parts.items()),
                               floors=dict(ping=ping, aws_az_info=aws), met=met))
    # the first three rows are speed targets; the same tasks under both strategies and changed=0, checks
    return verdict(args, [r[5] for r in rows[:3]], [r[5] for r in rows[3:]])


if __name__ == '__main__':
    sys.exit(main())
