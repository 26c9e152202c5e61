#!/usr/bin/env bash
# scripts/registry.sh: a development Schema Registry (Confluent REST API) on
# the real broker, for eddy's tests and demos, like scripts/kafka.sh.
#
#   scripts/registry.sh start     start it (unless running), wait until it
#                                 answers; prints its URL as the last line
#   scripts/registry.sh stop      SIGTERM, then SIGKILL after 10 s
#   scripts/registry.sh status    exit 0 + URL if running, else 1
#   scripts/registry.sh url       print the URL
#   scripts/registry.sh logs      print its log
#
# The server is scripts/registry/registry.py (Python standard library only):
# Karapace is not published on PyPI, so it cannot be installed the way the
# broker's jars are. It stores its schemas in the broker's `_schemas` topic
# (through kcat), so ids survive a restart, and checks Avro compatibility
# (BACKWARD by default, like Confluent's and Karapace's). Any real registry
# works the same for eddy: pass its URL as --schema-registry.
#
# Environment:
#   EDDY_REGISTRY_PORT    port on 127.0.0.1 (default 18081)
#   EDDY_REGISTRY_DIR     pid file and log (default <repo>/build/registry)
#   EDDY_BOOTSTRAP        the broker (default: scripts/kafka.sh bootstrap)
#   EDDY_REGISTRY_TOPIC   schemas topic (default _schemas)
set -euo pipefail

SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_ROOT=$(cd "$SCRIPT_DIR/.." && pwd)
PORT=${EDDY_REGISTRY_PORT:-18081}
RDIR=${EDDY_REGISTRY_DIR:-$REPO_ROOT/build/registry}
PIDFILE=$RDIR/registry.pid
LOG=$RDIR/registry.log
URL=http://127.0.0.1:$PORT
TOPIC=${EDDY_REGISTRY_TOPIC:-_schemas}

log() { printf 'registry.sh: %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

registry_pid() {
  local pid
  [[ -f $PIDFILE ]] || return 1
  pid=$(<"$PIDFILE")
  [[ $pid =~ ^[0-9]+$ && -r /proc/$pid/cmdline ]] || return 1
  tr '\0' ' ' <"/proc/$pid/cmdline" | grep -q 'registry\.py' || return 1
  printf '%s\n' "$pid"
}

answers() { curl -fsS -m 2 "$URL/subjects" >/dev/null 2>&1; }

cmd_start() {
  local pid bootstrap
  mkdir -p "$RDIR"
  if pid=$(registry_pid); then
    log "already running (pid $pid)"
  else
    (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null &&
      die "port $PORT is already in use; set EDDY_REGISTRY_PORT"
    command -v kcat >/dev/null || die "kcat not found (scripts/install-deps.sh)"
    bootstrap=${EDDY_BOOTSTRAP:-$("$SCRIPT_DIR/kafka.sh" bootstrap)}
    log "starting on $URL (schemas in topic $TOPIC at $bootstrap)"
    nohup python3 "$SCRIPT_DIR/registry/registry.py" --listen "127.0.0.1:$PORT" \
      --bootstrap "$bootstrap" --topic "$TOPIC" </dev/null >>"$LOG" 2>&1 &
    pid=$!
    printf '%s\n' "$pid" >"$PIDFILE"
  fi
  for _ in $(seq 150); do
    answers && { log "ready (pid $pid)"; printf '%s\n' "$URL"; return 0; }
    kill -0 "$pid" 2>/dev/null || { tail -n 20 "$LOG" >&2; die "the registry exited (log: $LOG)"; }
    sleep 0.2
  done
  die "no answer from $URL after 30 s (log: $LOG)"
}

cmd_stop() {
  local pid
  if pid=$(registry_pid); then
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
    kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null
    log "stopped"
  else
    log "not running"
  fi
  rm -f "$PIDFILE"
}

case ${1:-} in
  start) cmd_start ;;
  stop) cmd_stop ;;
  status) if pid=$(registry_pid); then log "running (pid $pid)"; echo "$URL"; else log "not running"; exit 1; fi ;;
  url) echo "$URL" ;;
  logs) cat "$LOG" ;;
  *) sed -n '2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "$0" >&2; exit 2 ;;
esac
