/* Unit tests for sinks/metrics/ledger_core: points and scores read again
 * change nothing, ranking on common records, failing models, no NaN in the
 * exposition, promtool on the eddy_* families. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ledger_core.h"
#include "util/prom.h"

static eddy_ledger_t *ledger(size_t max_series, size_t max_points)
{
    eddy_ledger_config_t cfg;
    eddy_ledger_t *l;

    eddy_ledger_config_default(&cfg);
    if (max_series)
        cfg.max_series = max_series;
    if (max_points)
        cfg.max_points = max_points;
    assert_non_null(l = eddy_ledger_new(&cfg, NULL, 0));
    return l;
}

/* Record SEQ of MODEL on SERIES: actual 100 + seq, prediction off by ERR. */
static int put(eddy_ledger_t *l, const char *model, const char *series, int64_t seq,
               double err)
{
    const double fc[3] = {1, 2, 3};
    eddy_ledger_pred_t p = {.model = model,
                            .series = series,
                            .seq = seq,
                            .event_time_ms = seq * 1000,
                            .actual = 100.0 + (double)seq,
                            .prediction = 100.0 + (double)seq + err,
                            .forecast = fc,
                            .n_forecast = 3,
                            .produced_at_us = 1000000 * seq,
                            .predicted_at_us = 1000000 * seq + 300};
    char errstr[128];
    return eddy_ledger_point(l, &p, errstr, sizeof(errstr));
}

static char *render(const eddy_ledger_t *l)
{
    eddy_prom_buf_t *b = eddy_prom_buf_new(0);
    char *s;

    assert_non_null(b);
    assert_int_equal(eddy_ledger_render(l, b, 10000, NULL, 0), 0);
    s = strdup(eddy_prom_buf_data(b));
    eddy_prom_buf_destroy(b);
    return s;
}

/* 1 when a sample line (not HELP/TYPE) of TEXT holds NaN or an infinity. */
static int has_nonfinite_sample(const char *text)
{
    for (const char *line = text; line && *line; line = strchr(line, '\n') + 1) {
        const char *eol = strchr(line, '\n');
        const char *v = eol ? eol : line + strlen(line);
        while (v > line && v[-1] != ' ')
            v--;
        if (*line != '#' &&
            (!strncmp(v, "NaN", 3) || !strncmp(v, "+Inf", 4) || !strncmp(v, "-Inf", 4)))
            return 1;
        if (!eol)
            break;
    }
    return 0;
}

static void score(eddy_ledger_t *l, const char *model, const char *series, double mae,
                  uint64_t n)
{
    eddy_ledger_score_t s = {.n_h = 2, .n_windows = 1, .windows = {5}};
    for (int h = 0; h < 2; h++) {
        s.scored[h] = n - (uint64_t)h;
        s.cum[h] = (eddy_ledger_err_t){mae * (h + 1), mae * 2, 0.05, NAN};
        s.roll[h][0] = (eddy_ledger_err_t){mae, mae, NAN, 0.5};
    }
    assert_int_equal(eddy_ledger_score(l, model, series, &s, NULL, 0), 0);
}

/* Every record read twice (a restart, a rebalance, a replay): the same
 * exposition, apart from the counter of records read again. */
static void test_read_again_changes_nothing(void **state)
{
    (void)state;
    eddy_ledger_t *l = ledger(0, 0);
    char *before, *after;

    for (int64_t i = 1; i <= 744; i++) {
        assert_int_equal(put(l, "linear", "air", i, 3), EDDY_LEDGER_NEW);
        assert_int_equal(put(l, "knn", "air", i, -5), EDDY_LEDGER_NEW);
    }
    score(l, "linear", "air", 38.8623, 744);
    before = render(l);
    assert_non_null(
        strstr(before, "eddy_model_predictions_total{model=\"linear\"} 744\n"));
    for (int64_t i = 1; i <= 744; i++) {
        assert_int_equal(put(l, "linear", "air", i, 3), EDDY_LEDGER_REPLACED);
        assert_int_equal(put(l, "knn", "air", i, -5), EDDY_LEDGER_REPLACED);
    }
    score(l, "linear", "air", 38.8623, 744);
    after = render(l);
    assert_non_null(strstr(after, "eddy_sink_predictions_replaced_total 1488\n"));
    /* Equal up to the sink's own counters (the last families). */
    size_t cut =
        (size_t)(strstr(before, "# HELP eddy_sink_predictions_replaced_total") -
                 before);
    assert_int_equal(strncmp(before, after, cut), 0);
    assert_non_null(strstr(after,
                           "eddy_prediction_latency_seconds_bucket{model=\"knn\","
                           "le=\"0.0005\"} 744\n"));
    free(before);
    free(after);
    eddy_ledger_destroy(l);
}

