# bench/pipeline/lib.sh: sourced by the pipeline benchmark scripts.
#
# bench_init: a scratch directory $tmp and a list pids of background
# processes, both cleaned up when the script exits (the processes killed and
# waited for, the directory removed).
# shellcheck shell=bash

bench_cleanup() {
  [ ${#pids[@]} -eq 0 ] || kill "${pids[@]}" 2>/dev/null || true
  wait 2>/dev/null || true
  rm -rf "$tmp"
}

bench_init() {
  tmp=$(mktemp -d)
  pids=()
  trap bench_cleanup EXIT
}
