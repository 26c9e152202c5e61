/* metrics_core.h: the metrics sink's math, pure (no I/O, no clock, no
 * globals).
 *
 * An eddy_metrics_t registry scores a stream of predictions, keyed by
 * (model, series_id). For every model it keeps
 *   - an aggregate over all of the model's series, reported with the series
 *     label EDDY_METRICS_ALL_SERIES ("_all"); the aggregate counts every
 *     accepted observation, tracked series or not;
 *   - one entry per series (when per-series tracking is on), up to a cap on
 *     the number of tracked (model, series) pairs over the whole registry.
 *     Once the cap is reached, observations of series that are not already
 *     tracked go to the aggregate only and increment series_dropped. A
 *     series literally named "_all" is never tracked on its own (its
 *     observations go to the aggregate and count in series_dropped), so
 *     label sets never collide;
 *   - an end-to-end latency histogram (predicted_at - produced_at, seconds).
 *
 * Per entry: cumulative count, MAE, MSE, RMSE, MAPE; rolling MAE/MSE/RMSE/
 * MAPE over the last 5, 10 and 20 observations (over all of them while
 * fewer have been seen); last prediction, actual, error; last seq and event
 * time; the latest forecast vector (at most EDDY_METRICS_MAX_FORECAST steps).
 *
 * Conventions:
 *   - error = target - prediction (positive when the model under-predicts);
 *   - MAPE is a percentage: 100 * mean(|target - prediction| / |target|)
 *     over observations whose target is not 0; zero targets are skipped and
 *     counted (mape_skipped). With no non-zero target the MAPE is NaN;
 *   - rolling values are recomputed from a ring of the last 20 errors when
 *     read, so they never drift; cumulative sums use compensated (Neumaier)
 *     summation;
 *   - the aggregate's "last" values and forecast are those of the model's
 *     most recent observation, whatever its series.
 *
 * Memory is bounded: at most max_models models and max_series tracked
 * series, each entry of fixed size, names at most EDDY_METRICS_MAX_NAME
 * bytes. Entries are kept in sorted arrays (models by name, series by name
 * within a model), so iteration order is stable and deterministic.
 */
#ifndef EDDY_METRICS_CORE_H
#define EDDY_METRICS_CORE_H

#include <stddef.h>
#include <stdint.h>

#include "util/prom.h"

/* Series label value of a model's all-series aggregate. */
#define EDDY_METRICS_ALL_SERIES "_all"

/* Rolling windows: 5, 10 and 20 observations (see eddy_metrics_window). */
#define EDDY_METRICS_N_WINDOWS  3
#define EDDY_METRICS_MAX_WINDOW 20

/* Longest forecast vector kept; longer ones are truncated. */
#define EDDY_METRICS_MAX_FORECAST 32

/* Longest model or series name in bytes (without the NUL). */
#define EDDY_METRICS_MAX_NAME 255

/* Latency histogram upper bounds in seconds: 0.0005 0.001 0.0025 0.005 0.01
 * 0.025 0.05 0.1 0.25 0.5 1 2.5 5 10 (see eddy_metrics_latency_bounds). */
#define EDDY_METRICS_N_LATENCY_BOUNDS 14

/* Error codes (0 is success). */
#define EDDY_METRICS_OK      0
#define EDDY_METRICS_EINVAL  -1 /* bad argument: non-finite value, bad name... */
#define EDDY_METRICS_ENOMEM  -2 /* allocation failed; nothing was updated */
#define EDDY_METRICS_EMODELS -3 /* max_models reached; observation rejected */
#define EDDY_METRICS_ERANGE  -4 /* index out of range, or entry not found */

typedef struct eddy_metrics_s eddy_metrics_t;

typedef struct {
    /* Most distinct models; observations of a further model are rejected
     * with EDDY_METRICS_EMODELS. Default 64. */
    size_t max_models;
    /* 1 to keep per-series entries as well as the per-model aggregate.
     * Default 1. With 0 only aggregates exist and series_dropped stays 0. */
    int per_series;
    /* Most tracked (model, series) pairs over the whole registry. Default
     * 10000. */
    size_t max_series;
} eddy_metrics_config_t;

