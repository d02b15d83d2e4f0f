#!/usr/bin/env bash
# Installs libpqrt from BUILD_DIR into a scratch prefix, builds the consumer
# project of this folder with find_package(pqrt), runs it, and checks that
# libpqrt.so links no LLVM/MLIR/libcuda and exports the C API only.
#   check-package.sh BUILD_DIR SAMPLE_BUNDLE
set -euo pipefail
build=$(cd "$1" && pwd)
bundle=$2
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/pqrt-package.XXXXXX")
trap 'rm -rf "$work"' EXIT

cmake --install "$build" --prefix "$work/prefix" --component pqrt >/dev/null
cmake -G Ninja -S "$here" -B "$work/build" \
  -DCMAKE_PREFIX_PATH="$work/prefix" >/dev/null
ninja -C "$work/build" >/dev/null
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
