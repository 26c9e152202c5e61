/* eddy-bench's pure parts: the bounded-error histogram and the objective. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "hist.h"
#include "slo.h"

/* Every percentile is within 1% of the exact one, over six decades. */
static void test_hist_relative_error(void **state)
{
    eddy_hist_t *h = eddy_hist_new();
    const int n = 100000;
    const double qs[] = {0.5, 0.9, 0.99, 0.999};

    (void)state;
    assert_non_null(h);
    assert_true(eddy_hist_quantile(h, 0.5) == 0);
    for (int i = 1; i <= n; i++) /* 10 us .. 10 s, log-uniform */
        eddy_hist_add(h, 10.0 * pow(1e6, (double)i / n));
    assert_int_equal(eddy_hist_count(h), n);
    for (size_t i = 0; i < sizeof(qs) / sizeof(qs[0]); i++) {
        double exact = 10.0 * pow(1e6, ceil(qs[i] * n) / n);
        double got = eddy_hist_quantile(h, qs[i]);
        assert_true(fabs(got - exact) / exact <= EDDY_HIST_RELATIVE_ERROR);
    }
    assert_true(eddy_hist_quantile(h, 1) == 10.0 * 1e6); /* the exact maximum */
    eddy_hist_destroy(h);
}

/* Out-of-range values are clamped, never lost. */
static void test_hist_clamps(void **state)
{
    eddy_hist_t *h = eddy_hist_new();

    (void)state;
    eddy_hist_add(h, -5);
    eddy_hist_add(h, NAN);
    eddy_hist_add(h, 1e12);
    assert_int_equal(eddy_hist_count(h), 3);
    assert_true(eddy_hist_quantile(h, 0.5) <= 1.01);
    assert_true(eddy_hist_quantile(h, 1) == 1e9);
    eddy_hist_destroy(h);
}

static void test_slo(void **state)
{
    eddy_slo_t slo;
    eddy_slo_figures_t f = {.success = 0.9995,
                            .throughput = 950,
                            .latency_us = {5000, 9000, 15000, 30000, 40000}};
    char err[256], missed[256];

    (void)state;
    assert_int_equal(eddy_slo_parse("p99=20ms,success=0.999", &slo, err, sizeof(err)),
                     0);
    assert_int_equal(slo.n, 2);
    assert_int_equal(eddy_slo_check(&slo, &f, missed, sizeof(missed)), 1);
    assert_string_equal(missed, "");
    assert_int_equal(
        eddy_slo_parse("p99=1us,p99.9=0.02s,throughput=1000", &slo, err, sizeof(err)),
        0);
    assert_int_equal(eddy_slo_check(&slo, &f, missed, sizeof(missed)), 0);
    assert_non_null(strstr(missed, "p99 15.000ms > 0.001ms"));
    assert_non_null(strstr(missed, "p99.9 30.000ms > 20.000ms"));
    assert_non_null(strstr(missed, "throughput 950 < 1000"));
    /* Bad terms name themselves. */
    assert_int_equal(eddy_slo_parse("p99=20", &slo, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "'p99=20'"));
    assert_int_equal(eddy_slo_parse("p95=20ms", &slo, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "'p95=20ms'"));
    assert_int_equal(eddy_slo_parse("success=1.5", &slo, err, sizeof(err)), -1);
    assert_int_equal(eddy_slo_parse("", &slo, err, sizeof(err)), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hist_relative_error),
        cmocka_unit_test(test_hist_clamps),
        cmocka_unit_test(test_slo),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
