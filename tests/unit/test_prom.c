/* Unit tests for util/prom: the Prometheus text writer. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/prom.h"

static uint64_t lcg_next(uint64_t *s)
{
    *s = *s * 6364136223846793005ULL + 1442695040888963407ULL;
    return *s;
}

static void test_buf_new_destroy(void **state)
{
    (void)state;
    eddy_prom_buf_destroy(NULL);
    eddy_prom_buf_t *b = eddy_prom_buf_new(0);
    assert_non_null(b);
    assert_string_equal(eddy_prom_buf_data(b), "");
    assert_int_equal(eddy_prom_buf_len(b), 0);
    assert_int_equal(eddy_prom_buf_error(b), EDDY_PROM_OK);
    assert_string_equal(eddy_prom_buf_errstr(b), "");
    eddy_prom_buf_destroy(b);
}

static void test_format_double_special_and_short(void **state)
{
    (void)state;
    char out[EDDY_PROM_DOUBLE_MAX];
    eddy_prom_format_double(NAN, out);
    assert_string_equal(out, "NaN");
    eddy_prom_format_double(INFINITY, out);
    assert_string_equal(out, "+Inf");
    eddy_prom_format_double(-INFINITY, out);
    assert_string_equal(out, "-Inf");
    eddy_prom_format_double(1.0, out);
    assert_string_equal(out, "1");
    eddy_prom_format_double(0.1, out);
    assert_string_equal(out, "0.1");
    eddy_prom_format_double(2.5, out);
    assert_string_equal(out, "2.5");
    eddy_prom_format_double(0.0005, out);
    assert_string_equal(out, "0.0005");
    eddy_prom_format_double(-3.0, out);
    assert_string_equal(out, "-3");
    eddy_prom_format_double(123456789.0, out);
    assert_string_equal(out, "123456789");
}

static void check_roundtrip(double v)
{
    char out[EDDY_PROM_DOUBLE_MAX];
    size_t n = eddy_prom_format_double(v, out);
    assert_int_equal(n, strlen(out));
    assert_true(n < EDDY_PROM_DOUBLE_MAX);
    double back = strtod(out, NULL);
    assert_memory_equal(&back, &v, sizeof v);
}

static void test_format_double_roundtrip(void **state)
{
    (void)state;
    const double fixed[] = {0.0,
                            -0.0,
                            0.1,
                            1.0 / 3.0,
                            2.0 / 3.0,
                            DBL_MAX,
                            -DBL_MAX,
                            DBL_MIN,
                            5e-324,
                            1e-300,
                            1e300,
                            9007199254740993.0,
                            0.30000000000000004,
                            1e21,
                            123456.789e-7};
    for (size_t i = 0; i < sizeof fixed / sizeof fixed[0]; i++) {
        check_roundtrip(fixed[i]);
    }
    uint64_t s = 42;
    for (int i = 0; i < 20000; i++) {
        uint64_t bits = lcg_next(&s);
        double v;
        memcpy(&v, &bits, sizeof v);
        if (!isfinite(v)) {
            continue;
        }
        check_roundtrip(v);
        /* Also "ordinary" magnitudes. */
        check_roundtrip((double)(lcg_next(&s) >> 11) / 9007199254740992.0 * 1000.0);
    }
}

static void test_family_and_samples_exact(void **state)
{
    (void)state;
    eddy_prom_buf_t *b = eddy_prom_buf_new(8);
    assert_non_null(b);
    eddy_prom_label_t l[2] = {{"model", "linear"}, {"series", "airline"}};
    assert_int_equal(eddy_prom_family(b, "x_total", EDDY_PROM_COUNTER, "Things."), 0);
    assert_int_equal(eddy_prom_sample(b, l, 2, 3), 0);
    assert_int_equal(eddy_prom_family(b, "y", EDDY_PROM_GAUGE, NULL), 0);
    assert_int_equal(eddy_prom_sample(b, NULL, 0, 0.25), 0);
    assert_int_equal(eddy_prom_sample(b, l, 1, NAN), 0);
    assert_int_equal(eddy_prom_family(b, "z", EDDY_PROM_UNTYPED, "u"), 0);
    assert_int_equal(eddy_prom_sample(b, l, 1, -INFINITY), 0);
    assert_string_equal(eddy_prom_buf_data(b),
                        "# HELP x_total Things.\n"
                        "# TYPE x_total counter\n"
                        "x_total{model=\"linear\",series=\"airline\"} 3\n"
                        "# TYPE y gauge\n"
                        "y 0.25\n"
                        "y{model=\"linear\"} NaN\n"
                        "# HELP z u\n"
                        "# TYPE z untyped\n"
                        "z{model=\"linear\"} -Inf\n");
    assert_int_equal(eddy_prom_buf_len(b), strlen(eddy_prom_buf_data(b)));
    eddy_prom_buf_destroy(b);
}

