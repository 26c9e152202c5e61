#!/usr/bin/env bash
# The loop's retry paths on the embedded broker with fault injection:
# eddy-broker --chaos-interval injects produce, fetch and transaction request
# errors, added latency and a broker outage in turn while the 744-row
# dataset flows through features -> linear learner. Every observation must
# get exactly one distinct prediction, equal to River's golden trace step by
# step (the embedded broker shows aborted transactions' records, so a
# prediction may appear twice, but never with another value).
#
# eddy-ingest runs with one produce request in flight: the embedded broker
# (librdkafka 2.0.2's mock cluster) checks the sequence numbers of
# transactional producers only, so when an injected error fails one request
# of the idempotent ingest producer and the next request, already in
# flight, succeeds, librdkafka takes the failed record as written ("implicitly
# acked by subsequent batch success") and it is lost. A real broker refuses
# the second request (OUT_OF_ORDER_SEQUENCE_NUMBER) and nothing is lost. The
# stages' transactional producers are checked by the mock and keep their
# defaults.
set -euo pipefail
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh" chaos
export EDDY_WRAP=""

eddy_start_broker --chaos-interval 2500ms
common=(-X session.timeout.ms=6000 --http 127.0.0.1:0 --batch-size 50)
eddy_start features eddy-features "${common[@]}"
eddy_start learn eddy-learn "${common[@]}" --model linear
"$(eddy_bin eddy-ingest)" --series-id airpassengers --rate 20 \
  -X max.in.flight.requests.per.connection=1 "$root/data/airpassengers-extended.csv" \
  2>"$EDDY_RUN/ingest.log" || fail "eddy-ingest failed under faults"
export CAT GOLDEN
CAT=$(eddy_bin eddy-cat) GOLDEN=$root/tests/golden/airpassengers-extended.csv
n=$("$CAT" --topic observations | wc -l)
[ "$n" -eq 744 ] || fail "the observations topic holds $n of the 744 records eddy-ingest was told were written"
echo "ok: 744 observations ingested through the faults"

deadline=$((SECONDS + 150))
while :; do
  eddy_check_alive || fail "a stage died under faults"
  if python3 - <<'PY'; then break; fi
import csv, json, os, subprocess, sys
out = subprocess.run([os.environ["CAT"], "--topic", "predictions"], capture_output=True,
                     text=True, check=True).stdout
by_seq = {}
for line in out.splitlines():
    r = json.loads(line)
    r.pop("predicted_at")
    by_seq.setdefault(r["seq"], []).append(r)
if len(by_seq) < 744:
    sys.exit(1)
golden = list(csv.DictReader(open(os.environ["GOLDEN"])))
dups = 0
for seq, recs in by_seq.items():
    assert all(r == recs[0] for r in recs), f"seq {seq}: differing duplicates {recs}"
    dups += len(recs) - 1
    g = float(golden[seq]["linear"])
    p = recs[0]["prediction"]
    assert abs(p - g) <= 1e-9 * max(1.0, abs(g)), f"seq {seq}: {p} != River {g}"
assert sorted(by_seq) == list(range(744)), "unexpected seqs"
print(f"ok: 744 distinct predictions equal River's step by step ({dups} visible duplicates of aborted batches)")
PY
  [ "$SECONDS" -lt "$deadline" ] || fail "predictions incomplete after 150 s"
  sleep 1
done
faults=$(grep -c 'msg="chaos:' "$EDDY_RUN/broker.log")
aborts=$(curl -fsS "http://127.0.0.1:$(eddy_http_port learn)/metrics" | awk '/^eddy_stage_transactions_aborted_total/ {print $2}')
echo "ok: $faults faults injected; learner aborted and replayed ${aborts:-0} batches"
eddy_stop_all || fail "a stage did not stop cleanly"
