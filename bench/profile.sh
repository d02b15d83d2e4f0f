#!/usr/bin/env bash
# Nsight Compute profile of one step on the device machine: where a kernel's
# time goes, phase by phase and instruction by instruction.
#   bench/profile.sh NAME BUNDLE SEQ_LEN NUM_CACHED [BUILD_DIR]
# runs pq-run once under `ncu --set full` (clocks unlocked, like the
# benchmark), prints the kernel summary, bench/ncu_phases.py's phases and
# hottest instructions, and leaves NAME.txt (all of it) and NAME.csv (the
# per-instruction SASS with its samples, for ncu_phases.py here) in $OUT.
# PQ_RUN_ARGS: more pq-run arguments (e.g. "--batch 8").
set -euo pipefail
cd "$(dirname "$0")/.."
name=$1 bundle=$2 seq=$3 cached=$4 build=${5:-build-gpu}
out=${OUT:-/tmp}
rep=$(mktemp -d)/$name
{
  ncu --clock-control none --set full -c 1 -o "$rep" \
    "$build/bin/pq-run" "$bundle" --seq-len "$seq" --num-cached "$cached" \
    --device gpu ${PQ_RUN_ARGS:-} >/dev/null
  ncu -i "$rep.ncu-rep" --page details --csv \
    --section SpeedOfLight --section LaunchStats --section Occupancy \
    --section WarpStateStats | cut -d, -f5- | head -80
  ncu -i "$rep.ncu-rep" --page source --csv --print-source sass > "$rep.csv"
  python3 bench/ncu_phases.py "$rep.csv" --min-share 0.5 --top 40
} 2>&1 | tee "$out/$name.txt"
cp "$rep.csv" "$out/$name.csv"
