#!/usr/bin/env bash
# Checks pq-gpu-tests' harness without a GPU (ctest gpu.harness-selfcheck):
# 1. the CPU backend (host "device" memory, libpqrt's validation and CPU
#    reference) passes every check over every bundle, quick plan;
# 2. each planted fault of the CPU backend makes the suite fail, in the
#    check meant to catch it.
# Usage: test/gpu/selfcheck.sh BUILD/bin/pq-gpu-tests   (exit 77: no bundles)
set -uo pipefail
bin=${1:?usage: selfcheck.sh path/to/pq-gpu-tests}
log=$(mktemp); trap 'rm -f "$log"' EXIT

PQ_GPU_TESTS_BACKEND=cpu PQ_GPU_QUICK=1 PQ_GPU_QUANTIZE_BUDGET=2e7 "$bin" >"$log" 2>&1
rc=$?
if grep -q "PQ_GPU_SUITE_SKIPPED" "$log"; then
  grep "PQ_GPU_SUITE_SKIPPED" "$log"; exit 77
fi
grep -E "^\[pq-gpu\] [0-9]+ passed" "$log"
if [ $rc -ne 0 ]; then
  echo "FAIL: the CPU backend does not pass its own checks:"; tail -n 60 "$log"; exit 1
fi

# fault:check that must report it. Two small bundles are enough.
filter='GpuBundle.*cfg005:GpuBundle.*cfg020:GpuBundle.*cfg012'
status=0
for pair in unwritten:differential codes:differential count:differential \
            nondeterministic:determinism validation:validation graph:graph \
            capture:graph sticky:device; do
  fault=${pair%%:*}; check=${pair#*:}
  PQ_GPU_TESTS_BACKEND=cpu-faulty:$fault PQ_GPU_QUICK=1 PQ_GPU_QUANTIZE_BUDGET=2e7 \
    "$bin" --gtest_filter="$filter" >"$log" 2>&1
  rc=$?
  if [ $rc -eq 0 ]; then
    echo "FAIL: planted fault '$fault' went unnoticed"; status=1; continue
  fi
  if ! grep -qE "^\[pq-gpu\]   [^ ]+ $check \[" "$log"; then
    echo "FAIL: planted fault '$fault' was not reported by the $check check:"
    grep -E "^\[pq-gpu\]   " "$log" | head -5; status=1; continue
  fi
  echo "ok: fault '$fault' caught by $check: $(grep -E "^\[pq-gpu\]   [^ ]+ $check \[" "$log" | head -1 | cut -c1-220)"
done
exit $status
