# Copyright (c) 2026, ShopPulse platform team
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The execution environment in the tests: the image `make ee` builds, and a job run in it as AWX runs one.

AWX hands a job to its receptor work unit as a stream: `ansible-runner transmit` packs the private data
directory (project, inventory, env/envvars with the credential's variables, env/extravars), the
container engine runs `ansible-runner worker` in the EE with that stream on its standard input, and
`ansible-runner process` turns the worker's stream of events back into the job's artifacts on the
controller. run_job() does exactly that, with the container on the host's network, where the emulated
AWS and the local PostgreSQL servers listen on 127.0.0.1.
"""

import os
import subprocess

import build_ee

from support import BIN

PYTHON = build_ee.PYTHON  # the EE's interpreter, for an inventory's ansible_python_interpreter
RUNNER = '/runner'        # where AWX's worker unpacks the private data directory in the container


def image():
    """The image of the current checkout: built by build_ee (its layers cached) unless it is up to date."""
    status = build_ee.main(['--if-stale'])
    assert status == 0, 'building the execution environment failed (see above)'
    return build_ee.default_image()


def run_job(image_name, pdd, playbook, verbosity=0, ident='job'):
    """Run PLAYBOOK of PDD's project in the EE as AWX does; returns the job's artifacts directory."""
    env = build_ee.engine_env()
    transmit = subprocess.Popen([os.path.join(BIN, 'ansible-runner'), 'transmit', pdd, '-p', playbook, '--ident', ident]
                                + ['-v'] * verbosity, stdout=subprocess.PIPE)
    worker = subprocess.Popen([build_ee.engine(), 'run', '--rm', '-i', '--network=host', image_name, 'ansible-runner',
                                                  'worker', '--private-data-dir=%s' % RUNNER],
                              stdin=transmit.stdout, stdout=subprocess.PIPE, env=env)
    transmit.stdout.close()
    process = subprocess.run([os.path.join(BIN, 'ansible-runner'), 'process', pdd, '--ident', ident], stdin=worker.stdout,
                             capture_output=True, text=True, check=False)
    worker.stdout.close()
    statuses = (transmit.wait(), worker.wait(), process.returncode)
    # the worker exits with the playbook's status (a failed job is not a failed transport); the job's
    # outcome is what `process` wrote, as in AWX
    artifacts = os.path.join(pdd, 'artifacts', ident)
    assert statuses[0] == 0 and statuses[2] == 0 and os.path.isfile(os.path.join(artifacts, 'status')), \
        'the job did not run (transmit, worker, process: %s): %s' % (statuses, process.stderr[-3000:])
    return artifacts
