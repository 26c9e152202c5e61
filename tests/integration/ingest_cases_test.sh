#!/usr/bin/env bash
# Real-world input files through eddy-ingest on the embedded broker: every
# case of tests/data/cases (README.md there) is ingested into its own topics,
# read back with eddy-cat, and checked by ingest_cases.py: the observations
# (count, series, event times, values), the dead letters (count, reason)
# and what stderr says (file:line and the cause), and the exit status
# (non-zero for an empty, header-only or unrecognised input, a directory).
set -euo pipefail
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh" ingest-cases
cases=$root/tests/data/cases
eddy_start_broker
ingest=$(eddy_bin eddy-ingest)
cat=$(eddy_bin eddy-cat)

# run NAME WANT_RC ARGS...: ingests into obs-NAME (dead letters dlq-NAME),
# then checks the result.
run() {
  local name=$1 want=$2 rc=0
  shift 2
  "$ingest" --topic "obs-$name" --deadletter-topic "dlq-$name" "$@" \
    2>"$EDDY_RUN/$name.log" || rc=$?
  if { [ "$want" = 0 ] && [ "$rc" != 0 ]; } || { [ "$want" != 0 ] && [ "$rc" = 0 ]; }; then
    fail "$name: eddy-ingest exited $rc (expected $([ "$want" = 0 ] && echo 0 || echo non-zero))"
  fi
  local pids=() t
  for t in obs dlq; do # both at once: each waits ~1 s for the metadata
    timeout 30 "$cat" --topic "$t-$name" --meta >"$EDDY_RUN/$name.$t.jsonl" \
      2>"$EDDY_RUN/cat-$name-$t.log" &
    pids+=($!)
  done
  wait "${pids[0]}" || fail "$name: eddy-cat on obs-$name"
  wait "${pids[1]}" || fail "$name: eddy-cat on dlq-$name"
  python3 "$root/tests/integration/ingest_cases.py" "$name" "$EDDY_RUN" "$cases" ||
    fail "$name"
}

# Each case in the background (a second or two each, mostly waiting for
# metadata); every one must pass.
pids=()
bg() { run "$@" & pids+=($!); }
bg bom_series 0 "$cases/bom_series.csv"
bg quoted_nonnumeric 0 "$cases/quoted_nonnumeric.csv"
bg iso_timestamps 0 "$cases/iso_timestamps.csv"
bg sales 0 --series-id sales "$cases/sales_2023.csv" "$cases/sales_2024.csv"
bg late_event 0 "$cases/late_event.jsonl"
bg airpassengers_gappy 0 "$cases/airpassengers_gappy.csv"
bg semicolon_decimal_comma 0 "$cases/semicolon_decimal_comma.csv"
bg cr_only 0 "$cases/cr_only.csv"
bg crlf_quoted 0 "$cases/crlf_quoted.csv"
bg latin1_series 0 "$cases/latin1_series.csv"
bg month_names 0 --time-format '%b %Y' "$cases/month_names.csv"
bg epoch_tab 0 "$cases/epoch_tab.tsv"
bg bad_numbers 0 "$cases/bad_numbers.csv"
bg times 0 "$cases/times.jsonl"
bg empty 1 "$cases/empty.csv"
bg header_only 1 "$cases/header_only.csv"
bg unknown_header 1 "$cases/unknown_header.csv"
mkdir -p "$EDDY_RUN/dir.csv"
bg directory 1 "$EDDY_RUN/dir.csv"
failed=0
for pid in "${pids[@]}"; do wait "$pid" || failed=$((failed + 1)); done
[ "$failed" = 0 ] || fail "$failed of ${#pids[@]} cases failed (FAIL lines above)"
ok "every ingest case (${#pids[@]})"
