/* snarimax.c: `snarimax` — River time_series.SNARIMAX(p, d, q, m, sp, sd,
 * sq) with its default regressor StandardScaler() | LinearRegression(), the
 * same arithmetic in the same order, forecasts included (River 0.26.1).
 *
 * The model learns the target alone (the lag features are ignored): it keeps
 * three windows, newest first, as River's deques:
 *   hist   the last d + m*sd targets (what differencing needs);
 *   ydiff  the last max(p, m*sp) differenced targets;
 *   err    the last max(q, m*sq) errors (differenced target - prediction).
 * Features, in River's dict order (which fixes the sum order of the dot
 * product): y-1..y-p = ydiff[0..p-1], sy at ydiff[m-1], ydiff[2m-1], ..
 * (sp of them), e-1..e-q = err[0..q-1], se at err[m-1], .. (sq of them). A
 * feature whose index is past its window's length is absent, as in River
 * (whose dict then lacks it): the scaler keeps a count per feature, an
 * absent feature learns nothing and enters the dot product as an exact 0.
 *
 * The differencer is River's: the product of (1 - B)^d and (1 - B^m)^sd,
 * its coefficients in River's dict order (the product's insertion order,
 * zeros removed), applied as y + sum c_t * hist[t-1] in that order and
 * undone as y - sum c_t * hist[t-1]; both stop at the first lag past the
 * window (River's IndexError break, which matters only while forecasting
 * from a short history). Learning starts once hist holds d + m*sd targets.
 *
 * A forecast runs the recursion on copies of the windows: each step's
 * prediction enters ydiff, its integrated value hist, and 0 enters err.
 * Box & Jenkins, Time Series Analysis (1970); Anava et al., "Online learning
 * for time series prediction" (COLT 2013), as River cites.
 */
#include "model_internal.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { P_P, P_D, P_Q, P_M, P_SP, P_SD, P_SQ, P_LR, P_ILR, N_P };

#define SNX_ORDER_MAX  60
#define SNX_DIFF_MAX   2
#define SNX_SEASON_MAX 400
#define SNX_SORDER_MAX 4
/* (d + 1) * (sd + 1) coefficients at most */
#define SNX_COEFS ((SNX_DIFF_MAX + 1) * (SNX_DIFF_MAX + 1))

static const eddy_opt_t snx_params[N_P + 1] = {
    EDDY_PARAM_INT(P_P, "p", 3, 0, SNX_ORDER_MAX,
                   "autoregressive order: lags of the differenced target"),
    EDDY_PARAM_INT(P_D, "d", 0, 0, SNX_DIFF_MAX, "regular differencing order"),
    EDDY_PARAM_INT(P_Q, "q", 0, 0, SNX_ORDER_MAX,
                   "moving-average order: lags of the one-step errors"),
    EDDY_PARAM_INT(P_M, "m", 12, 1, SNX_SEASON_MAX, "season length in steps"),
    EDDY_PARAM_INT(P_SP, "sp", 1, 0, SNX_SORDER_MAX,
                   "seasonal autoregressive order (lags m, 2m, ..)"),
    EDDY_PARAM_INT(P_SD, "sd", 1, 0, SNX_DIFF_MAX, "seasonal differencing order"),
    EDDY_PARAM_INT(P_SQ, "sq", 1, 0, SNX_SORDER_MAX,
                   "seasonal moving-average order (error lags m, 2m, ..)"),
    EDDY_PARAM_NUM(P_LR, "lr", 0.001, 0.0, 1e3,
                   "SGD learning rate of the regression's weights"),
    EDDY_PARAM_NUM(P_ILR, "intercept_lr", 0.3, 0.0, 1e3,
                   "learning rate of the regression's intercept"),
    EDDY_OPT_TABLE_END};

/* A window of the latest values, newest first (River's deque with maxlen,
 * appended on the left). */
typedef struct {
    int len, cap;
    double *v;
} snx_win_t;

