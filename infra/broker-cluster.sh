#!/usr/bin/env bash
# A three-node RabbitMQ cluster on this machine, in containers of the local image that
# infra/docker.sh builds from Debian packages (nothing is pulled). The nodes share an Erlang cookie,
# run on a network of their own (each node's name is rabbit@<container name>), and nodes 2 and 3
# join node 1 with `rabbitmqctl join_cluster`. Host ports are on 127.0.0.1 only.
#
#   bash infra/broker-cluster.sh up          start (or keep) the three nodes, joined; prints the client settings
#   bash infra/broker-cluster.sh status      rabbitmqctl cluster_status, as node 1 (or the first running node) sees it
#   bash infra/broker-cluster.sh stop-node N stops node N (1-3) as a failure would; start-node N brings it back
#   bash infra/broker-cluster.sh down        removes the nodes (and their data) and the network
#
# Settings: BROKER_CLUSTER_NAME (container and network prefix, default attribution-broker),
# BROKER_CLUSTER_AMQP_PORTS (default "5681 5682 5683"), BROKER_CLUSTER_MANAGEMENT_PORTS (default
# "15681 15682 15683"), BROKER_CLUSTER_TEST=1 (labels the containers and the network
# attribution.test=true, so that infra/test.sh removes any a killed test run left behind), DOCKER_TIMEOUT (seconds, default 90).
set -euo pipefail

cd "$(dirname "$0")/.."
readonly NAME="${BROKER_CLUSTER_NAME:-attribution-broker}"
read -r -a AMQP_PORTS <<<"${BROKER_CLUSTER_AMQP_PORTS:-5681 5682 5683}"
read -r -a MANAGEMENT_PORTS <<<"${BROKER_CLUSTER_MANAGEMENT_PORTS:-15681 15682 15683}"
readonly IMAGE="${ATTRIBUTION_RABBITMQ_IMAGE:-local/rabbitmq:3-management}"
readonly TIMEOUT="${DOCKER_TIMEOUT:-90}"
readonly NODES=(1 2 3)
export DOCKER_API_VERSION="${DOCKER_API_VERSION:-1.41}"

log() { echo "broker-cluster: $*" >&2; }
die() { log "error: $*"; exit 1; }
source "$(dirname "${BASH_SOURCE[0]}")/shell-helpers.sh" # timed, wait_until

