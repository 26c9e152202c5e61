/* Unit tests for sinks/metrics/metrics_core: the metrics sink's math and its
 * Prometheus rendering. The promtool test writes a file (the only I/O):
 * its path is argv[1], else $EDDY_PROM_OUT, else a mkstemp file in $TMPDIR
 * or /tmp (removed afterwards). */
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

#include "metrics_core.h"
#include "util/prom.h"

static const char *prom_out_arg; /* argv[1], if given */

static uint64_t lcg_next(uint64_t *s)
{
    *s = *s * 6364136223846793005ULL + 1442695040888963407ULL;
    return *s;
}

/* Uniform in [0, 1). */
static double lcg_unit(uint64_t *s)
{
    return (double)(lcg_next(s) >> 11) / 9007199254740992.0;
}

static void assert_close(double got, double want)
{
    if (isnan(want)) {
        assert_true(isnan(got));
        return;
    }
    double tol = 1e-12 * fmax(1.0, fabs(want));
    if (!(fabs(got - want) <= tol)) {
        fail_msg("got %.17g, want %.17g", got, want);
    }
}

static int observe(eddy_metrics_t *m, const char *model, const char *series,
                   int64_t seq, double prediction, double target)
{
    char err[128];
    return eddy_metrics_observe(m, model, series, seq, seq * 1000, prediction, target,
                                NULL, 0, 0, 0, err, sizeof err);
}

/* A sink with CFG (NULL: the defaults); never NULL. */
static eddy_metrics_t *metrics(const eddy_metrics_config_t *cfg)
{
    eddy_metrics_t *m = eddy_metrics_new(cfg, NULL, 0);
    assert_non_null(m);
    return m;
}

/* The default configuration but for MAX_SERIES (model, series) pairs and
 * MAX_MODELS models (0: the default's). */
static eddy_metrics_config_t config(size_t max_series, size_t max_models)
{
    eddy_metrics_config_t cfg;

    eddy_metrics_config_default(&cfg);
    if (max_series)
        cfg.max_series = max_series;
    if (max_models)
        cfg.max_models = max_models;
    return cfg;
}

static void test_new_destroy_config(void **state)
{
    (void)state;
    char err[128] = "";
    eddy_metrics_destroy(NULL);
    eddy_metrics_config_t cfg;
    eddy_metrics_config_default(&cfg);
    assert_int_equal(cfg.max_models, 64);
    assert_int_equal(cfg.per_series, 1);
    assert_int_equal(cfg.max_series, 10000);
    eddy_metrics_t *m = eddy_metrics_new(NULL, err, sizeof err);
    assert_non_null(m);
    assert_int_equal(eddy_metrics_model_count(m), 0);
    eddy_metrics_stats_t st;
    eddy_metrics_stats(m, &st);
    assert_int_equal(st.models, 0);
    assert_int_equal(st.observations, 0);
    eddy_metrics_destroy(m);
    cfg.max_models = 0;
    assert_null(eddy_metrics_new(&cfg, err, sizeof err));
    assert_non_null(strstr(err, "max_models"));
    assert_int_equal(eddy_metrics_window(0), 5);
    assert_int_equal(eddy_metrics_window(1), 10);
    assert_int_equal(eddy_metrics_window(2), 20);
    assert_int_equal(eddy_metrics_window(3), 0);
    assert_true(eddy_metrics_latency_bounds()[0] == 0.0005);
    assert_true(eddy_metrics_latency_bounds()[EDDY_METRICS_N_LATENCY_BOUNDS - 1] == 10);
}

