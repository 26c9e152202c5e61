#!/usr/bin/env bash
# Recovery benchmark on the real broker, in the style of the exactly-once
# fault test (tests/integration/fault_test.sh, whose helpers it uses).
#
#   EDDY_BIN=build EDDY_TEST_BOOTSTRAP=127.0.0.1:PORT EDDY_KAFKA_PORT=PORT \
#     EDDY_KAFKA_DIR=build/kafka bench/recovery.sh [SCENARIO...]
#
# A synthetic stream (EDDY_BENCH_SERIES series at EDDY_BENCH_RATE records/s)
# flows through eddy-ingest -> features (1 replica) -> learn (2 replicas of
# one group, stable --transactional-ids) -> out, all exactly-once. A
# read_committed reader (eddy-cat) stamps every output record with its
# arrival time. Scenarios (default: all):
#
#   kill     EDDY_BENCH_KILLS SIGKILLs of a random stage (features, r1, r2),
#            each restarted at once: kill -> victim's /readyz 200 ("ready"),
#            kill -> every output partition has a new committed record
#            ("flow")
#   pause    SIGSTOP of one of the two learners for EDDY_BENCH_PAUSE s, then
#            SIGCONT: stop -> flow, and whether a stage exited
#   restart  graceful broker restart: broker back -> flow
#   brokerkill  broker SIGKILL and restart: broker back -> flow; the groups'
#            state (kafka-consumer-groups --describe --state) every 2 s
#   restore  restore time against state size (EDDY_BENCH_RESTORE_SERIES,
#            default "10000 100000" series in a features stage)
#
# Prints one line per event and a summary (p50/p95/max); exits 1 when a
# stage exited. Results: docs/benchmarks.md, "Recovery".
set -euo pipefail
# shellcheck source=../tests/integration/lib.sh
. "$(dirname "$0")/../tests/integration/lib.sh" recovery
it_need_kafka
kills=${EDDY_BENCH_KILLS:-20}
series=${EDDY_BENCH_SERIES:-200}
rate=${EDDY_BENCH_RATE:-400}
pause=${EDDY_BENCH_PAUSE:-20}
scenarios=${*:-kill pause restart brokerkill}
kdir=${EDDY_KAFKA_DIR:-$root/build/kafka}

s="-rb-$$-$(date +%s)"
obs=obs$s feat=feat$s out=out$s dlq=dlq$s
for t in "$obs" "$feat" "$out"; do
  "$kafka" tool topics --create --topic "$t" --partitions 4 --replication-factor 1 >/dev/null
done
common=(-X session.timeout.ms=6000 --deadletter-topic "$dlq" --http 127.0.0.1:0 ${EDDY_BENCH_ARGS:-})

now() { date +%s.%N; }
secs() { python3 -c "import sys; print(f'{float(sys.argv[2]) - float(sys.argv[1]):.2f}')" "$1" "$2"; }

# The stream: enough records for the whole run.
eddy_start ingest eddy-ingest --topic "$obs" --synthetic-series "$series" \
  --synthetic-count 100000 --rate "$rate"
start_stage() { # NAME
  case "$1" in
    features) eddy_start features eddy-features "${common[@]}" --input "$obs" --output "$feat" \
      --group "features$s" --transactional-id "features$s-0" ;;
    r*) eddy_start "$1" eddy-learn "${common[@]}" --model linear --input "$feat" --output "$out" \
      --group "out$s" --transactional-id "out$s-$1" ;;
  esac
}
stages=(features r1 r2)
for st in "${stages[@]}"; do start_stage "$st"; done
# Every output record's arrival: "<unix time> <partition>".
python3 -u - "$(eddy_bin eddy-cat)" "$out" >"$EDDY_RUN/arrivals" 2>"$EDDY_RUN/cat.log" <<'PY' &
import json, signal, subprocess, sys, time
cat = subprocess.Popen([sys.argv[1], "--topic", sys.argv[2], "--from", "end", "--follow", "--meta"],
                       stdout=subprocess.PIPE, text=True)