static void test_label_and_help_escaping(void **state)
{
    (void)state;
    eddy_prom_buf_t *b = eddy_prom_buf_new(0);
    assert_non_null(b);
    eddy_prom_label_t l = {"series", "a\\b\"c\nd\xc3\xa9"};
    assert_int_equal(
        eddy_prom_family(b, "g", EDDY_PROM_GAUGE, "back\\slash \"q\"\nline"), 0);
    assert_int_equal(eddy_prom_sample(b, &l, 1, 1), 0);
    assert_string_equal(eddy_prom_buf_data(b),
                        "# HELP g back\\\\slash \"q\"\\nline\n"
                        "# TYPE g gauge\n"
                        "g{series=\"a\\\\b\\\"c\\nd\xc3\xa9\"} 1\n");
    eddy_prom_buf_destroy(b);
}

static void test_invalid_names_and_utf8(void **state)
{
    (void)state;
    struct {
        const char *family;
        eddy_prom_type_t type;
        const char *label;
        const char *value;
    } bad[] = {
        {"1abc", EDDY_PROM_GAUGE, "a", "v"},
        {"", EDDY_PROM_GAUGE, "a", "v"},
        {"a-b", EDDY_PROM_GAUGE, "a", "v"},
        {"count", EDDY_PROM_COUNTER, "a", "v"},
        {"ok", EDDY_PROM_GAUGE, "__x", "v"},
        {"ok", EDDY_PROM_GAUGE, "a:b", "v"},
        {"ok", EDDY_PROM_GAUGE, "9a", "v"},
        {"ok", EDDY_PROM_GAUGE, "a", "\xff"},
        {"ok", EDDY_PROM_GAUGE, "a", "\xc0\xaf"},     /* overlong '/' */
        {"ok", EDDY_PROM_GAUGE, "a", "\xed\xa0\x80"}, /* surrogate */
        {"ok", EDDY_PROM_GAUGE, "a", "\xe2\x82"},     /* truncated */
        {"ok", EDDY_PROM_GAUGE, "a", NULL},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        eddy_prom_buf_t *b = eddy_prom_buf_new(0);
        assert_non_null(b);
        int rc = eddy_prom_family(b, bad[i].family, bad[i].type, "h");
        if (rc == EDDY_PROM_OK) {
            eddy_prom_label_t l = {bad[i].label, bad[i].value};
            rc = eddy_prom_sample(b, &l, 1, 1.0);
        }
        assert_int_equal(rc, EDDY_PROM_EINVAL);
        assert_int_equal(eddy_prom_buf_error(b), EDDY_PROM_EINVAL);
        assert_true(strlen(eddy_prom_buf_errstr(b)) > 0);
        eddy_prom_buf_destroy(b);
    }
    assert_true(eddy_prom_valid_label_value("plain \xf0\x9f\x98\x80 emoji"));
    assert_false(eddy_prom_valid_label_value("\xf5\x80\x80\x80"));
    /* Colons are fine in metric names, a leading underscore in labels too. */
    eddy_prom_buf_t *b = eddy_prom_buf_new(0);
    assert_non_null(b);
    eddy_prom_label_t l = {"_x1", "v"};
    assert_int_equal(eddy_prom_family(b, "job:rate_5m", EDDY_PROM_GAUGE, "h"), 0);
    assert_int_equal(eddy_prom_sample(b, &l, 1, 1.0), 0);
    eddy_prom_buf_destroy(b);
}

