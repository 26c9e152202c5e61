/* codec/fields.c: the record tables of codec/records.h turned into field
 * descriptors (offsetof), the invariants a decoded record must keep, and the
 * built-in writer schemas by id. */
#include "codec/fields.h"

#include <math.h>
#include <stdio.h>

#include "codec/schemas.h"

/* One eddy_field_t per table line of the record type REC_T. */
#define FIELD(k, m, nm, bd, cnt)                                                       \
    {.name = nm,                                                                       \
     .kind = EDDY_FIELD_##k,                                                           \
     .offset = offsetof(REC_T, m),                                                     \
     .count_offset = COUNT_OFFSET_##k(cnt),                                            \
     .bound = bd},
#define COUNT_OFFSET_STRING(cnt)  0
#define COUNT_OFFSET_LONG(cnt)    0
#define COUNT_OFFSET_INT(cnt)     0
#define COUNT_OFFSET_DOUBLE(cnt)  0
#define COUNT_OFFSET_FINITE(cnt)  0
#define COUNT_OFFSET_DOUBLES(cnt) offsetof(REC_T, cnt)
#define COUNT_OFFSET_LONGS(cnt)   offsetof(REC_T, cnt)

#define REC_T eddy_obs_t
static const eddy_field_t obs_fields[] = {EDDY_OBSERVATION_FIELDS(FIELD)};
#undef REC_T
#define REC_T eddy_fv_t
static const eddy_field_t fv_fields[] = {EDDY_FEATURES_FIELDS(FIELD)};
#undef REC_T
#define REC_T eddy_pred_t
static const eddy_field_t pred_fields[] = {EDDY_PREDICTION_FIELDS(FIELD)};
#undef REC_T
#define REC_T eddy_score_t
static const eddy_field_t score_fields[] = {EDDY_SCORE_FIELDS(FIELD)};
#undef REC_T
#define REC_T eddy_forecast_t
static const eddy_field_t forecast_fields[] = {EDDY_FORECAST_FIELDS(FIELD)};
#undef REC_T
#define REC_T eddy_model_event_t
static const eddy_field_t model_event_fields[] = {EDDY_MODEL_EVENT_FIELDS(FIELD)};
#undef REC_T
#define REC_T eddy_control_t
static const eddy_field_t control_fields[] = {EDDY_CONTROL_FIELDS(FIELD)};
#undef REC_T

eddy_codec_err_t eddy_require_finite(const char *what, double v, char *errstr,
                                     size_t errstr_size)
{
    if (isfinite(v))
        return EDDY_CODEC_OK;
    snprintf(errstr, errstr_size, "%s is %g: only finite numbers are accepted", what,
             v);
    return EDDY_CODEC_ERR_NOT_FINITE;
}

static eddy_codec_err_t validate_fv(const void *rec, char *errstr, size_t errstr_size)
{
    const eddy_fv_t *fv = rec;

    for (int i = 0; i < fv->n_lags; i++)
        if (!isfinite(fv->lags[i])) { /* the label is formatted only when needed */
            char what[32];
            snprintf(what, sizeof(what), "lag in_%d", i + 1);
            return eddy_require_finite(what, fv->lags[i], errstr, errstr_size);
        }
    if (fv->available_lags < 0 || fv->available_lags > fv->n_lags) {
        snprintf(errstr, errstr_size,
                 "available_lags %d is outside 0..%d (the lag count)",
                 fv->available_lags, fv->n_lags);
        return EDDY_CODEC_ERR_INVALID;
    }
    return EDDY_CODEC_OK;
}

/* Every item of every array of a record of TYPE is finite. */
static eddy_codec_err_t arrays_finite(eddy_rec_type_t type, const void *rec,
                                      char *errstr, size_t errstr_size)
{
    const eddy_record_desc_t *d = eddy_record_desc(type);

    for (int f = 0; f < d->n_fields; f++) {
        const eddy_field_t *fd = &d->fields[f];
        const double *v = eddy_field_cptr(fd, rec);
        if (fd->kind != EDDY_FIELD_DOUBLES)
            continue;
        for (int i = 0; i < eddy_field_ccount(fd, rec); i++)
            if (!isfinite(v[i])) {
                char what[64];
                snprintf(what, sizeof(what), "%s item %d", fd->name, i);
                return eddy_require_finite(what, v[i], errstr, errstr_size);
            }
    }
    return EDDY_CODEC_OK;
}

