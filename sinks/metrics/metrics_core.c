/* metrics_core.c: prequential scoring registry (see metrics_core.h). */
#include "metrics_core.h"

#include "util/ksum.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define METRICS_DEFAULT_MAX_MODELS 64
#define METRICS_DEFAULT_MAX_SERIES 10000

static const int metrics_windows[EDDY_METRICS_N_WINDOWS] = {5, 10, 20};

static const double metrics_latency_bounds[EDDY_METRICS_N_LATENCY_BOUNDS] = {
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};

/* The scores of one entry (a series or a model's aggregate). */
typedef struct {
    uint64_t n;
    eddy_ksum_t abs_err;
    eddy_ksum_t sq_err;
    eddy_ksum_t ape; /* fractions, not percent */
    uint64_t n_ape;
    uint64_t n_ape_skipped;
    /* Ring of the last EDDY_METRICS_MAX_WINDOW observations; head is the
     * next slot to write. ring_ape is NaN for a zero target. */
    double ring_abs[EDDY_METRICS_MAX_WINDOW];
    double ring_sq[EDDY_METRICS_MAX_WINDOW];
    double ring_ape[EDDY_METRICS_MAX_WINDOW];
    unsigned head;
    double last_prediction;
    double last_actual;
    double last_error;
    int64_t last_seq;
    int64_t last_event_time_ms;
    double forecast[EDDY_METRICS_MAX_FORECAST];
    int n_forecast;
} metrics_stats_t;

typedef struct {
    char *name;
    metrics_stats_t st;
} metrics_series_t;

typedef struct {
    char *name;
    metrics_stats_t all;
    metrics_series_t **series; /* sorted by name */
    size_t n_series;
    size_t cap_series;
    uint64_t latency_counts[EDDY_METRICS_N_LATENCY_BOUNDS + 1];
    uint64_t latency_count;
    eddy_ksum_t latency_sum;
    uint64_t latency_skipped;
} metrics_model_t;

struct eddy_metrics_s {
    eddy_metrics_config_t cfg;
    metrics_model_t **models; /* sorted by name */
    size_t n_models;
    size_t cap_models;
    size_t tracked_series;
    uint64_t observations;
    uint64_t series_dropped;
    uint64_t rejected;
};

static void metrics_err(char *errstr, size_t errstr_size, const char *fmt, ...)
{
    if (errstr == NULL || errstr_size == 0) {
        return;
    }
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(errstr, errstr_size, fmt, ap);
    va_end(ap);
}

void eddy_metrics_config_default(eddy_metrics_config_t *cfg)
{
    cfg->max_models = METRICS_DEFAULT_MAX_MODELS;
    cfg->per_series = 1;
    cfg->max_series = METRICS_DEFAULT_MAX_SERIES;
}

int eddy_metrics_window(int w)
{
    if (w < 0 || w >= EDDY_METRICS_N_WINDOWS) {
        return 0;
    }
    return metrics_windows[w];
}

const double *eddy_metrics_latency_bounds(void)
{
    return metrics_latency_bounds;
}

eddy_metrics_t *eddy_metrics_new(const eddy_metrics_config_t *cfg, char *errstr,
                                 size_t errstr_size)
{
    eddy_metrics_t *m = NULL;
    eddy_metrics_config_t c;
    if (cfg != NULL) {
        c = *cfg;
    } else {
        eddy_metrics_config_default(&c);
    }
    if (c.max_models == 0) {
        metrics_err(errstr, errstr_size, "metrics: max_models must be at least 1");
        goto err;
    }
    m = calloc(1, sizeof *m);
    if (m == NULL) {
        metrics_err(errstr, errstr_size, "metrics: out of memory");
        goto err;
    }
    m->cfg = c;
    return m;
err:
    eddy_metrics_destroy(m);
    return NULL;
}

static void metrics_series_free(metrics_series_t *s)
{
    if (s == NULL) {
        return;
    }
    free(s->name);
    free(s);
}

static void metrics_model_free(metrics_model_t *mo)
{
    if (mo == NULL) {
        return;
    }
    for (size_t i = 0; i < mo->n_series; i++) {
        metrics_series_free(mo->series[i]);
    }
    free(mo->series);
    free(mo->name);
    free(mo);
}