typedef struct {
    int p, q, m, sp, sq, n; /* n features: p + sp + q + sq */
    int n_coef;
    int lag[SNX_COEFS]; /* differencer, River's order; lag[0] = 0 */
    double coef[SNX_COEFS];
    snx_win_t hist, ydiff, err;
    snx_win_t fhist, fydiff, ferr; /* forecast scratch */
    double *count;                 /* per-feature scaler count */
    double *x, *xs;                /* scratch: features, scaled */
    unsigned char *has;            /* scratch: feature present */
    eddy_scaler_t scaler;
    eddy_glm_t glm;
} snx_state_t;

static void win_push(snx_win_t *w, double v)
{
    if (w->cap == 0)
        return;
    int keep = w->len < w->cap ? w->len : w->cap - 1;
    memmove(w->v + 1, w->v, (size_t)keep * sizeof(double));
    w->v[0] = v;
    w->len = keep + 1;
}

static int win_init(snx_win_t *w, int cap)
{
    w->len = 0;
    w->cap = cap;
    w->v = calloc((size_t)(cap > 0 ? cap : 1), sizeof(double));
    return w->v ? 0 : -1;
}

static void win_copy(snx_win_t *dst, const snx_win_t *src)
{
    dst->len = src->len;
    memcpy(dst->v, src->v, (size_t)src->len * sizeof(double));
}

static void win_save(eddy_buf_t *b, const snx_win_t *w)
{
    eddy_buf_put_u32(b, (uint32_t)w->len);
    eddy_buf_put_f64s(b, w->v, (size_t)w->len);
}

static void win_load(eddy_reader_t *r, snx_win_t *w)
{
    w->len = (int)eddy_read_count(r, (uint32_t)w->cap);
    eddy_read_f64s(r, w->v, (size_t)w->len);
}

/* Coefficients of (1 - B^step)^order, River's Differencer(order, step):
 * lag 0 first, then k * step for k = 1..order. */
static int one_differencer(int order, int step, int *lag, double *coef)
{
    double binom = 1.0;
    lag[0] = 0;
    coef[0] = 1.0;
    for (int k = 1; k <= order; k++) {
        binom = binom * (order - k + 1) / k;
        lag[k] = k * step;
        coef[k] = (k % 2 ? -1.0 : 1.0) * binom;
    }
    return order + 1;
}

/* River's Differencer product: pairs in (first, second) loop order, a lag
 * keeps the place where it first appeared, zero sums are removed. */
static void build_differencer(snx_state_t *s, int d, int sd)
{
    int la[SNX_DIFF_MAX + 1], lb[SNX_DIFF_MAX + 1], n = 0;
    double ca[SNX_DIFF_MAX + 1], cb[SNX_DIFF_MAX + 1];
    int na = one_differencer(d, 1, la, ca), nb = one_differencer(sd, s->m, lb, cb);
    for (int i = 0; i < na; i++)
        for (int j = 0; j < nb; j++) {
            int t = la[i] + lb[j], k = 0;
            while (k < n && s->lag[k] != t)
                k++;
            if (k == n) {
                s->lag[n] = t;
                s->coef[n++] = 0.0;
            }
            s->coef[k] += ca[i] * cb[j];
        }
    s->n_coef = 0;
    for (int k = 0; k < n; k++)
        if (s->coef[k] != 0.0) {
            s->lag[s->n_coef] = s->lag[k];
            s->coef[s->n_coef++] = s->coef[k];
        }
}

/* The largest lag of the differencer: targets needed before learning. */
static int differencer_span(const snx_state_t *s)
{
    int span = 0;
    for (int k = 0; k < s->n_coef; k++)
        if (s->lag[k] > span)
            span = s->lag[k];
    return span;
}