/* (prediction, target): errors 1, -2, 0, 4; APE 0.5, 2, 0, 1. */
static void test_cumulative_hand_computed(void **state)
{
    (void)state;
    eddy_metrics_t *m = metrics(NULL);
    const double pred[4] = {1, 3, 2, 0};
    const double target[4] = {2, 1, 2, 4};
    for (int i = 0; i < 4; i++) {
        assert_int_equal(observe(m, "linear", "airline", i + 1, pred[i], target[i]), 0);
    }
    eddy_metrics_series_view_t v;
    assert_int_equal(eddy_metrics_lookup(m, "linear", "airline", &v), 0);
    assert_int_equal(v.n, 4);
    assert_false(v.is_aggregate);
    assert_close(v.mae, 7.0 / 4.0);
    assert_close(v.mse, 21.0 / 4.0);
    assert_close(v.rmse, sqrt(21.0 / 4.0));
    assert_close(v.mape, 87.5);
    assert_int_equal(v.mape_n, 4);
    assert_int_equal(v.mape_skipped, 0);
    for (int w = 0; w < EDDY_METRICS_N_WINDOWS; w++) {
        /* Fewer observations than any window: over all four. */
        assert_close(v.rolling_mae[w], 1.75);
        assert_close(v.rolling_mse[w], 5.25);
        assert_close(v.rolling_rmse[w], sqrt(5.25));
        assert_close(v.rolling_mape[w], 87.5);
    }
    assert_true(v.last_prediction == 0);
    assert_true(v.last_actual == 4);
    assert_true(v.last_error == 4); /* target - prediction */
    assert_int_equal(v.last_seq, 4);
    assert_int_equal(v.last_event_time_ms, 4000);
    assert_int_equal(v.n_forecast, 0);

    /* The aggregate matches the only series. */
    eddy_metrics_series_view_t all;
    assert_int_equal(eddy_metrics_lookup(m, "linear", NULL, &all), 0);
    assert_true(all.is_aggregate);
    assert_string_equal(all.series, EDDY_METRICS_ALL_SERIES);
    assert_close(all.mae, v.mae);
    assert_close(all.mape, v.mape);
    assert_int_equal(eddy_metrics_lookup(m, "linear", "nope", &v), EDDY_METRICS_ERANGE);
    assert_int_equal(eddy_metrics_lookup(m, "nope", NULL, &v), EDDY_METRICS_ERANGE);

    /* A sixth and seventh observation: window 5 now drops the first two. */
    assert_int_equal(observe(m, "linear", "airline", 5, 10, 10), 0); /* err 0 */
    assert_int_equal(observe(m, "linear", "airline", 6, 5, 10), 0);  /* err 5 */
    assert_int_equal(eddy_metrics_lookup(m, "linear", "airline", &v), 0);
    /* last 5 abs errors: 2, 0, 4, 0, 5 */
    assert_close(v.rolling_mae[0], 11.0 / 5.0);
    assert_close(v.rolling_mse[0], 45.0 / 5.0);
    /* last 5 APE: 2, 0, 1, 0, 0.5 */
    assert_close(v.rolling_mape[0], 100.0 * 3.5 / 5.0);
    assert_close(v.mae, 12.0 / 6.0);
    eddy_metrics_destroy(m);
}

static void test_mape_zero_targets_skipped(void **state)
{
    (void)state;
    eddy_metrics_t *m = metrics(NULL);
    eddy_metrics_series_view_t v;
    /* Only zero targets: MAPE undefined (NaN), MAE still counts them. */
    assert_int_equal(observe(m, "m", "s", 1, 1, 0), 0);
    assert_int_equal(observe(m, "m", "s", 2, -2, 0), 0);
    assert_int_equal(eddy_metrics_lookup(m, "m", "s", &v), 0);
    assert_true(isnan(v.mape));
    assert_true(isnan(v.rolling_mape[0]));
    assert_int_equal(v.mape_n, 0);
    assert_int_equal(v.mape_skipped, 2);
    assert_close(v.mae, 1.5);
    /* A non-zero target: MAPE over it alone. */
    assert_int_equal(observe(m, "m", "s", 3, 3, 4), 0); /* APE 0.25 */
    assert_int_equal(observe(m, "m", "s", 4, 5, 0), 0);
    assert_int_equal(eddy_metrics_lookup(m, "m", "s", &v), 0);
    assert_close(v.mape, 25.0);
    assert_close(v.rolling_mape[0], 25.0);
    assert_int_equal(v.mape_n, 1);
    assert_int_equal(v.mape_skipped, 3);
    assert_close(v.mae, (1 + 2 + 1 + 5) / 4.0);
    /* Push the non-zero target out of window 5: rolling MAPE NaN again. */
    for (int i = 0; i < 5; i++) {
        assert_int_equal(observe(m, "m", "s", 5 + i, 1, 0), 0);
    }
    assert_int_equal(eddy_metrics_lookup(m, "m", "s", &v), 0);
    assert_true(isnan(v.rolling_mape[0]));
    assert_close(v.rolling_mape[1], 25.0);
    assert_close(v.mape, 25.0);
    assert_int_equal(v.mape_skipped, 8);
    eddy_metrics_destroy(m);
}

/* Naive error sums over steps FROM..N-1: absolute, squared, and absolute
 * percentage over the N_PCT steps with a nonzero target. */
