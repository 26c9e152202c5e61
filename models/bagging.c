/* bagging.c: `bagging` — Oza online bagging, River
 * ensemble.BaggingRegressor(StandardScaler() | LinearRegression(l2=1.0),
 * n_models=3, seed=...). Each member learns each sample k ~ Poisson(1) times
 * (scaler and regression alike, as a River pipeline member does); the
 * prediction is the members' mean. The Poisson draws come from the model's own
 * xoshiro256** stream, so runs are reproducible per seed but not equal to
 * River's Mersenne Twister draws.
 */
#include "model_internal.h"
#include "util/fsum.h"

#include <math.h>
#include <stdlib.h>

enum { P_N, P_L2, P_LR, P_DIFF, P_SDIFF, N_P };

static const eddy_opt_t bag_params[N_P + 1] = {
    EDDY_PARAM_INT(P_N, "n_models", 3, 1, 100, "ensemble members"),
    EDDY_PARAM_NUM(P_L2, "l2", 1.0, 0.0, 1e6,
                   "L2 penalty of each member's LinearRegression"),
    EDDY_PARAM_NUM(P_LR, "lr", 0.01, 0.0, 1e3,
                   "SGD learning rate of the members (intercept too)"),
    EDDY_PARAM_DIFF_ROWS(P_DIFF, P_SDIFF), EDDY_OPT_TABLE_END};

typedef struct {
    int n_models;
    eddy_rng_t rng;
    eddy_scaler_t *scalers;
    eddy_glm_t *glms;
    double *xs;    /* scratch */
    double *preds; /* scratch: the members' predictions */
} bag_state_t;

static void bag_free(eddy_model_t *m)
{
    bag_state_t *s = m->state;
    for (int i = 0; i < s->n_models; i++) {
        if (s->scalers)
            eddy_scaler_free(&s->scalers[i]);
        if (s->glms)
            eddy_glm_free(&s->glms[i]);
    }
    free(s->scalers);
    free(s->glms);
    free(s->xs);
    free(s->preds);
}

static int bag_init(eddy_model_t *m)
{
    bag_state_t *s = m->state;
    s->n_models = (int)m->params[P_N];
    eddy_rng_seed(&s->rng, m->seed);
    eddy_glm_params_t gp = {m->params[P_LR], m->params[P_LR], m->params[P_L2], 0.0,
                            1e12};
    s->scalers = calloc((size_t)s->n_models, sizeof(*s->scalers));
    s->glms = calloc((size_t)s->n_models, sizeof(*s->glms));
    s->xs = calloc((size_t)m->n_features, sizeof(double));
    s->preds = calloc((size_t)s->n_models, sizeof(double));
    if (!s->scalers || !s->glms || !s->xs || !s->preds)
        return -1;
    for (int i = 0; i < s->n_models; i++)
        if (eddy_scaler_init(&s->scalers[i], m->n_features) != 0 ||
            eddy_glm_init(&s->glms[i], m->n_features, &gp) != 0)
            return -1;
    return 0;
}

static double bag_predict(eddy_model_t *m, const double *x)
{
    bag_state_t *s = m->state;
    for (int i = 0; i < s->n_models; i++) {
        eddy_scaler_transform(&s->scalers[i], x, s->xs);
        s->preds[i] = eddy_glm_predict(&s->glms[i], s->xs);
    }
    /* River's statistics.mean: exactly rounded */
    return eddy_mean_exact(s->preds, (size_t)s->n_models);
}

static void bag_learn(eddy_model_t *m, const double *x, double y)
{
    bag_state_t *s = m->state;
    for (int i = 0; i < s->n_models; i++) {
        int k = eddy_rng_poisson(&s->rng, 1.0);
        for (int j = 0; j < k; j++) {
            eddy_scaler_learn_transform(&s->scalers[i], x, s->xs);
            eddy_glm_learn(&s->glms[i], s->xs, y, 1.0);
        }
    }
}

static void bag_save(eddy_buf_t *w, const eddy_model_t *m)
{
    const bag_state_t *s = m->state;
    eddy_rng_save(w, &s->rng);
    for (int i = 0; i < s->n_models; i++) {
        eddy_scaler_save(w, &s->scalers[i]);
        eddy_glm_save(w, &s->glms[i]);
    }
}

static int bag_load(eddy_reader_t *r, eddy_model_t *m)
{
    bag_state_t *s = m->state;
    eddy_rng_load(r, &s->rng);
    for (int i = 0; i < s->n_models; i++) {
        eddy_scaler_load(r, &s->scalers[i]);
        eddy_glm_load(r, &s->glms[i]);
    }
    return r->err ? -1 : 0;
}

const eddy_model_ops_t eddy_bagging_ops = {
    EDDY_MODEL_OPS(bag, "bagging", bag_params,
                   "Oza online bagging (Poisson(1)) of StandardScaler | "
                   "LinearRegression(l2=1.0), seeded; River "
                   "BaggingRegressor(StandardScaler() | LinearRegression(l2=1.0), "
                   "n_models=3, seed=...)")};