/* River's Differencer.diff: y + sum c_t * hist[t-1], in coefficient order. */
static double differencer_diff(const snx_state_t *s, double y, const snx_win_t *hist)
{
    double total = 0.0;
    for (int k = 0; k < s->n_coef; k++) {
        int t = s->lag[k];
        if (t == 0) {
            total += y;
            continue;
        }
        if (t > hist->len)
            break;
        total += s->coef[k] * hist->v[t - 1];
    }
    return total;
}

/* River's Differencer.undiff: z - sum c_t * hist[t-1], in coefficient order. */
static double differencer_undiff(const snx_state_t *s, double z, const snx_win_t *hist)
{
    double total = z;
    for (int k = 0; k < s->n_coef; k++) {
        int t = s->lag[k];
        if (t == 0)
            continue;
        if (t > hist->len)
            break;
        total -= s->coef[k] * hist->v[t - 1];
    }
    return total;
}

static int max_int(int a, int b)
{
    return a > b ? a : b;
}

static void snx_free(eddy_model_t *m)
{
    snx_state_t *s = m->state;
    snx_win_t *w[] = {&s->hist, &s->ydiff, &s->err, &s->fhist, &s->fydiff, &s->ferr};
    for (size_t i = 0; i < sizeof(w) / sizeof(w[0]); i++)
        free(w[i]->v);
    free(s->count);
    free(s->x);
    free(s->xs);
    free(s->has);
    eddy_scaler_free(&s->scaler);
    eddy_glm_free(&s->glm);
}

static int snx_init(eddy_model_t *m)
{
    snx_state_t *s = m->state;
    const double *p = m->params;
    /* River's LinearRegression(optimizer=optim.SGD(lr), intercept_lr=...) */
    eddy_glm_params_t gp = {.lr = p[P_LR], .intercept_lr = p[P_ILR], .clip = 1e12};
    s->p = (int)p[P_P];
    s->q = (int)p[P_Q];
    s->m = (int)p[P_M];
    s->sp = (int)p[P_SP];
    s->sq = (int)p[P_SQ];
    s->n = s->p + s->sp + s->q + s->sq;
    build_differencer(s, (int)p[P_D], (int)p[P_SD]);
    int nh = differencer_span(s), ny = max_int(s->p, s->m * s->sp),
        ne = max_int(s->q, s->m * s->sq);
    /* without features (p = q = sp = sq = 0: the intercept alone) the
     * arrays keep one slot, never present, so no allocation is of size 0 */
    int nf = s->n > 0 ? s->n : 1;
    if (win_init(&s->hist, nh) || win_init(&s->ydiff, ny) || win_init(&s->err, ne) ||
        win_init(&s->fhist, nh) || win_init(&s->fydiff, ny) || win_init(&s->ferr, ne))
        return -1;
    s->count = calloc((size_t)nf, sizeof(double));
    s->x = calloc((size_t)nf, sizeof(double));
    s->xs = calloc((size_t)nf, sizeof(double));
    s->has = calloc((size_t)nf, 1);
    if (!s->count || !s->x || !s->xs || !s->has ||
        eddy_scaler_init(&s->scaler, nf) != 0 || eddy_glm_init(&s->glm, nf, &gp) != 0)
        return -1;
    return 0;
}

/* Puts the window entries AT, AT + STEP, .. (N of them) into s->x from slot
 * K, marking in s->has those within the window. Returns the next slot. */
static int put_lags(snx_state_t *s, const snx_win_t *w, int at, int step, int n, int k)
{
    for (int i = 0; i < n; i++, at += step, k++) {
        s->has[k] = at < w->len;
        s->x[k] = s->has[k] ? w->v[at] : 0.0;
    }
    return k;
}

/* s->x and s->has: the features in River's order from YDIFF and ERR. */
static void features(snx_state_t *s, const snx_win_t *ydiff, const snx_win_t *err)
{
    int k = put_lags(s, ydiff, 0, 1, s->p, 0);
    k = put_lags(s, ydiff, s->m - 1, s->m, s->sp, k);
    k = put_lags(s, err, 0, 1, s->q, k);
    put_lags(s, err, s->m - 1, s->m, s->sq, k);
}

