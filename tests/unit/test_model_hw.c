/* test_model_hw.c: Holt-Winters' guards where River raises ZeroDivisionError
 * (issue 12): a series that starts with a year of zeros (the shared case
 * launch_sales.csv) and multiplicative mode on non-positive targets. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "eddy_model.h"

/* launch_sales.csv: 12 zero months, then 48 seasonal months */
static const double sales[48] = {
    57.5,  67.0,  73.0,  75.0,  73.5,  70.0,  66.5,  65.0,  67.0,  73.0,  82.5,  94.0,
    105.5, 115.0, 121.0, 123.0, 121.5, 118.0, 114.5, 113.0, 115.0, 121.0, 130.5, 142.0,
    153.5, 163.0, 169.0, 171.0, 169.5, 166.0, 162.5, 161.0, 163.0, 169.0, 178.5, 190.0,
    201.5, 211.0, 217.0, 219.0, 217.5, 214.0, 210.5, 209.0, 211.0, 217.0, 226.5, 238.0};

static eddy_model_t *make(const char *name, const char *params)
{
    char err[256];
    eddy_model_t *m = eddy_model_new(name, 1, params, 1, err, sizeof(err));
    if (!m)
        fail_msg("%s: %s", name, err);
    return m;
}

static double launch(int t)
{
    return t < 12 ? 0.0 : sales[t - 12];
}

/* MAE of y[t-12] as the prediction over steps 36..59 */
static double snaive_tail(void)
{
    double mae = 0.0;
    for (int t = 36; t < 60; t++)
        mae += fabs(launch(t) - launch(t - 12)) / 24.0;
    return mae;
}

/* Runs PARAMS over launch_sales; returns how many predictions and forecasts
 * were non-finite and fills the number of steps with a trouble reason. */
static int run_launch_of(const char *model, const char *params, int *troubled,
                         double *mae_tail)
{
    eddy_model_t *m = make(model, params);
    int bad = 0;
    double x[1] = {0.0}, fc[12];
    *troubled = 0;
    *mae_tail = 0.0;
    for (int t = 0; t < 60; t++) {
        double p = eddy_model_predict(m, x);
        bad += !isfinite(p);
        if (t >= 36)
            *mae_tail += fabs(p - launch(t)) / 24.0;
        eddy_model_learn(m, x, launch(t));
        eddy_model_forecast(m, x, fc, 12);
        for (int k = 0; k < 12; k++)
            bad += !isfinite(fc[k]);
        *troubled += eddy_model_trouble(m) != NULL;
        x[0] = launch(t);
    }
    eddy_model_destroy(m);
    return bad;
}

static int run_launch(const char *params, int *troubled, double *mae_tail)
{
    return run_launch_of("holt_winters", params, troubled, mae_tail);
}

static void test_year_of_zeros(void **state)
{
    (void)state;
    int troubled;
    double mae;
    /* River: ZeroDivisionError at step 12; eddy before: NaN for 48 of 60 */
    assert_int_equal(run_launch(NULL, &troubled, &mae), 0);
    /* waiting from step 11 (the zero window) until a window with mean != 0 */
    assert_int_equal(troubled, 1);
    /* once started it follows the series: over the last two years it beats
     * the seasonal naive forecast by half */
    printf("# additive: MAE of the last two years %.3f, seasonal naive %.3f\n", mae,
           snaive_tail());
    assert_true(mae < snaive_tail() / 2);
}

static void test_multiplicative_zeros(void **state)
{
    (void)state;
    int troubled;
    double mae;
    /* multiplicative waits for a window of positive targets (step 23) */
    assert_int_equal(run_launch("multiplicative=1", &troubled, &mae), 0);
    assert_int_equal(troubled, 12);
    printf("# multiplicative: MAE of the last two years %.3f\n", mae);
    assert_true(mae < snaive_tail() / 2);
}

static void test_multiplicative_refuses(void **state)
{
    (void)state;
    char err[256];
    eddy_model_t *m = make("holt_winters", "multiplicative=1");
    double x[1] = {0.0};
    for (int t = 0; t < 30; t++)
        eddy_model_learn(m, x, 100.0 + t);
    assert_null(eddy_model_trouble(m));
    eddy_model_learn(m, x, -5.0);
    const char *why = eddy_model_trouble(m);
    assert_non_null(why);
    assert_non_null(strstr(why, "multiplicative=0"));
    /* the documented fallback: the last target, finite */
    assert_true(eddy_model_predict(m, x) == -5.0);
    /* the refusal survives a snapshot */
    uint8_t *buf;
    size_t len;
    assert_int_equal(eddy_model_snapshot(m, &buf, &len), 0);
    eddy_model_t *r = eddy_model_restore(buf, len, err, sizeof(err));
    assert_non_null(r);
    assert_non_null(eddy_model_trouble(r));
    assert_true(eddy_model_predict(r, x) == -5.0);
    free(buf);
    eddy_model_destroy(r);
    eddy_model_destroy(m);
}

