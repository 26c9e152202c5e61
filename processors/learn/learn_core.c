#include "learn_core.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/bytes.h"
#include "util/series.h"
#include "eddy_model.h"

typedef struct series_model_s {
    eddy_model_t *model;
    int64_t last_seq;
    int64_t learned;
} series_model_t;

struct eddy_learner_s {
    char model[EDDY_MODEL_NAME_MAX + 1];
    char name[EDDY_MODEL_NAME_MAX + 1]; /* published as Prediction.model */
    char *params;
    int n_lags;
    int horizon;
    eddy_series_t *series;
};

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
            "feature vector has %d lags but the model expects %d: run eddy-features "
            "and eddy-learn with the same --lags",
            fv->n_lags, l->n_lags);
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
    pred->prediction = eddy_model_predict(sm->model, fv->lags);
    eddy_model_learn(sm->model, fv->lags, fv->target);
    sm->learned++;
    sm->last_seq = fv->seq;

    /* The next step's lags: this target becomes in_1. */
    x_next[0] = fv->target;
    memcpy(x_next + 1, fv->lags, (size_t)(l->n_lags - 1) * sizeof(double));
    pred->n_forecast = l->horizon;
    if (l->horizon > 0)
        eddy_model_forecast(sm->model, x_next, pred->forecast, l->horizon);
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
