# Copyright (c) 2026, ShopPulse platform team
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Every benchmark once, at a small size (--smoke), so that none breaks unseen between two `make bench` runs:
it runs to its end, its checks hold (the speed targets are not judged at this size), and it writes its figures."""

import glob
import json
import os
import re
import subprocess
import sys

import pytest

from support import ROOT

BENCHMARKS = sorted(os.path.basename(path)[:-3] for path in glob.glob(os.path.join(ROOT, 'benchmarks', '*.py'))
                    if not path.endswith('common.py'))
SLOW = {'site'}  # playbook runs: started first


def test_make_bench_runs_every_benchmark_and_goes_on_past_a_failing_one():
    with open(os.path.join(ROOT, 'Makefile')) as handle:
        makefile = handle.read()
    assert re.search(r'^BENCHMARKS := .*\$\(wildcard benchmarks/\*\.py\)', makefile, re.M), 'make bench lists them itself'
    listed = subprocess.run(['make', '-s', '-n', 'bench'], cwd=ROOT, capture_output=True, text=True, check=False)
    for name in BENCHMARKS:
        assert name in listed.stdout, (name, listed.stdout[-2000:], listed.stderr[-2000:])
    assert '|| failed=' in listed.stdout  # one that fails does not stop the others


@pytest.mark.parametrize('name', [pytest.param(n, marks=pytest.mark.long) if n in SLOW else n for n in BENCHMARKS])
def test_a_benchmark_runs_once_small_and_its_checks_hold(name, tmp_path):
    figures = tmp_path / ('%s.json' % name)
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([os.path.join(ROOT, 'collections'), os.path.join(ROOT, 'tests')]))
    proc = subprocess.run([sys.executable, os.path.join(ROOT, 'benchmarks', name + '.py'), '--smoke', '--json', str(figures)],
                          cwd=ROOT, env=env, capture_output=True, text=True, check=False, timeout=1200)
    assert proc.returncode == 0, (proc.stdout[-4000:], proc.stderr[-4000:])
    assert 'smoke run (--smoke)' in proc.stdout and json.loads(figures.read_text()), proc.stdout[-2000:]
