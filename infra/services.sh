#!/usr/bin/env bash
# Runs RabbitMQ and PostgreSQL 15 on 127.0.0.1 for local development and CI, on a Debian
# machine without Docker or systemd (run as root). With Docker, use docker-compose.yml instead.
#
#   bash infra/services.sh start|stop|status
#
# ATTRIBUTION_EXTERNAL_SERVICES=1: the services are run elsewhere (RABBITMQ_URL and
# POSTGRES_CONNECTION point at them); `start` only waits until they accept connections.
# SERVICES_TIMEOUT: seconds to wait for each service (default 60).
set -euo pipefail

readonly DEFAULT_RABBITMQ_URL='amqp://guest:guest@127.0.0.1:5672/'
readonly DEFAULT_POSTGRES_CONNECTION='Host=127.0.0.1;Port=5432;Username=app;Password=app;Database=attribution'
readonly TIMEOUT="${SERVICES_TIMEOUT:-60}"

readonly PG_VERSION=15
readonly PG_CLUSTER=main
readonly PG_CONF_DIR="/etc/postgresql/$PG_VERSION/$PG_CLUSTER"
readonly RABBITMQ_LOG=/var/log/rabbitmq/console.log
readonly RABBITMQ_PID_FILE=/var/lib/rabbitmq/mnesia/rabbit@localhost.pid
readonly MANAGEMENT_API='http://127.0.0.1:15672/api/overview'

log() { echo "services: $*" >&2; }
die() { log "error: $*"; exit 1; }
source "$(dirname "${BASH_SOURCE[0]}")/shell-helpers.sh" # timed, wait_until

# True when something accepts TCP connections on host $1, port $2.
port_open() { timeout 2 bash -c "exec 3<>/dev/tcp/$1/$2" 2>/dev/null; }

# write_if_changed PATH CONTENT: writes only when the content differs, and then sets
# CONFIG_CHANGED=1, so that a running service is restarted to see the change. (A status in a
# global, not a return code: `set -e` is ignored inside functions called from a condition.)
CONFIG_CHANGED=0
write_if_changed() {
  if [[ -f "$1" && "$(cat "$1")" == "$2" ]]; then return; fi
  printf '%s\n' "$2" >"$1"
  CONFIG_CHANGED=1
}

# --- endpoints (from the environment, or the local defaults) -----------------------------------

# Sets RABBIT_HOST and RABBIT_PORT from RABBITMQ_URL.
parse_rabbitmq_url() {
  local url="${RABBITMQ_URL:-$DEFAULT_RABBITMQ_URL}"
  [[ "$url" =~ ^(amqps?)://([^@/]*@)?([^:/?]+)(:([0-9]+))? ]] || die "cannot parse RABBITMQ_URL"
  RABBIT_HOST="${BASH_REMATCH[3]}"
  RABBIT_PORT="${BASH_REMATCH[5]:-$([[ ${BASH_REMATCH[1]} == amqps ]] && echo 5671 || echo 5672)}"
}

# Sets PG_HOST and PG_PORT from the Npgsql connection string in POSTGRES_CONNECTION.
parse_postgres_connection() {
  local part key value
  PG_HOST=127.0.0.1 PG_PORT=5432
  IFS=';' read -ra parts <<<"${POSTGRES_CONNECTION:-$DEFAULT_POSTGRES_CONNECTION}"
  for part in "${parts[@]}"; do
    key="${part%%=*}" value="${part#*=}"
    case "${key,,}" in
      host | server) PG_HOST="$value" ;;
      port) PG_PORT="$value" ;;
    esac
  done
}

# --- installation --------------------------------------------------------------------------------

