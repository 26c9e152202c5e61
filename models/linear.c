/* linear.c: `linear`, `ridge` and `lasso` — River's
 * preprocessing.StandardScaler() | linear_model.LinearRegression(...)
 * (SGD lr 0.01, intercept lr 0.01, squared loss, zero initial weights).
 * The three names are the same model with different default penalties:
 * linear l2=0 l1=0, ridge l2=1.0, lasso l1=0.1 (River's cumulative L1 rule).
 */
#include "model_internal.h"

#include <stdio.h>
#include <stdlib.h>

enum { P_LR, P_ILR, P_L2, P_L1, P_CLIP, P_DIFF, P_SDIFF, N_P };

#define LINEAR_PARAMS(l2def, l1def)                                                    \
    {                                                                                  \
        EDDY_PARAM_NUM(P_LR, "lr", 0.01, 0.0, 1e3,                                     \
                       "SGD learning rate of the weights"),                            \
            EDDY_PARAM_NUM(P_ILR, "intercept_lr", 0.01, 0.0, 1e3,                      \
                           "learning rate of the intercept"),                          \
            EDDY_PARAM_NUM(P_L2, "l2", l2def, 0.0, 1e6, "L2 penalty"),                 \
            EDDY_PARAM_NUM(P_L1, "l1", l1def, 0.0, 1e6,                                \
                           "L1 penalty (cumulative, as River)"),                       \
            EDDY_PARAM_NUM(P_CLIP, "clip_gradient", 1e12, 0.0, 1e300,                  \
                           "clip of the loss gradient"),                               \
            EDDY_PARAM_DIFF_ROWS(P_DIFF, P_SDIFF), EDDY_OPT_TABLE_END                  \
    }

static const eddy_opt_t linear_params[N_P + 1] = LINEAR_PARAMS(0.0, 0.0);
static const eddy_opt_t ridge_params[N_P + 1] = LINEAR_PARAMS(1.0, 0.0);
static const eddy_opt_t lasso_params[N_P + 1] = LINEAR_PARAMS(0.0, 0.1);

typedef struct {
    eddy_scaler_t scaler;
    eddy_glm_t glm;
    double *xs; /* scratch: the scaled features */
} linear_state_t;

static int linear_check(const double *p, char *err, size_t n)
{
    if (p[P_L1] != 0.0 && p[P_L2] != 0.0) {
        snprintf(err, n,
                 "l1 and l2 cannot both be non-zero (River does not support it)");
        return -1;
    }
    return 0;
}

static void linear_free(eddy_model_t *m)
{
    linear_state_t *s = m->state;
    eddy_scaler_free(&s->scaler);
    eddy_glm_free(&s->glm);
    free(s->xs);
}

static int linear_init(eddy_model_t *m)
{
    linear_state_t *s = m->state;
    eddy_glm_params_t gp = {m->params[P_LR], m->params[P_ILR], m->params[P_L2],
                            m->params[P_L1], m->params[P_CLIP]};
    s->xs = calloc((size_t)m->n_features, sizeof(double));
    if (!s->xs || eddy_scaler_init(&s->scaler, m->n_features) != 0 ||
        eddy_glm_init(&s->glm, m->n_features, &gp) != 0)
        return -1;
    return 0;
}

static double linear_predict(eddy_model_t *m, const double *x)
{
    linear_state_t *s = m->state;
    eddy_scaler_transform(&s->scaler, x, s->xs);
    return eddy_glm_predict(&s->glm, s->xs);
}

static void linear_learn(eddy_model_t *m, const double *x, double y)
{
    linear_state_t *s = m->state;
    eddy_scaler_learn_transform(&s->scaler, x, s->xs);
    eddy_glm_learn(&s->glm, s->xs, y, 1.0);
}

static void linear_save(eddy_buf_t *w, const eddy_model_t *m)
{
    const linear_state_t *s = m->state;
    eddy_scaler_save(w, &s->scaler);
    eddy_glm_save(w, &s->glm);
}

static int linear_load(eddy_reader_t *r, eddy_model_t *m)
{
    linear_state_t *s = m->state;
    eddy_scaler_load(r, &s->scaler);
    eddy_glm_load(r, &s->glm);
    return r->err ? -1 : 0;
}

/* One model under three names, each with its own default penalties. */
#define LINEAR_OPS(id, nm, desc, table)                                                \
    const eddy_model_ops_t id = {EDDY_MODEL_OPS(linear, nm, table, desc),              \
                                 .check = linear_check}

LINEAR_OPS(eddy_linear_ops, "linear",
           "SGD linear regression on standardized lags; River StandardScaler() | "
           "LinearRegression()",
           linear_params);
LINEAR_OPS(eddy_ridge_ops, "ridge",
           "SGD linear regression with L2 penalty on standardized lags; River "
           "StandardScaler() | LinearRegression(l2=1.0)",
           ridge_params);
LINEAR_OPS(
    eddy_lasso_ops, "lasso",
    "SGD linear regression with cumulative L1 penalty on standardized lags; River "
    "StandardScaler() | LinearRegression(l1=0.1)",
    lasso_params);
