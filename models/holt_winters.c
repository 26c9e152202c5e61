/* holt_winters.c: `holt_winters` — River time_series.HoltWinters(alpha=0.3,
 * beta=0.1, gamma=0.6, seasonality=12, multiplicative=False), same update
 * order and arithmetic, including River's quirks:
 *  - the first k = max(2, seasonality) targets only initialise the state:
 *    level = mean, trend = mean of first differences, season_i = y_i / level
 *    (a ratio even in the additive form);
 *  - the seasonal update uses the level and trend from before this step.
 * The lag features are ignored (River's forecaster learns y only). River
 * raises when asked to forecast before initialisation; eddy then predicts the
 * last target (0 before any). The initial level and trend are exactly rounded
 * means (util/fsum.h), as River's statistics.mean: bit for bit on any data.
 *
 * Guards where River raises ZeroDivisionError (no parity there, by design):
 *  - a first window whose mean is 0 (a series that starts with a year of
 *    zeros): eddy slides the window (the latest k targets) until its mean is
 *    non-zero, predicting the last target meanwhile;
 *  - multiplicative mode needs positive targets: a window with a value <= 0
 *    is never used to start, and a target <= 0 after the start refuses the
 *    series for good (eddy_model_trouble says why); the model then predicts
 *    the last target.
 */
#include "hw_core.h"
#include "util/fsum.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { P_ALPHA, P_BETA, P_GAMMA, P_SEASON, P_MULT, N_P };

static const eddy_opt_t hw_params[N_P + 1] = {
    EDDY_PARAM_NUM(P_ALPHA, "alpha", 0.3, 0.0, 1.0, "level smoothing"),
    EDDY_PARAM_NUM(P_BETA, "beta", 0.1, 0.0, 1.0, "trend smoothing (0: no trend)"),
    EDDY_PARAM_NUM(P_GAMMA, "gamma", 0.6, 0.0, 1.0, "season smoothing"),
    EDDY_PARAM_INT(P_SEASON, "seasonality", 12, 0, 100000,
                   "season length in steps (0: no season)"),
    EDDY_PARAM_INT(P_MULT, "multiplicative", 0, 0, 1,
                   "multiplicative instead of additive form"),
    EDDY_OPT_TABLE_END};

static void dq_push(dq_t *q, double v)
{
    if (q->len < q->cap) {
        q->v[(q->head + q->len) % q->cap] = v;
        q->len++;
    } else {
        q->v[q->head] = v;
        q->head = (q->head + 1) % q->cap;
    }
}

/* Python index: negative counts from the newest end */
static double dq_at(const dq_t *q, int i)
{
    if (i < 0)
        i += q->len;
    return q->v[(q->head + i) % q->cap];
}

static void dq_save(eddy_buf_t *w, const dq_t *q)
{
    eddy_buf_put_u32(w, (uint32_t)q->len);
    for (int i = 0; i < q->len; i++)
        eddy_buf_put_f64(w, dq_at(q, i));
}

static void dq_load(eddy_reader_t *r, dq_t *q)
{
    q->len = (int)eddy_read_count(r, (uint32_t)q->cap);
    q->head = 0;
    eddy_read_f64s(r, q->v, (size_t)q->len);
}

static int hw_check(const double *p, char *err, size_t n)
{
    if (p[P_SEASON] > 0 && p[P_BETA] == 0.0) {
        snprintf(err, n, "seasonality needs a trend: beta must be > 0 (as in River)");
        return -1;
    }
    return 0;
}

void eddy_hw_core_free(hw_state_t *s)
{
    free(s->first);
    free(s->diffs);
    free(s->level.v);
    free(s->trend.v);
    free(s->season.v);
}

