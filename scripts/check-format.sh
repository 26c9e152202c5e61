#!/usr/bin/env bash
# Fails when a C file differs from the committed .clang-format style.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
mapfile -t files < <(git ls-files '*.c' '*.h' 2>/dev/null || find . -name '*.[ch]' -not -path './build*')
[ ${#files[@]} -eq 0 ] && exit 0
if ! clang-format --dry-run -Werror "${files[@]}" 2>"${TMPDIR:-/tmp}/eddy-format.log"; then
  grep -o '^[^:]*\.[ch]' "${TMPDIR:-/tmp}/eddy-format.log" | sort -u | sed 's/^/  not formatted: /' >&2
  echo "eddy: run 'clang-format -i' on the files above" >&2
  exit 1
fi
echo "== clang-format: ${#files[@]} files clean"