void eddy_metrics_destroy(eddy_metrics_t *m)
{
    if (m == NULL) {
        return;
    }
    for (size_t i = 0; i < m->n_models; i++) {
        metrics_model_free(m->models[i]);
    }
    free(m->models);
    free(m);
}

/* Binary search for NAME among the sorted ITEMS[i]->name.
 * Returns 1 and the index when found, else 0 and the insertion point. */
#define METRICS_BSEARCH(items, n, name, pos)                                           \
    do {                                                                               \
        size_t lo_ = 0, hi_ = (n);                                                     \
        while (lo_ < hi_) {                                                            \
            size_t mid_ = lo_ + (hi_ - lo_) / 2;                                       \
            int c_ = strcmp((items)[mid_]->name, (name));                              \
            if (c_ == 0) {                                                             \
                *(pos) = mid_;                                                         \
                return 1;                                                              \
            }                                                                          \
            if (c_ < 0) {                                                              \
                lo_ = mid_ + 1;                                                        \
            } else {                                                                   \
                hi_ = mid_;                                                            \
            }                                                                          \
        }                                                                              \
        *(pos) = lo_;                                                                  \
        return 0;                                                                      \
    } while (0)

/* 1 and the index of model NAME, or 0 and its insertion point. */
static int metrics_find_model(const eddy_metrics_t *m, const char *name, size_t *pos)
{
    METRICS_BSEARCH(m->models, m->n_models, name, pos);
}

/* 1 and the index of series NAME of MO, or 0 and its insertion point. */
static int metrics_find_series(const metrics_model_t *mo, const char *name, size_t *pos)
{
    METRICS_BSEARCH(mo->series, mo->n_series, name, pos);
}

static char *metrics_strdup(const char *s)
{
    size_t n = strlen(s) + 1;
    char *p = malloc(n);
    if (p != NULL) {
        memcpy(p, s, n);
    }
    return p;
}

/* A new model or series not yet inserted: makes room for one more pointer in
 * the array *ITEMS_P of N (capacity *CAP), then allocates a zeroed entry of
 * SIZE bytes whose first member, its name, is a copy of NAME. Returns the
 * entry (the caller inserts or frees it), or NULL when out of memory. */
static void *metrics_new_entry(void *items_p, size_t n, size_t *cap, size_t size,
                               const char *name)
{
    void *entry;

    if (eddy_grow(items_p, n, cap, sizeof(void *), 8) != 0 ||
        (entry = calloc(1, size)) == NULL) {
        return NULL;
    }
    if ((*(char **)entry = metrics_strdup(name)) == NULL) {
        free(entry);
        return NULL;
    }
    return entry;
}

static int metrics_check_name(const char *what, const char *s, char *errstr,
                              size_t errstr_size)
{
    if (s == NULL || s[0] == '\0') {
        metrics_err(errstr, errstr_size, "metrics: %s is empty", what);
        return EDDY_METRICS_EINVAL;
    }
    size_t n = strnlen(s, EDDY_METRICS_MAX_NAME + 1);
    if (n > EDDY_METRICS_MAX_NAME) {
        metrics_err(errstr, errstr_size, "metrics: %s is longer than %d bytes", what,
                    EDDY_METRICS_MAX_NAME);
        return EDDY_METRICS_EINVAL;
    }
    if (!eddy_prom_valid_label_value(s)) {
        metrics_err(errstr, errstr_size, "metrics: %s is not valid UTF-8", what);
        return EDDY_METRICS_EINVAL;
    }
    return EDDY_METRICS_OK;
}

