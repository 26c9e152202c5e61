# Shared process handling for the development services that scripts/kafka.sh
# and scripts/apicurio.sh run (a JVM each): locks, liveness, ports, and a
# graceful stop. Source it after defining log() and die().
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
