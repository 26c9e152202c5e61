#!/usr/bin/env bash
# Installs what is missing, builds, and runs every test tier:
#   unit    cmocka unit tests (no broker)
#   broker  the real programs on the embedded broker
#   kafka   the real programs on a real Apache Kafka, started here
# then validates the deployment files, runs the fuzzers for a bounded time,
# checks formatting and runs the whole suite again under AddressSanitizer +
# UndefinedBehaviorSanitizer.
#
# EDDY_TEST_SANITIZE=0 skips the sanitizer pass; EDDY_TEST_BOOTSTRAP=host:port
# uses your Kafka instead of starting one.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
t0=$(date +%s)

scripts/install-deps.sh
scripts/check-tools.sh # every tool of the run, before it starts
scripts/check-format.sh

started_kafka=0
cleanup() { [ $started_kafka = 1 ] && scripts/kafka.sh stop >/dev/null 2>&1 || true; }
trap cleanup EXIT
if [ -z "${EDDY_TEST_BOOTSTRAP:-}" ]; then
  echo "== starting a real Kafka broker (scripts/kafka.sh)"
  # A broker that was already running is someone else's: leave it running.
  scripts/kafka.sh status >/dev/null 2>&1 || started_kafka=1
  EDDY_TEST_BOOTSTRAP=$(scripts/kafka.sh start | tail -n1)
fi
export EDDY_TEST_BOOTSTRAP
echo "== real Kafka at $EDDY_TEST_BOOTSTRAP"

run_suite() { # build-dir cmake-args...
  local dir=$1
  shift
  echo "== build $dir $*"
  EDDY_BUILD_DIR=$dir scripts/build.sh "$@"
  echo "== ctest ($dir)"
  ctest --test-dir "$dir" --output-on-failure --no-tests=error -j2 --timeout 600
}

run_suite "$root/build"
echo "== deployment files (scripts/validate-deploy.sh)"
scripts/validate-deploy.sh
echo "== fuzzing (tests/fuzz/run.sh, ${EDDY_FUZZ_SECONDS:=20} s per target)"
EDDY_FUZZ_SECONDS=$EDDY_FUZZ_SECONDS tests/fuzz/run.sh
if [ "${EDDY_TEST_SANITIZE:-1}" = 1 ]; then
  # The fault test's synthetic stream is smaller under the sanitizers (they
  # slow every stage several times); its faults and checks are the same.
  EDDY_FAULT_SERIES=${EDDY_FAULT_SERIES_ASAN:-50} \
  ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
    run_suite "$root/build-asan" -DEDDY_SANITIZE=ON -DCMAKE_BUILD_TYPE=Debug
fi
echo "== all tests passed in $(($(date +%s) - t0)) s"
