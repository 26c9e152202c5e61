#include "evaluate_core.h"
#include "history.h"

#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/bytes.h"
#include "util/ksum.h"
#include "util/series.h"
#include "util/snapshot.h"
#include "util/timeparse.h"

#define NONE INT64_MIN /* no seq yet */

/* A seq that is NONE or a step in 0..EDDY_EVAL_SEQ_MAX: far enough from the
 * int64 limits that step arithmetic (s - h, o + h, s - m) cannot overflow. */
static int seq_ok(int64_t v)
{
    return v == NONE || (v >= 0 && v <= EDDY_EVAL_SEQ_MAX);
}

/* The cumulative scores of one horizon and its ring of the last WMAX
 * scored pairs (|e| and y, in the track's ring arrays). */
typedef struct horizon_s {
    int64_t n, mape_n;
    eddy_ksum_t abs, sq, ape;
    uint32_t ring_n, ring_head; /* pairs held (<= wmax); next slot written */
} horizon_t;

/* One (model, series). Arrays sized by the configuration:
 * hz[H]; ring_abs, ring_y [H][wmax]; pend_origin[H], pend_n[H] and
 * pend[H][H] (the forecast made after step pend_origin, in slot
 * origin mod H); season_seq, season_y [m] (truth of step seq in slot
 * seq mod m). */
typedef struct track_s {
    char model[EDDY_MODEL_NAME_MAX + 1];
    int64_t last_seq, prev_seq, event_time_ms, prev_event_time_ms;
    int64_t failing_predictions, failing_forecasts, last_failing_seq;
    int64_t duplicates, gap_dropped;
    int64_t model_version;
    double prediction, target;
    double step_err; /* |e| at the champion horizon of the step being read */
    uint32_t n_forecast;
    double forecast[EDDY_FORECAST_MAX];
    eddy_ksum_t scale;
    int64_t scale_n;
    unsigned logged; /* NOTE_* already reported (not saved) */
    horizon_t *hz;
    double *ring_abs, *ring_y;
    int64_t *pend_origin;
    uint32_t *pend_n;
    double *pend;
    int64_t *season_seq;
    double *season_y;
    eddy_hist_t hist; /* the steps the champion decisions still read */
    /* the forecasts made after the steps not decided yet and the last
       decided one (for the combination; kept while combine_share > 0):
       fq[i] the step and length of fq_f[i * H ..] */
    struct fq_s {
        int64_t seq;
        uint32_t n;
    } * fq;
    double *fq_f;
    size_t fq_len, fq_cap; /* fq_f holds fq_cap x H */
} track_t;

enum { NOTE_DUPLICATE = 1, NOTE_GAP = 2, NOTE_FAILING = 4 };

/* Every model seen on one series. */
typedef struct evseries_s {
    int n;
    track_t *tracks[EDDY_EVAL_MODELS_MAX];
    eddy_champ_t champ;
    int64_t decided; /* the last step whose champion was decided (NONE: none) */
} evseries_t;

struct eddy_evaluator_s {
    eddy_eval_conf_t conf;
    int wmax;         /* the longest window */
    int64_t max_lag;  /* conf.max_lag, or its default */
    int load_version; /* the EEVL version eddy_evaluator_load is reading */
    eddy_series_t *series;
    /* what the last eddy_evaluator_process call decided */
    size_t n_events, cap_events;
    eddy_champ_event_t *events;
    int events_failed;             /* out of memory while adding one */
    const evseries_t *last_series; /* NULL: no served forecast changed */
    char last_series_id[EDDY_SERIES_ID_MAX + 1];
};

static double ratio(double num, double den);

/* X mod M in 0..M-1 for any X. */
static int64_t slot_of(int64_t x, int64_t m)
{
    int64_t r = x % m;
    return r < 0 ? r + m : r;
}

/* ---- tracks */

static void track_free(track_t *t)
{
    if (!t)
        return;
    free(t->hz);
    free(t->ring_abs);
    free(t->ring_y);
    free(t->pend_origin);
    free(t->pend_n);
    free(t->pend);
    free(t->season_seq);
    free(t->season_y);
    eddy_hist_free(&t->hist);
    free(t->fq);
    free(t->fq_f);
    free(t);
}

static track_t *track_new(const eddy_evaluator_t *ev, const char *model)
{
    size_t h = (size_t)ev->conf.horizons, w = (size_t)ev->wmax,
           m = (size_t)ev->conf.season;
    track_t *t = calloc(1, sizeof(*t));

    if (!t)
        return NULL;
    t->hz = calloc(h, sizeof(*t->hz));
    t->ring_abs = calloc(h * w, sizeof(double));
    t->ring_y = calloc(h * w, sizeof(double));
    t->pend_origin = calloc(h, sizeof(int64_t));
    t->pend_n = calloc(h, sizeof(uint32_t));
    t->pend = calloc(h * h, sizeof(double));
    t->season_seq = calloc(m, sizeof(int64_t));
    t->season_y = calloc(m, sizeof(double));
    if (!t->hz || !t->ring_abs || !t->ring_y || !t->pend_origin || !t->pend_n ||
        !t->pend || !t->season_seq || !t->season_y) {
        track_free(t);
        return NULL;
    }
    snprintf(t->model, sizeof(t->model), "%s", model);
    t->last_seq = t->prev_seq = NONE;
    t->last_failing_seq = -1;
    for (size_t i = 0; i < h; i++)
        t->pend_origin[i] = NONE;
    for (size_t i = 0; i < m; i++)
        t->season_seq[i] = NONE;
    return t;
}

static void evseries_free(void *value)
{
    evseries_t *s = value;

    for (int i = 0; s && i < s->n; i++)
        track_free(s->tracks[i]);
    free(s);
}

static track_t *track_find(const evseries_t *s, const char *model)
{
    for (int i = 0; i < s->n; i++)
        if (!strcmp(s->tracks[i]->model, model))
            return s->tracks[i];
    return NULL;
}

/* The track of (MODEL, SERIES_ID), created when new; NULL with *RESULT. */
static track_t *track_get(eddy_evaluator_t *ev, const char *series_id,
                          const char *model, eddy_eval_result_t *result)
{
    evseries_t *s = eddy_series_get(ev->series, series_id);
    track_t *t;
    int rc;

    if (!s) {
        if (!(s = calloc(1, sizeof(*s)))) {
            *result = EDDY_EVAL_NOMEM;
            return NULL;
        }
        s->decided = NONE;
        if ((rc = eddy_series_put(ev->series, series_id, s))) {
            free(s);
            *result = rc > 0 ? EDDY_EVAL_SERIES_CAP : EDDY_EVAL_NOMEM;
            return NULL;
        }
    }
    if ((t = track_find(s, model)))
        return t;
    if (s->n == EDDY_EVAL_MODELS_MAX) {
        *result = EDDY_EVAL_SERIES_CAP;
        return NULL;
    }
    if (!(t = track_new(ev, model))) {
        *result = EDDY_EVAL_NOMEM;
        return NULL;
    }
    s->tracks[s->n++] = t;
    return t;
}

/* ---- scoring */

