#!/usr/bin/env bash
# The Debian packages `make site` and `make test` need beyond Python (`make system-packages`; a
# dependency of both). As root, installs those missing with apt-get; otherwise stops at once with
# the single command that installs them.
#
#   tests/support/system-packages.sh site [MAJOR]   what make site needs: venv for the machine's Python,
#                                                  the server binaries of Debian's PostgreSQL (MAJOR: 15 on
#                                                  Debian 12, 17 on Debian 13; tests/support/machine.py)
#   tests/support/system-packages.sh fast [MAJOR]   what make test's fast stages need as well (test-fast)
#   tests/support/system-packages.sh test [MAJOR]   what make test needs as well
set -euo pipefail

here="${0%/*}"
[ "$here" != "$0" ] || here=.
purpose="${1:-test}"
target="$purpose"; [ "$purpose" != fast ] || target=test-fast
major="${2:-$(python3 "$here/machine.py" postgresql)}"
need=()
want() {  # want PACKAGE TEST...: PACKAGE is needed unless the test succeeds
  local package="$1"; shift
  "$@" >/dev/null 2>&1 || need+=("$package")
}
has() { command -v "$1"; }

# Debian's python3 makes virtualenvs only with python3-venv (ensurepip); pyenv's and others' have it
if python="$(python3 "$here/machine.py" python 2>/dev/null)"; then
  want python3-venv "$python" -c 'import ensurepip'
fi
want "postgresql-$major" test -x "/usr/lib/postgresql/$major/bin/pg_ctl"
if [ "$purpose" != site ]; then
  want git has git
  want shellcheck has shellcheck    # ansible-test sanity skips its shellcheck test without it
  want npm has npm                  # the RDS CA bundle's package; the other PostgreSQL majors (tests/support/pgbin.py)
fi
if [ "$purpose" = test ]; then
  want podman has podman            # Molecule runs on both container engines
  want runc has runc                # Podman's runtime on hosts with hybrid cgroups
  want docker.io has dockerd
  want debootstrap has debootstrap  # builds the PostgreSQL image where none can be pulled
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
  echo "make $target needs these Debian packages; install them, then run make $target again:" >&2
  echo "  sudo apt-get install -y ${need[*]}" >&2
  exit 1
fi
echo "installing the Debian packages make $target needs: ${need[*]}"
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
