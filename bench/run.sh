#!/usr/bin/env bash
# The benchmark on the device machine, in one call: pq-bench over the bench
# bundles, then the anchor (seed_indexer.py: imperative PyTorch, Triton,
# Triton + CUDA graph) on the same GPU, then the side-by-side markdown table
# (bench/compare.py). Prepared here: the build (pq-bench) and build-dev/
# (scripts/make-dev-bundles.sh: bench-bundles/ and anchors/seed_indexer.py).
#   bench/run.sh [BUILD_DIR [DEV_DIR]]        defaults: build, build-dev
# Writes gpu.txt, pq_bench.{json,txt}, anchor.{json,txt} and compare.md to
# $OUT (the device tool's folder) or else DEV_DIR/bench-out. Extra arguments
# for the two runs: PQ_BENCH_ARGS (e.g. "--only seed_compact"), ANCHOR_ARGS
# (e.g. "--shapes seed --iters 50"). Exit status 1 if any part failed; the
# table is printed from whatever was measured.
set -uo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
dev=${2:-build-dev}
out=${OUT:-$dev/bench-out}
mkdir -p "$out"
status=0

for need in "$build/bin/pq-bench" "$dev/bench-bundles/index.json" \
            "$dev/anchors/seed_indexer.py"; do
  if [ ! -e "$need" ]; then
    echo "bench/run.sh: $need is missing (build, then scripts/make-dev-bundles.sh)" >&2
    status=1
  fi
done

echo "== GPU"
nvidia-smi --query-gpu=name,driver_version,compute_cap,clocks.max.sm,clocks.max.mem,temperature.gpu \
  --format=csv 2>&1 | tee "$out/gpu.txt" || true

echo
echo "== pq-bench"
if [ -x "$build/bin/pq-bench" ]; then
  # shellcheck disable=SC2086
  "$build/bin/pq-bench" "$dev/bench-bundles/index.json" \
    --json "$out/pq_bench.json" ${PQ_BENCH_ARGS:-} 2>&1 | tee "$out/pq_bench.txt" || status=1
fi

echo
echo "== anchor (seed_indexer.py)"
if [ -f "$dev/anchors/seed_indexer.py" ]; then
  # shellcheck disable=SC2086
  PYTHONUNBUFFERED=1 python3 "$dev/anchors/seed_indexer.py" \
    --json "$out/anchor.json" ${ANCHOR_ARGS:-} 2>&1 | tee "$out/anchor.txt" || status=1
fi

echo
echo "== side by side"
if [ -f "$out/pq_bench.json" ]; then
  anchor_json=()
  [ -f "$out/anchor.json" ] && anchor_json=("$out/anchor.json")
  python3 bench/compare.py "$out/pq_bench.json" "${anchor_json[@]}" |
    tee "$out/compare.md" || status=1
else
  echo "no pq-bench results to compare" >&2
  status=1
fi
exit $status