/* Scores the forecast YHAT of horizon H (1-based) against the truth Y. */
static void score_pair(const eddy_evaluator_t *ev, track_t *t, int h, double yhat,
                       double y)
{
    horizon_t *hz = &t->hz[h - 1];
    size_t at = (size_t)(h - 1) * (size_t)ev->wmax + hz->ring_head;
    double e = fabs(y - yhat);

    hz->n++;
    eddy_ksum_add(&hz->abs, e);
    eddy_ksum_add(&hz->sq, e * e);
    if (y != 0.0) {
        eddy_ksum_add(&hz->ape, e / fabs(y));
        hz->mape_n++;
    }
    if (h == ev->conf.champ.horizon)
        t->step_err = e;
    t->ring_abs[at] = e;
    t->ring_y[at] = y;
    hz->ring_head = (hz->ring_head + 1) % (uint32_t)ev->wmax;
    if (hz->ring_n < (uint32_t)ev->wmax)
        hz->ring_n++;
}

/* Drops, counting them, the pending forecasts that targeted the steps
 * strictly between the last seq and S (a gap). Returns how many. */
static int64_t drop_gap(const eddy_evaluator_t *ev, track_t *t, int64_t s)
{
    int H = ev->conf.horizons;
    int64_t dropped = 0;

    for (int k = 0; k < H; k++) {
        int64_t o = t->pend_origin[k];
        for (uint32_t h = 2; o != NONE && h <= t->pend_n[k]; h++)
            if (o + h > t->last_seq && o + h < s && isfinite(t->pend[k * H + h - 1]))
                dropped++;
    }
    t->gap_dropped += dropped;
    return dropped;
}

/* Scores every pending forecast of step S (horizons 2..H) against Y. */
static void score_pending(const eddy_evaluator_t *ev, track_t *t, int64_t s, double y)
{
    int H = ev->conf.horizons;

    for (int h = 2; h <= H; h++) {
        int64_t o = s - h;
        int k = (int)slot_of(o, H);
        double v = t->pend[k * H + h - 1];
        if (t->pend_origin[k] == o && (uint32_t)h <= t->pend_n[k] && isfinite(v))
            score_pair(ev, t, h, v, y);
    }
}

/* Adds the truth Y of step S to the seasonal naive scale. */
static void season_add(const eddy_evaluator_t *ev, track_t *t, int64_t s, double y)
{
    int m = ev->conf.season;
    int k = (int)slot_of(s - m, m); /* the slot of s - m is the slot of s */

    if (t->season_seq[k] == s - m) {
        eddy_ksum_add(&t->scale, fabs(y - t->season_y[k]));
        t->scale_n++;
    }
    t->season_seq[k] = s;
    t->season_y[k] = y;
}

/* Keeps PRED's forecast (up to H steps) as the pending one of its step (its
 * finite items will be scored) and as the latest one shown (empty when any
 * item is not finite). Returns 1 when any item is not finite. */
static int keep_forecast(const eddy_evaluator_t *ev, track_t *t,
                         const eddy_pred_t *pred)
{
    int H = ev->conf.horizons, k = (int)slot_of(pred->seq, H), failing = 0;
    uint32_t n = (uint32_t)(pred->n_forecast < H ? pred->n_forecast : H);

    for (int i = 0; i < pred->n_forecast; i++)
        failing |= !isfinite(pred->forecast[i]);
    t->pend_origin[k] = pred->seq;
    t->pend_n[k] = n;
    memcpy(&t->pend[k * H], pred->forecast, n * sizeof(double));
    t->n_forecast = failing ? 0 : n;
    memcpy(t->forecast, pred->forecast, t->n_forecast * sizeof(double));
    return failing;
}

/* Appends T's forecast F[0..N) made after step SEQ (above the last one
 * queued) to its queue, items H apart. Returns 0, -1 out of memory. */
static int fq_push(track_t *t, int H, int64_t seq, const double *f, uint32_t n)
{
    size_t len = t->fq_len, cap = t->fq_cap;

    if (eddy_grow(&t->fq, len, &t->fq_cap, sizeof(*t->fq), 4))
        return -1;
    if (t->fq_cap != cap) {
        double *grown = realloc(t->fq_f, t->fq_cap * (size_t)H * sizeof(double));
        if (!grown) {
            t->fq_cap = cap; /* the entries' array is larger: harmless */
            return -1;
        }
        t->fq_f = grown;
    }
    t->fq[len].seq = seq;
    t->fq[len].n = n;
    memcpy(&t->fq_f[len * (size_t)H], f, n * sizeof(double));
    t->fq_len++;
    return 0;
}

/* Drops T's queued forecasts made after steps before DECIDED. */
static void fq_trim(track_t *t, int H, int64_t decided)
{
    size_t k = 0;

    while (k < t->fq_len && t->fq[k].seq < decided)
        k++;
    if (!k)
        return;
    memmove(t->fq, t->fq + k, (t->fq_len - k) * sizeof(*t->fq));
    memmove(t->fq_f, t->fq_f + k * (size_t)H,
            (t->fq_len - k) * (size_t)H * sizeof(double));
    t->fq_len -= k;
}

/* Counts a failing prediction or forecast of step S. */
static void note_failing(track_t *t, int64_t s, int64_t *counter,
                         eddy_eval_note_t *note)
{
    (*counter)++;
    t->last_failing_seq = s;
    if (!(t->logged & NOTE_FAILING)) {
        t->logged |= NOTE_FAILING;
        note->first_failing = 1;
    }
}

/* Everything PRED (not a duplicate) does to its track; its step enters the
 * history. Returns 0, -1 out of memory. */
static int track_step(const eddy_evaluator_t *ev, track_t *t, const eddy_pred_t *pred,
                      eddy_eval_note_t *note)
{
    int64_t s = pred->seq;
    eddy_hist_entry_t e = {.seq = s, .event_time_ms = pred->event_time_ms};

    t->step_err = NAN;

    if (t->last_seq != NONE && s - 1 > t->last_seq) {
        note->dropped = drop_gap(ev, t, s);
        note->first_gap = !(t->logged & NOTE_GAP);
        t->logged |= NOTE_GAP;
    }
    if (isfinite(pred->prediction))
        score_pair(ev, t, 1, pred->prediction, pred->target);
    else
        note_failing(t, s, &t->failing_predictions, note);
    score_pending(ev, t, s, pred->target);
    season_add(ev, t, s, pred->target);
    if (keep_forecast(ev, t, pred))
        note_failing(t, s, &t->failing_forecasts, note);
    if (ev->conf.champ.combine_share > 0.0 &&
        fq_push(t, ev->conf.horizons, s, pred->forecast,
                (uint32_t)(pred->n_forecast < ev->conf.horizons ? pred->n_forecast
                                                                : ev->conf.horizons)))
        return -1;
    if (pred->fallback[0]) /* the learner's guard replaced the model's output */
        t->last_failing_seq = s;
    e.err = t->step_err;
    e.resid = isfinite(pred->prediction) ? pred->target - pred->prediction : NAN;
    e.scale = ratio(eddy_ksum_get(&t->scale), (double)t->scale_n);
    e.failing = t->last_failing_seq == s;
    t->prediction = isfinite(pred->prediction) ? pred->prediction : 0.0;
    t->target = pred->target;
    t->prev_seq = t->last_seq;
    t->prev_event_time_ms = t->event_time_ms;
    t->last_seq = s;
    t->event_time_ms = pred->event_time_ms;
    t->model_version = pred->model_version;
    return eddy_hist_push(&t->hist, &e);
}

/* ---- the Score record */

/* Sums over the last K pairs of horizon H's ring. */
typedef struct window_sums_s {
    int64_t n, mape_n;
    double abs, sq, ape;
} window_sums_t;

