/* util/prom.h: the one writer for the Prometheus text exposition format 0.0.4.
 *
 * Pure: no I/O, no clock, no global state. Output goes into a growable,
 * NUL-terminated buffer: the writer's own (eddy_prom_buf_new) or the caller's
 * util/buf.h buffer (eddy_prom_buf_over, e.g. an HTTP body being built),
 * served as-is with Content-Type EDDY_PROM_CONTENT_TYPE.
 *
 * Structure is enforced by construction:
 *   - eddy_prom_family() opens a family and writes its "# HELP" and "# TYPE"
 *     lines (once, TYPE before any sample); every later sample belongs to the
 *     open family, so a family's samples are always contiguous. Opening a
 *     family name twice in one buffer is an error (EDDY_PROM_EDUP).
 *   - counter family names must end in "_total" (the sample name is the
 *     family name); gauges and untyped take plain samples;
 *   - histograms are written whole by eddy_prom_histogram(): cumulative
 *     _bucket{le=...} lines ending with le="+Inf" (equal to _count), then
 *     _sum and _count.
 *
 * Values are formatted with the shortest of %.15g/%.16g/%.17g that reads
 * back (strtod) to the same double, so every value round-trips; NaN is
 * written "NaN" and infinities "+Inf"/"-Inf". Label values are escaped
 * (backslash, double quote, newline) and must be valid UTF-8; HELP text
 * escapes backslash and newline. Number formatting uses the C locale's
 * decimal point: do not call setlocale(LC_NUMERIC, ...) in a process that
 * renders metrics.
 *
 * Errors are sticky, like ferror(): the first failure (out of memory, bad
 * name, misuse) is recorded with a message, later calls do nothing and
 * return the same code, and eddy_prom_buf_error()/eddy_prom_buf_errstr()
 * report it. eddy_prom_buf_reset() clears everything for the next scrape.
 */
#ifndef EDDY_UTIL_PROM_H
#define EDDY_UTIL_PROM_H

#include <stddef.h>
#include <stdint.h>

#include "util/buf.h"

#define EDDY_PROM_CONTENT_TYPE "text/plain; version=0.0.4; charset=utf-8"

/* Error codes (0 is success). */
#define EDDY_PROM_OK     0
#define EDDY_PROM_ENOMEM -1 /* allocation failed */
#define EDDY_PROM_EINVAL -2 /* bad metric/label name, invalid UTF-8, bad bounds */
#define EDDY_PROM_EDUP   -3 /* family opened twice in one buffer */
#define EDDY_PROM_ESTATE -4 /* sample without an open family, or wrong type */

/* Longest formatted double, including the NUL ("-2.2250738585072014e-308"). */
#define EDDY_PROM_DOUBLE_MAX 32

typedef enum {
    EDDY_PROM_COUNTER,
    EDDY_PROM_GAUGE,
    EDDY_PROM_HISTOGRAM,
    EDDY_PROM_UNTYPED
} eddy_prom_type_t;

/* One label: NAME must match [a-zA-Z_][a-zA-Z0-9_]* and not start with
 * "__"; VALUE is any valid UTF-8 string (escaped on output). Both are
 * borrowed for the duration of the call. */
typedef struct {
    const char *name;
    const char *value;
} eddy_prom_label_t;

typedef struct eddy_prom_buf_s eddy_prom_buf_t;

/* Creates an empty buffer with room for INITIAL_CAP bytes (0 picks a
 * default). Returns NULL when out of memory. The caller owns the result
 * (eddy_prom_buf_destroy). */
eddy_prom_buf_t *eddy_prom_buf_new(size_t initial_cap);

/* Creates a writer that appends to OUT (borrowed: it must outlive the
 * writer, which never frees it); eddy_prom_buf_data/len then describe all
 * of OUT, including what it held before, and eddy_prom_buf_reset empties
 * OUT. Families are checked for duplicates among those this writer opened.
 * Returns NULL when out of memory; destroy with eddy_prom_buf_destroy. */
eddy_prom_buf_t *eddy_prom_buf_over(eddy_buf_t *out);

/* Frees BUF and its own text (not a buffer given to eddy_prom_buf_over);
 * NULL is a no-op. */
