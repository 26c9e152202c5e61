/* snaive.c: `snaive` — seasonal naive forecaster: the prediction for step t
 * is y[t - period]. Before a full season has been seen it predicts the last
 * value (0 before any). The lag features are ignored: the model keeps its own
 * ring of the last `period` targets, so period may exceed n_features.
 *
 * `snaive_drift` — seasonal naive plus last year's change (P = period):
 * y[t-P] + (y[t-1] - y[t-P-1]), the baseline of issue 15. Until y[t-P-1]
 * exists it is the seasonal naive forecast: the last value for t < P (0
 * before any), y[t-P] for t = P (the change needs a target that does not
 * exist yet; counting it as 0 forecast about twice the level there). Its
 * forecast K steps ahead repeats the last season and adds the last
 * change once per season ahead: y[T+1+(K mod P)-P] + (K div P + 1) *
 * (y[T] - y[T-P]) (the recursion of the same rule, in closed form). Ring of
 * the last P + 1 targets.
 */
#include "model_internal.h"

#include <math.h>
#include <stdlib.h>

enum { P_PERIOD, N_P };

static const eddy_opt_t snaive_params[N_P + 1] = {
    EDDY_PARAM_INT(P_PERIOD, "period", 12, 1, 100000, "season length in steps"),
    EDDY_OPT_TABLE_END};

typedef struct {
    int period, cap; /* cap: period (snaive) or period + 1 (snaive_drift) */
    uint64_t count;  /* targets seen */
    double *ring;    /* ring[i % period] = y_i */
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
    s->cap = s->period + (m->ops == &eddy_snaive_drift_ops);
    s->ring = calloc((size_t)s->cap, sizeof(double));
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

/* The J-th most recent target (0: the last), 0 before the first. */
static double recent(const snaive_state_t *s, uint64_t j)
{
    if (j >= s->count)
        return 0.0;
    return s->ring[(s->count - 1 - j) % (uint64_t)s->cap];
}

static double drift_at(const void *state, int k)
{
    const snaive_state_t *s = state;
    uint64_t p = (uint64_t)s->period, kk = (uint64_t)k;
    double change;

    if (s->count < p)
        return recent(s, 0);
    if (s->count == p)
        return recent(s, p - 1 - kk % p);
    change = recent(s, 0) - recent(s, p);
    return recent(s, p - 1 - kk % p) + (double)(kk / p + 1) * change;
}

static double drift_predict(eddy_model_t *m, const double *x)
{
    (void)x;
    return drift_at(m->state, 0);
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
    s->ring[s->count % (uint64_t)s->cap] = y;
    s->count++;
}

static void snaive_save(eddy_buf_t *w, const eddy_model_t *m)
{
    const snaive_state_t *s = m->state;
    eddy_buf_put_u64(w, s->count);
    eddy_buf_put_f64s(w, s->ring, (size_t)s->cap);
}

static int snaive_load(eddy_reader_t *r, eddy_model_t *m)
{
    snaive_state_t *s = m->state;
    s->count = eddy_read_u64(r);
    eddy_read_f64s(r, s->ring, (size_t)s->cap);
    return r->err ? -1 : 0;
}

const eddy_model_ops_t eddy_snaive_ops = {
    EDDY_MODEL_OPS(snaive, "snaive", snaive_params,
                   "seasonal naive: predicts the value one period ago (the last value "
                   "before a full season, 0 before any); no River equivalent"),
    .forecast_at = snaive_at};

#define drift_state_t snaive_state_t
#define drift_init    snaive_init
#define drift_free    snaive_free
#define drift_learn   snaive_learn
#define drift_save    snaive_save
#define drift_load    snaive_load
const eddy_model_ops_t eddy_snaive_drift_ops = {
    EDDY_MODEL_OPS(drift, "snaive_drift", snaive_params,
                   "seasonal naive plus last year's change: y[t-12] + (y[t-1] - "
                   "y[t-13]), targets before the first as 0; no River equivalent"),
    .forecast_at = drift_at};
