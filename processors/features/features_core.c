#include "features_core.h"

#include <stdlib.h>
#include <string.h>

#include "core_series.h"

typedef struct history_s {
    int64_t last_seq;
    int count; /* values seen, saturating at n_lags */
    int head;  /* ring index of the most recent value */
    double values[];
} history_t;

struct eddy_features_s {
    int n_lags;
    eddy_series_t *series;
};

eddy_features_t *eddy_features_new(int n_lags, size_t max_series)
{
    eddy_features_t *f;

    if (n_lags < 1 || n_lags > EDDY_LAGS_MAX || !(f = calloc(1, sizeof(*f))))
        return NULL;
    f->n_lags = n_lags;
    if (!(f->series = eddy_series_new(max_series, free))) {
        free(f);
        return NULL;
    }
    return f;
}

void eddy_features_destroy(eddy_features_t *f)
{
    if (!f)
        return;
    eddy_series_destroy(f->series);
    free(f);
}

size_t eddy_features_series_count(const eddy_features_t *f)
{
    return eddy_series_count(f->series);
}

eddy_features_result_t eddy_features_process(eddy_features_t *f, const eddy_obs_t *obs,
                                             eddy_fv_t *fv)
{
    history_t *h = eddy_series_get(f->series, obs->series_id);

    if (!h) {
        int rc;
        if (!(h = calloc(1, sizeof(*h) + (size_t)f->n_lags * sizeof(double))))
            return EDDY_FEATURES_NOMEM;
        h->last_seq = INT64_MIN;
        h->head = f->n_lags - 1;
        if ((rc = eddy_series_put(f->series, obs->series_id, h))) {
            free(h);
            return rc > 0 ? EDDY_FEATURES_SERIES_CAP : EDDY_FEATURES_NOMEM;
        }
    }
    if (obs->seq <= h->last_seq)
        return EDDY_FEATURES_DUPLICATE;

    memcpy(fv->series_id, obs->series_id, sizeof(fv->series_id));
    fv->seq = obs->seq;
    fv->event_time_ms = obs->event_time_ms;
    fv->produced_at_us = obs->produced_at_us;
    fv->target = obs->value;
    fv->n_lags = f->n_lags;
    fv->available_lags = h->count;
    for (int i = 0; i < f->n_lags; i++)
        fv->lags[i] =
            i < h->count ? h->values[(h->head - i + f->n_lags) % f->n_lags] : 0.0;

    h->head = (h->head + 1) % f->n_lags;
    h->values[h->head] = obs->value;
    if (h->count < f->n_lags)
        h->count++;
    h->last_seq = obs->seq;
    return EDDY_FEATURES_OK;
}