typedef struct {
    double abs, sq, pct;
    int n_pct;
} sums_t;

static sums_t naive_sums(const double *pred, const double *target, int from, int n)
{
    sums_t t = {0, 0, 0, 0};

    for (int i = from; i < n; i++) {
        double e = target[i] - pred[i];
        t.abs += fabs(e);
        t.sq += e * e;
        if (target[i] != 0) {
            t.pct += fabs(e) / fabs(target[i]);
            t.n_pct++;
        }
    }
    return t;
}

/* Naive recomputation over the whole history, compared after every step. */
static void naive_check(const eddy_metrics_series_view_t *v, const double *pred,
                        const double *target, int n)
{
    sums_t all = naive_sums(pred, target, 0, n);

    assert_int_equal(v->n, (uint64_t)n);
    assert_close(v->mae, all.abs / n);
    assert_close(v->mse, all.sq / n);
    assert_close(v->rmse, sqrt(all.sq / n));
    assert_close(v->mape, all.n_pct > 0 ? 100 * all.pct / all.n_pct : NAN);
    assert_int_equal(v->mape_n, (uint64_t)all.n_pct);
    assert_int_equal(v->mape_skipped, (uint64_t)(n - all.n_pct));
    for (int w = 0; w < EDDY_METRICS_N_WINDOWS; w++) {
        int win = eddy_metrics_window(w);
        int k = n < win ? n : win;
        sums_t r = naive_sums(pred, target, n - k, n);
        assert_close(v->rolling_mae[w], r.abs / k);
        assert_close(v->rolling_mse[w], r.sq / k);
        assert_close(v->rolling_rmse[w], sqrt(r.sq / k));
        assert_close(v->rolling_mape[w], r.n_pct > 0 ? 100 * r.pct / r.n_pct : NAN);
    }
    assert_true(v->last_prediction == pred[n - 1]);
    assert_true(v->last_actual == target[n - 1]);
    assert_true(v->last_error == target[n - 1] - pred[n - 1]);
}

static void test_rolling_vs_naive_random(void **state)
{
    (void)state;
    enum { N = 1000 };
    static double pred[N], target[N];
    eddy_metrics_t *m = metrics(NULL);
    uint64_t s = 2024;
    for (int i = 0; i < N; i++) {
        /* Wide magnitudes (a drift trap for running sums) and 10% zeros. */
        double scale = pow(10.0, (double)((lcg_next(&s) >> 33) % 12) - 3.0);
        target[i] = lcg_unit(&s) < 0.1 ? 0.0 : (lcg_unit(&s) - 0.3) * scale;
        pred[i] = target[i] + (lcg_unit(&s) - 0.5) * scale;
        double fc[3] = {pred[i], pred[i] + 1, pred[i] + 2};
        assert_int_equal(eddy_metrics_observe(m, "rls", "s1", i, i, pred[i], target[i],
                                              fc, 3, 1, 2, NULL, 0),
                         0);
        eddy_metrics_series_view_t v;
        assert_int_equal(eddy_metrics_lookup(m, "rls", "s1", &v), 0);
        naive_check(&v, pred, target, i + 1);
        assert_int_equal(v.n_forecast, 3);
        assert_true(v.forecast[0] == pred[i]);
        assert_int_equal(eddy_metrics_lookup(m, "rls", NULL, &v), 0);
        naive_check(&v, pred, target, i + 1);
    }
    eddy_metrics_destroy(m);
}

