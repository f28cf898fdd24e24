#!/usr/bin/env bash
# Run the Molecule scenarios (`make molecule`): tools/molecule.sh [SCENARIO ...] (default: default recovery aws)
#
# Chooses the image and configures Podman for the host; the scenarios only see
# SHOPPULSE_PG_IMAGE and never know which path produced it:
#   1. SHOPPULSE_PG_IMAGE, when set;
#   2. else the official docker.io/library/postgres:15, when it is present or can be pulled;
#   3. else a local image built from Debian's postgresql-15 (tools/build-postgres-image.sh).
set -euo pipefail
cd "$(dirname "$0")/.."

conf="$(tools/podman-host.sh)"
if [ -n "$conf" ]; then
  export CONTAINERS_CONF="$conf"
fi

if [ -z "${SHOPPULSE_CONTAINER_ENGINE:-}" ]; then
  if command -v podman >/dev/null 2>&1; then
    SHOPPULSE_CONTAINER_ENGINE=podman
  elif docker info >/dev/null 2>&1; then
    SHOPPULSE_CONTAINER_ENGINE=docker
  else
    echo "molecule: no container engine (install Podman or start Docker)" >&2
    exit 1
  fi
fi
export SHOPPULSE_CONTAINER_ENGINE

official=docker.io/library/postgres:15
if [ -z "${SHOPPULSE_PG_IMAGE:-}" ]; then
  if "$SHOPPULSE_CONTAINER_ENGINE" image inspect "$official" >/dev/null 2>&1 \
     || "$SHOPPULSE_CONTAINER_ENGINE" pull -q "$official" >/dev/null 2>&1; then
    SHOPPULSE_PG_IMAGE="$official"
  else
    echo "molecule: $official cannot be pulled here; building a local image that honours its contract"
    SHOPPULSE_PG_IMAGE=localhost/shoppulse/postgres:15
  fi
fi
if [[ "$SHOPPULSE_PG_IMAGE" == localhost/shoppulse/* ]]; then
  tools/build-postgres-image.sh "$SHOPPULSE_PG_IMAGE"
fi
export SHOPPULSE_PG_IMAGE
echo "molecule: $SHOPPULSE_CONTAINER_ENGINE with $SHOPPULSE_PG_IMAGE"

# Ports of their own, free now, so that the scenarios never meet make site's servers (or anything else)
# on a fixed port; the molecule.yml defaults serve a run by hand.
free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
export SHOPPULSE_PG_PORT="${SHOPPULSE_PG_PORT:-$(free_port)}"
export SHOPPULSE_PG_RECOVERY_PORT="${SHOPPULSE_PG_RECOVERY_PORT:-$(free_port)}"
export SHOPPULSE_MOTO_PORT="${SHOPPULSE_MOTO_PORT:-$(free_port)}"

scenarios=("$@")
[ ${#scenarios[@]} -gt 0 ] || scenarios=(default recovery aws)
for scenario in "${scenarios[@]}"; do
  start=$(date +%s)
  molecule test -s "$scenario"
  echo "molecule: scenario $scenario passed in $(( $(date +%s) - start )) s"
done
