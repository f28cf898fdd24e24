#!/usr/bin/env bash
# Run the Molecule scenarios (`make molecule`): molecule/containers/molecule.sh [SCENARIO ...] (default: default recovery aws)
#
# The container scenarios (default, recovery) run once per container engine: Podman and Docker, the
# engines users run them on. SHOPPULSE_MOLECULE_ENGINES chooses ("podman", "docker" or both; default:
# each engine this host has). Docker is the engine that answers (DOCKER_HOST, or the default socket);
# where none answers and dockerd is installed, a Docker engine of the run's own is started
# (molecule/containers/docker-engine.sh) and stopped at the end. The aws scenario needs no container and runs once.
#
# The image, for each engine (the scenarios only see SHOPPULSE_PG_IMAGE):
#   1. SHOPPULSE_PG_IMAGE, when set;
#   2. else the official docker.io/library/postgres:15, when it is present or can be pulled;
#   3. else a local image built from Debian's postgresql-15 (molecule/containers/build-postgres-image.sh), which
#      Docker gets from Podman (podman save | docker load) when Podman has it.
set -euo pipefail
cd "$(dirname "$0")/../.."

conf="$(molecule/containers/podman-host.sh)"
if [ -n "$conf" ]; then
  export CONTAINERS_CONF="$conf"
fi

# the strategy make site uses (Mitogen's when it is installed; SHOPPULSE_MITOGEN=0 for Ansible's own)
outer_pythonpath="${PYTHONPATH:-}"  # the runs' PYTHONPATH, not the one support.strategy itself runs with
while IFS='=' read -r name value; do
  [ -z "$name" ] || export "$name=$value"
done < <(PYTHONPATH=tests python -m support.strategy --pythonpath "$outer_pythonpath")
if [ "${ANSIBLE_STRATEGY:-}" = mitogen_linear ]; then
  echo "molecule: Mitogen's strategy (SHOPPULSE_MITOGEN=0 for Ansible's own); ansible-core 2.19 prints a" \
    "deprecation warning for any strategy plugin it does not ship"
fi