static void test_series_cap(void **state)
{
    (void)state;
    eddy_metrics_config_t cfg = config(3, 0);
    eddy_metrics_t *m = metrics(&cfg);
    eddy_metrics_stats_t st;
    assert_int_equal(observe(m, "a", "s1", 1, 1, 2), 0);
    assert_int_equal(observe(m, "a", "s2", 1, 1, 2), 0);
    assert_int_equal(observe(m, "b", "s1", 1, 1, 2), 0);
    eddy_metrics_stats(m, &st);
    assert_int_equal(st.tracked_series, 3);
    assert_int_equal(st.series_dropped, 0);
    /* Cap reached (it counts pairs over all models). */
    assert_int_equal(observe(m, "a", "s3", 1, 1, 5), 0);
    assert_int_equal(observe(m, "b", "s2", 1, 1, 2), 0);
    assert_int_equal(observe(m, "a", "s1", 2, 1, 2), 0); /* still tracked */
    eddy_metrics_stats(m, &st);
    assert_int_equal(st.tracked_series, 3);
    assert_int_equal(st.series_dropped, 2);
    assert_int_equal(st.observations, 6);
    eddy_metrics_series_view_t v;
    assert_int_equal(eddy_metrics_lookup(m, "a", "s3", &v), EDDY_METRICS_ERANGE);
    assert_int_equal(eddy_metrics_lookup(m, "a", "s1", &v), 0);
    assert_int_equal(v.n, 2);
    /* The aggregate counted the dropped series too. */
    assert_int_equal(eddy_metrics_lookup(m, "a", NULL, &v), 0);
    assert_int_equal(v.n, 4);
    assert_close(v.mae, (1 + 1 + 4 + 1) / 4.0);
    assert_int_equal(eddy_metrics_series_count(m, 0), 2);
    /* "_all" is reserved for the aggregate. */
    assert_int_equal(observe(m, "b", EDDY_METRICS_ALL_SERIES, 1, 1, 2), 0);
    eddy_metrics_stats(m, &st);
    assert_int_equal(st.series_dropped, 3);
    eddy_metrics_destroy(m);

    /* Per-series off: aggregates only, nothing counted as dropped. */
    cfg.per_series = 0;
    m = metrics(&cfg);
    for (int i = 0; i < 10; i++) {
        char name[16];
        snprintf(name, sizeof name, "s%d", i);
        assert_int_equal(observe(m, "a", name, 1, 1, 2), 0);
    }
    eddy_metrics_stats(m, &st);
    assert_int_equal(st.tracked_series, 0);
    assert_int_equal(st.series_dropped, 0);
    assert_int_equal(eddy_metrics_series_count(m, 0), 0);
    assert_int_equal(eddy_metrics_lookup(m, "a", NULL, &v), 0);
    assert_int_equal(v.n, 10);
    eddy_metrics_destroy(m);
}

static void test_model_cap_and_invalid_input(void **state)
{
    (void)state;
    eddy_metrics_config_t cfg = config(0, 1);
    eddy_metrics_t *m = metrics(&cfg);
    char err[160];
    char longname[EDDY_METRICS_MAX_NAME + 2];
    memset(longname, 'x', sizeof longname - 1);
    longname[sizeof longname - 1] = '\0';
    double fc[1] = {1};
    assert_int_equal(observe(m, "a", "s", 1, 1, 2), 0);
    err[0] = '\0';
    assert_int_equal(
        eddy_metrics_observe(m, "b", "s", 1, 1, 1, 2, NULL, 0, 0, 0, err, sizeof err),
        EDDY_METRICS_EMODELS);
    assert_non_null(strstr(err, "model limit"));
    assert_int_equal(observe(m, "a", "s", 1, NAN, 2), EDDY_METRICS_EINVAL);
    assert_int_equal(observe(m, "a", "s", 1, 1, INFINITY), EDDY_METRICS_EINVAL);
    assert_int_equal(observe(m, "", "s", 1, 1, 2), EDDY_METRICS_EINVAL);
    assert_int_equal(observe(m, "a", "", 1, 1, 2), EDDY_METRICS_EINVAL);
    assert_int_equal(observe(m, NULL, "s", 1, 1, 2), EDDY_METRICS_EINVAL);
    assert_int_equal(observe(m, "a", longname, 1, 1, 2), EDDY_METRICS_EINVAL);
    longname[EDDY_METRICS_MAX_NAME] = '\0'; /* exactly at the limit: fine */
    assert_int_equal(observe(m, "a", longname, 1, 1, 2), 0);
    assert_int_equal(observe(m, "a", "bad\xff", 1, 1, 2), EDDY_METRICS_EINVAL);
    assert_int_equal(
        eddy_metrics_observe(m, "a", "s", 1, 1, 1, 2, NULL, 2, 0, 0, err, sizeof err),
        EDDY_METRICS_EINVAL);
    assert_int_equal(
        eddy_metrics_observe(m, "a", "s", 1, 1, 1, 2, fc, -1, 0, 0, err, sizeof err),
        EDDY_METRICS_EINVAL);
    assert_int_equal(eddy_metrics_observe(NULL, "a", "s", 1, 1, 1, 2, NULL, 0, 0, 0,
                                          err, sizeof err),
                     EDDY_METRICS_EINVAL);
    eddy_metrics_stats_t st;
    eddy_metrics_stats(m, &st);
    assert_int_equal(st.rejected, 10);
    assert_int_equal(st.observations, 2);
    assert_int_equal(st.models, 1);
    eddy_metrics_series_view_t v;
    assert_int_equal(eddy_metrics_lookup(m, "a", "s", &v), 0);
    assert_int_equal(v.n, 1); /* rejected calls changed nothing */
    eddy_metrics_destroy(m);
}

