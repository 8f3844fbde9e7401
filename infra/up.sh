#!/usr/bin/env bash
# Brings the whole system up on this machine, without Docker:
#   RabbitMQ + PostgreSQL (infra/services.sh), the gateway, the engine (attribution consumer,
#   decisions, revenue projector), the sample downstream subscriber, and a demo company with a week of demo traffic
#   (services/Attribution.DemoTraffic, sent once per demo company). Prints the gateway URL, the operator token and the
#   demo company's keys.
#
#   bash infra/up.sh          start (or restart) everything
#   bash infra/up.sh --broker-cluster   the same on a three-node RabbitMQ cluster (infra/broker-cluster.sh,
#                             in Docker) with quorum queues, in place of the single local RabbitMQ
#   bash infra/up.sh stop     stop the gateway and the engine (add --all to stop the services and Prometheus too,
#                             and remove the broker cluster)
#
# Configuration (contract §7): ATTRIBUTION_GATEWAY_URL (default http://127.0.0.1:5080),
# ATTRIBUTION_ADMIN_TOKEN (generated once and kept in .run/admin-token when unset),
# RABBITMQ_URL, POSTGRES_CONNECTION. Metrics__ListenUrl is where the engine serves its metrics
# (default http://127.0.0.1:9464/); PROMETHEUS_LISTEN where Prometheus (Debian's package, installed
# when missing, scraping both) listens (default 127.0.0.1:9090).
set -euo pipefail

cd "$(dirname "$0")/.."
readonly ROOT="$PWD"
readonly RUN="$ROOT/.run"
readonly GATEWAY_URL="${ATTRIBUTION_GATEWAY_URL:-http://127.0.0.1:5080}"
export ATTRIBUTION_GATEWAY_URL="$GATEWAY_URL"
export RABBITMQ_URL="${RABBITMQ_URL:-amqp://guest:guest@127.0.0.1:5672/}"
export POSTGRES_CONNECTION="${POSTGRES_CONNECTION:-Host=127.0.0.1;Port=5432;Username=app;Password=app;Database=attribution}"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
readonly PROMETHEUS_LISTEN="${PROMETHEUS_LISTEN:-127.0.0.1:9090}"
# Unset: the engine's default; set but empty: the engine serves no metrics.
readonly ENGINE_METRICS_URL="${Metrics__ListenUrl-http://127.0.0.1:9464/}"

log() { echo "up: $*" >&2; }
die() { log "error: $*"; exit 1; }

BROKER_CLUSTER=0
args=()
for arg in "$@"; do
  case "$arg" in
    --broker-cluster) BROKER_CLUSTER=1 ;;
    *) args+=("$arg") ;;
  esac
done
set -- "${args[@]}"

stop_app() {
  local pidfile="$RUN/$1.pid"
  [[ -f "$pidfile" ]] || return 0
  local pid; pid="$(cat "$pidfile")"
  # The pid is the supervisor's, which leads its own process group (setsid): stop the group.
  if kill -0 -- "-$pid" 2>/dev/null; then
    kill -- "-$pid" 2>/dev/null || true
    for _ in $(seq 1 100); do kill -0 -- "-$pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 -- "-$pid" 2>/dev/null || true
    log "stopped $1 (pid $pid)"
  elif kill -0 "$pid" 2>/dev/null; then
    kill "$pid" # started by an older up.sh, without a supervisor
  fi
  rm -f "$pidfile"
}

start_app() { # name, dll
  mkdir -p "$RUN/logs"
  # Supervised, like compose's restart: unless-stopped: an app that exits for any reason starts
  # again; `up.sh stop` ends the loop with its process group.
  setsid bash -c 'while :; do dotnet "$0"; echo "up: $0 exited with $?; starting it again in 2 s" >&2; sleep 2; done' \
    "$RUN/bin/$1/$2" >"$RUN/logs/$1.log" 2>&1 </dev/null &
  echo $! >"$RUN/$1.pid"
  log "started $1 (pid $!, log .run/logs/$1.log)"
}

# host:port of an http:// URL, as a scraper on this machine reaches it (an any-address bind via loopback).
scrape_address() {
  local rest="${1#*://}"
  rest="${rest%%/*}"
  case "${rest%:*}" in 0.0.0.0 | + | '*' | '[::]') rest="127.0.0.1:${rest##*:}" ;; esac
  echo "$rest"
}

