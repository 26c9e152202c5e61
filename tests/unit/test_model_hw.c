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
static int run_launch(const char *params, int *troubled, double *mae_tail)
{
    char err[256];
    eddy_model_t *m = eddy_model_new("holt_winters", 1, params, 1, err, sizeof(err));
    assert_non_null(m);
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
    eddy_model_t *m =
        eddy_model_new("holt_winters", 1, "multiplicative=1", 1, err, sizeof(err));
    assert_non_null(m);
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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_year_of_zeros),
        cmocka_unit_test(test_multiplicative_zeros),
        cmocka_unit_test(test_multiplicative_refuses),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
