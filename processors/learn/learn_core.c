#include "learn_core.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/bytes.h"
#include "util/series.h"
#include "eddy_model.h"

/* The values a series has shown, for the divergence bound; rebuilt from the
 * records after a restore (not part of the saved state). */
typedef struct observed_s {
    int64_t n;
    double min, max, mean, last;
} observed_t;

typedef struct series_model_s {
    eddy_model_t *model;
    int64_t last_seq;
    int64_t learned;
    observed_t seen;
    int64_t fallbacks;
} series_model_t;

struct eddy_learner_s {
    char model[EDDY_MODEL_NAME_MAX + 1];
    char name[EDDY_MODEL_NAME_MAX + 1]; /* published as Prediction.model */
    char *params;
    int n_lags;
    int horizon;
    double bound;
    int64_t fallbacks[EDDY_FALLBACK_COUNT];
    eddy_series_t *series;
};

static const char *const fallback_names[] = {
#define EDDY_FALLBACK_NAME(id, name) [EDDY_FALLBACK_##id] = name,
    EDDY_FALLBACKS(EDDY_FALLBACK_NAME)
#undef EDDY_FALLBACK_NAME
};

const char *eddy_fallback_name(eddy_fallback_t reason)
{
    return reason >= 0 && reason < EDDY_FALLBACK_COUNT ? fallback_names[reason] : "";
}

static void series_model_free(void *p)
{
    series_model_t *sm = p;
    if (sm)
        eddy_model_destroy(sm->model);
    free(sm);
}

eddy_learner_t *eddy_learner_new(const char *model, const char *params, int n_lags,
                                 int horizon, size_t max_series, char *errstr,
                                 size_t errstr_size)
{
    eddy_learner_t *l;
    eddy_model_t *probe;

    if (strlen(model) > EDDY_MODEL_NAME_MAX || horizon < 0 ||
        horizon > EDDY_FORECAST_MAX || n_lags < 1 || n_lags > EDDY_LAGS_MAX) {
        snprintf(errstr, errstr_size,
                 "invalid learner settings: model name up to %d bytes, horizon 0..%d, "
                 "lags 1..%d",
                 EDDY_MODEL_NAME_MAX, EDDY_FORECAST_MAX, EDDY_LAGS_MAX);
        return NULL;
    }
    if (!(probe = eddy_model_new(model, n_lags, params, 0, errstr, errstr_size)))
        return NULL;
    eddy_model_destroy(probe);
    if (!(l = calloc(1, sizeof(*l))))
        goto nomem;
    snprintf(l->model, sizeof(l->model), "%s", model);
    snprintf(l->name, sizeof(l->name), "%s", model);
    l->n_lags = n_lags;
    l->horizon = horizon;
    l->bound = EDDY_DIVERGENCE_BOUND_DEFAULT;
    if ((params && !(l->params = strdup(params))) ||
        !(l->series = eddy_series_new(max_series, series_model_free)))
        goto nomem;
    return l;
nomem:
    eddy_learner_destroy(l);
    snprintf(errstr, errstr_size, "out of memory");
    return NULL;
}

void eddy_learner_destroy(eddy_learner_t *l)
{
    if (!l)
        return;
    eddy_series_destroy(l->series);
    free(l->params);
    free(l);
}

size_t eddy_learner_series_count(const eddy_learner_t *l)
{
    return eddy_series_count(l->series);
}

void eddy_learner_set_divergence_bound(eddy_learner_t *l, double k)
{
    if (k > 0.0)
        l->bound = k;
}

int64_t eddy_learner_fallbacks(const eddy_learner_t *l, eddy_fallback_t reason)
{
    return reason >= 0 && reason < EDDY_FALLBACK_COUNT ? l->fallbacks[reason] : 0;
}

int64_t eddy_learner_series_fallbacks(const eddy_learner_t *l, const char *series_id)
{
    const series_model_t *sm = eddy_series_get(l->series, series_id);
    return sm ? sm->fallbacks : 0;
}

static void observe(observed_t *o, double v)
{
    if (o->n++ == 0) {
        o->min = o->max = o->mean = v;
    } else {
        o->min = fmin(o->min, v);
        o->max = fmax(o->max, v);
        o->mean += (v - o->mean) / (double)o->n; /* no sum to overflow */
    }
    o->last = v;
}

/* Why X may not be published for a series that showed O (NONE: it may). */
static eddy_fallback_t check_output(const observed_t *o, double bound, double x)
{
    if (!isfinite(x))
        return EDDY_FALLBACK_NONFINITE;
    if (o->n == 0)
        return EDDY_FALLBACK_NONE;
    double mid = o->min / 2.0 + o->max / 2.0;
    double scale = fmax(fmax(o->max - o->min, fabs(o->mean)), EDDY_DIVERGENCE_EPS);
    return fabs(x - mid) > bound * scale ? EDDY_FALLBACK_DIVERGED : EDDY_FALLBACK_NONE;
}

