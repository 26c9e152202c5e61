#!/bin/sh
# The container's HEALTHCHECK: GET /healthz of the eddy stage running as
# PID 1 (EDDY_HEALTHCHECK_PID), at its --http address (or EDDY_HTTP, or the
# stage's default port, which the program itself gives: --describe).
# Programs without HTTP (eddy-ingest, one-shot tools) are healthy while alive.
set -eu
http=""
prog=""
prev=""
# /proc/1/cmdline: NUL-separated argv of PID 1.
for a in $(tr '\0' '\n' <"/proc/${EDDY_HEALTHCHECK_PID:-1}/cmdline" | tr ' ' '\001'); do
  [ -z "$prog" ] && prog=$(basename "$a")
  case "$prev" in --http) http=$a ;; esac
  case "$a" in --http=*) http=${a#--http=} ;; esac
  prev=$a
done
[ -n "$http" ] || http=${EDDY_HTTP:-}
if [ -z "$http" ]; then
  # the program's own default port: its --describe says ("http_port":null
  # for a program without HTTP)
  case "$prog" in eddy-*) ;; *) exit 0 ;; esac
  port=$("$prog" --describe 2>/dev/null | sed -n 's/^{.*"http_port":\([0-9][0-9]*\).*/\1/p')
  [ -n "$port" ] || exit 0
  http=:$port
fi
[ "$http" = off ] && exit 0
port=${http##*:}
exec curl -fsS -o /dev/null --max-time 2 "http://127.0.0.1:$port/healthz"
