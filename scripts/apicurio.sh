#!/usr/bin/env bash
# scripts/apicurio.sh: a real Schema Registry, Apicurio Registry, with its
# Confluent-compatible API, for eddy's tests and demos, like scripts/kafka.sh.
#
#   scripts/apicurio.sh start [--mem]   build it (first time), start it unless
#                                       running, wait until it answers; prints
#                                       the Confluent-compatible URL last
#   scripts/apicurio.sh stop [--wipe]   SIGTERM, then SIGKILL after a timeout;
#                                       --wipe also deletes its schemas
#   scripts/apicurio.sh status          exit 0 + URL if running, else 1
#   scripts/apicurio.sh url             print the URL (pass it to eddy as
#                                       --schema-registry)
#   scripts/apicurio.sh logs            print its log
#
# The URL is http://127.0.0.1:PORT/apis/ccompat/v7 (Confluent's REST API:
# /subjects, /schemas/ids/N, /config, /compatibility; /apis/ccompat/v6 too).
#
# Apicurio Registry 2.4.2.Final is built from its jars on Maven Central
# (scripts/apicurio/pom.xml, plus scripts/apicurio/config-index-deployment,
# a stand-in for one build-time module that Maven Central lacks) with a
# private Maven repository, and the result (a Quarkus runner jar and lib/)
# is cached in
#   ${EDDY_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/eddy}/apicurio-2.4.2.Final
# Its schemas live in an H2 database file under
#   ${EDDY_APICURIO_DIR:-<repo>/build/apicurio}/data
# (kept across restarts until `stop --wipe`; `start --mem` keeps them in
# memory only). Maven Central has no KafkaSQL storage for this version, so
# it does not use the broker.
#
# Differences from Confluent's registry that a client may see: the first
# start on a database sets the global compatibility level to BACKWARD
# through PUT /config (Apicurio's own default is NONE); ids are Apicurio content ids, from 1, shared by subjects with the
# same schema; a refused incompatible schema is HTTP 409 with error_code 0
# (Confluent: 409); an unparsable schema is HTTP 422 with error_code 42201.
#
# Environment:
#   EDDY_APICURIO_PORT           port on 127.0.0.1 (default 18082)
#   EDDY_APICURIO_DIR            data, pid file and log
#   EDDY_APICURIO_COMPATIBILITY  global compatibility set on a new database
#                                (default BACKWARD)
#   EDDY_APICURIO_START_TIMEOUT  seconds to wait for it (default 120)
#   EDDY_APICURIO_STOP_TIMEOUT   seconds before SIGKILL on stop (default 20)
#   EDDY_APICURIO_HEAP_OPTS      heap (default "-Xms64m -Xmx384m")
#   EDDY_CACHE_DIR               build cache root
#   JAVA_HOME                    Java 17+ to use (else `java` on PATH; the
#                                build was tried on 17, the runtime on 17 and 25)
set -euo pipefail

SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_ROOT=$(cd "$SCRIPT_DIR/.." && pwd)
ASSETS=$SCRIPT_DIR/apicurio

# Tied to the Quarkus version and the stand-in module in scripts/apicurio.
APICURIO_VERSION=2.4.2.Final
HOST=127.0.0.1
PORT=${EDDY_APICURIO_PORT:-18082}
URL=http://$HOST:$PORT/apis/ccompat/v7
COMPATIBILITY=${EDDY_APICURIO_COMPATIBILITY:-BACKWARD}
START_TIMEOUT=${EDDY_APICURIO_START_TIMEOUT:-120}
STOP_TIMEOUT=${EDDY_APICURIO_STOP_TIMEOUT:-20}

USER_HOME=${HOME:-$(cd ~ 2>/dev/null && pwd || echo /tmp)}
CACHE_ROOT=${EDDY_CACHE_DIR:-${XDG_CACHE_HOME:-$USER_HOME/.cache}/eddy}
CACHE=$CACHE_ROOT/apicurio-$APICURIO_VERSION
APP=$CACHE/app
RUNNER=$APP/eddy-apicurio-runtime-0-runner.jar

