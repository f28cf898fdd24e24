# Copyright (c) 2026, ShopPulse platform team
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Build the execution environment (EE) image with ansible-builder, offline, on a locally made base.

    python molecule/containers/build_ee.py [--image NAME] [--context DIR] [--print-definition]

`execution-environment.yml` is the file users build for production: a supported base image
(quay.io/centos/centos:stream9) and the dependency collections from Galaxy. This script builds the
same image where neither can be pulled, from a definition it derives from that file, changing only
what a Debian base and no Galaxy require (OFFLINE below), so the two cannot drift apart:

- the base: Debian bookworm with python3, python3-pip, python3-venv and git, from debootstrap
  (molecule/containers/debian-base.sh, shared with the Molecule PostgreSQL image), its package lists
  kept so that ansible-builder's `$PKGMGR install -y` works, removed from the final image;
- the package manager apt-get (ansible-builder's scripts only run `$PKGMGR install -y` and
  `$PKGMGR clean all`), Debian's python3 and pip (`skip_pip_install`: the pip_install step runs
  ensurepip, which Debian's Python refuses);
- the dependency collections from local tarballs of the ones the `ansible` package installed: they lack
  galaxy.yml, so one is written from each MANIFEST.json and `ansible-galaxy collection build` makes the
  tarball; each version must be in collections/requirements.yml's range (galaxy.yml's), or the build stops;
- pip inside the build trusts what the host's pip trusts (`pip config get global.cert`, PIP_CERT): the
  file is removed from the final image, whose PIP_CERT names Debian's own bundle.

