# Copyright (c) 2026, ShopPulse platform team
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Warms Mitogen's target interpreter before it forks its tasks (issue 18): support/strategy.py puts this
directory on PYTHONPATH when `make site` and the tests use Mitogen's strategy.

Mitogen runs each task of a collection module in a child forked from one "fork parent" interpreter per
host, and the child starts with what the fork parent had imported: without this file every AWS task
imported boto3 and parsed the botocore service models again (about 0.3 s a task here). Python runs
this file at start-up in every process that inherits PYTHONPATH; it does its work only in Mitogen's
target interpreter (argv[0] "PYTHON(mitogen:NAME)"), which runs it before it forks the fork parent, so
that the fork parent and every task forked from it inherit boto3 and botocore, with one botocore data
loader per search path shared by every session and the service models of SERVICES already parsed
(botocore caches a model in its loader, and treats it as read-only).

It imports only what a task would import from this same interpreter's path: not ansible-core nor a
collection, whose modules Mitogen sends from the controller. If boto3 is not installed, it does
nothing. It writes nothing (Mitogen reads this interpreter's output for its handshake): RESULT says
what it did. A sitecustomize further along sys.path, which this one shadows, is run afterwards.
"""

import importlib.machinery
import importlib.util
import os
import sys

# The services site.yml calls, whose models each forked task would otherwise parse again.
SERVICES = ('ec2', 'rds', 'secretsmanager', 'cloudwatch', 'logs', 'iam', 'sts', 'kms')
KINDS = ('service-2', 'endpoint-rule-set-1', 'paginators-1', 'waiters-2')

#: What main() did: None (not Mitogen's target), 'preloaded', or why it did not (a message).
RESULT = None


def in_mitogen_target(argv=None):
    """True in the interpreter Mitogen starts on a host: its argv[0] is 'PYTHON(mitogen:NAME)'."""
    argv = getattr(sys, 'orig_argv', None) if argv is None else argv
    return bool(argv) and '(mitogen:' in argv[0]


def share_botocore_loaders():
    """Make every botocore session use one loader per search path, with SERVICES' models parsed."""
    import boto3  # noqa: F401 pylint: disable=unused-import
    import botocore.exceptions
    import botocore.loaders
    import botocore.session

    loaders = {}
    create_loader = botocore.loaders.create_loader

    def shared_loader(search_path_string=None):
        if search_path_string not in loaders:
            loaders[search_path_string] = create_loader(search_path_string)
        return loaders[search_path_string]

    botocore.session.create_loader = shared_loader
    loader = botocore.session.get_session().get_component('data_loader')
    for service in SERVICES:
        for kind in KINDS:
            try:
                loader.load_service_model(service, kind)
            except botocore.exceptions.DataNotFoundError:
                pass
    for name in ('endpoints', 'partitions', 'sdk-default-configuration'):
        loader.load_data(name)
    return loader


def run_shadowed():
    """Run the sitecustomize that this one shadows, if there is one further along sys.path."""
    here = os.path.dirname(os.path.abspath(__file__))
    rest = [p for p in sys.path if os.path.abspath(p or os.curdir) != here]
    spec = importlib.machinery.PathFinder.find_spec('sitecustomize', rest)
    if spec is not None and spec.loader is not None:
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)


def main():
    global RESULT  # pylint: disable=global-statement
    if in_mitogen_target():
        try:
            share_botocore_loaders()
            RESULT = 'preloaded'
        except Exception as error:  # pylint: disable=broad-exception-caught
            # tasks import what they need themselves, as they would without this file
            RESULT = '%s: %s' % (type(error).__name__, error)
    run_shadowed()


if __name__ == "sitecustomize":
    main()
