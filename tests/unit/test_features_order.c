/* test_features_order.c: the features core's order by event time
 * (processors/features/features_core.h): dense seq across producers' seq
 * restarts, late records, exact and conflicting duplicates, gaps and the
 * step inferred from event times (or --frequency), the version-1 snapshot,
 * the metrics; the cases of tests/cases/ at the core level.
 */
#define _GNU_SOURCE /* timegm */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "features_core.h"
#include "util/snapshot.h"

#define HOUR 3600000LL
#define DAY  86400000LL

/* UTC milliseconds of a civil time. */
static int64_t utc(int y, int mo, int d, int h, int mi)
{
    struct tm tm = {.tm_year = y - 1900,
                    .tm_mon = mo - 1,
                    .tm_mday = d,
                    .tm_hour = h,
                    .tm_min = mi};
    return (int64_t)timegm(&tm) * 1000;
}

static eddy_features_result_t feed(eddy_features_t *f, const char *series, int64_t seq,
                                   int64_t t_ms, double value, eddy_fv_t *fv,
                                   eddy_features_note_t *note)
{
    eddy_obs_t o;

    memset(&o, 0, sizeof(o));
    snprintf(o.series_id, sizeof(o.series_id), "%s", series);
    o.seq = seq;
    o.event_time_ms = t_ms;
    o.value = value;
    return eddy_features_process(f, &o, fv, note);
}

/* Feeds the "YYYY-MM,value" rows of tests/cases/NAME as SERIES, seq from 0
 * as ingest numbers a file; counts the results by kind into RES. */
static void feed_case(eddy_features_t *f, const char *name, const char *series,
                      int res[6], eddy_fv_t *fvs, int *n_fv)
{
    const char *dir = getenv("EDDY_SOURCE_DIR");
    char path[1024], line[256];
    FILE *fp;
    int64_t seq = 0;

    snprintf(path, sizeof(path), "%s/tests/cases/%s", dir ? dir : ".", name);
    if (!(fp = fopen(path, "r")))
        fail_msg("cannot open %s (set EDDY_SOURCE_DIR)", path);
    while (fgets(line, sizeof(line), fp)) {
        int y, mo;
        double v;
        eddy_fv_t fv;
        if (sscanf(line, "%d-%d,%lf", &y, &mo, &v) != 3)
            continue; /* the header */
        eddy_features_result_t r =
            feed(f, series, seq++, utc(y, mo, 1, 0, 0), v, &fv, NULL);
        res[r]++;
        if (r == EDDY_FEATURES_OK)
            fvs[(*n_fv)++] = fv;
    }
    fclose(fp);
}

/* One series over two files whose seq both start at 0: all 24 learned, in
 * time order, with a dense seq (the case sales_2023.csv + sales_2024.csv). */
static void test_two_files_one_series(void **state)
{
    eddy_features_t *f = eddy_features_new(3, 10);
    eddy_fv_t fvs[64];
    int res[6] = {0}, n = 0;

    (void)state;
    feed_case(f, "sales_2023.csv", "sales", res, fvs, &n);
    feed_case(f, "sales_2024.csv", "sales", res, fvs, &n);
    assert_int_equal(n, 24);
    assert_int_equal(res[EDDY_FEATURES_OK], 24);
    for (int i = 0; i < n; i++) {
        assert_int_equal(fvs[i].seq, i);
        if (i > 0) {
            assert_true(fvs[i].event_time_ms > fvs[i - 1].event_time_ms);
            assert_true(fvs[i].lags[0] == fvs[i - 1].target);
        }
    }
    /* 2023-12 -> 2024-01 is one month: no gap */
    assert_int_equal(eddy_features_counts(f, "sales").gaps, 0);
    /* the second file once more: every row an exact duplicate or late */
    memset(res, 0, sizeof(res));
    feed_case(f, "sales_2024.csv", "sales", res, fvs, &n);
    assert_int_equal(res[EDDY_FEATURES_DUPLICATE], 3); /* the 3 lags remembered */
    assert_int_equal(res[EDDY_FEATURES_LATE], 9);
    assert_int_equal(n, 24);
    eddy_features_destroy(f);
}

/* A remembered event time (one of the last N, not only the last) with its
 * value is an exact duplicate, with another value a conflicting duplicate
 * (the note names the value kept); neither changes the lags or the step. */
