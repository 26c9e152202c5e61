#!/usr/bin/env bash
# A TLS or SASL mismatch is named as such, not as "no broker there": eddy-cat
# with security.protocol=SSL, then SASL_PLAINTEXT, against the (plaintext)
# embedded broker must say which handshake failed and what to check.
set -euo pipefail
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh" security
eddy_start_broker
cat_with() { "$(eddy_bin eddy-cat)" --topic t "$@" >/dev/null 2>"$EDDY_RUN/cat.err" && return 1; return 0; }

cat_with -X security.protocol=SSL || fail "eddy-cat over TLS to a plaintext listener exited 0"
grep -q 'eddy-cat: the TLS handshake with Kafka at .* failed (.*SSL handshake failed' "$EDDY_RUN/cat.err" ||
  fail "no TLS handshake message: $(tail -n 1 "$EDDY_RUN/cat.err")"
grep -q 'start a broker' "$EDDY_RUN/cat.err" && fail "the TLS failure got the 'start a broker' advice"
ok "TLS: $(tail -n 1 "$EDDY_RUN/cat.err" | cut -c1-160)..."

cat_with -X security.protocol=SASL_PLAINTEXT -X sasl.mechanisms=PLAIN \
  -X sasl.username=u -X sasl.password=p || fail "eddy-cat with SASL to a plaintext listener exited 0"
grep -q 'eddy-cat: SASL authentication with Kafka at .* failed' "$EDDY_RUN/cat.err" ||
  fail "no SASL message: $(tail -n 1 "$EDDY_RUN/cat.err")"
grep -q 'start a broker' "$EDDY_RUN/cat.err" && fail "the SASL failure got the 'start a broker' advice"
ok "SASL: $(tail -n 1 "$EDDY_RUN/cat.err" | cut -c1-160)..."
