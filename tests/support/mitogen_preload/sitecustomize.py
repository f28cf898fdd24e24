# Copyright (c) 2026, ShopPulse platform team
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Warms Mitogen's target interpreter, and Ansible's controller, before they fork their tasks (issue 18):
support/strategy.py puts this directory on PYTHONPATH when `make site` and the tests use Mitogen's strategy.

Mitogen runs the tasks of a host in its target interpreter (forking a child from a "fork parent" only for some
modules; the AWS calls of a whole no-op `make site` came from one process here), and each AWS task makes a botocore
session of its own: without this file each of them parsed the botocore service models again (about 0.3 s a task
here). Python runs this file at start-up in every process that inherits PYTHONPATH; it does its work only
in Mitogen's target interpreter (argv[0] "PYTHON(mitogen:NAME)"), which runs it before it forks the fork parent, so
that the interpreter, its fork parent and any task forked from it have boto3 and botocore, with one botocore
data loader per search path shared by every session and the service models of SERVICES already parsed
(botocore caches a model in its loader, and treats it as read-only).

It imports only what a task would import from this same interpreter's path: not ansible-core nor a
collection, whose modules Mitogen sends from the controller. If boto3 is not installed, it does
nothing. It writes nothing (Mitogen reads this interpreter's output for its handshake): RESULT says
what it did. A sitecustomize further along sys.path, which this one shadows, is run afterwards.

In ansible-playbook itself (the controller, which forks a worker per task), it waits until Mitogen's strategy
is imported (the collection loader is set up by then, and no task has been forked yet) and then does once what
every worker would otherwise do again: it lists the installed collections, as Mitogen's planner does for every
task of a collection module (ansible.collections.list.list_collection_dirs(), which imports each collection's
package and parses its meta/runtime.yml: about 0.17 s a task here with the `ansible` package's 94 collections),
and has Mitogen's planner reuse the list and its module finder compile each module_utils source once per run
(memoise_mitogen); it imports boto3 with CONTROLLER_SERVICES' models parsed, for the lookups
(amazon.aws.secretsmanager_secret) that run in the workers; and it freezes the objects it holds for the garbage
collector (gc.freeze), so that a worker's first garbage collection does not copy the controller's memory. Nothing
changes in what the tasks do: the workers find the same packages already imported.
"""

import gc
import importlib.abc
import importlib.machinery
import importlib.util
import os
import sys

# The services site.yml calls, whose models each task would otherwise parse again.
SERVICES = ('ec2', 'rds', 'secretsmanager', 'cloudwatch', 'logs', 'iam', 'sts', 'kms')
KINDS = ('service-2', 'endpoint-rule-set-1', 'paginators-1', 'waiters-2')
# The services of the lookups that run on the controller.
CONTROLLER_SERVICES = ('secretsmanager', 'sts')
# Imported in the controller when Mitogen's strategy is loaded: then the controller is warmed.
STRATEGY_MODULE = 'ansible_mitogen.strategy'

#: What it did: None (neither Mitogen's target nor ansible-playbook, or the controller before Mitogen's strategy
#: was imported), 'preloaded', 'controller warmed (...)', or why it did not (a message).
RESULT = None


def in_mitogen_target(argv=None):
    """True in the interpreter Mitogen starts on a host: its argv[0] is 'PYTHON(mitogen:NAME)'."""
    argv = getattr(sys, 'orig_argv', None) if argv is None else argv
    return bool(argv) and '(mitogen:' in argv[0]


def in_ansible_controller(argv=None):
    """True in ansible-playbook: its script is argv[0] or, when a Python runs it, argv[1]."""
    argv = getattr(sys, 'orig_argv', None) if argv is None else argv
    return any(os.path.basename(arg) == 'ansible-playbook' for arg in (argv or [])[:2])


def share_botocore_loaders(services=SERVICES):
    """Make every botocore session use one loader per search path, with the services' models parsed."""
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
    for service in services:
        for kind in KINDS:
            try:
                loader.load_service_model(service, kind)
            except botocore.exceptions.DataNotFoundError:
                pass
    for name in ('endpoints', 'partitions', 'sdk-default-configuration'):
        loader.load_data(name)
    return loader


def memoise_mitogen(planner, module_finder, collection_dirs):
    """Two pure computations Mitogen repeats, done once: the collection directories its planner adds to every
    task's import path (they do not change during a run), and the compilation of each module_utils source its
    module finder scans for imports, once per module that imports it (same source, same code object)."""
    patched = []
    if callable(getattr(planner, '_load_collections', None)):
        def load_collections(invocation):
            invocation._extra_sys_paths.update(collection_dirs)  # pylint: disable=protected-access

        planner._load_collections = load_collections  # pylint: disable=protected-access
        patched.append('collections')
    if callable(getattr(module_finder, '_scan_importlib_find_spec', None)):
        compiled = {}

        def compile_once(source, filename, mode, *args, **kwargs):
            key = (source, filename, mode, args, tuple(sorted(kwargs.items())))
            if key not in compiled:
                compiled[key] = compile(source, filename, mode, *args, **kwargs)
            return compiled[key]

        # module_finder calls the builtin by its bare name: a global of the module is found first
        module_finder.compile = compile_once
        patched.append('compile')
    return patched


def warm_controller():
    """What every worker would do again, done once: list the collections (Mitogen's planner, memoise_mitogen),
    import boto3 (the lookups), and freeze the objects for the garbage collector."""
    global RESULT  # pylint: disable=global-statement
    try:
        import ansible.collections.list
        import ansible_mitogen.module_finder
        import ansible_mitogen.planner

        dirs = [path.decode('utf-8') for path in ansible.collections.list.list_collection_dirs()]
        patched = memoise_mitogen(ansible_mitogen.planner, ansible_mitogen.module_finder, dirs)
        share_botocore_loaders(CONTROLLER_SERVICES)
        # The workers are forked from this process: without this, a worker's first garbage collection walks every
        # object the controller holds and so copies its memory, page by page (gc.freeze's own use case)
        gc.freeze()
        RESULT = 'controller warmed (%d collections; once: %s; %d objects frozen)' % (
            len(dirs), ', '.join(patched) or 'nothing', gc.get_freeze_count())
    except Exception as error:  # pylint: disable=broad-exception-caught
        # each worker does it itself, as it would without this file
        RESULT = '%s: %s' % (type(error).__name__, error)


class AfterImport(importlib.abc.MetaPathFinder):
    """Calls `callback` once, right after the module `name` has been imported (its code has run)."""

    def __init__(self, name, callback):
        self.name = name
        self.callback = callback

    def find_spec(self, fullname, path, target=None):
        if fullname != self.name:
            return None
        sys.meta_path.remove(self)
        spec = importlib.util.find_spec(fullname)
        if spec is None or spec.loader is None:
            return spec
        exec_module = spec.loader.exec_module
        callback = self.callback

        def exec_then_call(module):
            exec_module(module)
            callback()

        spec.loader.exec_module = exec_then_call
        return spec


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
    elif in_ansible_controller():
        sys.meta_path.insert(0, AfterImport(STRATEGY_MODULE, warm_controller))
    run_shadowed()


if __name__ == "sitecustomize":
    main()
