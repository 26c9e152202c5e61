/* test_pins.c: the pins in force (processors/evaluate/pins.h), and the
 * operator and reason of the last unpin, which the unpin event carries. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "pins.h"

static void apply(eddy_pins_t *p, const char *command, const char *series,
                  const char *model, const char *op, const char *reason)
{
    eddy_control_t c;
    char err[256];

    memset(&c, 0, sizeof(c));
    snprintf(c.command, sizeof(c.command), "%s", command);
    snprintf(c.series_id, sizeof(c.series_id), "%s", series);
    snprintf(c.model, sizeof(c.model), "%s", model);
    snprintf(c.operator_name, sizeof(c.operator_name), "%s", op);
    snprintf(c.reason, sizeof(c.reason), "%s", reason);
    if (eddy_pins_apply(p, &c, err, sizeof(err)))
        fail_msg("%s %s: %s", command, series, err);
}

static void test_pin_unpin_reasons(void **state)
{
    eddy_pins_t *p = eddy_pins_new(2);

    (void)state;
    assert_non_null(p);
    assert_null(eddy_pins_unpin_reason(p, "x"));
    apply(p, "pin", "x", "ridge", "ana", "holiday season");
    assert_string_equal(eddy_pins_for(p, "x")->model, "ridge");
    assert_string_equal(eddy_pins_for(p, "x")->reason, "operator ana: holiday season");
    apply(p, "unpin", "x", "", "bob", "season over");
    assert_null(eddy_pins_for(p, "x"));
    assert_string_equal(eddy_pins_unpin_reason(p, "x"), "operator bob: season over");
    assert_null(eddy_pins_unpin_reason(p, "y"));
    /* unpin *: every series reads its reason, own ones are gone */
    apply(p, "pin", "*", "snaive", "ana", "freeze");
    apply(p, "unpin", "*", "", "cy", "thaw");
    assert_null(eddy_pins_for(p, "y"));
    assert_string_equal(eddy_pins_unpin_reason(p, "x"), "operator cy: thaw");
    assert_string_equal(eddy_pins_unpin_reason(p, "y"), "operator cy: thaw");
    /* the table stays bounded: more unpinned series than the cap */
    for (int i = 0; i < 10; i++) {
        char s[16];
        snprintf(s, sizeof(s), "s%d", i);
        apply(p, "unpin", s, "", "", "r");
        assert_string_equal(eddy_pins_unpin_reason(p, s), "operator (unnamed): r");
    }
    eddy_pins_destroy(p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pin_unpin_reasons),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
