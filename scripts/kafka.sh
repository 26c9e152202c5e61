#!/usr/bin/env bash
# scripts/kafka.sh: a throwaway single-node Apache Kafka broker (KRaft,
# broker+controller in one JVM) for eddy's integration tests, demos and CI.
#
#   scripts/kafka.sh start            fetch jars (first time), format, start,
#                                     wait until it answers; prints the
#                                     bootstrap address as the last stdout line
#   scripts/kafka.sh stop [--wipe]    SIGTERM, then SIGKILL after a timeout;
#                                     --wipe also deletes the broker's data
#   scripts/kafka.sh status           exit 0 + address if running, else 1
#   scripts/kafka.sh bootstrap        print the bootstrap address
#   (status, bootstrap and tool use the port the running broker was started
#   with, recorded in the state directory, whatever EDDY_KAFKA_PORT is now;
#   start without EDDY_KAFKA_PORT reuses the ports of the last start there)
#   scripts/kafka.sh tool NAME ARGS   run a Kafka CLI tool from the same jars
#                                     (`tool --list` shows the names)
#   scripts/kafka.sh logs             print the broker's log file
#
# The jars (org.apache.kafka:kafka_2.13 + kafka-tools + a log4j2 backend)
# come from Maven with `mvn dependency:copy-dependencies` on
# scripts/kafka/pom.xml and are cached, per version, in
#   ${EDDY_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/eddy}/kafka-<version>/libs
# Broker state (server.properties, KRaft log dir, pid file, log) lives in
#   ${EDDY_KAFKA_DIR:-<repo>/build/kafka}
#
# Environment:
#   EDDY_KAFKA_VERSION          Kafka version (default 4.4.0)
#   EDDY_KAFKA_PORT             PLAINTEXT port on 127.0.0.1 (default: the last
#                               start's in the state directory, else 19092)
#   EDDY_KAFKA_CONTROLLER_PORT  KRaft controller port (default PORT+1)
#   EDDY_KAFKA_DIR              broker state directory
#   EDDY_CACHE_DIR              jar cache root
#   EDDY_KAFKA_START_TIMEOUT    seconds to wait for the broker (default 90)
#   EDDY_KAFKA_STOP_TIMEOUT     seconds before SIGKILL on stop (default 30)
#   EDDY_KAFKA_HEAP_OPTS        broker heap (default "-Xms512m -Xmx512m")
#   EDDY_KAFKA_LOG_LEVEL        broker/tool log4j2 root level (default WARN)
#   JAVA_HOME                   Java 17+ to use (else `java` on PATH)
set -euo pipefail

SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_ROOT=$(cd "$SCRIPT_DIR/.." && pwd)
KAFKA_ASSETS=$SCRIPT_DIR/kafka

