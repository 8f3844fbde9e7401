#!/usr/bin/env bash
# Docker for the container tests and the compose smoke test, on Debian 12 as root, with nothing
# pulled from a registry: installs Debian's engine when missing, starts dockerd in the background
# (no systemd), and builds these local images once from Debian packages (kept between runs on one
# machine: an image that `docker image inspect` finds is not built again):
#
#   local/debian:bookworm           debootstrap --variant=minbase
#   local/rabbitmq:3-management     rabbitmq-server with the management plugin (infra/docker/rabbitmq)
#   local/postgres:15               postgresql-15 with an entrypoint like the official image's (infra/docker/postgres)
#   local/dotnet-runtime:10         the host's .NET runtime and its Debian dependencies (infra/docker/dotnet-runtime)
#
#   bash infra/docker.sh start      engine and images; prints ATTRIBUTION_RABBITMQ_IMAGE=… for the caller
#   bash infra/docker.sh engine     the engine only
#   bash infra/docker.sh stop       stops the dockerd this script started
#
# Each step's time goes to stderr. Logs: /var/log/attribution-dockerd.log.
set -euo pipefail

cd "$(dirname "$0")/.."
readonly ROOT="$PWD"
readonly CACHE=/var/cache/attribution-docker
readonly DAEMON_CONFIG=/etc/docker/attribution-daemon.json
readonly DAEMON_LOG=/var/log/attribution-dockerd.log
readonly DAEMON_PID=/run/attribution-dockerd.pid
readonly TIMEOUT="${DOCKER_TIMEOUT:-60}"

readonly BASE_IMAGE=local/debian:bookworm
readonly RABBITMQ_IMAGE=local/rabbitmq:3-management
readonly POSTGRES_IMAGE=local/postgres:15
readonly DOTNET_IMAGE=local/dotnet-runtime:10

# The image's own docker client may be newer than Debian's engine (20.10, API 1.41).
export DOCKER_API_VERSION="${DOCKER_API_VERSION:-1.41}"

log() { echo "docker: $*" >&2; }
die() { log "error: $*"; exit 1; }
source "$(dirname "${BASH_SOURCE[0]}")/shell-helpers.sh" # timed, wait_until

# --- engine --------------------------------------------------------------------------------------