static window_sums_t window_sums(const eddy_evaluator_t *ev, const track_t *t, int h,
                                 int64_t window)
{
    const horizon_t *hz = &t->hz[h - 1];
    window_sums_t ws = {0, 0, 0.0, 0.0, 0.0};
    int64_t k = window < (int64_t)hz->ring_n ? window : (int64_t)hz->ring_n;

    for (int64_t i = 0; i < k; i++) {
        size_t at = (size_t)(h - 1) * (size_t)ev->wmax +
                    (size_t)slot_of((int64_t)hz->ring_head - 1 - i, ev->wmax);
        double e = t->ring_abs[at], y = t->ring_y[at];
        ws.abs += e;
        ws.sq += e * e;
        if (y != 0.0) {
            ws.ape += e / fabs(y);
            ws.mape_n++;
        }
    }
    ws.n = k;
    return ws;
}

static double ratio(double num, double den)
{
    return den > 0.0 ? num / den : 0.0;
}

static void fill_horizons(const eddy_evaluator_t *ev, const track_t *t,
                          eddy_score_t *sc)
{
    int H = ev->conf.horizons;
    double scale = ratio(eddy_ksum_get(&t->scale), (double)t->scale_n);

    sc->n_n = sc->n_mae = sc->n_rmse = sc->n_mape = sc->n_mape_n = sc->n_mase = H;
    for (int h = 1; h <= H; h++) {
        const horizon_t *hz = &t->hz[h - 1];
        sc->n[h - 1] = hz->n;
        sc->mae[h - 1] = ratio(eddy_ksum_get(&hz->abs), (double)hz->n);
        sc->rmse[h - 1] = sqrt(ratio(eddy_ksum_get(&hz->sq), (double)hz->n));
        sc->mape[h - 1] = ratio(eddy_ksum_get(&hz->ape), (double)hz->mape_n);
        sc->mape_n[h - 1] = hz->mape_n;
        sc->mase[h - 1] = ratio(sc->mae[h - 1], scale);
    }
    sc->mase_scale = scale;
}

static void fill_rolling(const eddy_evaluator_t *ev, const track_t *t, eddy_score_t *sc)
{
    int H = ev->conf.horizons, W = ev->conf.n_windows;

    sc->n_rolling_n = sc->n_rolling_mae = sc->n_rolling_rmse = sc->n_rolling_mape =
        sc->n_rolling_mape_n = sc->n_rolling_mase = W * H;
    for (int w = 0; w < W; w++)
        for (int h = 1; h <= H; h++) {
            window_sums_t ws = window_sums(ev, t, h, ev->conf.windows[w]);
            int i = EDDY_SCORE_AT(w, h, H);
            sc->rolling_n[i] = ws.n;
            sc->rolling_mae[i] = ratio(ws.abs, (double)ws.n);
            sc->rolling_rmse[i] = sqrt(ratio(ws.sq, (double)ws.n));
            sc->rolling_mape[i] = ratio(ws.ape, (double)ws.mape_n);
            sc->rolling_mape_n[i] = ws.mape_n;
            sc->rolling_mase[i] = ratio(sc->rolling_mae[i], sc->mase_scale);
        }
}

/* The event time each item of T's latest forecast targets, into TIMES
 * (forecast_times_from: of N items from the step at BASE_MS): the last
 * step's time plus h steps, a step being the one between its last
 * two records: in calendar months when they fall on the same day of the
 * month (monthly, quarterly, yearly data: 2011-01-01 follows 2010-12-01),
 * else their mean distance in ms. Returns how many (0 before the second
 * record). */
static int forecast_times_from(const track_t *t, int64_t base_ms, uint32_t n,
                               int64_t *times)
{
    int64_t step, months;

    if (t->prev_seq == NONE)
        return 0;
    if (eddy_time_month_step(t->prev_event_time_ms, t->event_time_ms,
                             t->last_seq - t->prev_seq, &months)) {
        for (uint32_t h = 1; h <= n; h++)
            times[h - 1] = eddy_time_add_months(base_ms, (int64_t)h * months);
        return (int)n;
    }
    /* unsigned arithmetic: extreme event times wrap instead of overflowing */
    step = (int64_t)((uint64_t)t->event_time_ms - (uint64_t)t->prev_event_time_ms) /
           (t->last_seq - t->prev_seq);
    for (uint32_t h = 1; h <= n; h++)
        times[h - 1] = (int64_t)((uint64_t)base_ms + h * (uint64_t)step);
    return (int)n;
}

static int forecast_times(const track_t *t, int64_t *times)
{
    return forecast_times_from(t, t->event_time_ms, t->n_forecast, times);
}

static void fill_score(const eddy_evaluator_t *ev, const char *series_id,
                       const track_t *t, eddy_score_t *sc)
{
    snprintf(sc->series_id, sizeof(sc->series_id), "%s", series_id);
    snprintf(sc->model, sizeof(sc->model), "%s", t->model);
    sc->seq = t->last_seq;
    sc->event_time_ms = t->event_time_ms;
    sc->scored_at_us = 0;
    sc->horizons = ev->conf.horizons;
    sc->season = ev->conf.season;
    sc->n_windows = ev->conf.n_windows;
    memcpy(sc->windows, ev->conf.windows, sizeof(sc->windows));
    fill_horizons(ev, t, sc);
    fill_rolling(ev, t, sc);
    sc->failing_predictions = t->failing_predictions;
    sc->failing_forecasts = t->failing_forecasts;
    sc->last_failing_seq = t->last_failing_seq;
    sc->duplicates = t->duplicates;
    sc->gap_dropped = t->gap_dropped;
    sc->prediction = t->prediction;
    sc->target = t->target;
    sc->n_forecast = (int)t->n_forecast;
    memcpy(sc->forecast, t->forecast, (size_t)sc->n_forecast * sizeof(double));
    sc->n_forecast_event_times = forecast_times(t, sc->forecast_event_times_ms);
}

/* ---- the champion */

/* The error of the sums ABS, SQ of N pairs by the champion metric (MASE:
 * divided by SCALE). */
static double champ_metric(const eddy_evaluator_t *ev, double abs, double sq, int64_t n,
                           double scale)
{
    double mae = ratio(abs, (double)n);

    switch (ev->conf.champ.metric) {
    case EDDY_CHAMP_MAE:
        return mae;
    case EDDY_CHAMP_RMSE:
        return sqrt(ratio(sq, (double)n));
    default:
        return ratio(mae, scale);
    }
}

/* T's rolling error by the champion metric over the last WINDOW pairs of
 * the champion horizon (its latest step); *N the pairs in it. */
static double track_error(const eddy_evaluator_t *ev, const track_t *t, int window,
                          int64_t *n)
{
    window_sums_t ws = window_sums(ev, t, ev->conf.champ.horizon, window);

    *n = ws.n;
    return champ_metric(ev, ws.abs, ws.sq, ws.n,
                        ratio(eddy_ksum_get(&t->scale), (double)t->scale_n));
}

/* The view of T at step D (its window ending there); 0 when T has no step
 * at or before D. */
static int view_at(const eddy_evaluator_t *ev, const evseries_t *s, const track_t *t,
                   int64_t d, eddy_champ_view_t *v)
{
    long at = eddy_hist_upto(&t->hist, d);
    double abs, sq;

    if (at < 0)
        return 0;
    v->model = t->model;
    v->n = eddy_hist_window(&t->hist, at, eddy_champ_window(&ev->conf.champ, &s->champ),
                            &abs, &sq);
    v->err = champ_metric(ev, abs, sq, v->n, t->hist.e[at].scale);
    v->contract_ok = eddy_hist_contract_ok(&t->hist, at, ev->conf.champ.contract_n);
    v->aligned = 0;
    return 1;
}