# The path under which an http:// URL serves /metrics (the engine's listener serves it under its URL's path).
metrics_path() {
  local rest="${1#*://}" path=/
  [[ "$rest" == */* ]] && path="/${rest#*/}"
  echo "${path%/}/metrics"
}

# Prometheus (Debian's package), scraping the gateway and the engine where they are configured to listen.
start_prometheus() {
  if ! command -v prometheus >/dev/null; then
    log "installing Debian's prometheus package…"
    if ! { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends prometheus >/dev/null; }; then
      log "warning: could not install prometheus; the /metrics endpoints still answer"
      return 0
    fi
  fi
  stop_app prometheus
  if curl -s -o /dev/null "http://$PROMETHEUS_LISTEN/"; then
    log "warning: something else already listens on $PROMETHEUS_LISTEN (the package's own service?); set PROMETHEUS_LISTEN"
    return 0
  fi
  mkdir -p "$RUN/prometheus-data" "$RUN/logs"
  # infra/prometheus.yml holds the defaults; point it at the addresses configured here.
  local engine_job=0 line
  while IFS= read -r line; do
    [[ "$line" == *"job_name: attribution-engine"* ]] && engine_job=1
    if ((engine_job)); then
      line="${line/127.0.0.1:9464/$(scrape_address "${ENGINE_METRICS_URL:-http://127.0.0.1:9464/}")}"
      line="${line/metrics_path: \/metrics/metrics_path: $(metrics_path "${ENGINE_METRICS_URL:-http://127.0.0.1:9464/}")}"
    else
      line="${line/127.0.0.1:5080/$(scrape_address "$GATEWAY_URL")}"
    fi
    echo "$line"
  done <infra/prometheus.yml >"$RUN/prometheus.yml"
  setsid prometheus --config.file="$RUN/prometheus.yml" --storage.tsdb.path="$RUN/prometheus-data" \
    --storage.tsdb.retention.time=7d --web.listen-address="$PROMETHEUS_LISTEN" \
    >"$RUN/logs/prometheus.log" 2>&1 </dev/null &
  echo $! >"$RUN/prometheus.pid"
  log "started prometheus (pid $!, log .run/logs/prometheus.log)"
  local deadline=$((SECONDS + 30))
  until curl -sf -o /dev/null "http://$PROMETHEUS_LISTEN/-/ready"; do
    ((SECONDS < deadline)) || { tail -n 20 "$RUN/logs/prometheus.log" >&2; log "warning: Prometheus did not become ready on $PROMETHEUS_LISTEN"; return 0; }
    sleep 0.5
  done
}

if [[ "${1:-}" == "stop" ]]; then
  stop_app gateway
  stop_app engine
  stop_app subscriber
  if [[ "${2:-}" == "--all" ]]; then
    stop_app prometheus
    bash infra/services.sh stop
    if command -v docker >/dev/null && docker info >/dev/null 2>&1; then bash infra/broker-cluster.sh down; fi
  fi
  exit 0
fi

mkdir -p "$RUN"
bash infra/services.sh start
RABBITMQ_MANAGEMENT="http://127.0.0.1:15672"
if ((BROKER_CLUSTER)); then
  # PostgreSQL stays the local one; the apps get the cluster's settings (every node, quorum queues).
  bash infra/docker.sh start >/dev/null
  cluster_env="$(bash infra/broker-cluster.sh up)"
  while IFS= read -r line; do [[ "$line" == *=* ]] && export "${line?}"; done <<<"$cluster_env"
  RABBITMQ_MANAGEMENT="${Broker__ManagementUrl%/}"
  log "broker cluster: ${Broker__Nodes} (quorum queues)"
fi

if [[ -z "${ATTRIBUTION_ADMIN_TOKEN:-}" ]]; then
  [[ -s "$RUN/admin-token" ]] || head -c 24 /dev/urandom | base64 | tr -d '/+=' >"$RUN/admin-token"
  ATTRIBUTION_ADMIN_TOKEN="$(cat "$RUN/admin-token")"
fi
export ATTRIBUTION_ADMIN_TOKEN

log "building (Release)…"
dotnet publish services/Attribution.Gateway -c Release -o "$RUN/bin/gateway" --nologo -v quiet
dotnet publish services/Attribution.Engine -c Release -o "$RUN/bin/engine" --nologo -v quiet
dotnet publish services/Attribution.SampleSubscriber -c Release -o "$RUN/bin/subscriber" --nologo -v quiet
dotnet publish services/Attribution.DemoTraffic -c Release -o "$RUN/bin/demo-traffic" --nologo -v quiet

stop_app gateway
stop_app engine
stop_app subscriber
start_app engine Attribution.Engine.dll
start_app subscriber Attribution.SampleSubscriber.dll
start_app gateway Attribution.Gateway.dll
start_prometheus

deadline=$((SECONDS + 90))
until curl -sf "$GATEWAY_URL/healthz" >/dev/null; do
  ((SECONDS < deadline)) || { tail -n 30 "$RUN/logs/gateway.log" >&2; die "the gateway did not become healthy at $GATEWAY_URL/healthz"; }
  for app in gateway engine subscriber; do
    kill -0 "$(cat "$RUN/$app.pid")" 2>/dev/null || { tail -n 30 "$RUN/logs/$app.log" >&2; die "$app exited"; }
  done
  sleep 0.5
done

# The demo company: created once, kept in .run/demo-company.json; recreated if the database lost it.
demo="$RUN/demo-company.json"
json_field() { sed -n "s/.*\"$1\":\"\\([^\"]*\\)\".*/\\1/p" "$demo"; }
if [[ -s "$demo" ]]; then
  status="$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $(json_field apiSecret)" "$GATEWAY_URL/v1/visitors/demo-check/cart")"
  [[ "$status" == 401 ]] && rm -f "$demo"
fi
if [[ ! -s "$demo" ]]; then
  curl -sf -X POST "$GATEWAY_URL/v1/admin/companies" \
    -H "Authorization: Bearer $ATTRIBUTION_ADMIN_TOKEN" -H 'Content-Type: application/json' \
    -d '{"name":"Demo Running Store","reportingCurrency":"USD","timeZone":"UTC","attributionWindowHours":24}' >"$demo" \
    || die "could not create the demo company"
fi

# A week of demo traffic (deterministic, so a repeat changes nothing), sent once per demo company;
# .run/demo-traffic.done holds the companyKey it was sent to. A failure leaves the system up.
demo_key="$(json_field companyKey)"
if [[ "$(cat "$RUN/demo-traffic.done" 2>/dev/null)" != "$demo_key" ]]; then
  log "sending a week of demo traffic to $demo_key…"
  if dotnet "$RUN/bin/demo-traffic/Attribution.DemoTraffic.dll" --gateway "$GATEWAY_URL" --company-key "$demo_key" \
      --api-secret "$(json_field apiSecret)" --admin-token "$ATTRIBUTION_ADMIN_TOKEN" >&2; then
    echo "$demo_key" >"$RUN/demo-traffic.done"
  else
    log "warning: the demo traffic was not (fully) sent; the next run of infra/up.sh tries again"
  fi
fi

cat <<EOF2

Attribution is up.
  Gateway (base URL):   $GATEWAY_URL
  OpenAPI:              $GATEWAY_URL/openapi/v1.json
  Health:               $GATEWAY_URL/healthz
  Dashboard:            $GATEWAY_URL/dashboard/ (sign in with the demo API secret)
  Demo storefront:      $GATEWAY_URL/demo-store/?companyKey=$(json_field companyKey)
                        (add &apiSecret=… to let its pretend assistant report chats: demo only)
  Operator token:       $ATTRIBUTION_ADMIN_TOKEN
  Demo company key:     $(json_field companyKey)
  Demo API secret:      $(json_field apiSecret)
  Metrics:              $GATEWAY_URL/metrics (gateway), http://$(scrape_address "${ENGINE_METRICS_URL:-http://127.0.0.1:9464/}")$(metrics_path "${ENGINE_METRICS_URL:-http://127.0.0.1:9464/}") (engine)
  Prometheus:           http://$PROMETHEUS_LISTEN (scrapes both; stop with: bash infra/up.sh stop --all)
  RabbitMQ management:  $RABBITMQ_MANAGEMENT (guest/guest)
  Logs:                 .run/logs/   Stop: bash infra/up.sh stop [--all]

Try it:
  curl -s -X POST $GATEWAY_URL/v1/events/cart -H 'Content-Type: application/json' \\
    -H 'X-Company-Key: $(json_field companyKey)' \\
    -d '{"userFingerprint":"fp_1","type":"ITEM_ADDED","productId":"SKU-1234","productName":"Black Running Shoes","value":79.99,"currency":"USD","quantity":1}'
  curl -s $GATEWAY_URL/v1/visitors/fp_1/cart -H 'Authorization: Bearer $(json_field apiSecret)'
EOF2
