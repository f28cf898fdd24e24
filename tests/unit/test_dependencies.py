# Copyright (c) 2026, ShopPulse platform team
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Every collection the roles, playbooks and plugins use is declared, so that the EE and Galaxy users get it.

The `ansible` package installs some hundred collections beside the three this one depends on: a
filter of community.general works on a developer's machine and fails in the execution environment,
which holds only the declared dependencies (found that way: community.general.dict_kv in two roles).
"""

import json
import os
import re

import yaml
from build_ee import installed_collection

from support import ROOT

NAME = re.compile(r'(?<![\w.-])([a-z][a-z0-9_]*)\.([a-z][a-z0-9_]*)\.[a-z][a-z0-9_]*(?![\w-])')


def installed(namespace, name):
    return installed_collection(namespace, name) is not None


def used_collections():
    """(collection, file) for each FQCN in what a job runs that names an installed collection."""
    found = set()
    for top in ('roles', 'playbooks', 'plugins'):
        # os.walk does not follow links (playbooks/collections leads back to the root)
        for directory, dummy, files in os.walk(os.path.join(ROOT, top)):
            for path in [os.path.join(directory, f) for f in files if f.endswith(('.yml', '.j2', '.py'))]:
                with open(path) as handle:
                    text = handle.read()
                for namespace, name in NAME.findall(text):
                    if installed(namespace, name):
                        found.add(('%s.%s' % (namespace, name), os.path.relpath(path, ROOT)))
    return found


def test_every_collection_used_is_a_declared_dependency():
    with open(os.path.join(ROOT, 'galaxy.yml')) as handle:
        declared = set(yaml.safe_load(handle)['dependencies']) | {'ansible.builtin', 'shoppulse.analytics'}
    with open(os.path.join(ROOT, 'collections', 'requirements.yml')) as handle:
        required = set(c['name'] for c in yaml.safe_load(handle)['collections'])
    used = used_collections()
    assert {'amazon.aws', 'community.postgresql'} <= set(c for c, dummy in used)  # the scan finds what it should
    undeclared = sorted((c, path) for c, path in used if c not in declared)
    assert not undeclared, 'used but not in galaxy.yml dependencies: %s' % undeclared
    assert set(galaxy for galaxy in declared if galaxy not in ('ansible.builtin', 'shoppulse.analytics')) <= required


def test_the_scan_finds_an_undeclared_filter(tmp_path, monkeypatch):
    role = tmp_path / 'roles' / 'x' / 'tasks'
    role.mkdir(parents=True)
    (role / 'main.yml').write_text("- ansible.builtin.debug:\n    msg: \"{{ [1] | map('community.general.dict_kv', 'a') }}\"\n"
                                   "- ansible.builtin.debug:\n    msg: rds.amazonaws.com\n")
    monkeypatch.setitem(used_collections.__globals__, 'ROOT', str(tmp_path))
    # as where the ansible package is installed (the version matrix's virtualenvs hold ansible-core only)
    real = installed
    monkeypatch.setitem(used_collections.__globals__, 'installed',
                        lambda namespace, name: (namespace, name) == ('community', 'general') or real(namespace, name))
    assert used_collections() == {('community.general', 'roles/x/tasks/main.yml')}  # ansible.builtin is core's


def test_requirements_files_say_what_galaxy_yml_says():
    """galaxy.yml's dependencies are the one source: both requirements files give the same ranges."""
    with open(os.path.join(ROOT, 'galaxy.yml')) as handle:
        ranges = yaml.safe_load(handle)['dependencies']
    assert 'community.aws' not in ranges  # its one module here printed a deprecation warning on every call (2.20+)
    for path in ('requirements.yml', os.path.join('collections', 'requirements.yml')):
        with open(os.path.join(ROOT, path)) as handle:
            listed = dict((c['name'], c.get('version')) for c in yaml.safe_load(handle)['collections'])
        assert dict((name, listed.get(name)) for name in ranges) == ranges, path
        assert set(listed) - set(ranges) <= {'community.docker', 'containers.podman'}, path


def test_the_installed_collections_are_in_the_supported_ranges():
    """The collections this virtualenv's `ansible` package brings (each end of the matrix runs this) are in range."""
    from ansible.galaxy.dependency_resolution.versioning import meets_requirements
    with open(os.path.join(ROOT, 'galaxy.yml')) as handle:
        ranges = yaml.safe_load(handle)['dependencies']
    for name, wanted in ranges.items():
        path = installed_collection(*name.split('.'))
        assert path, name
        with open(os.path.join(path, 'MANIFEST.json')) as handle:
            version = json.load(handle)['collection_info']['version']
        assert meets_requirements(version, wanted), (name, version, wanted)
