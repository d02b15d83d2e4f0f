#!/usr/bin/env bash
# Builds every bundle the device checks use into build-dev/ (ignored, carried
# to the GPU machine): the examples, the GPU test configurations, the
# benchmark shapes and the scaling sweep, and the anchor.
# Usage: scripts/make-dev-bundles.sh [BUILD_DIR]
set -euo pipefail
build=${1:-build}
out=build-dev
rm -rf "$out/bundles" "$out/gpu-bundles" "$out/bench-bundles"
mkdir -p "$out/bundles" "$out/anchors"
for example in examples/*.mlir; do
  name=$(basename "$example" .mlir)
  for bound in 4096 20000; do
    "$build/bin/pq-compile" "$example" --target=sm_90 --max-seq-len=$bound \
      -o "$out/bundles/$name.$bound.pqmod"
  done
done
# PTX only for an older arch: exercises the driver's JIT path.
"$build/bin/pq-compile" examples/qwen2_5_7b.mlir --target=sm_80 --max-seq-len=3000 \
  --no-cubin -o "$out/bundles/qwen2_5_7b.sm80-ptx.pqmod"
python3 scripts/make-gpu-test-bundles.py --build "$build" --out "$out/gpu-bundles"
python3 scripts/make-bench-bundles.py --build "$build" --out "$out/bench-bundles"
# The anchor, and its stored results (bench/run.sh ANCHOR_JSON=... uses one
# instead of running the anchor again).
cp ../shared/anchors/seed_indexer.py ../shared/anchors/baseline_*.json "$out/anchors/" \
  2>/dev/null || true
