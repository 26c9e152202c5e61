#!/usr/bin/env bash
# eddy-bench as the load-test gate, on a real broker: features -> learn
# (exactly-once) at a modest rate, once with an objective the run meets
# (exit 0, JSON written, every record answered) and once with one it cannot
# meet (p99=1us: exit 1, the miss named).
set -euo pipefail
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh" bench
it_need_kafka

run=bt$$
eddy_start features eddy-features -i "obs-$run" -o "feat-$run" -g "feat-$run" --http off
eddy_start learn eddy-learn -i "feat-$run" -o "pred-$run" -g "learn-$run" --http off
bench() {
  "$(eddy_bin eddy-bench)" -t "obs-$run" -o "pred-$run" --rate 200 --duration 4s \
    --series 4 --drain 20s --log-level warn "$@"
}

rc=0
bench --slo p99=10s,success=0.999 --json "$EDDY_RUN/pass.json" >"$EDDY_RUN/pass.out" ||
  rc=$?
cat "$EDDY_RUN/pass.out"
[ "$rc" = 0 ] || fail "a met objective exited $rc"
jq -e '.slo.met == true and .runs[0].received == 800 and .runs[0].success == 1
       and .runs[1].name == "passthrough" and .runs[1].received == 800
       and .runs[0].latency_ms.p50 > 0
       and .runs[0].latency_ms.p99 >= .runs[0].latency_ms.p50' \
  "$EDDY_RUN/pass.json" >/dev/null || fail "unexpected results: $(cat "$EDDY_RUN/pass.json")"
ok "met objective: exit 0, 800 of 800 answered, pass-through measured"

rc=0
bench --slo p99=1us --no-passthrough >"$EDDY_RUN/miss.out" || rc=$?
cat "$EDDY_RUN/miss.out"
[ "$rc" = 1 ] || fail "an objective of p99=1us exited $rc, expected 1"
grep -q "MISSED: p99" "$EDDY_RUN/miss.out" || fail "the miss is not named"
ok "missed objective: exit 1, the miss named"
