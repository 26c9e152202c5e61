/* diff.c: seasonal and regular differencing of the lag features and the
 * target, for every regression model (the `diff` and `seasonal_diff`
 * parameters), and the integration of a differenced prediction back to the
 * target's scale.
 *
 * With L lags (u_j = y[t-j] = x[j-1], j = 1..L) and u_0 = y[t]:
 *   seasonal difference (D = seasonal_diff > 0): s_j = u_j - u_{j+D};
 *   regular differences (d = diff times):       w_j = s_j - s_{j+1}.
 * Each difference shortens the vector by its lag: the inner model learns the
 * top level's element 0 on its elements 1..L-D-d (in_1 first). A prediction
 * z of element 0 is integrated back level by level: z + (level below)_1 for
 * each regular difference, then + u_D for the seasonal one, in that order
 * (tests/golden/gen_golden.py builds River's pipeline with the same
 * arithmetic). The model stays a function of the lags it is given: no state.
 * Box & Jenkins, Time Series Analysis (1970), ch. 9 (seasonal differencing).
 */
#include "model_internal.h"

#include <string.h>

/* Level K of the differencing of (Y, X) into LV (K = 0: the raw values). */
static int build_levels(const eddy_model_t *m, const double *x, double y,
                        double lv[][EDDY_MODEL_MAX_FEATURES + 1])
{
    int len = m->n_lags + 1, top = 0;
    lv[0][0] = y;
    memcpy(&lv[0][1], x, (size_t)m->n_lags * sizeof(double));
    if (m->sdiff > 0) {
        for (int j = 0; j + m->sdiff < len; j++)
            lv[1][j] = lv[0][j] - lv[0][j + m->sdiff];
        len -= m->sdiff;
        top = 1;
    }
    for (int k = 0; k < m->diff; k++, top++) {
        for (int j = 0; j + 1 < len; j++)
            lv[top + 1][j] = lv[top][j] - lv[top][j + 1];
        len--;
    }
    return top;
}

double eddy_diff_apply(const eddy_model_t *m, const double *x, double y, double *z)
{
    double lv[EDDY_DIFF_LEVELS][EDDY_MODEL_MAX_FEATURES + 1];
    int top = build_levels(m, x, y, lv);
    memcpy(z, &lv[top][1], (size_t)m->n_features * sizeof(double));
    return lv[top][0];
}

double eddy_diff_integrate(const eddy_model_t *m, const double *x, double zhat)
{
    double lv[EDDY_DIFF_LEVELS][EDDY_MODEL_MAX_FEATURES + 1];
    int top = build_levels(m, x, 0.0, lv);
    double v = zhat;
    for (int k = top - 1; k >= (m->sdiff > 0); k--)
        v = v + lv[k][1];
    if (m->sdiff > 0)
        v = v + lv[0][m->sdiff];
    return v;
}
