#!/usr/bin/env bash
# Fails when an #include goes against the layering (docs/architecture.md):
#
#   lib/util      -> libc and util only
#   lib/codec     -> util, codec (and avro-c, jansson)
#   lib/runtime   -> util, codec, runtime (and librdkafka, libmicrohttpd, curl)
#   models/       -> util and models only: pure learners, no codec, no Kafka
#   stages        -> anything in lib/, but never librdkafka itself: Kafka is
#                    the runtime's business (producers/ processors/ sinks/)
#
# Also fails when a lib/ header is included without its layer prefix
# ("buf.h" instead of "util/buf.h"), which would hide the direction.
set -uo pipefail
root=${1:-$(cd "$(dirname "$0")/../.." && pwd)}
cd "$root"
bad=0

# violation FILE:LINE:TEXT WHY
violation() {
  echo "layering: $1: $2" >&2
  bad=$((bad + 1))
}

# check DIR ALLOWED-LAYERS FORBID-RDKAFKA
check() {
  local dir=$1 allowed=$2 no_rdkafka=$3 hit file inc layer
  while IFS= read -r hit; do
    file=${hit%%:*}
    inc=$(sed -E 's/.*#include[[:space:]]*[<"]([^>"]+)[>"].*/\1/' <<<"$hit")
    if [[ $no_rdkafka = 1 && $inc == librdkafka/* ]]; then
      violation "$hit" "$dir must not include librdkafka (use lib/runtime)"
      continue
    fi
    [[ $hit == *'#include "'* ]] || continue
    layer=${inc%%/*}
    case $layer in
    util | codec | runtime)
      [[ " $allowed " == *" $layer "* ]] ||
        violation "$hit" "$dir may include only: $allowed"
      ;;
    *)
      # A lib/ header named without its layer.
      for l in util codec runtime; do
        [ -f "lib/$l/$inc" ] && [ ! -f "$(dirname "$file")/$inc" ] &&
          violation "$hit" "include lib headers as \"$l/$inc\""
      done
      ;;
    esac
  done < <(grep -rHn --include='*.c' --include='*.h' --include='*.in' -E '^[[:space:]]*#[[:space:]]*include' "$dir")
}

check lib/util "util" 1
check lib/codec "util codec" 1
check lib/runtime "util codec runtime" 0
check models "util" 1
for stage in producers processors sinks; do
  check "$stage" "util codec runtime" 1
done

if [ $bad -gt 0 ]; then
  echo "layering: $bad include(s) against the layers (see docs/architecture.md)" >&2
  exit 1
fi
echo "layering: ok (lib/util <- lib/codec <- lib/runtime; models on util; stages without librdkafka)"
