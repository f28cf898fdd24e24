# Copyright (c) 2026, ShopPulse platform team
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The Ansible strategy `make site` and the test suite's playbook runs use: Mitogen's when it is there.

Mitogen for Ansible (PyPI `mitogen`, in requirements/local.txt) runs the same tasks as the `linear`
strategy, with the same results, in about half the time: it keeps one Python interpreter per host
and sends it the modules, instead of starting a new Python and importing boto3 for each task.
SHOPPULSE_MITOGEN=0 turns it off (the standard strategy); AWX job templates and users who run
`ansible-playbook` themselves keep the standard strategy unless they choose Mitogen.

ansible-core 2.19 deprecates strategy plugins of third parties and prints, once per run:
"[DEPRECATION WARNING]: Use of strategy plugins not included in ansible.builtin are deprecated and do
not carry any backwards compatibility guarantees. ... This feature will be removed from ansible-core
in a future release." It is printed because Mitogen's strategy is used, names no version, and is not
hidden: `make site` says before the run why it appears and how to turn Mitogen off.

With Mitogen's strategy the environment also puts mitogen_preload/ on PYTHONPATH: its sitecustomize
imports boto3 and parses the botocore service models in Mitogen's target interpreter before it forks
its tasks, so that no AWS task does it again, and in ansible-playbook it does once, before the workers are
forked, what each worker would do again (mitogen_preload/sitecustomize.py).
SHOPPULSE_MITOGEN_PRELOAD=0 leaves it out.

    python -m support.strategy [--pythonpath PATH]
        prints the environment to add (NAME=value per line), or nothing; PATH: the PYTHONPATH of the
        run the environment is for, which mitogen_preload/ is put in front of
"""

import os

PRELOAD_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'mitogen_preload')


def mitogen_strategy_dir():
    """Directory of Mitogen's strategy plugins, or None when Mitogen is not installed."""
    try:
        import ansible_mitogen
    except ImportError:
        return None
    return os.path.join(os.path.dirname(ansible_mitogen.__file__), 'plugins', 'strategy')


def environment(environ=None):
    """Variables that make ansible-playbook use Mitogen's linear strategy; {} when off or not installed."""
    environ = os.environ if environ is None else environ
    if environ.get('SHOPPULSE_MITOGEN', '1') == '0':
        return {}
    plugins = mitogen_strategy_dir()
    if plugins is None:
        return {}
    variables = dict(ANSIBLE_STRATEGY_PLUGINS=plugins, ANSIBLE_STRATEGY='mitogen_linear')
    if environ.get('SHOPPULSE_MITOGEN_PRELOAD', '1') != '0':
        variables['PYTHONPATH'] = os.pathsep.join([PRELOAD_DIR] + [p for p in [environ.get('PYTHONPATH')] if p])
    return variables


def without(env):
    """``env`` (a run's environment) without what environment() added: Ansible's own strategy."""
    env = dict(env)
    env.pop('ANSIBLE_STRATEGY_PLUGINS', None)
    rest = [p for p in env.get('PYTHONPATH', '').split(os.pathsep) if p and p != PRELOAD_DIR]
    if rest:
        env['PYTHONPATH'] = os.pathsep.join(rest)
    else:
        env.pop('PYTHONPATH', None)
    env['ANSIBLE_STRATEGY'] = 'linear'
    return env


if __name__ == '__main__':
    import argparse

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--pythonpath', default=os.environ.get('PYTHONPATH', ''))
    args = parser.parse_args()
    for name, value in sorted(environment(dict(os.environ, PYTHONPATH=args.pythonpath)).items()):
        print('%s=%s' % (name, value))
