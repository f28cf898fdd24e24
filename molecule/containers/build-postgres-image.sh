#!/usr/bin/env bash
# Build a local PostgreSQL 15 image that honours the official postgres image's contract
# (POSTGRES_PASSWORD, POSTGRES_USER, POSTGRES_DB, PGDATA, /docker-entrypoint-initdb.d, extra `-c`
# settings, docker-entrypoint.sh), from Debian's postgresql-15 package, for hosts where no image
# can be pulled.
#
#   molecule/containers/build-postgres-image.sh [IMAGE]      (default localhost/shoppulse/postgres:15)
#
# Two layers, each cached:
#   1. a base image imported from a debootstrap root file system (bookworm + postgresql-15,
#      molecule/containers/debian-base.sh, which the execution environment's local build shares);
#   2. the image itself, built from molecule/containers/postgres-image/Containerfile (COPY only, a few seconds).
# Uses $SHOPPULSE_CONTAINER_ENGINE, else Podman when it is there, else Docker. debootstrap needs root.
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
image="${1:-localhost/shoppulse/postgres:15}"
engine="${SHOPPULSE_CONTAINER_ENGINE:-$(command -v podman >/dev/null && echo podman || echo docker)}"
base="$("$here/debian-base.sh" debian-postgresql15-base postgresql-15,locales,ca-certificates)"

start=$(date +%s)
"$engine" build -q --build-arg "BASE=$base" -t "$image" -f "$here/postgres-image/Containerfile" \
  "$here/postgres-image" >/dev/null
echo "$image built on $base in $(( $(date +%s) - start )) s"
