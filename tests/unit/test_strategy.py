# Copyright (c) 2026, ShopPulse platform team
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""tests/support/strategy.py and its Mitogen preload (tests/support/mitogen_preload/sitecustomize.py)."""

import json
import os
import subprocess
import sys
import tempfile

import glob

import pytest
import yaml
from support import ROOT, strategy

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


def test_the_controller_is_recognised():
    from support.mitogen_preload import sitecustomize

    assert sitecustomize.in_ansible_controller(['/venv/bin/python', '/venv/bin/ansible-playbook', 'site.yml'])
    assert sitecustomize.in_ansible_controller(['/venv/bin/ansible-playbook', 'site.yml'])
    assert not sitecustomize.in_ansible_controller(['/venv/bin/python', '-m', 'pytest', 'ansible-playbook'])
    assert not sitecustomize.in_ansible_controller(['/venv/bin/ansible-galaxy', 'collection', 'list'])


# Stands in for ansible-playbook (the preload recognises it by this file's name): the collection loader set up as
# the CLI does, Mitogen's strategy imported, then what the preload did and what Mitogen's planner now gives.
CONTROLLER = '''
import json, sys
from ansible.plugins.loader import init_plugin_loader
init_plugin_loader([])
import sitecustomize
before = sitecustomize.RESULT
import ansible_mitogen.strategy
import ansible_mitogen.module_finder, ansible_mitogen.planner
class Invocation:
    def __init__(self):
        self._extra_sys_paths = set()
invocation = Invocation()
ansible_mitogen.planner._load_collections(invocation)
import ansible.collections.list
expected = sorted(path.decode() for path in ansible.collections.list.list_collection_dirs())
import ansible_mitogen.loaders, ansible.executor.module_common
path = ansible_mitogen.loaders.module_loader.find_plugin('ansible.builtin.ping', '')
search = ansible_mitogen.loaders.module_utils_loader._get_paths(subdirs=False)
scans = [ansible_mitogen.module_finder.scan('x', path, search) for _ in range(2)]
print(json.dumps(dict(before=before, result=sitecustomize.RESULT, paths=sorted(invocation._extra_sys_paths),
                      expected=expected, scans=scans, botocore='botocore' in sys.modules)))
'''


@needs_mitogen
def test_controller_warmed_once_mitogens_strategy_is_imported():
    with tempfile.TemporaryDirectory(prefix='shoppulse-controller-') as where:
        script = os.path.join(where, 'ansible-playbook')
        with open(script, 'w', encoding='utf-8') as handle:
            handle.write(CONTROLLER)
        proc = subprocess.run([sys.executable, script], capture_output=True, text=True, check=True,
                              env=dict(os.environ, PYTHONPATH=os.pathsep.join([strategy.PRELOAD_DIR] + sys.path[1:])))
    seen = json.loads(proc.stdout.splitlines()[-1])
    assert seen['before'] is None  # nothing happens before Mitogen's strategy is imported
    assert seen['result'].startswith('controller warmed (%d collections; once: collections, compile; ' % len(seen['expected']))
    assert seen['result'].endswith(' objects frozen)')
    assert seen['paths'] == seen['expected'] and len(seen['expected']) > 10
    # the scan gives the modules it gave before, the second time from the compiled code it kept
    assert seen['scans'][0] == seen['scans'][1]
    assert 'ansible.module_utils.basic' in [name for name, _path, _is_pkg in seen['scans'][0]]
    assert seen['botocore']


def test_compile_once_keeps_what_compile_gives():
    from support.mitogen_preload import sitecustomize

    class Planner:
        def _load_collections(self, invocation):
            raise AssertionError('replaced')

    class Finder:
        def _scan_importlib_find_spec(self):
            pass

    class Invocation:
        _extra_sys_paths = set()

    planner, finder = Planner(), Finder()
    assert sitecustomize.memoise_mitogen(planner, finder, ['/c/ansible_collections']) == ['collections', 'compile']
    invocation = Invocation()
    planner._load_collections(invocation)
    assert invocation._extra_sys_paths == {'/c/ansible_collections'}
    first = finder.compile(b'import os\nx = 1\n', 'm', 'exec')
    assert finder.compile(b'import os\nx = 1\n', 'm', 'exec') is first
    assert finder.compile(b'import os\nx = 2\n', 'm', 'exec') is not first
    namespace = {}
    exec(first, namespace)  # pylint: disable=exec-used
    assert namespace['x'] == 1
    # a Mitogen without these functions is left alone
    assert sitecustomize.memoise_mitogen(object(), object(), []) == []


def tasks_of(node):
    """Every task (a mapping with a name or an action) in a parsed tasks file or playbook, blocks included."""
    if isinstance(node, list):
        for item in node:
            yield from tasks_of(item)
    elif isinstance(node, dict):
        if 'name' in node or 'hosts' not in node:
            yield node
        for key in ('tasks', 'pre_tasks', 'post_tasks', 'handlers', 'block', 'rescue', 'always'):
            yield from tasks_of(node.get(key))


def test_no_task_runs_asynchronously():
    """Under Mitogen 0.3.54 a collection module run with ``async`` never finishes: its forked job detaches
    from the controller before it has loaded the collection's module_utils (docs/performance.md, "The first
    run, and where it stays"). make site and the tests use Mitogen's strategy, so no task may use async."""
    files = (glob.glob(os.path.join(ROOT, 'roles', '*', 'tasks', '*.yml')) + glob.glob(os.path.join(ROOT, 'playbooks', '*.yml'))
             + [os.path.join(ROOT, 'site.yml')])
    assert len(files) > 10
    found = []
    for path in files:
        with open(path) as handle:
            for task in tasks_of(yaml.safe_load(handle)):
                if 'async' in task:
                    found.append('%s: %s' % (os.path.relpath(path, ROOT), task.get('name')))
    assert found == []
