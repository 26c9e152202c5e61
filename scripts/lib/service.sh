# Shared process handling for the development services that scripts/kafka.sh
# and scripts/apicurio.sh run (a JVM each): locks, liveness, ports, and a
# graceful stop, and the parts of their commands that are alike. Source it
# after defining log() and die() and setting HOST, PIDFILE, LOG,
# START_TIMEOUT and STOP_TIMEOUT.
# shellcheck shell=bash

# find_java: sets JAVA from JAVA_HOME or PATH.
find_java() {
  if [[ -n ${JAVA_HOME:-} && -x $JAVA_HOME/bin/java ]]; then
    JAVA=$JAVA_HOME/bin/java
  elif command -v java >/dev/null 2>&1; then
    JAVA=$(command -v java)
  else
    die "java not found: install a JDK 17+ (e.g. apt-get install -y openjdk-17-jdk-headless)"
  fi
}

# take_lock FD FILE: an exclusive flock on FILE held through descriptor FD.
take_lock() {
  local fd=$1 file=$2
  eval "exec $fd>\"\$file\""
  flock -w 900 "$fd" || die "timed out waiting for the lock $file"
}

release_lock() {
  eval "exec $1>&-"
}

# pid_alive PID: the process exists and is not a zombie.
pid_alive() {
  local state
  state=$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null) || return 1
  [[ -n $state && $state != Z && $state != X ]]
}

# port_open PORT: something accepts connections on $HOST:PORT.
port_open() {
  (exec 3<>"/dev/tcp/$HOST/$1") 2>/dev/null
}

# service_stop WHAT PIDFN: SIGTERM the process PIDFN prints, wait up to
# $STOP_TIMEOUT seconds, then SIGKILL. Logs as WHAT ("the broker").
service_stop() {
  local what=$1 pidfn=$2 pid deadline
  if ! pid=$($pidfn); then
    log "not running"
    return 0
  fi
  log "stopping $what (pid $pid)"
  kill -TERM "$pid" 2>/dev/null || true
  deadline=$((SECONDS + STOP_TIMEOUT))
  while $pidfn >/dev/null; do
    if ((SECONDS >= deadline)); then
      log "still running after ${STOP_TIMEOUT}s: SIGKILL"
      kill -KILL "$pid" 2>/dev/null || true
      deadline=$((SECONDS + 10))
      while $pidfn >/dev/null && ((SECONDS < deadline)); do sleep 0.2; done
      break
    fi
    sleep 0.2
  done
  $pidfn >/dev/null && die "could not stop pid $pid"
  log "stopped"
}

# usage: prints the calling script's header comment (from line 2 up to
# `set -euo pipefail`).
usage() {
  sed -n '2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "$0" >&2
}

# require_numbers VAR...: each variable holds a non-negative integer.
require_numbers() {
  local v
  for v in "$@"; do
    [[ ${!v} =~ ^[0-9]+$ ]] || die "$v must be a number, got '${!v}'"
  done
}

# flag_given CMD FLAG ARGS...: prints 1 when ARGS is FLAG, 0 when ARGS is
# empty; dies on anything else (CMD names the command in the message).
flag_given() {
  local cmd=$1 flag=$2 given=0
  shift 2
  while [[ $# -gt 0 ]]; do
    [[ $1 == "$flag" ]] || die "$cmd: unknown option $1"
    given=1
    shift
  done
  printf '%s\n' "$given"
}

# service_pid MARKER: prints the pid in $PIDFILE and succeeds when that
# process runs with MARKER (a grep pattern) in its command line. A pid file
# whose process is gone, a zombie or some other program counts as not
# running.
service_pid() {
  local pid
  [[ -f $PIDFILE ]] || return 1
  pid=$(<"$PIDFILE") || return 1
  [[ $pid =~ ^[0-9]+$ && -r /proc/$pid/cmdline ]] || return 1
  tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q "$1" || return 1
  printf '%s\n' "$pid"
}

# service_tail_log: the last 40 lines of $LOG since the latest
# "==== <date> starting ..." line, on stderr.
service_tail_log() {
  [[ -f $LOG ]] || return 0
  awk '/^==== .* starting / { n = 0; delete buf } { buf[++n] = $0 }
       END { for (i = (n > 40 ? n - 39 : 1); i <= n; i++) print buf[i] }' "$LOG" >&2
}

# service_await WHAT PID ANSWERSFN [PAUSE]: polls ANSWERSFN every PAUSE
# seconds (0.25) until it succeeds, for at most $START_TIMEOUT seconds. Dies (with the log's tail) when PID exits
# first; on a timeout releases lock 9, stops the service (cmd_stop) and dies.
service_await() {
  local what=$1 pid=$2 answers=$3 pause=${4:-0.25} deadline=$((SECONDS + START_TIMEOUT))
  until $answers; do
    if ! pid_alive "$pid"; then
      service_tail_log || true
      rm -f "$PIDFILE"
      die "$what exited during startup (log: $LOG)"
    fi
    if ((SECONDS >= deadline)); then
      service_tail_log || true
      log "no answer after ${START_TIMEOUT}s; stopping it"
      release_lock 9
      cmd_stop >/dev/null || true
      pid_alive "$pid" && kill -KILL "$pid" 2>/dev/null || true
      die "$what did not answer within ${START_TIMEOUT}s (log: $LOG)"
    fi
    sleep "$pause"
  done
}

# service_cmd_stop WHAT DIR PIDFN WIPEFN [--wipe]: the `stop` command. Under
# lock 9 on DIR: stops the process (service_stop) and removes $PIDFILE; with
# --wipe, WIPEFN deletes the service's files, then DIR goes if empty.
service_cmd_stop() {
  local what=$1 dir=$2 pidfn=$3 wipefn=$4 wipe
  shift 4
  wipe=$(flag_given stop --wipe "$@")
  [[ -d $dir ]] || { log "not running"; return 0; }
  take_lock 9 "$dir/.lock"
  service_stop "$what" "$pidfn"
  rm -f "$PIDFILE"
  if ((wipe)); then
    log "wiping $dir"
    $wipefn
    rm -f "$dir/.lock"
    rmdir "$dir" 2>/dev/null || true
  fi
  release_lock 9 2>/dev/null || true
}