/* Adds a copy of E, decided at step D (event time TIME_MS), to the events
 * of the current record. */
static void event_add(eddy_evaluator_t *ev, const eddy_champ_event_t *e, int64_t d,
                      int64_t time_ms)
{
    if (eddy_grow(&ev->events, ev->n_events, &ev->cap_events, sizeof(*ev->events),
                  EDDY_CHAMP_EVENTS_MAX)) {
        ev->events_failed = 1;
        return;
    }
    ev->events[ev->n_events] = *e;
    ev->events[ev->n_events].seq = d;
    ev->events[ev->n_events].event_time_ms = time_ms;
    ev->n_events++;
}

static int by_model(const void *a, const void *b)
{
    return strcmp((*(const track_t *const *)a)->model,
                  (*(const track_t *const *)b)->model);
}

/* The champion step of T's record of step D (T's history entry E), with the
 * models in ORDER[0..N) whose ARRIVED flag is set aligned with it. */
static void champ_model_step(eddy_evaluator_t *ev, evseries_t *s, track_t *const *order,
                             int n, const int *arrived, const track_t *t,
                             const eddy_hist_entry_t *e)
{
    eddy_champ_view_t views[EDDY_EVAL_MODELS_MAX];
    eddy_champ_event_t out[EDDY_CHAMP_EVENTS_MAX];
    char before[EDDY_MODEL_NAME_MAX + 1];
    int nv = 0, stepped = 0, k;

    for (int i = 0; i < n; i++) {
        if (!view_at(ev, s, order[i], e->seq, &views[nv]))
            continue;
        views[nv].aligned = arrived[i];
        if (order[i] == t)
            stepped = nv;
        nv++;
    }
    snprintf(before, sizeof(before), "%s", s->champ.champion);
    k = eddy_champ_step(&ev->conf.champ, &s->champ, views, nv, stepped, out);
    for (int i = 0; i < k; i++)
        event_add(ev, &out[i], e->seq, e->event_time_ms);
    if (strcmp(t->model, s->champ.champion))
        return;
    eddy_champ_champion_stepped(&s->champ);
    /* residuals in units of the MASE scale: River's default threshold then
       means the same on every series, whatever its units */
    if (!strcmp(before, t->model) && isfinite(e->resid) && e->scale > 0.0 &&
        eddy_champ_residual(&ev->conf.champ, &s->champ, e->resid / e->scale, out))
        event_add(ev, out, e->seq, e->event_time_ms);
}

/* Decides step D of S: every model with a record of step D steps, the
 * default champion first and the others in the order of their names, as if
 * they had arrived in that order together. */
static void champ_decide(eddy_evaluator_t *ev, evseries_t *s, int64_t d)
{
    track_t *order[EDDY_EVAL_MODELS_MAX];
    int arrived[EDDY_EVAL_MODELS_MAX] = {0};

    memcpy(order, s->tracks, (size_t)s->n * sizeof(order[0]));
    qsort(order, (size_t)s->n, sizeof(order[0]), by_model);
    for (int i = 1; i < s->n; i++) /* the default first: it is crowned at once */
        if (!strcmp(order[i]->model, ev->conf.champ.default_model)) {
            track_t *first = order[i];
            memmove(order + 1, order, (size_t)i * sizeof(order[0]));
            order[0] = first;
        }
    for (int i = 0; i < s->n; i++) {
        const eddy_hist_entry_t *e = eddy_hist_at(&order[i]->hist, d);
        if (!e)
            continue;
        arrived[i] = 1;
        champ_model_step(ev, s, order, s->n, arrived, order[i], e);
    }
}

/* The last step of S that can be decided: the lowest step reached by the
 * models decisions wait for (conf.wait, or every model seen), leaving out
 * those more than max_lag steps behind the leader. NONE before any. */
static int64_t frontier(const eddy_evaluator_t *ev, const evseries_t *s)
{
    int64_t lead = NONE, f = INT64_MAX;

    for (int i = 0; i < s->n; i++)
        if (s->tracks[i]->last_seq > lead)
            lead = s->tracks[i]->last_seq;
    for (int i = 0; lead != NONE && i < (ev->conf.n_wait ? ev->conf.n_wait : s->n);
         i++) {
        const track_t *t =
            ev->conf.n_wait ? track_find(s, ev->conf.wait[i]) : s->tracks[i];
        int64_t last = t && t->last_seq != NONE ? t->last_seq : -1;
        if (lead - last <= ev->max_lag && last < f)
            f = last;
    }
    return f == INT64_MAX ? lead : f;
}

/* The step after AFTER that some model of S has a record of (NONE: none). */
static int64_t next_step(const evseries_t *s, int64_t after)
{
    int64_t next = NONE;

    for (int i = 0; i < s->n; i++) {
        const eddy_hist_t *h = &s->tracks[i]->hist;
        long at = eddy_hist_upto(h, after) + 1;
        if (at < (long)h->n && (next == NONE || h->e[at].seq < next))
            next = h->e[at].seq;
    }
    return next;
}

/* The longest window a decision or a combination reads, in steps. */
static int hist_window(const eddy_champ_conf_t *c)
{
    int w = c->window > c->drift_window ? c->window : c->drift_window;

    return c->combine_share > 0.0 && c->combine_window > w ? c->combine_window : w;
}

/* 1 when S's served forecast is a combination (evaluate_core.h). */
static int combining(const eddy_evaluator_t *ev, const evseries_t *s)
{
    return ev->conf.champ.combine_share > 0.0 && !s->champ.pinned[0];
}

/* The champion steps after T's record on series S (SERIES_ID): every step
 * up to the frontier is decided, in order; then the histories are trimmed
 * to what later decisions read. */
static void champ_step(eddy_evaluator_t *ev, evseries_t *s, const char *series_id,
                       const track_t *t)
{
    const eddy_champ_conf_t *c = &ev->conf.champ;
    char before[EDDY_MODEL_NAME_MAX + 1];
    int64_t f = frontier(ev, s), d, was = s->decided;
    int changed;

    snprintf(before, sizeof(before), "%s", s->champ.champion);
    while (f != NONE && (d = next_step(s, s->decided)) != NONE && d <= f) {
        champ_decide(ev, s, d);
        s->decided = d;
    }
    for (int i = 0; s->decided != NONE && i < s->n; i++) {
        eddy_hist_trim(&s->tracks[i]->hist, s->decided, hist_window(c), c->contract_n);
        fq_trim(s->tracks[i], ev->conf.horizons, s->decided);
    }
    changed = combining(ev, s) ? s->decided != was
                               : strcmp(before, s->champ.champion) ||
                                     !strcmp(t->model, s->champ.champion);
    if (eddy_champ_serving(&s->champ) && changed) {
        ev->last_series = s;
        snprintf(ev->last_series_id, sizeof(ev->last_series_id), "%s", series_id);
    }
}

int eddy_evaluator_events(const eddy_evaluator_t *ev, const eddy_champ_event_t **events)
{
    *events = ev->events;
    return (int)ev->n_events;
}

/* T's forecast made after step D (at least N items, all finite: *N set to
 * its length when N is 0), or NULL when T no longer or never held it. */