KDIR=${EDDY_KAFKA_DIR:-$REPO_ROOT/build/kafka}
[[ $KDIR == /* ]] || KDIR=$PWD/$KDIR
PORT_FILE=$KDIR/port # "PORT CONTROLLER_PORT" of the last start in KDIR

KAFKA_VERSION=${EDDY_KAFKA_VERSION:-4.4.0}
HOST=127.0.0.1
# Without EDDY_KAFKA_PORT, the ports of the last start in this state
# directory (so stop + start keeps them), else 19092.
RECORDED_PORT= RECORDED_CONTROLLER_PORT=
[[ -f $PORT_FILE ]] && read -r RECORDED_PORT RECORDED_CONTROLLER_PORT <"$PORT_FILE" || true
[[ $RECORDED_PORT =~ ^[0-9]+$ ]] || RECORDED_PORT= RECORDED_CONTROLLER_PORT=
if [[ -n ${EDDY_KAFKA_PORT:-} ]]; then
  PORT=$EDDY_KAFKA_PORT
  CONTROLLER_PORT=${EDDY_KAFKA_CONTROLLER_PORT:-$((PORT + 1))}
else
  PORT=${RECORDED_PORT:-19092}
  CONTROLLER_PORT=${EDDY_KAFKA_CONTROLLER_PORT:-${RECORDED_CONTROLLER_PORT:-$((PORT + 1))}}
fi
BOOTSTRAP=$HOST:$PORT
START_TIMEOUT=${EDDY_KAFKA_START_TIMEOUT:-90}
STOP_TIMEOUT=${EDDY_KAFKA_STOP_TIMEOUT:-30}
LOG_LEVEL=${EDDY_KAFKA_LOG_LEVEL:-WARN}

USER_HOME=${HOME:-$(cd ~ 2>/dev/null && pwd || echo /tmp)}
CACHE_ROOT=${EDDY_CACHE_DIR:-${XDG_CACHE_HOME:-$USER_HOME/.cache}/eddy}
KAFKA_CACHE=$CACHE_ROOT/kafka-$KAFKA_VERSION
LIBS=$KAFKA_CACHE/libs

DATA_DIR=$KDIR/data
PROPS=$KDIR/server.properties
PIDFILE=$KDIR/kafka.pid
LOG=$KDIR/kafka.log

log() { printf 'kafka.sh: %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }
# shellcheck source=lib/service.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib/service.sh"

require_numbers PORT CONTROLLER_PORT START_TIMEOUT STOP_TIMEOUT
[[ $PORT != "$CONTROLLER_PORT" ]] || die "broker and controller ports must differ"

# ---------------------------------------------------------------- helpers

# Locks (flock): fd 8 guards the jar cache, fd 9 the broker state dir.

# Fetch the jars once per (version, pom contents); later calls reuse them.
ensure_libs() {
  local stamp
  stamp="$KAFKA_VERSION $(sha256sum <"$KAFKA_ASSETS/pom.xml" | cut -d' ' -f1)"
  if [[ -d $LIBS && -f $KAFKA_CACHE/libs.stamp && $(<"$KAFKA_CACHE/libs.stamp") == "$stamp" ]]; then
    return 0
  fi
  mkdir -p "$KAFKA_CACHE"
  take_lock 8 "$KAFKA_CACHE/.lock"
  # Another process may have finished the download while we waited.
  if [[ -d $LIBS && -f $KAFKA_CACHE/libs.stamp && $(<"$KAFKA_CACHE/libs.stamp") == "$stamp" ]]; then
    release_lock 8
    return 0
  fi
  command -v mvn >/dev/null 2>&1 || die "mvn not found: install Maven (apt-get install -y maven)"
  log "fetching Apache Kafka $KAFKA_VERSION jars with Maven into $LIBS (first time only)"
  local tmp
  tmp=$(mktemp -d "$KAFKA_CACHE/libs.tmp.XXXXXX")
  if ! mvn -B -q -f "$KAFKA_ASSETS/pom.xml" \
      -Dkafka.version="$KAFKA_VERSION" \
      dependency:copy-dependencies \
      -DoutputDirectory="$tmp" -DincludeScope=runtime \
      </dev/null >"$KAFKA_CACHE/mvn.log" 2>&1; then
    cat "$KAFKA_CACHE/mvn.log" >&2 || true
    rm -rf "$tmp"
    die "mvn dependency:copy-dependencies failed for Kafka $KAFKA_VERSION (log: $KAFKA_CACHE/mvn.log)"
  fi
  [[ -f $tmp/kafka_2.13-$KAFKA_VERSION.jar && -f $tmp/kafka-tools-$KAFKA_VERSION.jar ]] ||
    die "Maven did not deliver kafka_2.13/kafka-tools $KAFKA_VERSION (see $KAFKA_CACHE/mvn.log)"
  rm -rf "$LIBS"
  mv "$tmp" "$LIBS"
  printf '%s\n' "$stamp" >"$KAFKA_CACHE/libs.stamp"
  release_lock 8
  log "cached $(find "$LIBS" -name '*.jar' | wc -l) jars ($(du -sh "$LIBS" | cut -f1))"
}

# Print the broker's pid and succeed if it is running.
broker_pid() {
  service_pid 'kafka\.Kafka'
}

# version_at_least MAJOR.MINOR: is KAFKA_VERSION at least that?
version_at_least() {
  local want_major=${1%%.*} want_minor=${1#*.} major minor rest
  IFS=. read -r major minor rest <<<"$KAFKA_VERSION"
  [[ $major =~ ^[0-9]+$ && ${minor:-0} =~ ^[0-9]+$ ]] || return 1
  ((major > want_major || (major == want_major && ${minor:-0} >= want_minor)))
}

# status, bootstrap and tool talk to the broker of this state directory on
# the port it was started with (recorded by start), not on the default or
# whatever EDDY_KAFKA_PORT says now (a note when that differs).
use_started_port() {
  local p=$RECORDED_PORT
  broker_pid >/dev/null 2>&1 && [[ -n $p ]] || return 0
  if [[ -n ${EDDY_KAFKA_PORT:-} && $EDDY_KAFKA_PORT != "$p" ]]; then
    log "note: the broker in $KDIR was started on port $p; EDDY_KAFKA_PORT=$EDDY_KAFKA_PORT is not used"
  fi
  PORT=$p
  BOOTSTRAP=$HOST:$PORT
}

# Succeeds once the broker answers a metadata request with itself in it.
broker_answers() {
  port_open "$PORT" || return 1
  if command -v kcat >/dev/null 2>&1; then
    kcat -b "$BOOTSTRAP" -L -m 3 2>/dev/null | grep -q "broker 1 at $HOST:$PORT"
  else
    run_java_tool org.apache.kafka.tools.TopicCommand --bootstrap-server "$BOOTSTRAP" \
      --list >/dev/null 2>&1
  fi
}

# Kafka cluster ids are 16 random bytes in unpadded URL-safe base64; like
# Kafka's own Uuid.randomUuid, avoid ids starting with '-'.
new_cluster_id() {
  local id
  while :; do
    id=$(head -c 16 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=\n')
    [[ $id == -* || ${#id} -ne 22 ]] || break
  done
  printf '%s\n' "$id"
}

write_server_properties() {
  cat >"$PROPS.tmp" <<EOF
# Written by scripts/kafka.sh on every start; edits are overwritten.
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@$HOST:$CONTROLLER_PORT
listeners=PLAINTEXT://$HOST:$PORT,CONTROLLER://$HOST:$CONTROLLER_PORT
advertised.listeners=PLAINTEXT://$HOST:$PORT
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
inter.broker.listener.name=PLAINTEXT
controller.listener.names=CONTROLLER
log.dirs=$DATA_DIR

num.partitions=4
default.replication.factor=1
min.insync.replicas=1
auto.create.topics.enable=true
delete.topic.enable=true

offsets.topic.replication.factor=1
offsets.topic.num.partitions=4
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
transaction.state.log.num.partitions=4
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
group.initial.rebalance.delay.ms=0

num.network.threads=2
num.io.threads=4
num.recovery.threads.per.data.dir=1
log.retention.hours=168
log.segment.bytes=134217728
EOF
  mv "$PROPS.tmp" "$PROPS"
}

broker_jvm_opts() {
  # Like kafka-server-start.sh / kafka-run-class.sh, with a smaller heap.
  local heap=${EDDY_KAFKA_HEAP_OPTS:--Xms512m -Xmx512m}
  # shellcheck disable=SC2206 # word splitting of the heap options is intended
  JVM_OPTS=($heap
    -server -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -XX:InitiatingHeapOccupancyPercent=35
    -XX:+ExplicitGCInvokesConcurrent -XX:MaxInlineLevel=15 -Djava.awt.headless=true
    -Dlog4j2.configurationFile="$KAFKA_ASSETS/log4j2-broker.properties"
    -Deddy.kafka.log.level="$LOG_LEVEL"
    -Dkafka.logs.dir="$KDIR"
    -Deddy.kafka.dir="$KDIR")
}

run_java_tool() {
  local cls=$1
  shift
  find_java
  "$JAVA" -Xmx256m -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -Djava.awt.headless=true \
    -Dlog4j2.configurationFile="$KAFKA_ASSETS/log4j2-tools.properties" \
    -Deddy.kafka.log.level="$LOG_LEVEL" \
    -cp "$LIBS/*" "$cls" "$@"
}

# ---------------------------------------------------------------- commands

cmd_start() {
  [[ $# -eq 0 ]] || die "start takes no arguments"
  mkdir -p "$KDIR"
  take_lock 9 "$KDIR/.lock"

  local pid
  if pid=$(broker_pid); then
    use_started_port
    log "already running (pid $pid, $BOOTSTRAP)"
  else
    rm -f "$PIDFILE"
    if port_open "$PORT"; then
      die "port $PORT is already in use by another process; set EDDY_KAFKA_PORT"
    fi
    if port_open "$CONTROLLER_PORT"; then
      die "controller port $CONTROLLER_PORT is already in use; set EDDY_KAFKA_CONTROLLER_PORT"
    fi
    find_java
    ensure_libs
    mkdir -p "$DATA_DIR"
    write_server_properties

    if [[ ! -f $DATA_DIR/meta.properties ]]; then
      local cluster_id
      cluster_id=$(new_cluster_id)
      log "formatting KRaft storage in $DATA_DIR (cluster id $cluster_id)"
      if ! run_java_tool kafka.tools.StorageTool format -t "$cluster_id" -c "$PROPS" \
          </dev/null >>"$LOG" 2>&1; then
        service_tail_log || true
        die "formatting the storage failed (log: $LOG)"
      fi
    fi

    broker_jvm_opts
    log "starting Kafka $KAFKA_VERSION on $BOOTSTRAP (controller $HOST:$CONTROLLER_PORT, state $KDIR)"
    printf '\n==== %s starting Kafka %s\n' "$(date '+%F %T')" "$KAFKA_VERSION" >>"$LOG"
    # The broker must not inherit the lock fd, or it would hold the lock.
    nohup "$JAVA" "${JVM_OPTS[@]}" -cp "$LIBS/*" kafka.Kafka "$PROPS" \
      </dev/null >>"$LOG" 2>&1 9>&- &
    pid=$!
    printf '%s\n' "$pid" >"$PIDFILE"
    printf '%s %s\n' "$PORT" "$CONTROLLER_PORT" >"$PORT_FILE"
  fi

  service_await "the broker" "$pid" broker_answers 0.5
  release_lock 9
  log "ready (pid $pid)"
  printf '%s\n' "$BOOTSTRAP"
}

# Only what this script created, so a mistaken EDDY_KAFKA_DIR loses nothing else.
wipe_broker() {
  rm -rf "$DATA_DIR" "$KDIR/logs" "$PROPS" "$PROPS.tmp" "$LOG" "$PORT_FILE"
}

cmd_stop() {
  service_cmd_stop "the broker" "$KDIR" broker_pid wipe_broker "$@"
}

cmd_status() {
  local pid
  if pid=$(broker_pid); then
    log "running (pid $pid, state $KDIR)"
    printf '%s\n' "$BOOTSTRAP"
  else
    log "not running"
    return 1
  fi
}

# name -> main class; names marked '+' get --bootstrap-server added when the
# arguments carry neither it nor --bootstrap-controller nor --help/--version.
TOOLS=(
  "console-consumer+ org.apache.kafka.tools.consumer.ConsoleConsumer"
  "console-producer+ org.apache.kafka.tools.ConsoleProducer"
  "console-share-consumer+ org.apache.kafka.tools.consumer.ConsoleShareConsumer"
  "topics+ org.apache.kafka.tools.TopicCommand"
  "consumer-groups+ org.apache.kafka.tools.consumer.group.ConsumerGroupCommand"
  "share-groups+ org.apache.kafka.tools.consumer.group.ShareGroupCommand"
  "streams-groups+ org.apache.kafka.tools.streams.StreamsGroupCommand"
  "groups+ org.apache.kafka.tools.GroupsCommand"
  "get-offsets+ org.apache.kafka.tools.GetOffsetShell"
  "configs+ org.apache.kafka.tools.ConfigCommand"
  "transactions+ org.apache.kafka.tools.TransactionsCommand"
  "delete-records+ org.apache.kafka.tools.DeleteRecordsCommand"
  "log-dirs+ org.apache.kafka.tools.LogDirsCommand"
  "metadata-quorum+ org.apache.kafka.tools.MetadataQuorumCommand"
  "features+ org.apache.kafka.tools.FeatureCommand"
  "broker-api-versions+ org.apache.kafka.tools.BrokerApiVersionsCommand"
  "producer-perf-test org.apache.kafka.tools.ProducerPerformance"
  "consumer-perf-test+ org.apache.kafka.tools.ConsumerPerformance"
  "dump-log org.apache.kafka.tools.DumpLogSegments"
  "storage kafka.tools.StorageTool"
)

cmd_tool() {
  [[ $# -ge 1 ]] || die "usage: kafka.sh tool NAME [ARGS...]  (kafka.sh tool --list)"
  local name=$1 entry cls= add_bs=0
  shift
  if [[ $name == --list || $name == list ]]; then
    for entry in "${TOOLS[@]}"; do
      local key=${entry%% *}
      printf '%-24s %s\n' "${key%+}" "${entry#* }"
    done
    return 0
  fi
  for entry in "${TOOLS[@]}"; do
    local key=${entry%% *}
    if [[ ${key%+} == "$name" ]]; then
      cls=${entry#* }
      [[ $key == *+ ]] && add_bs=1
      break
    fi
  done
  if [[ -z $cls ]]; then
    # A fully qualified class name runs as is.
    [[ $name == *.* ]] || die "unknown tool '$name' (kafka.sh tool --list)"
    cls=$name
  fi
  local args=("$@") a
  if ((add_bs)); then
    for a in "${args[@]}"; do
      case $a in
        --bootstrap-server* | --bootstrap-controller* | --help | -h | --version) add_bs=0 ;;
      esac
    done
    # In front: argparse4j tools (transactions, features...) want it before the subcommand.
    ((add_bs)) && args=(--bootstrap-server "$BOOTSTRAP" "${args[@]}")
  fi
  # Kafka >= 4.2 (KIP-1147) renamed the console tools' --property and
  # --consumer-/--producer-property options and prints a deprecation notice
  # on stdout for the old names; use the new names so stdout stays clean.
  if version_at_least 4.2 && [[ $name == console-consumer || $name == console-producer ]]; then
    local new_prop=--formatter-property i
    [[ $name == console-producer ]] && new_prop=--reader-property
    for i in "${!args[@]}"; do
      case ${args[i]} in
        --property) args[i]=$new_prop ;;
        --property=*) args[i]=$new_prop=${args[i]#*=} ;;
        --consumer-property | --producer-property) args[i]=--command-property ;;
        --consumer-property=* | --producer-property=*) args[i]=--command-property=${args[i]#*=} ;;
      esac
    done
  fi
  ensure_libs
  find_java
  local jit=(-XX:TieredStopAtLevel=1)
  [[ $name == *perf-test ]] && jit=()
  exec "$JAVA" -Xmx512m -XX:+UseSerialGC "${jit[@]}" -Djava.awt.headless=true \
    -Dlog4j2.configurationFile="$KAFKA_ASSETS/log4j2-tools.properties" \
    -Deddy.kafka.log.level="$LOG_LEVEL" \
    -cp "$LIBS/*" "$cls" "${args[@]}"
}

main() {
  local cmd=${1:-}
  [[ $# -gt 0 ]] && shift
  case $cmd in
    start) cmd_start "$@" ;;
    stop) cmd_stop "$@" ;;
    status) use_started_port; cmd_status ;;
    bootstrap) use_started_port; printf '%s\n' "$BOOTSTRAP" ;;
    tool) use_started_port; cmd_tool "$@" ;;
    logs) cat "$LOG" ;;
    fetch) ensure_libs ;;
    -h | --help | help) usage ;;
    *) usage; exit 2 ;;
  esac
}

main "$@"
