#!/usr/bin/env bash
# Installs the Debian packages pq builds and tests with. A no-op when they
# are all present, so the Makefile runs it before every build.
set -euo pipefail

packages=(
  cmake ninja-build lld python3 python3-dev python3-venv
  llvm-22-dev libmlir-22-dev mlir-22-tools llvm-22-tools
  libgtest-dev nlohmann-json3-dev
  clang libclang-rt-14-dev
)

missing=()
for pkg in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "ok installed"; then
    missing+=("$pkg")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

echo "setup: installing ${missing[*]}"
sudo=""
if [ "$(id -u)" -ne 0 ]; then
  sudo="sudo"
fi
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -q
$sudo apt-get install -y -q --no-install-recommends "${missing[@]}"
