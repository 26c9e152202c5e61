/* evaluate_core.h: the forecast ledger, pure. Every forecast a learner made
 * is scored once against the truth that arrives later, per (model, series,
 * horizon).
 *
 * Input: the Prediction records of every model (codec/records.h), in seq
 * order per (model, series). Steps are the records' seq: the record of step
 * t carries the truth y_t (target), the one-step prediction of y_t made
 * before learning it (prediction), and the H-step forecast made after
 * learning it (forecast[h-1] is the forecast of step t + h).
 *
 * Scoring, when the record of step s arrives:
 *   h = 1      the record's own prediction against its target (exactly the
 *              learners' prequential one-step error);
 *   h = 2..H   forecast[h-1] of the record of step s - h, if it arrived and
 *              its item was finite.
 * Each scored pair adds |e| (e = y - yhat) to MAE, e^2 to RMSE, |e| / |y| to
 * MAPE when y != 0 (zero targets are left out and counted: mape_n), and
 * enters each rolling window of that horizon (the last W scored pairs).
 * MASE (Hyndman & Koehler 2006, "Another look at measures of forecast
 * accuracy") divides MAE by the in-sample MAE of the seasonal naive
 * forecast, mean |y_t - y_(t-m)| over every pair of truths m steps apart
 * seen so far; until one such pair was seen (or while they are all equal)
 * the scale is 0 and MASE is reported as 0 with mase_scale 0.
 *
 * Replays: a record whose seq is at or below the last one seen for its
 * (model, series) is skipped and counted (duplicates), never scored twice.
 * A gap (seq jumps past last + 1) drops, unscored and counted (gap_dropped),
 * the forecasts that targeted the missing steps; those targeting later
 * steps are still scored. A non-finite prediction or forecast item never
 * enters a score; it is counted as failing (failing_predictions,
 * failing_forecasts, last_failing_seq).
 *
 * Champion (champion.h): after each scored record the series' champion is
 * decided, step by step up to the frontier (below), from every model's rolling error
 * (conf.champ: metric, horizon, window, margin, consecutive steps); the decisions of
 * the record are events (eddy_evaluator_events), and the served forecast
 * changes (eddy_evaluator_served) when a step was decided, or, with
 * combine_share 0 or a pin, when the champion stepped or changed.
 *
 * Combination: the served forecast of step d is made when d is decided,
 * unless a model is pinned (then: the pinned model's latest forecast, as
 * with conf.champ.combine_share 0). It is the champion's forecast made
 * after step d shrunk toward a combination of other models' forecasts made
 * after d: (1 - a) * champion + a * sum_i w_i * model_i, item by item, with
 * a = combine_share and the models the combine_k that erred least (mean
 * |e| at the champion horizon over their last combine_window steps up to
 * d; ties by name) among those passing the contract gate at d, with
 * that many errors scored (coverage), and with a
 * finite forecast of at least the champion's length made after d, the
 * champion included; w_i is proportional to (lowest error / error_i) ^
 * combine_power (Bates & Granger 1969, "The combination of forecasts":
 * inverse-error weights; the power sharpens them, as holt_winters_auto
 * does among its members; Stock & Watson 2004: top-k trimming). Each
 * model's forecasts made after the steps not decided yet are kept (a queue
 * in the state), so the served forecasts, like the decisions, do not depend
 * on the learners' pace. When the champion has no forecast made after d
 * the served forecast is its latest one, alone. Chosen on the seed and six
 * public series (docs/models.md, "The served forecast").
 *
 * The contract gate of a model: none of its last contract_n records had a
 * non-finite prediction or forecast (HOOK: a fallback-marked record will
 * count as failing once Prediction has its `fallback` field, see
 * track_contract_ok in evaluate_core.c).
 *
 * Pace: the champion of step s is decided once every model of conf.wait
 * (every model seen when empty) has reached s, or lags the leading model by
 * more than max_lag steps; each model's view is its window ending at s
 * (history.h keeps the steps not decided yet), and the models of a step
 * step in one order (the default champion, then by name). The decisions
 * (eddy_evaluator_events: each carries the step it decided) are then the
 * same whatever order the models' records arrive in.
 *
 * State is per series (the input key), holding every model seen on it (and
 * its history) and the champion state; it is saved and loaded per series as
 * a util/snapshot.h frame "EEVL" version 5 (version 4, without the
 * forecast queues, is read with empty queues; versions 1, without
 * champion, 2, without the history and ADWIN, and 3, a development build
 * with one of them, are refused with what to do).
 */
