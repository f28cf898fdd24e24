# Copyright (c) 2026, ShopPulse platform team
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Each role's argument spec states the same default as its defaults/main.yml, for every variable.

ansible-core checks variables against meta/argument_specs.yml but takes their values from
defaults/main.yml; a default written differently in the two would be documented (ansible-doc, the
role READMEs) as something the role does not do.
"""

import os

import pytest
import yaml
from support import ROOT

ROLES = sorted(name for name in os.listdir(os.path.join(ROOT, 'roles'))
               if os.path.isfile(os.path.join(ROOT, 'roles', name, 'meta', 'argument_specs.yml')))


def load(*parts):
    path = os.path.join(ROOT, 'roles', *parts)
    if not os.path.exists(path):
        return {}
    with open(path) as handle:
        return yaml.safe_load(handle) or {}


@pytest.mark.parametrize('role', ROLES)
def test_every_documented_default_is_the_roles_default(role):
    defaults = load(role, 'defaults', 'main.yml')
    specs = load(role, 'meta', 'argument_specs.yml')['argument_specs']
    differences = []
    for entry, spec in specs.items():
        for name, option in (spec.get('options') or {}).items():
            if 'default' in option:
                if name not in defaults:
                    differences.append('%s: %s documents default %r, defaults/main.yml has none'
                                       % (entry, name, option['default']))
                elif defaults[name] != option['default']:
                    differences.append('%s: %s documents default %r, defaults/main.yml sets %r'
                                       % (entry, name, option['default'], defaults[name]))
    assert not differences, '\n'.join(differences)


@pytest.mark.parametrize('role', ROLES)
def test_every_default_is_documented(role):
    """A variable of defaults/main.yml is an option of one of the role's entry points."""
    defaults = load(role, 'defaults', 'main.yml')
    options = set()
    for spec in load(role, 'meta', 'argument_specs.yml')['argument_specs'].values():
        options.update(spec.get('options') or {})
    assert sorted(set(defaults) - options) == []
