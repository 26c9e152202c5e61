/* ledger_core.h: what eddy-metrics knows, keyed so that reading the same
 * records again changes nothing (pure: no I/O, no clock, no globals).
 *
 * Two inputs, both idempotent:
 *   - points, from Prediction records, keyed by (model, series, seq): a
 *     point read again REPLACES the one stored under its key (same key, same
 *     slot), so a sink that re-reads the predictions topic after a restart, a
 *     rebalance, a broker outage or a learner replay holds the same points.
 *     Per (model, series) the last max_points points by seq are kept (for the
 *     status page's plot and the ranking); a point older than all of them
 *     when the store is full is stale and ignored (counted);
 *   - scores, from Score records (eddy-evaluate's compacted `scores` topic),
 *     keyed by (model, series): the latest record replaces the previous one,
 *     so the figures are those of the topic's latest value per key.
 *
 * Per model: a latency histogram (predicted_at - produced_at, seconds,
 * buckets 100 us .. 10 s), the count of non-finite predictions (a model
 * with one is failing: never ranked), the wall-clock time of its newest
 * prediction. Each is counted once per (model, series, seq): only a point
 * new to the store counts.
 *
 * Cardinality: at most max_models models and max_series (model, series)
 * pairs; records of further pairs are counted (series_dropped) and not kept.
 */
#ifndef EDDY_LEDGER_CORE_H
#define EDDY_LEDGER_CORE_H

#include <stddef.h>
#include <stdint.h>

#include "util/prom.h"

/* Most horizons and windows a score carries. */
#define EDDY_LEDGER_MAX_H       32
#define EDDY_LEDGER_MAX_WINDOWS 8

/* Latency histogram upper bounds (seconds): 0.0001 .. 10. */
#define EDDY_LEDGER_N_LATENCY_BOUNDS 16

/* Results of eddy_ledger_point (>= 0) and errors (< 0). */
#define EDDY_LEDGER_NEW      0 /* a key not seen before */
#define EDDY_LEDGER_REPLACED 1 /* a key seen before: its point replaced */
#define EDDY_LEDGER_STALE    2 /* older than every kept point: ignored */
#define EDDY_LEDGER_DROPPED  3 /* pair or model beyond the caps: ignored */
#define EDDY_LEDGER_EINVAL   -1
#define EDDY_LEDGER_ENOMEM   -2

typedef struct eddy_ledger_s eddy_ledger_t;

typedef struct {
    size_t max_models; /* default 64 */
    size_t max_series; /* (model, series) pairs, default 10000 */
    size_t max_points; /* points kept per pair, default 5000 */
} eddy_ledger_config_t;

/* One prediction (borrowed by eddy_ledger_point). */
typedef struct {
    const char *model;
    const char *series;
    int64_t seq;
    int64_t event_time_ms;
    double actual;
    double prediction; /* may be non-finite: the model then fails */
    const double *forecast;
    int n_forecast;
    int64_t produced_at_us;
    int64_t predicted_at_us;
} eddy_ledger_pred_t;

/* Error figures of one horizon over one window (or cumulative). NaN when
 * undefined (no scored record, MAPE with only zero targets...). */
typedef struct {
    double mae, rmse, mape, mase; /* mape is a ratio (0.05 = 5 %) */
} eddy_ledger_err_t;

/* The latest Score of one (model, series), in the sink's own shape. */
typedef struct {
    int n_h;                                  /* horizons 1..n_h */
    int n_windows;                            /* rolling windows */
    int windows[EDDY_LEDGER_MAX_WINDOWS];     /* their lengths, in steps */
    uint64_t scored[EDDY_LEDGER_MAX_H];       /* records scored per horizon */
    uint64_t failing_predictions;             /* NaN/inf one-step predictions */
    uint64_t failing_forecasts;               /* forecasts with a NaN/inf step */
    eddy_ledger_err_t cum[EDDY_LEDGER_MAX_H]; /* since the start */
    eddy_ledger_err_t roll[EDDY_LEDGER_MAX_H][EDDY_LEDGER_MAX_WINDOWS];
    int64_t event_time_ms; /* of the latest scored record */
} eddy_ledger_score_t;

/* One kept point. */
typedef struct {
    int64_t seq;
    int64_t event_time_ms;
    double actual;
    double prediction;
} eddy_ledger_point_t;

/* A read-only view of one pair; pointers borrowed until the next change. */
typedef struct {
    const char *model;
    const char *series;
    const eddy_ledger_point_t *points; /* n_points, ascending seq */
    size_t n_points;
    const double *forecast; /* latest forecast (of the highest seq) */
    int n_forecast;
    const eddy_ledger_score_t *score; /* NULL: no Score read yet */
    uint64_t nonfinite;               /* non-finite predictions kept */
    int failing; /* nonfinite, or the score counts failing predictions/forecasts */
} eddy_ledger_pair_t;

/* A read-only view of one model. */
typedef struct {
    const char *model;
    uint64_t predictions;    /* distinct (series, seq) seen */
    uint64_t nonfinite;      /* of them with a non-finite prediction */
    int failing;             /* nonfinite, or a series' score counts failures */
    double last_predicted_s; /* wall clock of the newest, seconds; 0 none */
    uint64_t latency_counts[EDDY_LEDGER_N_LATENCY_BOUNDS + 1]; /* non-cumulative */
    double latency_sum;
    size_t n_series;
} eddy_ledger_model_t;