static void metrics_stats_update(metrics_stats_t *st, int64_t seq,
                                 int64_t event_time_ms, double prediction,
                                 double target, const double *forecast, int n_forecast)
{
    double err = target - prediction;
    double abs_err = fabs(err);
    double sq_err = err * err;
    double ape = NAN;
    st->n++;
    eddy_ksum_add(&st->abs_err, abs_err);
    eddy_ksum_add(&st->sq_err, sq_err);
    if (target != 0.0) {
        ape = abs_err / fabs(target);
        eddy_ksum_add(&st->ape, ape);
        st->n_ape++;
    } else {
        st->n_ape_skipped++;
    }
    st->ring_abs[st->head] = abs_err;
    st->ring_sq[st->head] = sq_err;
    st->ring_ape[st->head] = ape;
    st->head = (st->head + 1) % EDDY_METRICS_MAX_WINDOW;
    st->last_prediction = prediction;
    st->last_actual = target;
    st->last_error = err;
    st->last_seq = seq;
    st->last_event_time_ms = event_time_ms;
    int h =
        n_forecast < EDDY_METRICS_MAX_FORECAST ? n_forecast : EDDY_METRICS_MAX_FORECAST;
    if (h > 0) {
        memcpy(st->forecast, forecast, (size_t)h * sizeof *forecast);
    }
    st->n_forecast = h;
}

/* Rolling scores over the last min(n, window) observations, summed oldest
 * first straight from the ring (no running sums, so nothing drifts). */
static void metrics_rolling(const metrics_stats_t *st, int window, double *mae,
                            double *mse, double *mape)
{
    uint64_t k64 = st->n < (uint64_t)window ? st->n : (uint64_t)window;
    unsigned k = (unsigned)k64;
    double sa = 0.0, sq = 0.0, sp = 0.0;
    unsigned np = 0;
    if (k == 0) {
        *mae = *mse = *mape = NAN;
        return;
    }
    for (unsigned i = 0; i < k; i++) {
        unsigned idx =
            (st->head + EDDY_METRICS_MAX_WINDOW - k + i) % EDDY_METRICS_MAX_WINDOW;
        sa += st->ring_abs[idx];
        sq += st->ring_sq[idx];
        if (!isnan(st->ring_ape[idx])) {
            sp += st->ring_ape[idx];
            np++;
        }
    }
    *mae = sa / (double)k;
    *mse = sq / (double)k;
    *mape = np > 0 ? 100.0 * sp / (double)np : NAN;
}

static double metrics_mae(const metrics_stats_t *st)
{
    return st->n > 0 ? eddy_ksum_get(&st->abs_err) / (double)st->n : NAN;
}

static double metrics_mse(const metrics_stats_t *st)
{
    return st->n > 0 ? eddy_ksum_get(&st->sq_err) / (double)st->n : NAN;
}

static double metrics_mape(const metrics_stats_t *st)
{
    return st->n_ape > 0 ? 100.0 * eddy_ksum_get(&st->ape) / (double)st->n_ape : NAN;
}

static void metrics_latency_observe(metrics_model_t *mo, int64_t produced_at_us,
                                    int64_t predicted_at_us)
{
    if (produced_at_us <= 0 || predicted_at_us <= 0 ||
        predicted_at_us < produced_at_us) {
        mo->latency_skipped++;
        return;
    }
    double secs = (double)(predicted_at_us - produced_at_us) / 1e6;
    size_t b = 0;
    while (b < EDDY_METRICS_N_LATENCY_BOUNDS && secs > metrics_latency_bounds[b]) {
        b++;
    }
    mo->latency_counts[b]++;
    mo->latency_count++;
    eddy_ksum_add(&mo->latency_sum, secs);
}