static void test_duplicates_in_window(void **state)
{
    eddy_features_t *f = eddy_features_new(3, 10);
    eddy_features_note_t note;
    eddy_fv_t fv;

    (void)state;
    for (int i = 0; i < 4; i++)
        assert_int_equal(feed(f, "s", i, i * DAY, 10.0 + i, &fv, NULL),
                         EDDY_FEATURES_OK);
    assert_int_equal(feed(f, "s", 9, 2 * DAY, 12.0, &fv, &note),
                     EDDY_FEATURES_DUPLICATE);
    assert_int_equal(feed(f, "s", 9, 1 * DAY, 99.0, &fv, &note),
                     EDDY_FEATURES_CONFLICT);
    assert_true(note.other_value == 11.0);
    assert_int_equal(feed(f, "s", 9, 0, 10.0, &fv, &note),
                     EDDY_FEATURES_LATE); /* left the window */
    assert_int_equal(feed(f, "s", 0, 4 * DAY, 14.0, &fv, &note), EDDY_FEATURES_OK);
    assert_int_equal(fv.seq, 4);
    assert_true(fv.lags[0] == 13.0 && fv.lags[1] == 12.0 && fv.lags[2] == 11.0);
    eddy_features_counts_t c = eddy_features_counts(f, "s");
    assert_int_equal(c.duplicates, 1);
    assert_int_equal(c.conflicts, 1);
    assert_int_equal(c.late, 1);
    assert_int_equal(c.gaps, 0);
    eddy_features_destroy(f);
}

/* late_event.jsonl: hourly readings; 03:00 arrives after 05:00. */
static void test_late_record(void **state)
{
    static const struct {
        int64_t seq;
        int hour;
        double v;
    } rows[] = {{0, 0, 20}, {1, 1, 21}, {2, 2, 22}, {4, 4, 24},
                {5, 5, 25}, {3, 3, 23}, {6, 6, 26}, {7, 7, 27}};
    eddy_features_t *f = eddy_features_new(2, 10);
    eddy_features_note_t note;
    eddy_fv_t fv;
    int64_t next = 0;

    (void)state;
    for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
        int64_t t = utc(2024, 5, 1, rows[i].hour, 0);
        eddy_features_result_t r =
            feed(f, "sensor-7", rows[i].seq, t, rows[i].v, &fv, &note);
        if (rows[i].hour == 3) {
            assert_int_equal(r, EDDY_FEATURES_LATE);
            assert_int_equal(note.last_time_ms, utc(2024, 5, 1, 5, 0));
            continue;
        }
        assert_int_equal(r, EDDY_FEATURES_OK);
        assert_int_equal(fv.seq, next++);
        assert_int_equal(note.missing_steps, rows[i].hour == 4 ? 1 : 0);
        if (rows[i].hour == 6) /* the late value is not among the lags */
            assert_true(fv.lags[0] == 25 && fv.lags[1] == 24);
    }
    assert_int_equal(note.step.ms, HOUR);
    eddy_features_counts_t c = eddy_features_counts(f, "sensor-7");
    assert_int_equal(c.late, 1);
    assert_int_equal(c.gaps, 1);
    assert_int_equal(c.missing_steps, 1);
    assert_int_equal(eddy_features_counts(f, NULL).late, 1);
    eddy_features_destroy(f);
}

/* airpassengers_gappy.csv: 1950-04 missing, 1950-06 twice with different
 * values, 1950-08 after 1950-09. */
static void test_calendar_gaps(void **state)
{
    eddy_features_t *f = eddy_features_new(12, 10);
    eddy_fv_t fvs[64];
    int res[6] = {0}, n = 0;

    (void)state;
    feed_case(f, "airpassengers_gappy.csv", "air", res, fvs, &n);
    assert_int_equal(res[EDDY_FEATURES_CONFLICT], 1);
    assert_int_equal(res[EDDY_FEATURES_LATE], 1);
    assert_int_equal(res[EDDY_FEATURES_DUPLICATE], 0);
    assert_int_equal(res[EDDY_FEATURES_OK], 36 - 2);
    eddy_features_counts_t c = eddy_features_counts(f, "air");
    assert_int_equal(c.gaps, 2); /* 1950-03..05 and 1950-07..09 */
    assert_int_equal(c.missing_steps, 2);
    assert_int_equal(c.conflicts, 1);
    assert_int_equal(c.late, 1);
    for (int i = 0; i < n; i++)
        assert_int_equal(fvs[i].seq, i);
    /* lags are the last values observed: 1950-05's in_1 is 1950-03's */
    for (int i = 1; i < n; i++)
        if (fvs[i].event_time_ms == utc(1950, 5, 1, 0, 0))
            assert_true(fvs[i].lags[0] == 141);
    eddy_features_destroy(f);
}