static void test_duplicate_family_and_misuse(void **state)
{
    (void)state;
    eddy_prom_buf_t *b = eddy_prom_buf_new(0);
    assert_non_null(b);
    /* Sample before any family. */
    assert_int_equal(eddy_prom_sample(b, NULL, 0, 1), EDDY_PROM_ESTATE);
    eddy_prom_buf_reset(b);
    assert_int_equal(eddy_prom_buf_error(b), EDDY_PROM_OK);

    /* Plain sample into a histogram family; histogram into a gauge. */
    assert_int_equal(eddy_prom_family(b, "h", EDDY_PROM_HISTOGRAM, "h"), 0);
    assert_int_equal(eddy_prom_sample(b, NULL, 0, 1), EDDY_PROM_ESTATE);
    eddy_prom_buf_reset(b);
    const double bounds[1] = {1};
    const uint64_t counts[2] = {1, 1};
    assert_int_equal(eddy_prom_family(b, "g", EDDY_PROM_GAUGE, "g"), 0);
    assert_int_equal(eddy_prom_histogram(b, NULL, 0, bounds, 1, counts, 1),
                     EDDY_PROM_ESTATE);
    eddy_prom_buf_reset(b);

    /* Re-opening a family (samples would no longer be contiguous). */
    assert_int_equal(eddy_prom_family(b, "a", EDDY_PROM_GAUGE, "a"), 0);
    assert_int_equal(eddy_prom_sample(b, NULL, 0, 1), 0);
    assert_int_equal(eddy_prom_family(b, "b", EDDY_PROM_GAUGE, "b"), 0);
    size_t len = eddy_prom_buf_len(b);
    assert_int_equal(eddy_prom_family(b, "a", EDDY_PROM_GAUGE, "a"), EDDY_PROM_EDUP);
    /* Sticky: later calls fail the same way and write nothing. */
    assert_int_equal(eddy_prom_family(b, "c", EDDY_PROM_GAUGE, "c"), EDDY_PROM_EDUP);
    assert_int_equal(eddy_prom_sample(b, NULL, 0, 1), EDDY_PROM_EDUP);
    assert_int_equal(eddy_prom_buf_len(b), len);
    assert_non_null(strstr(eddy_prom_buf_errstr(b), "\"a\""));
    assert_string_equal(eddy_prom_strerror(EDDY_PROM_EDUP),
                        "metric family written twice");

    /* Reset clears text, families and the error. */
    eddy_prom_buf_reset(b);
    assert_int_equal(eddy_prom_buf_len(b), 0);
    assert_int_equal(eddy_prom_family(b, "a", EDDY_PROM_GAUGE, "a"), 0);
    eddy_prom_buf_destroy(b);
}

/* Parses "name{...le="X"...} value" lines of one histogram and checks the
 * invariants: cumulative buckets, +Inf last and equal to _count. */
static void test_histogram_invariants(void **state)
{
    (void)state;
    eddy_prom_buf_t *b = eddy_prom_buf_new(0);
    assert_non_null(b);
    const double bounds[4] = {0.001, 0.01, 0.1, 1};
    const uint64_t counts[5] = {3, 0, 5, 2, 4};
    eddy_prom_label_t l = {"model", "knn"};
    assert_int_equal(
        eddy_prom_family(b, "lat_seconds", EDDY_PROM_HISTOGRAM, "Latency."), 0);
    assert_int_equal(eddy_prom_histogram(b, &l, 1, bounds, 4, counts, 12.5), 0);
    assert_string_equal(eddy_prom_buf_data(b),
                        "# HELP lat_seconds Latency.\n"
                        "# TYPE lat_seconds histogram\n"
                        "lat_seconds_bucket{model=\"knn\",le=\"0.001\"} 3\n"
                        "lat_seconds_bucket{model=\"knn\",le=\"0.01\"} 3\n"
                        "lat_seconds_bucket{model=\"knn\",le=\"0.1\"} 8\n"
                        "lat_seconds_bucket{model=\"knn\",le=\"1\"} 10\n"
                        "lat_seconds_bucket{model=\"knn\",le=\"+Inf\"} 14\n"
                        "lat_seconds_sum{model=\"knn\"} 12.5\n"
                        "lat_seconds_count{model=\"knn\"} 14\n");

    /* Random histograms: parse back and check the invariants. */
    uint64_t s = 7;
    for (int round = 0; round < 50; round++) {
        eddy_prom_buf_reset(b);
        uint64_t c[5];
        uint64_t total = 0;
        for (int i = 0; i < 5; i++) {
            c[i] = (lcg_next(&s) >> 33) % 1000;
            total += c[i];
        }
        assert_int_equal(eddy_prom_family(b, "h", EDDY_PROM_HISTOGRAM, "h"), 0);
        assert_int_equal(eddy_prom_histogram(b, NULL, 0, bounds, 4, c, 1.5), 0);
        const char *p = eddy_prom_buf_data(b);
        double prev = -1, inf_value = -1, count_value = -2;
        int buckets = 0;
        while ((p = strchr(p, '\n')) != NULL && *++p != '\0') {
            const char *eol = strchr(p, '\n');
            const char *val = eol;
            while (val > p && val[-1] != ' ') {
                val--;
            }
            double v = strtod(val, NULL);
            if (strncmp(p, "h_bucket{", 9) == 0) {
                assert_true(v >= prev);
                prev = v;
                buckets++;
                if (strncmp(p, "h_bucket{le=\"+Inf\"}", 19) == 0) {
                    inf_value = v;
                }
            } else if (strncmp(p, "h_count ", 8) == 0) {
                count_value = v;
            }
        }
        assert_int_equal(buckets, 5);
        assert_true(inf_value == (double)total);
        assert_true(count_value == (double)total);
        assert_true(prev == inf_value);
    }

    /* Bad bounds and an "le" label are rejected. */
    const double unsorted[3] = {1, 1, 2};
    const double infinite[2] = {1, INFINITY};
    eddy_prom_buf_reset(b);
    eddy_prom_family(b, "h", EDDY_PROM_HISTOGRAM, "h");
    assert_int_equal(eddy_prom_histogram(b, NULL, 0, unsorted, 3, counts, 0),
                     EDDY_PROM_EINVAL);
    eddy_prom_buf_reset(b);
    eddy_prom_family(b, "h", EDDY_PROM_HISTOGRAM, "h");
    assert_int_equal(eddy_prom_histogram(b, NULL, 0, infinite, 2, counts, 0),
                     EDDY_PROM_EINVAL);
    eddy_prom_buf_reset(b);
    eddy_prom_family(b, "h", EDDY_PROM_HISTOGRAM, "h");
    eddy_prom_label_t le = {"le", "1"};
    assert_int_equal(eddy_prom_histogram(b, &le, 1, bounds, 4, counts, 0),
                     EDDY_PROM_EINVAL);
    eddy_prom_buf_destroy(b);
}

