/* The runtime's broker-free units: the error type, the reason table, the
 * stats snapshot and liveness rule, the batch's bounds and offsets, which
 * Kafka errors stop a stage, and the last stable offsets read from
 * librdkafka's statistics. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "runtime/batch.h"
#include "runtime/kafka.h"
#include "runtime/lso.h"
#include "runtime/stats.h"
#include "util/err.h"
#include "util/reason.h"

static void test_err(void **state)
{
    eddy_err_t err = EDDY_ERR_INIT;

    (void)state;
    assert_int_equal(err.cls, EDDY_ERR_OK);
    assert_int_equal(eddy_err_set(&err, EDDY_ERR_ABORT, 48, "batch %d of %s", 7, "x"),
                     -1);
    assert_int_equal(err.cls, EDDY_ERR_ABORT);
    assert_int_equal(err.code, 48);
    assert_string_equal(err.msg, "batch 7 of x");
    assert_string_equal(eddy_err_class_name(err.cls), "abort");
    assert_int_equal(eddy_err_set(NULL, EDDY_ERR_FATAL, 0, "dropped"), -1);
    eddy_err_clear(&err);
    assert_int_equal(err.cls, EDDY_ERR_OK);
    assert_string_equal(err.msg, "");
}

/* The names are labels of dead letters and metrics: they must not change. */
static void test_reason_names(void **state)
{
    (void)state;
    assert_string_equal(eddy_reason_name(EDDY_REASON_KEY_TOO_LARGE), "key_too_large");
    assert_string_equal(eddy_reason_name(EDDY_REASON_VALUE_TOO_LARGE),
                        "value_too_large");
    assert_string_equal(eddy_reason_name(EDDY_REASON_BAD_ROW), "bad_row");
    assert_string_equal(eddy_reason_name(EDDY_REASON_SERIES_CAP), "series_cap");
    assert_string_equal(eddy_reason_name(EDDY_REASON_DUPLICATE_SEQ), "duplicate_seq");
    assert_string_equal(eddy_reason_name(EDDY_REASON_COUNT), "unknown");
    for (int i = 0; i < EDDY_REASON_COUNT; i++)
        assert_non_null(eddy_reason_name((eddy_reason_t)i));
}

static void test_stats_snapshot(void **state)
{
    eddy_stats_t *stats = eddy_stats_new();
    eddy_counters_t *c = eddy_stats_counters(stats), seen;
    eddy_buf_t out = EDDY_BUF_INIT;

    (void)state;
    c->records_in = 5;
    eddy_stats_read(stats, &seen);
    assert_int_equal(seen.records_in, 0); /* not published yet */
    eddy_stats_publish(stats);
    c->records_in = 6;
    eddy_stats_read(stats, &seen);
    assert_int_equal(seen.records_in, 5);
    for (int i = 0; i < EDDY_STATS_REASONS + 3; i++) {
        char r[16];
        snprintf(r, sizeof(r), "r%d", i);
        eddy_stats_count_reason(c->dead, &c->n_dead, r);
    }
    eddy_stats_count_reason(c->dead, &c->n_dead, "r0");
    assert_int_equal(c->n_dead, EDDY_STATS_REASONS);
    assert_int_equal(c->dead[0].count, 2);
    assert_string_equal(c->dead[EDDY_STATS_REASONS - 1].reason, "other");
    assert_int_equal(c->dead[EDDY_STATS_REASONS - 1].count, 4);
    eddy_stats_render(c, "st", &out);
    assert_non_null(strstr(out.data, "eddy_stage_records_in_total{stage=\"st\"} 6\n"));
    assert_non_null(strstr(
        out.data, "eddy_stage_deadletter_total{stage=\"st\",reason=\"other\"} 4\n"));
    eddy_buf_free(&out);
    eddy_stats_destroy(stats);
}

/* Alive: progress within 30 s, or inside a call bounded past now. */
static void test_stats_alive(void **state)
{
    eddy_stats_t *stats = eddy_stats_new();
    eddy_counters_t seen;
    int64_t t = 1000000000000LL;

    (void)state;
    eddy_stats_phase(stats, EDDY_PHASE_POLLING, t, 0);
    eddy_stats_read(stats, &seen);
    assert_true(eddy_stats_alive(&seen, t + EDDY_STATS_STALL_US - 1));
    assert_false(eddy_stats_alive(&seen, t + EDDY_STATS_STALL_US + 1));
    eddy_stats_phase(stats, EDDY_PHASE_RESTORING, t, 120 * 1000000LL);
    eddy_stats_read(stats, &seen);
    assert_string_equal(eddy_stats_phase_name(seen.phase), "restoring");
    assert_true(eddy_stats_alive(&seen, t + 100 * 1000000LL));
    assert_false(eddy_stats_alive(&seen, t + 121 * 1000000LL));
    eddy_stats_destroy(stats);
}

