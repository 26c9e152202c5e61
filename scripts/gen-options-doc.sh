#!/usr/bin/env bash
# Regenerates the README's option tables from the programs' own option
# tables (--help-markdown). With --check, fails when the README is stale.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
bin=${EDDY_BIN:-${EDDY_BUILD_DIR:-$root/build}}
readme=$root/README.md
gen() {
  # every program, in the build's order (CMake writes the list)
  for p in $(cat "$bin/eddy-programs.txt"); do
    printf '\n### `%s`\n\n' "$(basename "$p")"
    "$bin/$p" --help | sed -n '3p'
    echo
    "$bin/$p" --help-markdown
  done
}
new=$(mktemp)
trap 'rm -f "$new"' EXIT
awk -v gen="$(gen)" '
  /<!-- options:begin -->/ { print; print gen; skip = 1; next }
  /<!-- options:end -->/ { skip = 0 }
  !skip { print }' "$readme" >"$new"
if [ "${1:-}" = --check ]; then
  diff -u "$readme" "$new" >&2 || { echo "README options are stale: run scripts/gen-options-doc.sh" >&2; exit 1; }
  echo "README option tables match the programs"
else
  cp "$new" "$readme"
fi