((${#AMQP_PORTS[@]} == 3 && ${#MANAGEMENT_PORTS[@]} == 3)) || die "BROKER_CLUSTER_AMQP_PORTS and BROKER_CLUSTER_MANAGEMENT_PORTS need three ports each"

node() { echo "$NAME-$1"; }
exists() { docker container inspect "$(node "$1")" >/dev/null 2>&1; }
running() { [[ "$(docker container inspect -f '{{.State.Running}}' "$(node "$1")" 2>/dev/null)" == true ]]; }
# rabbitmqctl as the broker's user, whose home holds the shared cookie.
ctl() { local n="$1"; shift; docker exec -u rabbitmq -e HOME=/var/lib/rabbitmq "$(node "$n")" rabbitmqctl "$@"; }
node_up() { ctl "$1" -q status >/dev/null 2>&1; }
amqp_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

start_node() { # N COOKIE
  local n="$1" cookie="$2" labels=(--label "attribution.broker-cluster=$NAME")
  [[ "${BROKER_CLUSTER_TEST:-}" == 1 ]] && labels+=(--label attribution.test=true)
  # (Docker warns that IPv4 forwarding is off: on purpose, see infra/docker.sh; the nodes talk over their bridge.)
  # The image's entrypoint writes rabbitmq.conf; the cookie file is written first, by a shell that
  # then runs the entrypoint again in its place (so the broker stays PID 1 and stops on SIGTERM).
  docker run -d --name "$(node "$n")" --hostname "$(node "$n")" --network "$NAME" "${labels[@]}" \
    -e RABBITMQ_NODENAME="rabbit@$(node "$n")" -e ATTRIBUTION_ERLANG_COOKIE="$cookie" \
    -e RABBITMQ_DEFAULT_USER=guest -e RABBITMQ_DEFAULT_PASS=guest \
    -p "127.0.0.1:${AMQP_PORTS[n - 1]}:5672" -p "127.0.0.1:${MANAGEMENT_PORTS[n - 1]}:15672" \
    "$IMAGE" sh -c 'printf %s "$ATTRIBUTION_ERLANG_COOKIE" >/var/lib/rabbitmq/.erlang.cookie \
      && chown rabbitmq:rabbitmq /var/lib/rabbitmq/.erlang.cookie && chmod 400 /var/lib/rabbitmq/.erlang.cookie \
      && exec /usr/local/bin/entrypoint.sh rabbitmq-server' 2> >(grep -v 'IPv4 forwarding is disabled' >&2) >/dev/null
}

cluster_size() { # N: how many running nodes node N counts
  ctl "$1" -q cluster_status --formatter json 2>/dev/null | grep -o '"running_nodes":\[[^]]*\]' | grep -o 'rabbit@' | wc -l
}
fully_joined() { [[ "$(cluster_size 1)" == 3 ]]; }

cmd_up() {
  docker info >/dev/null 2>&1 || die "no Docker engine: bash infra/docker.sh start"
  docker image inspect "$IMAGE" >/dev/null 2>&1 || die "no image $IMAGE: bash infra/docker.sh start"
  local network_labels=(--label "attribution.broker-cluster=$NAME")
  [[ "${BROKER_CLUSTER_TEST:-}" == 1 ]] && network_labels+=(--label attribution.test=true)
  docker network inspect "$NAME" >/dev/null 2>&1 || docker network create "${network_labels[@]}" "$NAME" >/dev/null
  local cookie
  cookie="$(head -c 24 /dev/urandom | base64 | tr -dc 'A-Za-z0-9')"
  for n in "${NODES[@]}"; do
    if exists "$n"; then
      running "$n" || docker start "$(node "$n")" >/dev/null
    else
      # A node that already exists keeps the cookie it was created with: reuse it.
      if exists 1; then cookie="$(docker exec "$(node 1)" cat /var/lib/rabbitmq/.erlang.cookie)"; fi
      start_node "$n" "$cookie"
    fi
  done
  for n in "${NODES[@]}"; do wait_until "node $n to boot (docker logs $(node "$n"))" node_up "$n"; done
  for n in 2 3; do
    if ! ctl 1 -q cluster_status --formatter json | grep -q "rabbit@$(node "$n")"; then
      log "joining node $n to node 1"
      ctl "$n" -q stop_app
      ctl "$n" -q join_cluster "rabbit@$(node 1)"
      ctl "$n" -q start_app
    fi
  done
  wait_until "all three nodes running in one cluster" fully_joined
  for n in "${NODES[@]}"; do wait_until "AMQP on 127.0.0.1:${AMQP_PORTS[n - 1]}" amqp_open "${AMQP_PORTS[n - 1]}"; done
  log "three nodes up: $(node 1), $(node 2), $(node 3)"
  # The client settings: clients know every node; engine endpoints are quorum queues.
  echo "RABBITMQ_URL=amqp://guest:guest@127.0.0.1:${AMQP_PORTS[0]}/"
  echo "Broker__Nodes=127.0.0.1:${AMQP_PORTS[0]},127.0.0.1:${AMQP_PORTS[1]},127.0.0.1:${AMQP_PORTS[2]}"
  echo "Broker__QueueType=quorum"
  echo "Broker__ManagementUrl=http://127.0.0.1:${MANAGEMENT_PORTS[0]}/"
}

cmd_status() {
  for n in "${NODES[@]}"; do
    if running "$n"; then ctl "$n" cluster_status; return; fi
  done
  die "no node of $NAME is running"
}

node_arg() { [[ "${1:-}" =~ ^[123]$ ]] || die "name a node: 1, 2 or 3"; }

cmd_stop_node() { node_arg "$1"; docker stop "$(node "$1")" >/dev/null; log "stopped $(node "$1")"; }

cmd_start_node() {
  node_arg "$1"
  docker start "$(node "$1")" >/dev/null
  wait_until "node $1 to boot" node_up "$1"
  wait_until "node $1 back in the cluster" fully_joined
  log "started $(node "$1")"
}

cmd_down() {
  local ids
  ids="$(docker ps -aq --filter "label=attribution.broker-cluster=$NAME")"
  [[ -z "$ids" ]] || docker rm -f $ids >/dev/null
  docker network rm "$NAME" >/dev/null 2>&1 || true
  log "removed $NAME"
}

case "${1:-}" in
  up) timed "up" cmd_up ;;
  status) cmd_status ;;
  stop-node) cmd_stop_node "${2:-}" ;;
  start-node) cmd_start_node "${2:-}" ;;
  down) cmd_down ;;
  *) echo "usage: bash $0 up|status|stop-node N|start-node N|down" >&2; exit 2 ;;
esac
