#!/usr/bin/env bash
# Replay A/B between builds of the load harness, interleaved in one sitting: each variant is
# NAME=DIR, DIR holding a Release build of tests/Attribution.LoadHarness (bin/Release/net10.0 copied
# away). Every run is `--replay-only` (its own scratch database: COPY of the history, then the first
# replay, the same again, and the replay after a window change 24 h -> 48 h), under the test lock for
# that run only:
#   bash tests/Attribution.LoadHarness/results/replay-ab/run.sh OUT_DIR before=/work/ab/before after=/work/ab/after -- --replay-events 200000
# Order: every variant once, then again (AB_ROUNDS, default 2). Writes OUT_DIR/logs/NAME-ROUND.log and
# OUT_DIR/figures.tsv (run, figure, events, seconds, events/s).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../ab-arguments.sh" "$@"
mkdir -p "$OUT/logs"
export POSTGRES_CONNECTION="${POSTGRES_CONNECTION:-Host=127.0.0.1;Port=5432;Username=app;Password=app;Database=attribution}"
for round in $(seq 1 "$ROUNDS"); do
  for variant in "${variants[@]}"; do
    name="${variant%%=*}" dir="${variant#*=}" run="${variant%%=*}-$round"
    echo "replay-ab: $run ($dir) $(date -u +%H:%M:%S)"
    flock -o /tmp/attribution-tests.lock dotnet "$dir/Attribution.LoadHarness.dll" --replay-only "${harness_args[@]}" >"$OUT/logs/$run.log" 2>&1
    sed -n 's/^Figure { Name = \(.*\), Events = \([0-9]*\), Seconds = \([0-9.]*\), How = .*EventsPerSecond = \([0-9.]*\) }$/\1\t\2\t\3\t\4/p' "$OUT/logs/$run.log" |
      awk -F'\t' -v run="$run" '{ printf "%s\t%s\t%s\t%.2f\t%.0f\n", run, $1, $2, $3, $4 }' >>"$OUT/figures.tsv"
    grep -o 're-decided in .*' "$OUT/logs/$run.log" | sed "s/^/$run: /" >>"$OUT/phases.txt" || true
  done
done
cat "$OUT/figures.tsv"