/* A read-only view of one entry (a series, or a model's aggregate). All
 * pointers are borrowed from the registry and valid until the next
 * eddy_metrics_observe or eddy_metrics_destroy. */
typedef struct {
    const char *model;
    const char *series; /* EDDY_METRICS_ALL_SERIES for the aggregate */
    int is_aggregate;
    uint64_t n;            /* accepted observations */
    double mae;            /* cumulative */
    double mse;            /* cumulative */
    double rmse;           /* sqrt(mse) */
    double mape;           /* cumulative, percent; NaN when mape_n == 0 */
    uint64_t mape_n;       /* observations counted in MAPE (target != 0) */
    uint64_t mape_skipped; /* observations skipped by MAPE (target == 0) */
    /* Index w is window eddy_metrics_window(w) (5, 10, 20). */
    double rolling_mae[EDDY_METRICS_N_WINDOWS];
    double rolling_mse[EDDY_METRICS_N_WINDOWS];
    double rolling_rmse[EDDY_METRICS_N_WINDOWS];
    double rolling_mape[EDDY_METRICS_N_WINDOWS]; /* NaN: no non-zero target */
    double last_prediction;
    double last_actual;
    double last_error; /* last_actual - last_prediction */
    int64_t last_seq;
    int64_t last_event_time_ms;
    const double *forecast; /* n_forecast values; step 1 first */
    int n_forecast;
} eddy_metrics_series_view_t;

/* A read-only view of one model: its aggregate and latency histogram.
 * Pointers are borrowed as for eddy_metrics_series_view_t. */
typedef struct {
    const char *model;
    eddy_metrics_series_view_t all; /* the aggregate */
    size_t n_series;                /* tracked series of this model */
    /* Non-cumulative bucket counts: latency_counts[i] counts observations
     * in (bound[i-1], bound[i]]; the last one counts those above 10 s. */
    uint64_t latency_counts[EDDY_METRICS_N_LATENCY_BOUNDS + 1];
    uint64_t latency_count;   /* sum of latency_counts */
    double latency_sum;       /* seconds */
    uint64_t latency_skipped; /* a stamp <= 0, or predicted_at < produced_at */
} eddy_metrics_model_view_t;

/* Registry-wide counters. */
typedef struct {
    size_t models;
    size_t tracked_series;
    uint64_t observations;   /* accepted */
    uint64_t series_dropped; /* observations kept only in the aggregate */
    uint64_t rejected;       /* observe calls that returned an error */
} eddy_metrics_stats_t;

/* One leaderboard row (a model's aggregate). MODEL is borrowed. */
typedef struct {
    const char *model;
    uint64_t n;
    double mae;
    double rmse;
    double mape;
    double next_forecast; /* step 1 of the latest forecast; NaN if none */
} eddy_metrics_rank_t;

/* Fills CFG with the defaults (64 models, per-series on, 10000 series). */
void eddy_metrics_config_default(eddy_metrics_config_t *cfg);

/* Creates an empty registry. CFG may be NULL for the defaults; it is copied.
 * Returns NULL and fills ERRSTR on a bad config (max_models 0) or when out
 * of memory. The caller owns the result (eddy_metrics_destroy). */
eddy_metrics_t *eddy_metrics_new(const eddy_metrics_config_t *cfg, char *errstr,
                                 size_t errstr_size);

/* Frees M and everything in it; NULL is a no-op. */
void eddy_metrics_destroy(eddy_metrics_t *m);

/* Window length of rolling index W (0..EDDY_METRICS_N_WINDOWS-1): 5, 10, 20;
 * 0 for an index out of range. */
int eddy_metrics_window(int w);

/* The latency histogram's EDDY_METRICS_N_LATENCY_BOUNDS upper bounds in
 * seconds (static, read-only). */
const double *eddy_metrics_latency_bounds(void);

