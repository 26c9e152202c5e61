/* codec/records.h: eddy's record types, each described once.
 *
 * A record is one table, EDDY_<TYPE>_FIELDS(X), with one line per field of
 * its Avro schema (schemas/<name>.avsc):
 *
 *     X(KIND, member, "avro_name", BOUND, COUNT)
 *
 *   KIND     STRING   char member[BOUND + 1]      Avro string (BOUND bytes at most)
 *            LONG     int64_t member              Avro long
 *            INT      int member                  Avro int
 *            DOUBLE   double member               Avro double
 *            FINITE   double member               Avro double; NaN and Inf refused
 *            DOUBLES  int COUNT; double member[BOUND]   Avro array of double
 *            LONGS    int COUNT; int64_t member[BOUND]  Avro array of long
 *   BOUND    the largest string (bytes, without the NUL) or array; 0 otherwise
 *   COUNT    DOUBLES, LONGS: the int member holding the number of items; _ otherwise
 *
 * The structs below, the codec's encoder and decoder (codec/fields.h lists
 * the table as data), eddy-cat's JSON and the codec tests all come from these
 * tables, and a unit test checks them against the compiled-in schemas. A new
 * field is one line here and one in the .avsc.
 *
 * Bounds are part of the contract: a record whose strings or arrays exceed
 * them is rejected by the codec (and dead-lettered by the stage), so every
 * struct has a fixed size and no record can make a stage allocate.
 */
#ifndef EDDY_CORE_RECORDS_H
#define EDDY_CORE_RECORDS_H

#include <stdint.h>

#define EDDY_SERIES_ID_MAX     255 /* bytes, without the NUL */
#define EDDY_INPUT_MAX         63
#define EDDY_MODEL_NAME_MAX    63
#define EDDY_LAGS_MAX          256
#define EDDY_FORECAST_MAX      64
#define EDDY_SCORE_WINDOWS_MAX 8 /* rolling windows of a Score */
#define EDDY_SCORE_ROLLING_MAX (EDDY_SCORE_WINDOWS_MAX * EDDY_FORECAST_MAX)
#define EDDY_FALLBACK_MAX      15  /* a Prediction's fallback reason */
#define EDDY_WORD_MAX          15  /* a short name: event kind, metric */
#define EDDY_TEXT_MAX          511 /* a reason in words */
#define EDDY_COMBINATION_MAX   9   /* models one served Forecast combines */
#define EDDY_COMBINATION_NAMES_MAX                                                     \
    (EDDY_COMBINATION_MAX * (EDDY_MODEL_NAME_MAX + 1) -                                \
     1) /* their names, '/' between */

typedef enum {
    EDDY_REC_OBSERVATION = 0,
    EDDY_REC_FEATURES = 1,
    EDDY_REC_PREDICTION = 2,
    EDDY_REC_SCORE = 3,
    EDDY_REC_FORECAST = 4,
    EDDY_REC_MODEL_EVENT = 5,
    EDDY_REC_CONTROL = 6,
    EDDY_REC__COUNT
} eddy_rec_type_t;

/* Observation: one value of one time series, as ingested. */
#define EDDY_OBSERVATION_FIELDS(X)                                                     \
    X(STRING, series_id, "series_id", EDDY_SERIES_ID_MAX, _)                           \
    X(LONG, seq, "seq", 0, _)                                                          \
    X(LONG, event_time_ms, "event_time", 0, _)                                         \
    X(STRING, input, "input", EDDY_INPUT_MAX, _)                                       \
    X(FINITE, value, "value", 0, _)                                                    \
    X(LONG, produced_at_us, "produced_at", 0, _)

/* FeatureVector: the lags of one observation; lags[0] is in_1. Decoding
 * also checks 0 <= available_lags <= n_lags and that every lag is finite. */
#define EDDY_FEATURES_FIELDS(X)                                                        \
    X(STRING, series_id, "series_id", EDDY_SERIES_ID_MAX, _)                           \
    X(LONG, seq, "seq", 0, _)                                                          \
    X(LONG, event_time_ms, "event_time", 0, _)                                         \
    X(LONG, produced_at_us, "produced_at", 0, _)                                       \
    X(FINITE, target, "target", 0, _)                                                  \
    X(INT, available_lags, "available_lags", 0, _)                                     \
    X(DOUBLES, lags, "lags", EDDY_LAGS_MAX, n_lags)

/* Prediction: a model's prequential prediction for one observation. fallback
 * is "" or why the learner replaced the model's output by its safe forecast
 * ("nonfinite", "diverged"; processors/learn/learn_core.h); its Avro default
 * "" lets readers of this schema decode records written without it. */
