/* test_learn.c: prequential learning per (model, series)
 * (processors/learn/learn_core.h) — predict before learn, model_version,
 * forecasts, duplicates, lag-count and model-name errors, series isolation.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "eddy_model.h"
#include "features_core.h"
#include "learn_core.h"

#define N_LAGS 6
#define STEPS  60

static char err[512];

static int same_bits(double a, double b)
{
    return memcmp(&a, &b, sizeof(double)) == 0;
}

static double series_val(int s, int t)
{
    return 100.0 + 10.0 * s + 2.0 * t + 15.0 * sin(t * 0.5235987755982988 + s);
}

/* Feature vectors built the real way: through the features stage. */
static void make_fvs(const char *series, int s, int steps, eddy_fv_t *out)
{
    eddy_features_t *f = eddy_features_new(N_LAGS, 10);
    eddy_obs_t o;

    assert_non_null(f);
    for (int t = 0; t < steps; t++) {
        memset(&o, 0, sizeof(o));
        snprintf(o.series_id, sizeof(o.series_id), "%s", series);
        o.seq = t;
        o.event_time_ms = t * 1000;
        o.value = series_val(s, t);
        o.produced_at_us = 5 + t;
        assert_int_equal(eddy_features_process(f, &o, &out[t], NULL), EDDY_FEATURES_OK);
    }
    eddy_features_destroy(f);
}

static eddy_learner_t *learner(const char *model, int horizon, size_t max_series)
{
    eddy_learner_t *l =
        eddy_learner_new(model, NULL, N_LAGS, horizon, max_series, err, sizeof(err));
    if (!l)
        fail_msg("%s: %s", model, err);
    return l;
}

/* eddy_learner_process with a cleared err, so a message is this call's. */
static eddy_learn_result_t process(eddy_learner_t *l, const eddy_fv_t *fv,
                                   eddy_pred_t *p)
{
    err[0] = '\0';
    return eddy_learner_process(l, fv, p, err, sizeof(err));
}

/* eddy_learner_new refuses these settings (max_series 10); err says why. */
static void new_refused(const char *model, const char *params, int n_lags, int horizon)
{
    err[0] = '\0';
    assert_null(eddy_learner_new(model, params, n_lags, horizon, 10, err, sizeof(err)));
}

static void process_ok(eddy_learner_t *l, const eddy_fv_t *fv, eddy_pred_t *p)
{
    memset(p, 0x6b, sizeof(*p));
    eddy_learn_result_t r = process(l, fv, p);
    if (r != EDDY_LEARN_OK)
        fail_msg("process: %d %s", r, err);
}

static void test_predict_before_learn(void **state)
{
    (void)state;
    static eddy_fv_t fv[STEPS];
    eddy_learner_t *l = learner("linear", 3, 10);
    eddy_pred_t p;

    make_fvs("a", 0, STEPS, fv);
    process_ok(l, &fv[0], &p);
    /* the first prediction comes from an untrained model: 0, and not y_0 */
    assert_true(p.prediction == 0.0);
    assert_int_equal(p.model_version, 0);
    assert_true(p.target == fv[0].target);
    assert_string_equal(p.model, "linear");
    assert_string_equal(p.series_id, "a");
    assert_int_equal(p.seq, 0);
    assert_int_equal(p.event_time_ms, fv[0].event_time_ms);
    assert_int_equal(p.produced_at_us, fv[0].produced_at_us);
    for (int t = 1; t < STEPS; t++) {
        process_ok(l, &fv[t], &p);
        assert_int_equal(p.model_version, t);
        assert_int_equal(p.seq, t);
        assert_true(p.target == fv[t].target);
        assert_true(isfinite(p.prediction));
    }
    assert_true(p.prediction != 0.0);
    assert_int_equal(eddy_learner_series_count(l), 1);
    eddy_learner_destroy(l);
}

/* The prediction for t equals a fresh model (same seed) that learned only
 * 0..t-1: prediction never saw y_t. */
static void check_prequential(const char *model)
{
    static eddy_fv_t fv[STEPS];
    eddy_learner_t *l = learner(model, 0, 10);
    eddy_model_t *m = eddy_model_new(model, N_LAGS, NULL, eddy_model_seed(model, "p"),
                                     err, sizeof(err));
    eddy_pred_t p;

    assert_non_null(m);
    make_fvs("p", 1, STEPS, fv);
    for (int t = 0; t < STEPS; t++) {
        double expect = eddy_model_predict(m, fv[t].lags);
        process_ok(l, &fv[t], &p);
        if (!same_bits(p.prediction, expect))
            fail_msg("%s step %d: %.17g != %.17g", model, t, p.prediction, expect);
        assert_int_equal(p.n_forecast, 0);
        eddy_model_learn(m, fv[t].lags, fv[t].target);
    }
    eddy_model_destroy(m);
    eddy_learner_destroy(l);
}

