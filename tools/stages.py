# Copyright (c) 2026, ShopPulse platform team
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Run make targets one after the other, stop at the first that fails, and say how long each took.

    python tools/stages.py TARGET ...     (make test runs its stages through it)

The table at the end gives each stage's wall time and the CPU time of its processes, so that a
slow CI run shows where the time went.
"""

import os
import resource
import subprocess
import sys
import time


def cpu():
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def main(targets):
    make = os.environ.get('MAKE', 'make')
    rows = []
    status = 0
    for target in targets:
        started, cpu_before = time.monotonic(), cpu()
        status = subprocess.call([make, '--no-print-directory', target])
        rows.append((target, time.monotonic() - started, cpu() - cpu_before, status))
        print('== stage %s: %s in %.0f s' % (target, 'passed' if status == 0 else 'FAILED', rows[-1][1]), flush=True)
        if status:
            break
    print('\n%-16s %8s %8s' % ('stage', 'wall s', 'cpu s'))
    for target, wall, used, code in rows:
        print('%-16s %8.0f %8.0f%s' % (target, wall, used, '' if code == 0 else '  FAILED'))
    print('%-16s %8.0f %8.0f' % ('total', sum(r[1] for r in rows), sum(r[2] for r in rows)), flush=True)
    return status


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