#define EDDY_PREDICTION_FIELDS(X)                                                      \
    X(STRING, series_id, "series_id", EDDY_SERIES_ID_MAX, _)                           \
    X(LONG, seq, "seq", 0, _)                                                          \
    X(LONG, event_time_ms, "event_time", 0, _)                                         \
    X(LONG, produced_at_us, "produced_at", 0, _)                                       \
    X(STRING, model, "model", EDDY_MODEL_NAME_MAX, _)                                  \
    X(LONG, model_version, "model_version", 0, _)                                      \
    X(DOUBLE, prediction, "prediction", 0, _)                                          \
    X(FINITE, target, "target", 0, _)                                                  \
    X(DOUBLES, forecast, "forecast", EDDY_FORECAST_MAX, n_forecast)                    \
    X(LONG, predicted_at_us, "predicted_at", 0, _)                                     \
    X(STRING, fallback, "fallback", EDDY_FALLBACK_MAX, _)

/* Score: the running scores of one model on one series (schemas/score.avsc
 * says what each field means). Per-horizon arrays hold H items, item h-1
 * for horizon h; rolling arrays hold n_windows * H items, window-major:
 * item w * H + (h - 1) (EDDY_SCORE_AT). A figure whose count is 0 is 0.
 * Decoding also checks that every number is finite. Key: "<model>/<series_id>". */
#define EDDY_SCORE_FIELDS(X)                                                           \
    X(STRING, series_id, "series_id", EDDY_SERIES_ID_MAX, _)                           \
    X(STRING, model, "model", EDDY_MODEL_NAME_MAX, _)                                  \
    X(LONG, seq, "seq", 0, _)                                                          \
    X(LONG, event_time_ms, "event_time", 0, _)                                         \
    X(LONG, scored_at_us, "scored_at", 0, _)                                           \
    X(INT, horizons, "horizons", 0, _)                                                 \
    X(INT, season, "season", 0, _)                                                     \
    X(LONGS, windows, "windows", EDDY_SCORE_WINDOWS_MAX, n_windows)                    \
    X(LONGS, n, "n", EDDY_FORECAST_MAX, n_n)                                           \
    X(DOUBLES, mae, "mae", EDDY_FORECAST_MAX, n_mae)                                   \
    X(DOUBLES, rmse, "rmse", EDDY_FORECAST_MAX, n_rmse)                                \
    X(DOUBLES, mape, "mape", EDDY_FORECAST_MAX, n_mape)                                \
    X(LONGS, mape_n, "mape_n", EDDY_FORECAST_MAX, n_mape_n)                            \
    X(DOUBLES, mase, "mase", EDDY_FORECAST_MAX, n_mase)                                \
    X(FINITE, mase_scale, "mase_scale", 0, _)                                          \
    X(LONGS, rolling_n, "rolling_n", EDDY_SCORE_ROLLING_MAX, n_rolling_n)              \
    X(DOUBLES, rolling_mae, "rolling_mae", EDDY_SCORE_ROLLING_MAX, n_rolling_mae)      \
    X(DOUBLES, rolling_rmse, "rolling_rmse", EDDY_SCORE_ROLLING_MAX, n_rolling_rmse)   \
    X(DOUBLES, rolling_mape, "rolling_mape", EDDY_SCORE_ROLLING_MAX, n_rolling_mape)   \
    X(LONGS, rolling_mape_n, "rolling_mape_n", EDDY_SCORE_ROLLING_MAX,                 \
      n_rolling_mape_n)                                                                \
    X(DOUBLES, rolling_mase, "rolling_mase", EDDY_SCORE_ROLLING_MAX, n_rolling_mase)   \
    X(LONG, failing_predictions, "failing_predictions", 0, _)                          \
    X(LONG, failing_forecasts, "failing_forecasts", 0, _)                              \
    X(LONG, last_failing_seq, "last_failing_seq", 0, _)                                \
    X(LONG, duplicates, "duplicates", 0, _)                                            \
    X(LONG, gap_dropped, "gap_dropped", 0, _)                                          \
    X(FINITE, prediction, "prediction", 0, _)                                          \
    X(FINITE, target, "target", 0, _)                                                  \
    X(DOUBLES, forecast, "forecast", EDDY_FORECAST_MAX, n_forecast)                    \
    X(LONGS, forecast_event_times_ms, "forecast_event_times", EDDY_FORECAST_MAX,       \
      n_forecast_event_times)

/* Forecast: the served forecast of one series, its champion's combined
 * with the models that erred least lately (schemas/forecast.avsc; version 1,
 * forecast_v1.avsc, without the combination fields, is still read).
 * Decoding also checks that every number is finite. Key: series_id. */
