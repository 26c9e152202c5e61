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

#define STATE_MAGIC 0x31534645u /* "EFS1" */

/* Layout: magic u32, n_lags u32, count u32, last_seq u64, then COUNT
 * doubles, most recent first. */
int eddy_features_save(const eddy_features_t *f, const char *series_id, eddy_buf_t *out)
{
    const history_t *h = eddy_series_get(f->series, series_id);
    uint8_t hdr[20], v[8];

    if (!h)
        return 1;
    eddy_put_le(hdr, STATE_MAGIC, 4);
    eddy_put_le(hdr + 4, (uint32_t)f->n_lags, 4);
    eddy_put_le(hdr + 8, (uint32_t)h->count, 4);
    eddy_put_le(hdr + 12, (uint64_t)h->last_seq, 8);
    if (eddy_buf_append(out, (const char *)hdr, sizeof(hdr)))
        return -1;
    for (int i = 0; i < h->count; i++) {
        double d = h->values[(h->head - i + f->n_lags) % f->n_lags];
        uint64_t bits;
        memcpy(&bits, &d, sizeof(bits));
        eddy_put_le(v, bits, 8);
        if (eddy_buf_append(out, (const char *)v, sizeof(v)))
            return -1;
    }
    return 0;
}

int eddy_features_load(eddy_features_t *f, const char *series_id, const void *buf,
                       size_t len, char *errstr, size_t errstr_size)
{
    const uint8_t *p = buf;
    history_t *h;
    uint32_t count;

    if (len < 20 || (uint32_t)eddy_get_le(p, 4) != STATE_MAGIC ||
        (uint32_t)eddy_get_le(p + 4, 4) != (uint32_t)f->n_lags ||
        (count = (uint32_t)eddy_get_le(p + 8, 4)) > (uint32_t)f->n_lags ||
        len != 20 + (size_t)count * 8) {
        snprintf(errstr, errstr_size,
                 "state of series '%s' is not a features state for %d lags (%zu bytes)",
                 series_id, f->n_lags, len);
        return -1;
    }
    if (!(h = calloc(1, sizeof(*h) + (size_t)f->n_lags * sizeof(double)))) {
        snprintf(errstr, errstr_size, "out of memory");
        return -1;
    }
    h->last_seq = (int64_t)eddy_get_le(p + 12, 8);
    h->count = (int)count;
    h->head = h->count > 0 ? h->count - 1 : f->n_lags - 1;
    /* values[head] is the most recent; older ones sit below it. */
    for (int i = 0; i < h->count; i++) {
        uint64_t bits = eddy_get_le(p + 20 + (size_t)i * 8, 8);
        memcpy(&h->values[h->head - i], &bits, sizeof(double));
    }
    eddy_series_remove(f->series, series_id);
    if (eddy_series_put(f->series, series_id, h)) {
        free(h);
        snprintf(errstr, errstr_size, "series cap reached while restoring '%s'",
                 series_id);
        return -1;
    }
    return 0;
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