#ifndef EDDY_EVALUATE_CORE_H
#define EDDY_EVALUATE_CORE_H

#include <stddef.h>
#include <stdint.h>

#include "champion.h"
#include "codec/records.h"
#include "util/buf.h"

#define EDDY_EVAL_MODELS_MAX      64              /* models per series */
#define EDDY_EVAL_WINDOW_MAX      10000           /* longest rolling window, in steps */
#define EDDY_EVAL_SEASON_MAX      10000           /* longest season m, in steps */
#define EDDY_EVAL_SEQ_MAX         (INT64_MAX / 2) /* largest seq scored */
#define EDDY_EVAL_MAX_LAG_DEFAULT 1000 /* steps a decision waits for a model */

typedef struct eddy_eval_conf_s {
    int horizons; /* H, 1..EDDY_FORECAST_MAX */
    int season;   /* m, 1..EDDY_EVAL_SEASON_MAX */
    int n_windows;
    int64_t windows[EDDY_SCORE_WINDOWS_MAX]; /* each 1..EDDY_EVAL_WINDOW_MAX */
    size_t max_series;                       /* series held at once */
    eddy_champ_conf_t champ; /* champion selection; window 0: the defaults
                                (eddy_champ_conf_default) */
    int n_wait; /* the models every decision waits for (0: every model seen) */
    char wait[EDDY_EVAL_MODELS_MAX][EDDY_MODEL_NAME_MAX + 1];
    int64_t max_lag; /* steps behind the leader a model is waited for (0: the
                        default, EDDY_EVAL_MAX_LAG_DEFAULT) */
} eddy_eval_conf_t;

/* The served forecast of a series (see "Combination" above). */
typedef struct eddy_eval_served_s {
    char series_id[EDDY_SERIES_ID_MAX + 1];
    char model[EDDY_MODEL_NAME_MAX + 1];
    int64_t model_version;
    int64_t seq;           /* the champion's last step */
    int64_t event_time_ms; /* of that step */
    int n_forecast;        /* H values, item h-1 for step seq + h */
    double forecast[EDDY_FORECAST_MAX];
    int n_forecast_event_times; /* 0 until two steps were seen */
    int64_t forecast_event_times_ms[EDDY_FORECAST_MAX];
    int window;      /* the window in force (conf.champ, shorter after a drift) */
    double error;    /* the champion's rolling error (conf.champ metric) */
    int64_t error_n; /* scored pairs in that window */
    int n_members;   /* models combined, the champion first (0: its forecast alone) */
    char members[EDDY_CHAMP_COMBINE_MAX + 1][EDDY_MODEL_NAME_MAX + 1];
    double weights[EDDY_CHAMP_COMBINE_MAX + 1]; /* each member's weight in every
                                                   item; they sum to 1 */
} eddy_eval_served_t;

typedef enum {
    EDDY_EVAL_SCORED = 0, /* SCORE filled */
    EDDY_EVAL_DUPLICATE,  /* seq at or below the last one: skipped, counted */
    EDDY_EVAL_BAD_SEQ,    /* seq negative or past EDDY_EVAL_SEQ_MAX */
    EDDY_EVAL_SERIES_CAP, /* a new series past max_series, or a model past
                             EDDY_EVAL_MODELS_MAX on one series */
    EDDY_EVAL_NOMEM       /* out of memory */
} eddy_eval_result_t;

/* What a record did that the stage logs once per (model, series). */
typedef struct eddy_eval_note_s {
    int first_duplicate; /* the first duplicate seen for this (model, series) */
    int first_gap;       /* the first gap seen for this (model, series) */
    int first_failing;   /* the first non-finite prediction or forecast */
    int64_t last_seq;    /* the (model, series)' last seq before this record */
    int64_t dropped;     /* forecasts this record's gap dropped */
} eddy_eval_note_t;

