/* test_ratelimit.c: the rate limit of repeated log lines (util/log.h):
 * the first line passes, the next ones within the interval are held back and
 * counted, and the next line after it carries that count. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <time.h>

#include "util/log.h"

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

static void test_ratelimit(void **state)
{
    (void)state;
    eddy_ratelimit_t rl = {0};
    uint64_t held = 99;

    assert_int_equal(eddy_ratelimit(&rl, 50, &held), 1);
    assert_int_equal(held, 0);
    for (int i = 0; i < 5; i++)
        assert_int_equal(eddy_ratelimit(&rl, 50, &held), 0);
    sleep_ms(60);
    assert_int_equal(eddy_ratelimit(&rl, 50, &held), 1);
    assert_int_equal(held, 5);
    assert_int_equal(eddy_ratelimit(&rl, 50, &held), 0);
    sleep_ms(60);
    assert_int_equal(eddy_ratelimit(&rl, 50, &held), 1);
    assert_int_equal(held, 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ratelimit),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
