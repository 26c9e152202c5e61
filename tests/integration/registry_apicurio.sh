#!/usr/bin/env bash
# registry_test.sh against an independent, real registry implementation:
# Apicurio Registry (its Confluent-compatible API), built from Maven
# Central by scripts/apicurio.sh. Started here unless already running.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
[ -n "${EDDY_TEST_BOOTSTRAP:-}" ] || { echo "EDDY_TEST_BOOTSTRAP is not set"; exit 77; }
started=0
if ! url=$("$root/scripts/apicurio.sh" status 2>/dev/null | tail -n1); then
  url=$("$root/scripts/apicurio.sh" start --mem | tail -n1)
  started=1
fi
trap '[ $started = 1 ] && "$root/scripts/apicurio.sh" stop >/dev/null 2>&1 || true' EXIT
EDDY_TEST_REGISTRY=$url bash "$root/tests/integration/registry_test.sh"