signal.signal(signal.SIGTERM, lambda *a: (cat.terminate(), sys.exit(0)))
for line in cat.stdout:
    try:
        p = json.loads(line)["partition"]
    except (ValueError, KeyError):
        continue
    print(f"{time.time():.3f} {p}", flush=True)
PY
echo $! >"$EDDY_RUN/tail.pid"

# ready_at NAME: the time NAME's /readyz first answers 200 (waits up to 120 s).
ready_at() {
  local port
  for _ in $(seq 1200); do
    port=$(sed -n 's/.*msg="serving HTTP" port=\([0-9]*\).*/\1/p' "$EDDY_RUN/$1.log" 2>/dev/null | tail -n1)
    if [ -n "$port" ] && curl -fsS "http://127.0.0.1:$port/readyz" >/dev/null 2>&1; then
      now
      return 0
    fi
    sleep 0.1
  done
  echo never
}

# flow_at T: the time by which every output partition has had a committed
# record arrive after T (waits up to 180 s).
flow_at() {
  python3 - "$EDDY_RUN/arrivals" "$1" <<'PY'
import sys, time
path, t0 = sys.argv[1], float(sys.argv[2])
deadline = time.time() + 180
while time.time() < deadline:
    first = {}
    for line in open(path):
        t, p = line.split()
        if float(t) > t0 and p not in first:
            first[p] = float(t)
    if len(first) == 4:
        print(f"{max(first.values()):.3f}")
        sys.exit(0)
    time.sleep(0.2)
print("never")
PY
}

# Waits until the pipeline is flowing on all 4 partitions and every stage is ready.
settle() {
  local t
  t=$(now)
  for st in "${stages[@]}"; do [ "$(ready_at "$st")" != never ] || fail "$st never ready"; done
  [ "$(flow_at "$t")" != never ] || fail "no output on every partition"
}

results=$EDDY_RUN/results
: >"$results"
record() { echo "$*" | tee -a "$results"; }

# alive: records and restarts (as a supervisor would) every stage that exited.
alive() {
  local st
  for st in "${stages[@]}"; do
    kill -0 "$(cat "$EDDY_RUN/$st.pid")" 2>/dev/null && continue
    record "EXIT: $st exited: $(grep 'level=error' "$EDDY_RUN/$st.log" | tail -n1 | cut -c1-300)"
    exited=1
    start_stage "$st"
  done
}
exited=0

scenario_kill() {
  local k victim t0 tr tf
  for k in $(seq "$kills"); do
    sleep "$(python3 -c 'import random; print(round(random.uniform(1.0, 3.0), 2))')"
    victim=${stages[$((RANDOM % 3))]}
    t0=$(now)
    kill -KILL "$(cat "$EDDY_RUN/$victim.pid")" 2>/dev/null || true
    wait "$(cat "$EDDY_RUN/$victim.pid")" 2>/dev/null || true
    start_stage "$victim"
    tr=$(ready_at "$victim")
    tf=$(flow_at "$t0")
    record "kill $k $victim ready_s=$(secs "$t0" "$tr" 2>/dev/null || echo never) flow_s=$(secs "$t0" "$tf" 2>/dev/null || echo never)"
    alive
  done
}

scenario_pause() {
  local t0 tf victim=r1
  t0=$(now)
  kill -STOP "$(cat "$EDDY_RUN/$victim.pid")"
  tf=$(flow_at "$t0")
  record "pause $victim (SIGSTOP ${pause}s) flow_s=$(secs "$t0" "$tf" 2>/dev/null || echo never) (the other replica took over)"
  sleep "$(python3 -c "print(max(0, $pause - ($(now) - $t0)))")"
  kill -CONT "$(cat "$EDDY_RUN/$victim.pid")"
  t0=$(now)
  sleep 10
  alive
  tf=$(flow_at "$t0")
  record "resume $victim flow_s=$(secs "$t0" "$tf" 2>/dev/null || echo never)"
}

group_states() { # until the file $1 exists: every group's state every 2 s
  while [ ! -e "$1" ]; do
    for g in "features$s" "out$s"; do
      st=$("$kafka" tool consumer-groups --describe --state --group "$g" 2>/dev/null | awk 'NR > 1 && NF {print $(NF-1), $NF}' | tail -n1)
      echo "$(date +%s.%N) $g ${st:-unavailable}"
    done >>"$EDDY_RUN/group-states"
    sleep 2
  done
}