static void test_buffer_growth(void **state)
{
    (void)state;
    eddy_prom_buf_t *b = eddy_prom_buf_new(1);
    assert_non_null(b);
    assert_int_equal(eddy_prom_family(b, "g", EDDY_PROM_GAUGE, "g"), 0);
    char value[16];
    eddy_prom_label_t l = {"i", value};
    for (int i = 0; i < 5000; i++) {
        snprintf(value, sizeof value, "%d", i);
        assert_int_equal(eddy_prom_sample(b, &l, 1, i), 0);
    }
    const char *text = eddy_prom_buf_data(b);
    assert_int_equal(strlen(text), eddy_prom_buf_len(b));
    assert_non_null(strstr(text, "\ng{i=\"0\"} 0\n"));
    assert_non_null(strstr(text, "\ng{i=\"4999\"} 4999\n"));
    eddy_prom_buf_destroy(b);
}

/* A writer over a caller's buffer appends after what it holds and never
 * frees it (how an HTTP body is built). */
static void test_over_caller_buffer(void **state)
{
    (void)state;
    eddy_buf_t body = EDDY_BUF_INIT;
    eddy_buf_printf(&body, "# before\n");
    eddy_prom_buf_t *b = eddy_prom_buf_over(&body);
    assert_non_null(b);
    eddy_prom_label_t l = {"stage", "le\"arn"};
    assert_int_equal(eddy_prom_family(b, "x_total", EDDY_PROM_COUNTER, "Xs."), 0);
    assert_int_equal(eddy_prom_sample(b, &l, 1, 3), 0);
    eddy_prom_buf_destroy(b);
    assert_string_equal(body.data, "# before\n# HELP x_total Xs.\n# TYPE x_total "
                                   "counter\nx_total{stage=\"le\\\"arn\"} 3\n");
    eddy_buf_free(&body);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_buf_new_destroy),
        cmocka_unit_test(test_format_double_special_and_short),
        cmocka_unit_test(test_format_double_roundtrip),
        cmocka_unit_test(test_family_and_samples_exact),
        cmocka_unit_test(test_label_and_help_escaping),
        cmocka_unit_test(test_invalid_names_and_utf8),
        cmocka_unit_test(test_duplicate_family_and_misuse),
        cmocka_unit_test(test_histogram_invariants),
        cmocka_unit_test(test_buffer_growth),
        cmocka_unit_test(test_over_caller_buffer),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
