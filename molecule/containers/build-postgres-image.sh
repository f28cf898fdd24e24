#!/usr/bin/env bash
# Build a local PostgreSQL 15 image that honours the official postgres image's contract
# (POSTGRES_PASSWORD, POSTGRES_USER, POSTGRES_DB, PGDATA, /docker-entrypoint-initdb.d, extra `-c`
# settings, docker-entrypoint.sh), from Debian's postgresql-15 package, for hosts where no image
# can be pulled.
#
#   molecule/containers/build-postgres-image.sh [IMAGE]      (default localhost/shoppulse/postgres:15)
#
# Two layers, each cached:
#   1. a base image imported from a debootstrap root file system (bookworm + postgresql-15), tagged
#      with a hash of the suite and package list; its tarball is kept in
#      ${XDG_CACHE_HOME:-~/.cache}/shoppulse, so a host whose container storage was emptied only
#      imports it again (about 10 s) instead of bootstrapping (about 40 s);
#   2. the image itself, built from molecule/containers/postgres-image/Containerfile (COPY only, a few seconds).
# Uses $SHOPPULSE_CONTAINER_ENGINE, else Podman when it is there, else Docker. debootstrap needs root.
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
image="${1:-localhost/shoppulse/postgres:15}"
engine="${SHOPPULSE_CONTAINER_ENGINE:-$(command -v podman >/dev/null && echo podman || echo docker)}"
suite=bookworm
mirror="${DEBIAN_MIRROR:-http://deb.debian.org/debian}"
packages=postgresql-15,locales,ca-certificates

base_hash="$(echo "$suite $packages minbase v1" | sha256sum | cut -c1-12)"
base="localhost/shoppulse/debian-postgresql15-base:${base_hash}"
cache="${XDG_CACHE_HOME:-$HOME/.cache}/shoppulse"
tarball="$cache/debian-postgresql15-rootfs-${base_hash}.tar"

if ! "$engine" image inspect "$base" >/dev/null 2>&1; then
  if [ ! -s "$tarball" ]; then
    command -v debootstrap >/dev/null || { echo "debootstrap is needed: apt-get install debootstrap" >&2; exit 1; }
    mkdir -p "$cache"
    rootfs="$(mktemp -d /var/tmp/shoppulse-rootfs.XXXXXX)"
    trap 'rm -rf "$rootfs"' EXIT
    start=$(date +%s)
    debootstrap --variant=minbase --include="$packages" "$suite" "$rootfs" "$mirror" > "$cache/debootstrap.log" 2>&1 \
      || { tail -20 "$cache/debootstrap.log" >&2; exit 1; }
    # the server's own cluster and the package caches are not part of the image
    rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/* "$rootfs"/var/lib/postgresql/15 \
           "$rootfs"/etc/postgresql/15
    tar -C "$rootfs" -cf "$tarball.tmp" .
    mv "$tarball.tmp" "$tarball"
    rm -rf "$rootfs"
    trap - EXIT
    echo "debootstrap of $suite with $packages: $(( $(date +%s) - start )) s"
  fi
  start=$(date +%s)
  "$engine" import "$tarball" "$base" >/dev/null
  echo "import of the base image: $(( $(date +%s) - start )) s"
fi

start=$(date +%s)
"$engine" build -q --build-arg "BASE=$base" -t "$image" -f "$here/postgres-image/Containerfile" \
  "$here/postgres-image" >/dev/null
echo "$image built on $base in $(( $(date +%s) - start )) s"
