/* learn_core.h: prequential learning per (model, series), pure.
 *
 * For every feature vector: predict with the model as it was, learn the
 * target, then forecast the next H steps recursively. One model instance
 * per series, seeded from (model name, series id), so a series' output
 * depends on nothing but its own records.
 */
#ifndef EDDY_LEARN_CORE_H
#define EDDY_LEARN_CORE_H

#include <stddef.h>

#include "util/buf.h"
#include "codec/records.h"

typedef struct eddy_learner_s eddy_learner_t;

typedef enum {
    EDDY_LEARN_OK = 0,
    EDDY_LEARN_DUPLICATE,  /* seq not after the series' last: already learned (seq
                              is eddy-features' dense per-series step, so this is a
                              re-delivery) */
    EDDY_LEARN_WRONG_LAGS, /* lag count differs from the model's */
    EDDY_LEARN_SERIES_CAP, /* a new series beyond the cap */
    EDDY_LEARN_MODEL_ERROR /* the model could not be created */
} eddy_learn_result_t;

/* Checks MODEL and PARAMS by building one model; NULL + ERRSTR on error
 * (an unknown model name lists the known ones). */
eddy_learner_t *eddy_learner_new(const char *model, const char *params, int n_lags,
                                 int horizon, size_t max_series, char *errstr,
                                 size_t errstr_size);
void eddy_learner_destroy(eddy_learner_t *learner);

/* Predicts, learns and forecasts for FV; fills PRED except predicted_at. */
eddy_learn_result_t eddy_learner_process(eddy_learner_t *learner, const eddy_fv_t *fv,
                                         eddy_pred_t *pred, char *errstr,
                                         size_t errstr_size);

/* The series' model and position as a util/snapshot.h frame "ELRN"
 * (holding the model's own "EMDL" frame) appended to OUT. Returns 0, 1 when
 * the series is unknown, -1 when out of memory. */
int eddy_learner_save(const eddy_learner_t *learner, const char *series_id,
                      eddy_buf_t *out);

/* Replaces the series' model by saved bytes. Returns 0, or -1 with ERRSTR
 * when BUF is not a valid state of this model: a damaged or truncated frame
 * is named by the check it failed (never reads past LEN). */
int eddy_learner_load(eddy_learner_t *learner, const char *series_id, const void *buf,
                      size_t len, char *errstr, size_t errstr_size);

/* Forgets a series (its partition moved to another replica). */
void eddy_learner_drop(eddy_learner_t *learner, const char *series_id);

size_t eddy_learner_series_count(const eddy_learner_t *learner);

/* Publishes the predictions under NAME (Prediction.model: what every
 * score, event and metric shows) instead of the model's name, so two
 * settings of one model run side by side. Returns 0, or -1 when NAME is
 * empty, longer than EDDY_MODEL_NAME_MAX or holds a '/' (the scores' key
 * separator). */
int eddy_learner_set_name(eddy_learner_t *l, const char *name);

#endif