static const double *forecast_after(const eddy_evaluator_t *ev, const track_t *t,
                                    int64_t d, uint32_t *n)
{
    size_t k = 0;
    const double *f;

    while (k < t->fq_len && t->fq[k].seq < d)
        k++;
    if (k == t->fq_len || t->fq[k].seq != d || !t->fq[k].n || t->fq[k].n < *n)
        return NULL;
    f = &t->fq_f[k * (size_t)ev->conf.horizons];
    if (!*n)
        *n = t->fq[k].n;
    for (uint32_t i = 0; i < *n; i++)
        if (!isfinite(f[i]))
            return NULL;
    return f;
}

typedef struct member_s {
    double err;
    const track_t *t;
    const double *f;
} member_t;

static int by_error(const void *a, const void *b)
{
    const member_t *x = a, *y = b;

    if (x->err != y->err)
        return x->err < y->err ? -1 : 1;
    return strcmp(x->t->model, y->t->model);
}

/* The models of S that may join the combination of step D (a forecast of
 * N items made after D, the contract gate passed at D, and the coverage
 * gate: combine_window scored errors), into M sorted by error then name;
 * returns how many. */
static int members_of(const eddy_evaluator_t *ev, const evseries_t *s, int64_t d,
                      uint32_t n, member_t *m)
{
    const eddy_champ_conf_t *c = &ev->conf.champ;
    int k = 0;

    for (int i = 0; i < s->n; i++) {
        const track_t *t = s->tracks[i];
        long at = eddy_hist_upto(&t->hist, d);
        uint32_t len = n;
        double abs, sq;
        int64_t scored;

        if (at < 0 || t->hist.e[at].seq != d ||
            !(m[k].f = forecast_after(ev, t, d, &len)) ||
            !eddy_hist_contract_ok(&t->hist, at, c->contract_n))
            continue;
        scored = eddy_hist_window(&t->hist, at, c->combine_window, &abs, &sq);
        if (scored < c->combine_window || !isfinite(abs))
            continue;
        m[k].err = abs / (double)scored;
        m[k].t = t;
        k++;
    }
    qsort(m, (size_t)k, sizeof(*m), by_error);
    return k;
}

/* The combination of S's last decided step into OUT (evaluate_core.h,
 * "Combination"), champion T; 0 when T has no forecast made after it (OUT
 * untouched but for what the caller set). */
static int combine_fill(const eddy_evaluator_t *ev, const evseries_t *s,
                        const track_t *t, eddy_eval_served_t *out)
{
    const eddy_champ_conf_t *c = &ev->conf.champ;
    const eddy_hist_entry_t *e = eddy_hist_at(&t->hist, s->decided);
    member_t m[EDDY_EVAL_MODELS_MAX];
    double w[EDDY_CHAMP_COMBINE_MAX], total = 0.0, low, f[EDDY_FORECAST_MAX];
    uint32_t n = 0;
    const double *cf = e ? forecast_after(ev, t, s->decided, &n) : NULL;
    int k;

    if (!cf)
        return 0;
    k = members_of(ev, s, s->decided, n, m);
    k = k < c->combine_k ? k : c->combine_k;
    low = k ? (m[0].err > DBL_MIN ? m[0].err : DBL_MIN) : 0.0;
    for (int i = 0; i < k; i++)
        total += w[i] = pow(low / (m[i].err > low ? m[i].err : low), c->combine_power);
    out->n_members = 1;
    snprintf(out->members[0], sizeof(out->members[0]), "%s", t->model);
    out->weights[0] = k ? 1.0 - c->combine_share : 1.0;
    for (uint32_t h = 0; h < n; h++)
        f[h] = out->weights[0] * cf[h];
    for (int i = 0; i < k; i++) {
        double wi = c->combine_share * w[i] / total;
        int j = 0;
        while (j < out->n_members && strcmp(out->members[j], m[i].t->model))
            j++;
        if (j == out->n_members) {
            snprintf(out->members[j], sizeof(out->members[j]), "%s", m[i].t->model);
            out->weights[j] = 0.0;
            out->n_members++;
        }
        out->weights[j] += wi;
        for (uint32_t h = 0; h < n; h++)
            f[h] += wi * m[i].f[h];
    }
    for (uint32_t h = 0; h < n; h++)
        if (!isfinite(f[h]))
            return 0; /* members finite, weights in 0..1: only on overflow */
    out->n_members = out->n_members > 1 ? out->n_members : 0;
    out->seq = s->decided;
    out->event_time_ms = e->event_time_ms;
    out->n_forecast = (int)n;
    memcpy(out->forecast, f, n * sizeof(double));
    out->n_forecast_event_times =
        forecast_times_from(t, e->event_time_ms, n, out->forecast_event_times_ms);
    return 1;
}

/* Fills OUT from S's champion track, if it has stepped: the combination
 * of the last decided step, or the champion's latest forecast alone. */
static int served_fill(const eddy_evaluator_t *ev, const evseries_t *s,
                       const char *series_id, eddy_eval_served_t *out)
{
    const track_t *t = track_find(s, s->champ.champion);

    if (!t || t->last_seq == NONE)
        return 0;
    memset(out, 0, sizeof(*out));
    snprintf(out->series_id, sizeof(out->series_id), "%s", series_id);
    snprintf(out->model, sizeof(out->model), "%s", t->model);
    out->model_version = t->model_version;
    out->window = eddy_champ_window(&ev->conf.champ, &s->champ);
    out->error = track_error(ev, t, out->window, &out->error_n);
    if (combining(ev, s) && s->decided != NONE && combine_fill(ev, s, t, out))
        return 1;
    out->n_members = 0;
    out->seq = t->last_seq;
    out->event_time_ms = t->event_time_ms;
    out->n_forecast = (int)t->n_forecast;
    memcpy(out->forecast, t->forecast, t->n_forecast * sizeof(double));
    out->n_forecast_event_times = forecast_times(t, out->forecast_event_times_ms);
    return 1;
}

int eddy_evaluator_served(const eddy_evaluator_t *ev, eddy_eval_served_t *served)
{
    return ev->last_series &&
           served_fill(ev, ev->last_series, ev->last_series_id, served);
}

int eddy_evaluator_pin(eddy_evaluator_t *ev, const char *series_id, const char *model,
                       const char *reason, eddy_champ_event_t *event)
{
    evseries_t *s = eddy_series_get(ev->series, series_id);
    int rc;

    if (!s)
        return -1;
    rc = eddy_champ_pin(&s->champ, model, reason, event);
    ev->last_series = rc == 1 && eddy_champ_serving(&s->champ) ? s : NULL;
    snprintf(ev->last_series_id, sizeof(ev->last_series_id), "%s", series_id);
    return rc;
}

const char *eddy_evaluator_pinned(const eddy_evaluator_t *ev, const char *series_id)
{
    const evseries_t *s = eddy_series_get(ev->series, series_id);

    return s ? s->champ.pinned : NULL;
}

const char *eddy_evaluator_champion(const eddy_evaluator_t *ev, const char *series_id)
{
    const evseries_t *s = eddy_series_get(ev->series, series_id);

    return s ? s->champ.champion : NULL;
}

