# Copyright (c) 2026, ShopPulse platform team
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""tests/support/system-packages.sh: a user who is not root and lacks a package is told the one command to run."""

import os
import shutil
import subprocess
import tempfile

import pytest
from support import ROOT

SCRIPT = os.path.join(ROOT, 'tests', 'support', 'system-packages.sh')


@pytest.mark.skipif(os.geteuid() != 0 or not shutil.which('runuser'), reason='needs root to run as another user')
def test_without_root_a_missing_package_stops_with_the_command_to_run():
    top = tempfile.mkdtemp(prefix='shoppulse-packages-')  # in /tmp, which the user nobody can reach
    try:
        bin_dir = os.path.join(top, 'bin')  # a PATH with the shell's tools and git only: npm, podman... are missing
        os.mkdir(bin_dir)
        for tool in ('bash', 'id', 'git'):
            os.symlink(shutil.which(tool), os.path.join(bin_dir, tool))
        script = shutil.copy(SCRIPT, top)  # the checkout may be where nobody cannot read (root's home)
        for path in (top, bin_dir, script):
            os.chmod(path, 0o755)
        proc = subprocess.run([shutil.which('runuser'), '-u', 'nobody', '--', os.path.join(bin_dir, 'bash'), script,
                               'test', '15'], env=dict(PATH=bin_dir), capture_output=True, text=True, check=False)
    finally:
        shutil.rmtree(top)
    assert proc.returncode == 1
    command = [line.strip() for line in proc.stderr.splitlines() if 'apt-get' in line]
    assert len(command) == 1 and command[0].startswith('sudo apt-get install -y ')
    packages = command[0].split()[4:]
    assert {'npm', 'podman', 'runc', 'docker.io', 'debootstrap', 'shellcheck', 'pgbouncer'} <= set(packages)
    assert 'git' not in packages


def test_with_everything_there_it_does_nothing():
    # the packages of the make target that runs the tests (make test-fast's machine has the fast stages' only)
    purpose = os.environ.get('SHOPPULSE_SYSTEM_PACKAGES', 'test')
    proc = subprocess.run([SCRIPT, purpose], capture_output=True, text=True, check=False)
    assert proc.returncode == 0 and proc.stdout == '' and proc.stderr == ''