int eddy_metrics_observe(eddy_metrics_t *m, const char *model, const char *series,
                         int64_t seq, int64_t event_time_ms, double prediction,
                         double target, const double *forecast, int n_forecast,
                         int64_t produced_at_us, int64_t predicted_at_us, char *errstr,
                         size_t errstr_size)
{
    int rc = EDDY_METRICS_OK;
    metrics_model_t *new_model = NULL;
    metrics_series_t *new_series = NULL;
    metrics_model_t *mo = NULL;
    metrics_series_t *s = NULL;
    size_t mpos = 0, spos = 0;
    int dropped = 0;

    if (m == NULL) {
        metrics_err(errstr, errstr_size, "metrics: registry is NULL");
        return EDDY_METRICS_EINVAL;
    }
    rc = metrics_check_name("model", model, errstr, errstr_size);
    if (rc != EDDY_METRICS_OK) {
        goto err;
    }
    rc = metrics_check_name("series", series, errstr, errstr_size);
    if (rc != EDDY_METRICS_OK) {
        goto err;
    }
    if (!isfinite(prediction) || !isfinite(target)) {
        metrics_err(errstr, errstr_size,
                    "metrics: non-finite prediction or target (model %s, series %s)",
                    model, series);
        rc = EDDY_METRICS_EINVAL;
        goto err;
    }
    if (n_forecast < 0 || (n_forecast > 0 && forecast == NULL)) {
        metrics_err(errstr, errstr_size, "metrics: bad forecast (%d values)",
                    n_forecast);
        rc = EDDY_METRICS_EINVAL;
        goto err;
    }

    /* Find or prepare everything first, so a failure changes nothing. */
    if (metrics_find_model(m, model, &mpos)) {
        mo = m->models[mpos];
    } else {
        if (m->n_models >= m->cfg.max_models) {
            metrics_err(errstr, errstr_size,
                        "metrics: model limit %zu reached, model %s not tracked",
                        m->cfg.max_models, model);
            rc = EDDY_METRICS_EMODELS;
            goto err;
        }
        new_model = metrics_new_entry(&m->models, m->n_models, &m->cap_models,
                                      sizeof(*new_model), model);
        if (new_model == NULL) {
            goto oom;
        }
        mo = new_model;
    }
    if (m->cfg.per_series) {
        if (strcmp(series, EDDY_METRICS_ALL_SERIES) == 0) {
            dropped = 1;
        } else if (metrics_find_series(mo, series, &spos)) {
            s = mo->series[spos];
        } else if (m->tracked_series >= m->cfg.max_series) {
            dropped = 1;
        } else {
            new_series = metrics_new_entry(&mo->series, mo->n_series, &mo->cap_series,
                                           sizeof(*new_series), series);
            if (new_series == NULL) {
                goto oom;
            }
            s = new_series;
        }
    }

    /* Commit: insert the new entries, then update. */
    if (new_model != NULL) {
        memmove(&m->models[mpos + 1], &m->models[mpos],
                (m->n_models - mpos) * sizeof *m->models);
        m->models[mpos] = new_model;
        m->n_models++;
    }
    if (new_series != NULL) {
        memmove(&mo->series[spos + 1], &mo->series[spos],
                (mo->n_series - spos) * sizeof *mo->series);
        mo->series[spos] = new_series;
        mo->n_series++;
        m->tracked_series++;
    }
    metrics_stats_update(&mo->all, seq, event_time_ms, prediction, target, forecast,
                         n_forecast);
    if (s != NULL) {
        metrics_stats_update(&s->st, seq, event_time_ms, prediction, target, forecast,
                             n_forecast);
    }
    metrics_latency_observe(mo, produced_at_us, predicted_at_us);
    m->observations++;
    if (dropped) {
        m->series_dropped++;
    }
    return EDDY_METRICS_OK;

oom:
    metrics_err(errstr, errstr_size, "metrics: out of memory");
    rc = EDDY_METRICS_ENOMEM;
err:
    metrics_series_free(new_series);
    metrics_model_free(new_model);
    m->rejected++;
    return rc;
}

void eddy_metrics_stats(const eddy_metrics_t *m, eddy_metrics_stats_t *out)
{
    out->models = m->n_models;
    out->tracked_series = m->tracked_series;
    out->observations = m->observations;
    out->series_dropped = m->series_dropped;
    out->rejected = m->rejected;
}

size_t eddy_metrics_model_count(const eddy_metrics_t *m)
{
    return m->n_models;
}

static void metrics_fill_view(const metrics_stats_t *st, const char *model,
                              const char *series, int is_aggregate,
                              eddy_metrics_series_view_t *out)
{
    memset(out, 0, sizeof *out);
    out->model = model;
    out->series = series;
    out->is_aggregate = is_aggregate;
    out->n = st->n;
    out->mae = metrics_mae(st);
    out->mse = metrics_mse(st);
    out->rmse = sqrt(out->mse);
    out->mape = metrics_mape(st);
    out->mape_n = st->n_ape;
    out->mape_skipped = st->n_ape_skipped;
    for (int w = 0; w < EDDY_METRICS_N_WINDOWS; w++) {
        metrics_rolling(st, metrics_windows[w], &out->rolling_mae[w],
                        &out->rolling_mse[w], &out->rolling_mape[w]);
        out->rolling_rmse[w] = sqrt(out->rolling_mse[w]);
    }
    out->last_prediction = st->last_prediction;
    out->last_actual = st->last_actual;
    out->last_error = st->last_error;
    out->last_seq = st->last_seq;
    out->last_event_time_ms = st->last_event_time_ms;
    out->forecast = st->forecast;
    out->n_forecast = st->n_forecast;
}

