#!/usr/bin/env bash
# A Docker engine of the test's own, for hosts where none answers (molecule/containers/molecule.sh starts and
# stops it): Debian's dockerd, without iptables rules, with its data root, exec root, socket and pid
# file in DIR, so that nothing of the host's own Docker (if any) is used or changed.
#
#   molecule/containers/docker-engine.sh start DIR   prints the DOCKER_HOST to export (unix://DIR/docker.sock)
#   molecule/containers/docker-engine.sh stop DIR    stops it and removes DIR (its images and containers with it)
set -euo pipefail

action="${1:?start or stop}"
dir="${2:?DIR, the directory of the engine}"

case "$action" in
  start)
    command -v dockerd >/dev/null || { echo "dockerd is missing: apt-get install docker.io" >&2; exit 1; }
    [ "$(id -u)" -eq 0 ] || { echo "starting a Docker engine needs root" >&2; exit 1; }
    mkdir -p "$dir"
    # the default bridge is the host's docker0: remember whether it was there, to leave the host as it was
    [ -e /sys/class/net/docker0 ] || touch "$dir/created-docker0"
    dockerd --iptables=false --data-root "$dir/data" --exec-root "$dir/exec" \
      --host "unix://$dir/docker.sock" --pidfile "$dir/docker.pid" > "$dir/dockerd.log" 2>&1 &
    for _ in $(seq 1 60); do
      if DOCKER_HOST="unix://$dir/docker.sock" docker info >/dev/null 2>&1; then
        echo "unix://$dir/docker.sock"
        exit 0
      fi
      sleep 0.5
    done
    tail -n 20 "$dir/dockerd.log" >&2
    echo "the Docker engine under $dir did not answer within 30 s" >&2
    exit 1
    ;;
  stop)
    if [ -s "$dir/docker.pid" ]; then
      pid="$(cat "$dir/docker.pid")"
      kill "$pid" 2>/dev/null || true
      for _ in $(seq 1 60); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.5
      done
    fi
    if [ -e "$dir/created-docker0" ] && [ -e /sys/class/net/docker0 ]; then
      ip link delete docker0 2>/dev/null || true
    fi
    # overlay mounts of the data root, if the engine left any
    { grep -o " $dir/[^ ]*" /proc/mounts || true; } | sort -r | while read -r mount; do umount "$mount" || true; done
    rm -rf "$dir"
    ;;
  *)
    echo "usage: $0 start|stop DIR" >&2
    exit 2
    ;;
esac