int eddy_hw_core_init(hw_state_t *s, double alpha, double beta, double gamma,
                      int season, int mult)
{
    s->alpha = alpha;
    s->beta = beta;
    s->gamma = gamma;
    s->s = season;
    s->mult = mult;
    s->k = s->s > 2 ? s->s : 2;
    s->level.cap = s->trend.cap = 2;
    s->season.cap = s->s + 1;
    s->first = calloc((size_t)s->k, sizeof(double));
    s->diffs = calloc((size_t)s->k, sizeof(double));
    s->level.v = calloc(2, sizeof(double));
    s->trend.v = calloc(2, sizeof(double));
    s->season.v = calloc((size_t)s->season.cap, sizeof(double));
    if (!s->first || !s->diffs || !s->level.v || !s->trend.v || !s->season.v)
        return -1;
    return 0;
}

/* 1 when the k values in `first` start the model without a division by zero
 * (and, multiplicative, with positive seasons); LEVEL gets their mean. */
static int window_ok(const hw_state_t *s, double *level)
{
    *level = eddy_mean_exact(s->first, (size_t)s->k);
    if (*level == 0.0 || !isfinite(*level))
        return 0;
    if (s->mult)
        for (int i = 0; i < s->k; i++)
            if (!(s->first[i] > 0.0))
                return 0;
    return 1;
}

/* River's initialisation: level = mean, trend = mean of first differences,
 * season_i = y_i / level; both means exactly rounded like statistics.mean */
static void hw_start(hw_state_t *s, double level)
{
    dq_push(&s->level, level);
    if (s->beta != 0.0) {
        for (int i = 0; i + 1 < s->k; i++)
            s->diffs[i] = s->first[i + 1] - s->first[i];
        dq_push(&s->trend, eddy_mean_exact(s->diffs, (size_t)(s->k - 1)));
    }
    if (s->s > 0)
        for (int i = 0; i < s->k; i++)
            dq_push(&s->season, s->first[i] / dq_at(&s->level, -1));
    s->initialized = 1;
}

/* Before the start: collect the first k targets; while they cannot start the
 * model, keep the latest k (the guard, where River raises) */
static void hw_collect(hw_state_t *s, double y)
{
    if (s->n_first == s->k) {
        memmove(s->first, s->first + 1, (size_t)(s->k - 1) * sizeof(double));
        s->n_first--;
    }
    s->first[s->n_first++] = y;
    double level;
    if (s->n_first == s->k && window_ok(s, &level))
        hw_start(s, level);
}

void eddy_hw_core_learn(hw_state_t *s, double y)
{
    s->last = y;
    s->n_seen++;
    if (!s->initialized) {
        hw_collect(s, y);
        return;
    }
    if (__builtin_expect(s->refused | (s->mult & !(y > 0.0)), 0)) {
        s->refused = 1; /* multiplicative needs targets > 0 */
        return;
    }
    int has_t = s->beta != 0.0, has_s = s->s > 0;
    double a = s->alpha, l1 = dq_at(&s->level, -1);
    double t1 = has_t ? dq_at(&s->trend, -1) : 0.0;
    double lv;
    if (s->mult)
        lv = a * (y / (has_s ? dq_at(&s->season, -s->s) : 1.0)) + (1 - a) * (l1 + t1);
    else
        lv = a * (y - (has_s ? dq_at(&s->season, -s->s) : 0.0)) + (1 - a) * (l1 + t1);
    dq_push(&s->level, lv);
    if (has_t) {
        double b = s->beta;
        dq_push(&s->trend, b * (dq_at(&s->level, -1) - dq_at(&s->level, -2)) +
                               (1 - b) * dq_at(&s->trend, -1));
    }
    if (has_s) {
        double g = s->gamma, l2 = dq_at(&s->level, -2), t2 = dq_at(&s->trend, -2);
        double old = dq_at(&s->season, -s->s);
        if (s->mult)
            dq_push(&s->season, g * y / (l2 + t2) + (1 - g) * old);
        else
            dq_push(&s->season, g * (y - l2 - t2) + (1 - g) * old);
    }
}

int eddy_hw_core_ready(const hw_state_t *s)
{
    return s->initialized && !s->refused;
}

