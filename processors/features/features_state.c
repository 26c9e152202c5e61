/* features_state.c: the features core's snapshots and metrics. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "features_internal.h"
#include "util/bytes.h"
#include "util/prom.h"
#include "util/snapshot.h"

/* Version 2 of a series' state: a util/snapshot.h frame "EFTR" whose payload
 * is n_lags u32, count u32, next_seq u64, last_time_ms u64, time_known u32,
 * anchor u32, step months u64, step ms u64, then COUNT lags, most recent
 * first, each value f64, time_ms u64, time_known u32. */
static int history_save(const void *ctx, const void *value, eddy_buf_t *out)
{
    const eddy_features_t *f = ctx;
    const history_t *h = value;

    eddy_buf_put_u32(out, (uint32_t)f->n_lags);
    eddy_buf_put_u32(out, (uint32_t)h->count);
    eddy_buf_put_u64(out, (uint64_t)h->next_seq);
    eddy_buf_put_u64(out, (uint64_t)h->last_time_ms);
    eddy_buf_put_u32(out, (uint32_t)h->time_known);
    eddy_buf_put_u32(out, (uint32_t)h->anchor);
    eddy_buf_put_u64(out, (uint64_t)h->step.months);
    eddy_buf_put_u64(out, (uint64_t)h->step.ms);
    for (int i = 0; i < h->count; i++) {
        const lag_t *l = &h->lag[(h->head - i + f->n_lags) % f->n_lags];
        eddy_buf_put_f64(out, l->value);
        eddy_buf_put_u64(out, (uint64_t)l->time_ms);
        eddy_buf_put_u32(out, (uint32_t)l->time_known);
    }
    return out->failed ? -1 : 0;
}

/* A history for COUNT lags read by READ_LAG (most recent first), or NULL
 * with ERRSTR: the common part of both versions' loaders. */
static history_t *history_alloc(const eddy_features_t *f, const char *series_id,
                                const eddy_reader_t *r, uint32_t n_lags, uint32_t count,
                                size_t lag_bytes, char *errstr, size_t errstr_size)
{
    history_t *h;

    if (r->err || n_lags != (uint32_t)f->n_lags || count > n_lags ||
        r->len - r->pos != (size_t)count * lag_bytes) {
        snprintf(errstr, errstr_size,
                 "state of series '%s' is not a features state for %d lags (%zu bytes)",
                 series_id, f->n_lags, r->len);
        return NULL;
    }
    if (!(h = eddy_history_new(f->n_lags))) {
        snprintf(errstr, errstr_size, "out of memory");
        return NULL;
    }
    h->count = (int)count;
    h->head = h->count > 0 ? h->count - 1 : f->n_lags - 1;
    return h;
}

static void *history_load(const void *ctx, const char *series_id, eddy_reader_t *r,
                          char *errstr, size_t errstr_size)
{
    uint32_t n_lags = eddy_read_u32(r), count = eddy_read_u32(r);
    history_t tmp = {.next_seq = (int64_t)eddy_read_u64(r),
                     .last_time_ms = (int64_t)eddy_read_u64(r),
                     .time_known = eddy_read_u32(r) != 0,
                     .anchor = (eddy_anchor_t)eddy_read_u32(r),
                     .step = {(int64_t)eddy_read_u64(r), (int64_t)eddy_read_u64(r)}};
    history_t *h =
        history_alloc(ctx, series_id, r, n_lags, count, 20, errstr, errstr_size);

    if (!h)
        return NULL;
    h->next_seq = tmp.next_seq;
    h->last_time_ms = tmp.last_time_ms;
    h->time_known = tmp.time_known;
    h->anchor = tmp.anchor > EDDY_ANCHOR_LAST ? EDDY_ANCHOR_NONE : tmp.anchor;
    h->step = tmp.step;
    /* lag[head] is the most recent; older ones sit below it. */
    for (int i = 0; i < h->count; i++) {
        lag_t *l = &h->lag[h->head - i];
        l->value = eddy_read_f64(r);
        l->time_ms = (int64_t)eddy_read_u64(r);
        l->time_known = eddy_read_u32(r) != 0;
    }
    return h;
}

/* Version 1 (before ordering by event time): n_lags u32, count u32,
 * last_seq u64, then COUNT doubles, most recent first. */