The image is tagged `localhost/shoppulse/analytics-ee:<collection version>` unless --image says
otherwise; ansible-builder's context is kept under .cache/ee. The container engine is
$SHOPPULSE_CONTAINER_ENGINE, else Podman when it is there, else Docker.
"""

import argparse
import copy
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tarfile
import time

import yaml

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
BIN = os.path.dirname(os.path.abspath(sys.executable))
BASE_PACKAGES = 'python3,python3-pip,python3-venv,git,ca-certificates'
PYTHON = '/usr/bin/python3'
BUILD_CA = '/usr/local/share/shoppulse-build-ca.crt'
SOURCE_LABEL = 'org.shoppulse.ee-source'  # a hash of what the image was built from (--if-stale)


class BuildError(Exception):
    pass


def galaxy():
    with open(os.path.join(ROOT, 'galaxy.yml')) as handle:
        return yaml.safe_load(handle)


def default_image():
    return 'localhost/shoppulse/analytics-ee:%s' % galaxy()['version']


def production_definition():
    with open(os.path.join(ROOT, 'execution-environment.yml')) as handle:
        return yaml.safe_load(handle)


def requirements():
    """The dependency collections and their version ranges: collections/requirements.yml (galaxy.yml's ranges)."""
    with open(os.path.join(ROOT, 'collections', 'requirements.yml')) as handle:
        return [(c['name'], c['version']) for c in yaml.safe_load(handle)['collections']]


def engine():
    name = os.environ.get('SHOPPULSE_CONTAINER_ENGINE')
    return name or ('podman' if shutil.which('podman') else 'docker')


def engine_env():
    env = dict(os.environ)
    if engine() == 'podman' and 'CONTAINERS_CONF' not in env:
        conf = subprocess.run([os.path.join(HERE, 'podman-host.sh')], check=True, capture_output=True, text=True).stdout.strip()
        if conf:
            env['CONTAINERS_CONF'] = conf
    return env


def host_pip_cert():
    """The CA bundle the host's pip verifies with, if one is configured (else pip's own)."""
    cert = os.environ.get('PIP_CERT')
    if not cert:
        proc = subprocess.run([sys.executable, '-m', 'pip', 'config', 'get', 'global.cert'], capture_output=True, text=True, check=False)
        cert = proc.stdout.strip() if proc.returncode == 0 else ''
    return cert if cert and os.path.isfile(cert) else None


def installed_collection(namespace, collection):
    """The directory of an installed collection (the ansible package's tree in this virtualenv), or None."""
    import ansible_collections
    for path in ansible_collections.__path__:
        candidate = os.path.join(path, namespace, collection)
        if os.path.isfile(os.path.join(candidate, 'MANIFEST.json')):
            return candidate
    return None


def collection_build(directory, out, namespace, collection, version):
    """`ansible-galaxy collection build` of DIRECTORY into OUT; returns the tarball's path."""
    target = os.path.join(out, '%s-%s-%s.tar.gz' % (namespace, collection, version))
    proc = subprocess.run([os.path.join(BIN, 'ansible-galaxy'), 'collection', 'build', '--force', '--output-path', out, directory],
                          capture_output=True, text=True, check=False)
    if proc.returncode != 0 or not os.path.isfile(target):
        raise BuildError('ansible-galaxy collection build of %s.%s failed: %s' % (namespace, collection, proc.stdout + proc.stderr))
    return target


def dependency_tarball(name, version, out):
    """A tarball of the collection NAME the ansible package installed, built as Galaxy would serve it."""
    namespace, collection = name.split('.')
    source = installed_collection(namespace, collection)
    if source is None:
        raise BuildError('%s is not installed (the ansible package of requirements/run.txt brings it)' % name)
    with open(os.path.join(source, 'MANIFEST.json')) as handle:
        info = json.load(handle)['collection_info']
    from ansible.galaxy.dependency_resolution.versioning import meets_requirements  # pylint: disable=import-outside-toplevel
    if not meets_requirements(info['version'], version):
        raise BuildError('%s %s is installed, collections/requirements.yml asks for %s: the image would not hold what '
                         'AWX installs' % (name, info['version'], version))
    version = info['version']
    target = os.path.join(out, '%s-%s-%s.tar.gz' % (namespace, collection, version))
    if os.path.isfile(target):
        return target
    work = os.path.join(out, 'src', namespace, collection)
    shutil.rmtree(work, ignore_errors=True)
    shutil.copytree(source, work, symlinks=True, ignore=shutil.ignore_patterns('__pycache__', 'MANIFEST.json', 'FILES.json'))
    keys = ('namespace', 'name', 'version', 'readme', 'authors', 'description', 'license', 'license_file', 'tags',
            'dependencies', 'repository', 'documentation', 'homepage', 'issues')
    meta = dict((k, info[k]) for k in keys if info.get(k) not in (None, [], {}))
    meta.setdefault('readme', 'README.md')
    meta.setdefault('authors', ['unknown'])
    if 'license' in meta and 'license_file' in meta:
        del meta['license_file']
    with open(os.path.join(work, 'galaxy.yml'), 'w') as handle:
        yaml.safe_dump(meta, handle)
    try:
        return collection_build(work, out, namespace, collection, version)
    finally:
        shutil.rmtree(os.path.join(out, 'src'), ignore_errors=True)


def own_tarball(out):
    info = galaxy()
    return collection_build(ROOT, out, info['namespace'], info['name'], info['version'])


def checkout_files(definition):
    """The files of the checkout that DEFINITION names (requirement files, build files), relative to ROOT."""
    dependencies = definition['dependencies']
    named = [dependencies[key] for key in ('python', 'system', 'galaxy') if isinstance(dependencies.get(key), str)]
    named += [entry['src'] for entry in definition.get('additional_build_files') or []]
    return [name for name in named if os.path.isfile(os.path.join(ROOT, name))]


def offline_definition(production, base, image, dependencies, build_ca):
    """OFFLINE: the production definition with the changes a Debian base without Galaxy needs, no other."""
    ee = copy.deepcopy(production)
    ee['images'] = {'base_image': {'name': base}}
    ee['dependencies']['python_interpreter'] = {'python_path': PYTHON}
    ee['dependencies']['galaxy'] = {'collections': [{'name': '/build/dependencies/%s' % os.path.basename(path), 'type': 'file'}
                                                    for path in dependencies]}
    ee['additional_build_files'] = list(ee.get('additional_build_files') or []) + [
        {'src': 'dependencies', 'dest': 'dependencies'}]
    steps = copy.deepcopy(ee.get('additional_build_steps') or {})
    final = ['RUN rm -rf /var/lib/apt/lists/*']  # debootstrap's lists served the build only
    if build_ca:
        # every stage starts from base, so its ENV reaches them all; the final image goes back to Debian's bundle
        steps['prepend_base'] = ['COPY _build/build-ca/ca.crt %s' % BUILD_CA, 'ENV PIP_CERT=%s' % BUILD_CA] + list(
            steps.get('prepend_base') or [])
        ee['additional_build_files'].append({'src': 'build-ca', 'dest': 'build-ca'})
        final += ['RUN rm -f %s' % BUILD_CA, 'ENV PIP_CERT=/etc/ssl/certs/ca-certificates.crt']
    steps['append_final'] = final + list(steps.get('append_final') or [])  # ansible-builder's final steps follow as root
    ee['additional_build_steps'] = steps
    # nothing is asked of Galaxy: every collection is a file of the context
    ee['build_arg_defaults'] = dict(ee.get('build_arg_defaults') or {}, ANSIBLE_GALAXY_CLI_COLLECTION_OPTS='--offline')
    options = dict(ee.get('options') or {})
    options.update(package_manager_path='/usr/bin/apt-get', skip_pip_install=True, tags=[image])
    ee['options'] = options
    return ee


def source_hash(own, definition):
    """What the image is built from: this collection's files (its MANIFEST.json holds their checksums),
    the derived definition (dependency versions, base, steps) and the files it names."""
    digest = hashlib.sha256()
    with tarfile.open(own) as archive:
        digest.update(archive.extractfile('MANIFEST.json').read())
    digest.update(yaml.safe_dump(definition, sort_keys=True).encode())
    for name in checkout_files(definition):
        with open(os.path.join(ROOT, name), 'rb') as handle:
            digest.update(handle.read())
    return digest.hexdigest()[:16]


def built_from(image, env):
    proc = subprocess.run([engine(), 'image', 'inspect', '--format', '{{ index .Config.Labels "%s" }}' % SOURCE_LABEL, image],
                          capture_output=True, text=True, env=env, check=False)
    return proc.stdout.strip() if proc.returncode == 0 else None


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n', maxsplit=1)[0])
    parser.add_argument('--image', default=default_image())
    parser.add_argument('--context', default=os.path.join(ROOT, '.cache', 'ee'))
    parser.add_argument('--print-definition', action='store_true', help='print the derived definition and stop')
    parser.add_argument('--if-stale', action='store_true', help='build only if the image is missing or was built from other sources')
    args = parser.parse_args(argv)
    started = time.monotonic()
    context = os.path.abspath(args.context)
    work = os.path.join(context, 'files')
    os.makedirs(os.path.join(work, 'dependencies'), exist_ok=True)
    try:
        dependencies = [dependency_tarball(name, version, os.path.join(work, 'dependencies')) for name, version in requirements()]
        for path in os.listdir(os.path.join(work, 'dependencies')):  # versions no longer asked for
            if os.path.join(work, 'dependencies', path) not in dependencies:
                os.unlink(os.path.join(work, 'dependencies', path))
        cert = host_pip_cert()
        if cert:
            os.makedirs(os.path.join(work, 'build-ca'), exist_ok=True)
            shutil.copy(cert, os.path.join(work, 'build-ca', 'ca.crt'))
        env = engine_env()
        if args.print_definition:
            base = 'localhost/shoppulse/ee-base:<hash>'
        else:
            base = subprocess.run([os.path.join(HERE, 'debian-base.sh'), 'ee-base', BASE_PACKAGES, 'keep-apt-lists'],
                                  check=True, stdout=subprocess.PIPE, text=True, env=env).stdout.strip().splitlines()[-1]
        definition = offline_definition(production_definition(), base, args.image, dependencies, cert)
        if args.print_definition:
            yaml.safe_dump(definition, sys.stdout, sort_keys=False)
            return 0
        # the files the definition names, from the checkout, beside the derived definition
        for name in checkout_files(definition):
            os.makedirs(os.path.dirname(os.path.join(work, name)), exist_ok=True)
            shutil.copy(os.path.join(ROOT, name), os.path.join(work, name))
        own = own_tarball(work)
        source = source_hash(own, definition)
        if args.if_stale and built_from(args.image, env) == source:
            print('%s is up to date (built from %s)' % (args.image, source))
            return 0
        with open(os.path.join(work, 'execution-environment.yml'), 'w') as handle:
            handle.write('# derived by molecule/containers/build_ee.py from execution-environment.yml: do not edit\n')
            yaml.safe_dump(definition, handle, sort_keys=False)
        command = [os.path.join(BIN, 'ansible-builder'), 'build', '-f', 'execution-environment.yml', '-c',
                   os.path.join(context, 'context'), '--container-runtime', engine(), '-t', args.image,
                   '--extra-build-cli-args=--network=host --label %s=%s' % (SOURCE_LABEL, source)]
        log = os.path.join(context, 'build.log')
        with open(log, 'w') as handle:
            proc = subprocess.run(command + ['-v', '3'], cwd=work, env=env, stdout=handle, stderr=subprocess.STDOUT, check=False)
        if proc.returncode != 0:
            with open(log) as handle:
                tail = handle.read()[-4000:]
            raise BuildError('ansible-builder build failed (whole log: %s):\n%s' % (log, tail))
        size = subprocess.run([engine(), 'image', 'inspect', '--format', '{{.Size}}', args.image], check=True,
                              capture_output=True, text=True, env=env).stdout.strip()
    except (BuildError, subprocess.CalledProcessError) as error:
        print('build_ee: %s' % error, file=sys.stderr)
        return 1
    print('%s built in %.0f s on %s: %.0f MB' % (args.image, time.monotonic() - started, base, int(size) / 1e6))
    return 0


if __name__ == '__main__':
    sys.exit(main())
