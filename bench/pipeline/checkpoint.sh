#!/usr/bin/env bash
# bench/pipeline/checkpoint.sh: what the exactly-once changelog costs per
# input record, and the exactly-once catch-up throughput, for eddy-features
# alone and eddy-features -> eddy-learn (linear, amf), with eddy-bench flat
# out (as bench/pipeline/report.sh's flat-out runs). Prints one Markdown
# table row per case on stdout.
#
#   scripts/kafka.sh start && bench/pipeline/checkpoint.sh [STAGE-OPTION...]
#
# STAGE-OPTIONs go to both stages (e.g. --checkpoint-records 1 for a
# snapshot every batch). Bytes per input record = snapshots written (the
# stages' eddy_stage_state_snapshots_total) x the mean snapshot size (key
# and value, read back from the state topic) / records processed
# (eddy_stage_records_in_total): compaction, which may already have run on
# the broker's disk, does not change it.
#
# Environment: EDDY_BOOTSTRAP (default: scripts/kafka.sh bootstrap),
# BUILD_DIR (default build), COUNT (observations per case, default 50000;
# AMF_COUNT for amf, default 20000), SERIES (default 100), EDDY_BENCH_PORT
# (first of two HTTP ports, default 19781), CASES (default "features linear
# amf"), RATE (observations per second on an open-loop schedule for DURATION,
# default 10s, instead of flat out; 0: flat out, the default).
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
build=${BUILD_DIR:-$root/build}
bs=${EDDY_BOOTSTRAP:-$("$root/scripts/kafka.sh" bootstrap)}
count=${COUNT:-50000}
amf_count=${AMF_COUNT:-20000}
series=${SERIES:-100}
port=${EDDY_BENCH_PORT:-19781}
cases=${CASES:-features linear amf}
rate=${RATE:-0}
duration=${DURATION:-10s}
# shellcheck source=bench/pipeline/lib.sh
. "$root/bench/pipeline/lib.sh"
bench_init

# start_stage NAME PORT ARGS...: runs eddy-NAME (exactly-once) in the background.
start_stage() {
  local name=$1 p=$2
  shift 2
  "$build/processors/$name/eddy-$name" -b "$bs" --log-level warn --exactly-once \
    --http "127.0.0.1:$p" "$@" 2>>"$tmp/$name.log" &
  pids+=($!)
}

# metric PORT NAME: the sum of NAME's samples on the stage at PORT.
metric() {
  curl -sf "http://127.0.0.1:$1/metrics" |
    awk -v n="$2" '$1 == n || index($1, n "{") == 1 {s += $2} END {printf "%.0f", s}' ||
    echo 0
}

# row LABEL PORT GROUP RATE: one table row for the stage at PORT.
row() {
  local label=$1 p=$2 group=$3 got=$4 snaps recs size
  snaps=$(metric "$p" eddy_stage_state_snapshots_total)
  recs=$(metric "$p" eddy_stage_records_in_total)
  size=$(kcat -b "$bs" -C -t "$group-state" -e -q -f '%K %S\n' 2>/dev/null |
    awk '$2 > 0 {n++; s += $1 + $2} END {if (n) printf "%.0f", s / n; else print 0}' ||
    true)
  python3 -c "import sys
snaps, recs, size, rate = int('${snaps:-0}'), int('${recs:-0}'), int('${size:-0}'), float('$got')
print(f'| $label | {rate:,.0f} | {recs:,} | {snaps:,} | {size:,} | {snaps * size / max(recs, 1):,.0f} |')"
}

for c in $cases; do
  run=ck$$-$c
  n=(--count "$count")
  [ "$c" = amf ] && n=(--count "$amf_count")
  [ "$rate" = 0 ] || n=(--duration "$duration")
  start_stage features "$port" -i "obs-$run" -o "feat-$run" -g "feat-$run" "$@"
  out=feat-$run
  if [ "$c" != features ]; then
    start_stage learn $((port + 1)) --model "$c" -i "feat-$run" -o "pred-$run" \
      -g "learn-$run" "$@"
    out=pred-$run
  fi
  "$build/bench/pipeline/eddy-bench" -b "$bs" --log-level warn --json "$tmp/$c.json" \
    -t "obs-$run" -o "$out" --rate "$rate" "${n[@]}" --series "$series" --no-passthrough \
    >"$tmp/$c.txt" || { cat "$tmp/$c.txt" >&2; exit 1; }
  got=$(python3 -c "import json; print(json.load(open('$tmp/$c.json'))['runs'][0]['throughput_per_s'])")
  row "eddy-features ($c run)" "$port" "feat-$run" "$got"
  [ "$c" = features ] || row "eddy-learn $c" $((port + 1)) "learn-$run" "$got"
  kill "${pids[@]}" 2>/dev/null || true
  wait "${pids[@]}" 2>/dev/null || true
  pids=()
done