static void test_sorted_iteration(void **state)
{
    (void)state;
    eddy_metrics_t *m = metrics(NULL);
    const char *models[] = {"rls", "knn", "linear", "amf"};
    const char *series[] = {"zeta", "Alpha", "beta", "_under", "alpha", "b"};
    uint64_t s = 99;
    for (int i = 0; i < 200; i++) {
        const char *mo = models[(lcg_next(&s) >> 33) % 4];
        const char *se = series[(lcg_next(&s) >> 33) % 6];
        assert_int_equal(observe(m, mo, se, i, 1, 2), 0);
    }
    assert_int_equal(eddy_metrics_model_count(m), 4);
    const char *prev_model = "";
    for (size_t i = 0; i < eddy_metrics_model_count(m); i++) {
        eddy_metrics_model_view_t mv;
        assert_int_equal(eddy_metrics_model_view(m, i, &mv), 0);
        assert_true(strcmp(prev_model, mv.model) < 0);
        prev_model = mv.model;
        assert_string_equal(mv.all.series, EDDY_METRICS_ALL_SERIES);
        uint64_t total = 0;
        const char *prev_series = "";
        assert_int_equal(mv.n_series, eddy_metrics_series_count(m, i));
        for (size_t j = 0; j < mv.n_series; j++) {
            eddy_metrics_series_view_t sv;
            assert_int_equal(eddy_metrics_series_view(m, i, j, &sv), 0);
            assert_true(strcmp(prev_series, sv.series) < 0);
            assert_string_equal(sv.model, mv.model);
            prev_series = sv.series;
            total += sv.n;
        }
        assert_int_equal(total, mv.all.n);
        eddy_metrics_series_view_t sv;
        assert_int_equal(eddy_metrics_series_view(m, i, mv.n_series, &sv),
                         EDDY_METRICS_ERANGE);
    }
    eddy_metrics_model_view_t mv;
    assert_int_equal(eddy_metrics_model_view(m, 4, &mv), EDDY_METRICS_ERANGE);
    assert_int_equal(eddy_metrics_series_count(m, 4), 0);
    eddy_metrics_destroy(m);
}

static void test_forecast_and_latency(void **state)
{
    (void)state;
    eddy_metrics_t *m = metrics(NULL);
    double fc[40];
    for (int i = 0; i < 40; i++) {
        fc[i] = 100 + i;
    }
    const int64_t t0 = 1700000000000000;
    /* 40 steps: only the first 32 kept. */
    assert_int_equal(
        eddy_metrics_observe(m, "a", "s", 1, 1, 1, 2, fc, 40, t0, t0 + 500, NULL, 0),
        0);
    eddy_metrics_series_view_t v;
    assert_int_equal(eddy_metrics_lookup(m, "a", "s", &v), 0);
    assert_int_equal(v.n_forecast, EDDY_METRICS_MAX_FORECAST);
    assert_true(v.forecast[0] == 100 && v.forecast[31] == 131);
    /* Boundaries are inclusive (le): 1000 us is in le="0.001". */
    assert_int_equal(
        eddy_metrics_observe(m, "a", "s", 2, 2, 1, 2, fc, 2, t0, t0 + 1000, NULL, 0),
        0);
    assert_int_equal(
        eddy_metrics_observe(m, "a", "s", 3, 3, 1, 2, fc, 0, t0, t0 + 1001, NULL, 0),
        0);
    assert_int_equal(eddy_metrics_observe(m, "a", "s", 4, 4, 1, 2, NULL, 0, t0,
                                          t0 + 20000000, NULL, 0),
                     0);
    /* Skipped: negative latency, missing stamps. */
    assert_int_equal(
        eddy_metrics_observe(m, "a", "s", 5, 5, 1, 2, NULL, 0, t0, t0 - 1, NULL, 0), 0);
    assert_int_equal(
        eddy_metrics_observe(m, "a", "s", 6, 6, 1, 2, NULL, 0, 0, t0, NULL, 0), 0);
    assert_int_equal(eddy_metrics_lookup(m, "a", "s", &v), 0);
    assert_int_equal(v.n_forecast, 0); /* the latest prediction had none */
    eddy_metrics_model_view_t mv;
    assert_int_equal(eddy_metrics_model_view(m, 0, &mv), 0);
    assert_int_equal(mv.latency_counts[0], 1); /* 0.0005 */
    assert_int_equal(mv.latency_counts[1], 1); /* 0.001 */
    assert_int_equal(mv.latency_counts[2], 1); /* 0.001001 */
    assert_int_equal(mv.latency_counts[EDDY_METRICS_N_LATENCY_BOUNDS], 1); /* 20 s */
    assert_int_equal(mv.latency_count, 4);
    assert_int_equal(mv.latency_skipped, 2);
    assert_close(mv.latency_sum, 0.0005 + 0.001 + 0.001001 + 20);
    uint64_t total = 0;
    for (int i = 0; i <= EDDY_METRICS_N_LATENCY_BOUNDS; i++) {
        total += mv.latency_counts[i];
    }
    assert_int_equal(total, mv.latency_count);
    eddy_metrics_destroy(m);
}