int eddy_metrics_model_view(const eddy_metrics_t *m, size_t i,
                            eddy_metrics_model_view_t *out)
{
    if (i >= m->n_models) {
        return EDDY_METRICS_ERANGE;
    }
    const metrics_model_t *mo = m->models[i];
    memset(out, 0, sizeof *out);
    out->model = mo->name;
    metrics_fill_view(&mo->all, mo->name, EDDY_METRICS_ALL_SERIES, 1, &out->all);
    out->n_series = mo->n_series;
    memcpy(out->latency_counts, mo->latency_counts, sizeof out->latency_counts);
    out->latency_count = mo->latency_count;
    out->latency_sum = eddy_ksum_get(&mo->latency_sum);
    out->latency_skipped = mo->latency_skipped;
    return EDDY_METRICS_OK;
}

size_t eddy_metrics_series_count(const eddy_metrics_t *m, size_t i)
{
    return i < m->n_models ? m->models[i]->n_series : 0;
}

int eddy_metrics_series_view(const eddy_metrics_t *m, size_t i, size_t j,
                             eddy_metrics_series_view_t *out)
{
    if (i >= m->n_models || j >= m->models[i]->n_series) {
        return EDDY_METRICS_ERANGE;
    }
    const metrics_model_t *mo = m->models[i];
    const metrics_series_t *s = mo->series[j];
    metrics_fill_view(&s->st, mo->name, s->name, 0, out);
    return EDDY_METRICS_OK;
}

int eddy_metrics_lookup(const eddy_metrics_t *m, const char *model, const char *series,
                        eddy_metrics_series_view_t *out)
{
    size_t mpos, spos;
    if (model == NULL || !metrics_find_model(m, model, &mpos)) {
        return EDDY_METRICS_ERANGE;
    }
    const metrics_model_t *mo = m->models[mpos];
    if (series == NULL || strcmp(series, EDDY_METRICS_ALL_SERIES) == 0) {
        metrics_fill_view(&mo->all, mo->name, EDDY_METRICS_ALL_SERIES, 1, out);
        return EDDY_METRICS_OK;
    }
    if (!metrics_find_series(mo, series, &spos)) {
        return EDDY_METRICS_ERANGE;
    }
    metrics_fill_view(&mo->series[spos]->st, mo->name, mo->series[spos]->name, 0, out);
    return EDDY_METRICS_OK;
}

/* 1 when A ranks strictly before B: lower MAE first, NaN last, then name. */
static int metrics_rank_before(const eddy_metrics_rank_t *a,
                               const eddy_metrics_rank_t *b)
{
    int an = isnan(a->mae), bn = isnan(b->mae);
    if (an != bn) {
        return bn;
    }
    if (!an && a->mae != b->mae) {
        return a->mae < b->mae;
    }
    return strcmp(a->model, b->model) < 0;
}

size_t eddy_metrics_leaderboard(const eddy_metrics_t *m, eddy_metrics_rank_t *out,
                                size_t cap)
{
    size_t filled = 0;
    for (size_t i = 0; i < m->n_models && cap > 0; i++) {
        const metrics_model_t *mo = m->models[i];
        eddy_metrics_rank_t r;
        r.model = mo->name;
        r.n = mo->all.n;
        r.mae = metrics_mae(&mo->all);
        r.rmse = sqrt(metrics_mse(&mo->all));
        r.mape = metrics_mape(&mo->all);
        r.next_forecast = mo->all.n_forecast > 0 ? mo->all.forecast[0] : NAN;
        /* Insertion into the sorted top-CAP prefix. */
        size_t pos = filled;
        while (pos > 0 && metrics_rank_before(&r, &out[pos - 1])) {
            pos--;
        }
        if (pos >= cap) {
            continue;
        }
        size_t last = filled < cap ? filled : cap - 1;
        memmove(&out[pos + 1], &out[pos], (last - pos) * sizeof *out);
        out[pos] = r;
        if (filled < cap) {
            filled++;
        }
    }
    return m->n_models;
}

