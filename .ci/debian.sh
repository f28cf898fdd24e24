#!/usr/bin/env bash
# A clean clone of this checkout's HEAD on a new Debian 13 (trixie) machine, as a user would take it:
# `make site` twice (the second changed=0), then `make test-fast` (make test's stages that need neither
# containers nor servers). The machine is a Podman container of a debootstrap root file system with only
# what a user clones with (python3, make, git, ca-certificates): the project's own files install the rest,
# and choose what the machine has (Python 3.13, PostgreSQL 17, ansible 14; tests/support/machine.py).
#
#   .ci/debian.sh [SUITE]      (default trixie; .ci/run runs it beside make test)
#
# The container has a network namespace of its own, so make site's ports there are not the host's. It trusts
# the certificate authorities the host's pip trusts (a proxy's, where the registries are reached through one).
set -euo pipefail
cd "$(dirname "$0")/.."
suite="${1:-trixie}"
started=$SECONDS

conf="$(molecule/containers/podman-host.sh)"
if [ -n "$conf" ]; then
  export CONTAINERS_CONF="$conf"
fi
image="$(SHOPPULSE_DEBIAN_SUITE="$suite" molecule/containers/debian-base.sh "debian-$suite-machine" \
  python3,make,git,ca-certificates keep-apt-lists)"

work="$(mktemp -d /var/tmp/shoppulse-debian.XXXXXX)"
name="shoppulse-debian-$suite-$$"
cleanup() { podman rm -f "$name" >/dev/null 2>&1 || true; rm -rf "$work"; }
trap cleanup EXIT
git clone -q --no-hardlinks . "$work/main"

ca="$(.venv/bin/python -c 'import sys; sys.path.insert(0, "molecule/containers"); import build_ee; print(build_ee.host_pip_cert() or "")' 2>/dev/null || true)"
ca="${ca:-/etc/ssl/certs/ca-certificates.crt}"
trust=(-v "$ca:/etc/shoppulse-host-ca.crt:ro" -e PIP_CERT=/etc/shoppulse-host-ca.crt -e SSL_CERT_FILE=/etc/shoppulse-host-ca.crt
       -e REQUESTS_CA_BUNDLE=/etc/shoppulse-host-ca.crt -e npm_config_cafile=/etc/shoppulse-host-ca.crt
       -e NODE_EXTRA_CA_CERTS=/etc/shoppulse-host-ca.crt)

# shellcheck disable=SC2016
podman run --name "$name" --rm "${trust[@]}" -v "$work:/work" -w /work/main -e CI=true "$image" bash -c '
  set -euo pipefail
  . /etc/os-release; echo "== debian: $PRETTY_NAME, $(python3 --version)"
  # the machine trusts the host'"'"'s authorities for pip as a user behind such a proxy sets it up: in pip'"'"'s own
  # configuration, which ansible-test'"'"'s pip runs also read (they do not pass PIP_CERT on)
  printf "[global]\ncert = /etc/shoppulse-host-ca.crt\n" > /etc/pip.conf
  make site > /work/site-first.log 2>&1 || { tail -n 60 /work/site-first.log; exit 1; }
  grep -m1 "^make: Python" /work/site-first.log
  make site > /work/site-second.log 2>&1 || { tail -n 60 /work/site-second.log; exit 1; }
  grep -Eq "localhost +: ok=[0-9]+ +changed=0 +unreachable=0 +failed=0" /work/site-second.log \
    || { tail -n 60 /work/site-second.log; echo "the second make site changed something" >&2; exit 1; }
  echo "== debian: make site twice, the second changed=0"
  make test-fast
  make local-stop > /dev/null
'
echo "== debian $suite: a clean clone passed make site twice and make test-fast in $(( SECONDS - started )) s"
