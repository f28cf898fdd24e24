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

    python -m support.strategy     prints the environment to add (NAME=value per line), or nothing
"""

import os


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
    return dict(ANSIBLE_STRATEGY_PLUGINS=plugins, ANSIBLE_STRATEGY='mitogen_linear')


if __name__ == '__main__':
    for name, value in sorted(environment().items()):
        print('%s=%s' % (name, value))
