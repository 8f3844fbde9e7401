#!/usr/bin/env bash
# `docker compose up` tested end to end, offline: brings docker-compose.yml up with Debian's
# docker-compose (v1) and infra/docker/compose.local.yml (every image local: RabbitMQ and
# PostgreSQL from Debian packages, the gateway and the engine published on the host), creates a
# company through the admin API, posts a chat and a cart event, waits until the event's decision
# is visible through the gateway (GET /v1/attribution/events/{eventId}: attributed), and takes it
# all down again, volumes included. Prints each step's time; exits non-zero on any failure.
#
#   bash infra/compose-smoke.sh          (as root; infra/test.sh runs it under CI)
#
# Host ports away from the local services and a running system: ATTRIBUTION_*_PORT (below).
set -euo pipefail

cd "$(dirname "$0")/.."
readonly PROJECT=attribution-smoke
readonly OUT=.run/compose
readonly TIMEOUT="${SMOKE_TIMEOUT:-120}"
export DOCKER_API_VERSION="${DOCKER_API_VERSION:-1.41}"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
export ATTRIBUTION_GATEWAY_PORT="${ATTRIBUTION_GATEWAY_PORT:-18080}"
export ATTRIBUTION_RABBITMQ_PORT="${ATTRIBUTION_RABBITMQ_PORT:-18672}"
export ATTRIBUTION_RABBITMQ_MANAGEMENT_PORT="${ATTRIBUTION_RABBITMQ_MANAGEMENT_PORT:-18673}"
export ATTRIBUTION_POSTGRES_PORT="${ATTRIBUTION_POSTGRES_PORT:-18432}"
export ATTRIBUTION_OTLP_GRPC_PORT="${ATTRIBUTION_OTLP_GRPC_PORT:-18317}"
export ATTRIBUTION_OTLP_HTTP_PORT="${ATTRIBUTION_OTLP_HTTP_PORT:-18318}"
export ATTRIBUTION_PROMETHEUS_PORT="${ATTRIBUTION_PROMETHEUS_PORT:-18090}"
export ATTRIBUTION_ADMIN_TOKEN="smoke-$(cat /proc/sys/kernel/random/uuid)"
readonly GW="http://127.0.0.1:$ATTRIBUTION_GATEWAY_PORT"
compose() { docker-compose -p "$PROJECT" -f docker-compose.yml -f infra/docker/compose.local.yml "$@"; }

log() { echo "compose-smoke: $*" >&2; }
die() { log "error: $*"; exit 1; }
source "$(dirname "${BASH_SOURCE[0]}")/shell-helpers.sh" # timed, wait_until

port_free() { ! timeout 1 bash -c "exec 3<>/dev/tcp/127.0.0.1/$1" 2>/dev/null; }

publish() {
  rm -rf "$OUT"; mkdir -p "$OUT"
  dotnet publish services/Attribution.Gateway/Attribution.Gateway.csproj -c Release -o "$OUT/gateway" -p:UseAppHost=false -v quiet -nologo >/dev/null
  dotnet publish services/Attribution.Engine/Attribution.Engine.csproj -c Release -o "$OUT/engine" -p:UseAppHost=false -v quiet -nologo >/dev/null
}

up() { compose up -d --no-build >/dev/null 2>&1 || { compose up -d --no-build; return 1; }; }

healthy() { curl -sf -o /dev/null "$GW/healthz"; }

# post PATH BODY AUTH-HEADER: POSTs and checks for 202. A 503 is retried, as the SDK does: the
# gateway publishes mandatory, so until the engine has declared its queues an event is refused,
# not dropped, and the gateway can be healthy a moment before the engine is.
post() {
  local code deadline=$((SECONDS + TIMEOUT))
  while :; do
    code="$(curl -s -o "$OUT/response" -w '%{http_code}' -X POST "$GW$1" -H 'Content-Type: application/json' -H "$3" -d "$2")" || true
    [[ "$code" == 503 ]] && ((SECONDS < deadline)) || break
    sleep 0.5
  done
  [[ "$code" == 202 ]] || die "POST $1 answered $code: $(cat "$OUT/response" 2>/dev/null)"
}