/* holt_winters_auto: finite on the year of zeros (its multiplicative
 * members wait, then start), and it beats the seasonal naive there */
static void test_auto_launch(void **state)
{
    (void)state;
    int troubled;
    double mae;
    assert_int_equal(run_launch_of("holt_winters_auto", NULL, &troubled, &mae), 0);
    printf("# holt_winters_auto on launch_sales: MAE of the last two years %.3f\n",
           mae);
    assert_true(mae < snaive_tail() / 2);
}

/* snaive_drift by hand: y[t-12] + (y[t-1] - y[t-13]), and its forecast */
static void test_snaive_drift(void **state)
{
    (void)state;
    eddy_model_t *m = make("snaive_drift", "period=3");
    double x[1] = {0}, ys[] = {10, 20, 30, 14, 25};
    /* before any: 0; then the last value while y[t-3] does not exist */
    assert_true(eddy_model_predict(m, x) == 0.0);
    eddy_model_learn(m, x, ys[0]);
    assert_true(eddy_model_predict(m, x) == 10.0);
    for (int t = 1; t < 3; t++)
        eddy_model_learn(m, x, ys[t]);
    /* t = 3: y[0], the seasonal naive (y[-1] of the change does not exist;
       as 0 it forecast 10 + 30 = 40) */
    assert_true(eddy_model_predict(m, x) == 10.0);
    for (int t = 3; t < 5; t++)
        eddy_model_learn(m, x, ys[t]);
    /* t = 5: y[2] + (y[4] - y[1]) = 30 + 5 = 35 */
    assert_true(eddy_model_predict(m, x) == 35.0);
    double fc[7];
    eddy_model_forecast(m, x, fc, 7);
    /* closed form: y[T+1+(k mod 3)-3] + (k div 3 + 1) * 5, T = 4:
     * 30+5, 14+5, 25+5, 30+10, 14+10, 25+10, 30+15 */
    const double want[7] = {35, 19, 30, 40, 24, 35, 45};
    for (int k = 0; k < 7; k++)
        assert_true(fc[k] == want[k]);
    eddy_model_destroy(m);
}

/* The seed's 744 months: holt_winters_auto's MAE below the
 * seasonal-difference baseline's (14.48 whole, 14.43 from step 14) */
static void test_auto_beats_baseline(void **state)
{
    (void)state;
    const char *root = getenv("EDDY_SOURCE_DIR");
    assert_non_null(root);
    char path[1024], line[256];
    snprintf(path, sizeof(path), "%s/data/airpassengers-extended.csv", root);
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    static double ys[1000];
    int n = 0;
    assert_non_null(fgets(line, sizeof(line), f));
    while (n < 1000 && fgets(line, sizeof(line), f))
        ys[n++] = strtod(strchr(line, ',') + 1, NULL);
    fclose(f);
    assert_int_equal(n, 744);
    const char *names[2] = {"snaive_drift", "holt_winters_auto"};
    double all[2], tail[2];
    for (int i = 0; i < 2; i++) {
        char err[256];
        eddy_model_t *m = make(names[i], NULL);
        double x[1] = {0}, sa = 0, st = 0;
        for (int t = 0; t < n; t++) {
            double e = fabs(eddy_model_predict(m, x) - ys[t]);
            sa += e;
            st += t >= 13 ? e : 0.0;
            eddy_model_learn(m, x, ys[t]);
        }
        all[i] = sa / n;
        tail[i] = st / (n - 13);
        if (i == 1) {
            /* and its snapshot predicts the same */
            uint8_t *buf;
            size_t len;
            assert_int_equal(eddy_model_snapshot(m, &buf, &len), 0);
            eddy_model_t *r = eddy_model_restore(buf, len, err, sizeof(err));
            assert_non_null(r);
            double a = eddy_model_predict(m, x), b = eddy_model_predict(r, x);
            assert_memory_equal(&a, &b, sizeof(a));
            free(buf);
            eddy_model_destroy(r);
        }
        eddy_model_destroy(m);
        printf("# %s: MAE %.4f, from step 14 %.4f\n", names[i], all[i], tail[i]);
    }
    assert_true(fabs(all[0] - 14.4839) < 1e-4 && fabs(tail[0] - 14.4254) < 1e-4);
    assert_true(all[1] < all[0] && tail[1] < tail[0]);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_auto_launch),
        cmocka_unit_test(test_snaive_drift),
        cmocka_unit_test(test_auto_beats_baseline),
        cmocka_unit_test(test_year_of_zeros),
        cmocka_unit_test(test_multiplicative_zeros),
        cmocka_unit_test(test_multiplicative_refuses),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