install_engine() {
  local missing=()
  command -v dockerd >/dev/null || missing+=(docker.io)
  command -v docker-compose >/dev/null || missing+=(docker-compose)
  command -v debootstrap >/dev/null || missing+=(debootstrap)
  ((${#missing[@]} == 0)) && return
  log "installing ${missing[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

engine_up() { docker info >/dev/null 2>&1; }

start_engine() {
  if engine_up; then log "engine already running"; return; fi
  mkdir -p "$(dirname "$DAEMON_CONFIG")"
  # No forwarding or masquerading: containers reach this machine only, never another address.
  printf '{ "ip-forward": false, "ip-masq": false }\n' >"$DAEMON_CONFIG"
  log "starting dockerd (log: $DAEMON_LOG)"
  setsid dockerd --config-file "$DAEMON_CONFIG" >>"$DAEMON_LOG" 2>&1 </dev/null &
  echo $! >"$DAEMON_PID"
  wait_until "dockerd (see $DAEMON_LOG)" engine_up
}

stop_engine() {
  [[ -f "$DAEMON_PID" ]] || { log "no dockerd started by this script"; return; }
  local pid; pid="$(cat "$DAEMON_PID")"
  if kill -0 "$pid" 2>/dev/null; then
    kill "$pid"
    wait_until "dockerd to stop" bash -c "! kill -0 $pid 2>/dev/null"
    log "stopped dockerd (pid $pid)"
  fi
  rm -f "$DAEMON_PID"
}

# --- images --------------------------------------------------------------------------------------

have_image() { docker image inspect "$1" >/dev/null 2>&1; }

# The Debian mirror apt already uses on this machine.
debian_mirror() {
  local uri
  uri="$(grep -rhoE 'https?://[^ ]+/debian/?( |$)' /etc/apt/sources.list /etc/apt/sources.list.d/ 2>/dev/null | head -n 1 | tr -d ' ')"
  echo "${uri:-http://deb.debian.org/debian}"
}

build_base() {
  local rootfs="$CACHE/rootfs"
  rm -rf "$rootfs"; mkdir -p "$rootfs"
  debootstrap --variant=minbase bookworm "$rootfs" "$(debian_mirror)" >"$CACHE/debootstrap.log" 2>&1 \
    || { tail -n 20 "$CACHE/debootstrap.log" >&2; die "debootstrap failed"; }
  # Services in images never start at install time (no init system runs there).
  printf '#!/bin/sh\nexit 101\n' >"$rootfs/usr/sbin/policy-rc.d"; chmod +x "$rootfs/usr/sbin/policy-rc.d"
  rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/*
  tar -C "$rootfs" -c . | docker import - "$BASE_IMAGE" >/dev/null
  rm -rf "$rootfs"
}

# download_debs CONTEXT PACKAGE...: the .debs PACKAGE needs on top of the base image, into CONTEXT/debs.
download_debs() {
  local context="$1"; shift
  local status="$CACHE/base-dpkg-status"
  docker run --rm --network none "$BASE_IMAGE" cat /var/lib/dpkg/status >"$status"
  rm -rf "$context/debs"; mkdir -p "$context/debs/partial"
  apt-get install -y -qq --download-only --no-install-recommends \
    -o Dir::State::status="$status" -o Dir::Cache::archives="$context/debs" "$@" >/dev/null
  rm -rf "$context/debs/partial" "$context/debs/lock"
}

# build_from_debs IMAGE DIR PACKAGE...: builds infra/docker/DIR offline with the .debs of PACKAGE.
build_from_debs() {
  local image="$1" dir="$2"; shift 2
  local context="$CACHE/$dir"
  rm -rf "$context"; mkdir -p "$context"
  cp -r "$ROOT/infra/docker/$dir/." "$context/"
  download_debs "$context" "$@"
  if [[ "$dir" == dotnet-runtime ]]; then copy_host_dotnet "$context/dotnet"; fi
  docker build --network none -q -t "$image" "$context" >/dev/null
  rm -rf "$context"
}

# The runtime the host's SDK runs on (no SDK, no packs): the published apps run on it in the image.
copy_host_dotnet() {
  local home; home="$(dirname "$(readlink -f "$(command -v dotnet)")")"
  mkdir -p "$1/shared"
  cp -a "$home/dotnet" "$home/host" "$1/"
  cp -a "$home/shared/Microsoft.NETCore.App" "$home/shared/Microsoft.AspNetCore.App" "$1/shared/"
}

image() { # IMAGE STEP...: builds IMAGE unless present
  local image="$1"; shift
  if have_image "$image"; then log "$image: present"; return; fi
  log "$image: building"
  timed "$image" "$@"
}

build_images() {
  mkdir -p "$CACHE"
  image "$BASE_IMAGE" build_base
  # The package lists the downloads resolve against (the base image is bookworm, like this host).
  local missing=0
  for i in "$RABBITMQ_IMAGE" "$POSTGRES_IMAGE" "$DOTNET_IMAGE"; do have_image "$i" || missing=1; done
  ((missing)) && timed "apt-get update" apt-get update -qq
  image "$RABBITMQ_IMAGE" build_from_debs "$RABBITMQ_IMAGE" rabbitmq rabbitmq-server
  image "$POSTGRES_IMAGE" build_from_debs "$POSTGRES_IMAGE" postgres postgresql-15
  image "$DOTNET_IMAGE" build_from_debs "$DOTNET_IMAGE" dotnet-runtime \
    ca-certificates libicu72 libssl3 libgssapi-krb5-2 tzdata zlib1g libstdc++6
}

# --- commands ------------------------------------------------------------------------------------

cmd_start() {
  cmd_engine
  timed "images" build_images
  echo "ATTRIBUTION_RABBITMQ_IMAGE=$RABBITMQ_IMAGE"
  echo "ATTRIBUTION_POSTGRES_IMAGE=$POSTGRES_IMAGE"
  echo "ATTRIBUTION_DOTNET_RUNTIME_IMAGE=$DOTNET_IMAGE"
}

cmd_engine() {
  [[ $EUID == 0 ]] || die "run as root (installs packages and starts dockerd)"
  timed "install (docker.io, docker-compose, debootstrap if missing)" install_engine
  timed "engine start" start_engine
}

case "${1:-}" in
  start) cmd_start ;;
  engine) cmd_engine ;;
  stop) stop_engine ;;
  *) echo "usage: bash $0 start|engine|stop" >&2; exit 2 ;;
esac