static void test_leaderboard(void **state)
{
    (void)state;
    eddy_metrics_t *m = metrics(NULL);
    double fc[2] = {42, 43};
    /* MAE: knn 3, linear 1, rls 2, amf 1 (tie with linear: name order). */
    assert_int_equal(observe(m, "knn", "s", 1, 0, 3), 0);
    assert_int_equal(observe(m, "linear", "s", 1, 0, 1), 0);
    assert_int_equal(
        eddy_metrics_observe(m, "rls", "s", 1, 1, 0, 2, fc, 2, 0, 0, NULL, 0), 0);
    assert_int_equal(observe(m, "amf", "s", 1, 2, 1), 0);
    eddy_metrics_rank_t rows[4];
    assert_int_equal(eddy_metrics_leaderboard(m, rows, 4), 4);
    assert_string_equal(rows[0].model, "amf");
    assert_string_equal(rows[1].model, "linear");
    assert_string_equal(rows[2].model, "rls");
    assert_string_equal(rows[3].model, "knn");
    assert_true(rows[2].next_forecast == 42);
    assert_true(isnan(rows[0].next_forecast));
    assert_int_equal(rows[2].n, 1);
    assert_close(rows[2].rmse, 2);
    assert_close(rows[2].mape, 100);
    /* A short array gets the top rows. */
    eddy_metrics_rank_t top[2];
    assert_int_equal(eddy_metrics_leaderboard(m, top, 2), 4);
    assert_string_equal(top[0].model, "amf");
    assert_string_equal(top[1].model, "linear");
    assert_int_equal(eddy_metrics_leaderboard(m, NULL, 0), 4);
    eddy_metrics_destroy(m);
}

/* A registry like a running pipeline's: three models, three tracked series
 * each (one with characters that need escaping), forecasts, zero targets, a
 * fourth series beyond the cap of 9, latencies over the whole range. */
static eddy_metrics_t *realistic_registry(void)
{
    eddy_metrics_config_t cfg = config(9, 0);
    eddy_metrics_t *m = metrics(&cfg);
    const char *models[] = {"linear", "knn", "hoeffding_tree"};
    const char *series[] = {"airline", "sunspots", "we\"ird\\series\nname", "overflow"};
    uint64_t s = 5;
    const int64_t t0 = 1700000000000000;
    for (int i = 0; i < 150; i++) {
        for (int mi = 0; mi < 3; mi++) {
            for (int si = 0; si < 4; si++) {
                if (si == 3 && i == 0) {
                    continue; /* "overflow" arrives once the cap is reached */
                }
                double target = (i % 17 == 0) ? 0.0 : 100 + 50 * sin(i / 6.0) + si * 10;
                double pred = target + (lcg_unit(&s) - 0.5) * 20 * (mi + 1);
                double fc[12];
                for (int h = 0; h < 12; h++) {
                    fc[h] = pred + h * 0.5;
                }
                int64_t lat = (int64_t)(pow(10.0, lcg_unit(&s) * 8.0)); /* 1us..100s */
                assert_int_equal(eddy_metrics_observe(m, models[mi], series[si], i,
                                                      i * 2629800000LL, pred, target,
                                                      fc, 12, t0 + i, t0 + i + lat,
                                                      NULL, 0),
                                 0);
            }
        }
    }
    /* A model that only ever saw zero targets (MAPE NaN) and forecasts with
     * non-finite values; past the series cap, so aggregate only. */
    const double odd[3] = {NAN, INFINITY, -INFINITY};
    for (int i = 0; i < 3; i++) {
        assert_int_equal(eddy_metrics_observe(m, "snaive", "zeros", i, 0, -1.5, 0, odd,
                                              3, t0, t0 + 100, NULL, 0),
                         0);
    }
    return m;
}

