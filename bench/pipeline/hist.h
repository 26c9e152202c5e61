/* bench/pipeline/hist.h: a latency histogram with bounded relative error.
 *
 * Values (microseconds, 1 us .. 1000 s) fall into logarithmic buckets whose
 * upper bound is 2% above their lower bound; a percentile is reported as
 * its bucket's geometric midpoint, so it is within 1% of the recorded value
 * (the idea of HdrHistogram's significant digits, on a log scale). Values
 * under 1 us count as 1 us, values over 1000 s as 1000 s. Fixed size, no
 * allocation after eddy_hist_new; not thread-safe (one writer).
 */
#ifndef EDDY_BENCH_HIST_H
#define EDDY_BENCH_HIST_H

#include <stdint.h>

/* The bound on the relative error of a reported percentile. */
#define EDDY_HIST_RELATIVE_ERROR 0.01

typedef struct eddy_hist_s eddy_hist_t;

/* Returns NULL when out of memory. */
eddy_hist_t *eddy_hist_new(void);

/* Frees H; NULL is a no-op. */
void eddy_hist_destroy(eddy_hist_t *h);

/* Records one value of US microseconds. */
void eddy_hist_add(eddy_hist_t *h, double us);

/* Values recorded. */
uint64_t eddy_hist_count(const eddy_hist_t *h);

/* The smallest recorded value V such that a fraction Q (0..1) of the values
 * are <= V, within EDDY_HIST_RELATIVE_ERROR; Q = 1 gives the exact maximum.
 * 0 when empty. */
double eddy_hist_quantile(const eddy_hist_t *h, double q);

#endif
