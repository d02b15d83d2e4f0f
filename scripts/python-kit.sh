#!/usr/bin/env bash
# Makes the device kit (docs/PYTHON.md, "Tests"): the cp312-abi3 wheel over
# a built tree (its libpqrt and static pq-compile), python/tests, the seed
# anchor and examples/python, in OUT (default .whl, ignored by git).
#   scripts/python-kit.sh [BUILD] [OUT]
# PYTHON: a Python >= 3.12 with nanobind and scikit-build-core (default
# python3.12); the anchor is taken from PQ_SEED_INDEXER or ../shared/anchors.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=$(cd "${1:-$root/build}" && pwd)
out=${2:-$root/.whl}
python=${PYTHON:-python3.12}
anchor=${PQ_SEED_INDEXER:-$root/../shared/anchors/seed_indexer.py}

if ldd "$build/bin/pq-compile" | grep -q 'libLLVM\|libMLIR'; then
  echo "python-kit: $build/bin/pq-compile loads libLLVM; configure $build with" \
       "-DPQ_LINK_LLVM_STATIC=ON (the Makefile's flags)" >&2
  exit 1
fi
rm -rf "$out"
mkdir -p "$out/anchors" "$out/examples"
PQ_PREBUILT=$build "$python" -m pip wheel -q --disable-pip-version-check --no-deps \
  --no-build-isolation "$root/python" -w "$out"
cp -r "$root/python/tests" "$out/tests"
cp -r "$root/examples/python" "$out/examples/python"
if [ -f "$anchor" ]; then
  cp "$anchor" "$out/anchors/"
else
  echo "python-kit: no seed anchor at $anchor (the drop-in tests will skip)" >&2
fi
find "$out" -name __pycache__ -prune -exec rm -rf {} +
du -sh "$out" | cut -f1 | sed "s|^|python-kit: $out, |"
ls "$out"/*.whl
