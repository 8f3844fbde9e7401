#!/usr/bin/env bash
# A/B of the gateway's publish coalescing: the same build, Publishing__LingerMilliseconds 0 (off)
# against 2, interleaved (0, 2, 0, 2) in one sitting, against one engine, a vhost and a database of
# their own (the demo system on port 5080 is left alone). Needs the Release build of the solution
# (bash infra/test.sh builds it) and the shared broker and database on 127.0.0.1. Run it under the
# test lock:  flock -o /tmp/attribution-tests.lock bash tests/Attribution.LoadHarness/results/coalescing-ab/run.sh
set -euo pipefail
cd "$(dirname "$0")/../../../.."
OUT=tests/Attribution.LoadHarness/results/coalescing-ab
LOGS=/tmp/attribution-coalescing-ab-logs
VHOST=attribution-ab DB=attribution_ab PORT=5180
RUNS="${AB_RUNS:-0 2 0 2}"
mkdir -p "$LOGS"

curl -s -o /dev/null -u guest:guest -X DELETE "http://127.0.0.1:15672/api/vhosts/$VHOST" || true
curl -sf -u guest:guest -X PUT "http://127.0.0.1:15672/api/vhosts/$VHOST"
curl -sf -u guest:guest -X PUT -H 'content-type: application/json' -d '{"configure":".*","write":".*","read":".*"}' \
  "http://127.0.0.1:15672/api/permissions/$VHOST/guest"
PGPASSWORD=app psql -q -h 127.0.0.1 -U app -d postgres -c "DROP DATABASE IF EXISTS $DB" -c "CREATE DATABASE $DB"

export RABBITMQ_URL="amqp://guest:guest@127.0.0.1:5672/$VHOST"
export POSTGRES_CONNECTION="Host=127.0.0.1;Port=5432;Username=app;Password=app;Database=$DB"
export ATTRIBUTION_ADMIN_TOKEN="ab-$(openssl rand -hex 12)"
export ATTRIBUTION_GATEWAY_URL="http://127.0.0.1:$PORT"
export Metrics__ListenUrl=""   # the demo engine holds 9464
export DOTNET_gcServer=1

dotnet services/Attribution.Engine/bin/Release/net10.0/Attribution.Engine.dll >"$LOGS/engine.log" 2>&1 &
engine=$!
gateway=""
cleanup() { [[ -n "$gateway" ]] && kill "$gateway" 2>/dev/null; kill "$engine" 2>/dev/null; wait 2>/dev/null || true; }
trap cleanup EXIT
# The engine binds its queues (the batch queue among them) before any gateway publishes.
for _ in $(seq 1 120); do
  curl -sf -u guest:guest "http://127.0.0.1:15672/api/queues/$VHOST/attribution-record-event-batch-received" | grep -q '"consumers":[1-9]' && break
  sleep 0.5
done

n=0
for linger in $RUNS; do
  n=$((n + 1))
  Publishing__LingerMilliseconds="$linger" dotnet services/Attribution.Gateway/bin/Release/net10.0/Attribution.Gateway.dll \
    >"$LOGS/gateway-$n-linger-$linger.log" 2>&1 &
  gateway=$!
  for _ in $(seq 1 120); do curl -sf "$ATTRIBUTION_GATEWAY_URL/healthz" >/dev/null && break; sleep 0.5; done
  echo "ab: run $n, linger $linger ms ($(date -u +%H:%M:%S))"
  dotnet tests/Attribution.LoadHarness/bin/Release/net10.0/Attribution.LoadHarness.dll --replay-events 0 \
    --results "$OUT/run-$n-linger-$linger" >"$LOGS/harness-$n-linger-$linger.log" 2>&1
  kill "$gateway"; wait "$gateway" 2>/dev/null || true; gateway=""
done
echo "ab: done ($(date -u +%H:%M:%S))"