/* Scores are never NaN. */
static eddy_codec_err_t validate_score(const void *rec, char *errstr,
                                       size_t errstr_size)
{
    return arrays_finite(EDDY_REC_SCORE, rec, errstr, errstr_size);
}

/* A served forecast is finite. */
static eddy_codec_err_t validate_forecast(const void *rec, char *errstr,
                                          size_t errstr_size)
{
    return arrays_finite(EDDY_REC_FORECAST, rec, errstr, errstr_size);
}

/* One line per record type: its EDDY_REC_ and EDDY_SCHEMA_ID_ suffix, its
 * struct, its names, its schema (eddy_schema_<name>), its field table and
 * its invariants beyond the fields (or NULL). */
#define RECORDS(R)                                                                     \
    R(OBSERVATION, eddy_obs_t, "observation", "Observation", observation, obs_fields,  \
      NULL)                                                                            \
    R(FEATURES, eddy_fv_t, "features", "FeatureVector", feature_vector, fv_fields,     \
      validate_fv)                                                                     \
    R(PREDICTION, eddy_pred_t, "prediction", "Prediction", prediction, pred_fields,    \
      NULL)                                                                            \
    R(SCORE, eddy_score_t, "score", "Score", score, score_fields, validate_score)      \
    R(FORECAST, eddy_forecast_t, "forecast", "Forecast", forecast, forecast_fields,    \
      validate_forecast)                                                               \
    R(MODEL_EVENT, eddy_model_event_t, "model_event", "ModelEvent", model_event,       \
      model_event_fields, NULL)                                                        \
    R(CONTROL, eddy_control_t, "control", "Control", control, control_fields, NULL)

#define N_FIELDS(a) ((int)(sizeof(a) / sizeof((a)[0])))

#define DESC(t, T, tn, an, schema, fs, valid)                                          \
    [EDDY_REC_##t] = {.type = EDDY_REC_##t,                                            \
                      .type_name = tn,                                                 \
                      .avro_name = an,                                                 \
                      .schema_json = eddy_schema_##schema,                             \
                      .builtin_id = EDDY_SCHEMA_ID_##t,                                \
                      .size = sizeof(T),                                               \
                      .fields = fs,                                                    \
                      .n_fields = N_FIELDS(fs),                                        \
                      .validate = valid},
static const eddy_record_desc_t descs[EDDY_REC__COUNT] = {RECORDS(DESC)};

#define CHECK(t, T, tn, an, schema, fs, valid)                                         \
    _Static_assert(N_FIELDS(fs) <= EDDY_FIELDS_MAX, tn ": too many fields");
RECORDS(CHECK)

const eddy_record_desc_t *eddy_record_desc(eddy_rec_type_t type)
{
    return (int)type >= 0 && type < EDDY_REC__COUNT ? &descs[type] : NULL;
}

/* Add a row when a schema changes: the new schema gets a new id (its
 * record's builtin_id), the old one keeps its id and its .avsc. */
static const eddy_builtin_writer_t builtin_writers[] = {
    {EDDY_REC_OBSERVATION, EDDY_SCHEMA_ID_OBSERVATION, eddy_schema_observation},
    {EDDY_REC_FEATURES, EDDY_SCHEMA_ID_FEATURES, eddy_schema_feature_vector},
    {EDDY_REC_PREDICTION, EDDY_SCHEMA_ID_PREDICTION_V1, eddy_schema_prediction_v1},
    {EDDY_REC_SCORE, EDDY_SCHEMA_ID_SCORE, eddy_schema_score},
    {EDDY_REC_PREDICTION, EDDY_SCHEMA_ID_PREDICTION, eddy_schema_prediction},
    {EDDY_REC_FORECAST, EDDY_SCHEMA_ID_FORECAST_V1, eddy_schema_forecast_v1},
    {EDDY_REC_MODEL_EVENT, EDDY_SCHEMA_ID_MODEL_EVENT, eddy_schema_model_event},
    {EDDY_REC_CONTROL, EDDY_SCHEMA_ID_CONTROL, eddy_schema_control},
    {EDDY_REC_FORECAST, EDDY_SCHEMA_ID_FORECAST, eddy_schema_forecast},
};

const eddy_builtin_writer_t *eddy_builtin_writers(int *n_out)
{
    *n_out = (int)(sizeof(builtin_writers) / sizeof(builtin_writers[0]));
    return builtin_writers;
}

const char *eddy_rec_type_name(eddy_rec_type_t type)
{
    const eddy_record_desc_t *d = eddy_record_desc(type);
    return d ? d->type_name : "unknown";
}
