#!/usr/bin/env bash
# Runs every test: starts RabbitMQ and PostgreSQL (infra/services.sh), installs Chromium for the
# dashboard's browser test, runs the whole solution's
# NUnit tests against them, writes TRX under TestResults/, prints "N passed, N failed, N skipped",
# and exits non-zero on any failure.
#
#   bash infra/test.sh [extra dotnet test arguments]
set -euo pipefail

cd "$(dirname "$0")/.."
export RABBITMQ_URL="${RABBITMQ_URL:-amqp://guest:guest@127.0.0.1:5672/}"
export POSTGRES_CONNECTION="${POSTGRES_CONNECTION:-Host=127.0.0.1;Port=5432;Username=app;Password=app;Database=attribution}"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

bash infra/services.sh start

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

# dotnet test prints no single closing line; add them up from the TRX <Counters> of each assembly.
passed=$((node_passed + 0)) failed=$((node_failed + 0)) skipped=0 files=0
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