install_missing_packages() {
  local missing=()
  [[ -x /usr/sbin/rabbitmq-server ]] || missing+=(rabbitmq-server)
  # postgresql-15 only: the `postgresql` metapackage would also upgrade postgresql-common.
  [[ -x /usr/lib/postgresql/$PG_VERSION/bin/postgres ]] || missing+=("postgresql-$PG_VERSION")
  command -v curl >/dev/null || missing+=(curl)
  if ((${#missing[@]} == 0)); then return; fi
  log "installing ${missing[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

# --- RabbitMQ ------------------------------------------------------------------------------------

rabbitmq_up() { port_open 127.0.0.1 5672 && curl -sf -o /dev/null -u guest:guest "$MANAGEMENT_API"; }

# The broker's Erlang VM is alive, whether or not it has finished booting. (Matching process
# names would also catch the short-lived VMs of rabbitmqctl.)
rabbitmq_process_running() {
  local pid
  pid="$(cat "$RABBITMQ_PID_FILE" 2>/dev/null)" || return 1
  [[ "$(cat "/proc/$pid/comm" 2>/dev/null)" == beam.smp ]]
}

# Writes the loopback-only configuration; sets CONFIG_CHANGED=1 when it changed.
configure_rabbitmq() {
  CONFIG_CHANGED=0
  # A fixed node name on localhost, so the CLI tools find the node whatever the hostname is;
  # epmd and Erlang distribution bound to loopback too.
  write_if_changed /etc/rabbitmq/rabbitmq-env.conf "$(cat <<'EOF'
# Written by infra/services.sh.
NODENAME=rabbit@localhost
NODE_IP_ADDRESS=127.0.0.1
ERL_EPMD_ADDRESS=127.0.0.1
SERVER_ADDITIONAL_ERL_ARGS="-kernel inet_dist_use_interface {127,0,0,1}"
EOF
)"
  # The guest user may only log in from loopback, which is where the clients are.
  write_if_changed /etc/rabbitmq/rabbitmq.conf "$(cat <<'EOF'
# Written by infra/services.sh.
listeners.tcp.default = 127.0.0.1:5672
management.tcp.ip = 127.0.0.1
management.tcp.port = 15672
EOF
)"
  # Tests create a virtual host per run through the management HTTP API.
  if ! grep -qs rabbitmq_management /etc/rabbitmq/enabled_plugins; then
    rabbitmq-plugins enable --offline rabbitmq_management >/dev/null
    CONFIG_CHANGED=1
  fi
}

# The AMQP port is open; fails fast when the broker we launched has already exited.
RABBITMQ_LAUNCHER_PID=
rabbitmq_listening() {
  port_open 127.0.0.1 5672 && return
  if [[ -n "$RABBITMQ_LAUNCHER_PID" ]] && ! kill -0 "$RABBITMQ_LAUNCHER_PID" 2>/dev/null; then
    tail -n 20 "$RABBITMQ_LOG" >&2
    die "RabbitMQ exited during startup (log: $RABBITMQ_LOG)"
  fi
  return 1
}

start_rabbitmq() {
  configure_rabbitmq
  if ((CONFIG_CHANGED)) && rabbitmq_process_running; then
    log "RabbitMQ configuration changed: restarting it"
    stop_rabbitmq
  fi
  if rabbitmq_up; then
    log "RabbitMQ already running"
    return
  fi
  if ! rabbitmq_process_running; then
    log "starting RabbitMQ (log: $RABBITMQ_LOG)"
    # The Debian wrapper switches to the rabbitmq user; setsid detaches the broker from this
    # shell so it outlives it.
    setsid rabbitmq-server >>"$RABBITMQ_LOG" 2>&1 </dev/null &
    RABBITMQ_LAUNCHER_PID=$!
  fi
  # `rabbitmqctl await_startup` fails at once while the node is not yet reachable, and otherwise
  # polls only every 10 s: wait for the AMQP port first, then let it confirm.
  wait_until "RabbitMQ on 127.0.0.1:5672 (see $RABBITMQ_LOG)" rabbitmq_listening
  rabbitmqctl await_startup --timeout "$TIMEOUT" >/dev/null
  wait_until "the RabbitMQ management API on 127.0.0.1:15672" \
    curl -sf -o /dev/null -u guest:guest "$MANAGEMENT_API"
  log "RabbitMQ up"
}

stop_rabbitmq() {
  if rabbitmq_process_running; then
    log "stopping RabbitMQ"
    rabbitmqctl shutdown >/dev/null || log "rabbitmqctl shutdown failed"
  fi
  # epmd outlives the broker; it refuses to quit while a node is still registered.
  epmd -kill >/dev/null 2>&1 || true
}

# --- PostgreSQL ----------------------------------------------------------------------------------

postgres_up() { pg_isready -q -h 127.0.0.1 -p 5432; }

postgres_running() { pg_ctlcluster "$PG_VERSION" "$PG_CLUSTER" status >/dev/null 2>&1; }

# Writes the loopback-only, test-friendly settings; sets CONFIG_CHANGED=1 when they changed.
configure_postgres() {
  CONFIG_CHANGED=0
  if ! pg_lsclusters -h "$PG_VERSION" "$PG_CLUSTER" >/dev/null 2>&1; then
    log "creating the PostgreSQL cluster $PG_VERSION/$PG_CLUSTER"
    pg_createcluster "$PG_VERSION" "$PG_CLUSTER" >/dev/null
  fi
  # Test runs open many pools at once. fsync stays on: timings should mean something. TLS is off:
  # it listens on loopback only, where encrypting every round trip cost CPU for no protection.
  write_if_changed "$PG_CONF_DIR/conf.d/attribution.conf" "$(cat <<'EOF'
# Written by infra/services.sh.
listen_addresses = '127.0.0.1'
port = 5432
max_connections = 300
ssl = off
# PostgreSQL's defaults (128 MB of buffers, a checkpoint per GB of WAL) are sized for a small
# machine: a replay of a million events then read most index pages from the OS and checkpointed
# in the middle of its writes. This machine has 24 GiB. With the tables in memory an index probe
# costs about what a sequential page does: at the default random_page_cost (4, for spinning disks)
# a group's look-up of 3,000 stream ids hashed the whole streams table instead (50-90 ms, not 5).
shared_buffers = 2GB
effective_cache_size = 16GB
random_page_cost = 1.1
max_wal_size = 8GB
EOF
)"
}

psql_as_postgres() { (cd / && su postgres -c 'psql -X -q -v ON_ERROR_STOP=1') >/dev/null; }

start_postgres() {
  configure_postgres
  if ((CONFIG_CHANGED)) && postgres_running; then
    log "PostgreSQL configuration changed: restarting it"
    pg_ctlcluster "$PG_VERSION" "$PG_CLUSTER" restart
  fi
  if postgres_running; then
    log "PostgreSQL already running"
  else
    log "starting PostgreSQL"
    # /run may be a fresh tmpfs where no init script has created the socket directory.
    install -d -o postgres -g postgres -m 2775 /var/run/postgresql
    pg_ctlcluster "$PG_VERSION" "$PG_CLUSTER" start
  fi
  wait_until "PostgreSQL on 127.0.0.1:5432" postgres_up

  # Role and database, created or corrected on every start (cheap, idempotent).
  psql_as_postgres <<'SQL'
DO $$ BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'app') THEN CREATE ROLE app; END IF;
END $$;
ALTER ROLE app LOGIN CREATEDB PASSWORD 'app';
-- DROP DATABASE ... WITH (FORCE) by the tests must be able to end an autovacuum worker there.
GRANT pg_signal_backend TO app;
SELECT 'CREATE DATABASE attribution OWNER app'
WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = 'attribution') \gexec
SQL
  log "PostgreSQL up"
}

