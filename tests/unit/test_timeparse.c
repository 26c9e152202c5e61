/* test_timeparse.c: event times from text (util/timeparse.h): every ISO
 * 8601 form, epoch seconds and milliseconds told apart by digit count,
 * --time-unit, --time-format (strptime with %z), and the refusals with
 * their reasons. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "util/timeparse.h"

#define T_2024_03_01 1709251200000LL /* 2024-03-01T00:00:00Z */
#define HOUR         3600000LL

typedef struct good_s {
    const char *text;
    int64_t ms;
} good_t;

static void expect_good(const good_t *g, size_t n, const eddy_time_opts_t *o)
{
    char why[512];

    for (size_t i = 0; i < n; i++) {
        int64_t ms = 0;
        why[0] = '\0';
        if (eddy_time_parse(g[i].text, strlen(g[i].text), o, &ms, why, sizeof(why)) ||
            ms != g[i].ms)
            fail_msg("'%s': %lld, expected %lld (%s)", g[i].text, (long long)ms,
                     (long long)g[i].ms, why);
    }
}

/* TEXT refused, *ms untouched, the reason naming every NEEDLE. */
static void expect_bad(const char *text, const eddy_time_opts_t *o, ...)
{
    char why[512] = "";
    int64_t ms = 4242;
    va_list ap;
    const char *needle;

    if (eddy_time_parse(text, strlen(text), o, &ms, why, sizeof(why)) != -1)
        fail_msg("'%s' accepted as %lld", text, (long long)ms);
    assert_int_equal(ms, 4242);
    va_start(ap, o);
    while ((needle = va_arg(ap, const char *)))
        if (!strstr(why, needle))
            fail_msg("'%s': reason '%s' does not name '%s'", text, why, needle);
    va_end(ap);
}

static void test_iso(void **state)
{
    (void)state;
    static const good_t good[] = {
        {"2024-03-01T00:00:00.000Z", T_2024_03_01},
        {"2024-03-01T01:00:00+01:00", T_2024_03_01},
        {"2024-03-01 02:00:00+00:00", T_2024_03_01 + 2 * HOUR},
        {"2024-03-01T03:00:00.123456", T_2024_03_01 + 3 * HOUR + 123},
        {"2024-03-01T04:00:00Z", T_2024_03_01 + 4 * HOUR},
        {"2024-03-01T05:00", T_2024_03_01 + 5 * HOUR},
        {"2024-03-01t05:00z", T_2024_03_01 + 5 * HOUR},
        {"2024-03-01T00:00:00.5Z", T_2024_03_01 + 500},
        {"2024-03-01T00:00:00,25Z", T_2024_03_01 + 250},
        {"2024-03-01T00:00:00.123456789123Z", T_2024_03_01 + 123},
        {"2024-03-01T05:30+0530", T_2024_03_01},
        {"2024-02-29T19:00-05:00", T_2024_03_01},
        {"2024-02-29T19:00:00-05", T_2024_03_01},
        {"2024-03-01", T_2024_03_01},
        {"20240301", T_2024_03_01},
        {"2024-03", T_2024_03_01},
        {"1949", -662688000000LL},
    };
    expect_good(good, sizeof(good) / sizeof(good[0]), NULL);
}

static void test_epoch(void **state)
{
    (void)state;
    static const good_t good[] = {
        {"1709251200", T_2024_03_01},          /* 10 digits: seconds */
        {"1709251200.25", T_2024_03_01 + 250}, /* with a fraction */
        {"999999999", 999999999000LL},         /* 9 digits: seconds (2001) */
        {"1709251200000", T_2024_03_01},       /* 13 digits: milliseconds */
        {"100000000000", 100000000000LL},      /* 12 digits: milliseconds (1973) */
    };
    expect_good(good, sizeof(good) / sizeof(good[0]), NULL);

    eddy_time_opts_t s = {NULL, EDDY_TIME_UNIT_S}, us = {NULL, EDDY_TIME_UNIT_US},
                     ns = {NULL, EDDY_TIME_UNIT_NS}, ms = {NULL, EDDY_TIME_UNIT_MS};
    static const good_t secs[] = {{"0", 0}, {"86400", 86400000LL}, {"-1", -1000}};
    expect_good(secs, 3, &s);
    static const good_t micros[] = {{"1709251200000000", T_2024_03_01}, {"-1", -1}};
    expect_good(micros, 2, &us);
    static const good_t nanos2[] = {{"17092512000000000", 17092512000LL}};
    expect_good(nanos2, 1, &ns);
    static const good_t millis[] = {{"5", 5}, {"-5", -5}};
    expect_good(millis, 2, &ms);
    expect_bad("1709251200000000000", &ns, "17 digits", NULL);
    expect_bad("12x", &s, "trailing", NULL);
    expect_bad("2024-03-01", &ms, "milliseconds", NULL);
}

static void test_format(void **state)
{
    (void)state;
    eddy_time_opts_t mon = {"%b %Y", EDDY_TIME_UNIT_AUTO};
    eddy_time_opts_t us = {"%m/%d/%Y", EDDY_TIME_UNIT_AUTO};
    eddy_time_opts_t tz = {"%d.%m.%Y %H:%M %z", EDDY_TIME_UNIT_AUTO};
    static const good_t g1[] = {{"Jan 1949", -662688000000LL},
                                {"Mar 2024", T_2024_03_01}};
    static const good_t g2[] = {{"1/1/1949", -662688000000LL},
                                {"03/01/2024", T_2024_03_01}};
    static const good_t g3[] = {{"01.03.2024 01:00 +0100", T_2024_03_01}};

    expect_good(g1, 2, &mon);
    expect_good(g2, 2, &us);
    expect_good(g3, 1, &tz);
    expect_bad("1949-01", &mon, "--time-format", "%b %Y", NULL);
    expect_bad("Jan 1949 extra", &mon, "trailing", NULL);
    expect_bad("02/30/2024", &us, "no such day", NULL);
}