static void *history_load_v1(const void *ctx, const char *series_id, eddy_reader_t *r,
                             char *errstr, size_t errstr_size)
{
    uint32_t n_lags = eddy_read_u32(r), count = eddy_read_u32(r);
    int64_t last_seq = (int64_t)eddy_read_u64(r);
    history_t *h =
        history_alloc(ctx, series_id, r, n_lags, count, 8, errstr, errstr_size);

    if (!h)
        return NULL;
    /* The learner has seen seqs up to LAST_SEQ: the dense steps go on above. */
    h->next_seq = last_seq < 0 ? 0 : last_seq + 1;
    for (int i = 0; i < h->count; i++)
        h->lag[h->head - i].value = eddy_read_f64(r);
    return h;
}

static const eddy_series_codec_t history_codec = {
    .magic = "EFTR", .version = 2, .save = history_save, .load = history_load};
static const eddy_series_codec_t history_codec_v1 = {
    .magic = "EFTR", .version = 1, .save = NULL, .load = history_load_v1};

int eddy_features_save(const eddy_features_t *f, const char *series_id, eddy_buf_t *out)
{
    return eddy_series_save(f->series, series_id, &history_codec, f, out);
}

int eddy_features_load(eddy_features_t *f, const char *series_id, const void *buf,
                       size_t len, char *errstr, size_t errstr_size)
{
    /* The frame's version (offset 4) picks the reader; a damaged frame is
     * still named by the snapshot checks of the reader it picks. */
    const eddy_series_codec_t *codec =
        len >= EDDY_SNAPSHOT_HEADER && eddy_get_le((const uint8_t *)buf + 4, 4) == 1
            ? &history_codec_v1
            : &history_codec;

    return eddy_series_load(f->series, series_id, buf, len, codec, f, errstr,
                            errstr_size);
}

/* One counter family of the counts, by offset of its member. */
typedef struct count_family_s {
    const char *name, *help;
    size_t offset;
} count_family_t;

static const count_family_t count_families[] = {
    {.name = "eddy_features_gaps_total",
     .help = "Gaps in a series' event times (an interval longer than one step).",
     .offset = offsetof(eddy_features_counts_t, gaps)},
    {.name = "eddy_features_missing_steps_total",
     .help = "Steps missing inside the gaps.",
     .offset = offsetof(eddy_features_counts_t, missing_steps)},
    {.name = "eddy_features_out_of_order_total",
     .help = "Records whose event time is before the series' last (dead-lettered "
             "as late).",
     .offset = offsetof(eddy_features_counts_t, late)},
    {.name = "eddy_features_duplicates_total",
     .help = "Exact duplicates (same series, event time and value) skipped.",
     .offset = offsetof(eddy_features_counts_t, duplicates)},
    {.name = "eddy_features_conflicting_duplicates_total",
     .help = "Records at a seen event time with another value (dead-lettered).",
     .offset = offsetof(eddy_features_counts_t, conflicts)},
};

static uint64_t count_of(const eddy_features_counts_t *c, size_t offset)
{
    uint64_t v;

    memcpy(&v, (const char *)c + offset, sizeof(v));
    return v;
}

typedef struct family_walk_s {
    eddy_prom_buf_t *p;
    size_t offset;
    int written;
} family_walk_t;

static void series_sample(const char *id, void *value, void *arg)
{
    family_walk_t *w = arg;
    uint64_t v = count_of(&((const history_t *)value)->counts, w->offset);
    eddy_prom_label_t label = {.name = "series", .value = id};

    if (v && w->written < EDDY_FEATURES_METRIC_SERIES &&
        eddy_prom_valid_label_value(id)) {
        eddy_prom_sample(w->p, &label, 1, (double)v);
        w->written++;
    }
}

void eddy_features_metrics(const eddy_features_t *f, eddy_buf_t *out)
{
    eddy_prom_buf_t *p = eddy_prom_buf_over(out);
    eddy_prom_label_t all = {.name = "series", .value = "_all"};

    if (!p) {
        out->failed = 1;
        return;
    }
    for (size_t i = 0; i < sizeof(count_families) / sizeof(count_families[0]); i++) {
        family_walk_t w = {.p = p, .offset = count_families[i].offset};
        eddy_prom_family(p, count_families[i].name, EDDY_PROM_COUNTER,
                         count_families[i].help);
        eddy_prom_sample(p, &all, 1, (double)count_of(&f->totals, w.offset));
        eddy_series_foreach(f->series, series_sample, &w);
    }
    if (eddy_prom_buf_error(p) == EDDY_PROM_ENOMEM)
        out->failed = 1;
    eddy_prom_buf_destroy(p);
}
