/* hw_auto.c: `holt_winters_auto` — Holt-Winters without tuning: a fixed grid
 * of 84 Holt-Winters members (alpha {0.1, 0.3, 0.5, 0.8} x beta {0.01, 0.1,
 * 0.3} x gamma {0.1, 0.3, 0.6} x additive/multiplicative with the season,
 * plus alpha x {no trend, each beta} without a season; each River's
 * HoltWinters with eddy's guards, hw_core.h) all learn every target; each member's
 * one-step squared error is tracked with exponential discounting (factor `discount` per
 * step), and the prediction and every forecast step come from the members weighted by
 * the inverse of their discounted mean squared error — the discounted-MSFE combination
 * of Stock & Watson, "Combination forecasts of output growth in a seven-country data
 * set", J. Forecasting 23 (2004) 405-430 (weights ∝ (sum_s δ^(t-s) e_s^2)^-κ,
 * here κ = `power`; `power=0` weighs equally, a large power selects the best
 * member; defaults discount 0.9, power 4, chosen on docs/models.md's
 * series). Multiplicative members on a series with a target <= 0 are refused
 * (hw_core.h) and drop out of the weights; members that have not started
 * forecast nothing. Before any member starts: the last target (0 before any).
 */
#include "hw_core.h"

#include <math.h>
#include <stdlib.h>

enum { P_SEASON, P_DISCOUNT, P_POWER, N_P };

static const eddy_opt_t auto_params[N_P + 1] = {
    EDDY_PARAM_INT(P_SEASON, "seasonality", 12, 1, 100000, "season length in steps"),
    EDDY_PARAM_NUM(P_DISCOUNT, "discount", 0.9, 0.0, 1.0,
                   "discount of past squared errors per step"),
    EDDY_PARAM_NUM(P_POWER, "power", 4.0, 0.0, 100.0,
                   "weights are (discounted MSE)^-power"),
    EDDY_OPT_TABLE_END};

static const double alphas[] = {0.1, 0.3, 0.5, 0.8};
static const double betas[] = {0.01, 0.1, 0.3};
static const double gammas[] = {0.1, 0.3, 0.6};
#define N_A (sizeof(alphas) / sizeof(alphas[0]))
#define N_B (sizeof(betas) / sizeof(betas[0]))
#define N_G (sizeof(gammas) / sizeof(gammas[0]))
/* seasonal members (additive and multiplicative), then non-seasonal
 * additive ones with no trend or each trend smoothing */
#define N_SEASONAL (int)(N_A * N_B * N_G * 2)
#define N_MEMBERS  (N_SEASONAL + (int)(N_A * (N_B + 1)))

typedef struct {
    double discount, power;
    hw_state_t members[N_MEMBERS];
    double sse[N_MEMBERS];  /* discounted sum of squared one-step errors */
    double wsum[N_MEMBERS]; /* discounted count, so sse / wsum is a mean */
} auto_state_t;

static void auto_free(eddy_model_t *m)
{
    auto_state_t *s = m->state;
    for (int i = 0; i < N_MEMBERS; i++)
        eddy_hw_core_free(&s->members[i]);
}

static int auto_init(eddy_model_t *m)
{
    auto_state_t *s = m->state;
    int season = (int)m->params[P_SEASON], i = 0;
    s->discount = m->params[P_DISCOUNT];
    s->power = m->params[P_POWER];
    for (int mult = 0; mult < 2; mult++)
        for (size_t a = 0; a < N_A; a++)
            for (size_t b = 0; b < N_B; b++)
                for (size_t g = 0; g < N_G; g++)
                    if (eddy_hw_core_init(&s->members[i++], alphas[a], betas[b],
                                          gammas[g], season, mult) != 0)
                        return -1;
    for (size_t a = 0; a < N_A; a++)
        for (size_t b = 0; b <= N_B; b++)
            if (eddy_hw_core_init(&s->members[i++], alphas[a], b ? betas[b - 1] : 0.0,
                                  0.0, 0, 0) != 0)
                return -1;
    return 0;
}

static void auto_learn(eddy_model_t *m, const double *x, double y)
{
    auto_state_t *s = m->state;
    (void)x;
    for (int i = 0; i < N_MEMBERS; i++) {
        hw_state_t *h = &s->members[i];
        if (eddy_hw_core_ready(h)) {
            double e = y - eddy_hw_core_at(h, 0);
            s->sse[i] = s->discount * s->sse[i] + e * e;
            s->wsum[i] = s->discount * s->wsum[i] + 1.0;
        }
        eddy_hw_core_learn(h, y);
    }
}

/* The weighted forecast K steps ahead over the members that are ready and
 * have been scored; the first member's fallback when none is. */
static double auto_at(const void *state, int k)
{
    const auto_state_t *s = state;
    double num = 0.0, den = 0.0;
    for (int i = 0; i < N_MEMBERS; i++) {
        const hw_state_t *h = &s->members[i];
        if (!eddy_hw_core_ready(h) || s->wsum[i] == 0.0)
            continue;
        double f = eddy_hw_core_at(h, k);
        double mse = s->sse[i] / s->wsum[i];
        double w = mse > 0.0 ? pow(mse, -s->power) : 1e300;
        if (!isfinite(f) || !(w > 0.0) || !isfinite(w))
            continue;
        num += w * f;
        den += w;
    }
    if (den > 0.0 && isfinite(num / den))
        return num / den;
    /* none scored yet: the plain average of the ready members, else the
     * fallback (last target) */
    int n = 0;
    double sum = 0.0;
    for (int i = 0; i < N_MEMBERS; i++)
        if (eddy_hw_core_ready(&s->members[i])) {
            sum += eddy_hw_core_at(&s->members[i], k);
            n++;
        }
    return n ? sum / n : eddy_hw_core_at(&s->members[0], k);
}

static double auto_predict(eddy_model_t *m, const double *x)
{
    (void)x;
    return auto_at(m->state, 0);
}

static void auto_save(eddy_buf_t *w, const eddy_model_t *m)
{
    const auto_state_t *s = m->state;
    eddy_buf_put_f64s(w, s->sse, N_MEMBERS);
    eddy_buf_put_f64s(w, s->wsum, N_MEMBERS);
    for (int i = 0; i < N_MEMBERS; i++)
        eddy_hw_core_save(w, &s->members[i]);
}

static int auto_load(eddy_reader_t *r, eddy_model_t *m)
{
    auto_state_t *s = m->state;
    eddy_read_f64s(r, s->sse, N_MEMBERS);
    eddy_read_f64s(r, s->wsum, N_MEMBERS);
    for (int i = 0; i < N_MEMBERS; i++)
        if (!(s->sse[i] >= 0.0 && s->wsum[i] >= 0.0) ||
            eddy_hw_core_load(r, &s->members[i]) != 0)
            return -1;
    return r->err ? -1 : 0;
}

const eddy_model_ops_t eddy_holt_winters_auto_ops = {
    EDDY_MODEL_OPS(auto, "holt_winters_auto", auto_params,
                   "Holt-Winters without tuning: 84 members (alpha, beta, gamma, "
                   "additive/multiplicative) weighted by their inverse discounted MSE "
                   "(Stock & Watson 2004); members are River time_series.HoltWinters"),
    .forecast_at = auto_at};
