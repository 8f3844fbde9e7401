#!/usr/bin/env bash
# Runs every test: starts RabbitMQ and PostgreSQL (infra/services.sh) and Docker with the local
# images (infra/docker.sh), installs Chromium for the dashboard's browser test, runs the whole
# solution's NUnit tests against them and, under CI, the compose smoke test (infra/compose-smoke.sh);
# writes TRX under TestResults/, prints "N passed, N failed, N skipped", and exits non-zero on any
# failure.
#
#   bash infra/test.sh [extra dotnet test arguments]
set -euo pipefail

cd "$(dirname "$0")/.."
export RABBITMQ_URL="${RABBITMQ_URL:-amqp://guest:guest@127.0.0.1:5672/}"
export POSTGRES_CONNECTION="${POSTGRES_CONNECTION:-Host=127.0.0.1;Port=5432;Username=app;Password=app;Database=attribution}"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

bash infra/services.sh start

# Fault tests run RabbitMQ and PostgreSQL containers of their own (Testcontainers): Debian's Docker
# engine and images built locally from Debian packages (infra/docker.sh; all kept between runs).
# ATTRIBUTION_DOCKER=0 skips this (those tests are then ignored, or fail with CI=true);
# ATTRIBUTION_RABBITMQ_IMAGE and ATTRIBUTION_POSTGRES_IMAGE name other images (say, the official
# rabbitmq:3-management and postgres:15 where they can be pulled).
export DOCKER_API_VERSION="${DOCKER_API_VERSION:-1.41}"
export TESTCONTAINERS_RYUK_DISABLED=true TESTCONTAINERS_HOST_OVERRIDE="${TESTCONTAINERS_HOST_OVERRIDE:-127.0.0.1}"
if [[ "${ATTRIBUTION_DOCKER:-1}" != 0 ]]; then
  if [[ -n "${ATTRIBUTION_RABBITMQ_IMAGE:-}" && -n "${ATTRIBUTION_POSTGRES_IMAGE:-}" ]]; then docker_step=engine; else docker_step=start; fi
  if docker_env="$(bash infra/docker.sh "$docker_step")"; then
    [[ -n "${ATTRIBUTION_RABBITMQ_IMAGE:-}" ]] || export "$(grep '^ATTRIBUTION_RABBITMQ_IMAGE=' <<<"$docker_env")"
    [[ -n "${ATTRIBUTION_POSTGRES_IMAGE:-}" ]] || export "$(grep '^ATTRIBUTION_POSTGRES_IMAGE=' <<<"$docker_env")"
    # Containers a killed run left behind (no reaper runs here: its image cannot be pulled).
    leftovers="$(docker ps -aq --filter label=attribution.test=true)"
    [[ -z "$leftovers" ]] || docker rm -f $leftovers >/dev/null
    docker network prune -f --filter label=attribution.test=true >/dev/null
  elif [[ "${CI:-}" == true ]]; then
    echo "test: Docker could not be started (infra/docker.sh); the container tests need it" >&2; exit 1
  else
    echo "test: Docker could not be started (infra/docker.sh): the container tests will be ignored" >&2
  fi
fi

# The dashboard's browser test drives Debian's Chromium through chromedriver (tests/…/Dashboard);
# the SDK's tests run on Node.js (usually already on the machine; Debian's nodejs otherwise).
if ! command -v node >/dev/null; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nodejs >/dev/null
fi
if ! command -v chromium >/dev/null || ! command -v chromedriver >/dev/null; then
  echo "test: installing chromium and chromium-driver for the dashboard's browser test" >&2
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null
fi

rm -rf TestResults
status=0
dotnet test Attribution.sln -c Release --logger "trx" --results-directory TestResults "$@" || status=$?

# The browser SDK's own tests (plain node:test, no npm packages), counted in the same closing line.
node_passed=0 node_failed=0
if command -v node >/dev/null; then
  node --test tests/sdk/ >TestResults/sdk-tests.txt 2>&1 || status=$?
  node_passed="$(sed -n 's/^# pass \([0-9]*\)$/\1/p' TestResults/sdk-tests.txt)"
  node_failed="$(sed -n 's/^# fail \([0-9]*\)$/\1/p' TestResults/sdk-tests.txt)"
  echo "test: SDK (node --test tests/sdk/): ${node_passed:-0} passed, ${node_failed:-?} failed (TestResults/sdk-tests.txt)" >&2
  [[ -n "$node_failed" ]] || { node_failed=1; status=1; }
else
  echo "test: node is missing (apt-get install nodejs): the SDK tests did not run" >&2; node_failed=1; status=1
fi

# `docker compose up` of docker-compose.yml, end to end (infra/compose-smoke.sh): under CI, or
# with ATTRIBUTION_COMPOSE_SMOKE=1; counted as one test in the closing line.
compose_passed=0 compose_failed=0
if [[ "${ATTRIBUTION_COMPOSE_SMOKE:-${CI:-false}}" =~ ^(1|true)$ && "${ATTRIBUTION_DOCKER:-1}" != 0 ]]; then
  mkdir -p TestResults
  if bash infra/compose-smoke.sh >TestResults/compose-smoke.txt 2>&1; then
    compose_passed=1
  else
    compose_failed=1 status=1
    tail -n 40 TestResults/compose-smoke.txt >&2
  fi
  echo "test: compose smoke test (infra/compose-smoke.sh): $compose_passed passed, $compose_failed failed (TestResults/compose-smoke.txt)" >&2
fi

# dotnet test prints no single closing line; add them up from the TRX <Counters> of each assembly.
passed=$((node_passed + compose_passed)) failed=$((node_failed + compose_failed)) skipped=0 files=0
for trx in TestResults/*.trx; do
  [[ -f "$trx" ]] || continue
  files=$((files + 1))
  counters="$(grep -o '<Counters [^>]*>' "$trx" | head -n 1)"
  attr() { sed -n "s/.* $1=\"\\([0-9]*\\)\".*/\\1/p" <<<"$counters"; }
  passed=$((passed + $(attr passed)))
  failed=$((failed + $(attr failed) + $(attr error) + $(attr timeout) + $(attr aborted)))
  skipped=$((skipped + $(attr notExecuted) + $(attr inconclusive)))
done
((files > 0)) || { echo "test: no TRX results were written" >&2; status=1; }
((failed == 0)) || status=1

echo "$passed passed, $failed failed, $skipped skipped"
exit "$status"
