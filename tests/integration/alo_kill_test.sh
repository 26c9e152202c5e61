#!/usr/bin/env bash
# At-least-once under SIGKILL, on the real broker ($EDDY_TEST_BOOTSTRAP).
#
# eddy-features --no-exactly-once commits a batch's offsets only once every
# output produced before is delivered (asynchronously, not per batch). Here
# it is killed with SIGKILL at EDDY_ALO_KILLS random points while
# observations stream in, and restarted each time; once the input is done it
# runs to the end. Every observation must have at least one feature vector
# in the output (duplicates are allowed: at-least-once); an offset
# committed before its outputs were delivered loses them and fails this.
set -euo pipefail
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh" alo-kill
it_need_kafka
export EDDY_WRAP=""
kills=${EDDY_ALO_KILLS:-8}
series=${EDDY_ALO_SERIES:-40}
count=${EDDY_ALO_COUNT:-200}

s="-ak-$$-$(date +%s)"
obs=obs$s feat=feat$s dlq=dlq$s
"$kafka" tool topics --create --topic "$obs" --partitions 4 --replication-factor 1 >/dev/null
common=(--no-exactly-once --deadletter-topic "$dlq" --http 127.0.0.1:0 --input "$obs"
  --output "$feat" --group "features$s")

# The input streams in over about 4 s while the stage is killed.
"$(eddy_bin eddy-ingest)" --topic "$obs" --synthetic-series "$series" \
  --synthetic-count "$count" --rate $((series * count / 4)) \
  2>"$EDDY_RUN/ingest.log" &
ingest=$!
eddy_start features eddy-features "${common[@]}"
kill_features() {
  kill -KILL "$(cat "$EDDY_RUN/features.pid")" 2>/dev/null || true
  wait "$(cat "$EDDY_RUN/features.pid")" 2>/dev/null || true
  echo "fault $1: killed with SIGKILL"
}
for k in $(seq "$kills"); do
  sleep "$(python3 -c 'import random; print(round(random.uniform(0.2, 0.7), 2))')"
  kill_features "$k"
  eddy_start features eddy-features "${common[@]}"
done
wait "$ingest" || fail "ingest"
sleep 0.5
kill_features last
eddy_start features eddy-features "${common[@]}"
# Done when the group has committed the end of every input partition.
it_wait_group_done "features$s" "$obs" 4 0 60
eddy_stop features || fail "features did not stop cleanly"

export CAT; CAT=$(eddy_bin eddy-cat)
python3 - "$obs" "$feat" "$((series * count))" <<'PY' || fail "outputs lost"
import json, os, subprocess, sys
def keys(topic):
    out = subprocess.run([os.environ["CAT"], "--topic", topic], capture_output=True,
                         text=True, check=True).stdout
    return [(r["series_id"], r["seq"]) for r in map(json.loads, out.splitlines())]
inp, outp, want = keys(sys.argv[1]), keys(sys.argv[2]), int(sys.argv[3])
assert len(inp) == want, f"{len(inp)} observations, expected {want}"
missing = set(inp) - set(outp)
assert not missing, f"{len(missing)} observations have no output, e.g. {sorted(missing)[:3]}"
print(f"ok: all {want} observations have an output ({len(outp)} outputs, "
      f"{len(outp) - len(set(outp))} repeated after kills)")
PY
ok "at-least-once kept every output through $kills SIGKILLs"
