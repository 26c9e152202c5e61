/* test_drift.c: util/drift.h against River. tests/golden/drift-page-
 * hinkley.csv is River 0.26.1's drift.PageHinkley() (defaults) on a fixed
 * residual sequence with level shifts (tests/golden/gen_drift.py); eddy's
 * detector must detect at exactly the same steps. tests/golden/drift-adwin
 * *.csv are River's drift.ADWIN() (defaults) on three sequences
 * (gen_drift_adwin.py): the same detection steps, and after every step the
 * same width and the same estimation and variance bit for bit. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/drift.h"

static void test_page_hinkley_golden(void **state)
{
    const char *dir = getenv("EDDY_SOURCE_DIR");
    char path[1024], line[256];
    eddy_ph_conf_t conf = eddy_ph_default();
    eddy_ph_t ph;
    int steps = 0, detections = 0;
    FILE *f;

    (void)state;
    snprintf(path, sizeof(path), "%s/tests/golden/drift-page-hinkley.csv",
             dir ? dir : ".");
    assert_non_null(f = fopen(path, "r"));
    eddy_ph_reset(&ph);
    assert_non_null(fgets(line, sizeof(line), f)); /* header */
    while (fgets(line, sizeof(line), f)) {
        int step, want;
        double x;
        assert_int_equal(sscanf(line, "%d,%lf,%d", &step, &x, &want), 3);
        assert_int_equal(step, steps);
        if (eddy_ph_update(&conf, &ph, x) != want)
            fail_msg("step %d: eddy %s, River %s", step, want ? "missed" : "detected",
                     want ? "detected" : "did not");
        detections += want;
        steps++;
    }
    fclose(f);
    assert_int_equal(steps, 1000);
    assert_true(detections >= 2); /* the level shifts are there to be found */
}

static void test_page_hinkley_modes(void **state)
{
    eddy_ph_conf_t up = eddy_ph_default(), down = eddy_ph_default();
    eddy_ph_t a, b;
    int hit_up = -1, hit_down = -1;

    (void)state;
    up.mode = EDDY_PH_UP;
    down.mode = EDDY_PH_DOWN;
    eddy_ph_reset(&a);
    eddy_ph_reset(&b);
    /* a rise of 10 after 50 steps at 0: up detects it, down never */
    for (int i = 0; i < 200; i++) {
        double x = i < 50 ? 0.0 : 10.0;
        if (eddy_ph_update(&up, &a, x) && hit_up < 0)
            hit_up = i;
        if (eddy_ph_update(&down, &b, x) && hit_down < 0)
            hit_down = i;
    }
    assert_in_range(hit_up, 50, 60);
    assert_int_equal(hit_down, -1);
}

/* One row of a drift-adwin*.csv file. */
typedef struct adwin_row_s {
    int step, detected;
    long long width;
    double x, estimation, variance;
} adwin_row_t;

static int same_bits(double a, double b)
{
    return memcmp(&a, &b, sizeof(a)) == 0;
}

static void adwin_check_row(const eddy_adwin_t *a, int got, const adwin_row_t *w)
{
    double est = eddy_adwin_estimation(a);

    if (got != w->detected)
        fail_msg("step %d: eddy %s, River %s", w->step,
                 w->detected ? "missed" : "detected",
                 w->detected ? "detected" : "did not");
    if (a->width != w->width)
        fail_msg("step %d: width %lld, River %lld", w->step, (long long)a->width,
                 w->width);
    if (!same_bits(est, w->estimation) || !same_bits(a->variance, w->variance))
        fail_msg("step %d: estimation %.17g variance %.17g, River %.17g %.17g", w->step,
                 est, a->variance, w->estimation, w->variance);
}

/* Replays FILE through a default ADWIN; returns its detections. */
static int adwin_golden(const char *file, int want_steps)
{
    const char *dir = getenv("EDDY_SOURCE_DIR");
    char path[1024], line[256];
    eddy_adwin_conf_t conf = eddy_adwin_default();
    eddy_adwin_t *a = malloc(sizeof(*a));
    int steps = 0, detections = 0;
    adwin_row_t w;
    FILE *f;

    snprintf(path, sizeof(path), "%s/tests/golden/%s", dir ? dir : ".", file);
    assert_non_null(a);
    assert_non_null(f = fopen(path, "r"));
    eddy_adwin_reset(a);
    assert_non_null(fgets(line, sizeof(line), f)); /* header */
    while (fgets(line, sizeof(line), f)) {
        assert_int_equal(sscanf(line, "%d,%lf,%d,%lld,%lf,%lf", &w.step, &w.x,
                                &w.detected, &w.width, &w.estimation, &w.variance),
                         6);
        assert_int_equal(w.step, steps);
        adwin_check_row(a, eddy_adwin_update(&conf, a, w.x), &w);
        detections += w.detected;
        steps++;
    }
    fclose(f);
    free(a);
    assert_int_equal(steps, want_steps);
    return detections;
}

static void test_adwin_golden(void **state)
{
    (void)state;
    assert_true(adwin_golden("drift-adwin.csv", 1000) >= 3); /* three shifts */
    assert_true(adwin_golden("drift-adwin-noisy.csv", 3000) >= 5);
    assert_true(adwin_golden("drift-adwin-long.csv", 20000) >= 4);
}

/* A saved state loads back to the same state, which continues the same;
 * a damaged one is refused. */
static void test_adwin_save_load(void **state)
{
    eddy_adwin_conf_t conf = eddy_adwin_default();
    eddy_adwin_t *a = calloc(2, sizeof(*a)), *b = a + 1;
    eddy_buf_t buf = {0};
    eddy_reader_t r;

    (void)state;
    assert_non_null(a);
    eddy_adwin_reset(a);
    for (int i = 0; i < 777; i++)
        eddy_adwin_update(&conf, a, (i % 7) * 0.5 + (i > 500 ? 4.0 : 0.0));
    eddy_adwin_save(a, &buf);
    assert_false(buf.failed);
    r = (eddy_reader_t){(const uint8_t *)buf.data, buf.len, 0, 0};
    eddy_adwin_load(b, &r);
    assert_false(r.err);
    assert_int_equal(r.pos, buf.len);
    assert_memory_equal(a, b, sizeof(*a));
    for (int i = 0; i < 300; i++) {
        double x = (i % 5) - 3.0;
        assert_int_equal(eddy_adwin_update(&conf, a, x),
                         eddy_adwin_update(&conf, b, x));
    }
    assert_memory_equal(a, b, sizeof(*a));
    buf.data[0] ^= 1; /* the width no longer matches the buckets */
    r = (eddy_reader_t){(const uint8_t *)buf.data, buf.len, 0, 0};
    eddy_adwin_load(b, &r);
    assert_true(r.err);
    eddy_buf_free(&buf);
    free(a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_page_hinkley_golden),
        cmocka_unit_test(test_page_hinkley_modes),
        cmocka_unit_test(test_adwin_golden),
        cmocka_unit_test(test_adwin_save_load),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