COMPANY_KEY= API_SECRET= EVENT_ID=
create_company_and_post() {
  local created
  created="$(curl -sf -X POST "$GW/v1/admin/companies" -H "Authorization: Bearer $ATTRIBUTION_ADMIN_TOKEN" \
    -H 'Content-Type: application/json' -d '{"name":"Compose smoke","reportingCurrency":"USD"}')" || die "creating a company failed"
  COMPANY_KEY="$(sed -n 's/.*"companyKey":"\([^"]*\)".*/\1/p' <<<"$created")"
  API_SECRET="$(sed -n 's/.*"apiSecret":"\([^"]*\)".*/\1/p' <<<"$created")"
  [[ -n "$COMPANY_KEY" && -n "$API_SECRET" ]] || die "no keys in: $created"
  EVENT_ID="$(cat /proc/sys/kernel/random/uuid)"
  post /v1/events/interactions '{"userFingerprint":"fp_smoke","channel":"CHAT","kind":"SHOPPER_MESSAGE","conversationId":"conv_smoke","text":"running shoes for flat feet?"}' "Authorization: Bearer $API_SECRET"
  post /v1/events/interactions '{"userFingerprint":"fp_smoke","channel":"CHAT","kind":"ASSISTANT_ANSWER","conversationId":"conv_smoke","helpful":true}' "Authorization: Bearer $API_SECRET"
  post /v1/events/cart "{\"eventId\":\"$EVENT_ID\",\"userFingerprint\":\"fp_smoke\",\"type\":\"ITEM_ADDED\",\"productId\":\"SKU-1\",\"productName\":\"Shoes\",\"value\":79.99,\"currency\":\"USD\",\"quantity\":1}" "X-Company-Key: $COMPANY_KEY"
}

DECISION=
decided() {
  DECISION="$(curl -sf "$GW/v1/attribution/events/$EVENT_ID" -H "Authorization: Bearer $API_SECRET")" || return 1
  grep -q '"attributed":true' <<<"$DECISION" && grep -q 'conv_smoke' <<<"$DECISION"
}

down() { compose down -v --remove-orphans >/dev/null 2>&1 || compose down -v --remove-orphans; }

on_exit() {
  local status=$?
  if ((status != 0)); then
    log "failed: the services' last log lines"
    compose logs --no-color --tail 40 >&2 || true
  fi
  timed "down" down || true
  exit "$status"
}

main() {
  [[ $EUID == 0 ]] || die "run as root (starts Docker)"
  local p
  for p in "$ATTRIBUTION_GATEWAY_PORT" "$ATTRIBUTION_RABBITMQ_PORT" "$ATTRIBUTION_RABBITMQ_MANAGEMENT_PORT" \
    "$ATTRIBUTION_POSTGRES_PORT" "$ATTRIBUTION_OTLP_GRPC_PORT" "$ATTRIBUTION_OTLP_HTTP_PORT" "$ATTRIBUTION_PROMETHEUS_PORT"; do
    port_free "$p" || die "port $p is taken (move it with the ATTRIBUTION_*_PORT variables)"
  done
  timed "Docker and the local images (infra/docker.sh)" bash infra/docker.sh start >/dev/null
  timed "dotnet publish (gateway, engine)" publish
  trap on_exit EXIT
  down # what a killed run left behind
  timed "compose build (gateway, engine)" compose build -q gateway engine
  timed "compose up -d" up
  timed "gateway healthy ($GW/healthz)" wait_until "the gateway's /healthz" healthy
  timed "company created, 3 events posted" create_company_and_post
  timed "decision visible through the gateway" wait_until "GET /v1/attribution/events/$EVENT_ID attributed" decided
  log "decision: $DECISION"
  log "passed"
}

main "$@"
