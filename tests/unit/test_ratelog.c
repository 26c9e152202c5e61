/* test_ratelog.c: util/ratelog.h: one line per key per interval, the lines
 * held back counted and handed to the next line; keys apart. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>

#include "util/ratelog.h"

static void test_one_line_per_minute(void **state)
{
    eddy_ratelog_t *rl = malloc(sizeof(*rl));
    uint64_t held = 99;

    (void)state;
    eddy_ratelog_init(rl, 60000);
    assert_int_equal(eddy_ratelog_due(rl, "late", "s1", 2, 1000, &held), 1);
    assert_int_equal(held, 0);
    for (int i = 1; i <= 5; i++)
        assert_int_equal(eddy_ratelog_due(rl, "late", "s1", 2, 1000 + i * 1000, &held),
                         0);
    /* another key, another kind: their own lines */
    assert_int_equal(eddy_ratelog_due(rl, "late", "s2", 2, 2000, &held), 1);
    assert_int_equal(eddy_ratelog_due(rl, "gap", "s1", 2, 2000, &held), 1);
    assert_int_equal(held, 0);
    /* a minute after the first line: due, with the 5 held back */
    assert_int_equal(eddy_ratelog_due(rl, "late", "s1", 2, 61000, &held), 1);
    assert_int_equal(held, 5);
    assert_int_equal(eddy_ratelog_due(rl, "late", "s1", 2, 61001, &held), 0);
    /* a clock that went back does not silence a key */
    assert_int_equal(eddy_ratelog_due(rl, "late", "s1", 2, 10, &held), 1);
    assert_int_equal(held, 1);
    /* interval 0: every line */
    eddy_ratelog_init(rl, 0);
    for (int i = 0; i < 3; i++)
        assert_int_equal(eddy_ratelog_due(rl, "x", NULL, 0, 5, &held), 1);
    free(rl);
}

/* More keys than slots: memory stays bounded and no key is silenced for
 * longer than the interval. */
static void test_many_keys(void **state)
{
    eddy_ratelog_t *rl = malloc(sizeof(*rl));
    uint64_t held;
    int due = 0;

    (void)state;
    eddy_ratelog_init(rl, 60000);
    for (uint32_t k = 0; k < 10 * EDDY_RATELOG_SLOTS; k++)
        due += eddy_ratelog_due(rl, "k", &k, sizeof(k), 0, &held);
    assert_int_equal(due, 10 * EDDY_RATELOG_SLOTS);
    free(rl);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_one_line_per_minute),
        cmocka_unit_test(test_many_keys),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
