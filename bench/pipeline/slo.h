/* bench/pipeline/slo.h: a load test's objective, "p99=20ms,success=0.999".
 *
 * Terms are comma-separated KEY=VALUE: p50, p90, p99, p99.9 and max take a
 * latency upper bound with a unit (us, ms or s: "20ms", "1.5s"); success a
 * lower bound on the fraction of records answered (0..1); throughput a lower
 * bound in records per second. Pure: no I/O.
 */
#ifndef EDDY_BENCH_SLO_H
#define EDDY_BENCH_SLO_H

#include <stddef.h>

#define EDDY_SLO_MAX_TERMS 8

/* Latency percentiles in the order of eddy_slo_figures_t.latency_us. */
#define EDDY_SLO_QUANTILES 5 /* p50, p90, p99, p99.9, max */

/* What a run measured. */
typedef struct eddy_slo_figures_s {
    double success;                        /* fraction answered, 0..1 */
    double throughput;                     /* records per second */
    double latency_us[EDDY_SLO_QUANTILES]; /* p50, p90, p99, p99.9, max */
} eddy_slo_figures_t;

typedef struct eddy_slo_s {
    struct {
        int what;     /* 0..4: a latency percentile; 5: success; 6: throughput */
        double limit; /* microseconds, a fraction, or records per second */
        char text[32];
    } terms[EDDY_SLO_MAX_TERMS];
    int n;
} eddy_slo_t;

/* Parses TEXT into SLO. Returns 0, or -1 with a message naming the bad term
 * in ERRSTR. */
int eddy_slo_parse(const char *text, eddy_slo_t *slo, char *errstr, size_t errstr_size);

/* 1 when F meets every term of SLO; else 0 with the missed terms and the
 * measured values in MISSED ("p99 35.2ms > 20ms; ..."). */
int eddy_slo_check(const eddy_slo_t *slo, const eddy_slo_figures_t *f, char *missed,
                   size_t missed_size);

#endif
