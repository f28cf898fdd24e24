# Copyright (c) 2026, ShopPulse platform team
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""tests/support/machine.py: the Python and the PostgreSQL `make` takes from the machine, each case on its own."""

import os
import stat

import pytest

from support import machine


def fake_python(directory, name, version, works=True):
    """An executable that answers as Python ``version`` would (or fails, as a pyenv shim of another version)."""
    path = os.path.join(str(directory), name)
    with open(path, 'w') as handle:
        handle.write('#!/bin/sh\n' + ('echo %s\n' % version if works else 'exit 127\n'))
    os.chmod(path, os.stat(path).st_mode | stat.S_IXUSR)
    return path


@pytest.fixture
def path_of(tmp_path, monkeypatch):
    monkeypatch.setenv('PATH', str(tmp_path))
    monkeypatch.setattr(machine, 'PYENV', str(tmp_path / 'no-pyenv'))
    return tmp_path


def test_the_machines_python3_when_it_is_supported(path_of):
    python3 = fake_python(path_of, 'python3', '3.11')
    fake_python(path_of, 'python3.13', '3.13')
    assert machine.controller_python() == python3  # Debian 12's, though a newer one is there


def test_else_the_newest_supported_one(path_of):
    fake_python(path_of, 'python3', '3.9')
    fake_python(path_of, 'python3.12', '3.12')
    fake_python(path_of, 'python3.13', '3.13', works=False)  # a shim of a version that is not selected
    assert machine.controller_python() == str(path_of / 'python3.12')


def test_none_supported_is_said(path_of):
    fake_python(path_of, 'python3', '3.14')
    with pytest.raises(SystemExit, match='no supported Python'):
        machine.controller_python()


def test_pyenv_newest_patch_release_first(path_of, monkeypatch):
    pyenv = path_of / 'pyenv'
    for release in ('3.13.0', '3.13.10', '3.13.2'):
        (pyenv / 'versions' / release / 'bin').mkdir(parents=True)
        fake_python(pyenv / 'versions' / release / 'bin', 'python3.13', '3.13')
    monkeypatch.setattr(machine, 'PYENV', str(pyenv))
    assert machine.python_of('3.13') == str(pyenv / 'versions' / '3.13.10' / 'bin' / 'python3.13')
    assert machine.python_of('3.12') is None


@pytest.mark.parametrize('codename, major', [('bookworm', 15), ('trixie', 17), ('sid', 15), (None, 15)])
def test_debians_postgresql(monkeypatch, codename, major):
    monkeypatch.setattr(machine, 'os_release', lambda: {'VERSION_CODENAME': codename} if codename else {})
    assert machine.debian_postgresql() == major
