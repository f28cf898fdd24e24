# Copyright (c) 2026, ShopPulse platform team
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""tests/support/strategy.py and its Mitogen preload (tests/support/mitogen_preload/sitecustomize.py)."""

import json
import os
import subprocess
import sys
import tempfile

import pytest
from support import strategy

needs_mitogen = pytest.mark.skipif(strategy.mitogen_strategy_dir() is None, reason='mitogen is in requirements/local.txt')

# What a child Python reports: the preload's RESULT, whether botocore is imported, and whether two sessions share a loader.
PROBE = '''
import json, sys
import sitecustomize
loaded = 'botocore' in sys.modules
shared = None
if loaded:
    import botocore.session
    a, b = botocore.session.Session(), botocore.session.Session()
    shared = a.get_component('data_loader') is b.get_component('data_loader')
    shared = shared and bool(a.get_component('data_loader')._cache)
print(json.dumps(dict(result=sitecustomize.RESULT, loaded=loaded, shared=shared, file=sitecustomize.__file__)))
'''


def probe(argv0, pythonpath):
    proc = subprocess.run([argv0, '-c', PROBE], executable=sys.executable, capture_output=True, text=True, check=True,
                          env=dict(os.environ, PYTHONPATH=pythonpath))
    assert proc.stderr == ''
    return json.loads(proc.stdout)


@needs_mitogen
def test_mitogen_strategy_and_preload_on_the_given_pythonpath():
    env = strategy.environment({'PYTHONPATH': '/a' + os.pathsep + '/b'})
    assert env['ANSIBLE_STRATEGY'] == 'mitogen_linear'
    assert os.path.isfile(os.path.join(env['ANSIBLE_STRATEGY_PLUGINS'], 'mitogen_linear.py'))
    assert env['PYTHONPATH'] == os.pathsep.join([strategy.PRELOAD_DIR, '/a', '/b'])
    assert strategy.environment({})['PYTHONPATH'] == strategy.PRELOAD_DIR


@needs_mitogen
def test_switches():
    assert strategy.environment({'SHOPPULSE_MITOGEN': '0'}) == {}
    assert 'PYTHONPATH' not in strategy.environment({'SHOPPULSE_MITOGEN_PRELOAD': '0', 'PYTHONPATH': '/a'})


@needs_mitogen
def test_without_gives_back_the_linear_environment():
    run = dict(PATH='/bin', PYTHONPATH='/a')
    env = dict(run, **strategy.environment(run))
    assert strategy.without(env) == dict(run, ANSIBLE_STRATEGY='linear')
    assert strategy.without(dict(env, PYTHONPATH=strategy.PRELOAD_DIR)) == dict(PATH='/bin', ANSIBLE_STRATEGY='linear')


def test_preload_only_in_mitogens_target_interpreter():
    inside = probe(sys.executable + '(mitogen:root@localhost:1234)', strategy.PRELOAD_DIR)
    assert inside == dict(result='preloaded', loaded=True, shared=True,
                          file=os.path.join(strategy.PRELOAD_DIR, 'sitecustomize.py'))
    # anywhere else (ansible-playbook, a task's own python, Mitogen's first stage) it imports nothing
    outside = probe(sys.executable, strategy.PRELOAD_DIR)
    assert outside['result'] is None and outside['loaded'] is False


def test_the_sitecustomize_it_shadows_still_runs():
    with tempfile.TemporaryDirectory(prefix='shoppulse-sitecustomize-') as other:
        marker = os.path.join(other, 'ran')
        with open(os.path.join(other, 'sitecustomize.py'), 'w', encoding='utf-8') as handle:
            handle.write('open(%r, "w").close()\n' % marker)
        probe(sys.executable, os.pathsep.join([strategy.PRELOAD_DIR, other]))
        assert os.path.exists(marker)


def test_the_target_argv0_is_recognised():
    from support.mitogen_preload import sitecustomize  # the module, imported under another name: main() does not run

    assert sitecustomize.in_mitogen_target(['/usr/bin/python3(mitogen:ci@host:99)'])
    assert not sitecustomize.in_mitogen_target(['/usr/bin/python3', '-c', 'import sys'])
    assert not sitecustomize.in_mitogen_target([])
    assert sitecustomize.RESULT is None