/* Registry-wide counters. */
typedef struct {
    size_t models, pairs;
    uint64_t replaced;       /* points read again (replaced, not added) */
    uint64_t stale;          /* points older than the kept window */
    uint64_t series_dropped; /* records of pairs beyond the caps */
    uint64_t scores;         /* Score records read */
} eddy_ledger_stats_t;

/* Binary search of SEQ among the N points PTS (ascending seq): 1 and its
 * index in *POS, or 0 and the index it would be inserted at. */
int eddy_ledger_seq_search(const eddy_ledger_point_t *pts, size_t n, int64_t seq,
                           size_t *pos);

void eddy_ledger_config_default(eddy_ledger_config_t *cfg);

/* A new empty ledger (CFG NULL: defaults), or NULL with ERRSTR filled (a cap
 * of 0, out of memory). The caller owns it (eddy_ledger_destroy). */
eddy_ledger_t *eddy_ledger_new(const eddy_ledger_config_t *cfg, char *errstr,
                               size_t errstr_size);

/* Frees L; NULL is a no-op. */
void eddy_ledger_destroy(eddy_ledger_t *l);

/* The histogram's bounds, seconds (static). */
const double *eddy_ledger_latency_bounds(void);

/* Stores P (copied) under (model, series, seq). Returns EDDY_LEDGER_NEW,
 * _REPLACED, _STALE or _DROPPED, or _EINVAL (empty or over-long name,
 * non-finite actual) / _ENOMEM with ERRSTR filled; nothing changes then. */
int eddy_ledger_point(eddy_ledger_t *l, const eddy_ledger_pred_t *p, char *errstr,
                      size_t errstr_size);

/* Replaces the score of (MODEL, SERIES) by S (copied). Returns 0, 1 when
 * the pair is beyond the caps (counted, ignored), or _EINVAL / _ENOMEM with
 * ERRSTR filled. */
int eddy_ledger_score(eddy_ledger_t *l, const char *model, const char *series,
                      const eddy_ledger_score_t *s, char *errstr, size_t errstr_size);

void eddy_ledger_stats(const eddy_ledger_t *l, eddy_ledger_stats_t *out);

/* Models in ascending name order: count and view of model I. */
size_t eddy_ledger_model_count(const eddy_ledger_t *l);
int eddy_ledger_model(const eddy_ledger_t *l, size_t i, eddy_ledger_model_t *out);

/* Series of model I in ascending name order: count and view of series J.
 * Return 0, or -1 when out of range. */
size_t eddy_ledger_series_count(const eddy_ledger_t *l, size_t i);
int eddy_ledger_pair(const eddy_ledger_t *l, size_t i, size_t j,
                     eddy_ledger_pair_t *out);

/* View of (MODEL, SERIES): 0, or -1 when not kept. */
int eddy_ledger_find(const eddy_ledger_t *l, const char *model, const char *series,
                     eddy_ledger_pair_t *out);

/* Every series name kept (any model), ascending, deduplicated: fills OUT
 * (borrowed names) up to CAP and returns how many there are. */
size_t eddy_ledger_series_names(const eddy_ledger_t *l, const char **out, size_t cap);

/* ---- Ranking that cannot be gamed (see README "Ranking") ----
 *
 * Per series: the models with any non-finite kept prediction on it are
 * failing (listed, never ranked). The others are ranked on the COMMON
 * records: the seqs kept for every one of them (the intersection). On those
 * records each gets MAE and RMSE; rank by MAE, ties by name. A model that
 * skipped records cannot win on fewer of them: it shrinks everyone's set.
 *
 * Overall: the common series (those every non-failing model has), each
 * model scored by the mean over them of its per-series MAE divided by the
 * mean absolute one-step change of the series' actuals on its common
 * records (a naive-forecast scale, so series of different sizes average);
 * a model failing on any series is failing overall. */
typedef struct {
    const char *model;
    int failing; /* 1: non-finite predictions; not ranked */
    int rank;    /* 1-based; 0 when failing or not ranked */
    uint64_t n;  /* common records (series) or common series (overall) */
    double mae;  /* on the common records; scaled MAE overall */
    double rmse; /* on the common records; NaN overall */
} eddy_ledger_rank_t;

/* Ranks the models of SERIES (NULL: overall) into OUT (CAP rows, ranked
 * first, then failing). Returns the number of rows (<= CAP). */
size_t eddy_ledger_rank(const eddy_ledger_t *l, const char *series,
                        eddy_ledger_rank_t *out, size_t cap);

/* Appends the eddy_* families (see README "Metrics") to BUF: per-series
 * families for the kept pairs, per-model aggregates in families of their
 * own; MAX_SERIES is reported as eddy_sink_series_limit. Non-finite values are never
 * written (their samples are left out). Returns 0 or the writer's error with ERRSTR
 * filled. */
int eddy_ledger_render(const eddy_ledger_t *l, eddy_prom_buf_t *buf, size_t max_series,
                       char *errstr, size_t errstr_size);

#endif
