/* ledger_core.c: the sink's idempotent store (see ledger_core.h). */
#include "ledger_core.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/buf.h"

#define LEDGER_MAX_FORECAST 32

static const double ledger_bounds[EDDY_LEDGER_N_LATENCY_BOUNDS] = {
    0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
    0.05,   0.1,     0.25,   0.5,   1,      2.5,   5,    10};

/* The first member of every named entry is its name (find_named). */
typedef struct {
    char *name;
    eddy_ledger_point_t *points; /* ascending seq */
    size_t n, cap;
    int64_t floor; /* highest seq evicted; older ones are stale */
    int has_floor;
    double forecast[LEDGER_MAX_FORECAST];
    int n_forecast;
    int64_t forecast_seq;
    eddy_ledger_score_t *score;
    uint64_t nonfinite; /* kept points with a non-finite prediction */
    uint64_t seen;      /* distinct seqs ever stored */
} ledger_pair_t;

typedef struct {
    char *name;
    ledger_pair_t **series; /* by name */
    size_t n_series, cap_series;
    uint64_t predictions, nonfinite;
    int64_t last_predicted_us;
    uint64_t latency_counts[EDDY_LEDGER_N_LATENCY_BOUNDS + 1];
    uint64_t latency_sum_us; /* integer: the same whatever the arrival order */
} ledger_model_t;

struct eddy_ledger_s {
    eddy_ledger_config_t cfg;
    ledger_model_t **models; /* by name */
    size_t n_models, cap_models;
    size_t pairs;
    uint64_t replaced, stale, dropped, scores;
};

static void ledger_err(char *errstr, size_t errstr_size, const char *fmt, ...)
{
    va_list ap;

    if (!errstr || !errstr_size)
        return;
    va_start(ap, fmt);
    vsnprintf(errstr, errstr_size, fmt, ap);
    va_end(ap);
}

void eddy_ledger_config_default(eddy_ledger_config_t *cfg)
{
    cfg->max_models = 64;
    cfg->max_series = 10000;
    cfg->max_points = 5000;
}

const double *eddy_ledger_latency_bounds(void)
{
    return ledger_bounds;
}

eddy_ledger_t *eddy_ledger_new(const eddy_ledger_config_t *cfg, char *errstr,
                               size_t errstr_size)
{
    eddy_ledger_t *l;
    eddy_ledger_config_t c;

    if (cfg)
        c = *cfg;
    else
        eddy_ledger_config_default(&c);
    if (!c.max_models || !c.max_series || c.max_points < 4) {
        ledger_err(errstr, errstr_size,
                   "ledger: max_models and max_series must be >= 1, max_points >= 4");
        return NULL;
    }
    if (!(l = calloc(1, sizeof(*l)))) {
        ledger_err(errstr, errstr_size, "ledger: out of memory");
        return NULL;
    }
    l->cfg = c;
    return l;
}

static void pair_free(ledger_pair_t *p)
{
    if (!p)
        return;
    free(p->points);
    free(p->score);
    free(p->name);
    free(p);
}

static void model_free(ledger_model_t *mo)
{
    if (!mo)
        return;
    for (size_t i = 0; i < mo->n_series; i++)
        pair_free(mo->series[i]);
    free(mo->series);
    free(mo->name);
    free(mo);
}

void eddy_ledger_destroy(eddy_ledger_t *l)
{
    if (!l)
        return;
    for (size_t i = 0; i < l->n_models; i++)
        model_free(l->models[i]);
    free(l->models);
    free(l);
}

/* 1 and the index of NAME among ITEMS (pointers to entries whose first
 * member is their name, sorted), or 0 and its insertion point. */
static int find_named(void *const *items, size_t n, const char *name, size_t *pos)
{
    size_t lo = 0, hi = n;

    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = strcmp(*(char *const *)items[mid], name);
        if (!c) {
            *pos = mid;
            return 1;
        }
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    *pos = lo;
    return 0;
}

/* Inserts a new zeroed entry of SIZE bytes named NAME at POS of the array
 * *ITEMS_P (N items, capacity *CAP). Returns it, or NULL when out of
 * memory (nothing changed). */