scenario_broker() { # restart|brokerkill
  local t0 tb tf gs
  t0=$(now)
  if [ "$1" = restart ]; then
    "$kafka" stop >/dev/null || fail "broker stop"
  else
    kill -KILL "$(cat "$kdir/kafka.pid")"
    sleep 1
  fi
  "$kafka" start >/dev/null || fail "broker start"
  tb=$(now)
  : >"$EDDY_RUN/group-states"
  rm -f "$EDDY_RUN/states.done"
  group_states "$EDDY_RUN/states.done" &
  gs=$!
  tf=$(flow_at "$tb")
  touch "$EDDY_RUN/states.done"
  wait "$gs"
  record "$1 broker_down_s=$(secs "$t0" "$tb") flow_after_broker_back_s=$(secs "$tb" "$tf" 2>/dev/null || echo never)"
  awk '{printf "  %.1f s %s %s\n", $1 - '"$tb"', $2, $3 " " $4}' "$EDDY_RUN/group-states" | head -n 20
  alive
}

# restore: the restore of a features stage holding N series (each of
# EDDY_BENCH_RESTORE_SERIES), SIGKILLed after processing them and restarted:
# changelog records and bytes read, restore ms (its log line), start -> ready.
scenario_restore() {
  local n t0 tr line g
  for n in ${EDDY_BENCH_RESTORE_SERIES:-10000 100000}; do
    g=restore$s-$n
    "$kafka" tool topics --create --topic "obs-$g" --partitions 4 --replication-factor 1 >/dev/null
    "$(eddy_bin eddy-ingest)" --topic "obs-$g" --synthetic-series "$n" --synthetic-count 3 \
      2>"$EDDY_RUN/ingest-$n.log" || fail "ingest of $n series"
    eddy_start "rs$n" eddy-features "${common[@]}" --input "obs-$g" --output "feat-$g" \
      --group "$g" --transactional-id "$g-0" --max-series $((n * 2)) --exit-idle 5s
    wait "$(cat "$EDDY_RUN/rs$n.pid")" || fail "features over $n series exited non-zero"
    t0=$(now)
    eddy_start "rs$n" eddy-features "${common[@]}" --input "obs-$g" --output "feat-$g" \
      --group "$g" --transactional-id "$g-0" --max-series $((n * 2))
    tr=$(ready_at "rs$n")
    line=$(grep 'msg="state restored' "$EDDY_RUN/rs$n.log" | tail -n1)
    record "restore series=$n start_to_ready_s=$(secs "$t0" "$tr" 2>/dev/null || echo never)" \
      "$(echo "$line" | grep -o 'records=[0-9]* bytes=[0-9]*.*ms=[0-9]*')"
    eddy_stop "rs$n" || true
  done
}

settle
echo "ok: pipeline flowing (rate $rate/s, $series series)"
for sc in $scenarios; do
  case "$sc" in
    restore) scenario_restore ;;
    kill) scenario_kill ;;
    pause) scenario_pause ;;
    restart | brokerkill) scenario_broker "$sc" ;;
    *) fail "unknown scenario $sc" ;;
  esac
  settle
done
kill "$(cat "$EDDY_RUN/tail.pid")" 2>/dev/null || true
rm -f "$EDDY_RUN/tail.pid"
python3 - "$results" <<'PY'
import re, sys
vals = {"ready_s": [], "flow_s": []}
for line in open(sys.argv[1]):
    if line.startswith("kill "):
        for k in vals:
            m = re.search(k + r"=([0-9.]+|never)", line)
            vals[k].append(float("inf") if m.group(1) == "never" else float(m.group(1)))
for k, v in vals.items():
    if not v:
        continue
    v.sort()
    p = lambda q: v[min(len(v) - 1, int(round(q * (len(v) - 1))))]
    print(f"kill summary {k}: n={len(v)} p50={p(0.5):.2f} p95={p(0.95):.2f} max={v[-1]:.2f}")
PY
[ "$exited" = 0 ] || fail "a stage exited"