double eddy_hw_core_at(const hw_state_t *s, int h)
{
    if (!eddy_hw_core_ready(s))
        return s->n_seen ? s->last : 0.0;
    double base = dq_at(&s->level, -1);
    if (s->beta != 0.0)
        base = base + (h + 1) * dq_at(&s->trend, -1);
    if (s->s == 0)
        return base;
    double season = dq_at(&s->season, -s->s + h % s->s);
    return s->mult ? base * season : base + season;
}

void eddy_hw_core_save(eddy_buf_t *w, const hw_state_t *s)
{
    eddy_buf_put_u64(w, s->n_seen);
    eddy_buf_put_f64(w, s->last);
    eddy_buf_put_u8(w, (uint8_t)(s->initialized | s->refused << 1));
    eddy_buf_put_u32(w, (uint32_t)s->n_first);
    eddy_buf_put_f64s(w, s->first, (size_t)s->n_first);
    dq_save(w, &s->level);
    dq_save(w, &s->trend);
    dq_save(w, &s->season);
}

int eddy_hw_core_load(eddy_reader_t *r, hw_state_t *s)
{
    s->n_seen = eddy_read_u64(r);
    s->last = eddy_read_f64(r);
    int flags = eddy_read_u8(r);
    s->initialized = flags & 1;
    s->refused = flags >> 1;
    s->n_first = (int)eddy_read_count(r, (uint32_t)s->k);
    eddy_read_f64s(r, s->first, (size_t)s->n_first);
    dq_load(r, &s->level);
    dq_load(r, &s->trend);
    dq_load(r, &s->season);
    if (r->err)
        return -1;
    /* the components must be what learn() can have built */
    int ok;
    if (s->initialized)
        ok = s->refused <= 1 && s->n_first == s->k && s->level.len >= 1 &&
             (s->beta != 0.0 ? s->trend.len >= 1 : s->trend.len == 0) &&
             s->season.len >= s->s;
    else
        ok = s->refused == 0 && s->n_first <= s->k && s->level.len == 0 &&
             s->trend.len == 0 && s->season.len == 0;
    return ok && s->n_seen >= (uint64_t)s->n_first ? 0 : -1;
}

/* ---- the `holt_winters` model: one core with the parameters' smoothing ---- */

static void hw_free(eddy_model_t *m)
{
    eddy_hw_core_free(m->state);
}

static int hw_init(eddy_model_t *m)
{
    const double *p = m->params;
    return eddy_hw_core_init(m->state, p[P_ALPHA], p[P_BETA], p[P_GAMMA],
                             (int)p[P_SEASON], (int)p[P_MULT]);
}

static void hw_learn(eddy_model_t *m, const double *x, double y)
{
    (void)x;
    eddy_hw_core_learn(m->state, y);
}

static double hw_at(const void *state, int h)
{
    return eddy_hw_core_at(state, h);
}

static void hw_save(eddy_buf_t *w, const eddy_model_t *m)
{
    eddy_hw_core_save(w, m->state);
}

static int hw_load(eddy_reader_t *r, eddy_model_t *m)
{
    return eddy_hw_core_load(r, m->state);
}

static const char *hw_trouble(const eddy_model_t *m)
{
    const hw_state_t *s = m->state;
    if (s->refused)
        return "multiplicative Holt-Winters needs targets > 0 and got one <= 0: the "
               "series is refused and predicts its last value (use "
               "--param multiplicative=0)";
    if (!s->initialized && s->n_first == s->k)
        return "Holt-Winters waits for a window of seasonality targets it can start "
               "from (mean 0, or a value <= 0 in multiplicative mode): it predicts "
               "the last value meanwhile";
    return NULL;
}

static double hw_predict(eddy_model_t *m, const double *x)
{
    (void)x;
    return hw_at(m->state, 0);
}

const eddy_model_ops_t eddy_holt_winters_ops = {
    EDDY_MODEL_OPS(hw, "holt_winters", hw_params,
                   "Holt-Winters exponential smoothing of the target (lags ignored); "
                   "River time_series.HoltWinters(alpha=0.3, beta=0.1, gamma=0.6, "
                   "seasonality=12)"),
    .check = hw_check, .forecast_at = hw_at, .trouble = hw_trouble};
