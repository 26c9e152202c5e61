#!/usr/bin/env bash
# Runs scripts/demo.sh with every stage under valgrind's memcheck and fails
# on any memory error or definitely/indirectly lost block.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
logs=$(mktemp -d "${TMPDIR:-/tmp}/eddy-valgrind.XXXXXX")
EDDY_WRAP="valgrind --leak-check=full --show-leak-kinds=definite,indirect \
--errors-for-leak-kinds=definite,indirect --error-exitcode=99 --log-file=$logs/%p.log" \
  "$root/scripts/demo.sh"
n=$(ls "$logs" | wc -l)
bad=$(grep -L 'ERROR SUMMARY: 0 errors' "$logs"/*.log || true)
if [ -n "$bad" ]; then
  echo "valgrind found problems:" >&2
  for f in $bad; do cat "$f" >&2; done
  exit 1
fi
echo "valgrind: $n stages, 0 errors, no definitely or indirectly lost blocks (logs in $logs)"