static void *insert_named(void *items_p, size_t *n, size_t *cap, size_t pos,
                          size_t size, const char *name)
{
    void ***items = items_p;
    size_t len = strlen(name) + 1;
    char **entry;

    if (eddy_grow(items_p, *n, cap, sizeof(void *), 8) || !(entry = calloc(1, size)))
        return NULL;
    if (!(*entry = malloc(len))) {
        free(entry);
        return NULL;
    }
    memcpy(*entry, name, len);
    memmove(&(*items)[pos + 1], &(*items)[pos], (*n - pos) * sizeof(void *));
    (*items)[pos] = entry;
    (*n)++;
    return entry;
}

static int check_name(const char *what, const char *s, char *errstr, size_t errstr_size)
{
    if (!s || !*s || strnlen(s, 256) > 255 || !eddy_prom_valid_label_value(s)) {
        ledger_err(errstr, errstr_size,
                   "ledger: %s '%.40s' is empty, longer than 255 bytes or not UTF-8",
                   what, s ? s : "");
        return EDDY_LEDGER_EINVAL;
    }
    return 0;
}

/* The pair (MODEL, SERIES), created when new and within the caps. *RC is
 * 0, EDDY_LEDGER_DROPPED (caps) or EDDY_LEDGER_ENOMEM. */
static ledger_pair_t *ledger_pair(eddy_ledger_t *l, const char *model,
                                  const char *series, ledger_model_t **mo_out, int *rc)
{
    size_t mpos, spos;
    ledger_model_t *mo;

    *rc = 0;
    if (find_named((void *const *)l->models, l->n_models, model, &mpos)) {
        mo = l->models[mpos];
    } else if (l->n_models >= l->cfg.max_models || l->pairs >= l->cfg.max_series) {
        *rc = EDDY_LEDGER_DROPPED;
        return NULL;
    } else if (!(mo = insert_named(&l->models, &l->n_models, &l->cap_models, mpos,
                                   sizeof(*mo), model))) {
        *rc = EDDY_LEDGER_ENOMEM;
        return NULL;
    }
    *mo_out = mo;
    if (find_named((void *const *)mo->series, mo->n_series, series, &spos))
        return mo->series[spos];
    if (l->pairs >= l->cfg.max_series) {
        *rc = EDDY_LEDGER_DROPPED;
        return NULL;
    }
    ledger_pair_t *p = insert_named(&mo->series, &mo->n_series, &mo->cap_series, spos,
                                    sizeof(*p), series);
    if (!p) {
        *rc = EDDY_LEDGER_ENOMEM;
        return NULL;
    }
    l->pairs++;
    return p;
}

int eddy_ledger_seq_search(const eddy_ledger_point_t *pts, size_t n, int64_t seq,
                           size_t *pos)
{
    size_t lo = 0, hi = n;

    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (pts[mid].seq == seq) {
            *pos = mid;
            return 1;
        }
        if (pts[mid].seq < seq)
            lo = mid + 1;
        else
            hi = mid;
    }
    *pos = lo;
    return 0;
}

/* Room for one more point: grows up to max_points, then evicts the oldest
 * quarter (raising the floor). Returns 0 or -1 when out of memory. */
static int make_room(eddy_ledger_t *l, ledger_pair_t *p, size_t *pos)
{
    if (p->n == l->cfg.max_points) {
        size_t k = l->cfg.max_points / 4;
        for (size_t i = 0; i < k; i++)
            p->nonfinite -= !isfinite(p->points[i].prediction);
        p->floor = p->points[k - 1].seq;
        p->has_floor = 1;
        memmove(p->points, p->points + k, (p->n - k) * sizeof(*p->points));
        p->n -= k;
        *pos -= k < *pos ? k : *pos;
        return 0;
    }
    return eddy_grow(&p->points, p->n, &p->cap, sizeof(*p->points), 64);
}

static void latency_observe(ledger_model_t *mo, const eddy_ledger_pred_t *pr)
{
    size_t b = 0;
    double s;

    if (pr->predicted_at_us > mo->last_predicted_us)
        mo->last_predicted_us = pr->predicted_at_us;
    if (pr->produced_at_us <= 0 || pr->predicted_at_us < pr->produced_at_us)
        return;
    s = (double)(pr->predicted_at_us - pr->produced_at_us) / 1e6;
    while (b < EDDY_LEDGER_N_LATENCY_BOUNDS && s > ledger_bounds[b])
        b++;
    mo->latency_counts[b]++;
    mo->latency_sum_us += (uint64_t)(pr->predicted_at_us - pr->produced_at_us);
}

