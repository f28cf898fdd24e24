# Copyright (c) 2026, ShopPulse platform team
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The stack at AWS's pace: the first run, a run that changes a setting RDS applies with a restart, and teardown,
each against its critical path (issue 43).

  python benchmarks/pace.py [--pace 0.05] [--json benchmarks/results/pace.json]

On the emulated AWS each resource stays in its intermediate state (a NAT gateway pending, an instance creating,
rebooting or deleting, a proxy creating, its target registering, ...) for --pace times the seconds AWS takes
(tests/support/moto_pace.py: DURATIONS, from AWS's documentation and users' reports). The three runs are made
twice, each time on a server of their own: at that pace, and at none (moto's: everything at once), which is the
runs' own work: Ansible, the API calls, amazon.aws's fixed sleeps.

A run's critical path is its own work plus the longest chain of waits that must follow each other (CHAINS: what
each wait must come after, from the dependencies between the resources), at the pace: a run that starts what does
not depend on each other before it waits, and waits once, takes about that; one that waits for each thing in turn
takes the sum of its waits. The target: each run at most 1.15 of its critical path. The first run's time on AWS is
stated as its waits at AWS's pace (what the pace stretched, divided by it) plus its own work here.

The polls of the playbooks' own waits (shoppulse_poll_seconds, 15 s on AWS) are scaled by the same pace, as a
poll every 15 s of a wait of ten minutes is, at 1/20, one every 0.75 s of a wait of 30 s.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import time

from common import ROOT, arguments, print_table, verdict, workdir, write_json

from support import localaws, moto_pace
from support import playbook as runner

CREDENTIALS = dict(AWS_ACCESS_KEY_ID='testing', AWS_SECRET_ACCESS_KEY='testing', AWS_SESSION_TOKEN='testing')
REGION = 'eu-west-1'
POLL_SECONDS = 15  # roles/shoppulse/defaults/main.yml: shoppulse_poll_seconds, on AWS
TARGET = 1.15
# what each wait must follow, by the dependencies between the resources (a wait with none can start at once)
CHAINS = {
    'first run': {
        'nat-gateway-pending': [],
        'rds-instance-creating': [],
        'rds-proxy-creating': [],
        'rds-proxy-target-registering': ['rds-instance-creating', 'rds-proxy-creating'],
    },
    # a static parameter changed with database_apply_immediately: the instance restarts
    'a setting applied with a restart': {'rds-instance-rebooting': []},
    # nothing of the network can go before the NAT gateway, the instance and the proxy, which can go together
    'teardown': {'rds-proxy-deleting': [], 'rds-instance-deleting': [], 'nat-gateway-deleting': []},
}
RUNS = (('first run', 'provision.yml', {}),
        ('a setting applied with a restart', 'provision.yml',
         dict(database_parameters={'shared_preload_libraries': 'pg_stat_statements'}, database_apply_immediately=True)),
        ('teardown', 'teardown.yml', {}))


def longest(chain: dict, pace: float) -> tuple[float, list[str]]:
    """(seconds, waits) of the longest chain of waits of ``chain`` at ``pace``."""
    best: dict[str, tuple[float, list[str]]] = {}

    def ending_at(wait):
        if wait not in best:
            before = max((ending_at(w) for w in chain[wait]), default=(0.0, []), key=lambda found: found[0])
            best[wait] = (before[0] + moto_pace.DURATIONS[wait] * pace, before[1] + [wait])
        return best[wait]

    return max((ending_at(wait) for wait in chain), key=lambda found: found[0])


def runs(base: str, pace: float, name: str) -> dict[str, dict]:
    """The three runs, one after the other, on a server of their own at ``pace``: {run: {seconds, changed}}."""
    directory = os.path.join(base, name)
    os.makedirs(directory)
    done = {}
    with localaws.emulated(directory, SHOPPULSE_MOTO_PACE=str(pace)) as server:
        for label, playbook, settings in RUNS:
            extra = dict(settings, shoppulse_aws_endpoint_url=server.endpoint_url, shoppulse_aws_region=REGION,
                         shoppulse_name='shoppulse-pace', shoppulse_outputs_file=os.path.join(directory, 'outputs.yml'),
                         shoppulse_poll_seconds=max(POLL_SECONDS * pace, 0.2))
            started = time.perf_counter()
            result = runner.run(os.path.join(ROOT, 'playbooks', playbook), extra_vars=extra,
                                env=runner.environment(aws=CREDENTIALS), timeout=3600)
            seconds = time.perf_counter() - started
            if result.returncode != 0:
                raise RuntimeError('%s at pace %g failed: %s' % (playbook, pace, result.failures()))
            done[label] = dict(seconds=seconds, changed=len(result.changed()))
            print('  %s at pace %g: %.1f s' % (label, pace, seconds), flush=True)
    return done


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n', maxsplit=1)[0])
    parser.add_argument('--pace', type=float, default=0.05, help='the share of AWS\'s time each state lasts')
    parser.add_argument('--json', default=os.path.join(ROOT, 'benchmarks', 'results', 'pace.json'))
    args = arguments(parser, argv, smoke=dict(pace=0.01))
    base = workdir()
    try:
        paced = runs(base, args.pace, 'paced')
        own = runs(base, 0, 'at-once')
    finally:
        shutil.rmtree(base, ignore_errors=True)
    rows, figures, speed = [], {}, []
    for label, dummy, dummy in RUNS:
        waits, chain = longest(CHAINS[label], args.pace)
        critical = own[label]['seconds'] + waits
        ratio = paced[label]['seconds'] / critical
        speed.append(ratio <= TARGET)
        rows.append(('%s, s' % label, '%.1f' % paced[label]['seconds'],
                     '%.1f (%.1f own + %.1f waits)' % (critical, own[label]['seconds'], waits), '%.2f' % ratio,
                     '<= %.2f' % TARGET, ratio <= TARGET))
        figures[label] = dict(paced=paced[label], at_once=own[label], critical_path_waits=chain,
                              critical_path_seconds=critical, ratio=ratio)
    first = figures['first run']
    on_aws = (first['paced']['seconds'] - first['at_once']['seconds']) / args.pace + first['at_once']['seconds']
    print_table('The stack at 1/%.0f of AWS\'s pace: each run against its critical path (its own work, measured at '
                'no pace, plus its longest chain of waits)' % (1 / args.pace),
                ('run', 'at the pace', 'critical path', 'ratio', 'target'), rows)
    for label, dummy, dummy in RUNS:
        print('  %s: critical chain %s' % (label, ' -> '.join(figures[label]['critical_path_waits'])))
    print('the first run on AWS: about %.0f minutes (its waits at AWS\'s pace, %.0f s, plus its own work here, %.0f s)'
          % (on_aws / 60, on_aws - first['at_once']['seconds'], first['at_once']['seconds']))
    checks = [paced['first run']['changed'] > 0, paced['a setting applied with a restart']['changed'] > 0]
    write_json(args.json, dict(pace=args.pace, runs=figures, first_run_minutes_on_aws=on_aws / 60,
                               durations=moto_pace.DURATIONS))
    return verdict(args, speed, checks)


if __name__ == '__main__':
    sys.exit(main())
