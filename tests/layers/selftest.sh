#!/usr/bin/env bash
# The layering check must catch each kind of violation: a copy of lib/ with
# one bad include at a time has to fail it.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/../.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fails=0
try() { # name file line
  rm -rf "$tmp/t" && mkdir -p "$tmp/t"
  cp -r "$src/lib" "$src/models" "$src/producers" "$src/processors" "$src/sinks" "$tmp/t/"
  echo "$3" >>"$tmp/t/$2"
  if "$here/check-layers.sh" "$tmp/t" 2>/dev/null >/dev/null; then
    echo "selftest: '$1' was not caught ($2: $3)" >&2
    fails=$((fails + 1))
  fi
}
try "util includes runtime" lib/util/buf.c '#include "runtime/loop.h"'
try "codec includes runtime" lib/codec/codec.c '#include "runtime/kafka.h"'
try "util includes librdkafka" lib/util/log.c '#include <librdkafka/rdkafka.h>'
try "model includes codec" models/linear.c '#include "codec/records.h"'
try "stage includes librdkafka" processors/learn/main.c '#include <librdkafka/rdkafka.h>'
try "lib header without its layer" processors/learn/main.c '#include "buf.h"'
"$here/check-layers.sh" "$src" >/dev/null
[ $fails = 0 ] && echo "selftest: every kind of violation caught"
exit $fails
