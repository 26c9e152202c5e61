#include "features_core.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "features_internal.h"
#include "util/bytes.h"

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

void eddy_features_set_frequency(eddy_features_t *f, eddy_step_t step)
{
    f->frequency = step;
}

size_t eddy_features_series_count(const eddy_features_t *f)
{
    return eddy_series_count(f->series);
}

history_t *eddy_history_new(int n_lags)
{
    history_t *h = calloc(1, sizeof(*h) + (size_t)n_lags * sizeof(h->lag[0]));

    if (h)
        h->head = n_lags - 1;
    return h;
}

/* The I-th most recent remembered observation (0 is the last). */
static const lag_t *lag_at(const eddy_features_t *f, const history_t *h, int i)
{
    return &h->lag[(h->head - i + f->n_lags) % f->n_lags];
}

/* Where OBS stands against the series' remembered observations. */
static eddy_features_result_t classify(const eddy_features_t *f, const history_t *h,
                                       const eddy_obs_t *obs,
                                       eddy_features_note_t *note)
{
    note->last_time_ms = h->last_time_ms;
    if (!h->time_known || obs->event_time_ms > h->last_time_ms)
        return EDDY_FEATURES_OK;
    for (int i = 0; i < h->count; i++) {
        const lag_t *l = lag_at(f, h, i);
        if (l->time_ms == obs->event_time_ms && l->time_known) {
            note->other_value = l->value;
            return l->value == obs->value ? EDDY_FEATURES_DUPLICATE
                                          : EDDY_FEATURES_CONFLICT;
        }
    }
    return EDDY_FEATURES_LATE;
}

/* Updates the series' step with the interval from its last event time to
 * T_MS (after it) and returns the steps missing in between. */
static int64_t observe_interval(const eddy_features_t *f, history_t *h, int64_t t_ms)
{
    int64_t d, unit;

    if (f->frequency.months || f->frequency.ms) {
        h->step = f->frequency;
        d = h->step.months ? eddy_step_months_between(h->last_time_ms, t_ms)
                           : t_ms - h->last_time_ms;
    } else if (h->anchor != EDDY_ANCHOR_NONE && eddy_step_anchor(t_ms) == h->anchor) {
        d = eddy_step_months_between(h->last_time_ms, t_ms);
        if (!h->step.months || d < h->step.months)
            h->step = (eddy_step_t){.months = d};
    } else {
        if (h->anchor != EDDY_ANCHOR_NONE) /* not monthly after all */
            h->step = (eddy_step_t){0, 0};
        h->anchor = EDDY_ANCHOR_NONE;
        d = t_ms - h->last_time_ms;
        if (!h->step.ms || d < h->step.ms)
            h->step = (eddy_step_t){.ms = d};
    }
    unit = h->step.months ? h->step.months : h->step.ms;
    return unit > 0 && d / unit >= 2 ? d / unit - 1 : 0;
}

static void count(eddy_features_t *f, history_t *h, eddy_features_result_t res,
                  int64_t missing)
{
    eddy_features_counts_t *c[2] = {&f->totals, &h->counts};

    for (int i = 0; i < 2; i++) {
        c[i]->gaps += missing > 0;
        c[i]->missing_steps += (uint64_t)missing;
        c[i]->late += res == EDDY_FEATURES_LATE;
        c[i]->duplicates += res == EDDY_FEATURES_DUPLICATE;
        c[i]->conflicts += res == EDDY_FEATURES_CONFLICT;
    }
}

static void emit_fv(const eddy_features_t *f, const history_t *h, const eddy_obs_t *obs,
                    eddy_fv_t *fv)
{
    memcpy(fv->series_id, obs->series_id, sizeof(fv->series_id));
    fv->seq = h->next_seq;
    fv->event_time_ms = obs->event_time_ms;
    fv->produced_at_us = obs->produced_at_us;
    fv->target = obs->value;
    fv->n_lags = f->n_lags;
    fv->available_lags = h->count;
    for (int i = 0; i < f->n_lags; i++)
        fv->lags[i] = i < h->count ? lag_at(f, h, i)->value : 0.0;
}

/* Makes OBS the series' most recent observation. */
static void remember(const eddy_features_t *f, history_t *h, const eddy_obs_t *obs)
{
    h->head = (h->head + 1) % f->n_lags;
    h->lag[h->head] =
        (lag_t){.value = obs->value, .time_ms = obs->event_time_ms, .time_known = 1};
    if (h->count < f->n_lags)
        h->count++;
    if (!h->time_known || !h->next_seq)
        h->anchor = eddy_step_anchor(obs->event_time_ms);
    h->last_time_ms = obs->event_time_ms;
    h->time_known = 1;
    h->next_seq++;
}

static history_t *history_get(eddy_features_t *f, const char *series_id,
                              eddy_features_result_t *res)
{
    history_t *h = eddy_series_get(f->series, series_id);
    int rc;

    if (h)
        return h;
    *res = EDDY_FEATURES_NOMEM;
    if (!(h = eddy_history_new(f->n_lags)))
        return NULL;
    if ((rc = eddy_series_put(f->series, series_id, h))) {
        free(h);
        *res = rc > 0 ? EDDY_FEATURES_SERIES_CAP : EDDY_FEATURES_NOMEM;
        return NULL;
    }
    return h;
}

eddy_features_result_t eddy_features_process(eddy_features_t *f, const eddy_obs_t *obs,
                                             eddy_fv_t *fv, eddy_features_note_t *note)
{
    eddy_features_note_t scratch;
    eddy_features_result_t res;
    history_t *h;

    note = note ? note : &scratch;
    memset(note, 0, sizeof(*note));
    if (!(h = history_get(f, obs->series_id, &res)))
        return res;
    if ((res = classify(f, h, obs, note)) == EDDY_FEATURES_OK) {
        if (h->time_known)
            note->missing_steps = observe_interval(f, h, obs->event_time_ms);
        emit_fv(f, h, obs, fv);
        remember(f, h, obs);
    }
    note->step = f->frequency.months || f->frequency.ms ? f->frequency : h->step;
    count(f, h, res, note->missing_steps);
    return res;
}

eddy_features_counts_t eddy_features_counts(const eddy_features_t *f,
                                            const char *series_id)
{
    const history_t *h;

    if (!series_id)
        return f->totals;
    h = eddy_series_get(f->series, series_id);
    return h ? h->counts : (eddy_features_counts_t){0};
}

void eddy_features_drop(eddy_features_t *f, const char *series_id)
{
    eddy_series_remove(f->series, series_id);
}