/* ---- Prometheus rendering ---- */

typedef enum {
    V_COUNT,
    V_MAE,
    V_MSE,
    V_RMSE,
    V_MAPE,
    V_ROLL_MAE,
    V_ROLL_MSE,
    V_ROLL_RMSE,
    V_ROLL_MAPE,
    V_LAST_PREDICTION,
    V_LAST_ACTUAL,
    V_LAST_ERROR,
    V_MAPE_SKIPPED
} metrics_value_t;

static double metrics_value(const metrics_stats_t *st, metrics_value_t v, int window)
{
    double mae, mse, mape;
    switch (v) {
    case V_COUNT:
        return (double)st->n;
    case V_MAE:
        return metrics_mae(st);
    case V_MSE:
        return metrics_mse(st);
    case V_RMSE:
        return sqrt(metrics_mse(st));
    case V_MAPE:
        return metrics_mape(st);
    case V_ROLL_MAE:
    case V_ROLL_MSE:
    case V_ROLL_RMSE:
    case V_ROLL_MAPE:
        metrics_rolling(st, window, &mae, &mse, &mape);
        return v == V_ROLL_MAE    ? mae
               : v == V_ROLL_MSE  ? mse
               : v == V_ROLL_RMSE ? sqrt(mse)
                                  : mape;
    case V_LAST_PREDICTION:
        return st->last_prediction;
    case V_LAST_ACTUAL:
        return st->last_actual;
    case V_LAST_ERROR:
        return st->last_error;
    case V_MAPE_SKIPPED:
        return (double)st->n_ape_skipped;
    }
    return NAN;
}

/* A sample only when V is finite: NaN and infinities are never written
 * (an undefined figure, such as MAPE over zero targets only, is absent). */
static void metrics_sample(eddy_prom_buf_t *buf, const eddy_prom_label_t *labels,
                           size_t n, double v)
{
    if (isfinite(v)) {
        eddy_prom_sample(buf, labels, n, v);
    }
}

/* One {model,series} family: the aggregate then each series, per model. */
static int metrics_render_family(const eddy_metrics_t *m, eddy_prom_buf_t *buf,
                                 const char *name, eddy_prom_type_t type,
                                 const char *help, metrics_value_t v, int window)
{
    eddy_prom_family(buf, name, type, help);
    for (size_t i = 0; i < m->n_models; i++) {
        const metrics_model_t *mo = m->models[i];
        eddy_prom_label_t labels[2] = {{"model", mo->name},
                                       {"series", EDDY_METRICS_ALL_SERIES}};
        metrics_sample(buf, labels, 2, metrics_value(&mo->all, v, window));
        for (size_t j = 0; j < mo->n_series; j++) {
            labels[1].value = mo->series[j]->name;
            metrics_sample(buf, labels, 2,
                           metrics_value(&mo->series[j]->st, v, window));
        }
    }
    return eddy_prom_buf_error(buf);
}

/* Forecast samples of ST; LABELS[0..1] set, LABELS[2] is the step. */
static void metrics_render_forecast(const metrics_stats_t *st, eddy_prom_buf_t *buf,
                                    const eddy_prom_label_t *labels)
{
    char step[16];
    eddy_prom_label_t with_step[3] = {labels[0], labels[1], {"step", step}};
    for (int h = 0; h < st->n_forecast; h++) {
        snprintf(step, sizeof step, "%d", h + 1);
        metrics_sample(buf, with_step, 3, st->forecast[h]);
    }
}

