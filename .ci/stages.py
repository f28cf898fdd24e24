# Copyright (c) 2026, ShopPulse platform team
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Run make targets as stages, stop at the first that fails, and say how long each took.

    python .ci/stages.py STAGE ...     (make test runs its stages through it)

A stage is a target, or targets joined by "|", which run at the same time: the first shows its
output as it comes, the others' is shown when they end (e.g. `integration|test-matrix`: both are
mostly CPU-bound, but neither keeps both cores busy all the time). The table at the end gives each
stage's wall time and the CPU time of its processes, so that a slow run shows where the time went.
"""

import os
import resource
import subprocess
import sys
import tempfile
import time


def cpu():
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run_stage(make, targets):
    """Run the targets at the same time; returns the status of the first that failed (0 if none)."""
    first = subprocess.Popen([make, '--no-print-directory', targets[0]])
    others = []
    for target in targets[1:]:
        log = tempfile.TemporaryFile()
        others.append((target, subprocess.Popen([make, '--no-print-directory', target], stdout=log,
                                                stderr=subprocess.STDOUT), log))
    statuses = [first.wait()]
    for target, proc, log in others:
        statuses.append(proc.wait())
        log.seek(0)
        sys.stdout.flush()
        print('== output of %s (ran beside %s)' % (target, targets[0]), flush=True)
        sys.stdout.buffer.write(log.read())
        sys.stdout.flush()
        log.close()
    return next((status for status in statuses if status), 0)


def main(stages):
    make = os.environ.get('MAKE', 'make')
    rows = []
    status = 0
    for stage in stages:
        started, cpu_before = time.monotonic(), cpu()
        status = run_stage(make, stage.split('|'))
        rows.append((stage, time.monotonic() - started, cpu() - cpu_before, status))
        print('== stage %s: %s in %.0f s' % (stage, 'passed' if status == 0 else 'FAILED', rows[-1][1]), flush=True)
        if status:
            break
    print('\n%-24s %8s %8s' % ('stage', 'wall s', 'cpu s'))
    for stage, wall, used, code in rows:
        print('%-24s %8.0f %8.0f%s' % (stage, wall, used, '' if code == 0 else '  FAILED'))
    print('%-24s %8.0f %8.0f' % ('total', sum(r[1] for r in rows), sum(r[2] for r in rows)), flush=True)
    return status


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