/* The pipeline's prediction for s->x. An absent feature's weight is still 0
 * (presence only grows), so it adds an exact 0 where River's sparse dot
 * product skips it. */
static double regress(snx_state_t *s)
{
    for (int i = 0; i < s->n; i++)
        s->xs[i] = s->has[i] ? eddy_scaler_transform_at(&s->scaler, i, s->x[i]) : 0.0;
    return eddy_glm_predict(&s->glm, s->xs);
}

/* The pipeline learns (s->x, Y): only present features update the scaler. */
static void regress_learn(snx_state_t *s, double y)
{
    for (int i = 0; i < s->n; i++) {
        s->xs[i] = 0.0;
        if (!s->has[i])
            continue;
        s->count[i] += 1.0;
        eddy_scaler_learn_at(&s->scaler, i, s->x[i], s->count[i]);
        s->xs[i] = eddy_scaler_transform_at(&s->scaler, i, s->x[i]);
    }
    eddy_glm_learn(&s->glm, s->xs, y, 1.0);
}

static void snx_learn(eddy_model_t *m, const double *lags, double y)
{
    snx_state_t *s = m->state;
    (void)lags;
    if (s->hist.len >= s->hist.cap) {
        features(s, &s->ydiff, &s->err);
        double yd = differencer_diff(s, y, &s->hist);
        win_push(&s->ydiff, yd);
        win_push(&s->err, yd - regress(s));
        regress_learn(s, yd);
    }
    win_push(&s->hist, y);
}

static void snx_forecast(eddy_model_t *m, double *out, int h)
{
    snx_state_t *s = m->state;
    win_copy(&s->fhist, &s->hist);
    win_copy(&s->fydiff, &s->ydiff);
    win_copy(&s->ferr, &s->err);
    for (int k = 0; k < h; k++) {
        features(s, &s->fydiff, &s->ferr);
        double z = regress(s);
        win_push(&s->fydiff, z);
        out[k] = differencer_undiff(s, z, &s->fhist);
        win_push(&s->fhist, out[k]);
        win_push(&s->ferr, 0.0);
    }
}

static double snx_predict(eddy_model_t *m, const double *lags)
{
    double out;
    (void)lags;
    snx_forecast(m, &out, 1);
    return out;
}

static void snx_save(eddy_buf_t *w, const eddy_model_t *m)
{
    const snx_state_t *s = m->state;
    win_save(w, &s->hist);
    win_save(w, &s->ydiff);
    win_save(w, &s->err);
    eddy_buf_put_f64s(w, s->count, (size_t)s->n);
    eddy_scaler_save(w, &s->scaler);
    eddy_glm_save(w, &s->glm);
}

static int snx_load(eddy_reader_t *r, eddy_model_t *m)
{
    snx_state_t *s = m->state;
    win_load(r, &s->hist);
    win_load(r, &s->ydiff);
    win_load(r, &s->err);
    eddy_read_f64s(r, s->count, (size_t)s->n);
    for (int i = 0; i < s->n; i++)
        if (!(s->count[i] >= 0.0 && s->count[i] <= 9007199254740992.0) ||
            s->count[i] != floor(s->count[i]))
            r->err = 1;
    eddy_scaler_load(r, &s->scaler);
    eddy_glm_load(r, &s->glm);
    return r->err ? -1 : 0;
}

const eddy_model_ops_t eddy_snarimax_ops = {
    EDDY_MODEL_OPS(
        snx, "snarimax", snx_params,
        "seasonal ARIMA learned online: SGD linear regression on "
        "standardized lags of the differenced target and of its one-step "
        "errors (lag features ignored); River time_series.SNARIMAX(p=3, d=0, "
        "q=0, m=12, sp=1, sd=1, sq=1, regressor=StandardScaler() | "
        "LinearRegression(optimizer=SGD(0.001), intercept_lr=0.3))"),
    .forecast = snx_forecast};
