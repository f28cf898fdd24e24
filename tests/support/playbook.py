# Copyright (c) 2026, ShopPulse platform team
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The one way the tests run ansible-playbook, and read what it reports.

    result = playbook.run('playbooks/provision.yml', '--check', extra_vars={'shoppulse_name': 'x'},
                          env=playbook.environment(aws=CREDENTIALS))
    result.returncode, result.tasks, result.stats, result.failures(), result.changed()

A run reports through the ansible.posix.json callback unless ``json_output=False`` (then only its
text is kept). Its environment is this process's without any ``AWS_*`` variable (no run may find a
real account's credentials), with the checkout's ansible.cfg; ``environment()`` adds the rest.

A run uses the ansible-playbook of one end of the supported range (ENDS): this virtualenv's (the
controller's: ansible 12 on Python 3.11 here) unless SHOPPULSE_ANSIBLE_END=newest is in its environment
(the Makefile's .venv-newest: ansible 14 on Python 3.13), which the ``ansible_end`` fixture sets for the
tests that run on both ends; the managed node's Python is that end's too.
"""

from __future__ import annotations

import glob
import json
import os
import signal
import subprocess
import sys

import yaml

from support import BIN, ROOT, strategy

# the two ends of the supported range: their virtualenvs' bin directories
ENDS = {'controller': BIN, 'newest': os.path.join(ROOT, '.venv-newest', 'bin')}
END_VARIABLE = 'SHOPPULSE_ANSIBLE_END'


def end_bin(env=None):
    """The bin directory of the end a run's environment names (the controller's when none)."""
    end = (os.environ if env is None else env).get(END_VARIABLE) or 'controller'
    path = ENDS[end]
    if not os.path.exists(os.path.join(path, 'ansible-playbook')):
        raise AssertionError('%s has no ansible-playbook: make test-venv makes it' % path)
    return path


def local(env=None):
    """What inventory 'localhost,' needs: the end's Python (its boto3, psycopg, ...) as the managed node's."""
    python = sys.executable if end_bin(env) == BIN else os.path.join(end_bin(env), 'python')
    return ('-i', 'localhost,', '-c', 'local', '-e', 'ansible_python_interpreter=%s' % python)


def python(env=None):
    """The Python of the end a run's environment names."""
    return local(env)[-1].split('=', 1)[1]


def environment(*, json_output=True, aws=None, linear=False, **extra):
    """The environment of a run.

    aws: the (dummy) credentials of the emulated AWS; linear: Ansible's own strategy instead of the
    suite's (Mitogen's when installed, support/strategy.py); extra: more variables, None to remove one.
    """
    env = dict((k, v) for k, v in os.environ.items() if not k.startswith('AWS_'))
    env.update(ANSIBLE_CONFIG=os.path.join(ROOT, 'ansible.cfg'), ANSIBLE_NOCOLOR='1')
    if json_output:
        env['ANSIBLE_STDOUT_CALLBACK'] = 'ansible.posix.json'
    env.update(aws or {})
    if linear:
        env = strategy.without(env)
    for name, value in extra.items():
        if value is None:
            env.pop(name, None)
        else:
            env[name] = value
    if env.get('ANSIBLE_STRATEGY_PLUGINS') and end_bin(env) != BIN:  # Mitogen's strategy of that end's virtualenv
        found = glob.glob(os.path.join(os.path.dirname(end_bin(env)), 'lib', 'python*', 'site-packages', 'ansible_mitogen',
                                       'plugins', 'strategy'))
        env['ANSIBLE_STRATEGY_PLUGINS'] = found[0]
    return env


class Run:
    """One finished run: its status, its text, and (with the JSON callback) its tasks and stats."""

    def __init__(self, args, returncode, stdout, stderr, json_output=True, host='localhost'):
        self.args = args
        self.returncode = returncode
        self.stdout = stdout
        self.stderr = stderr
        self.host = host
        self.output = None
        if json_output:
            try:
                self.output = json.loads(stdout)
            except ValueError:
                raise AssertionError('no JSON from %s (status %s):\n%s\n%s' % (
                    ' '.join(args), returncode, stdout[-4000:], stderr[-2000:])) from None

    @property
    def text(self):
        return self.stdout + self.stderr

    @property
    def tasks(self):
        """[(task name, the host's result)] in the order they ran, every play's."""
        return [(task['task']['name'], task['hosts'].get(self.host, {}))
                for play in self.output['plays'] for task in play['tasks']]

    @property
    def stats(self):
        return self.output['stats'].get(self.host, {})

    def failures(self):
        """The failed tasks' messages, a loop's failed items' too."""
        return [(name, result.get('msg'), [item.get('msg') for item in result.get('results', []) if item.get('failed')])
                for name, result in self.tasks if result.get('failed')]

    def changed(self):
        return [name for name, result in self.tasks if result.get('changed')]

    def messages(self):
        """Every message of every task and loop item."""
        found = [result.get('msg', '') for dummy, result in self.tasks]
        return found + [item.get('msg', '') for dummy, result in self.tasks for item in result.get('results', [])]

    def __repr__(self):
        return '<Run %s: status %s>' % (' '.join(self.args[-1:]), self.returncode)