/* Families: HELP then TYPE once each, before their samples, all samples of
 * a family contiguous; samples sorted by model then series. */
static void test_render_structure(void **state)
{
    (void)state;
    eddy_metrics_t *m = realistic_registry();
    eddy_prom_buf_t *b = eddy_prom_buf_new(0);
    assert_non_null(b);
    char err[160] = "";
    assert_int_equal(eddy_metrics_render(m, b, err, sizeof err), 0);
    const char *text = eddy_prom_buf_data(b);

    /* Deterministic. */
    eddy_prom_buf_t *b2 = eddy_prom_buf_new(0);
    assert_non_null(b2);
    assert_int_equal(eddy_metrics_render(m, b2, NULL, 0), 0);
    assert_string_equal(text, eddy_prom_buf_data(b2));
    eddy_prom_buf_destroy(b2);

    /* Walk the lines. */
    char family[128] = "";
    char seen[64][128];
    int n_seen = 0;
    int typed = 0;
    const char *p = text;
    while (*p != '\0') {
        const char *eol = strchr(p, '\n');
        assert_non_null(eol);
        char line[512];
        size_t len = (size_t)(eol - p);
        assert_true(len < sizeof line);
        memcpy(line, p, len);
        line[len] = '\0';
        p = eol + 1;
        if (strncmp(line, "# HELP ", 7) == 0) {
            char name[128];
            assert_int_equal(sscanf(line + 7, "%127s", name), 1);
            for (int i = 0; i < n_seen; i++) {
                assert_string_not_equal(seen[i], name);
            }
            assert_true(n_seen < 64);
            strcpy(seen[n_seen++], name);
            strcpy(family, name);
            typed = 0;
        } else if (strncmp(line, "# TYPE ", 7) == 0) {
            char name[128];
            assert_int_equal(sscanf(line + 7, "%127s", name), 1);
            assert_string_equal(name, family);
            typed = 1;
        } else {
            assert_true(typed);
            assert_true(strncmp(line, family, strlen(family)) == 0);
            char c = line[strlen(family)];
            assert_true(c == '{' || c == ' ' || c == '_');
        }
    }
    const char *expected[] = {"ml_model_predictions_total",
                              "ml_model_mae",
                              "ml_model_mse",
                              "ml_model_rmse",
                              "ml_model_mape",
                              "ml_model_mae_5",
                              "ml_model_mae_10",
                              "ml_model_mae_20",
                              "ml_model_mse_5",
                              "ml_model_mse_10",
                              "ml_model_mse_20",
                              "ml_model_rmse_5",
                              "ml_model_rmse_10",
                              "ml_model_rmse_20",
                              "ml_model_mape_5",
                              "ml_model_mape_10",
                              "ml_model_mape_20",
                              "ml_model_last_prediction",
                              "ml_model_last_actual",
                              "ml_model_last_error",
                              "ml_model_forecast",
                              "eddy_mape_skipped_total",
                              "eddy_e2e_latency_seconds",
                              "eddy_metrics_series_dropped_total"};
    assert_int_equal(n_seen, sizeof expected / sizeof expected[0]);
    for (int i = 0; i < n_seen; i++) {
        assert_string_equal(seen[i], expected[i]);
    }

    /* Order of samples and some exact lines. */
    const char *a =
        strstr(text, "ml_model_mae{model=\"hoeffding_tree\",series=\"_all\"}");
    const char *b_ =
        strstr(text, "ml_model_mae{model=\"hoeffding_tree\",series=\"airline\"}");
    const char *c = strstr(text, "ml_model_mae{model=\"knn\",series=\"_all\"}");
    const char *d = strstr(text, "ml_model_mae{model=\"linear\",series=\"sunspots\"}");
    assert_non_null(a);
    assert_non_null(b_);
    assert_non_null(c);
    assert_non_null(d);
    assert_true(a < b_ && b_ < c && c < d);
    assert_non_null(strstr(text, "ml_model_predictions_total{model=\"knn\","
                                 "series=\"we\\\"ird\\\\series\\nname\"} 150\n"));
    assert_non_null(strstr(text, "ml_model_predictions_total{model=\"knn\","
                                 "series=\"_all\"} 599\n"));
    assert_non_null(strstr(
        text, "ml_model_forecast{model=\"linear\",series=\"airline\",step=\"12\"}"));
    assert_null(strstr(
        text, "ml_model_forecast{model=\"linear\",series=\"airline\",step=\"13\"}"));
    /* 3 models x 3 tracked series; "overflow" went past the cap of 9. */
    assert_null(strstr(text, "series=\"overflow\""));
    assert_non_null(strstr(text, "\neddy_metrics_series_dropped_total 450\n"));
    assert_non_null(
        strstr(text, "eddy_e2e_latency_seconds_count{model=\"knn\"} 599\n"));
    assert_non_null(strstr(
        text, "eddy_e2e_latency_seconds_bucket{model=\"knn\",le=\"+Inf\"} 599\n"));
    assert_non_null(
        strstr(text, "eddy_mape_skipped_total{model=\"knn\",series=\"_all\"} 35\n"));

    /* A second render into the same buffer would re-open the families. */
    assert_int_equal(eddy_metrics_render(m, b, err, sizeof err), EDDY_PROM_EDUP);
    assert_non_null(strstr(err, "written twice"));
    eddy_prom_buf_destroy(b);
    eddy_metrics_destroy(m);
}

