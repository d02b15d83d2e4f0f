#!/usr/bin/env bash
# Builds the runtime, pq-run and their tests (no compiler) with clang under
# sanitizers in their own tree, and runs ctest there: every unit, CLI and
# package test then runs under ASan + UBSan (or TSan).
#   scripts/sanitize.sh [BUILD_DIR]        default build-asan (build-tsan)
#   PQ_SANITIZE=address,undefined          the default; also builds the
#                                          libFuzzer targets, so
#                                          scripts/fuzz.sh BUILD_DIR reuses
#                                          the tree (CI: one build for both)
#   PQ_SANITIZE=thread                     ThreadSanitizer
#   SANITIZE_TESTS=REGEX                   only the ctest tests matching it
# Any report fails the test that triggered it (-fno-sanitize-recover, and
# halt_on_error for TSan); the package test builds its consumer with the
# same flags.
set -euo pipefail
cd "$(dirname "$0")/.."
sanitize=${PQ_SANITIZE:-address,undefined}
default=build-asan
fuzzers=ON
if [ "$sanitize" = thread ]; then
  default=build-tsan
  fuzzers=OFF
elif [ "$sanitize" != address,undefined ]; then
  default=build-${sanitize//,/-}
  fuzzers=OFF
fi
build=${1:-$default}

if ! command -v clang++ >/dev/null 2>&1; then
  echo "sanitize: clang++ not found (apt-get install clang libclang-rt-14-dev)" >&2
  exit 1
fi
echo "sanitize: configuring $build (clang, -fsanitize=$sanitize, runtime only)"
CC=clang CXX=clang++ cmake -G Ninja -S . -B "$build" \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo -DPQ_ENABLE_COMPILER=OFF \
  -DPQ_ENABLE_TESTS=ON -DPQ_ENABLE_FUZZERS=$fuzzers -DPQ_SANITIZE="$sanitize" \
  >"$build.configure.log" 2>&1 || { cat "$build.configure.log" >&2; exit 1; }
rm -f "$build.configure.log"
ninja -C "$build" >"$build.build.log" 2>&1 ||
  { tail -60 "$build.build.log" >&2; exit 1; }
rm -f "$build.build.log"

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_stack_use_after_return=1:strict_string_checks=1:check_initialization_order=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
export TSAN_OPTIONS=${TSAN_OPTIONS:-halt_on_error=1:second_deadlock_stack=1}
echo "sanitize: ctest in $build"
cd "$build"
ctest --output-on-failure -j"$(nproc 2>/dev/null || echo 2)" \
  ${SANITIZE_TESTS:+-R "$SANITIZE_TESTS"}
