/* test_learn_guard.c: the learner's guard (processors/learn/learn_core.h) —
 * every model, fed the pathological series (leading zeros from
 * tests/cases/launch_sales.csv, constants, a level shift, alternating signs,
 * huge and tiny magnitudes), never publishes a non-finite or diverged number;
 * a fallback is marked, counted and resets the model; on a well-behaved
 * series (data/airpassengers.csv) every model's output is its own.
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

#define N_LAGS  15
#define HORIZON 12
#define MAX_T   200

typedef struct {
    const char *name;
    int n;
    double v[MAX_T];
} series_t;

static char err[512];

/* The "target" column of a CSV under EDDY_SOURCE_DIR (header skipped). */
static void load_csv(const char *rel, series_t *s)
{
    const char *root = getenv("EDDY_SOURCE_DIR");
    char path[1024], line[256];
    FILE *f;

    snprintf(path, sizeof(path), "%s/%s", root ? root : ".", rel);
    if (!(f = fopen(path, "r")))
        fail_msg("cannot open %s (set EDDY_SOURCE_DIR)", path);
    s->name = rel;
    s->n = 0;
    while (fgets(line, sizeof(line), f) && s->n < MAX_T) {
        const char *comma = strchr(line, ',');
        char *end;
        double v = comma ? strtod(comma + 1, &end) : 0.0;
        if (comma && end != comma + 1)
            s->v[s->n++] = v;
    }
    fclose(f);
    assert_true(s->n > 24);
}

/* The synthetic pathological series, by index; 0 when there are no more. */
static int synthetic(int i, series_t *s)
{
    s->n = 80;
    for (int t = 0; t < s->n; t++) {
        double wave = 1.0 + 0.5 * sin(t * 0.5235987755982988);
        double v[] = {
            7.0,                           /* a constant */
            0.0,                           /* constant zero */
            t < 40 ? 3.0 : 300.0,          /* a level shift, 100x */
            (t % 2 ? -1.0 : 1.0) * 10.0,   /* alternating signs */
            (t % 2 ? -1.0 : 1.0) * 1e300,  /* alternating huge */
            1e300 * wave,                  /* huge */
            1e-300 * wave,                 /* tiny */
            (t % 2 ? -1.0 : 1.0) * 1e-300, /* alternating tiny */
            t < 12 ? 0.0 : 1e300 * wave,   /* zeros, then huge */
            t < 40 ? 1e-300 : 1e300,       /* tiny, then huge */
        };
        static const char *const names[] = {
            "constant",         "zeros",         "level_shift", "alternating",
            "alternating_huge", "huge",          "tiny",        "alternating_tiny",
            "zeros_then_huge",  "tiny_then_huge"};
        if (i >= (int)(sizeof(v) / sizeof(v[0])))
            return 0;
        s->name = names[i];
        s->v[t] = v[i];
    }
    return 1;
}

/* Feature vectors of S, built the real way: through the features stage. */
static void make_fvs(const series_t *s, eddy_fv_t *out)
{
    eddy_features_t *f = eddy_features_new(N_LAGS, 10);
    eddy_obs_t o;

    assert_non_null(f);
    for (int t = 0; t < s->n; t++) {
        memset(&o, 0, sizeof(o));
        snprintf(o.series_id, sizeof(o.series_id), "%s", s->name);
        o.seq = t;
        o.event_time_ms = t * 1000;
        o.value = s->v[t];
        assert_int_equal(eddy_features_process(f, &o, &out[t], NULL), EDDY_FEATURES_OK);
    }
    eddy_features_destroy(f);
}

/* X is finite and within the bound of the values V[0..n-1] (1% slack for
 * the learner's running mean); no values: finite is enough. */