scenarios=("$@")
[ ${#scenarios[@]} -gt 0 ] || scenarios=(default recovery aws)

# Everything of this run under one directory of its own: Molecule's ephemeral state, an own Docker
# engine. A scenario run by hand, or another run, is never met.
run_dir="$(mktemp -d /tmp/shoppulse-molecule.XXXXXX)"
own_docker=""
aws_pid=""
engine_pids=()
cleanup() {
  local entry
  for entry in "${engine_pids[@]}"; do
    wait "${entry#*=}" 2>/dev/null || true
  done
  # a scenario that failed must not leave the aws scenario (and its moto server) half done
  if [ -n "$aws_pid" ]; then
    wait "$aws_pid" 2>/dev/null || true
  fi
  if [ -n "$own_docker" ]; then
    molecule/containers/docker-engine.sh stop "$own_docker" || echo "molecule: could not stop the Docker engine under $own_docker" >&2
  fi
  rm -rf "$run_dir"
}
trap cleanup EXIT

docker_answers() { command -v docker >/dev/null 2>&1 && docker info >/dev/null 2>&1; }

if [ -n "${SHOPPULSE_MOLECULE_ENGINES:-}" ]; then
  read -r -a engines <<< "$SHOPPULSE_MOLECULE_ENGINES"
else
  engines=()
  command -v podman >/dev/null 2>&1 && engines+=(podman)
  if docker_answers || { command -v dockerd >/dev/null 2>&1 && [ "$(id -u)" -eq 0 ]; }; then
    engines+=(docker)
  fi
fi
needs_engine=false
for scenario in "${scenarios[@]}"; do
  [ "$scenario" = aws ] || needs_engine=true
done
if $needs_engine && [ ${#engines[@]} -eq 0 ]; then
  echo "molecule: no container engine (install Podman, or start Docker)" >&2
  exit 1
fi

# Ports of their own, free now, so that the scenarios never meet make site's servers (or anything else)
# on a fixed port; the molecule.yml defaults serve a run by hand.
free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

user_image="${SHOPPULSE_PG_IMAGE:-}"
official=docker.io/library/postgres:15
local_image=localhost/shoppulse/postgres:15
image_for() {  # image_for ENGINE: prints the image the scenarios use on ENGINE, building or loading it first
  local engine="$1"
  if [ -n "$user_image" ]; then
    echo "$user_image"
    return
  fi
  if "$engine" image inspect "$official" >/dev/null 2>&1 || "$engine" pull -q "$official" >/dev/null 2>&1; then
    echo "$official"
    return
  fi
  echo "molecule: $official cannot be pulled with $engine; using a local image that honours its contract" >&2
  if [ "$engine" = docker ] && command -v podman >/dev/null 2>&1 && podman image inspect "$local_image" >/dev/null 2>&1; then
    if [ "$(podman image inspect --format '{{.Id}}' "$local_image")" != "$(docker image inspect --format '{{.Id}}' "$local_image" 2>/dev/null | sed 's/^sha256://')" ]; then
      podman save "$local_image" | docker load -q >&2
    fi
  else
    SHOPPULSE_CONTAINER_ENGINE="$engine" molecule/containers/build-postgres-image.sh "$local_image" >&2
  fi
  echo "$local_image"
}

run_scenario() {  # run_scenario SCENARIO [ENGINE]
  local scenario="$1" engine="${2:-}" start label
  start=$(date +%s)
  label="$scenario${engine:+ on $engine}"
  MOLECULE_EPHEMERAL_DIRECTORY="$run_dir/$scenario${engine:+-$engine}" \
    SHOPPULSE_PG_PORT="$(free_port)" SHOPPULSE_PG_RECOVERY_PORT="$(free_port)" SHOPPULSE_MOTO_PORT="$(free_port)" \
    molecule test -s "$scenario" || { echo "molecule: scenario $label FAILED" >&2; return 1; }
  echo "molecule: scenario $label passed in $(( $(date +%s) - start )) s"
}

# The aws scenario needs no container engine, and the two engines share nothing: the aws scenario and
# each engine's container scenarios run at the same time (most of their time is spent waiting on
# containers and servers). The first engine's output is shown as it comes, the others' when they end.
own_docker_dir="$run_dir/docker"
for scenario in "${scenarios[@]}"; do
  if [ "$scenario" = aws ]; then
    run_scenario aws > "$run_dir/aws.log" 2>&1 &
    aws_pid=$!
  fi
done

# each engine's image first, one after the other: Docker's may be loaded from Podman's
declare -A image_of=()
for engine in "${engines[@]}"; do
  $needs_engine || break
  case "$engine" in
    podman) ;;
    docker)
      if ! docker_answers; then
        own_docker="$own_docker_dir"
        DOCKER_HOST="$(molecule/containers/docker-engine.sh start "$own_docker")"
        export DOCKER_HOST
        echo "molecule: started a Docker engine of this run's own ($DOCKER_HOST)"
      fi
      ;;
    *) echo "molecule: unknown container engine $engine (podman or docker)" >&2; exit 1 ;;
  esac
  image_of[$engine]="$(image_for "$engine")"
  echo "molecule: $engine with ${image_of[$engine]}"
done

run_engine() {  # run_engine ENGINE: the container scenarios on ENGINE, one after the other
  local engine="$1" scenario
  SHOPPULSE_PG_IMAGE="${image_of[$engine]}" SHOPPULSE_CONTAINER_ENGINE="$engine"
  export SHOPPULSE_PG_IMAGE SHOPPULSE_CONTAINER_ENGINE
  for scenario in "${scenarios[@]}"; do
    [ "$scenario" = aws ] || run_scenario "$scenario" "$engine" || return 1
  done
}

if $needs_engine; then
  for engine in "${engines[@]:1}"; do
    run_engine "$engine" > "$run_dir/$engine.log" 2>&1 &
    engine_pids+=("$engine=$!")
  done
  first_status=0
  ( run_engine "${engines[0]}" ) || first_status=$?
fi
failed=()
if $needs_engine; then
  [ "$first_status" -eq 0 ] || failed+=("${engines[0]}")
  for entry in "${engine_pids[@]}"; do
    status=0
    wait "${entry#*=}" || status=$?
    echo "== molecule: the scenarios on ${entry%%=*} (ran beside ${engines[0]})"
    cat "$run_dir/${entry%%=*}.log"
    [ "$status" -eq 0 ] || failed+=("${entry%%=*}")
  done
fi
if [ -n "$own_docker" ]; then
  molecule/containers/docker-engine.sh stop "$own_docker"
  own_docker=""
fi
if [ -n "$aws_pid" ]; then
  status=0
  wait "$aws_pid" || status=$?
  aws_pid=""
  echo "== molecule: the aws scenario (ran beside the container scenarios)"
  cat "$run_dir/aws.log"
  [ "$status" -eq 0 ] || failed+=(aws)
fi
if [ ${#failed[@]} -gt 0 ]; then
  echo "molecule: failed: ${failed[*]}" >&2
  exit 1
fi