/* A changed record replaces the kept one (a learner replayed after a fix). */
static void test_replace_not_add(void **state)
{
    (void)state;
    eddy_ledger_t *l = ledger(0, 0);
    eddy_ledger_pair_t p;

    assert_int_equal(put(l, "m", "s", 1, 1), EDDY_LEDGER_NEW);
    assert_int_equal(put(l, "m", "s", 1, NAN), EDDY_LEDGER_REPLACED);
    assert_int_equal(eddy_ledger_find(l, "m", "s", &p), 0);
    assert_int_equal(p.n_points, 1);
    assert_int_equal(p.nonfinite, 1);
    assert_int_equal(put(l, "m", "s", 1, 2), EDDY_LEDGER_REPLACED);
    assert_int_equal(eddy_ledger_find(l, "m", "s", &p), 0);
    assert_int_equal(p.nonfinite, 0);
    assert_true(p.points[0].prediction == 103.0);
    eddy_ledger_destroy(l);
}

/* Past max_points the oldest quarter goes; records older than every kept
 * one are stale, never counted again. */
static void test_window_and_stale(void **state)
{
    (void)state;
    eddy_ledger_t *l = ledger(0, 8);
    eddy_ledger_model_t mv;
    eddy_ledger_pair_t p;

    for (int64_t i = 1; i <= 9; i++)
        assert_int_equal(put(l, "m", "s", i, 1), EDDY_LEDGER_NEW);
    assert_int_equal(eddy_ledger_find(l, "m", "s", &p), 0);
    assert_int_equal(p.n_points, 7);
    assert_int_equal(p.points[0].seq, 3);
    assert_int_equal(put(l, "m", "s", 2, 1), EDDY_LEDGER_STALE);
    assert_int_equal(put(l, "m", "s", 5, 1), EDDY_LEDGER_REPLACED);
    assert_int_equal(eddy_ledger_model(l, 0, &mv), 0);
    assert_int_equal(mv.predictions, 9);
    eddy_ledger_destroy(l);
}

/* The cap on (model, series) pairs: further ones dropped and counted. */
static void test_series_cap(void **state)
{
    (void)state;
    eddy_ledger_t *l = ledger(2, 0);
    eddy_ledger_stats_t st;

    assert_int_equal(put(l, "m", "a", 1, 1), EDDY_LEDGER_NEW);
    assert_int_equal(put(l, "m", "b", 1, 1), EDDY_LEDGER_NEW);
    assert_int_equal(put(l, "m", "c", 1, 1), EDDY_LEDGER_DROPPED);
    assert_int_equal(put(l, "n", "a", 1, 1), EDDY_LEDGER_DROPPED);
    eddy_ledger_stats(l, &st);
    assert_int_equal(st.pairs, 2);
    assert_int_equal(st.series_dropped, 2);
    char *text = render(l);
    assert_non_null(strstr(text, "\neddy_sink_series_dropped_total 2\n"));
    assert_null(strstr(text, "series=\"c\""));
    free(text);
    eddy_ledger_destroy(l);
}

/* The gamed leaderboard: "nan" predicts NaN for most records and is
 * exact on 12; "lazy" skips half the records. Neither wins. */
