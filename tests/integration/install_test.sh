#!/usr/bin/env bash
# cmake --install into a temporary prefix: every program the build lists
# (eddy-programs.txt) lands in PREFIX/bin and answers --version with its name
# and the project's version, run from another directory through PATH; the
# schemas and the seed dataset land in PREFIX/share/eddy.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
: "${EDDY_BIN:?set EDDY_BIN to the build tree}"
prefix=$(mktemp -d "${TMPDIR:-/tmp}/eddy-install.XXXXXX")
trap 'rm -rf "$prefix"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

cmake --install "$EDDY_BIN" --prefix "$prefix" >"$prefix.log" 2>&1 || { cat "$prefix.log"; fail "cmake --install"; }
rm -f "$prefix.log"
version=$(sed -n 's/^project(eddy VERSION \([0-9.]*\).*/\1/p' "$root/CMakeLists.txt")
[ -n "$version" ] || fail "no project version in CMakeLists.txt"
n=0
while read -r rel; do
  name=${rel##*/}
  [ -x "$prefix/bin/$name" ] || fail "$name not installed in $prefix/bin"
  out=$(cd / && PATH="$prefix/bin:/usr/bin:/bin" "$name" --version) || fail "$name --version exited non-zero"
  [ "$out" = "$name $version" ] || fail "$name --version printed '$out', expected '$name $version'"
  n=$((n + 1))
done <"$EDDY_BIN/eddy-programs.txt"
[ "$n" -ge 6 ] || fail "only $n programs listed in eddy-programs.txt"
for f in schemas/observation.avsc schemas/feature_vector.avsc schemas/prediction.avsc data/airpassengers.csv; do
  cmp -s "$root/$f" "$prefix/share/eddy/$f" || fail "share/eddy/$f missing or differs"
done
echo "ok: $n programs installed into PREFIX/bin, each answers --version with '$version'; schemas and data in PREFIX/share/eddy"