eddy_eval_result_t eddy_evaluator_process(eddy_evaluator_t *ev, const eddy_pred_t *pred,
                                          eddy_score_t *score, eddy_eval_note_t *note)
{
    eddy_eval_result_t result = EDDY_EVAL_SCORED;
    eddy_eval_note_t scratch;
    track_t *t = track_get(ev, pred->series_id, pred->model, &result);

    ev->n_events = 0;
    ev->events_failed = 0;
    ev->last_series = NULL;
    note = note ? note : &scratch;
    memset(note, 0, sizeof(*note));
    if (!t)
        return result;
    note->last_seq = t->last_seq;
    if (pred->seq < 0 || pred->seq > EDDY_EVAL_SEQ_MAX)
        return EDDY_EVAL_BAD_SEQ;
    if (t->last_seq != NONE && pred->seq <= t->last_seq) {
        t->duplicates++;
        note->first_duplicate = !(t->logged & NOTE_DUPLICATE);
        t->logged |= NOTE_DUPLICATE;
        return EDDY_EVAL_DUPLICATE;
    }
    if (track_step(ev, t, pred, note))
        return EDDY_EVAL_NOMEM;
    fill_score(ev, pred->series_id, t, score);
    champ_step(ev, eddy_series_get(ev->series, pred->series_id), score->series_id, t);
    return ev->events_failed ? EDDY_EVAL_NOMEM : EDDY_EVAL_SCORED;
}

/* ---- configuration */

int eddy_eval_parse_windows(eddy_eval_conf_t *conf, const char *text, char *errstr,
                            size_t errstr_size)
{
    const char *p = text ? text : "";

    conf->n_windows = 0;
    while (*p) {
        char *end;
        long long w = strtoll(p, &end, 10);
        if (end == p || (*end && *end != ',') || w < 1 || w > EDDY_EVAL_WINDOW_MAX ||
            conf->n_windows == EDDY_SCORE_WINDOWS_MAX) {
            snprintf(errstr, errstr_size,
                     "--windows '%s': expected up to %d comma-separated window "
                     "lengths, each 1..%d steps (e.g. 5,10,20)",
                     text, EDDY_SCORE_WINDOWS_MAX, EDDY_EVAL_WINDOW_MAX);
            return -1;
        }
        conf->windows[conf->n_windows++] = w;
        p = *end ? end + 1 : end;
    }
    return 0;
}

int eddy_eval_parse_models(eddy_eval_conf_t *conf, const char *text, char *errstr,
                           size_t errstr_size)
{
    const char *p = text ? text : "";

    conf->n_wait = 0;
    while (*p) {
        size_t len = strcspn(p, ",");
        if (!len || len > EDDY_MODEL_NAME_MAX || conf->n_wait == EDDY_EVAL_MODELS_MAX) {
            snprintf(errstr, errstr_size,
                     "--champion-models '%s': expected up to %d comma-separated model "
                     "names of 1..%d bytes (e.g. snaive,holt_winters)",
                     text, EDDY_EVAL_MODELS_MAX, EDDY_MODEL_NAME_MAX);
            return -1;
        }
        snprintf(conf->wait[conf->n_wait++], EDDY_MODEL_NAME_MAX + 1, "%.*s", (int)len,
                 p);
        p += len + (p[len] == ',');
    }
    return 0;
}

/* 1 when CONF's champion settings (when given: window not 0) are out of
 * range. */
static int champ_conf_bad(const eddy_eval_conf_t *conf)
{
    const eddy_champ_conf_t *c = &conf->champ;

    if (!c->window)
        return 0;
    return c->horizon < 1 || c->horizon > conf->horizons || c->window < 1 ||
           c->window > EDDY_EVAL_WINDOW_MAX || c->drift_window < 1 ||
           c->drift_window > EDDY_EVAL_WINDOW_MAX || !(c->margin >= 0.0) ||
           !(c->margin < 1.0) || c->consecutive < 1 || c->contract_n < 1 ||
           (unsigned)c->metric > EDDY_CHAMP_RMSE || !(c->combine_share >= 0.0) ||
           !(c->combine_share <= 1.0) ||
           (c->combine_share > 0.0 &&
            (c->combine_k < 1 || c->combine_k > EDDY_CHAMP_COMBINE_MAX ||
             c->combine_window < 1 || c->combine_window > EDDY_EVAL_WINDOW_MAX ||
             !(c->combine_power >= 0.0) || !(c->combine_power <= 1000.0)));
}

eddy_evaluator_t *eddy_evaluator_new(const eddy_eval_conf_t *conf, char *errstr,
                                     size_t errstr_size)
{
    eddy_evaluator_t *ev;

    if (conf->horizons < 1 || conf->horizons > EDDY_FORECAST_MAX || conf->season < 1 ||
        conf->season > EDDY_EVAL_SEASON_MAX || conf->n_windows < 0 ||
        conf->n_windows > EDDY_SCORE_WINDOWS_MAX || conf->max_series < 1 ||
        champ_conf_bad(conf)) {
        snprintf(errstr, errstr_size,
                 "horizons %d (1..%d), season %d (1..%d), %d windows (0..%d), "
                 "max-series %zu, or champion horizon %d (1..horizons), window %d and "
                 "drift window %d (1..%d), margin %g (0..1), consecutive %d and "
                 "contract records %d (1..), or combination share %g (0..1), models "
                 "%d (1..%d), window %d (1..%d) and power %g (0..1000) out of range",
                 conf->horizons, EDDY_FORECAST_MAX, conf->season, EDDY_EVAL_SEASON_MAX,
                 conf->n_windows, EDDY_SCORE_WINDOWS_MAX, conf->max_series,
                 conf->champ.horizon, conf->champ.window, conf->champ.drift_window,
                 EDDY_EVAL_WINDOW_MAX, conf->champ.margin, conf->champ.consecutive,
                 conf->champ.contract_n, conf->champ.combine_share,
                 conf->champ.combine_k, EDDY_CHAMP_COMBINE_MAX,
                 conf->champ.combine_window, EDDY_EVAL_WINDOW_MAX,
                 conf->champ.combine_power);
        return NULL;
    }
    if (!(ev = calloc(1, sizeof(*ev))) ||
        !(ev->series = eddy_series_new(conf->max_series, evseries_free))) {
        free(ev);
        snprintf(errstr, errstr_size, "out of memory");
        return NULL;
    }
    ev->conf = *conf;
    if (!conf->champ.window)
        ev->conf.champ = eddy_champ_conf_default();
    if (!ev->conf.champ.adwin.clock)
        ev->conf.champ.adwin = eddy_adwin_default();
    ev->max_lag = conf->max_lag > 0 ? conf->max_lag : EDDY_EVAL_MAX_LAG_DEFAULT;
    ev->wmax = ev->conf.champ.window > ev->conf.champ.drift_window
                   ? ev->conf.champ.window
                   : ev->conf.champ.drift_window;
    for (int i = 0; i < conf->n_windows; i++)
        if (conf->windows[i] > ev->wmax)
            ev->wmax = (int)conf->windows[i];
    return ev;
}

void eddy_evaluator_destroy(eddy_evaluator_t *ev)
{
    if (!ev)
        return;
    eddy_series_destroy(ev->series);
    free(ev->events);
    free(ev);
}

void eddy_evaluator_drop(eddy_evaluator_t *ev, const char *series_id)
{
    eddy_series_remove(ev->series, series_id);
}

size_t eddy_evaluator_series_count(const eddy_evaluator_t *ev)
{
    return eddy_series_count(ev->series);
}

static void count_tracks(const char *id, void *value, void *arg)
{
    (void)id;
    *(size_t *)arg += (size_t)((evseries_t *)value)->n;
}

static void count_unserved(const char *id, void *value, void *arg)
{
    (void)id;
    *(size_t *)arg += !eddy_champ_serving(&((evseries_t *)value)->champ);
}