#define EDDY_FORECAST_FIELDS(X)                                                        \
    X(STRING, series_id, "series_id", EDDY_SERIES_ID_MAX, _)                           \
    X(STRING, model, "model", EDDY_MODEL_NAME_MAX, _)                                  \
    X(LONG, model_version, "model_version", 0, _)                                      \
    X(LONG, seq, "seq", 0, _)                                                          \
    X(LONG, event_time_ms, "event_time", 0, _)                                         \
    X(DOUBLES, forecast, "forecast", EDDY_FORECAST_MAX, n_forecast)                    \
    X(LONGS, forecast_event_times_ms, "forecast_event_times", EDDY_FORECAST_MAX,       \
      n_forecast_event_times)                                                          \
    X(STRING, metric, "metric", EDDY_WORD_MAX, _)                                      \
    X(INT, horizon, "horizon", 0, _)                                                   \
    X(INT, window, "window", 0, _)                                                     \
    X(FINITE, error, "error", 0, _)                                                    \
    X(LONG, error_n, "error_n", 0, _)                                                  \
    X(LONG, made_at_us, "made_at", 0, _)                                               \
    X(STRING, combination, "combination", EDDY_COMBINATION_NAMES_MAX, _)               \
    X(DOUBLES, combination_weights, "combination_weights", EDDY_COMBINATION_MAX,       \
      n_combination_weights)

/* ModelEvent: one champion decision (schemas/model_event.avsc). Key:
 * series_id. */
#define EDDY_MODEL_EVENT_FIELDS(X)                                                     \
    X(STRING, series_id, "series_id", EDDY_SERIES_ID_MAX, _)                           \
    X(STRING, kind, "kind", EDDY_WORD_MAX, _)                                          \
    X(STRING, model, "model", EDDY_MODEL_NAME_MAX, _)                                  \
    X(STRING, previous_model, "previous_model", EDDY_MODEL_NAME_MAX, _)                \
    X(STRING, reason, "reason", EDDY_TEXT_MAX, _)                                      \
    X(STRING, metric, "metric", EDDY_WORD_MAX, _)                                      \
    X(INT, horizon, "horizon", 0, _)                                                   \
    X(INT, window, "window", 0, _)                                                     \
    X(FINITE, model_error, "model_error", 0, _)                                        \
    X(FINITE, previous_error, "previous_error", 0, _)                                  \
    X(LONG, model_n, "model_n", 0, _)                                                  \
    X(LONG, previous_n, "previous_n", 0, _)                                            \
    X(LONG, seq, "seq", 0, _)                                                          \
    X(LONG, event_time_ms, "event_time", 0, _)                                         \
    X(LONG, made_at_us, "made_at", 0, _)

/* Control: an operator's pin or unpin (schemas/control.avsc). Key:
 * series_id ("*": every series). */
#define EDDY_CONTROL_FIELDS(X)                                                         \
    X(STRING, command, "command", EDDY_WORD_MAX, _)                                    \
    X(STRING, series_id, "series_id", EDDY_SERIES_ID_MAX, _)                           \
    X(STRING, model, "model", EDDY_MODEL_NAME_MAX, _)                                  \
    X(STRING, operator_name, "operator", EDDY_MODEL_NAME_MAX, _)                       \
    X(STRING, reason, "reason", EDDY_TEXT_MAX, _)                                      \
    X(LONG, issued_at_us, "issued_at", 0, _)

/* The index of window W (0-based) at horizon H (1-based) in a Score's
 * rolling arrays, for a record of HORIZONS horizons. */
#define EDDY_SCORE_AT(w, h, horizons) ((w) * (horizons) + (h)-1)

/* The C member(s) of one table line. */
#define EDDY_MEMBER_STRING(member, bound, count) char member[(bound) + 1];
#define EDDY_MEMBER_LONG(member, bound, count)   int64_t member;
#define EDDY_MEMBER_INT(member, bound, count)    int member;
#define EDDY_MEMBER_DOUBLE(member, bound, count) double member;
#define EDDY_MEMBER_FINITE(member, bound, count) double member;
#define EDDY_MEMBER_DOUBLES(member, bound, count)                                      \
    int count;                                                                         \
    double member[bound];
#define EDDY_MEMBER_LONGS(member, bound, count)                                        \
    int count;                                                                         \
    int64_t member[bound];
#define EDDY_MEMBER(kind, member, name, bound, count)                                  \
    EDDY_MEMBER_##kind(member, bound, count)

typedef struct eddy_obs_s {
    EDDY_OBSERVATION_FIELDS(EDDY_MEMBER)
} eddy_obs_t;

typedef struct eddy_fv_s {
    EDDY_FEATURES_FIELDS(EDDY_MEMBER)
} eddy_fv_t;

typedef struct eddy_pred_s {
    EDDY_PREDICTION_FIELDS(EDDY_MEMBER)
} eddy_pred_t;

typedef struct eddy_score_s {
    EDDY_SCORE_FIELDS(EDDY_MEMBER)
} eddy_score_t;

typedef struct eddy_forecast_s {
    EDDY_FORECAST_FIELDS(EDDY_MEMBER)
} eddy_forecast_t;

typedef struct eddy_model_event_s {
    EDDY_MODEL_EVENT_FIELDS(EDDY_MEMBER)
} eddy_model_event_t;

typedef struct eddy_control_s {
    EDDY_CONTROL_FIELDS(EDDY_MEMBER)
} eddy_control_t;

/* "observation", "features", "prediction", "score", "forecast",
 * "model_event", "control". */
const char *eddy_rec_type_name(eddy_rec_type_t type);

#endif