static series_model_t *series_model_get(eddy_learner_t *l, const char *series_id,
                                        eddy_learn_result_t *res, char *errstr,
                                        size_t errstr_size)
{
    series_model_t *sm = eddy_series_get(l->series, series_id);
    int rc;

    if (sm)
        return sm;
    if (eddy_series_count(l->series) >= eddy_series_cap(l->series)) {
        snprintf(errstr, errstr_size,
                 "series '%s' is new but %zu series already have a model: raise "
                 "--max-series or add partitions and replicas",
                 series_id, eddy_series_count(l->series));
        *res = EDDY_LEARN_SERIES_CAP;
        return NULL;
    }
    *res = EDDY_LEARN_MODEL_ERROR;
    if (!(sm = calloc(1, sizeof(*sm))))
        return NULL;
    sm->last_seq = INT64_MIN;
    sm->model =
        eddy_model_new(l->model, l->n_lags, l->params,
                       eddy_model_seed(l->model, series_id), errstr, errstr_size);
    if (!sm->model || (rc = eddy_series_put(l->series, series_id, sm))) {
        series_model_free(sm);
        return NULL;
    }
    return sm;
}

/* A new model for the series (same seed) in place of one whose output could
 * not be published; on failure (out of memory) the old one stays. */
static void series_model_reset(eddy_learner_t *l, const char *series_id,
                               series_model_t *sm)
{
    char errstr[256];
    eddy_model_t *m =
        eddy_model_new(l->model, l->n_lags, l->params,
                       eddy_model_seed(l->model, series_id), errstr, sizeof(errstr));
    if (!m)
        return;
    eddy_model_destroy(sm->model);
    sm->model = m;
    sm->learned = 0;
}

/* Marks PRED as fallen back for WHY (the first reason of the record stays)
 * and counts it once per record. */
static void fell_back(eddy_learner_t *l, series_model_t *sm, eddy_pred_t *pred,
                      eddy_fallback_t why)
{
    if (pred->fallback[0])
        return;
    snprintf(pred->fallback, sizeof(pred->fallback), "%s", eddy_fallback_name(why));
    l->fallbacks[why]++;
    sm->fallbacks++;
}

/* The model's prediction for FV, or the last observed value when the guard
 * refuses it (then the model is reset before it learns). */
static void predict_guarded(eddy_learner_t *l, series_model_t *sm, const eddy_fv_t *fv,
                            eddy_pred_t *pred)
{
    observed_t *seen = &sm->seen;
    eddy_fallback_t why;

    if (seen->n == 0) /* after a start or a restore: the lags, oldest first */
        for (int i = fv->available_lags - 1; i >= 0; i--)
            observe(seen, fv->lags[i]);
    pred->prediction = eddy_model_predict(sm->model, fv->lags);
    if ((why = check_output(seen, l->bound, pred->prediction)) == EDDY_FALLBACK_NONE)
        return;
    pred->prediction = fv->available_lags > 0 ? fv->lags[0]
                       : seen->n              ? seen->last
                                              : 0.0;
    fell_back(l, sm, pred, why);
    series_model_reset(l, fv->series_id, sm);
}

/* The model's forecast from X_NEXT, its steps from the first refused one on
 * replaced by the last observed value (the target just learned). A refused
 * first step means the model's state is broken: it is reset. A later step
 * is the recursion running away from a sound state: the model stays. */
static void forecast_guarded(eddy_learner_t *l, series_model_t *sm, const eddy_fv_t *fv,
                             const double *x_next, eddy_pred_t *pred)
{
    eddy_fallback_t why = EDDY_FALLBACK_NONE;
    int h = 0;

    pred->n_forecast = l->horizon;
    if (l->horizon == 0)
        return;
    eddy_model_forecast(sm->model, x_next, pred->forecast, l->horizon);
    for (; h < l->horizon; h++)
        if ((why = check_output(&sm->seen, l->bound, pred->forecast[h])))
            break;
    if (why == EDDY_FALLBACK_NONE)
        return;
    fell_back(l, sm, pred, why);
    if (h == 0)
        series_model_reset(l, fv->series_id, sm);
    for (; h < l->horizon; h++)
        pred->forecast[h] = fv->target;
}

