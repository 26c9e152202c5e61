/* test_model_diff.c: the `diff` and `seasonal_diff` parameters (models/diff.c)
 * against hand computations, their lag checks, and their snapshots. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "eddy_model.h"
#include "model_internal.h"

static eddy_model_t *make(const char *name, int lags, const char *params)
{
    char err[256];
    eddy_model_t *m = eddy_model_new(name, lags, params, 7, err, sizeof(err));
    if (!m)
        fail_msg("%s", err);
    return m;
}

/* u_j = x[j-1] = j^2, y = 0.5 */
static void squares(double *x, int n)
{
    for (int j = 1; j <= n; j++)
        x[j - 1] = (double)(j * j);
}

static void test_seasonal_and_regular(void **state)
{
    (void)state;
    eddy_model_t *m = make("linear", 15, "seasonal_diff=12,diff=1");
    double x[15], z[15];
    squares(x, 15);
    /* s_j = u_j - u_{j+12} = -24 j - 144 (j >= 1), s_0 = 0.5 - 144 = -143.5;
     * w_j = s_j - s_{j+1} = 24; w_0 = -143.5 - (-168) = 24.5; 15 - 13 = 2
     * lags */
    assert_int_equal(m->n_features, 2);
    assert_int_equal(eddy_model_n_features(m), 15);
    double t = eddy_diff_apply(m, x, 0.5, z);
    assert_true(t == 24.5);
    assert_true(z[0] == 24.0 && z[1] == 24.0);
    /* back: s_0 = 1 + s_1 = -167, y = s_0 + u_12 = -23 */
    assert_true(eddy_diff_integrate(m, x, 1.0) == -23.0);
    eddy_model_destroy(m);
}

static void test_double_regular(void **state)
{
    (void)state;
    eddy_model_t *m = make("knn", 15, "diff=2");
    double x[15], z[15];
    squares(x, 15);
    /* w_j = u_j - u_{j+1} = -(2j + 1), w_0 = 0.5 - 1 = -0.5; v_j = 2,
     * v_0 = -0.5 - (-3) = 2.5; back: w_0 = 1 + w_1 = -2, y = -2 + u_1 = -1 */
    assert_int_equal(m->n_features, 13);
    assert_true(eddy_diff_apply(m, x, 0.5, z) == 2.5);
    for (int j = 0; j < 13; j++)
        assert_true(z[j] == 2.0);
    assert_true(eddy_diff_integrate(m, x, 1.0) == -1.0);
    eddy_model_destroy(m);
}

/* A series that is exactly a linear trend plus a fixed yearly pattern has
 * constant seasonal differences: once the lags are full, a seasonally
 * differenced model that predicts the difference well predicts the series,
 * and its recursive forecast continues the pattern. (The first 15 steps, with
 * missing lags at 0, teach it nonsense: forgetting 0.95 lets that fade; the
 * ridge penalty leaves an error of about 1e-6.) */
static void test_trend_season_series(void **state)
{
    (void)state;
    static const double pat[12] = {5, -3, 8, 1, 0, -7, 2, 9, -4, 6, -1, 3};
    eddy_model_t *m = make("rls", 15, "seasonal_diff=12,forgetting=0.95");
    double y[400], x[15];
    for (int t = 0; t < 400; t++)
        y[t] = 100.0 + 0.5 * t + pat[t % 12];
    for (int t = 0; t < 400; t++) {
        for (int j = 1; j <= 15; j++)
            x[j - 1] = t - j >= 0 ? y[t - j] : 0.0;
        if (t >= 300) {
            /* y - y[t-12] = 6: the model learns it */
            double p = eddy_model_predict(m, x);
            if (fabs(p - y[t]) > 1e-4)
                fail_msg("step %d: %.17g vs %.17g", t, p, y[t]);
        }
        eddy_model_learn(m, x, y[t]);
    }
    for (int j = 1; j <= 15; j++)
        x[j - 1] = y[400 - j];
    double fc[24];
    eddy_model_forecast(m, x, fc, 24);
    for (int k = 0; k < 24; k++)
        assert_true(fabs(fc[k] - (100.0 + 0.5 * (400 + k) + pat[(400 + k) % 12])) <
                    1e-3);
    eddy_model_destroy(m);
}

static void test_too_few_lags(void **state)
{
    (void)state;
    char err[256];
    assert_null(
        eddy_model_new("ridge", 15, "seasonal_diff=14,diff=1", 1, err, sizeof(err)));
    assert_non_null(strstr(err, "need at least 16 lags, got 15"));
    assert_non_null(strstr(err, "--lags"));
    /* models of the target alone have no such parameter */
    assert_null(eddy_model_new("holt_winters", 15, "diff=1", 1, err, sizeof(err)));
}

static void test_snapshot(void **state)
{
    (void)state;
    eddy_model_t *m = make("hoeffding_tree", 20, "seasonal_diff=12,diff=1");
    double x[20];
    for (int t = 0; t < 300; t++) {
        for (int j = 0; j < 20; j++)
            x[j] = sin(0.3 * (t - j)) * 50 + t;
        eddy_model_learn(m, x, sin(0.3 * t) * 50 + t);
    }
    uint8_t *buf;
    size_t len;
    char err[256];
    assert_int_equal(eddy_model_snapshot(m, &buf, &len), 0);
    eddy_model_t *r = eddy_model_restore(buf, len, err, sizeof(err));
    assert_non_null(r);
    assert_int_equal(eddy_model_n_features(r), 20);
    double a = eddy_model_predict(m, x), b = eddy_model_predict(r, x);
    assert_memory_equal(&a, &b, sizeof(a));
    free(buf);
    eddy_model_destroy(r);
    eddy_model_destroy(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_seasonal_and_regular),
        cmocka_unit_test(test_double_regular),
        cmocka_unit_test(test_trend_season_series),
        cmocka_unit_test(test_too_few_lags),
        cmocka_unit_test(test_snapshot),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
