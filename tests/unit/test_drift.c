/* test_drift.c: util/drift.h against River. tests/golden/drift-page-
 * hinkley.csv is River 0.26.1's drift.PageHinkley() (defaults) on a fixed
 * residual sequence with level shifts (tests/golden/gen_drift.py); eddy's
 * detector must detect at exactly the same steps. */
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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_page_hinkley_golden),
        cmocka_unit_test(test_page_hinkley_modes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
