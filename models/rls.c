/* rls.c: `rls` — exact online ridge regression by recursive least squares.
 *
 * Works on the raw lags plus an intercept input of 1 (no scaling: a running
 * scaler would change the meaning of the past the recursion summarises).
 * With forgetting = 1, after t steps the weights are exactly the ridge
 * solution argmin_w sum_i (y_i - w.[1, x_i])^2 + lambda |w|^2; forgetting < 1
 * discounts a sample s steps old by forgetting^s. No River equivalent.
 *
 *   z = [1, x];  Pz = P z;  k = Pz / (forgetting + z'Pz)
 *   w += k (y - w.z);  P = (P - k Pz') / forgetting     (P starts as I / lambda)
 */
#include "model_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

enum { P_LAMBDA, P_FORGET, P_DIFF, P_SDIFF, N_P };

static const eddy_opt_t rls_params[N_P + 1] = {
    EDDY_PARAM_NUM(P_LAMBDA, "lambda", 1.0, 1e-12, 1e12,
                   "ridge regularisation (P starts as I/lambda)"),
    EDDY_PARAM_NUM(P_FORGET, "forgetting", 1.0, 0.5, 1.0,
                   "forgetting factor (1: remember everything)"),
    EDDY_PARAM_DIFF_ROWS(P_DIFF, P_SDIFF), EDDY_OPT_TABLE_END};

typedef struct {
    int d; /* n_features + 1 */
    double forget;
    double *w;  /* d weights, w[0] the intercept */
    double *p;  /* d x d inverse information matrix, row-major */
    double *z;  /* scratch */
    double *pz; /* scratch */
} rls_state_t;

static void rls_free(eddy_model_t *m)
{
    rls_state_t *s = m->state;
    free(s->w);
    free(s->p);
    free(s->z);
    free(s->pz);
}

static int rls_init(eddy_model_t *m)
{
    rls_state_t *s = m->state;
    int d = s->d = m->n_features + 1;
    s->forget = m->params[P_FORGET];
    s->w = calloc((size_t)d, sizeof(double));
    s->p = calloc((size_t)d * (size_t)d, sizeof(double));
    s->z = calloc((size_t)d, sizeof(double));
    s->pz = calloc((size_t)d, sizeof(double));
    if (!s->w || !s->p || !s->z || !s->pz)
        return -1;
    for (int i = 0; i < d; i++)
        s->p[(size_t)i * (size_t)d + (size_t)i] = 1.0 / m->params[P_LAMBDA];
    return 0;
}

static double rls_predict(eddy_model_t *m, const double *x)
{
    rls_state_t *s = m->state;
    double y = s->w[0];
    for (int i = 1; i < s->d; i++)
        y += s->w[i] * x[i - 1];
    return y;
}

static void rls_learn(eddy_model_t *m, const double *x, double y)
{
    rls_state_t *s = m->state;
    int d = s->d;
    double *p = s->p, *z = s->z, *pz = s->pz;
    z[0] = 1.0;
    memcpy(z + 1, x, (size_t)(d - 1) * sizeof(double));
    double denom = s->forget;
    for (int i = 0; i < d; i++) {
        double acc = 0.0;
        for (int j = 0; j < d; j++)
            acc += p[(size_t)i * (size_t)d + (size_t)j] * z[j];
        pz[i] = acc;
        denom += z[i] * acc;
    }
    if (!(denom > 0.0) || !isfinite(denom))
        return; /* numerically broken input: skip rather than poison the state */
    double err = y - rls_predict(m, x);
    for (int i = 0; i < d; i++)
        s->w[i] += pz[i] / denom * err;
    /* update the upper triangle and mirror it: P stays exactly symmetric */
    for (int i = 0; i < d; i++)
        for (int j = i; j < d; j++) {
            double v = (p[(size_t)i * (size_t)d + (size_t)j] - pz[i] * pz[j] / denom) /
                       s->forget;
            p[(size_t)i * (size_t)d + (size_t)j] = v;
            p[(size_t)j * (size_t)d + (size_t)i] = v;
        }
}

static void rls_save(eddy_buf_t *w, const eddy_model_t *m)
{
    const rls_state_t *s = m->state;
    eddy_buf_put_f64s(w, s->w, (size_t)s->d);
    eddy_buf_put_f64s(w, s->p, (size_t)s->d * (size_t)s->d);
}

static int rls_load(eddy_reader_t *r, eddy_model_t *m)
{
    rls_state_t *s = m->state;
    eddy_read_f64s(r, s->w, (size_t)s->d);
    eddy_read_f64s(r, s->p, (size_t)s->d * (size_t)s->d);
    return r->err ? -1 : 0;
}

const eddy_model_ops_t eddy_rls_ops = {EDDY_MODEL_OPS(
    rls, "rls", rls_params,
    "exact online ridge regression by recursive least squares on raw lags "
    "plus an intercept; beyond River")};