eddy_learn_result_t eddy_learner_process(eddy_learner_t *l, const eddy_fv_t *fv,
                                         eddy_pred_t *pred, char *errstr,
                                         size_t errstr_size)
{
    eddy_learn_result_t res = EDDY_LEARN_OK;
    series_model_t *sm;
    double x_next[EDDY_LAGS_MAX];

    if (fv->n_lags != l->n_lags) {
        snprintf(
            errstr, errstr_size,
            "feature vector has %d lags (eddy-features --lags %d) but the model "
            "expects "
            "%d (eddy-learn --lags %d): run eddy-features and eddy-learn with the same "
            "--lags",
            fv->n_lags, fv->n_lags, l->n_lags, l->n_lags);
        return EDDY_LEARN_WRONG_LAGS;
    }
    if (!(sm = series_model_get(l, fv->series_id, &res, errstr, errstr_size)))
        return res;
    if (fv->seq <= sm->last_seq)
        return EDDY_LEARN_DUPLICATE;

    memcpy(pred->series_id, fv->series_id, sizeof(pred->series_id));
    snprintf(pred->model, sizeof(pred->model), "%s", l->name);
    pred->seq = fv->seq;
    pred->event_time_ms = fv->event_time_ms;
    pred->produced_at_us = fv->produced_at_us;
    pred->target = fv->target;
    pred->model_version = sm->learned;
    pred->fallback[0] = '\0';
    predict_guarded(l, sm, fv, pred);
    eddy_model_learn(sm->model, fv->lags, fv->target);
    sm->learned++;
    sm->last_seq = fv->seq;
    observe(&sm->seen, fv->target);

    /* The next step's lags: this target becomes in_1. */
    x_next[0] = fv->target;
    memcpy(x_next + 1, fv->lags, (size_t)(l->n_lags - 1) * sizeof(double));
    forecast_guarded(l, sm, fv, x_next, pred);
    return EDDY_LEARN_OK;
}

/* A series' state: a util/snapshot.h frame "ELRN" whose payload is last_seq
 * u64, learned u64, then the model's own snapshot (a frame of its own). */
static int series_model_save(const void *ctx, const void *value, eddy_buf_t *out)
{
    const series_model_t *sm = value;

    (void)ctx;
    eddy_buf_put_u64(out, (uint64_t)sm->last_seq);
    eddy_buf_put_u64(out, (uint64_t)sm->learned);
    return eddy_model_save(sm->model, out);
}

/* The model restored from the rest of R, if it is L's kind of model. */
static eddy_model_t *model_load(const eddy_learner_t *l, const char *series_id,
                                eddy_reader_t *r, char *errstr, size_t errstr_size)
{
    eddy_model_t *m =
        eddy_model_restore(r->buf + r->pos, r->len - r->pos, errstr, errstr_size);

    if (!m)
        return NULL;
    r->pos = r->len;
    if (strcmp(eddy_model_name(m), l->model) || eddy_model_n_features(m) != l->n_lags) {
        snprintf(
            errstr, errstr_size,
            "state of series '%s' holds model %s with %d lags, not %s with %d: was the "
            "state topic written by another model?",
            series_id, eddy_model_name(m), eddy_model_n_features(m), l->model,
            l->n_lags);
        eddy_model_destroy(m);
        return NULL;
    }
    return m;
}

static void *series_model_load(const void *ctx, const char *series_id, eddy_reader_t *r,
                               char *errstr, size_t errstr_size)
{
    series_model_t *sm = calloc(1, sizeof(*sm));

    if (!sm) {
        snprintf(errstr, errstr_size, "out of memory");
        return NULL;
    }
    sm->last_seq = (int64_t)eddy_read_u64(r);
    sm->learned = (int64_t)eddy_read_u64(r);
    if (r->err)
        snprintf(errstr, errstr_size,
                 "state of series '%s' is not a learner state (%zu bytes)", series_id,
                 r->len);
    else
        sm->model = model_load(ctx, series_id, r, errstr, errstr_size);
    if (!sm->model) {
        free(sm);
        return NULL;
    }
    return sm;
}

static const eddy_series_codec_t series_model_codec = {.magic = "ELRN",
                                                       .version = 1,
                                                       .save = series_model_save,
                                                       .load = series_model_load};

int eddy_learner_save(const eddy_learner_t *l, const char *series_id, eddy_buf_t *out)
{
    return eddy_series_save(l->series, series_id, &series_model_codec, l, out);
}

int eddy_learner_load(eddy_learner_t *l, const char *series_id, const void *buf,
                      size_t len, char *errstr, size_t errstr_size)
{
    return eddy_series_load(l->series, series_id, buf, len, &series_model_codec, l,
                            errstr, errstr_size);
}

void eddy_learner_drop(eddy_learner_t *l, const char *series_id)
{
    eddy_series_remove(l->series, series_id);
}

int eddy_learner_set_name(eddy_learner_t *l, const char *name)
{
    size_t n = strlen(name);

    if (!n || n > EDDY_MODEL_NAME_MAX || strchr(name, '/'))
        return -1;
    memcpy(l->name, name, n + 1);
    return 0;
}
