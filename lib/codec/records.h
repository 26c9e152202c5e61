/* codec/records.h: eddy's three record types as plain structs.
 *
 * Bounds are part of the contract: a record whose strings or arrays exceed
 * them is rejected by the codec (and dead-lettered by the stage), so every
 * struct has a fixed size and no record can make a stage allocate.
 */
#ifndef EDDY_CORE_RECORDS_H
#define EDDY_CORE_RECORDS_H

#include <stdint.h>

#define EDDY_SERIES_ID_MAX  255 /* bytes, without the NUL */
#define EDDY_INPUT_MAX      63
#define EDDY_MODEL_NAME_MAX 63
#define EDDY_LAGS_MAX       256
#define EDDY_FORECAST_MAX   64

typedef enum {
    EDDY_REC_OBSERVATION = 0,
    EDDY_REC_FEATURES = 1,
    EDDY_REC_PREDICTION = 2,
    EDDY_REC__COUNT
} eddy_rec_type_t;

typedef struct eddy_obs_s {
    char series_id[EDDY_SERIES_ID_MAX + 1];
    int64_t seq;
    int64_t event_time_ms;
    char input[EDDY_INPUT_MAX + 1];
    double value;
    int64_t produced_at_us;
} eddy_obs_t;

typedef struct eddy_fv_s {
    char series_id[EDDY_SERIES_ID_MAX + 1];
    int64_t seq;
    int64_t event_time_ms;
    int64_t produced_at_us;
    double target;
    int n_lags;
    int available_lags;
    double lags[EDDY_LAGS_MAX]; /* lags[0] is in_1 */
} eddy_fv_t;

typedef struct eddy_pred_s {
    char series_id[EDDY_SERIES_ID_MAX + 1];
    int64_t seq;
    int64_t event_time_ms;
    int64_t produced_at_us;
    char model[EDDY_MODEL_NAME_MAX + 1];
    int64_t model_version;
    double prediction;
    double target;
    int n_forecast;
    double forecast[EDDY_FORECAST_MAX];
    int64_t predicted_at_us;
} eddy_pred_t;

/* "observation", "features", "prediction". */
const char *eddy_rec_type_name(eddy_rec_type_t type);

#endif
