/* snaive.c: `snaive` — seasonal naive forecaster: the prediction for step t
 * is y[t - period]. Before a full season has been seen it predicts the last
 * value (0 before any). The lag features are ignored: the model keeps its own
 * ring of the last `period` targets, so period may exceed n_features.
 */
#include "model_internal.h"

#include <math.h>
#include <stdlib.h>

enum { P_PERIOD, N_P };

static const eddy_opt_t snaive_params[N_P + 1] = {
    EDDY_PARAM_INT(P_PERIOD, "period", 12, 1, 100000, "season length in steps"),
    EDDY_OPT_TABLE_END};

typedef struct {
    int period;
    uint64_t count; /* targets seen */
    double *ring;   /* ring[i % period] = y_i */
} snaive_state_t;

static void snaive_free(eddy_model_t *m)
{
    snaive_state_t *s = m->state;
    free(s->ring);
}

static int snaive_init(eddy_model_t *m)
{
    snaive_state_t *s = m->state;
    s->period = (int)m->params[P_PERIOD];
    s->ring = calloc((size_t)s->period, sizeof(double));
    if (!s->ring)
        return -1;
    return 0;
}

/* Forecast K steps after the last learned target (k = 0: the next step). */
static double snaive_at(const void *state, int k)
{
    const snaive_state_t *s = state;
    uint64_t p = (uint64_t)s->period;
    if (s->count == 0)
        return 0.0;
    if (s->count < p)
        return s->ring[(s->count - 1) % p];
    return s->ring[(s->count - p + (uint64_t)k % p) % p];
}

static double snaive_predict(eddy_model_t *m, const double *x)
{
    (void)x;
    return snaive_at(m->state, 0);
}

static void snaive_learn(eddy_model_t *m, const double *x, double y)
{
    snaive_state_t *s = m->state;
    (void)x;
    s->ring[s->count % (uint64_t)s->period] = y;
    s->count++;
}

static void snaive_save(eddy_buf_t *w, const eddy_model_t *m)
{
    const snaive_state_t *s = m->state;
    eddy_buf_put_u64(w, s->count);
    eddy_buf_put_f64s(w, s->ring, (size_t)s->period);
}

static int snaive_load(eddy_reader_t *r, eddy_model_t *m)
{
    snaive_state_t *s = m->state;
    s->count = eddy_read_u64(r);
    eddy_read_f64s(r, s->ring, (size_t)s->period);
    return r->err ? -1 : 0;
}

const eddy_model_ops_t eddy_snaive_ops = {
    EDDY_MODEL_OPS(snaive, "snaive", snaive_params,
                   "seasonal naive: predicts the value one period ago (the last value "
                   "before a full season, 0 before any); no River equivalent"),
    .forecast_at = snaive_at};
