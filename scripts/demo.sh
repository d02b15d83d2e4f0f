#!/usr/bin/env bash
# README's first quick-start command (make demo) after the build: every
# example through pq-opt (printing it back must reproduce it byte for byte),
# then one Llama-3-8B indexer step with pq-run, checked against an
# independent run of the CPU reference.
#   scripts/demo.sh [BUILD_DIR]      default build
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
bin="$build/bin"

for tool in pq-opt pq-run; do
  if [ ! -x "$bin/$tool" ]; then
    echo "demo: $bin/$tool not found; build first (make build)" >&2
    exit 1
  fi
done

echo "== pq-opt: parse and print every example"
printed=$(mktemp)
trap 'rm -f "$printed"' EXIT
failed=0
for example in examples/*.mlir; do
  if ! "$bin/pq-opt" "$example" >"$printed" 2>&1; then
    echo "  FAIL $example: pq-opt rejected it"
    sed 's/^/       /' "$printed"
    failed=1
  elif ! cmp -s "$example" "$printed"; then
    echo "  FAIL $example: printed form differs from the file"
    diff "$example" "$printed" | head -20 | sed 's/^/       /' || true
    failed=1
  else
    echo "  ok   $example (round-trips unchanged)"
  fi
done
if [ $failed -ne 0 ]; then
  echo "demo: pq-opt did not round-trip every example" >&2
  exit 1
fi

# (The pq-compile step of the quick start goes here: compile an example for
# the local GPU and run the bundle with pq-run.)

echo
echo "== pq-run: one llama3_8b step (sk 4096), checked against the CPU reference"
"$bin/pq-run" --preset llama3_8b --seq-len 4096 --device=auto --check
echo
echo "demo: done"
