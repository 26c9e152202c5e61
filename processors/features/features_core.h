/* features_core.h: lag features of series ordered by event time, pure.
 *
 * Lags (the seed's): in_1 is the most recent PREVIOUS accepted value of the
 * series, in_N the oldest; lags not yet seen are 0.0; there are always
 * exactly N lags; the current value is never among its own features. Lags
 * are the last N observed values, not calendar-aligned: across a gap in
 * event time in_1 is the value before the gap (nothing is filled in); the
 * gap is counted and reported instead (see eddy_features_note_t).
 *
 * Order: a series is ordered by event time. A record is accepted when its
 * event time is after the series' last accepted one; the FeatureVector's
 * seq is then the series' dense step number (0, 1, 2, ...: accepted
 * observations before this one), whatever seq the producer gave, so
 * downstream stages see a strictly increasing per-series step. A record at
 * or before the last event time is not accepted: with the event time and
 * value of a remembered observation (the last N) it is an exact duplicate
 * (skipped); with a remembered event time and another value it is a
 * conflicting duplicate; otherwise it is late. Both are dead-lettered by the
 * stage. The producer's seq is not used: records with equal event times are
 * the same observation.
 *
 * State is per series, bounded by a cap on the number of series.
 */
#ifndef EDDY_FEATURES_CORE_H
#define EDDY_FEATURES_CORE_H

#include <stddef.h>
#include <stdint.h>

#include "codec/records.h"
#include "features_step.h"
#include "util/buf.h"

typedef struct eddy_features_s eddy_features_t;

typedef enum {
    EDDY_FEATURES_OK = 0,
    EDDY_FEATURES_DUPLICATE,  /* same event time and value as a remembered one */
    EDDY_FEATURES_SERIES_CAP, /* a new series beyond --max-series */
    EDDY_FEATURES_NOMEM,
    EDDY_FEATURES_CONFLICT, /* same event time as a remembered one, other value */
    EDDY_FEATURES_LATE      /* event time before the series' last, not remembered */
} eddy_features_result_t;

/* What eddy_features_process saw besides the features, for logs. */
typedef struct eddy_features_note_s {
    int64_t missing_steps; /* OK: steps missing since the previous one (a gap) */
    int64_t last_time_ms;  /* the series' last accepted event time before this */
    double other_value;    /* CONFLICT: the remembered value */
    eddy_step_t step;      /* the series' step: --frequency, else as inferred */
} eddy_features_note_t;

/* Counts of what did not fit the order, per series and in total. */
typedef struct eddy_features_counts_s {
    uint64_t gaps;          /* intervals longer than one step */
    uint64_t missing_steps; /* steps missing inside them */
    uint64_t late;          /* event time before the last (out of order) */
    uint64_t duplicates;    /* exact duplicates skipped */
    uint64_t conflicts;     /* conflicting duplicates */
} eddy_features_counts_t;

/* N_LAGS in 1..EDDY_LAGS_MAX. Returns NULL on a bad N or no memory. The
 * step of every series is inferred (eddy_features_set_frequency). */
eddy_features_t *eddy_features_new(int n_lags, size_t max_series);
void eddy_features_destroy(eddy_features_t *f);

/* Fixes every series' step to STEP instead of inferring it ({0, 0}: infer).
 * Inference: a series whose event times all fall at 00:00 UTC on the first
 * (or all on the last) day of a month is counted in calendar months;
 * otherwise in milliseconds; the step is the smallest interval seen so far. */
void eddy_features_set_frequency(eddy_features_t *f, eddy_step_t step);

/* Turns OBS into FV (lags from before OBS) and remembers OBS's value when
 * its event time is after the series' last (EDDY_FEATURES_OK). Any other
 * result leaves FV unset and the series' lags unchanged. NOTE (may be NULL)
 * says what was seen. */
eddy_features_result_t eddy_features_process(eddy_features_t *f, const eddy_obs_t *obs,
                                             eddy_fv_t *fv, eddy_features_note_t *note);

/* The counts of SERIES_ID (zeros when unknown), or of every series since
 * eddy_features_new when SERIES_ID is NULL (never decreasing). Per-series
 * counts live in memory only: a series restored from a snapshot starts at 0. */
eddy_features_counts_t eddy_features_counts(const eddy_features_t *f,
                                            const char *series_id);

/* Appends the counts as Prometheus counters (eddy_features_gaps_total,
 * ..._missing_steps_total, ..._out_of_order_total, ..._duplicates_total,
 * ..._conflicting_duplicates_total) labelled series="_all" for the total and
 * series="<id>" for at most EDDY_FEATURES_METRIC_SERIES series with a
 * non-zero count. Sets out->failed when out of memory. */
#define EDDY_FEATURES_METRIC_SERIES 100
void eddy_features_metrics(const eddy_features_t *f, eddy_buf_t *out);

/* State of one series as a util/snapshot.h frame "EFTR" version 2 appended
 * to OUT (which the caller owns and frees); little-endian, doubles
 * bit-exact. Returns 0, 1 when the series is unknown, -1 when out of memory. */
int eddy_features_save(const eddy_features_t *f, const char *series_id,
                       eddy_buf_t *out);

/* Replaces the series' state by saved bytes: version 2, or version 1 (written
 * before ordering by event time: its lags carry over, its seq + 1 becomes the
 * next step number, and, its event times being unknown, the next record is
 * accepted as the next step). Returns 0, or -1 with ERRSTR when BUF is not a
 * valid state for this N: a damaged or truncated frame is named by the check
 * it failed (never reads past LEN). */
int eddy_features_load(eddy_features_t *f, const char *series_id, const void *buf,
                       size_t len, char *errstr, size_t errstr_size);

/* Forgets a series (its partition moved to another replica). */
void eddy_features_drop(eddy_features_t *f, const char *series_id);

size_t eddy_features_series_count(const eddy_features_t *f);

#endif