typedef struct eddy_evaluator_s eddy_evaluator_t;

/* Parses "5,10,20" into CONF's windows. Returns 0, or -1 with ERRSTR naming
 * the bad item and the allowed range. */
int eddy_eval_parse_windows(eddy_eval_conf_t *conf, const char *text, char *errstr,
                            size_t errstr_size);

/* Parses "snaive,holt_winters" into CONF's wait list ("" : none, every model
 * seen is waited for). Returns 0, or -1 with ERRSTR naming the bad list. */
int eddy_eval_parse_models(eddy_eval_conf_t *conf, const char *text, char *errstr,
                           size_t errstr_size);

/* A new evaluator for CONF (copied), or NULL with ERRSTR (a value out of
 * range, out of memory). */
eddy_evaluator_t *eddy_evaluator_new(const eddy_eval_conf_t *conf, char *errstr,
                                     size_t errstr_size);

/* Frees EV; NULL is a no-op. */
void eddy_evaluator_destroy(eddy_evaluator_t *ev);

/* Scores PRED (see the top of this file). On EDDY_EVAL_SCORED fills SCORE,
 * the current scores of PRED's (model, series), except scored_at_us (the
 * caller's clock). NOTE (may be NULL) says what to log. */
eddy_eval_result_t eddy_evaluator_process(eddy_evaluator_t *ev, const eddy_pred_t *pred,
                                          eddy_score_t *score, eddy_eval_note_t *note);

/* The champion decisions of the last eddy_evaluator_process call: sets
 * *EVENTS (borrowed, valid until the next call) and returns how many. */
int eddy_evaluator_events(const eddy_evaluator_t *ev,
                          const eddy_champ_event_t **events);

/* Fills SERVED when the last eddy_evaluator_process call changed the served
 * forecast of its series (a step decided, or with combine_share 0 or a pin
 * the champion stepped or changed; the champion passing the contract
 * gate); returns 1 then, 0 otherwise. */
int eddy_evaluator_served(const eddy_evaluator_t *ev, eddy_eval_served_t *served);

/* Pins MODEL ("" unpins) on SERIES_ID with REASON; fills EVENT. Returns 1
 * when it changed something, 0 for a no-op, -1 when the series is unknown.
 * eddy_evaluator_served then gives the new champion's forecast. */
int eddy_evaluator_pin(eddy_evaluator_t *ev, const char *series_id, const char *model,
                       const char *reason, eddy_champ_event_t *event);

/* The model pinned on SERIES_ID ("" none; NULL unknown series). */
const char *eddy_evaluator_pinned(const eddy_evaluator_t *ev, const char *series_id);

/* The champion of SERIES_ID ("" none; NULL unknown series). */
const char *eddy_evaluator_champion(const eddy_evaluator_t *ev, const char *series_id);

/* Appends the state of SERIES_ID (every model on it) to OUT as an "EEVL"
 * frame. Returns 0, 1 when the series is unknown, -1 when out of memory. */
int eddy_evaluator_save(const eddy_evaluator_t *ev, const char *series_id,
                        eddy_buf_t *out);

/* Replaces the state of SERIES_ID by the frame in BUF[0..LEN). Returns 0, or
 * -1 with ERRSTR: a damaged or truncated frame (named by the check it
 * failed), a state saved with other --horizons, --season or longest window
 * (named, with what to do), a value out of its bounds, the cap reached, out
 * of memory. Never reads past LEN. */
int eddy_evaluator_load(eddy_evaluator_t *ev, const char *series_id, const void *buf,
                        size_t len, char *errstr, size_t errstr_size);

/* Forgets SERIES_ID (its partition moved to another replica). */
void eddy_evaluator_drop(eddy_evaluator_t *ev, const char *series_id);

/* Series held, and (model, series) pairs held. */
size_t eddy_evaluator_series_count(const eddy_evaluator_t *ev);
size_t eddy_evaluator_track_count(const eddy_evaluator_t *ev);

/* Series held whose champion is unset or fails the contract gate. */
size_t eddy_evaluator_unserved_count(const eddy_evaluator_t *ev);

#endif
