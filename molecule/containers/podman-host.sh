#!/usr/bin/env bash
# Prints the path of a containers.conf to export as CONTAINERS_CONF for Podman on this host, or
# nothing when Podman's defaults work.
#
# On hosts with cgroups v1 or hybrid cgroups (/sys/fs/cgroup is not a cgroup2 file system),
# Podman's default OCI runtime crun fails to start containers, and the default ulimits it sets
# are refused; the runc runtime with no default ulimits works. The file is written under
# .cache/ of the project: nothing of the host's own configuration is changed.
set -euo pipefail
cd "$(dirname "$0")/../.."
command -v podman >/dev/null || exit 0
if [ "$(stat -fc %T /sys/fs/cgroup 2>/dev/null)" = cgroup2fs ]; then
  exit 0
fi
command -v runc >/dev/null || { echo "runc is needed for Podman on this host: apt-get install runc" >&2; exit 1; }
mkdir -p .cache
cat > .cache/containers.conf <<'CONF'
# Written by molecule/containers/podman-host.sh for a host with cgroups v1 or hybrid cgroups.
[containers]
default_ulimits = []

[engine]
runtime = "runc"
CONF
echo "$PWD/.cache/containers.conf"
