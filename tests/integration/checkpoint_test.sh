#!/usr/bin/env bash
# Checkpoints on the real broker ($EDDY_TEST_BOOTSTRAP), with eddy-features:
#   1. a group checkpointing rarely (--checkpoint-records 1000, interval 1h:
#      a series' snapshot on its first batch only) processes part 1 of the
#      input and stops; restarted after part 2 arrived, it restores the old
#      snapshots, replays part 1 with outputs suppressed (replayed=, applied=
#      in its log) and goes on: its read_committed output equals a reference
#      group's that wrote a snapshot every batch (--checkpoint-records 1),
#      record for record, with no record twice;
#   2. retention then deletes input the snapshots still lack: a restart
#      refuses (exit 75) naming the topic, partition, offsets and the fix.
set -euo pipefail
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh" checkpoint
it_need_kafka
export EDDY_WRAP=""
s="-ck-$$-$(date +%s)"
obs=obs$s ref=ref$s out=out$s dlq=dlq$s
"$kafka" tool topics --create --topic "$obs" --partitions 2 --replication-factor 1 >/dev/null
common=(-X session.timeout.ms=6000 -X heartbeat.interval.ms=500 --deadletter-topic "$dlq"
  --http 127.0.0.1:0 --input "$obs" --exit-idle 3s)
rare=(--checkpoint-records 1000 --checkpoint-interval 1h --batch-size 10)

# part FIRST LAST: CSV rows unique_id,ds,y of 6 series, months FIRST..LAST.
part() {
  python3 - "$1" "$2" <<'PY'
import math, sys
first, last = int(sys.argv[1]), int(sys.argv[2])
print("unique_id,ds,y")
for m in range(first, last + 1):
    for k in range(6):
        print(f"s{k},{2000 + m // 12}-{m % 12 + 1:02d},{100 + k * 10 + 20 * math.sin(m / 2 + k):.3f}")
PY
}
ingest() { "$(eddy_bin eddy-ingest)" --topic "$obs" --deadletter-topic "$dlq" "$1" 2>>"$EDDY_RUN/ingest.log"; }
# run NAME ARGS...: one eddy-features run to its idle exit; its exit code.
run() {
  local name=$1 rc=0
  shift
  "$(eddy_bin eddy-features)" "${common[@]}" "$@" 2>"$EDDY_RUN/$name.log" || rc=$?
  return $rc
}
part 0 29 >"$EDDY_RUN/part1.csv"
part 30 44 >"$EDDY_RUN/part2.csv"

ingest "$EDDY_RUN/part1.csv" || fail "ingest part 1"
run b1 --output "$out" --group "out$s" "${rare[@]}" || fail "first run exited non-zero"
ingest "$EDDY_RUN/part2.csv" || fail "ingest part 2"
run b2 --output "$out" --group "out$s" "${rare[@]}" || fail "second run exited non-zero"
line=$(grep 'state restored from the changelog' "$EDDY_RUN/b2.log" | tail -1)
echo "$line" | grep -q 'replayed=[1-9]' || fail "no replay: $line"
echo "$line" | grep -q 'applied=[1-9]' || fail "the replay applied nothing: $line"
ok "restart replayed the input since the snapshots: ${line#*records=}"
run ref --output "$ref" --group "ref$s" --checkpoint-records 1 || fail "reference exited non-zero"

CAT=$(eddy_bin eddy-cat) python3 - "$ref" "$out" $((6 * 45)) <<'PY' || fail "outputs differ"
import json, os, subprocess, sys
def load(topic):
    out = subprocess.run([os.environ["CAT"], "--topic", topic], capture_output=True,
                         text=True, check=True).stdout
    recs = {}
    for line in out.splitlines():
        r = json.loads(line)
        recs.setdefault((r["series_id"], r["seq"]), []).append(r)
    return recs
a, b, want = load(sys.argv[1]), load(sys.argv[2]), int(sys.argv[3])
n = sum(len(v) for v in b.values())
assert sum(len(v) for v in a.values()) == want, f"reference: not {want} records"
assert not [k for k, v in b.items() if len(v) > 1], "a record twice"
assert a == b, f"{len([k for k in a if a[k] != b.get(k)])} records differ"
print(f"ok: {n} read_committed feature vectors equal the reference's")
PY

# 2. Retention deletes what the snapshots of partition 0 still lack.
end=$("$kafka" tool get-offsets --topic "$obs" --partitions 0 --time -1 | cut -d: -f3)
printf '{"partitions":[{"topic":"%s","partition":0,"offset":%s}],"version":1}\n' "$obs" "$end" \
  >"$EDDY_RUN/delete.json"
"$kafka" tool delete-records --offset-json-file "$EDDY_RUN/delete.json" >/dev/null ||
  fail "delete-records"
rc=0
run b3 --output "$out" --group "out$s" "${rare[@]}" || rc=$?
[ "$rc" = 75 ] || fail "restart after deleted input: exit $rc, expected 75"
grep -q "the state of $obs partition 0 needs the input from offset [0-9]* up to the committed offset $end .*retention deleted it: the topic now starts at offset $end.*retention.ms" \
  "$EDDY_RUN/b3.log" || fail "no clear refusal in the log"
ok "input deleted by retention: refused with exit 75 and the fix"
