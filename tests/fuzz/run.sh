#!/bin/sh
# Builds the libFuzzer targets in a separate build directory (clang,
# -DEDDY_FUZZ=ON) and runs each for a bounded time, printing executions.
#
#   tests/fuzz/run.sh                  # 30 s per target
#   EDDY_FUZZ_SECONDS=300 tests/fuzz/run.sh fuzz_codec
#
# Env: EDDY_FUZZ_SECONDS (default 30), EDDY_FUZZ_BUILD (default
# <source>/build-fuzz), EDDY_FUZZ_JOBS (parallel fuzzing workers, default 1),
# CC (default clang). New corpus entries go to $EDDY_FUZZ_BUILD/corpus/<t>;
# crashes to $EDDY_FUZZ_BUILD/artifacts/<t>-*. Exit status is non-zero when
# any target found a crash, leak or failed invariant.
set -eu

SRC=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${EDDY_FUZZ_BUILD:-$SRC/build-fuzz}
SECS=${EDDY_FUZZ_SECONDS:-30}
JOBS=${EDDY_FUZZ_JOBS:-1}
TARGETS=${*:-fuzz_codec fuzz_csv fuzz_json fuzz_time fuzz_evaluate fuzz_lso}

# The build's output is kept in a log and shown when it fails.
mkdir -p "$BUILD"
buildlog=$BUILD/build.log
if ! cmake -S "$SRC" -B "$BUILD" -G Ninja -DEDDY_FUZZ=ON \
    -DCMAKE_C_COMPILER="${CC:-clang}" -DCMAKE_BUILD_TYPE=RelWithDebInfo >"$buildlog" 2>&1; then
    cat "$buildlog" >&2
    echo "fuzz: configuring the fuzz build failed (above; scripts/check-tools.sh names what is missing)" >&2
    exit 1
fi
# shellcheck disable=SC2086
if ! ninja -C "$BUILD" $TARGETS eddy_fuzz_gen_corpus eddy_fuzz_gen_evaluate_corpus >>"$buildlog" 2>&1; then
    tail -n 60 "$buildlog" >&2
    echo "fuzz: building the fuzz targets failed (above, whole log $buildlog); -fsanitize=fuzzer needs clang's runtime (libclang-rt-<version>-dev)" >&2
    exit 1
fi

status=0
summary=""
for t in $TARGETS; do
    corpus=$BUILD/corpus/$t
    log=$BUILD/$t.log
    mkdir -p "$corpus" "$BUILD/artifacts"
    dict=""
    jobs=""
    [ "$JOBS" -gt 1 ] && jobs="-jobs=$JOBS -workers=$JOBS"
    [ -f "$SRC/tests/fuzz/$t.dict" ] && dict="-dict=$SRC/tests/fuzz/$t.dict"
    echo "== $t: ${SECS}s"
    rc=0
    # shellcheck disable=SC2086
    (cd "$BUILD" && exec "$BUILD/tests/fuzz/$t" -max_total_time="$SECS" -print_final_stats=1 \
        $jobs -timeout=10 -rss_limit_mb=2048 \
        -artifact_prefix="$BUILD/artifacts/$t-" $dict \
        "$corpus" "$SRC/tests/fuzz/corpus/$t") >"$log" 2>&1 || rc=$?
    if [ "$JOBS" -gt 1 ]; then
        cat "$BUILD"/fuzz-*.log >>"$log" 2>/dev/null || true
        rm -f "$BUILD"/fuzz-*.log
    fi
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | awk '{s+=$1} END {print s+0}')
    rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | awk '{s+=$1} END {print s+0}')
    cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1 | cut -d' ' -f2)
    if [ "$rc" -ne 0 ] || grep -q 'ERROR: \(AddressSanitizer\|LeakSanitizer\|libFuzzer\)\|runtime error\|fuzz invariant failed' "$log"; then
        status=1
        echo "   FOUND A PROBLEM (exit $rc), see $log and $BUILD/artifacts/"
        grep -m 5 'ERROR\|runtime error\|invariant\|Test unit written' "$log" | sed 's/^/   /'
    fi
    line=$(printf '%-11s %12s execs  %8s exec/s  cov %s  corpus %s' "$t" "$execs" \
        "$rate" "${cov:-?}" "$(ls "$corpus" | wc -l)")
    echo "   $line"
    summary="$summary$line
"
done
echo "== summary (${SECS}s per target)"
printf '%s' "$summary"
exit $status
