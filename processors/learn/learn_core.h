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

/* Why a published prediction or forecast is the learner's safe forecast
 * instead of the model's (Prediction.fallback). */
#define EDDY_FALLBACKS(X)                                                              \
    X(NONE, "")               /* the model's own output */                             \
    X(NONFINITE, "nonfinite") /* the model returned NaN or an infinity */              \
    X(DIVERGED, "diverged")   /* beyond the divergence bound (below) */

typedef enum {
#define EDDY_FALLBACK_ENUM(id, name) EDDY_FALLBACK_##id,
    EDDY_FALLBACKS(EDDY_FALLBACK_ENUM)
#undef EDDY_FALLBACK_ENUM
        EDDY_FALLBACK_COUNT
} eddy_fallback_t;

/* The default divergence bound K (see eddy_learner_set_divergence_bound). */
#define EDDY_DIVERGENCE_BOUND_DEFAULT 1000.0
/* The smallest scale of the bound: a series observed exactly constant at 0
 * still lets the model's output stray by K * this. */
#define EDDY_DIVERGENCE_EPS 1e-9

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

/* The divergence bound K (> 0): an output x of a series whose observed
 * values (its targets, and the lags of the first record after a start or a
 * restore) span [min, max] with mean m is diverged when
 *   |x - (min + max) / 2| > K * max(max - min, |m|, EDDY_DIVERGENCE_EPS).
 * Default EDDY_DIVERGENCE_BOUND_DEFAULT. */
void eddy_learner_set_divergence_bound(eddy_learner_t *learner, double k);

/* Predicts, learns and forecasts for FV; fills PRED except predicted_at.
 *
 * The guard: a prediction or forecast step that is not finite, or diverged,
 * is never published. The prediction is then replaced by the last observed
 * value (fv->lags[0], 0 before any observation) and the model is reset (a
 * new model, same seed; model_version restarts at 0) before it learns the
 * target. A bad forecast step is replaced, with every later step, by the
 * target just learned; when it is the first step the model is reset after
 * learning (a later one is the recursion running away, the model stays). PRED->fallback
 * names the first reason
 * ("" when the model's own output is published); the series' and the
 * learner's counts grow (eddy_learner_fallbacks). Where the model's output
 * is finite and within the bound, PRED is the model's, bit for bit. */
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

/* Records whose output fell back, for REASON, since the learner was made. */
int64_t eddy_learner_fallbacks(const eddy_learner_t *learner, eddy_fallback_t reason);

/* Records of SERIES_ID whose output fell back since its model was created or
 * restored in this process (0 for an unknown series). */
int64_t eddy_learner_series_fallbacks(const eddy_learner_t *learner,
                                      const char *series_id);

/* "nonfinite", "diverged"; "" for EDDY_FALLBACK_NONE and outside the table. */
const char *eddy_fallback_name(eddy_fallback_t reason);

/* Publishes the predictions under NAME (Prediction.model: what every
 * score, event and metric shows) instead of the model's name, so two
 * settings of one model run side by side. Returns 0, or -1 when NAME is
 * empty, longer than EDDY_MODEL_NAME_MAX or holds a '/' (the scores' key
 * separator). */
int eddy_learner_set_name(eddy_learner_t *l, const char *name);

#endif