static void test_prequential_models(void **state)
{
    (void)state;
    check_prequential("linear");
    check_prequential("rls");
    check_prequential("knn");
    check_prequential("bagging");
}

static void check_forecast(const char *model, int horizon)
{
    static eddy_fv_t fv[STEPS];
    eddy_learner_t *l = learner(model, horizon, 10);
    eddy_model_t *m = eddy_model_new(model, N_LAGS, NULL, eddy_model_seed(model, "f"),
                                     err, sizeof(err));
    eddy_pred_t p;
    double prev_forecast0 = 0.0, x_next[N_LAGS];

    assert_non_null(m);
    make_fvs("f", 2, STEPS, fv);
    for (int t = 0; t < STEPS; t++) {
        process_ok(l, &fv[t], &p);
        assert_int_equal(p.n_forecast, horizon);
        /* the previous step's forecast[0] is this step's prediction: the
         * model did not change in between and x_next is this lag vector */
        if (t > 0 && horizon > 0)
            assert_true(same_bits(p.prediction, prev_forecast0));
        eddy_model_learn(m, fv[t].lags, fv[t].target);
        x_next[0] = fv[t].target;
        memcpy(x_next + 1, fv[t].lags, (N_LAGS - 1) * sizeof(double));
        if (horizon > 0) {
            assert_true(same_bits(p.forecast[0], eddy_model_predict(m, x_next)));
            for (int h = 0; h < horizon; h++)
                assert_true(isfinite(p.forecast[h]));
            prev_forecast0 = p.forecast[0];
        }
    }
    eddy_model_destroy(m);
    eddy_learner_destroy(l);
}

static void test_forecast(void **state)
{
    (void)state;
    check_forecast("linear", 1);
    check_forecast("linear", 12);
    check_forecast("linear", EDDY_FORECAST_MAX);
    check_forecast("linear", 0);
    check_forecast("knn", 5);
    check_forecast("rls", 3);
}

static void test_duplicates(void **state)
{
    (void)state;
    static eddy_fv_t fv[STEPS];
    eddy_learner_t *l = learner("linear", 2, 10);
    eddy_pred_t p;

    make_fvs("d", 0, STEPS, fv);
    process_ok(l, &fv[0], &p);
    process_ok(l, &fv[1], &p);
    assert_int_equal(process(l, &fv[1], &p), EDDY_LEARN_DUPLICATE);
    assert_int_equal(process(l, &fv[0], &p), EDDY_LEARN_DUPLICATE);
    /* the duplicates did not learn: version continues at 2 */
    process_ok(l, &fv[2], &p);
    assert_int_equal(p.model_version, 2);
    eddy_learner_destroy(l);
}

/* --name: two settings of one model publish under their own names and
 * predict differently; bad names are refused. */
static void test_named_models(void **state)
{
    (void)state;
    static eddy_fv_t fv[STEPS];
    eddy_learner_t *a =
        eddy_learner_new("ridge", "l2=0.5", N_LAGS, 2, 10, err, sizeof(err));
    eddy_learner_t *b =
        eddy_learner_new("ridge", "l2=5", N_LAGS, 2, 10, err, sizeof(err));
    eddy_pred_t pa, pb;

    assert_non_null(a);
    assert_non_null(b);
    assert_int_equal(eddy_learner_set_name(a, "ridge-l2-0.5"), 0);
    assert_int_equal(eddy_learner_set_name(b, "ridge-l2-5"), 0);
    assert_int_equal(eddy_learner_set_name(b, "a/b"), -1);
    assert_int_equal(eddy_learner_set_name(b, ""), -1);
    make_fvs("n", 0, STEPS, fv);
    for (int t = 0; t < 40; t++) {
        process_ok(a, &fv[t], &pa);
        process_ok(b, &fv[t], &pb);
    }
    assert_string_equal(pa.model, "ridge-l2-0.5");
    assert_string_equal(pb.model, "ridge-l2-5");
    assert_true(pa.prediction != pb.prediction);
    eddy_learner_destroy(a);
    eddy_learner_destroy(b);
}