void eddy_prom_buf_destroy(eddy_prom_buf_t *buf);

/* Empties BUF for reuse (keeps its allocation): text, the set of families
 * seen and the sticky error are cleared. */
void eddy_prom_buf_reset(eddy_prom_buf_t *buf);

/* The text written so far, NUL-terminated; borrowed from BUF, valid until
 * the next call that writes to or resets BUF. Never NULL. */
const char *eddy_prom_buf_data(const eddy_prom_buf_t *buf);

/* Length of the text in bytes (without the NUL). */
size_t eddy_prom_buf_len(const eddy_prom_buf_t *buf);

/* The sticky error code (EDDY_PROM_OK when none). */
int eddy_prom_buf_error(const eddy_prom_buf_t *buf);

/* The sticky error's message ("" when none); borrowed from BUF. */
const char *eddy_prom_buf_errstr(const eddy_prom_buf_t *buf);

/* Static description of an error code. */
const char *eddy_prom_strerror(int code);

/* 1 when S (NUL-terminated) is usable as a label value: well-formed UTF-8
 * (no overlong forms, no surrogates). */
int eddy_prom_valid_label_value(const char *s);

/* Formats V into OUT (at least EDDY_PROM_DOUBLE_MAX bytes) the way samples
 * are written: shortest round-tripping %g, "NaN", "+Inf", "-Inf". Returns
 * the length written. */
size_t eddy_prom_format_double(double v, char *out);

/* Opens family NAME ([a-zA-Z_:][a-zA-Z0-9_:]*) of TYPE and writes
 * "# HELP NAME HELP" and "# TYPE NAME type". HELP may be NULL (no HELP
 * line). Counter names must end in "_total". Returns 0 or an error code. */
int eddy_prom_family(eddy_prom_buf_t *buf, const char *name, eddy_prom_type_t type,
                     const char *help);

/* Writes one sample of the open counter, gauge or untyped family:
 * "NAME{l1="v1",...} VALUE". N_LABELS may be 0 (LABELS may then be NULL).
 * Label names must be unique within the set (not checked). Returns 0 or an
 * error code. */
int eddy_prom_sample(eddy_prom_buf_t *buf, const eddy_prom_label_t *labels,
                     size_t n_labels, double value);

/* Writes one whole histogram of the open histogram family with the given
 * labels (which must not include "le"). BOUNDS holds N_BOUNDS finite upper
 * bounds in strictly increasing order; COUNTS holds N_BOUNDS + 1
 * non-cumulative bucket counts, the last one for observations above the
 * largest bound. Emits cumulative NAME_bucket lines (le = each bound, then
 * "+Inf" = total), NAME_sum (SUM) and NAME_count (total). Returns 0 or an
 * error code. */
int eddy_prom_histogram(eddy_prom_buf_t *buf, const eddy_prom_label_t *labels,
                        size_t n_labels, const double *bounds, size_t n_bounds,
                        const uint64_t *counts, double sum);

/* The latency buckets of eddy's histograms: EDDY_PROM_LATENCY_BOUNDS upper
 * bounds in seconds, 100 µs to 10 s in 1-2.5-5 steps, so a histogram reads
 * the same at any rate. */
#define EDDY_PROM_LATENCY_BOUNDS 16
extern const double eddy_prom_latency_bounds[EDDY_PROM_LATENCY_BOUNDS];

/* A latency histogram over eddy_prom_latency_bounds: non-cumulative counts
 * (the last one for observations above 10 s) and their sum in seconds.
 * Plain data (copy it with memcpy); zero-initialise it. */
typedef struct eddy_prom_latency_s {
    uint64_t counts[EDDY_PROM_LATENCY_BOUNDS + 1];
    double sum;
} eddy_prom_latency_t;

/* Counts one observation of SECONDS (negative and NaN count as 0) in H. */
void eddy_prom_latency_observe(eddy_prom_latency_t *h, double seconds);

/* Writes H as one histogram of the open histogram family with LABELS (as
 * eddy_prom_histogram). Returns 0 or an error code. */
int eddy_prom_latency_write(eddy_prom_buf_t *buf, const eddy_prom_label_t *labels,
                            size_t n_labels, const eddy_prom_latency_t *h);

#endif
