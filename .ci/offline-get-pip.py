# Copyright (c) 2026, ShopPulse platform team
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A stand-in for get-pip.py that needs no download from outside a package registry.

ansible-test bootstraps pip into each virtualenv it creates by running a
get-pip.py script that it downloads from a host this machine cannot reach.
.ci/sanity.py puts this file where ansible-test caches that script
(~/.ansible/test/cache/get_pip_<version>.py). It does what get-pip.py does,
from the interpreter's own ensurepip: install the bundled pip, then let that
pip install the requested packages (for example pip==24.2) from the package
index, which is reachable.
"""

import ensurepip
import os
import subprocess
import sys

GET_PIP_ONLY = ('--no-setuptools', '--no-wheel')  # get-pip.py's own options, not pip's

# ensurepip.bootstrap() sets PIP_CONFIG_FILE=/dev/null in os.environ so that the bootstrap ignores
# pip's configuration; the install that follows must see it (an index, a CA bundle), so it gets
# the environment as it was before.
environment = dict(os.environ)
ensurepip.bootstrap(upgrade=True, default_pip=False)
arguments = [a for a in sys.argv[1:] if a not in GET_PIP_ONLY]
sys.exit(subprocess.call([sys.executable, '-m', 'pip', 'install', '--upgrade', '--force-reinstall'] + arguments,
                         env=environment))
