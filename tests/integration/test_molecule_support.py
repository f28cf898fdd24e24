# Copyright (c) 2026, ShopPulse platform team
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What can be checked of the Molecule scenarios' Docker path on a host without a Docker engine.

`make molecule` runs the scenarios for real with whichever engine the host has (Podman here).
The Docker branch cannot run without a Docker engine, so these tests check that every scenario
playbook parses, and that the engine selection picks Docker, Podman or neither as it should.
"""

import json
import os
import stat

import pytest
import yaml

from support import ROOT
from support import playbook as runner

PLAYBOOKS = ['molecule/shared/create.yml', 'molecule/shared/destroy.yml', 'molecule/default/converge.yml',
             'molecule/default/verify.yml', 'molecule/recovery/converge.yml', 'molecule/recovery/verify.yml']


@pytest.mark.parametrize('playbook', PLAYBOOKS)
def test_scenario_playbooks_pass_the_syntax_check(playbook):
    proc = runner.run(playbook, '--syntax-check', json_output=False)
    assert proc.returncode == 0, proc.text


def test_both_scenarios_declare_the_same_engine_neutral_platform():
    for scenario in ('default', 'recovery'):
        with open(os.path.join(ROOT, 'molecule', scenario, 'molecule.yml')) as handle:
            config = yaml.safe_load(handle)
        platform = config['platforms'][0]
        assert platform['image'] == '${SHOPPULSE_PG_IMAGE:-docker.io/library/postgres:15}'
        assert config['provisioner']['playbooks']['create'] == '../shared/create.yml'
        assert 'podman' not in json.dumps(config) and 'docker info' not in json.dumps(config)


def fake_bin(tmp_path, binaries):
    """A directory holding fake commands that exit with the given codes ({'docker': 1}: an engine that does not answer)."""
    directory = tmp_path / 'bin'
    directory.mkdir()
    for name, exit_code in binaries.items():
        path = directory / name
        path.write_text('#!/bin/sh\nexit %d\n' % exit_code)
        path.chmod(path.stat().st_mode | stat.S_IXUSR)
    return directory


def select(tmp_path, path_dir, chosen=None):
    playbook = tmp_path / 'select.yml'
    playbook.write_text(yaml.safe_dump([{
        'name': 'select', 'hosts': 'localhost', 'gather_facts': False,
        'environment': {'PATH': str(path_dir)},
        'tasks': [{'name': 'engine', 'ansible.builtin.include_tasks': os.path.join(ROOT, 'molecule/shared/engine.yml')},
                  {'name': 'show', 'ansible.builtin.debug': {'var': 'shoppulse_engine'}}]}]))
    # SHOPPULSE_CONTAINER_ENGINE as chosen, or not set at all
    result = runner.run(playbook, env=runner.environment(SHOPPULSE_CONTAINER_ENGINE=chosen))
    return result.returncode, [task for dummy, task in result.tasks]


@pytest.mark.parametrize('binaries, chosen, expected', [
    ({'podman': 0}, None, 'podman'),
    ({'podman': 0, 'docker': 0}, None, 'podman'),
    ({'docker': 0}, None, 'docker'),
    ({'podman': 0}, 'docker', 'docker'),
    ({}, 'podman', 'podman'),
])
def test_engine_selection(tmp_path, binaries, chosen, expected):
    code, results = select(tmp_path, fake_bin(tmp_path, binaries), chosen)
    assert code == 0, results
    assert results[-1]['shoppulse_engine'] == expected


@pytest.mark.parametrize('binaries, chosen, message', [
    ({}, None, 'no container engine: install Podman, start Docker, or set SHOPPULSE_CONTAINER_ENGINE'),
    ({'docker': 1}, None, 'no container engine'),  # a Docker client whose engine does not answer
    ({'podman': 0}, 'lxc', 'SHOPPULSE_CONTAINER_ENGINE must be podman or docker, not lxc'),
])
def test_engine_selection_fails_clearly(tmp_path, binaries, chosen, message):
    code, results = select(tmp_path, fake_bin(tmp_path, binaries), chosen)
    assert code != 0
    assert any(message in (r.get('msg', '') + r.get('stderr', '')) for r in results), results