static void test_wrong_lags(void **state)
{
    (void)state;
    static eddy_fv_t fv[2];
    eddy_learner_t *l = learner("linear", 2, 10);
    eddy_pred_t p;

    make_fvs("w", 0, 2, fv);
    fv[0].n_lags = N_LAGS - 1;
    assert_int_equal(process(l, &fv[0], &p), EDDY_LEARN_WRONG_LAGS);
    assert_non_null(strstr(err, "has 5 lags"));
    assert_non_null(strstr(err, "expects 6"));
    fv[0].n_lags = EDDY_LAGS_MAX;
    assert_int_equal(process(l, &fv[0], &p), EDDY_LEARN_WRONG_LAGS);
    assert_non_null(strstr(err, "256"));
    /* no model was created for the rejected vectors */
    assert_int_equal(eddy_learner_series_count(l), 0);
    process_ok(l, &fv[1], &p);
    assert_int_equal(p.model_version, 0);
    eddy_learner_destroy(l);
}

static void test_bad_settings(void **state)
{
    (void)state;
    new_refused("linearr", NULL, N_LAGS, 1);
    assert_non_null(strstr(err, "linearr"));
    assert_non_null(strstr(err, "linear, ridge, lasso"));
    assert_non_null(strstr(err, "holt_winters"));
    new_refused("linear", "nope=1", N_LAGS, 1);
    assert_non_null(strstr(err, "nope"));
    new_refused("linear", NULL, N_LAGS, EDDY_FORECAST_MAX + 1);
    assert_true(err[0] != '\0');
    new_refused("linear", NULL, 0, 1);
    assert_true(err[0] != '\0');
    new_refused("linear", NULL, EDDY_LAGS_MAX + 1, 1);
    assert_true(err[0] != '\0');
    new_refused("linear", NULL, N_LAGS, -1);
    assert_true(err[0] != '\0');
    eddy_learner_t *l =
        eddy_learner_new("ridge", "l2=0.5", N_LAGS, 0, 10, err, sizeof(err));
    assert_non_null(l);
    eddy_learner_destroy(l);
    eddy_learner_destroy(NULL);
}

static void test_series_cap(void **state)
{
    (void)state;
    static eddy_fv_t a[2], b[2];
    eddy_learner_t *l = learner("linear", 1, 1);
    eddy_pred_t p;

    make_fvs("a", 0, 2, a);
    make_fvs("b", 1, 2, b);
    process_ok(l, &a[0], &p);
    assert_int_equal(process(l, &b[0], &p), EDDY_LEARN_SERIES_CAP);
    assert_non_null(strstr(err, "'b'"));
    assert_non_null(strstr(err, "--max-series"));
    process_ok(l, &a[1], &p);
    assert_int_equal(p.model_version, 1);
    assert_int_equal(eddy_learner_series_count(l), 1);
    eddy_learner_destroy(l);
}

/* Two series interleaved give, bit for bit, what each gives alone. */
static void check_isolation(const char *model)
{
    enum { S = 3 };
    static eddy_fv_t fv[S][STEPS];
    static eddy_pred_t alone[S][STEPS];
    static const char *const names[S] = {"alpha", "beta", "gamma"};
    eddy_pred_t p;

    for (int s = 0; s < S; s++) {
        eddy_learner_t *l = learner(model, 4, 10);
        make_fvs(names[s], s, STEPS, fv[s]);
        for (int t = 0; t < STEPS; t++)
            process_ok(l, &fv[s][t], &alone[s][t]);
        eddy_learner_destroy(l);
    }
    eddy_learner_t *l = learner(model, 4, 10);
    int next[S] = {0, 0, 0};
    for (int round = 0; round < STEPS * 3; round++) {
        int s = (round * 7 + round / 5) % S; /* an irregular interleaving */
        if (next[s] == STEPS)
            continue;
        int t = next[s]++;
        process_ok(l, &fv[s][t], &p);
        const eddy_pred_t *q = &alone[s][t];
        if (!same_bits(p.prediction, q->prediction))
            fail_msg("%s %s step %d: %.17g != %.17g alone", model, names[s], t,
                     p.prediction, q->prediction);
        assert_int_equal(p.model_version, q->model_version);
        assert_string_equal(p.series_id, names[s]);
        for (int h = 0; h < 4; h++)
            assert_true(same_bits(p.forecast[h], q->forecast[h]));
    }
    eddy_learner_destroy(l);
}

static void test_series_isolation(void **state)
{
    (void)state;
    check_isolation("linear");
    check_isolation("bagging");
    check_isolation("knn");
    check_isolation("snaive");
    check_isolation("holt_winters");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_predict_before_learn),
        cmocka_unit_test(test_prequential_models),
        cmocka_unit_test(test_forecast),
        cmocka_unit_test(test_duplicates),
        cmocka_unit_test(test_named_models),
        cmocka_unit_test(test_wrong_lags),
        cmocka_unit_test(test_bad_settings),
        cmocka_unit_test(test_series_cap),
        cmocka_unit_test(test_series_isolation),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
