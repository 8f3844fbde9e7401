#!/usr/bin/env bash
# CPU profile (perf, JIT perf maps) of the gateway and the engine during a steady 500/s phase.
# Usage (root, perf installed, no other gateway or engine running): bash profile.sh OUT_DIR TREE
# Then: python3 symbols.py PID OUT_DIR/gateway.perf 25 (JIT frames resolved from /tmp/perf-PID.map).
set -u
cd "$(git rev-parse --show-toplevel)"
OUT=${1:?output directory}; TREE=${2:?a tree with its Release build}; rm -rf $OUT; mkdir -p $OUT
(AB_ROUNDS=1 flock -o /tmp/attribution-tests.lock bash tests/Attribution.LoadHarness/results/store-ab/run.sh $OUT "m=$TREE:DOTNET_PerfMapEnabled=1" -- --steady-only --steady-rate 500 --seconds 30 --warm-up-seconds 10 > $OUT/run.out 2>&1) &
until grep -q 'steady 500/s' $OUT/logs/m-1-harness.log 2>/dev/null; do sleep 0.5; done
sleep 3
gw=$(pgrep -f 'services/Attribution.Gateway/bin' | head -1)
en=$(pgrep -f 'services/Attribution.Engine/bin' | head -1)
echo "gateway $gw engine $en" > $OUT/pids
perf record -F 499 -g -p "$gw" -o $OUT/gateway.perf -- sleep 20 > $OUT/perf-gw.out 2>&1 &
perf record -F 499 -g -p "$en" -o $OUT/engine.perf -- sleep 20 > $OUT/perf-en.out 2>&1 &
wait
