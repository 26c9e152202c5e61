#!/usr/bin/env bash
# Configures and builds eddy into ${EDDY_BUILD_DIR:-build}. Extra arguments
# go to cmake (e.g. -DEDDY_SANITIZE=ON).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${EDDY_BUILD_DIR:-$root/build}
gen=()
command -v ninja >/dev/null && gen=(-G Ninja)
if [ ! -f "$build/CMakeCache.txt" ]; then
  cmake -S "$root" -B "$build" "${gen[@]}" "$@" >&2
elif [ $# -gt 0 ]; then
  cmake -S "$root" -B "$build" "$@" >&2
fi
cmake --build "$build" --parallel "$(nproc)" >&2