static void assert_publishable(const char *what, const double *v, int n, double x)
{
    double lo = INFINITY, hi = -INFINITY, mean = 0.0;

    if (!isfinite(x))
        fail_msg("%s: %g published", what, x);
    if (n == 0)
        return;
    for (int i = 0; i < n; i++) {
        lo = fmin(lo, v[i]);
        hi = fmax(hi, v[i]);
        mean += v[i] / n;
    }
    double scale = fmax(fmax(hi - lo, fabs(mean)), EDDY_DIVERGENCE_EPS);
    if (fabs(x - (lo / 2 + hi / 2)) > 1.01 * EDDY_DIVERGENCE_BOUND_DEFAULT * scale)
        fail_msg("%s: %g beyond the bound of [%g, %g]", what, x, lo, hi);
}

/* Runs MODEL (PARAMS) over S; asserts every published number; returns the
 * records that fell back. */
static int64_t run_guarded(const char *model, const char *params, const series_t *s)
{
    static eddy_fv_t fv[MAX_T];
    eddy_learner_t *l =
        eddy_learner_new(model, params, N_LAGS, HORIZON, 10, err, sizeof(err));
    eddy_pred_t p;
    char what[256];
    int64_t marked = 0;

    if (!l)
        fail_msg("%s: %s", model, err);
    make_fvs(s, fv);
    for (int t = 0; t < s->n; t++) {
        assert_int_equal(eddy_learner_process(l, &fv[t], &p, err, sizeof(err)),
                         EDDY_LEARN_OK);
        snprintf(what, sizeof(what), "%s%s%s on %s step %d prediction", model,
                 params ? " " : "", params ? params : "", s->name, t);
        assert_publishable(what, s->v, t, p.prediction);
        for (int h = 0; h < p.n_forecast; h++) {
            snprintf(what, sizeof(what), "%s on %s step %d forecast %d", model, s->name,
                     t, h);
            assert_publishable(what, s->v, t + 1, p.forecast[h]);
        }
        if (p.fallback[0]) {
            marked++;
            assert_true(!strcmp(p.fallback, "nonfinite") ||
                        !strcmp(p.fallback, "diverged"));
        }
    }
    /* every marked record was counted, once, for the series and in total */
    assert_int_equal(eddy_learner_series_fallbacks(l, s->name), marked);
    assert_int_equal(eddy_learner_fallbacks(l, EDDY_FALLBACK_NONFINITE) +
                         eddy_learner_fallbacks(l, EDDY_FALLBACK_DIVERGED),
                     marked);
    eddy_learner_destroy(l);
    return marked;
}

static void test_pathological_series(void **state)
{
    (void)state;
    static series_t s;
    int64_t total = 0;

    for (int m = 0; m < eddy_model_count(); m++) {
        const char *model = eddy_model_name_at(m);
        load_csv("tests/cases/launch_sales.csv", &s);
        total += run_guarded(model, NULL, &s);
        for (int i = 0; synthetic(i, &s); i++)
            total += run_guarded(model, NULL, &s);
    }
    load_csv("tests/cases/launch_sales.csv", &s);
    total += run_guarded("holt_winters", "multiplicative=1", &s);
    for (int i = 0; synthetic(i, &s); i++)
        total += run_guarded("holt_winters", "multiplicative=1", &s);
    printf("# %lld records fell back across the pathological series\n",
           (long long)total);
    assert_true(total > 0); /* the guard was exercised, not only passed through */
}

/* A level shift drives linear's SGD away (River does the same): the guard
 * catches it, marks it "diverged" or "nonfinite", and the reset model
 * publishes finite numbers again. */
static void test_level_shift_resets(void **state)
{
    (void)state;
    static series_t s;
    static eddy_fv_t fv[MAX_T];
    eddy_learner_t *l =
        eddy_learner_new("linear", NULL, N_LAGS, HORIZON, 10, err, sizeof(err));
    eddy_pred_t p;
    int first = -1;

    assert_non_null(l);
    synthetic(2, &s);
    make_fvs(&s, fv);
    for (int t = 0; t < s.n; t++) {
        assert_int_equal(eddy_learner_process(l, &fv[t], &p, err, sizeof(err)),
                         EDDY_LEARN_OK);
        if (p.fallback[0] && first < 0) {
            first = t;
            /* the safe forecast, the last observed value: as the prediction,
             * or as the forecast from the refused step on (the last one) */
            assert_true(p.prediction == fv[t].lags[0] ||
                        p.forecast[HORIZON - 1] == fv[t].target);
        }
    }
    assert_true(first >= 40); /* nothing fell back before the shift */
    assert_true(eddy_learner_series_fallbacks(l, "level_shift") > 0);
    eddy_learner_destroy(l);
}