static void test_batch(void **state)
{
    eddy_batch_t *b = eddy_batch_new(3, 100, 0);
    int64_t t = 5000000;

    (void)state;
    eddy_batch_open(b, t);
    assert_true(eddy_batch_empty(b));
    assert_int_equal(eddy_batch_left_ms(b, t), 100);
    assert_int_equal(eddy_batch_left_ms(b, t + 40000), 60);
    assert_int_equal(eddy_batch_left_ms(b, t + 100000), 0);
    assert_int_equal(eddy_batch_track(b, "in", 1, 41, t), 0);
    assert_int_equal(eddy_batch_track(b, "in", 1, 42, t), 0);
    assert_int_equal(eddy_batch_offset(b, "in", 1), 43);
    assert_int_equal(eddy_batch_offset(b, "in", 2), -1);
    assert_int_equal(eddy_batch_left_ms(b, t), 100);
    assert_int_equal(eddy_batch_track(b, "in", 2, 7, t), 0);
    assert_int_equal(eddy_batch_records(b), 3);
    assert_int_equal(eddy_batch_left_ms(b, t), 0); /* full */
    assert_int_equal(eddy_batch_offsets(b)->cnt, 2);
    eddy_batch_reset(b);
    assert_true(eddy_batch_empty(b));
    eddy_batch_open(b, t);
    assert_int_equal(eddy_batch_records(b), 0);
    eddy_batch_destroy(b);
}

/* Only fenced, authorization and fatal client errors stop a stage; the
 * coordinator and pending-transaction conditions are waited out. */
static void test_fatal_kind(void **state)
{
    (void)state;
    assert_string_equal(eddy_kafka_fatal_kind(RD_KAFKA_RESP_ERR__FENCED), "fenced");
    assert_string_equal(eddy_kafka_fatal_kind(RD_KAFKA_RESP_ERR_FENCED_INSTANCE_ID),
                        "fenced");
    assert_string_equal(
        eddy_kafka_fatal_kind(RD_KAFKA_RESP_ERR_GROUP_AUTHORIZATION_FAILED),
        "authorization");
    assert_string_equal(eddy_kafka_fatal_kind(RD_KAFKA_RESP_ERR__FATAL), "fatal");
    assert_null(eddy_kafka_fatal_kind(RD_KAFKA_RESP_ERR_UNSTABLE_OFFSET_COMMIT));
    assert_null(eddy_kafka_fatal_kind(RD_KAFKA_RESP_ERR_COORDINATOR_LOAD_IN_PROGRESS));
    assert_null(eddy_kafka_fatal_kind(RD_KAFKA_RESP_ERR_NOT_COORDINATOR));
    assert_null(eddy_kafka_fatal_kind(RD_KAFKA_RESP_ERR__TIMED_OUT));
    assert_null(eddy_kafka_fatal_kind(RD_KAFKA_RESP_ERR__TRANSPORT));
}

/* A batch closes on events: after the linger once it has records, at its
 * time or size under load; an empty batch waits its whole time. */
static void test_batch_linger(void **state)
{
    eddy_batch_t *b = eddy_batch_new(3, 100, 250);
    const int64_t *stamps;
    int64_t t = 5000000;
    int n = -1;

    (void)state;
    eddy_batch_open(b, t);
    assert_int_equal(eddy_batch_wait_us(b, t), 100000);
    assert_int_equal(eddy_batch_wait_us(b, t + 99000), 1000);
    assert_int_equal(eddy_batch_wait_us(b, t + 100000), -1);
    assert_int_equal(eddy_batch_track(b, "in", 0, 1, t + 10), 0);
    assert_int_equal(eddy_batch_wait_us(b, t + 20), 250);
    assert_int_equal(eddy_batch_wait_us(b, t + 99900), 100); /* never past its time */
    assert_int_equal(eddy_batch_track(b, "in", 0, 2, t + 30), 0);
    assert_int_equal(eddy_batch_track(b, "in", 0, 3, t + 40), 0);
    assert_int_equal(eddy_batch_wait_us(b, t + 50), -1); /* full */
    stamps = eddy_batch_consumed(b, &n);
    assert_int_equal(n, 3);
    assert_int_equal(stamps[0], t + 10);
    assert_int_equal(stamps[2], t + 40);
    eddy_batch_reset(b);
    eddy_batch_consumed(b, &n);
    assert_int_equal(n, 0);
    eddy_batch_destroy(b);
}