/* The step: calendar months (first or last day), days, hours, minutes;
 * daily data that starts on the last day of a month is daily. */
static void check_step(int64_t t0, int64_t (*next)(int64_t), eddy_step_t want,
                       int64_t gap_after)
{
    eddy_features_t *f = eddy_features_new(2, 10);
    eddy_features_note_t note;
    eddy_fv_t fv;
    int64_t t = t0;

    for (int i = 0; i < 30; i++, t = next(t)) {
        if (i == gap_after)
            t = next(next(t)); /* two steps missing */
        assert_int_equal(feed(f, "s", 0, t, i, &fv, &note), EDDY_FEATURES_OK);
    }
    assert_int_equal(note.step.months, want.months);
    assert_int_equal(note.step.ms, want.ms);
    assert_int_equal(eddy_features_counts(f, "s").gaps, 1);
    assert_int_equal(eddy_features_counts(f, "s").missing_steps, 2);
    eddy_features_destroy(f);
}

static int64_t next_month_first(int64_t t)
{
    time_t s = (time_t)(t / 1000);
    struct tm tm;
    gmtime_r(&s, &tm);
    return utc(tm.tm_year + 1900 + (tm.tm_mon == 11), (tm.tm_mon + 1) % 12 + 1, 1, 0,
               0);
}

static int64_t next_month_last(int64_t t)
{
    /* the day before the first of the month after next */
    return next_month_first(next_month_first(t)) - DAY;
}

static int64_t next_quarter(int64_t t)
{
    return next_month_first(next_month_first(next_month_first(t)));
}

static int64_t next_day(int64_t t)
{
    return t + DAY;
}
static int64_t next_15min(int64_t t)
{
    return t + 15 * 60000;
}

static void test_step_inference(void **state)
{
    (void)state;
    check_step(utc(1949, 1, 1, 0, 0), next_month_first, (eddy_step_t){.months = 1}, 5);
    check_step(utc(2023, 1, 31, 0, 0), next_month_last, (eddy_step_t){.months = 1}, 20);
    check_step(utc(2000, 1, 1, 0, 0), next_quarter, (eddy_step_t){.months = 3}, 3);
    check_step(utc(2024, 1, 31, 0, 0), next_day, (eddy_step_t){.ms = DAY}, 10);
    check_step(utc(2024, 5, 1, 0, 0), next_15min, (eddy_step_t){.ms = 15 * 60000}, 2);
}

/* --frequency fixes the step: a first interval of two months is a gap. */
static void test_frequency(void **state)
{
    eddy_features_t *f = eddy_features_new(2, 10);
    eddy_features_note_t note;
    eddy_step_t step;
    eddy_fv_t fv;
    char err[256];

    (void)state;
    assert_int_equal(eddy_step_parse("monthly", &step, err, sizeof(err)), 0);
    eddy_features_set_frequency(f, step);
    feed(f, "s", 0, utc(2020, 1, 15, 0, 0), 1, &fv, &note);
    feed(f, "s", 1, utc(2020, 3, 2, 0, 0), 2, &fv, &note);
    assert_int_equal(note.missing_steps, 1);
    assert_int_equal(note.step.months, 1);
    eddy_features_destroy(f);

    assert_int_equal(eddy_step_parse("15min", &step, err, sizeof(err)), 0);
    assert_int_equal(step.ms, 900000);
    assert_int_equal(eddy_step_parse("3mo", &step, err, sizeof(err)), 0);
    assert_int_equal(step.months, 3);
    assert_int_equal(eddy_step_parse("auto", &step, err, sizeof(err)), 0);
    assert_true(!step.months && !step.ms);
    static const char *bad[] = {"", "0d", "-1h", "1 d", "1w", "weekly", "2.5h", "h"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        err[0] = '\0';
        assert_int_equal(eddy_step_parse(bad[i], &step, err, sizeof(err)), -1);
        assert_non_null(strstr(err, "--frequency"));
    }
}

