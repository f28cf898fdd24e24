#!/usr/bin/env bash
# The Debian packages `make site` and `make test` need beyond Python (`make system-packages`; a
# dependency of both). As root, installs those missing with apt-get; otherwise stops at once with
# the single command that installs them.
#
#   tests/support/system-packages.sh site   what make site needs: PostgreSQL 15's server binaries
#   tests/support/system-packages.sh test   what make test needs as well
set -euo pipefail

purpose="${1:-test}"
need=()
want() {  # want PACKAGE TEST...: PACKAGE is needed unless the test succeeds
  local package="$1"; shift
  "$@" >/dev/null 2>&1 || need+=("$package")
}
has() { command -v "$1"; }

want postgresql-15 test -x /usr/lib/postgresql/15/bin/pg_ctl
if [ "$purpose" = test ]; then
  want git has git
  want npm has npm                  # the PostgreSQL 16-18 server binaries of the matrix (tests/support/pgbin.py)
  want podman has podman            # Molecule runs on both container engines
  want runc has runc                # Podman's runtime on hosts with hybrid cgroups
  want docker.io has dockerd
  want debootstrap has debootstrap  # builds the PostgreSQL image where none can be pulled
  want shellcheck has shellcheck    # ansible-test sanity skips its shellcheck test without it
  want pgbouncer has pgbouncer      # the tenant isolation test behind a transaction pooler, as RDS Proxy pools
  # ansible-navigator runs the EE under Podman with the host's POSIX message queues mounted; a machine
  # booted without /dev/mqueue (some containers and CI sandboxes) gets it mounted, as systemd does
  if [ ! -d /dev/mqueue ]; then
    if [ "$(id -u)" -ne 0 ]; then
      echo "make test needs /dev/mqueue (ansible-navigator with Podman): sudo mkdir /dev/mqueue && sudo mount -t mqueue mqueue /dev/mqueue" >&2
      exit 1
    fi
    mkdir /dev/mqueue && mount -t mqueue mqueue /dev/mqueue
  fi
fi

if [ ${#need[@]} -eq 0 ]; then
  exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "make $purpose needs these Debian packages; install them, then run make $purpose again:" >&2
  echo "  sudo apt-get install -y ${need[*]}" >&2
  exit 1
fi
echo "installing the Debian packages make $purpose needs: ${need[*]}"
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