/* On airpassengers every model's prediction is its own, bit for bit (the
 * guard never fires where the model behaves): River parity is untouched. */
static void test_well_behaved_untouched(void **state)
{
    (void)state;
    static series_t s;
    static eddy_fv_t fv[MAX_T];

    load_csv("data/airpassengers.csv", &s);
    s.name = "air";
    make_fvs(&s, fv);
    for (int i = 0; i < eddy_model_count(); i++) {
        const char *model = eddy_model_name_at(i);
        eddy_learner_t *l =
            eddy_learner_new(model, NULL, N_LAGS, 1, 10, err, sizeof(err));
        eddy_model_t *m = eddy_model_new(
            model, N_LAGS, NULL, eddy_model_seed(model, "air"), err, sizeof(err));
        eddy_pred_t p;

        assert_non_null(l);
        assert_non_null(m);
        for (int t = 0; t < s.n; t++) {
            double want = eddy_model_predict(m, fv[t].lags);
            assert_int_equal(eddy_learner_process(l, &fv[t], &p, err, sizeof(err)),
                             EDDY_LEARN_OK);
            if (memcmp(&want, &p.prediction, sizeof(want)) || p.fallback[0])
                fail_msg("%s step %d: %.17g != %.17g (fallback '%s')", model, t,
                         p.prediction, want, p.fallback);
            eddy_model_learn(m, fv[t].lags, fv[t].target);
        }
        assert_int_equal(eddy_learner_series_fallbacks(l, "air"), 0);
        eddy_model_destroy(m);
        eddy_learner_destroy(l);
    }
}

static void test_bound_setting(void **state)
{
    (void)state;
    static series_t s;
    int64_t tight, loose;

    load_csv("data/airpassengers.csv", &s);
    s.name = "air";
    eddy_learner_t *l =
        eddy_learner_new("linear", NULL, N_LAGS, 3, 10, err, sizeof(err));
    static eddy_fv_t fv[MAX_T];
    eddy_pred_t p;

    assert_non_null(l);
    make_fvs(&s, fv);
    /* a bound below 1x the range refuses ordinary forecasts */
    eddy_learner_set_divergence_bound(l, 0.01);
    for (int t = 0; t < s.n; t++)
        eddy_learner_process(l, &fv[t], &p, err, sizeof(err));
    tight = eddy_learner_fallbacks(l, EDDY_FALLBACK_DIVERGED);
    eddy_learner_destroy(l);
    l = eddy_learner_new("linear", NULL, N_LAGS, 3, 10, err, sizeof(err));
    eddy_learner_set_divergence_bound(l, -1.0); /* refused: the default stays */
    for (int t = 0; t < s.n; t++)
        eddy_learner_process(l, &fv[t], &p, err, sizeof(err));
    loose = eddy_learner_fallbacks(l, EDDY_FALLBACK_DIVERGED);
    eddy_learner_destroy(l);
    assert_true(tight > 0);
    assert_int_equal(loose, 0);
    assert_string_equal(eddy_fallback_name(EDDY_FALLBACK_NONE), "");
    assert_string_equal(eddy_fallback_name(EDDY_FALLBACK_DIVERGED), "diverged");
    assert_string_equal(eddy_fallback_name(EDDY_FALLBACK_COUNT), "");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pathological_series),
        cmocka_unit_test(test_level_shift_resets),
        cmocka_unit_test(test_well_behaved_untouched),
        cmocka_unit_test(test_bound_setting),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
