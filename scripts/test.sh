#!/usr/bin/env bash
# Runs every test suite of a built tree and ends with each runner's summary:
# lit's for the compiler, ctest's for the runtime and reference.
set -uo pipefail
build=${1:-build}
status=0
# CI also fuzzes the bundle parser and the .npy reader briefly (libFuzzer,
# clang); first, so the runners' summaries stay the last lines.
if [ "${CI:-}" = "true" ] || [ -n "${PQ_FUZZ:-}" ]; then
  FUZZ_SECONDS=${FUZZ_SECONDS:-15} bash "$(dirname "$0")/fuzz.sh" || status=1
fi
"${LIT:-/usr/lib/llvm-22/bin/lit}" -v "$build/test" || status=1
(cd "$build" && ctest --output-on-failure) || status=1
exit $status
