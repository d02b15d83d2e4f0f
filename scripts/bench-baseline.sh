#!/usr/bin/env bash
# Bench bundles of an earlier commit, for pq-bench side by side with the
# current ones in one device call (kernel changes are judged against the
# kernels they replace, not against numbers from another day):
#   scripts/bench-baseline.sh REV [OUT]      OUT defaults to build-dev/bench-base
# builds that commit's pq-compile in a git worktree (build-base/, ignored;
# the dynamic LLVM libraries, so a few minutes) and compiles the anchor's
# shapes (make-bench-bundles.py's index.json) with it. On the device:
#   build-gpu/bin/pq-bench OUT/index.json   next to   .../bench-bundles/index.json
set -euo pipefail
cd "$(dirname "$0")/.."
rev=${1:?usage: scripts/bench-baseline.sh REV [OUT]}
out=${2:-build-dev/bench-base}
tree=build-base/src
git rev-parse --verify --quiet "$rev^{commit}" >/dev/null || { echo "no commit $rev" >&2; exit 1; }
if [ -d "$tree" ]; then
  git -C "$tree" checkout -q --detach "$rev"
else
  mkdir -p build-base
  git worktree add -q --detach "$tree" "$rev"
fi
cmake -G Ninja -S "$tree" -B build-base/build -DCMAKE_BUILD_TYPE=Release \
  -DLLVM_USE_LINKER=lld -DPQ_LINK_LLVM_STATIC=OFF -DPQ_ENABLE_TESTS=OFF >/dev/null
ninja -C build-base/build pq-compile
rm -rf "$out"
python3 scripts/make-bench-bundles.py --build build-base/build --out "$out" --no-sweep --no-build
echo "baseline bundles of $(git rev-parse --short "$rev") in $out"