stop_postgres() {
  if postgres_running; then
    log "stopping PostgreSQL"
    pg_ctlcluster "$PG_VERSION" "$PG_CLUSTER" stop
  fi
}

# --- commands ------------------------------------------------------------------------------------

external() { [[ "${ATTRIBUTION_EXTERNAL_SERVICES:-0}" == 1 ]]; }

cmd_start() {
  parse_rabbitmq_url
  parse_postgres_connection
  if external; then
    log "external services: waiting for $RABBIT_HOST:$RABBIT_PORT and $PG_HOST:$PG_PORT"
    wait_until "RabbitMQ on $RABBIT_HOST:$RABBIT_PORT" port_open "$RABBIT_HOST" "$RABBIT_PORT"
    wait_until "PostgreSQL on $PG_HOST:$PG_PORT" port_open "$PG_HOST" "$PG_PORT"
  else
    [[ $EUID == 0 ]] || die "run as root (installs packages and starts system services)"
    install_missing_packages
    start_postgres
    start_rabbitmq
  fi
  echo "RABBITMQ_URL=${RABBITMQ_URL:-$DEFAULT_RABBITMQ_URL}"
  echo "POSTGRES_CONNECTION=${POSTGRES_CONNECTION:-$DEFAULT_POSTGRES_CONNECTION}"
}

cmd_stop() {
  if external; then
    log "external services: nothing to stop"
    return
  fi
  if [[ -x /usr/sbin/rabbitmq-server ]]; then stop_rabbitmq; fi
  if command -v pg_ctlcluster >/dev/null; then stop_postgres; fi
}

# report NAME WHERE COMMAND...: prints whether COMMAND succeeds, and returns its status.
report() {
  local name="$1" where="$2"; shift 2
  if "$@"; then echo "$name: up ($where)"; else echo "$name: down ($where)"; return 1; fi
}

pg_isready_local() { command -v pg_isready >/dev/null && postgres_up; }

cmd_status() {
  local status=0
  parse_rabbitmq_url
  parse_postgres_connection
  if external; then
    report rabbitmq "$RABBIT_HOST:$RABBIT_PORT" port_open "$RABBIT_HOST" "$RABBIT_PORT" || status=1
    report postgres "$PG_HOST:$PG_PORT" port_open "$PG_HOST" "$PG_PORT" || status=1
  else
    report rabbitmq "amqp 127.0.0.1:5672, management 127.0.0.1:15672" rabbitmq_up || status=1
    report postgres "127.0.0.1:5432" pg_isready_local || status=1
  fi
  return "$status"
}

case "${1:-}" in
  start) cmd_start ;;
  stop) cmd_stop ;;
  status) cmd_status ;;
  *) echo "usage: bash $0 start|stop|status" >&2; exit 2 ;;
esac
