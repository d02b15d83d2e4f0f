#!/usr/bin/env bash
# README's first quick-start command (make demo) after the build: every
# example through pq-opt (printing it back must reproduce it byte for byte),
# then the Llama-3-8B indexer compiled by pq-compile for this machine's GPU
# (sm_80 when there is none) and one step of it run by pq-run: on the GPU
# when there is one, else on the CPU reference (pq-run says which), checked
# against an independent run of the CPU reference.
#   scripts/demo.sh [BUILD_DIR]      default build
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
bin="$build/bin"

for tool in pq-opt pq-compile pq-run; do
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

# The newest target pq-compile supports that is not above the GPU's compute
# capability (a newer GPU JIT-compiles the PTX); sm_80 without a GPU.
gpu_target() {
  local cap
  cap=$(nvidia-smi --query-gpu=compute_cap --format=csv,noheader 2>/dev/null |
        head -n 1 | tr -d ' .') || true
  case "$cap" in
    '' | *[!0-9]*) echo "sm_80 none" ;;
    *)
      local target=sm_80
      for t in 86 89 90; do
        [ "$cap" -ge $t ] && target=sm_$t
      done
      echo "$target sm_$cap"
      ;;
  esac
}

read -r target gpu < <(gpu_target)
bundle="$build/demo/llama3_8b.pqmod"
mkdir -p "$build/demo"
echo
if [ "$gpu" = none ]; then
  echo "== pq-compile: examples/llama3_8b.mlir for $target (no GPU found)"
else
  echo "== pq-compile: examples/llama3_8b.mlir for $target (this GPU: $gpu)"
fi
"$bin/pq-compile" examples/llama3_8b.mlir --target="$target" --max-seq-len=4096 \
  -o "$bundle"
echo "  ok   $bundle ($(wc -c <"$bundle") bytes)"

# A GPU older than sm_80 cannot run any target: the CPU reference runs the
# bundle's step instead. Otherwise --device=auto picks the GPU when the
# driver sees one and says so when it falls back to the CPU.
device=auto
if [ "$gpu" != none ] && [ "${gpu#sm_}" -lt 80 ]; then
  echo "  note: $gpu is older than sm_80, so the step runs on the CPU reference"
  device=cpu
fi
echo
echo "== pq-run: one step of the bundle (sk 4096), checked against the CPU reference"
"$bin/pq-run" "$bundle" --device=$device --check
echo
echo "demo: done"