size_t eddy_evaluator_unserved_count(const eddy_evaluator_t *ev)
{
    size_t n = 0;

    eddy_series_foreach(ev->series, count_unserved, &n);
    return n;
}

size_t eddy_evaluator_track_count(const eddy_evaluator_t *ev)
{
    size_t n = 0;

    eddy_series_foreach(ev->series, count_tracks, &n);
    return n;
}

/* The longest history a track can hold: the steps not decided yet (at
 * most max_lag past the frontier) and the window and contract records
 * before them. */
static uint32_t hist_max(const eddy_evaluator_t *ev)
{
    const eddy_champ_conf_t *c = &ev->conf.champ;

    return (uint32_t)(ev->max_lag + 2 + hist_window(c) + c->contract_n);
}

/* ---- state: an "EEVL" frame (version 5) whose payload is, little-endian:
 *   u32 horizons H, u32 season m, u32 longest window W, u32 tracks
 *   per track:
 *     u32 length, model name bytes
 *     u64 last_seq, prev_seq, event_time, prev_event_time,
 *         failing_predictions, failing_forecasts, last_failing_seq,
 *         duplicates, gap_dropped, model_version
 *     f64 prediction, target; u32 n; n x f64 latest forecast
 *     f64 scale sum, its compensation; u64 scale pairs
 *     m x (u64 seq, f64 truth)                    the season ring
 *     H x (u64 origin, u32 n, H x f64)            the pending forecasts
 *     H x (u64 n, mape_n; 6 x f64 the sums; u32 ring_n, ring_head;
 *          W x f64 |e|; W x f64 y)                the horizons
 *     the per-step history (history.c)           (version 3)
 *     u32 n, n x (u64 seq, u32 k, k x f64)       the forecast queue (version 5)
 *   the champion state (champion.c)                 (version 2; its ADWIN
 *                                                    block at its end: 4)
 *   u64 the last step decided                       (version 3)
 * Doubles are stored bit for bit, so a restored run continues exactly. */

static void put_i64s(eddy_buf_t *out, const int64_t *v, int n)
{
    for (int i = 0; i < n; i++)
        eddy_buf_put_u64(out, (uint64_t)v[i]);
}

static void put_ksum(eddy_buf_t *out, const eddy_ksum_t *k)
{
    eddy_buf_put_f64(out, k->sum);
    eddy_buf_put_f64(out, k->c);
}

static void save_horizon(const eddy_evaluator_t *ev, const track_t *t, int h,
                         eddy_buf_t *out)
{
    const horizon_t *hz = &t->hz[h];
    size_t at = (size_t)h * (size_t)ev->wmax;

    eddy_buf_put_u64(out, (uint64_t)hz->n);
    eddy_buf_put_u64(out, (uint64_t)hz->mape_n);
    put_ksum(out, &hz->abs);
    put_ksum(out, &hz->sq);
    put_ksum(out, &hz->ape);
    eddy_buf_put_u32(out, hz->ring_n);
    eddy_buf_put_u32(out, hz->ring_head);
    eddy_buf_put_f64s(out, &t->ring_abs[at], (size_t)ev->wmax);
    eddy_buf_put_f64s(out, &t->ring_y[at], (size_t)ev->wmax);
}

static void save_track(const eddy_evaluator_t *ev, const track_t *t, eddy_buf_t *out)
{
    int H = ev->conf.horizons;
    const int64_t head[] = {t->last_seq,
                            t->prev_seq,
                            t->event_time_ms,
                            t->prev_event_time_ms,
                            t->failing_predictions,
                            t->failing_forecasts,
                            t->last_failing_seq,
                            t->duplicates,
                            t->gap_dropped,
                            t->model_version};

    eddy_buf_put_u32(out, (uint32_t)strlen(t->model));
    eddy_buf_append(out, t->model, strlen(t->model));
    put_i64s(out, head, (int)(sizeof(head) / sizeof(head[0])));
    eddy_buf_put_f64(out, t->prediction);
    eddy_buf_put_f64(out, t->target);
    eddy_buf_put_u32(out, t->n_forecast);
    eddy_buf_put_f64s(out, t->forecast, t->n_forecast);
    put_ksum(out, &t->scale);
    eddy_buf_put_u64(out, (uint64_t)t->scale_n);
    for (int i = 0; i < ev->conf.season; i++) {
        eddy_buf_put_u64(out, (uint64_t)t->season_seq[i]);
        eddy_buf_put_f64(out, t->season_y[i]);
    }
    for (int k = 0; k < H; k++) {
        eddy_buf_put_u64(out, (uint64_t)t->pend_origin[k]);
        eddy_buf_put_u32(out, t->pend_n[k]);
        eddy_buf_put_f64s(out, &t->pend[k * H], (size_t)H);
    }
    for (int h = 0; h < H; h++)
        save_horizon(ev, t, h, out);
    eddy_hist_save(&t->hist, out);
    eddy_buf_put_u32(out, (uint32_t)t->fq_len);
    for (size_t i = 0; i < t->fq_len; i++) {
        eddy_buf_put_u64(out, (uint64_t)t->fq[i].seq);
        eddy_buf_put_u32(out, t->fq[i].n);
        eddy_buf_put_f64s(out, &t->fq_f[i * (size_t)H], t->fq[i].n);
    }
}

static int evseries_save(const void *ctx, const void *value, eddy_buf_t *out)
{
    const eddy_evaluator_t *ev = ctx;
    const evseries_t *s = value;

    eddy_buf_put_u32(out, (uint32_t)ev->conf.horizons);
    eddy_buf_put_u32(out, (uint32_t)ev->conf.season);
    eddy_buf_put_u32(out, (uint32_t)ev->wmax);
    eddy_buf_put_u32(out, (uint32_t)s->n);
    for (int i = 0; i < s->n; i++)
        save_track(ev, s->tracks[i], out);
    eddy_champ_save(&s->champ, out);
    eddy_buf_put_u64(out, (uint64_t)s->decided);
    return out->failed ? -1 : 0;
}

static void read_ksum(eddy_reader_t *r, eddy_ksum_t *k)
{
    k->sum = eddy_read_f64(r);
    k->c = eddy_read_f64(r);
}

/* A u32 that must be below LIMIT (fails the reader otherwise). */
static uint32_t read_below(eddy_reader_t *r, uint32_t limit)
{
    uint32_t v = eddy_read_u32(r);

    if (v >= limit)
        r->err = 1;
    return r->err ? 0 : v;
}

static void load_horizon(const eddy_evaluator_t *ev, track_t *t, int h,
                         eddy_reader_t *r)
{
    horizon_t *hz = &t->hz[h];
    size_t at = (size_t)h * (size_t)ev->wmax;

    hz->n = (int64_t)eddy_read_u64(r);
    hz->mape_n = (int64_t)eddy_read_u64(r);
    read_ksum(r, &hz->abs);
    read_ksum(r, &hz->sq);
    read_ksum(r, &hz->ape);
    hz->ring_n = read_below(r, (uint32_t)ev->wmax + 1);
    hz->ring_head = read_below(r, (uint32_t)ev->wmax);
    eddy_read_f64s(r, &t->ring_abs[at], (size_t)ev->wmax);
    eddy_read_f64s(r, &t->ring_y[at], (size_t)ev->wmax);
}

/* Reads T's queue of forecasts (version 5); fails R on a damaged one (too
 * long, steps not increasing, a length past H) or out of memory. */