def command(playbook, *args, inventory=None, extra_vars=None, env=None):
    """ansible-playbook's command line (of the end ``env`` names): on ``inventory`` (else localhost with that
    end's Python), extra_vars as JSON."""
    line = [os.path.join(end_bin(env), 'ansible-playbook')] + (['-i', inventory] if inventory else list(local(env)))
    if extra_vars:
        line += ['-e', json.dumps(extra_vars)]
    return line + [str(playbook)] + [str(a) for a in args]


def start(playbook, *args, inventory=None, extra_vars=None, env=None, cwd=ROOT):
    """Start a run; ``finish`` waits for it (to run two at the same time)."""
    env = env if env is not None else environment()
    line = command(playbook, *args, inventory=inventory, extra_vars=extra_vars, env=env)
    return subprocess.Popen(line, cwd=cwd, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)


def finish(proc, json_output=True, timeout=900):
    stdout, stderr = proc.communicate(timeout=timeout)
    return Run(proc.args, proc.returncode, stdout, stderr, json_output=json_output)


def _children():
    """{pid: [its children's pids]} of every process now."""
    children = {}
    for entry in [e for e in os.listdir('/proc') if e.isdigit()]:
        try:
            with open('/proc/%s/stat' % entry) as handle:
                ppid = int(handle.read().rsplit(')', 1)[1].split()[1])
        except (OSError, ValueError, IndexError):  # one that ended meanwhile
            continue
        children.setdefault(ppid, []).append(int(entry))
    return children


def kill_tree(proc):
    """SIGKILL a run's every process, as a lost machine would: ansible-playbook's workers each start a session of
    their own (setsid), so that a signal to its process group leaves them running the task they had. Every process
    is stopped first, until none is left that could start another, then killed."""
    stopped = set()
    while True:
        found, children, queue = set(), _children(), [proc.pid]
        while queue:
            pid = queue.pop()
            found.add(pid)
            queue.extend(children.get(pid, []))
        if found <= stopped:
            break
        for pid in found - stopped:
            try:
                os.kill(pid, signal.SIGSTOP)
            except ProcessLookupError:
                pass
        stopped |= found
    for pid in stopped:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    proc.communicate()


def run(playbook, *args, inventory=None, extra_vars=None, env=None, cwd=ROOT, json_output=True, timeout=600):
    """Run a playbook to its end. env: environment(...) (the default has the JSON callback; say
    environment(json_output=False) with json_output=False for the default text output)."""
    if env is None:
        env = environment(json_output=json_output)
    line = command(playbook, *args, inventory=inventory, extra_vars=extra_vars, env=env)
    proc = subprocess.run(line, cwd=cwd, env=env, capture_output=True, text=True, check=False, timeout=timeout)
    return Run(line, proc.returncode, proc.stdout, proc.stderr, json_output=json_output)


def aws_module(moto, region, credentials, workdir, name, module, args, *extra):
    """Run the collection's AWS ``module`` (short name) once on localhost against the emulated AWS ``moto``,
    as the task ``name`` with ``args``; return the run and its task's result. ``workdir`` holds the play."""
    play = [{'hosts': 'localhost', 'gather_facts': False,
             'module_defaults': {'group/shoppulse.analytics.aws': {'region': region, 'endpoint_url': moto.endpoint_url}},
             'tasks': [{'name': name, 'shoppulse.analytics.' + module: args, 'register': 'result'}]}]
    path = os.path.join(str(workdir), 'play.yml')
    with open(path, 'w') as handle:
        yaml.safe_dump(play, handle)
    done = run(path, *extra, env=environment(aws=credentials), inventory='localhost,',
               extra_vars={'ansible_connection': 'local', 'ansible_python_interpreter': sys.executable})
    return done, done.tasks[-1][1]
