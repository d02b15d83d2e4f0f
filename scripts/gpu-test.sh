#!/usr/bin/env bash
# The GPU test suite (test/gpu, pq-gpu-tests): build here, run on the device.
#
# Contributor workflow
#   1. Here (no GPU needed; LLVM/MLIR for pq-compile):
#        scripts/gpu-test.sh [--build-dir build] [--test-build-dir build-gpu]
#                            [--no-build] [--no-bundles]
#      builds the compiler (make build: cmake + ninja in build/), builds
#      pq-gpu-tests in its own runtime-only Release tree (build-gpu/: the
#      main tree may be configured with PQ_ENABLE_TESTS=OFF), compiles the
#      test bundles (scripts/make-dev-bundles.sh build -> build-dev/), stages
#      what the device needs in build-gputest/ (the test binary, x86-64,
#      libpqrt linked in, plus the bundles: about 8 MiB) and prints the
#      device tool calls. --no-build reuses both builds, --no-bundles the
#      bundles already in build-dev/.
#   2. On the device machine, through the device tool's `run` (it has CUDA 13
#      and cmake, but no LLVM/MLIR, so nothing is built there):
#        run(command="bash scripts/gpu-test.sh --device",
#            carry=["build-gputest"], timeout_s=600)
#      runs every bundle (~570 (bundle, case) configurations; the last line
#      reads "[pq-gpu] N passed, N failed"), and
#        run(command="bash scripts/gpu-test.sh --device --sanitize",
#            carry=["build-gputest"], timeout_s=600)
#      runs compute-sanitizer memcheck and racecheck over a small subset
#      (PQ_GPU_QUICK=1, bundles cfg013_cl4 and cfg025_cl4 (cluster; cfg025 with
#      the index build), cfg025_sm90a (the build's wgmma assignment), cfg008_rg2 (cluster in row groups, also with the
#      build), cfg009_sm80
#      (split), cfg024_sm80 (row) unless
#      PQ_SANITIZE_FILTER says otherwise; tools from PQ_SANITIZE_TOOLS,
#      default "memcheck racecheck"), exiting nonzero on any reported error.
#      Logs land in $OUT (they come back with the reply).
#   Extra arguments after --device go to pq-gpu-tests (--gtest_filter=...);
#   environment variables: see test/gpu/README.md.
#
# Why not carry build/ itself: it is larger than the tool's 64 MiB limit, and
# its CTest files hold this machine's absolute paths; the staged binary needs
# neither (libpqrt is linked in, libcuda.so.1 is opened at run time).
set -euo pipefail
cd "$(dirname "$0")/.."

stage=build-gputest
mode=here
sanitize=0
build=build
testbuild=build-gpu
do_build=1
do_bundles=1
args=()
while [ $# -gt 0 ]; do
  case "$1" in
    --device) mode=device ;;
    --sanitize) sanitize=1 ;;
    --build-dir) build=$2; shift ;;
    --test-build-dir) testbuild=$2; shift ;;
    --no-build) do_build=0 ;;
    --no-bundles) do_bundles=0 ;;
    -h|--help) sed -n '2,36p' "$0"; exit 0 ;;
    *) args+=("$1") ;;
  esac
  shift
done

