/* test_features.c: lag features (processors/features/features_core.h) —
 * in_1 is the previous value and in_N the oldest, zero-fill, exactly N lags,
 * no leakage of the current value, series isolation, duplicates, the cap.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "features_core.h"

static void obs_of(eddy_obs_t *o, const char *series, int64_t seq, double value)
{
    memset(o, 0, sizeof(*o));
    snprintf(o->series_id, sizeof(o->series_id), "%s", series);
    o->seq = seq;
    o->event_time_ms = 1000 * seq - 5;
    snprintf(o->input, sizeof(o->input), "t%lld", (long long)seq);
    o->value = value;
    o->produced_at_us = 77 + seq;
}

/* Processes one observation of SERIES into FV; the result. */
static eddy_features_result_t feed(eddy_features_t *f, const char *series, int64_t seq,
                                   double value, eddy_fv_t *fv)
{
    eddy_obs_t o;

    obs_of(&o, series, seq, value);
    return eddy_features_process(f, &o, fv, NULL);
}

/* Value of a series at step T: distinct per series and step, never 0. */
static double val(int series, int64_t t)
{
    return 1000.0 * (series + 1) + (double)t + 0.25;
}

/* Checks FV against the definition, for step T of a series with values val(S, .). */
static void check_fv(const eddy_fv_t *fv, int n, int s, int64_t t)
{
    assert_int_equal(fv->n_lags, n);
    assert_int_equal(fv->available_lags, t < n ? t : n);
    assert_true(fv->target == val(s, t));
    for (int i = 1; i <= n; i++) {
        double expect = t - i >= 0 ? val(s, t - i) : 0.0;
        if (fv->lags[i - 1] != expect)
            fail_msg("series %d step %lld: in_%d is %g, expected %g", s, (long long)t,
                     i, fv->lags[i - 1], expect);
        /* no leakage: the current value is never a feature */
        assert_true(fv->lags[i - 1] != fv->target);
    }
}

static void run_series(int n, int steps)
{
    eddy_features_t *f = eddy_features_new(n, 10);
    eddy_obs_t o;
    eddy_fv_t fv;

    assert_non_null(f);
    for (int t = 0; t < steps; t++) {
        obs_of(&o, "s", t, val(0, t));
        memset(&fv, 0x7f, sizeof(fv)); /* garbage that must be overwritten */
        assert_int_equal(eddy_features_process(f, &o, &fv, NULL), EDDY_FEATURES_OK);
        check_fv(&fv, n, 0, t);
        assert_string_equal(fv.series_id, "s");
        assert_int_equal(fv.seq, t);
        assert_int_equal(fv.event_time_ms, o.event_time_ms);
        assert_int_equal(fv.produced_at_us, o.produced_at_us);
    }
    assert_int_equal(eddy_features_series_count(f), 1);
    eddy_features_destroy(f);
}

static void test_order_and_zero_fill(void **state)
{
    (void)state;
    eddy_features_t *f = eddy_features_new(3, 10);
    eddy_fv_t fv;

    assert_int_equal(feed(f, "a", 0, 10.0, &fv), EDDY_FEATURES_OK);
    assert_true(fv.lags[0] == 0.0 && fv.lags[1] == 0.0 && fv.lags[2] == 0.0);
    assert_int_equal(fv.available_lags, 0);
    assert_int_equal(feed(f, "a", 1, 20.0, &fv), EDDY_FEATURES_OK);
    assert_true(fv.lags[0] == 10.0 && fv.lags[1] == 0.0 && fv.lags[2] == 0.0);
    assert_int_equal(fv.available_lags, 1);
    feed(f, "a", 2, 30.0, &fv);
    assert_true(fv.lags[0] == 20.0 && fv.lags[1] == 10.0 && fv.lags[2] == 0.0);
    feed(f, "a", 3, 40.0, &fv);
    /* in_1 = previous, in_3 = oldest */
    assert_true(fv.lags[0] == 30.0 && fv.lags[1] == 20.0 && fv.lags[2] == 10.0);
    assert_int_equal(fv.available_lags, 3);
    assert_true(fv.target == 40.0);
    feed(f, "a", 4, 50.0, &fv);
    assert_true(fv.lags[0] == 40.0 && fv.lags[1] == 30.0 && fv.lags[2] == 20.0);
    assert_int_equal(fv.available_lags, 3);
    eddy_features_destroy(f);
}