static void keep_forecast(ledger_pair_t *p, const eddy_ledger_pred_t *pr)
{
    int h = pr->n_forecast < LEDGER_MAX_FORECAST ? pr->n_forecast : LEDGER_MAX_FORECAST;

    if (p->n_forecast && pr->seq < p->forecast_seq)
        return;
    if (h > 0)
        memcpy(p->forecast, pr->forecast, (size_t)h * sizeof(double));
    p->n_forecast = h > 0 ? h : 0;
    p->forecast_seq = pr->seq;
}

/* Stores PR at POS of P: a replacement when FOUND, else a new point. */
static int put_point(eddy_ledger_t *l, ledger_model_t *mo, ledger_pair_t *p,
                     const eddy_ledger_pred_t *pr, size_t pos, int found)
{
    eddy_ledger_point_t pt = {pr->seq, pr->event_time_ms, pr->actual, pr->prediction};
    int bad = !isfinite(pr->prediction);

    if (found) {
        p->nonfinite += bad - !isfinite(p->points[pos].prediction);
        p->points[pos] = pt;
        l->replaced++;
        keep_forecast(p, pr);
        return EDDY_LEDGER_REPLACED;
    }
    if (make_room(l, p, &pos))
        return EDDY_LEDGER_ENOMEM;
    memmove(&p->points[pos + 1], &p->points[pos], (p->n - pos) * sizeof(pt));
    p->points[pos] = pt;
    p->n++;
    p->seen++;
    p->nonfinite += bad;
    mo->predictions++;
    mo->nonfinite += bad;
    latency_observe(mo, pr);
    keep_forecast(p, pr);
    return EDDY_LEDGER_NEW;
}

int eddy_ledger_point(eddy_ledger_t *l, const eddy_ledger_pred_t *pr, char *errstr,
                      size_t errstr_size)
{
    ledger_model_t *mo = NULL;
    ledger_pair_t *p;
    size_t pos;
    int rc, found;

    if (check_name("model", pr->model, errstr, errstr_size) ||
        check_name("series", pr->series, errstr, errstr_size))
        return EDDY_LEDGER_EINVAL;
    if (!isfinite(pr->actual) || pr->n_forecast < 0 ||
        (pr->n_forecast && !pr->forecast)) {
        ledger_err(errstr, errstr_size,
                   "ledger: non-finite actual or bad forecast (model %s, series %s, "
                   "seq %lld)",
                   pr->model, pr->series, (long long)pr->seq);
        return EDDY_LEDGER_EINVAL;
    }
    if (!(p = ledger_pair(l, pr->model, pr->series, &mo, &rc))) {
        l->dropped += rc == EDDY_LEDGER_DROPPED;
        if (rc == EDDY_LEDGER_ENOMEM)
            ledger_err(errstr, errstr_size, "ledger: out of memory");
        return rc;
    }
    found = eddy_ledger_seq_search(p->points, p->n, pr->seq, &pos);
    if (!found && p->has_floor && pr->seq <= p->floor) {
        l->stale++;
        return EDDY_LEDGER_STALE;
    }
    if ((rc = put_point(l, mo, p, pr, pos, found)) < 0)
        ledger_err(errstr, errstr_size, "ledger: out of memory");
    return rc;
}

int eddy_ledger_score(eddy_ledger_t *l, const char *model, const char *series,
                      const eddy_ledger_score_t *s, char *errstr, size_t errstr_size)
{
    ledger_model_t *mo = NULL;
    ledger_pair_t *p;
    int rc;

    if (check_name("model", model, errstr, errstr_size) ||
        check_name("series", series, errstr, errstr_size))
        return EDDY_LEDGER_EINVAL;
    if (s->n_h < 0 || s->n_h > EDDY_LEDGER_MAX_H || s->n_windows < 0 ||
        s->n_windows > EDDY_LEDGER_MAX_WINDOWS) {
        ledger_err(errstr, errstr_size,
                   "ledger: score of %s/%s has %d horizons and %d windows (at most %d "
                   "and %d)",
                   model, series, s->n_h, s->n_windows, EDDY_LEDGER_MAX_H,
                   EDDY_LEDGER_MAX_WINDOWS);
        return EDDY_LEDGER_EINVAL;
    }
    if (!(p = ledger_pair(l, model, series, &mo, &rc))) {
        l->dropped += rc == EDDY_LEDGER_DROPPED;
        if (rc == EDDY_LEDGER_ENOMEM)
            ledger_err(errstr, errstr_size, "ledger: out of memory");
        return rc == EDDY_LEDGER_DROPPED ? 1 : rc;
    }
    if (!p->score && !(p->score = malloc(sizeof(*p->score)))) {
        ledger_err(errstr, errstr_size, "ledger: out of memory");
        return EDDY_LEDGER_ENOMEM;
    }
    *p->score = *s;
    l->scores++;
    return 0;
}

