#include "features_core.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/bytes.h"
#include "util/series.h"

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

/* A series' state: a util/snapshot.h frame "EFTR" whose payload is n_lags
 * u32, count u32, last_seq u64, then COUNT doubles, most recent first. */
static int history_save(const void *ctx, const void *value, eddy_buf_t *out)
{
    const eddy_features_t *f = ctx;
    const history_t *h = value;

    eddy_buf_put_u32(out, (uint32_t)f->n_lags);
    eddy_buf_put_u32(out, (uint32_t)h->count);
    eddy_buf_put_u64(out, (uint64_t)h->last_seq);
    for (int i = 0; i < h->count; i++)
        eddy_buf_put_f64(out, h->values[(h->head - i + f->n_lags) % f->n_lags]);
    return out->failed ? -1 : 0;
}

static void *history_load(const void *ctx, const char *series_id, eddy_reader_t *r,
                          char *errstr, size_t errstr_size)
{
    const eddy_features_t *f = ctx;
    uint32_t n_lags = eddy_read_u32(r), count = eddy_read_u32(r);
    int64_t last_seq = (int64_t)eddy_read_u64(r);
    history_t *h;

    if (r->err || n_lags != (uint32_t)f->n_lags || count > n_lags ||
        r->len - r->pos != (size_t)count * 8) {
        snprintf(errstr, errstr_size,
                 "state of series '%s' is not a features state for %d lags (%zu bytes)",
                 series_id, f->n_lags, r->len);
        return NULL;
    }
    if (!(h = calloc(1, sizeof(*h) + (size_t)f->n_lags * sizeof(double)))) {
        snprintf(errstr, errstr_size, "out of memory");
        return NULL;
    }
    h->last_seq = last_seq;
    h->count = (int)count;
    h->head = h->count > 0 ? h->count - 1 : f->n_lags - 1;
    /* values[head] is the most recent; older ones sit below it. */
    for (int i = 0; i < h->count; i++)
        h->values[h->head - i] = eddy_read_f64(r);
    return h;
}

static const eddy_series_codec_t history_codec = {
    .magic = "EFTR", .version = 1, .save = history_save, .load = history_load};

int eddy_features_save(const eddy_features_t *f, const char *series_id, eddy_buf_t *out)
{
    return eddy_series_save(f->series, series_id, &history_codec, f, out);
}

int eddy_features_load(eddy_features_t *f, const char *series_id, const void *buf,
                       size_t len, char *errstr, size_t errstr_size)
{
    return eddy_series_load(f->series, series_id, buf, len, &history_codec, f, errstr,
                            errstr_size);
}

void eddy_features_drop(eddy_features_t *f, const char *series_id)
{
    eddy_series_remove(f->series, series_id);
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