if [ "$mode" = here ]; then
  if [ $do_build = 1 ]; then
    if [ $do_bundles = 1 ] || [ ! -d build-dev/gpu-bundles ]; then
      make build BUILD="$build"   # pq-compile, for the bundles
    fi
    cmake -G Ninja -S . -B "$testbuild" -DPQ_ENABLE_COMPILER=OFF \
      -DPQ_ENABLE_TESTS=ON -DCMAKE_BUILD_TYPE=Release >/dev/null
    ninja -C "$testbuild" pq-gpu-tests
  fi
  [ -x "$testbuild/bin/pq-gpu-tests" ] || { echo "no $testbuild/bin/pq-gpu-tests" >&2; exit 1; }
  if [ $do_bundles = 1 ] || [ ! -d build-dev/gpu-bundles ]; then
    scripts/make-dev-bundles.sh "$build"
  fi
  rm -rf "$stage"
  mkdir -p "$stage"
  cp "$testbuild/bin/pq-gpu-tests" "$stage/"
  cp -r build-dev/gpu-bundles build-dev/bundles "$stage/"
  # The host-side plan and the harness, before spending device time.
  PQ_GPU_BUNDLES="$stage/gpu-bundles:$stage/bundles" \
    "$stage/pq-gpu-tests" --gtest_filter='GpuPlan.*' --gtest_brief=1 | grep '^\[pq-gpu\] plan' || {
    echo "the plan checks failed: run $stage/pq-gpu-tests --gtest_filter='GpuPlan.*'" >&2; exit 1; }
  size=$(du -sm "$stage" | cut -f1)
  count=$(ls "$stage"/gpu-bundles/*.pqmod "$stage"/bundles/*.pqmod | wc -l)
  cat <<EOF
Staged $stage/ ($size MiB: pq-gpu-tests and $count bundles).
Device tool calls (one H100 is enough):
  run(command="bash scripts/gpu-test.sh --device", carry=["$stage"], timeout_s=600)
  run(command="bash scripts/gpu-test.sh --device --sanitize", carry=["$stage"], timeout_s=600)
EOF
  exit 0
fi

# ---- On the device machine ----
bin="$stage/pq-gpu-tests"
[ -x "$bin" ] || { echo "no $bin: run scripts/gpu-test.sh here first and carry $stage" >&2; exit 1; }
export PQ_GPU_BUNDLES="$stage/gpu-bundles:$stage/bundles"
out=${OUT:-$stage/logs}
mkdir -p "$out"
nvidia-smi -L 2>/dev/null || echo "(nvidia-smi not found)"

if [ $sanitize = 0 ]; then
  set +e
  "$bin" --gtest_brief=1 ${args[@]+"${args[@]}"} 2>&1 | tee "$out/gpu-tests.log"
  rc=${PIPESTATUS[0]}
  echo "pq-gpu-tests exit code $rc (full log: $out/gpu-tests.log)"
  if [ "$rc" -eq 0 ] && grep -q PQ_GPU_SUITE_SKIPPED "$out/gpu-tests.log"; then
    echo "nothing ran on a GPU here: that is a failure on the device machine" >&2
    exit 2
  fi
  exit $rc
fi

sanitizer=$(command -v compute-sanitizer || true)
for candidate in /usr/local/cuda/bin/compute-sanitizer /usr/local/cuda-*/bin/compute-sanitizer \
                 /opt/nvidia/*/compute-sanitizer/compute-sanitizer; do
  [ -n "$sanitizer" ] && break
  [ -x "$candidate" ] && sanitizer=$candidate
done
[ -n "$sanitizer" ] || { echo "compute-sanitizer not found" >&2; exit 1; }
filter=${PQ_SANITIZE_FILTER:-'GpuBundle.*cfg013_cl4:GpuBundle.*cfg025_cl4:GpuBundle.*cfg025_sm90a:GpuBundle.*cfg008_rg2:GpuBundle.*cfg009_sm80:GpuBundle.*cfg024_sm80'}
status=0
for tool in ${PQ_SANITIZE_TOOLS:-memcheck racecheck}; do
  log="$out/sanitize-$tool.log"
  echo "== compute-sanitizer --tool $tool on $filter (quick plan)"
  set +e
  PQ_GPU_QUICK=1 PQ_GPU_WORKERS=4 "$sanitizer" --tool "$tool" --error-exitcode 86 \
    "$bin" --gtest_brief=1 --gtest_filter="$filter" ${args[@]+"${args[@]}"} >"$log" 2>&1
  rc=$?
  set -e
  grep -E '^\[pq-gpu\]|SUMMARY|^========= (ERROR|Error|Invalid|Race|Warning)' "$log" | head -60 || true
  # "ERROR SUMMARY: N errors" (memcheck, synccheck, initcheck) or
  # "RACECHECK SUMMARY: N hazards displayed (E errors, W warnings)".
  errors=$(grep -oE 'ERROR SUMMARY: [0-9]+ error|\([0-9]+ errors' "$log" | grep -oE '[0-9]+' | awk '{s+=$1} END {print s+0}' || true)
  if [ "$rc" -ne 0 ] || [ "$errors" -ne 0 ]; then
    echo "== $tool: FAILED (exit $rc, $errors error(s) reported; log $log)"
    status=1
  elif ! grep -qE '^\[pq-gpu\] [0-9]+ passed, 0 failed' "$log" || grep -q PQ_GPU_SUITE_SKIPPED "$log"; then
    echo "== $tool: FAILED (the suite did not run cleanly under the tool; log $log)"
    status=1
  else
    # (|| true: no match is no warning, not a reason for set -e to stop)
    warnings=$(grep -oE '[0-9]+ warnings\)' "$log" | grep -oE '[0-9]+' | awk '{s+=$1} END {print s+0}' || true)
    if [ "$warnings" -gt 0 ]; then
      echo "== $tool: no errors, $warnings warning(s) (see $log)"
    else
      echo "== $tool: clean"
    fi
  fi
done
exit $status
