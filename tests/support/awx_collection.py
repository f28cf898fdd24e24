# Copyright (c) 2026, ShopPulse platform team
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""awx.awx for awx/configure.yml (ansible-lint checks it) in a virtualenv whose `ansible` package no longer
bundles it (13 and later do not; a user there installs it from Galaxy: awx/requirements.yml).

Galaxy is not reachable here, so it is taken from the `ansible` package of requirements/run.txt that bundles
it (12.x, pinned there for Python 3.11), downloaded from PyPI with pip (its wheel is for any Python), and
only its ansible_collections/awx/awx tree is put into this virtualenv. Nothing is done where awx.awx is there.

    python tests/support/awx_collection.py        (the Makefile, after installing requirements/test.txt)
"""

import os
import re
import subprocess
import sys
import sysconfig
import tempfile
import zipfile

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def bundling_release():
    """The `ansible` release of requirements/run.txt that still bundles awx.awx (12.x)."""
    with open(os.path.join(ROOT, 'requirements', 'run.txt')) as handle:
        found = re.findall(r'^ansible==(12\.[0-9.]+)', handle.read(), re.M)
    if not found:
        raise SystemExit('awx_collection: requirements/run.txt pins no ansible 12.x, which bundles awx.awx')
    return found[0]


def main():
    site = sysconfig.get_paths()['purelib']
    target = os.path.join(site, 'ansible_collections', 'awx', 'awx')
    if os.path.isfile(os.path.join(target, 'MANIFEST.json')):
        return 0
    release = bundling_release()
    with tempfile.TemporaryDirectory() as work:
        subprocess.run([sys.executable, '-m', 'pip', 'download', '-q', '--no-deps', '--only-binary=:all:',
                        '--python-version', '3.11', '-d', work, 'ansible==%s' % release], check=True)
        wheel = [os.path.join(work, name) for name in os.listdir(work) if name.endswith('.whl')][0]
        with zipfile.ZipFile(wheel) as archive:
            members = [m for m in archive.namelist() if m.startswith('ansible_collections/awx/awx/')]
            archive.extractall(site, members)
    print('awx_collection: awx.awx of ansible %s put into %s' % (release, target))
    return 0


if __name__ == '__main__':
    sys.exit(main())