static void load_queue(const eddy_evaluator_t *ev, track_t *t, eddy_reader_t *r)
{
    int H = ev->conf.horizons;
    uint32_t n = eddy_read_count(r, hist_max(ev));
    double f[EDDY_FORECAST_MAX];

    for (uint32_t i = 0; !r->err && i < n; i++) {
        int64_t seq = (int64_t)eddy_read_u64(r);
        uint32_t len = read_below(r, (uint32_t)H + 1);
        eddy_read_f64s(r, f, len);
        if (r->err || !seq_ok(seq) || seq == NONE ||
            (t->fq_len && seq <= t->fq[t->fq_len - 1].seq) ||
            fq_push(t, H, seq, f, len))
            r->err = 1;
    }
}

/* Reads the fixed-size part of a track after its name into T. */
static void load_track_body(const eddy_evaluator_t *ev, track_t *t, eddy_reader_t *r)
{
    int H = ev->conf.horizons;
    int64_t *head[] = {&t->last_seq,
                       &t->prev_seq,
                       &t->event_time_ms,
                       &t->prev_event_time_ms,
                       &t->failing_predictions,
                       &t->failing_forecasts,
                       &t->last_failing_seq,
                       &t->duplicates,
                       &t->gap_dropped,
                       &t->model_version};

    for (size_t i = 0; i < sizeof(head) / sizeof(head[0]); i++)
        *head[i] = (int64_t)eddy_read_u64(r);
    if (!seq_ok(t->last_seq) || !seq_ok(t->prev_seq))
        r->err = 1;
    t->prediction = eddy_read_f64(r);
    t->target = eddy_read_f64(r);
    t->n_forecast = read_below(r, (uint32_t)H + 1);
    eddy_read_f64s(r, t->forecast, t->n_forecast);
    read_ksum(r, &t->scale);
    t->scale_n = (int64_t)eddy_read_u64(r);
    for (int i = 0; i < ev->conf.season; i++) {
        t->season_seq[i] = (int64_t)eddy_read_u64(r);
        t->season_y[i] = eddy_read_f64(r);
        r->err |= !seq_ok(t->season_seq[i]);
    }
    for (int k = 0; k < H; k++) {
        t->pend_origin[k] = (int64_t)eddy_read_u64(r);
        r->err |= !seq_ok(t->pend_origin[k]);
        t->pend_n[k] = read_below(r, (uint32_t)H + 1);
        eddy_read_f64s(r, &t->pend[k * H], (size_t)H);
    }
    for (int h = 0; h < H; h++)
        load_horizon(ev, t, h, r);
    eddy_hist_load(&t->hist, r, hist_max(ev));
    if (ev->load_version >= 5)
        load_queue(ev, t, r);
}

/* Reads one track into S; -1 (the reader failed, or a model repeated). */
static int load_track(const eddy_evaluator_t *ev, evseries_t *s, eddy_reader_t *r)
{
    char model[EDDY_MODEL_NAME_MAX + 1] = "";
    uint32_t len = eddy_read_count(r, EDDY_MODEL_NAME_MAX);
    track_t *t;

    if (eddy_read_bytes(r, model, len) || memchr(model, '\0', len) ||
        track_find(s, model))
        return -1;
    if (!(t = track_new(ev, model)))
        return -1;
    s->tracks[s->n++] = t;
    load_track_body(ev, t, r);
    return r->err ? -1 : 0;
}

static void *evseries_load(const void *ctx, const char *series_id, eddy_reader_t *r,
                           char *errstr, size_t errstr_size)
{
    const eddy_evaluator_t *ev = ctx;
    uint32_t h = eddy_read_u32(r), m = eddy_read_u32(r), w = eddy_read_u32(r);
    uint32_t n = eddy_read_count(r, EDDY_EVAL_MODELS_MAX);
    evseries_t *s;

    if (!r->err && (h != (uint32_t)ev->conf.horizons ||
                    m != (uint32_t)ev->conf.season || w != (uint32_t)ev->wmax)) {
        snprintf(errstr, errstr_size,
                 "state of series '%s' was saved with --horizons %u --season %u and a "
                 "longest window of %u; this run has %d, %d and %d: run with those "
                 "options, or rebuild the scores under a new --group",
                 series_id, h, m, w, ev->conf.horizons, ev->conf.season, ev->wmax);
        return NULL;
    }
    if (!(s = calloc(1, sizeof(*s)))) {
        snprintf(errstr, errstr_size, "out of memory");
        return NULL;
    }
    for (uint32_t i = 0; !r->err && i < n; i++)
        if (load_track(ev, s, r))
            r->err = 1;
    if (!r->err)
        eddy_champ_load(&s->champ, r);
    s->decided = (int64_t)eddy_read_u64(r);
    r->err |= !seq_ok(s->decided);
    if (r->err || r->pos != r->len) {
        snprintf(errstr, errstr_size,
                 "state of series '%s' is not an evaluator state (%zu bytes; damaged "
                 "at byte %zu)",
                 series_id, r->len, r->pos);
        evseries_free(s);
        return NULL;
    }
    return s;
}

#define EEVL_VERSION 5

/* The versions refused, each with what it lacks (the fix is the same). */
static const char *const eevl_old[] = {
    [1] = "saved by an eddy-evaluate without champion selection",
    [2] = "saved by an eddy-evaluate whose champion compared models only when their "
          "records met (no per-step error history) and without the ADWIN drift "
          "detector's state",
    [3] = "saved by a development build of eddy-evaluate with only one of the "
          "per-step error history and the ADWIN state",
};

static const eddy_series_codec_t evseries_codec = {.magic = "EEVL",
                                                   .version = EEVL_VERSION,
                                                   .save = evseries_save,
                                                   .load = evseries_load};
/* Version 4 (no forecast queues) is read as it is: the steps not decided
 * at the restart serve without the models' queued forecasts (the
 * champion's latest forecast alone), the next ones combine as usual. */
static const eddy_series_codec_t evseries_codec_v4 = {
    .magic = "EEVL", .version = 4, .save = evseries_save, .load = evseries_load};

int eddy_evaluator_save(const eddy_evaluator_t *ev, const char *series_id,
                        eddy_buf_t *out)
{
    return eddy_series_save(ev->series, series_id, &evseries_codec, ev, out);
}

int eddy_evaluator_load(eddy_evaluator_t *ev, const char *series_id, const void *buf,
                        size_t len, char *errstr, size_t errstr_size)
{
    const uint8_t *payload;
    size_t n;

    ev->load_version = EEVL_VERSION;
    if (eddy_snapshot_read(buf, len, "EEVL", 4, &payload, &n, NULL, 0) ==
        EDDY_SNAPSHOT_OK) {
        ev->load_version = 4;
        return eddy_series_load(ev->series, series_id, buf, len, &evseries_codec_v4, ev,
                                errstr, errstr_size);
    }
    for (int v = 1; v < 4; v++)
        if (eddy_snapshot_read(buf, len, "EEVL", (uint32_t)v, &payload, &n, NULL, 0) ==
            EDDY_SNAPSHOT_OK) {
            snprintf(errstr, errstr_size,
                     "state of series '%s' is an EEVL version %d state, %s; version "
                     "%d is needed: rebuild the scores from the predictions under a "
                     "new --group (or delete the <group>-state topic)",
                     series_id, v, eevl_old[v], EEVL_VERSION);
            return -1;
        }
    return eddy_series_load(ev->series, series_id, buf, len, &evseries_codec, ev,
                            errstr, errstr_size);
}