static void test_refused(void **state)
{
    (void)state;
    static const char *const not_times[] = {"Jan 1949",
                                            "1/1/1949",
                                            "",
                                            "t42",
                                            "2024-03-01T",
                                            "2024-03-01T12",
                                            "2024-03-01T12:00:00.",
                                            "2024-03-01T12:00:00+1",
                                            "2024-03-01T12:00:00+01:",
                                            "2024-03-01T12:00:00+24:00",
                                            "2024-03-01T12:00:00 Z",
                                            "2024-03-01Z",
                                            "2024-03-01+01:00",
                                            " 2024-03-01",
                                            "2024-03-01 ",
                                            "2024-3-1",
                                            "2024-03-01T24:00",
                                            "2024-03-01T23:60",
                                            "2024-03-01T23:59:61"};
    for (size_t i = 0; i < sizeof(not_times) / sizeof(not_times[0]); i++)
        expect_bad(not_times[i], NULL, NULL);
    expect_bad("Jan 1949", NULL, "'Jan 1949'", "ISO 8601", "--time-format", NULL);
    expect_bad("2024-13", NULL, "month 13", NULL);
    expect_bad("2023-02-29", NULL, "February 2023 has no day 29", NULL);
    expect_bad("20231301", NULL, "month 13", NULL);
    /* digit counts that are neither a year, a date nor an epoch number */
    expect_bad("19490", NULL, "5-digit", "--time-unit", NULL);
    expect_bad("12345678901", NULL, "11-digit", NULL);
    expect_bad("12345678901234", NULL, "14-digit", NULL);
    expect_bad("1709251200000.5", NULL, "13-digit", NULL);
    expect_bad("-1709251200", NULL, "ISO 8601", NULL);
}

static void test_units(void **state)
{
    (void)state;
    eddy_time_unit_t u;

    assert_int_equal(eddy_time_unit_from_name("auto", &u), 0);
    assert_int_equal(u, EDDY_TIME_UNIT_AUTO);
    assert_int_equal(eddy_time_unit_from_name("ns", &u), 0);
    assert_int_equal(u, EDDY_TIME_UNIT_NS);
    assert_int_equal(eddy_time_unit_from_name("sec", &u), -1);
    assert_int_equal(eddy_days_from_civil(1970, 1, 1), 0);
    assert_int_equal(eddy_days_from_civil(2000, 3, 1), 11017);
    /* len is honoured: bytes after it are not part of the time */
    int64_t ms;
    assert_int_equal(eddy_time_parse("2024-03-01garbage", 10, NULL, &ms, NULL, 0), 0);
    assert_int_equal(ms, T_2024_03_01);
}

/* Calendar steps: monthly, quarterly and yearly data project to the same
 * day of later months; anything else is not a month step. */
static void test_month_step(void **state)
{
    const int64_t day = 86400000LL;
    int64_t dec = eddy_days_from_civil(2010, 12, 1) * day;
    int64_t nov = eddy_days_from_civil(2010, 11, 1) * day;
    int64_t sep = eddy_days_from_civil(2010, 9, 1) * day;
    int64_t k, y;
    int m, d;

    (void)state;
    assert_int_equal(eddy_time_month_step(nov, dec, 1, &k), 1);
    assert_int_equal(k, 1);
    assert_int_equal(eddy_time_add_months(dec, 1),
                     eddy_days_from_civil(2011, 1, 1) * day);
    assert_int_equal(eddy_time_add_months(dec, 3),
                     eddy_days_from_civil(2011, 3, 1) * day);
    assert_int_equal(eddy_time_month_step(sep, dec, 1, &k), 1); /* quarterly */
    assert_int_equal(k, 3);
    assert_int_equal(eddy_time_month_step(sep, dec, 3, &k), 1); /* a gap of 2 */
    assert_int_equal(k, 1);
    assert_int_equal(eddy_time_month_step(sep, dec, 2, &k), 0);       /* 3 / 2 */
    assert_int_equal(eddy_time_month_step(dec - day, dec, 1, &k), 0); /* daily */
    assert_int_equal(eddy_time_month_step(nov + 1, dec, 1, &k), 0);   /* clock */
    assert_int_equal(eddy_time_month_step(dec, nov, 1, &k), 0);
    /* the 31st is not a month step (no 31st in every month) */
    assert_int_equal(eddy_time_month_step(eddy_days_from_civil(2010, 10, 31) * day,
                                          eddy_days_from_civil(2010, 12, 31) * day, 2,
                                          &k),
                     0);
    /* before 1970, and the round trip of days */
    assert_int_equal(
        eddy_time_add_months(eddy_days_from_civil(1949, 12, 1) * day + 5, 2),
        eddy_days_from_civil(1950, 2, 1) * day + 5);
    for (int64_t n = -800000; n <= 800000; n += 997) {
        eddy_civil_from_days(n, &y, &m, &d);
        assert_int_equal(eddy_days_from_civil(y, m, d), n);
    }
    assert_int_equal(eddy_time_month_step(-20000000000000000LL, dec, 1, &k), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_iso),    cmocka_unit_test(test_epoch),
        cmocka_unit_test(test_format), cmocka_unit_test(test_refused),
        cmocka_unit_test(test_units),  cmocka_unit_test(test_month_step),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