static void test_ranking_cannot_be_gamed(void **state)
{
    (void)state;
    eddy_ledger_t *l = ledger(0, 0);
    eddy_ledger_rank_t r[8];
    size_t n;

    for (int64_t i = 1; i <= 100; i++) {
        put(l, "good", "air", i, i % 2 ? 2 : -2);
        put(l, "nan", "air", i, i <= 12 ? 0 : NAN);
        if (i % 2) /* only the records it does well on */
            put(l, "lazy", "air", i, 1);
    }
    n = eddy_ledger_rank(l, "air", r, 8);
    assert_int_equal(n, 3);
    assert_string_equal(r[0].model, "lazy"); /* MAE 1 vs 2, on the same 50 */
    assert_int_equal(r[0].n, 50);
    assert_true(r[0].mae == 1.0 && r[1].mae == 2.0);
    assert_string_equal(r[1].model, "good");
    assert_int_equal(r[1].n, 50);
    assert_string_equal(r[2].model, "nan");
    assert_true(r[2].failing && r[2].rank == 0);
    n = eddy_ledger_rank(l, NULL, r, 8);
    assert_int_equal(n, 3);
    assert_string_equal(r[2].model, "nan");
    assert_true(r[2].failing && r[2].rank == 0 && isnan(r[2].mae));
    assert_int_equal(r[0].rank, 1);
    assert_int_equal(r[0].n, 1); /* one common series */
    char *text = render(l);
    assert_non_null(strstr(text, "eddy_model_failing{model=\"nan\"} 1\n"));
    assert_non_null(strstr(text, "eddy_model_failing{model=\"good\"} 0\n"));
    assert_non_null(
        strstr(text, "eddy_model_nonfinite_predictions_total{model=\"nan\"} 88\n"));
    assert_false(has_nonfinite_sample(text));
    free(text);
    eddy_ledger_destroy(l);
}

/* Scores: the latest per key replaces the previous; per-model aggregates
 * in families of their own; undefined figures left out, never NaN. */
static void test_scores_render(void **state)
{
    (void)state;
    eddy_ledger_t *l = ledger(0, 0);
    char *text;

    put(l, "m", "a", 1, 1);
    score(l, "m", "a", 1, 10);
    score(l, "m", "a", 2, 10); /* replaces */
    score(l, "m", "b", 4, 30);
    text = render(l);
    assert_non_null(strstr(text,
                           "eddy_forecast_mae{model=\"m\",series=\"a\",horizon=\"1\","
                           "window=\"cumulative\"} 2\n"));
    assert_non_null(strstr(text,
                           "eddy_forecast_mae{model=\"m\",series=\"a\",horizon=\"2\","
                           "window=\"5\"} 2\n"));
    /* (2*10 + 4*30) / 40 = 3.5 */
    assert_non_null(strstr(text, "eddy_model_forecast_mae{model=\"m\",horizon=\"1\","
                                 "window=\"cumulative\"} 3.5\n"));
    assert_non_null(strstr(text, "eddy_model_forecast_scored_total{model=\"m\","
                                 "horizon=\"2\"} 38\n"));
    assert_non_null(strstr(text, "eddy_forecast_mape_ratio{model=\"m\",series=\"b\","
                                 "horizon=\"1\",window=\"cumulative\"} 0.05\n"));
    assert_null(strstr(text, "series=\"_all\""));
    assert_false(has_nonfinite_sample(text));
    free(text);
    eddy_ledger_destroy(l);
}

static void test_promtool(void **state)
{
    (void)state;
    eddy_ledger_t *l = ledger(0, 0);
    char path[] = "/tmp/eddy_ledger_XXXXXX";
    int fd = mkstemp(path);
    char *text, cmd[256];

    put(l, "m", "a", 1, NAN);
    put(l, "k", "a", 1, 1);
    score(l, "k", "a", 1, 3);
    text = render(l);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
    close(fd);
    if (system("command -v promtool >/dev/null 2>&1") == 0) {
        snprintf(cmd, sizeof(cmd), "promtool check metrics < %s", path);
        assert_int_equal(system(cmd), 0);
    }
    unlink(path);
    free(text);
    eddy_ledger_destroy(l);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_read_again_changes_nothing),
        cmocka_unit_test(test_replace_not_add),
        cmocka_unit_test(test_window_and_stale),
        cmocka_unit_test(test_series_cap),
        cmocka_unit_test(test_ranking_cannot_be_gamed),
        cmocka_unit_test(test_scores_render),
        cmocka_unit_test(test_promtool),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