/* The latency histograms are on /metrics, bucketed from 100 us to 10 s. */
static void test_stats_latency(void **state)
{
    eddy_stats_t *stats = eddy_stats_new();
    eddy_counters_t *c = eddy_stats_counters(stats);
    eddy_buf_t out = {0};

    (void)state;
    eddy_prom_latency_observe(&c->in_stage, 0.00005);
    eddy_prom_latency_observe(&c->in_stage, 0.003);
    eddy_prom_latency_observe(&c->commit, 20.0);
    eddy_stats_render(c, "features", &out);
    assert_false(out.failed);
    assert_non_null(strstr(out.data, "eddy_stage_time_in_stage_seconds_bucket{stage="
                                     "\"features\",le=\"0.0001\"} 1\n"));
    assert_non_null(strstr(out.data, "eddy_stage_time_in_stage_seconds_bucket{stage="
                                     "\"features\",le=\"0.0025\"} 1\n"));
    assert_non_null(strstr(out.data, "eddy_stage_time_in_stage_seconds_bucket{stage="
                                     "\"features\",le=\"0.005\"} 2\n"));
    assert_non_null(strstr(out.data, "eddy_stage_commit_seconds_bucket{stage="
                                     "\"features\",le=\"10\"} 0\n"));
    assert_non_null(
        strstr(out.data, "eddy_stage_commit_seconds_count{stage=\"features\"} 1\n"));
    eddy_buf_free(&out);
    eddy_stats_destroy(stats);
}

/* Assigned, fetched partitions become the two gauges; the UA partition (-1),
 * a partition not wanted (desired false) and one never fetched (offsets -1)
 * do not; JSON that is not librdkafka's statistics leaves the table alone. */
static void test_lso(void **state)
{
    static const char stats[] =
        "{\"name\":\"c#consumer-1\",\"type\":\"consumer\",\"topics\":{\"in\":{"
        "\"topic\":\"in\",\"partitions\":{"
        "\"0\":{\"partition\":0,\"desired\":true,\"hi_offset\":120,\"ls_offset\":100},"
        "\"1\":{\"partition\":1,\"desired\":true,\"hi_offset\":50,\"ls_offset\":50},"
        "\"2\":{\"partition\":2,\"desired\":false,\"hi_offset\":9,\"ls_offset\":3},"
        "\"3\":{\"partition\":3,\"desired\":true,\"hi_offset\":-1,\"ls_offset\":-1},"
        "\"-1\":{\"partition\":-1,\"desired\":false,\"hi_offset\":-1,"
        "\"ls_offset\":-1}}}}}";
    eddy_lso_t *lso = eddy_lso_new();
    eddy_buf_t b = {0};

    (void)state;
    assert_non_null(lso);
    eddy_lso_render(lso, "features", &b);
    assert_int_equal(b.len, 0); /* nothing before the first statistics */
    assert_int_equal(eddy_lso_update(lso, stats, sizeof(stats) - 1), 0);
    assert_int_equal(eddy_lso_update(lso, "{\"topics\":", strlen("{\"topics\":")), -1);
    assert_int_equal(
        eddy_lso_update(lso, "{\"name\":\"x\"}", strlen("{\"name\":\"x\"}")), -1);
    eddy_lso_render(lso, "features", &b);
    assert_non_null(strstr(b.data,
                           "eddy_stage_input_last_stable_offset{stage=\"features\","
                           "topic=\"in\",partition=\"0\"} 100\n"));
    assert_non_null(strstr(b.data,
                           "eddy_stage_input_unstable_records{stage=\"features\","
                           "topic=\"in\",partition=\"0\"} 20\n"));
    assert_non_null(strstr(b.data,
                           "eddy_stage_input_unstable_records{stage=\"features\","
                           "topic=\"in\",partition=\"1\"} 0\n"));
    assert_null(strstr(b.data, "partition=\"2\""));
    assert_null(strstr(b.data, "partition=\"3\""));
    assert_null(strstr(b.data, "partition=\"-1\""));
    eddy_buf_free(&b);
    eddy_lso_destroy(lso);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_err),           cmocka_unit_test(test_lso),
        cmocka_unit_test(test_reason_names),  cmocka_unit_test(test_stats_snapshot),
        cmocka_unit_test(test_stats_alive),   cmocka_unit_test(test_batch),
        cmocka_unit_test(test_fatal_kind),    cmocka_unit_test(test_batch_linger),
        cmocka_unit_test(test_stats_latency),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