static int have_promtool(void)
{
    return system("command -v promtool >/dev/null 2>&1") == 0;
}

/* Renders a realistic registry (and an empty one) to a file and, when
 * promtool is on PATH, lints it with `promtool check metrics`. */
static void test_render_promtool(void **state)
{
    (void)state;
    const char *path = prom_out_arg != NULL ? prom_out_arg : getenv("EDDY_PROM_OUT");
    char tmp[512];
    int remove_after = 0;
    if (path == NULL || path[0] == '\0') {
        const char *dir = getenv("TMPDIR");
        snprintf(tmp, sizeof tmp, "%s/eddy_prom_XXXXXX",
                 dir != NULL && dir[0] != '\0' ? dir : "/tmp");
        int fd = mkstemp(tmp);
        assert_true(fd >= 0);
        close(fd);
        path = tmp;
        remove_after = 1;
    }
    for (int round = 0; round < 2; round++) {
        eddy_metrics_t *m =
            round == 0 ? eddy_metrics_new(NULL, NULL, 0) : realistic_registry();
        assert_non_null(m);
        eddy_prom_buf_t *b = eddy_prom_buf_new(0);
        assert_non_null(b);
        assert_int_equal(eddy_metrics_render(m, b, NULL, 0), 0);
        FILE *f = fopen(path, "w");
        assert_non_null(f);
        assert_int_equal(fwrite(eddy_prom_buf_data(b), 1, eddy_prom_buf_len(b), f),
                         eddy_prom_buf_len(b));
        assert_int_equal(fclose(f), 0);
        eddy_prom_buf_destroy(b);
        eddy_metrics_destroy(m);
        if (!have_promtool()) {
            print_message("promtool not on PATH: lint skipped (%s written)\n", path);
            continue;
        }
        char cmd[1200];
        snprintf(cmd, sizeof cmd, "promtool check metrics < '%s'", path);
        int status = system(cmd);
        assert_true(status != -1 && WIFEXITED(status));
        if (WEXITSTATUS(status) != 0) {
            fail_msg("promtool check metrics failed (exit %d) on %s",
                     WEXITSTATUS(status), path);
        }
    }
    if (remove_after) {
        unlink(path);
    }
}

int main(int argc, char **argv)
{
    prom_out_arg = argc > 1 ? argv[1] : NULL;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_new_destroy_config),
        cmocka_unit_test(test_cumulative_hand_computed),
        cmocka_unit_test(test_mape_zero_targets_skipped),
        cmocka_unit_test(test_rolling_vs_naive_random),
        cmocka_unit_test(test_series_cap),
        cmocka_unit_test(test_model_cap_and_invalid_input),
        cmocka_unit_test(test_sorted_iteration),
        cmocka_unit_test(test_forecast_and_latency),
        cmocka_unit_test(test_leaderboard),
        cmocka_unit_test(test_render_structure),
        cmocka_unit_test(test_render_promtool),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