int eddy_metrics_render(const eddy_metrics_t *m, eddy_prom_buf_t *buf, char *errstr,
                        size_t errstr_size)
{
    static const struct {
        const char *name;
        const char *help;
        eddy_prom_type_t type;
        metrics_value_t v;
    } cumulative[] = {
        {"ml_model_predictions_total",
         "Predictions scored (prequential: before learning).", EDDY_PROM_COUNTER,
         V_COUNT},
        {"ml_model_mae", "Mean absolute error since start.", EDDY_PROM_GAUGE, V_MAE},
        {"ml_model_mse", "Mean squared error since start.", EDDY_PROM_GAUGE, V_MSE},
        {"ml_model_rmse", "Root mean squared error since start.", EDDY_PROM_GAUGE,
         V_RMSE},
        {"ml_model_mape",
         "Mean absolute percentage error since start, percent; zero targets skipped.",
         EDDY_PROM_GAUGE, V_MAPE},
    };
    static const struct {
        const char *stem;
        const char *what;
        metrics_value_t v;
    } rolling[] = {
        {"mae", "Mean absolute error", V_ROLL_MAE},
        {"mse", "Mean squared error", V_ROLL_MSE},
        {"rmse", "Root mean squared error", V_ROLL_RMSE},
        {"mape", "Mean absolute percentage error (percent, zero targets skipped)",
         V_ROLL_MAPE},
    };
    static const struct {
        const char *name;
        const char *help;
        metrics_value_t v;
    } last[] = {
        {"ml_model_last_prediction", "Prediction for the latest observation.",
         V_LAST_PREDICTION},
        {"ml_model_last_actual", "Target of the latest observation.", V_LAST_ACTUAL},
        {"ml_model_last_error", "Target minus prediction for the latest observation.",
         V_LAST_ERROR},
    };
    char name[64];
    char help[160];

    for (size_t f = 0; f < sizeof cumulative / sizeof cumulative[0]; f++) {
        metrics_render_family(m, buf, cumulative[f].name, cumulative[f].type,
                              cumulative[f].help, cumulative[f].v, 0);
    }
    for (size_t f = 0; f < sizeof rolling / sizeof rolling[0]; f++) {
        for (int w = 0; w < EDDY_METRICS_N_WINDOWS; w++) {
            snprintf(name, sizeof name, "ml_model_%s_%d", rolling[f].stem,
                     metrics_windows[w]);
            snprintf(help, sizeof help, "%s over the last %d predictions.",
                     rolling[f].what, metrics_windows[w]);
            metrics_render_family(m, buf, name, EDDY_PROM_GAUGE, help, rolling[f].v,
                                  metrics_windows[w]);
        }
    }
    for (size_t f = 0; f < sizeof last / sizeof last[0]; f++) {
        metrics_render_family(m, buf, last[f].name, EDDY_PROM_GAUGE, last[f].help,
                              last[f].v, 0);
    }

    eddy_prom_family(buf, "ml_model_forecast", EDDY_PROM_GAUGE,
                     "Latest forecast, step steps after the latest observation.");
    for (size_t i = 0; i < m->n_models; i++) {
        const metrics_model_t *mo = m->models[i];
        eddy_prom_label_t labels[2] = {{"model", mo->name},
                                       {"series", EDDY_METRICS_ALL_SERIES}};
        metrics_render_forecast(&mo->all, buf, labels);
        for (size_t j = 0; j < mo->n_series; j++) {
            labels[1].value = mo->series[j]->name;
            metrics_render_forecast(&mo->series[j]->st, buf, labels);
        }
    }

    metrics_render_family(m, buf, "eddy_mape_skipped_total", EDDY_PROM_COUNTER,
                          "Observations left out of MAPE because the target was 0.",
                          V_MAPE_SKIPPED, 0);

    eddy_prom_family(buf, "eddy_e2e_latency_seconds", EDDY_PROM_HISTOGRAM,
                     "End-to-end latency from produced_at to predicted_at.");
    for (size_t i = 0; i < m->n_models; i++) {
        const metrics_model_t *mo = m->models[i];
        eddy_prom_label_t label = {"model", mo->name};
        eddy_prom_histogram(buf, &label, 1, metrics_latency_bounds,
                            EDDY_METRICS_N_LATENCY_BOUNDS, mo->latency_counts,
                            eddy_ksum_get(&mo->latency_sum));
    }

    eddy_prom_family(buf, "eddy_metrics_series_dropped_total", EDDY_PROM_COUNTER,
                     "Observations of series beyond the series cap, kept only in the "
                     "per-model aggregate.");
    eddy_prom_sample(buf, NULL, 0, (double)m->series_dropped);

    int rc = eddy_prom_buf_error(buf);
    if (rc != EDDY_PROM_OK) {
        metrics_err(errstr, errstr_size, "metrics: render: %s",
                    eddy_prom_buf_errstr(buf));
    }
    return rc;
}