/* A version-1 state (before the order by event time) is read: lags carry
 * over, the step numbers go on after its seq, the next record is accepted. */
static void test_snapshot_v1(void **state)
{
    eddy_features_t *f = eddy_features_new(2, 10);
    eddy_buf_t payload = EDDY_BUF_INIT, frame = EDDY_BUF_INIT, v2 = EDDY_BUF_INIT;
    eddy_fv_t fv;
    char err[256];

    (void)state;
    eddy_buf_put_u32(&payload, 2);
    eddy_buf_put_u32(&payload, 2);
    eddy_buf_put_u64(&payload, 9);
    eddy_buf_put_f64(&payload, 5.0); /* most recent first */
    eddy_buf_put_f64(&payload, 4.0);
    assert_int_equal(eddy_snapshot_write(&frame, "EFTR", 1, payload.data, payload.len),
                     0);
    assert_int_equal(
        eddy_features_load(f, "old", frame.data, frame.len, err, sizeof(err)), 0);
    assert_int_equal(feed(f, "old", 0, 5, 6.0, &fv, NULL), EDDY_FEATURES_OK);
    assert_int_equal(fv.seq, 10);
    assert_true(fv.lags[0] == 5.0 && fv.lags[1] == 4.0);
    assert_int_equal(feed(f, "old", 0, 5, 6.0, &fv, NULL), EDDY_FEATURES_DUPLICATE);
    assert_int_equal(feed(f, "old", 0, 4, 6.0, &fv, NULL), EDDY_FEATURES_LATE);
    /* saved again: version 2 */
    assert_int_equal(eddy_features_save(f, "old", &v2), 0);
    assert_int_equal(v2.data[4], 2);
    /* a version this build does not know is refused, naming it */
    frame.data[4] = 7;
    assert_int_equal(
        eddy_features_load(f, "old", frame.data, frame.len, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "version"));
    eddy_buf_free(&payload);
    eddy_buf_free(&frame);
    eddy_buf_free(&v2);
    eddy_features_destroy(f);
}

static void test_metrics(void **state)
{
    eddy_features_t *f = eddy_features_new(2, 10);
    eddy_buf_t out = EDDY_BUF_INIT;
    eddy_fv_t fv;

    (void)state;
    feed(f, "a", 0, 0, 1, &fv, NULL);
    feed(f, "a", 1, DAY, 2, &fv, NULL);
    feed(f, "a", 2, 4 * DAY, 3, &fv, NULL); /* 2 missing */
    feed(f, "a", 3, 4 * DAY, 3, &fv, NULL); /* duplicate */
    feed(f, "b", 0, 0, 1, &fv, NULL);
    eddy_features_metrics(f, &out);
    eddy_buf_put_u8(&out, 0);
    assert_false(out.failed);
    const char *s = (const char *)out.data;
    assert_non_null(strstr(s, "# TYPE eddy_features_gaps_total counter"));
    assert_non_null(strstr(s, "eddy_features_gaps_total{series=\"_all\"} 1\n"));
    assert_non_null(strstr(s, "eddy_features_gaps_total{series=\"a\"} 1\n"));
    assert_non_null(strstr(s, "eddy_features_missing_steps_total{series=\"a\"} 2\n"));
    assert_non_null(strstr(s, "eddy_features_duplicates_total{series=\"_all\"} 1\n"));
    assert_non_null(strstr(s, "eddy_features_out_of_order_total{series=\"_all\"} 0\n"));
    assert_null(strstr(s, "series=\"b\"")); /* nothing to report for b */
    eddy_buf_free(&out);
    eddy_features_destroy(f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_two_files_one_series),
        cmocka_unit_test(test_late_record),
        cmocka_unit_test(test_duplicates_in_window),
        cmocka_unit_test(test_calendar_gaps),
        cmocka_unit_test(test_step_inference),
        cmocka_unit_test(test_frequency),
        cmocka_unit_test(test_snapshot_v1),
        cmocka_unit_test(test_metrics),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