void eddy_ledger_stats(const eddy_ledger_t *l, eddy_ledger_stats_t *out)
{
    out->models = l->n_models;
    out->pairs = l->pairs;
    out->replaced = l->replaced;
    out->stale = l->stale;
    out->series_dropped = l->dropped;
    out->scores = l->scores;
}

size_t eddy_ledger_model_count(const eddy_ledger_t *l)
{
    return l->n_models;
}

static void pair_view(const ledger_model_t *mo, const ledger_pair_t *p,
                      eddy_ledger_pair_t *out)
{
    out->model = mo->name;
    out->series = p->name;
    out->points = p->points;
    out->n_points = p->n;
    out->forecast = p->forecast;
    out->n_forecast = p->n_forecast;
    out->score = p->score;
    out->nonfinite = p->nonfinite;
    out->failing =
        p->nonfinite > 0 ||
        (p->score && (p->score->failing_predictions || p->score->failing_forecasts));
}

int eddy_ledger_model(const eddy_ledger_t *l, size_t i, eddy_ledger_model_t *out)
{
    const ledger_model_t *mo;

    if (i >= l->n_models)
        return -1;
    mo = l->models[i];
    out->model = mo->name;
    out->predictions = mo->predictions;
    out->nonfinite = mo->nonfinite;
    out->last_predicted_s = (double)mo->last_predicted_us / 1e6;
    memcpy(out->latency_counts, mo->latency_counts, sizeof(out->latency_counts));
    out->latency_sum = (double)mo->latency_sum_us / 1e6;
    out->n_series = mo->n_series;
    out->failing = mo->nonfinite > 0;
    for (size_t j = 0; j < mo->n_series && !out->failing; j++) {
        eddy_ledger_pair_t p;
        pair_view(mo, mo->series[j], &p);
        out->failing = p.failing;
    }
    return 0;
}

size_t eddy_ledger_series_count(const eddy_ledger_t *l, size_t i)
{
    return i < l->n_models ? l->models[i]->n_series : 0;
}

int eddy_ledger_pair(const eddy_ledger_t *l, size_t i, size_t j,
                     eddy_ledger_pair_t *out)
{
    if (i >= l->n_models || j >= l->models[i]->n_series)
        return -1;
    pair_view(l->models[i], l->models[i]->series[j], out);
    return 0;
}

int eddy_ledger_find(const eddy_ledger_t *l, const char *model, const char *series,
                     eddy_ledger_pair_t *out)
{
    size_t mpos, spos;
    const ledger_model_t *mo;

    if (!model || !series ||
        !find_named((void *const *)l->models, l->n_models, model, &mpos))
        return -1;
    mo = l->models[mpos];
    if (!find_named((void *const *)mo->series, mo->n_series, series, &spos))
        return -1;
    pair_view(mo, mo->series[spos], out);
    return 0;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

size_t eddy_ledger_series_names(const eddy_ledger_t *l, const char **out, size_t cap)
{
    size_t total = 0, n = 0;
    const char **all;

    for (size_t i = 0; i < l->n_models; i++)
        total += l->models[i]->n_series;
    if (!total || !(all = malloc(total * sizeof(*all))))
        return 0;
    for (size_t i = 0, k = 0; i < l->n_models; i++)
        for (size_t j = 0; j < l->models[i]->n_series; j++)
            all[k++] = l->models[i]->series[j]->name;
    qsort(all, total, sizeof(*all), cmp_str);
    for (size_t k = 0; k < total; k++) {
        if (k && !strcmp(all[k], all[k - 1]))
            continue;
        if (n < cap)
            out[n] = all[k];
        n++;
    }
    free(all);
    return n;
}