static void test_default_15(void **state)
{
    (void)state;
    run_series(15, 40);
}

static void test_n1(void **state)
{
    (void)state;
    run_series(1, 10);
}

static void test_n256(void **state)
{
    (void)state;
    run_series(EDDY_LAGS_MAX, 600);
}

static void test_bad_n(void **state)
{
    (void)state;
    assert_null(eddy_features_new(0, 10));
    assert_null(eddy_features_new(-1, 10));
    assert_null(eddy_features_new(EDDY_LAGS_MAX + 1, 10));
    eddy_features_destroy(NULL);
}

/* Interleaving series changes nothing for any of them. */
static void test_series_isolation(void **state)
{
    (void)state;
    enum { S = 3, T = 30, N = 4 };
    eddy_features_t *f = eddy_features_new(N, 10);
    eddy_fv_t fv;
    char name[16];

    /* series 0 every step, series 1 every other step, series 2 every third */
    int64_t next[S] = {0, 0, 0};
    for (int step = 0; step < T; step++) {
        for (int s = 0; s < S; s++) {
            if (step % (s + 1))
                continue;
            snprintf(name, sizeof(name), "series-%d", s);
            assert_int_equal(feed(f, name, next[s], val(s, next[s]), &fv),
                             EDDY_FEATURES_OK);
            assert_string_equal(fv.series_id, name);
            check_fv(&fv, N, s, next[s]);
            next[s]++;
        }
    }
    assert_int_equal(eddy_features_series_count(f), S);
    eddy_features_destroy(f);
}

static void test_duplicates(void **state)
{
    (void)state;
    eddy_features_t *f = eddy_features_new(2, 10);
    eddy_fv_t fv, before;

    assert_int_equal(feed(f, "d", 5, 1.0, &fv), EDDY_FEATURES_OK);
    assert_int_equal(feed(f, "d", 6, 2.0, &fv), EDDY_FEATURES_OK);
    /* the same event time with another value, and an older one: rejected,
     * state unchanged */
    assert_int_equal(feed(f, "d", 6, 99.0, &fv), EDDY_FEATURES_CONFLICT);
    assert_int_equal(feed(f, "d", 0, 98.0, &fv), EDDY_FEATURES_LATE);
    /* gaps in seq are fine */
    assert_int_equal(feed(f, "d", 10, 3.0, &before), EDDY_FEATURES_OK);
    assert_true(before.lags[0] == 2.0 && before.lags[1] == 1.0);
    /* a duplicate of one series does not affect another */
    assert_int_equal(feed(f, "e", 0, 4.0, &fv), EDDY_FEATURES_OK);
    assert_true(fv.lags[0] == 0.0);
    /* negative seqs are ordinary values */
    assert_int_equal(feed(f, "neg", -10, 1.0, &fv), EDDY_FEATURES_OK);
    assert_int_equal(feed(f, "neg", -10, 1.0, &fv), EDDY_FEATURES_DUPLICATE);
    eddy_features_destroy(f);
}

static void test_series_cap(void **state)
{
    (void)state;
    eddy_features_t *f = eddy_features_new(2, 2);
    eddy_fv_t fv;

    assert_int_equal(feed(f, "a", 0, 1.0, &fv), EDDY_FEATURES_OK);
    assert_int_equal(feed(f, "b", 0, 1.0, &fv), EDDY_FEATURES_OK);
    assert_int_equal(feed(f, "c", 0, 1.0, &fv), EDDY_FEATURES_SERIES_CAP);
    assert_int_equal(eddy_features_series_count(f), 2);
    /* known series go on */
    assert_int_equal(feed(f, "a", 1, 2.0, &fv), EDDY_FEATURES_OK);
    assert_true(fv.lags[0] == 1.0);
    assert_int_equal(feed(f, "c", 1, 1.0, &fv), EDDY_FEATURES_SERIES_CAP);
    eddy_features_destroy(f);

    f = eddy_features_new(2, 0);
    assert_int_equal(feed(f, "a", 0, 1.0, &fv), EDDY_FEATURES_SERIES_CAP);
    eddy_features_destroy(f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_order_and_zero_fill),
        cmocka_unit_test(test_default_15),
        cmocka_unit_test(test_n1),
        cmocka_unit_test(test_n256),
        cmocka_unit_test(test_bad_n),
        cmocka_unit_test(test_series_isolation),
        cmocka_unit_test(test_duplicates),
        cmocka_unit_test(test_series_cap),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
