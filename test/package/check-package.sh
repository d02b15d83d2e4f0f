#!/usr/bin/env bash
# Installs libpqrt from BUILD_DIR into a scratch prefix, builds the consumer
# project of this folder with find_package(pqrt), runs it, and checks that
# libpqrt.so links no LLVM/MLIR/libcuda and exports the C API only.
#   check-package.sh BUILD_DIR SAMPLE_BUNDLE [CC CXX SANITIZE]
# CC and CXX build the consumer (the build tree's own compilers); SANITIZE
# is the tree's -fsanitize list, which the consumer must share: a
# sanitized libpqrt.so takes its sanitizer runtime from the executable.
set -euo pipefail
build=$(cd "$1" && pwd)
bundle=$2
cc=${3:-}
cxx=${4:-}
sanitize=${5:-}
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/pqrt-package.XXXXXX")
trap 'rm -rf "$work"' EXIT

# Runs a step quietly; on failure shows its output.
quiet() {
  if ! "$@" >"$work/step.log" 2>&1; then
    echo "check-package: failed: $*" >&2
    cat "$work/step.log" >&2
    exit 1
  fi
}

options=(-DCMAKE_PREFIX_PATH="$work/prefix")
[ -n "$cc" ] && options+=(-DCMAKE_C_COMPILER="$cc")
[ -n "$cxx" ] && options+=(-DCMAKE_CXX_COMPILER="$cxx")
if [ -n "$sanitize" ]; then
  flags="-fsanitize=$sanitize -fno-sanitize-recover=all"
  link="-fsanitize=$sanitize"
  # libpqrt is C++: a C program linked by clang needs the runtime's C++
  # half too (UBSan's vptr checks).
  if "${cc:-cc}" --version 2>/dev/null | grep -q clang; then
    link="$link -fsanitize-link-c++-runtime -lstdc++"
  fi
  options+=(-DCMAKE_C_FLAGS="$flags" -DCMAKE_CXX_FLAGS="$flags"
            -DCMAKE_EXE_LINKER_FLAGS="$link")
fi
quiet cmake --install "$build" --prefix "$work/prefix" --component pqrt
quiet cmake -G Ninja -S "$here" -B "$work/build" "${options[@]}"
quiet ninja -C "$work/build"
"$work/build/consumer_c" "$bundle"
"$work/build/consumer_cxx" "$bundle"

lib="$work/prefix/lib/libpqrt.so"
[ -e "$lib" ] || lib=$(ls "$work"/prefix/lib*/libpqrt.so | head -1)
if ldd "$lib" | grep -Ei 'llvm|mlir|libcuda'; then
  echo "libpqrt.so links LLVM, MLIR or libcuda" >&2
  exit 1
fi
leaked=$(nm -D --defined-only "$lib" | awk '{print $3}' | grep -v '^pqrt_' || true)
if [ -n "$leaked" ]; then
  echo "libpqrt.so exports more than pqrt_*: $leaked" >&2
  exit 1
fi
echo "package OK"
