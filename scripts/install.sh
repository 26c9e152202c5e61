#!/usr/bin/env bash
# Builds eddy (scripts/build.sh) and installs it under PREFIX (default
# /usr/local): the programs into PREFIX/bin, the Avro schemas and the seed
# dataset into PREFIX/share/eddy. Then `eddy-ingest --version` etc. work from
# any directory when PREFIX/bin is on PATH.
#
#   scripts/install.sh                 # /usr/local (as root, or with sudo)
#   scripts/install.sh "$HOME/.local"  # no root needed
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
prefix=${1:-/usr/local}
case $prefix in /*) ;; *) prefix=$PWD/$prefix ;; esac
build=${EDDY_BUILD_DIR:-$root/build}
EDDY_BUILD_DIR=$build "$root/scripts/build.sh"
if ! mkdir -p "$prefix/bin" 2>/dev/null || [ ! -w "$prefix/bin" ]; then
  echo "eddy: cannot write to $prefix/bin: run as root (sudo scripts/install.sh $prefix) or pick a prefix of yours (scripts/install.sh \$HOME/.local)" >&2
  exit 1
fi
cmake --install "$build" --prefix "$prefix" >&2
echo "installed into $prefix:" >&2
while read -r rel; do
  echo "  $prefix/bin/${rel##*/}" >&2
done <"$build/eddy-programs.txt"
case ":$PATH:" in
  *":$prefix/bin:"*) ;;
  *) echo "eddy: $prefix/bin is not on PATH: export PATH=\"$prefix/bin:\$PATH\"" >&2 ;;
esac
