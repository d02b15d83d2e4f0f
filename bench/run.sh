#!/usr/bin/env bash
# The benchmark on the device machine, in one call:
#   table   pq-bench over the anchor's shapes (bench-bundles/index.json):
#           0 / 1 / 64 new keys, gpu / wall / graph, the minimal launch;
#   sweep   pq-bench --sweep over bench-bundles/sweep.json, then
#           bench/plot_sweep.py: GPU time against the floor over sk and b;
#   topk    bench/topk_baseline.py: torch.topk alone on the anchor's scores;
#   anchor  seed_indexer.py: imperative PyTorch, Triton, Triton + CUDA graph;
#   kmeans  bench/kmeans_bench.py: the index build (bench-bundles/build.json)
#           beside its PyTorch anchors (issue 11; not in the default PARTS);
# then bench/compare.py's side-by-side tables. Prepared here: the build
# (pq-bench) and build-dev/ (scripts/make-dev-bundles.sh: bench-bundles/ and
# anchors/).
#   bench/run.sh [BUILD_DIR [DEV_DIR]]        defaults: build, build-dev
# Into $OUT (the device tool's folder; else DEV_DIR/bench-out) go three
# files: compare.md (the tables, also printed last), sweep.png and
# bench-results.tar.gz (every JSON and log, packed after each part, so a run
# cut short still returns what it measured).
# Environment: PARTS (default "table sweep topk anchor"); ANCHOR_JSON=FILE
# uses a stored anchor result instead of running the anchor (e.g.
# DEV_DIR/anchors/baseline_h200_*.json: saves ~2.5 min); PQ_BENCH_ARGS,
# SWEEP_ARGS, TOPK_ARGS, ANCHOR_ARGS, KMEANS_ARGS: extra arguments of each part (e.g.
# PQ_BENCH_ARGS="--only seed_compact", ANCHOR_ARGS="--shapes seed").
# Exit status 1 if any part failed; the tables show whatever was measured.
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1
build=${1:-build}
dev=${2:-build-dev}
out=${OUT:-$dev/bench-out}
parts=" ${PARTS:-table sweep topk anchor} "
raw=$(mktemp -d)
mkdir -p "$out"
status=0
bench="$build/bin/pq-bench"
bundles="$dev/bench-bundles"
anchor_py="$dev/anchors/seed_indexer.py"

want() { [[ "$parts" == *" $1 "* ]]; }
pack() { tar -czf "$out/bench-results.tar.gz" -C "$raw" . 2>/dev/null; }
part() { # part NAME: a header, and the time the previous part took
  [ -n "${part_name:-}" ] && echo "-- $part_name took $((SECONDS - part_start)) s"
  pack
  part_name=$1 part_start=$SECONDS
  echo
  echo "== $1"
}
missing() {
  echo "bench/run.sh: $1 is missing (build, then scripts/make-dev-bundles.sh)" >&2
  status=1
}

exec > >(tee "$raw/run.log") 2>&1
part GPU
nvidia-smi --query-gpu=name,driver_version,compute_cap,clocks.max.sm,clocks.max.mem,temperature.gpu \
  --format=csv 2>&1 | tee "$raw/gpu.txt" || true

if want table; then
  part "pq-bench (shapes)"
  if [ -x "$bench" ] && [ -f "$bundles/index.json" ]; then
    # shellcheck disable=SC2086
    "$bench" "$bundles/index.json" --json "$raw/pq_bench.json" ${PQ_BENCH_ARGS:-} \
      2>&1 | tee "$raw/pq_bench.txt" || status=1
  else
    missing "$bench or $bundles/index.json"
  fi
fi

if want sweep; then
  part "pq-bench --sweep"
  if [ -x "$bench" ] && [ -f "$bundles/sweep.json" ]; then
    # shellcheck disable=SC2086
    "$bench" "$bundles/sweep.json" --sweep --json "$raw/sweep.json" ${SWEEP_ARGS:-} \
      2>&1 | tee "$raw/sweep.txt" || status=1
    if [ -f "$raw/sweep.json" ]; then
      python3 bench/plot_sweep.py "$raw/sweep.json" --png "$out/sweep.png" \
        > "$raw/sweep.md" || status=1
    fi
  else
    missing "$bench or $bundles/sweep.json"
  fi
fi

if want topk; then
  part "torch.topk alone (topk_baseline.py)"
  if [ -f "$anchor_py" ]; then
    # shellcheck disable=SC2086
    PYTHONUNBUFFERED=1 python3 bench/topk_baseline.py "$anchor_py" \
      --json "$raw/topk.json" ${TOPK_ARGS:-} 2>&1 | tee "$raw/topk.txt" || status=1
  else
    missing "$anchor_py"
  fi
fi

if [ -n "${ANCHOR_JSON:-}" ]; then
  part "anchor (stored: $ANCHOR_JSON)"
  cp "$ANCHOR_JSON" "$raw/anchor.json" || status=1
elif want anchor; then
  part "anchor (seed_indexer.py)"
  if [ -f "$anchor_py" ]; then
    # shellcheck disable=SC2086
    PYTHONUNBUFFERED=1 python3 "$anchor_py" --json "$raw/anchor.json" ${ANCHOR_ARGS:-} \
      2>&1 | tee "$raw/anchor.txt" || status=1
  else
    missing "$anchor_py"
  fi
fi

if want kmeans; then
  part "index build (kmeans_bench.py)"
  libpqrt="$build/lib/libpqrt.so"
  if [ -f "$bundles/build.json" ] && [ -f "$libpqrt" ]; then
    # shellcheck disable=SC2086
    PYTHONUNBUFFERED=1 python3 bench/kmeans_bench.py "$bundles/build.json" \
      --libpqrt "$libpqrt" --json "$raw/kmeans.json" ${KMEANS_ARGS:-} \
      2>&1 | tee "$raw/kmeans.txt" || status=1
  else
    missing "$bundles/build.json or $libpqrt"
  fi
fi

part "side by side"
{
  if [ -f "$raw/pq_bench.json" ]; then
    others=()
    [ -f "$raw/anchor.json" ] && others+=("$raw/anchor.json")
    [ -f "$raw/topk.json" ] && others+=(--topk "$raw/topk.json")
    python3 bench/compare.py "$raw/pq_bench.json" "${others[@]}" || status=1
  else
    echo "no pq-bench results to compare"
  fi
  if [ -f "$raw/sweep.md" ]; then
    echo
    cat "$raw/sweep.md"
  fi
} > "$out/compare.md"
cp "$out/compare.md" "$raw/"
cat "$out/compare.md"
part "done"
rm -rf "$raw"
exit $status
