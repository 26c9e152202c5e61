#!/usr/bin/env bash
# scripts/kafka.sh status|bootstrap|tool use the port the broker was started
# with (recorded in its state directory), not the default 19092 nor what
# EDDY_KAFKA_PORT says later. A stand-in process plays the running broker
# and a stand-in java prints the arguments tool would run Kafka's tool with,
# so no JVM starts (about a second).
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
tmp=$(mktemp -d "${TMPDIR:-/tmp}/eddy-kafka-port.XXXXXX")
fake_pid=
cleanup() { [ -z "$fake_pid" ] || kill "$fake_pid" 2>/dev/null || true; rm -rf "$tmp"; }
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

export EDDY_KAFKA_DIR=$tmp/state EDDY_CACHE_DIR=$tmp/cache JAVA_HOME=$tmp/jdk
mkdir -p "$EDDY_KAFKA_DIR" "$JAVA_HOME/bin" "$EDDY_CACHE_DIR/kafka-4.4.0/libs"
printf '#!/bin/sh\necho "java $*"\n' >"$JAVA_HOME/bin/java"
chmod +x "$JAVA_HOME/bin/java"
echo "4.4.0 $(sha256sum <"$root/scripts/kafka/pom.xml" | cut -d' ' -f1)" \
  >"$EDDY_CACHE_DIR/kafka-4.4.0/libs.stamp"
kafka() { env -u EDDY_KAFKA_PORT EDDY_KAFKA_VERSION=4.4.0 "$root/scripts/kafka.sh" "$@"; }

# The broker was started with EDDY_KAFKA_PORT=19577.
(exec -a kafka.Kafka sleep 60) &
fake_pid=$!
echo "$fake_pid" >"$EDDY_KAFKA_DIR/kafka.pid"
echo 19577 >"$EDDY_KAFKA_DIR/port"

[ "$(kafka bootstrap)" = 127.0.0.1:19577 ] || fail "bootstrap says $(kafka bootstrap)"
[ "$(kafka status 2>/dev/null)" = 127.0.0.1:19577 ] || fail "status says $(kafka status 2>&1)"
out=$(EDDY_KAFKA_PORT=19092 "$root/scripts/kafka.sh" bootstrap 2>"$tmp/err")
[ "$out" = 127.0.0.1:19577 ] || fail "with EDDY_KAFKA_PORT=19092 bootstrap says $out"
grep -q 'started on port 19577; EDDY_KAFKA_PORT=19092 is not used' "$tmp/err" ||
  fail "no note on the ignored EDDY_KAFKA_PORT: $(cat "$tmp/err")"
out=$(kafka tool topics --list)
case $out in *"--bootstrap-server 127.0.0.1:19577 --list"*) ;; *) fail "tool ran: $out" ;; esac
echo "ok: status, bootstrap and tool use the port the broker was started with (19577)"

kill "$fake_pid"
wait "$fake_pid" 2>/dev/null || true
fake_pid=
# Stopped: a start (say the restart in fault_test.sh) reuses the last port.
[ "$(kafka bootstrap)" = 127.0.0.1:19577 ] || fail "stopped, bootstrap says $(kafka bootstrap)"
[ "$(EDDY_KAFKA_PORT=19600 "$root/scripts/kafka.sh" bootstrap)" = 127.0.0.1:19600 ] ||
  fail "with no broker, EDDY_KAFKA_PORT is not used"
kafka status >/dev/null 2>&1 && fail "status succeeds with no broker"
rm "$EDDY_KAFKA_DIR/port" # as stop --wipe does
[ "$(kafka bootstrap)" = 127.0.0.1:19092 ] || fail "wiped, bootstrap says $(kafka bootstrap)"
echo "ok: with no broker running, the last start's port, EDDY_KAFKA_PORT, or 19092 once wiped"
