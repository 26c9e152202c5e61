/* holt_winters.c: `holt_winters` — River time_series.HoltWinters(alpha=0.3,
 * beta=0.1, gamma=0.6, seasonality=12, multiplicative=False), same update
 * order and arithmetic, including River's quirks:
 *  - the first k = max(2, seasonality) targets only initialise the state:
 *    level = mean, trend = mean of first differences, season_i = y_i / level
 *    (a ratio even in the additive form);
 *  - the seasonal update uses the level and trend from before this step.
 * The lag features are ignored (River's forecaster learns y only). River
 * raises when asked to forecast before initialisation; eddy then predicts the
 * last target (0 before any). Means are compensated sums (River's
 * statistics.mean is exact); they agree bit for bit on integer data.
 */
#include "model_internal.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "util/ksum.h"

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

/* a bounded deque like Python's deque(maxlen=cap); at(-1) is the newest */
typedef struct {
    int cap, len, head;
    double *v;
} dq_t;

typedef struct {
    double alpha, beta, gamma;
    int s, mult, k;
    int n_first, initialized;
    double *first; /* k first targets */
    double last;   /* last target, for the pre-initialisation fallback */
    uint64_t n_seen;
    dq_t level, trend, season;
} hw_state_t;

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

static void hw_free(eddy_model_t *m)
{
    hw_state_t *s = m->state;
    free(s->first);
    free(s->level.v);
    free(s->trend.v);
    free(s->season.v);
}

static int hw_init(eddy_model_t *m)
{
    hw_state_t *s = m->state;
    s->alpha = m->params[P_ALPHA];
    s->beta = m->params[P_BETA];
    s->gamma = m->params[P_GAMMA];
    s->s = (int)m->params[P_SEASON];
    s->mult = (int)m->params[P_MULT];
    s->k = s->s > 2 ? s->s : 2;
    s->level.cap = s->trend.cap = 2;
    s->season.cap = s->s + 1;
    s->first = calloc((size_t)s->k, sizeof(double));
    s->level.v = calloc(2, sizeof(double));
    s->trend.v = calloc(2, sizeof(double));
    s->season.v = calloc((size_t)s->season.cap, sizeof(double));
    if (!s->first || !s->level.v || !s->trend.v || !s->season.v)
        return -1;
    return 0;
}

static void hw_start(hw_state_t *s)
{
    /* compensated sums, so a mean is (nearly always) exact */
    eddy_ksum_t lv = {0, 0}, tr = {0, 0};
    for (int i = 0; i < s->k; i++)
        eddy_ksum_add(&lv, s->first[i]);
    dq_push(&s->level, eddy_ksum_get(&lv) / s->k);
    if (s->beta != 0.0) {
        for (int i = 0; i + 1 < s->k; i++)
            eddy_ksum_add(&tr, s->first[i + 1] - s->first[i]);
        dq_push(&s->trend, eddy_ksum_get(&tr) / (s->k - 1));
    }
    if (s->s > 0)
        for (int i = 0; i < s->k; i++)
            dq_push(&s->season, s->first[i] / dq_at(&s->level, -1));
    s->initialized = 1;
}

static void hw_learn(eddy_model_t *m, const double *x, double y)
{
    hw_state_t *s = m->state;
    (void)x;
    s->last = y;
    s->n_seen++;
    if (!s->initialized) {
        s->first[s->n_first++] = y;
        if (s->n_first == s->k)
            hw_start(s);
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

static double hw_at(const void *state, int h)
{
    const hw_state_t *s = state;
    if (!s->initialized)
        return s->n_seen ? s->last : 0.0;
    double base = dq_at(&s->level, -1);
    if (s->beta != 0.0)
        base = base + (h + 1) * dq_at(&s->trend, -1);
    if (s->s == 0)
        return base;
    double season = dq_at(&s->season, -s->s + h % s->s);
    return s->mult ? base * season : base + season;
}

static double hw_predict(eddy_model_t *m, const double *x)
{
    (void)x;
    return hw_at(m->state, 0);
}

static void hw_save(eddy_buf_t *w, const eddy_model_t *m)
{
    const hw_state_t *s = m->state;
    eddy_buf_put_u64(w, s->n_seen);
    eddy_buf_put_f64(w, s->last);
    eddy_buf_put_u8(w, (uint8_t)s->initialized);
    eddy_buf_put_u32(w, (uint32_t)s->n_first);
    eddy_buf_put_f64s(w, s->first, (size_t)s->n_first);
    dq_save(w, &s->level);
    dq_save(w, &s->trend);
    dq_save(w, &s->season);
}

static int hw_load(eddy_reader_t *r, eddy_model_t *m)
{
    hw_state_t *s = m->state;
    s->n_seen = eddy_read_u64(r);
    s->last = eddy_read_f64(r);
    s->initialized = eddy_read_u8(r);
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
        ok = s->initialized == 1 && s->n_first == s->k && s->level.len >= 1 &&
             (s->beta != 0.0 ? s->trend.len >= 1 : s->trend.len == 0) &&
             s->season.len >= s->s;
    else
        ok = s->n_first < s->k && s->level.len == 0 && s->trend.len == 0 &&
             s->season.len == 0;
    return ok && s->n_seen >= (uint64_t)s->n_first ? 0 : -1;
}

const eddy_model_ops_t eddy_holt_winters_ops = {
    EDDY_MODEL_OPS(hw, "holt_winters", hw_params,
                   "Holt-Winters exponential smoothing of the target (lags ignored); "
                   "River time_series.HoltWinters(alpha=0.3, beta=0.1, gamma=0.6, "
                   "seasonality=12)"),
    .check = hw_check, .forecast_at = hw_at};
