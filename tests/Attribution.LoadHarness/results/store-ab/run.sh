#!/usr/bin/env bash
# Load-harness A/B between builds, interleaved in one sitting. Each variant is NAME=TREE[:ENV=VALUE,...]
# (TREE: a checkout with its Release build, e.g. `git archive REV | tar -x -C DIR` + `dotnet build -c Release`).
# Every run gets a fresh vhost and database, starts that tree's engine (waits until it consumes) and gateway,
# and runs that tree's harness. Needs the shared broker and database on 127.0.0.1 (infra/up.sh). Run it under
# the test lock:
#   flock -o /tmp/attribution-tests.lock bash tests/Attribution.LoadHarness/results/store-ab/run.sh \
#     OUT_DIR "hand=/work/ab-hand" "marten=/work/ab-main" -- --steady-rate 500
# Order: every variant once, then again (AB_ROUNDS, default 2). Harness arguments follow `--`.
# Among a variant's settings, these are the script's own instead of being passed on: ENGINES=N starts N
# engine processes (default 1); QUEUE_VERSION=2 puts the run's vhost under a policy that makes its classic
# queues version 2; ENGINE_NICE=N runs the engines at that nice level; STOP_ENGINE=1 stops (SIGSTOP) the
# engines once the gateway is up, to time the accept path alone (pass the harness
# `--steady-only --accept-only --warm-up-seconds 0`: nothing is decided); FRONT_CPUS=LIST and BACK_CPUS=LIST
# split the cores (taskset lists): RabbitMQ, the gateway and the load client on FRONT_CPUS, the engines and
# PostgreSQL on BACK_CPUS, for this run only. The gateway's /metrics (its publish-confirm histogram) is
# kept beside each run's results.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../ab-arguments.sh" "$@"
LOGS="$OUT/logs"
VHOST=attribution-ab DB=attribution_ab PORT=5180
mkdir -p "$OUT" "$LOGS"

export ATTRIBUTION_ADMIN_TOKEN="ab-$(openssl rand -hex 12)"
export ATTRIBUTION_GATEWAY_URL="http://127.0.0.1:$PORT" ASPNETCORE_URLS="http://127.0.0.1:$PORT"
export RABBITMQ_URL="amqp://guest:guest@127.0.0.1:5672/$VHOST"
export POSTGRES_CONNECTION="Host=127.0.0.1;Port=5432;Username=app;Password=app;Database=$DB"
export Metrics__ListenUrl=""   # a running demo engine holds 9464
export DOTNET_gcServer=1

pids=()
ALL_CPUS="0-$(($(nproc) - 1))"
# Every process of the shared broker and database on these cores (new PostgreSQL backends inherit the postmaster's).
pin_services() {
  local p
  for p in $(pgrep -x beam.smp); do taskset -a -p -c "$1" "$p" >/dev/null; done
  for p in $(pgrep -x postgres); do taskset -a -p -c "$2" "$p" >/dev/null; done
}
cleanup() { for p in "${pids[@]}"; do kill -CONT "$p" 2>/dev/null || true; kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; pin_services "$ALL_CPUS" "$ALL_CPUS"; }
trap cleanup EXIT

fresh() {
  curl -s -o /dev/null -u guest:guest -X DELETE "http://127.0.0.1:15672/api/vhosts/$VHOST" || true
  curl -sf -u guest:guest -X PUT "http://127.0.0.1:15672/api/vhosts/$VHOST"
  curl -sf -u guest:guest -X PUT -H 'content-type: application/json' -d '{"configure":".*","write":".*","read":".*"}' \
    "http://127.0.0.1:15672/api/permissions/$VHOST/guest"
  PGPASSWORD=app psql -q -h 127.0.0.1 -U app -d postgres -c "DROP DATABASE IF EXISTS $DB WITH (FORCE)" -c "CREATE DATABASE $DB"
}

for round in $(seq 1 "$ROUNDS"); do
  for variant in "${variants[@]}"; do
    name="${variant%%=*}" spec="${variant#*=}"
    tree="${spec%%:*}" envs=()
    [[ "$spec" == *:* ]] && IFS=',' read -r -a envs <<<"${spec#*:}"
    engines=1 queue_version="" engine_nice=0 stop_engine="" front_cpus="$ALL_CPUS" back_cpus="$ALL_CPUS" kept=()
    for e in "${envs[@]}"; do
      case "$e" in
        ENGINES=*) engines="${e#ENGINES=}" ;;
        QUEUE_VERSION=*) queue_version="${e#QUEUE_VERSION=}" ;;
        ENGINE_NICE=*) engine_nice="${e#ENGINE_NICE=}" ;;
        STOP_ENGINE=*) stop_engine="${e#STOP_ENGINE=}" ;;
        FRONT_CPUS=*) front_cpus="${e#FRONT_CPUS=}" ;;
        BACK_CPUS=*) back_cpus="${e#BACK_CPUS=}" ;;
        *) kept+=("$e") ;;
      esac
    done
    envs=("${kept[@]}")
    run="$name-$round"
    fresh
    if [[ -n "$queue_version" ]]; then
      curl -sf -u guest:guest -X PUT -H 'content-type: application/json' \
        -d "{\"pattern\":\".*\",\"apply-to\":\"queues\",\"definition\":{\"queue-version\":$queue_version}}" \
        "http://127.0.0.1:15672/api/policies/$VHOST/queue-version"
    fi
    echo "ab: $run ($tree ${envs[*]:-}) $(date -u +%H:%M:%S)"
    pids=() engine_pids=()
    pin_services "$front_cpus" "$back_cpus"
    for i in $(seq 1 "$engines"); do
      env "${envs[@]}" taskset -c "$back_cpus" nice -n "$engine_nice" dotnet "$tree/services/Attribution.Engine/bin/Release/net10.0/Attribution.Engine.dll" >"$LOGS/$run-engine-$i.log" 2>&1 &
      pids+=($!) engine_pids+=($!)
    done
    for _ in $(seq 1 240); do
      n="$(curl -sf -u guest:guest "http://127.0.0.1:15672/api/queues/$VHOST/attribution-record-cart-event-received" | grep -o '"consumers":[0-9]*' | head -1 | cut -d: -f2 || true)"
      ((${n:-0} >= engines)) && break
      sleep 0.5
    done
    env "${envs[@]}" taskset -c "$front_cpus" dotnet "$tree/services/Attribution.Gateway/bin/Release/net10.0/Attribution.Gateway.dll" >"$LOGS/$run-gateway.log" 2>&1 &
    pids+=($!)
    for _ in $(seq 1 240); do curl -sf "$ATTRIBUTION_GATEWAY_URL/healthz" >/dev/null && break; sleep 0.5; done
    [[ -n "$stop_engine" ]] && kill -STOP "${engine_pids[@]}"
    (cd "$tree" && taskset -c "$front_cpus" dotnet tests/Attribution.LoadHarness/bin/Release/net10.0/Attribution.LoadHarness.dll "${harness_args[@]}" \
      --results "$OUT/$run") >"$LOGS/$run-harness.log" 2>&1 || echo "ab: $run harness failed (see $LOGS/$run-harness.log)"
    mkdir -p "$OUT/$run" && curl -s "$ATTRIBUTION_GATEWAY_URL/metrics" >"$OUT/$run/gateway-metrics.txt" || true
    cleanup; pids=()
  done
done
echo "ab: done $(date -u +%H:%M:%S)"
