#!/usr/bin/env bash
# Prints the name of a local Debian image (bookworm, or $SHOPPULSE_DEBIAN_SUITE) holding PACKAGES, made from a
# debootstrap root file system when the container engine does not have it yet: the base of the images this
# project builds where no image can be pulled (the PostgreSQL image of the Molecule scenarios, the execution
# environment, the Debian 13 machine of .ci/debian.sh).
#
#   molecule/containers/debian-base.sh NAME PACKAGES [KEEP_APT_LISTS]
#
# NAME names the image (localhost/shoppulse/NAME:<hash of suite and packages>); PACKAGES is
# debootstrap's comma-separated --include list. The root file system's tarball is kept in
# ${XDG_CACHE_HOME:-~/.cache}/shoppulse, so a host whose container storage was emptied only imports it
# again (about 10 s) instead of bootstrapping (40 to 60 s). The package lists are removed unless
# KEEP_APT_LISTS is "keep-apt-lists" (an image that installs more packages as it is built needs them).
# Uses $SHOPPULSE_CONTAINER_ENGINE, else Podman when it is there, else Docker. debootstrap needs root.
# Progress goes to standard error; standard output is the image name only.
set -euo pipefail

name="$1"
packages="$2"
keep="${3:-}"
engine="${SHOPPULSE_CONTAINER_ENGINE:-$(command -v podman >/dev/null && echo podman || echo docker)}"
suite="${SHOPPULSE_DEBIAN_SUITE:-bookworm}"
mirror="${DEBIAN_MIRROR:-http://deb.debian.org/debian}"

base_hash="$(echo "$suite $packages minbase v1 $keep" | sha256sum | cut -c1-12)"
base="localhost/shoppulse/${name}:${base_hash}"
cache="${XDG_CACHE_HOME:-$HOME/.cache}/shoppulse"
tarball="$cache/${name}-rootfs-${base_hash}.tar"

if ! "$engine" image inspect "$base" >/dev/null 2>&1; then
  if [ ! -s "$tarball" ]; then
    command -v debootstrap >/dev/null || { echo "debootstrap is needed: apt-get install debootstrap" >&2; exit 1; }
    mkdir -p "$cache"
    rootfs="$(mktemp -d /var/tmp/shoppulse-rootfs.XXXXXX)"
    trap 'rm -rf "$rootfs"' EXIT
    start=$(date +%s)
    debootstrap --variant=minbase --include="$packages" "$suite" "$rootfs" "$mirror" > "$cache/debootstrap-$name.log" 2>&1 \
      || { tail -20 "$cache/debootstrap-$name.log" >&2; exit 1; }
    rm -rf "$rootfs"/var/cache/apt/archives/*.deb
    if [ "$keep" != keep-apt-lists ]; then
      rm -rf "$rootfs"/var/lib/apt/lists/*
    fi
    # a server package's own cluster (postgresql-N makes one) is not part of an image
    rm -rf "$rootfs"/var/lib/postgresql/[0-9]* "$rootfs"/etc/postgresql/[0-9]*
    tar -C "$rootfs" -cf "$tarball.tmp" .
    mv "$tarball.tmp" "$tarball"
    rm -rf "$rootfs"
    trap - EXIT
    echo "debootstrap of $suite with $packages: $(( $(date +%s) - start )) s" >&2
  fi
  start=$(date +%s)
  "$engine" import "$tarball" "$base" >/dev/null
  echo "import of the base image $base: $(( $(date +%s) - start )) s" >&2
fi
echo "$base"
