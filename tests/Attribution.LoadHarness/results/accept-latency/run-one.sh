#!/usr/bin/env bash
# One steady-phase run of the load harness against this tree's Release build, on a fresh vhost and
# database, with the engine's and gateway's settings from the arguments (ENV=VALUE ...). Run it under
# the test lock with the shared broker and database up (infra/services.sh start):
#   flock -o /tmp/attribution-tests.lock bash tests/Attribution.LoadHarness/results/accept-latency/run-one.sh OUT [ENV=VALUE ...]
# Knobs (environment): RATE (500), SECS (30), ENGINE_NICE (0: nice level of the engine), GCSERVER (1),
# STOP_ENGINE=1 (SIGSTOP the engine once its queues exist: the accept path alone; pass
# HARGS="--accept-only --warm-up-seconds 0", since nothing is decided), HARGS (more harness arguments).
# Prints the latency rows and keeps the gateway's /metrics (publish-confirm histogram) beside them.
set -euo pipefail
OUT=$1; shift
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../../../.." && pwd)"
VHOST=attribution-ab DB=attribution_ab PORT=5180
mkdir -p "$OUT"
export ATTRIBUTION_ADMIN_TOKEN="ab-$(openssl rand -hex 12)"
export ATTRIBUTION_GATEWAY_URL="http://127.0.0.1:$PORT" ASPNETCORE_URLS="http://127.0.0.1:$PORT"
export RABBITMQ_URL="amqp://guest:guest@127.0.0.1:5672/$VHOST"
export POSTGRES_CONNECTION="Host=127.0.0.1;Port=5432;Username=app;Password=app;Database=$DB"
export Metrics__ListenUrl="" DOTNET_gcServer=${GCSERVER:-1}
curl -s -o /dev/null -u guest:guest -X DELETE "http://127.0.0.1:15672/api/vhosts/$VHOST" || true
curl -sf -u guest:guest -X PUT "http://127.0.0.1:15672/api/vhosts/$VHOST"
curl -sf -u guest:guest -X PUT -H 'content-type: application/json' -d '{"configure":".*","write":".*","read":".*"}' \
  "http://127.0.0.1:15672/api/permissions/$VHOST/guest"
PGPASSWORD=app psql -q -h 127.0.0.1 -U app -d postgres -c "DROP DATABASE IF EXISTS $DB WITH (FORCE)" -c "CREATE DATABASE $DB"
env "$@" nice -n "${ENGINE_NICE:-0}" dotnet "$ROOT/services/Attribution.Engine/bin/Release/net10.0/Attribution.Engine.dll" >"$OUT/engine.log" 2>&1 &
engine=$!
trap 'kill -CONT $engine 2>/dev/null; kill $engine ${gateway:-} 2>/dev/null; wait 2>/dev/null || true' EXIT
for _ in $(seq 1 240); do
  n="$(curl -sf -u guest:guest "http://127.0.0.1:15672/api/queues/$VHOST/attribution-record-cart-event-received" | grep -o '"consumers":[0-9]*' | head -1 | cut -d: -f2 || true)"
  ((${n:-0} >= 1)) && break
  sleep 0.5
done
env "$@" dotnet "$ROOT/services/Attribution.Gateway/bin/Release/net10.0/Attribution.Gateway.dll" >"$OUT/gateway.log" 2>&1 &
gateway=$!
for _ in $(seq 1 240); do curl -sf "$ATTRIBUTION_GATEWAY_URL/healthz" >/dev/null && break; sleep 0.5; done
[[ -n "${STOP_ENGINE:-}" ]] && kill -STOP $engine
(cd "$ROOT" && dotnet tests/Attribution.LoadHarness/bin/Release/net10.0/Attribution.LoadHarness.dll ${HARGS:-} --steady-only \
  --steady-rate "${RATE:-500}" --seconds "${SECS:-30}" --warm-up-seconds 10 --results "$OUT") >"$OUT/harness.log" 2>&1 || true
curl -s "$ATTRIBUTION_GATEWAY_URL/metrics" >"$OUT/gateway-metrics.txt" || true
grep -E "accept|visible" "$OUT/load.md"