ADIR=${EDDY_APICURIO_DIR:-$REPO_ROOT/build/apicurio}
[[ $ADIR == /* ]] || ADIR=$PWD/$ADIR
DATA_DIR=$ADIR/data
PIDFILE=$ADIR/apicurio.pid
LOG=$ADIR/apicurio.log

log() { printf 'apicurio.sh: %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }
# shellcheck source=lib/service.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib/service.sh"

require_numbers PORT START_TIMEOUT STOP_TIMEOUT
case $COMPATIBILITY in
  NONE | BACKWARD | BACKWARD_TRANSITIVE | FORWARD | FORWARD_TRANSITIVE | FULL | FULL_TRANSITIVE) ;;
  *) die "EDDY_APICURIO_COMPATIBILITY: unknown level '$COMPATIBILITY'" ;;
esac

# ---------------------------------------------------------------- helpers

build_stamp() {
  {
    printf '%s\n' "$APICURIO_VERSION"
    (cd "$ASSETS" && find . -type f \( -name pom.xml -o -name '*.java' \) | LC_ALL=C sort |
      xargs sha256sum)
  } | sha256sum | cut -d' ' -f1
}

app_cached() {
  [[ -f $RUNNER && -d $APP/lib && -f $CACHE/app.stamp && $(<"$CACHE/app.stamp") == "$1" ]]
}

# Build the registry once per (version, build files); later calls reuse it.
ensure_app() {
  local stamp
  stamp=$(build_stamp)
  app_cached "$stamp" && return 0
  mkdir -p "$CACHE"
  take_lock 8 "$CACHE/.lock"
  if app_cached "$stamp"; then
    release_lock 8
    return 0
  fi
  command -v mvn >/dev/null 2>&1 || die "mvn not found: install Maven (apt-get install -y maven)"
  log "building Apicurio Registry $APICURIO_VERSION with Maven into $APP (first time only)"
  local t0=$SECONDS src=$CACHE/build m2=$CACHE/m2 mlog=$CACHE/mvn.log
  rm -rf "$src"
  mkdir -p "$src"
  cp -R "$ASSETS/." "$src/"
  # A private local repository: the stand-in module gets io.apicurio
  # coordinates, which must not leak into the user's ~/.m2.
  local mvn=(mvn -B -Dmaven.repo.local="$m2" -Dstyle.color=never)
  if ! { "${mvn[@]}" -f "$src/config-index-deployment/pom.xml" install -DskipTests &&
         "${mvn[@]}" -f "$src/pom.xml" package -DskipTests; } </dev/null >"$mlog" 2>&1; then
    grep -E '^\[(ERROR|WARNING)\]' "$mlog" | tail -30 >&2 || true
    release_lock 8
    die "the Maven build failed (log: $mlog)"
  fi
  [[ -f $src/target/eddy-apicurio-runtime-0-runner.jar && -d $src/target/lib ]] ||
    { release_lock 8; die "Maven did not produce the runner jar (log: $mlog)"; }
  rm -rf "$APP" "$APP.tmp"
  mkdir -p "$APP.tmp"
  mv "$src/target/eddy-apicurio-runtime-0-runner.jar" "$src/target/lib" "$APP.tmp/"
  mv "$APP.tmp" "$APP"
  printf '%s\n' "$stamp" >"$CACHE/app.stamp"
  # The runner jar and lib/ are all that is run; the build inputs can go.
  rm -rf "$src" "$m2"
  release_lock 8
  log "built in $((SECONDS - t0))s ($(du -sh "$APP" | cut -f1))"
}

# Print the registry's pid and succeed if it is running.
app_pid() {
  service_pid 'eddy-apicurio-runtime'
}

answers() {
  curl -sf -o /dev/null --max-time 2 "$URL/subjects"
}

# ---------------------------------------------------------------- commands

cmd_start() {
  local mem
  mem=$(flag_given start --mem "$@")
  command -v curl >/dev/null 2>&1 || die "curl not found (apt-get install -y curl)"
  mkdir -p "$ADIR"
  take_lock 9 "$ADIR/.lock"

  local pid t0=$SECONDS fresh=0
  if pid=$(app_pid); then
    log "already running (pid $pid)"
  else
    rm -f "$PIDFILE"
    port_open "$PORT" && die "port $PORT is already in use by another process; set EDDY_APICURIO_PORT"
    find_java
    ensure_app
    local db=jdbc:h2:mem:registry_db
    if ((!mem)); then
      mkdir -p "$DATA_DIR"
      db="jdbc:h2:file:$DATA_DIR/registry_db"
    fi
    local heap=${EDDY_APICURIO_HEAP_OPTS:--Xms64m -Xmx384m}
    local -a opts
    # shellcheck disable=SC2206 # word splitting of the heap options is intended
    opts=($heap -XX:+UseSerialGC -Djava.awt.headless=true
      -Deddy.apicurio.dir="$ADIR"
      -Dquarkus.http.host="$HOST" -Dquarkus.http.port="$PORT"
      -Dquarkus.datasource.jdbc.url="$db"
      -Dquarkus.datasource.jdbc.min-size=2 -Dquarkus.datasource.jdbc.initial-size=2
      -Dquarkus.datasource.jdbc.max-size=20
      -Dquarkus.log.console.color=false)
    log "starting Apicurio Registry $APICURIO_VERSION on $URL (state $ADIR$( ((mem)) && echo ', in memory'))"
    printf '\n==== %s starting Apicurio Registry %s\n' "$(date '+%F %T')" "$APICURIO_VERSION" >>"$LOG"
    (cd "$ADIR" && exec nohup "$JAVA" "${opts[@]}" -jar "$RUNNER" </dev/null >>"$LOG" 2>&1 9>&-) &
    pid=$!
    printf '%s\n' "$pid" >"$PIDFILE"
    fresh=1
  fi

  service_await "the registry" "$pid" answers
  # Confluent's default global level is BACKWARD, Apicurio's NONE: set it
  # through the API (so that GET /config shows it) once per database; a
  # level set later by a client is kept across restarts.
  if ((fresh)) && [[ ! -f $DATA_DIR/global-config.set || $mem == 1 ]]; then
    curl -sf -o /dev/null --max-time 10 -X PUT \
      -H 'Content-Type: application/vnd.schemaregistry.v1+json' \
      -d "{\"compatibility\":\"$COMPATIBILITY\"}" "$URL/config" ||
      die "could not set the global compatibility to $COMPATIBILITY"
    ((mem)) || touch "$DATA_DIR/global-config.set"
  fi
  release_lock 9
  log "ready (pid $pid, $((SECONDS - t0))s)"
  printf '%s\n' "$URL"
}

wipe_registry() {
  rm -rf "$DATA_DIR" "$LOG"
}

cmd_stop() {
  service_cmd_stop "the registry" "$ADIR" app_pid wipe_registry "$@"
}

cmd_status() {
  local pid
  if pid=$(app_pid) && answers; then
    log "running (pid $pid, state $ADIR)"
    printf '%s\n' "$URL"
  elif pid=$(app_pid); then
    log "process $pid is up but $URL does not answer"
    return 1
  else
    log "not running"
    return 1
  fi
}

case ${1:-} in
  start) shift; cmd_start "$@" ;;
  stop) shift; cmd_stop "$@" ;;
  status) shift; cmd_status ;;
  url) printf '%s\n' "$URL" ;;
  logs) [[ -f $LOG ]] && cat "$LOG" ;;
  -h | --help | help) usage ;;
  *) usage; exit 2 ;;
esac