/* Scores one prediction. MODEL and SERIES are non-empty UTF-8 strings of at
 * most EDDY_METRICS_MAX_NAME bytes (copied on first sight). PREDICTION and
 * TARGET must be finite. FORECAST holds N_FORECAST (>= 0) values, the next
 * steps after learning (copied; only the first EDDY_METRICS_MAX_FORECAST are
 * kept; may be NULL when N_FORECAST is 0; non-finite values are kept as
 * they are). PRODUCED_AT_US and PREDICTED_AT_US are wall-clock microsecond
 * stamps; their difference feeds the model's latency histogram unless a
 * stamp is <= 0 or the difference is negative (then latency_skipped counts
 * it). SEQ and EVENT_TIME_MS are stored as the entries' last values.
 *
 * Returns 0 (also when the series was only counted in the aggregate), or
 * EDDY_METRICS_EINVAL / _ENOMEM / _EMODELS with ERRSTR filled (may be NULL);
 * on error nothing but stats.rejected changes. */
int eddy_metrics_observe(eddy_metrics_t *m, const char *model, const char *series,
                         int64_t seq, int64_t event_time_ms, double prediction,
                         double target, const double *forecast, int n_forecast,
                         int64_t produced_at_us, int64_t predicted_at_us, char *errstr,
                         size_t errstr_size);

/* Registry-wide counters into OUT. */
void eddy_metrics_stats(const eddy_metrics_t *m, eddy_metrics_stats_t *out);

/* Number of models (each with at least one accepted observation). */
size_t eddy_metrics_model_count(const eddy_metrics_t *m);

/* View of model I (0..model_count-1) in ascending strcmp order of names.
 * Returns 0 or EDDY_METRICS_ERANGE. */
int eddy_metrics_model_view(const eddy_metrics_t *m, size_t i,
                            eddy_metrics_model_view_t *out);

/* Number of tracked series of model I (0 when I is out of range). */
size_t eddy_metrics_series_count(const eddy_metrics_t *m, size_t i);

/* View of series J of model I, series in ascending strcmp order. The
 * aggregate is not among them (see eddy_metrics_model_view). Returns 0 or
 * EDDY_METRICS_ERANGE. */
int eddy_metrics_series_view(const eddy_metrics_t *m, size_t i, size_t j,
                             eddy_metrics_series_view_t *out);

/* View of (MODEL, SERIES); SERIES NULL or EDDY_METRICS_ALL_SERIES gives the
 * model's aggregate. Returns 0 or EDDY_METRICS_ERANGE when not tracked. */
int eddy_metrics_lookup(const eddy_metrics_t *m, const char *model, const char *series,
                        eddy_metrics_series_view_t *out);

/* Leaderboard: one row per model from its aggregate, best first: ascending
 * MAE (NaN last), ties by model name. Writes at most CAP rows into OUT (OUT
 * may be NULL when CAP is 0) and returns the number of models, so a short
 * OUT gets the top CAP. */
size_t eddy_metrics_leaderboard(const eddy_metrics_t *m, eddy_metrics_rank_t *out,
                                size_t cap);

/* Appends the Prometheus text of M to BUF (which may already hold other
 * families; the names below must not have been written to it yet).
 * Families, each with HELP and TYPE, samples sorted by model then series
 * (aggregate "_all" first within a model):
 *   ml_model_predictions_total{model,series}             counter
 *   ml_model_mae|mse|rmse|mape{model,series}             gauge
 *   ml_model_mae_5|_10|_20 (and mse_, rmse_, mape_)      gauge
 *   ml_model_last_prediction|last_actual|last_error      gauge
 *   ml_model_forecast{model,series,step="1".."H"}        gauge
 *   eddy_mape_skipped_total{model,series}                counter
 *   eddy_e2e_latency_seconds{model}                      histogram
 *   eddy_metrics_series_dropped_total                    counter
 * Returns 0, or the buffer's error code with ERRSTR filled (may be NULL). */
int eddy_metrics_render(const eddy_metrics_t *m, eddy_prom_buf_t *buf, char *errstr,
                        size_t errstr_size);

#endif
