/* test_champion.c: the per-series champion (processors/evaluate/champion.h)
 * on hand-made views, then through the evaluator (evaluate_core.h) on
 * synthetic predictions: initial default, promotion after exactly K
 * winning steps, revert, contract gate, pin and unpin, drift window, the
 * state round trip and the refusal of an EEVL version 1 state.
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

#include "evaluate_core.h"
#include "util/snapshot.h"

static eddy_champ_conf_t conf_small(void)
{
    eddy_champ_conf_t c = eddy_champ_conf_default();

    c.window = 4;
    c.drift_window = 2;
    c.consecutive = 3;
    c.margin = 0.1;
    c.contract_n = 2;
    snprintf(c.default_model, sizeof(c.default_model), "a");
    return c;
}

/* Steps model STEPPED (0: a, 1: b) with errors EA, EB and full windows,
 * the other model already at the same step (aligned). */
static int step2(const eddy_champ_conf_t *c, eddy_champ_t *st, int stepped, double ea,
                 double eb, int ok_b, eddy_champ_event_t *ev)
{
    eddy_champ_view_t v[2] = {{"a", ea, c->window, 1, 1},
                              {"b", eb, c->window, ok_b, 1}};

    return eddy_champ_step(c, st, v, 2, stepped, ev);
}

/* Steps a alone (b at another step: not aligned). */
static int step_a_alone(const eddy_champ_conf_t *c, eddy_champ_t *st, double ea,
                        double eb, eddy_champ_event_t *ev)
{
    eddy_champ_view_t v[2] = {{"a", ea, c->window, 1, 1}, {"b", eb, c->window, 1, 0}};

    return eddy_champ_step(c, st, v, 2, 0, ev);
}

static void test_initial_and_provisional(void **state)
{
    eddy_champ_conf_t c = conf_small();
    eddy_champ_t st = {0};
    eddy_champ_event_t ev[EDDY_CHAMP_EVENTS_MAX];
    eddy_champ_view_t vb = {"b", 1.0, 0, 1, 1};

    (void)state;
    /* b comes first: serves provisionally; a (the default) takes over */
    assert_int_equal(eddy_champ_step(&c, &st, &vb, 1, 0, ev), 1);
    assert_int_equal(ev[0].kind, EDDY_CHAMP_EV_INITIAL);
    assert_string_equal(st.champion, "b");
    assert_int_equal(st.provisional, 1);
    assert_int_equal(step2(&c, &st, 0, 1.0, 1.0, 1, ev), 1);
    assert_int_equal(ev[0].kind, EDDY_CHAMP_EV_INITIAL);
    assert_string_equal(ev[0].previous, "b");
    assert_string_equal(st.champion, "a");
    assert_int_equal(st.provisional, 0);
    /* b stepping again changes nothing */
    assert_int_equal(step2(&c, &st, 1, 1.0, 1.0, 1, ev), 0);
    assert_string_equal(st.champion, "a");
}

/* A champion "a" crowned, b a challenger. */
static eddy_champ_t crowned(const eddy_champ_conf_t *c)
{
    eddy_champ_t st = {0};
    eddy_champ_event_t ev[EDDY_CHAMP_EVENTS_MAX];

    assert_int_equal(step2(c, &st, 0, 1.0, 1.0, 1, ev), 1);
    assert_string_equal(st.champion, "a");
    return st;
}

static void test_promotion_after_k(void **state)
{
    eddy_champ_conf_t c = conf_small();
    eddy_champ_t st = crowned(&c);
    eddy_champ_event_t ev[EDDY_CHAMP_EVENTS_MAX];

    (void)state;
    /* within the margin: 0.95 is not below 0.9 x 1.0 */
    for (int i = 0; i < 10; i++)
        assert_int_equal(step2(&c, &st, 1, 1.0, 0.95, 1, ev), 0);
    /* better by the margin: K - 1 steps, then a champion step not aligned
     * with b (not compared), then a losing step resets the streak */
    assert_int_equal(step2(&c, &st, 1, 1.0, 0.5, 1, ev), 0);
    assert_int_equal(step_a_alone(&c, &st, 1.0, 0.5, ev), 0);
    assert_int_equal(step2(&c, &st, 1, 1.0, 0.5, 1, ev), 0);
    assert_int_equal(step2(&c, &st, 1, 1.0, 1.5, 1, ev), 0);
    assert_string_equal(st.champion, "a");
    assert_int_equal(step2(&c, &st, 1, 1.0, 0.5, 1, ev), 0);
    assert_int_equal(step2(&c, &st, 1, 1.0, 0.5, 1, ev), 0);
    assert_string_equal(st.champion, "a");
    assert_int_equal(step2(&c, &st, 1, 1.0, 0.5, 1, ev), 1);
    assert_int_equal(ev[0].kind, EDDY_CHAMP_EV_PROMOTION);
    assert_string_equal(ev[0].model, "b");
    assert_string_equal(ev[0].previous, "a");
    assert_true(ev[0].model_err == 0.5 && ev[0].previous_err == 1.0);
    assert_non_null(strstr(ev[0].reason, "3 compared steps in a row"));
    assert_string_equal(st.champion, "b");
    assert_string_equal(st.replaced, "a");
}

/* A champion reaching a step the challenger already reached counts it. */
static void test_champion_step_counts_challengers(void **state)
{
    eddy_champ_conf_t c = conf_small();
    eddy_champ_t st = crowned(&c);
    eddy_champ_event_t ev[EDDY_CHAMP_EVENTS_MAX];

    (void)state;
    assert_int_equal(step2(&c, &st, 0, 1.0, 0.5, 1, ev), 0);
    assert_int_equal(step2(&c, &st, 0, 1.0, 0.5, 1, ev), 0);
    assert_int_equal(step_a_alone(&c, &st, 1.0, 0.5, ev), 0);
    assert_string_equal(st.champion, "a");
    assert_int_equal(step2(&c, &st, 0, 1.0, 0.5, 1, ev), 1);
    assert_int_equal(ev[0].kind, EDDY_CHAMP_EV_PROMOTION);
    assert_string_equal(st.champion, "b");
}

static void test_coverage_gate(void **state)
{
    eddy_champ_conf_t c = conf_small();
    eddy_champ_t st = crowned(&c);
    eddy_champ_event_t ev[EDDY_CHAMP_EVENTS_MAX];
    eddy_champ_view_t v[2] = {{"a", 1.0, 4, 1, 1}, {"b", 0.1, 3, 1, 1}};

    (void)state;
    for (int i = 0; i < 10; i++)
        assert_int_equal(eddy_champ_step(&c, &st, v, 2, 1, ev), 0);
    assert_string_equal(st.champion, "a");
}

static void test_revert(void **state)
{
    eddy_champ_conf_t c = conf_small();
    eddy_champ_t st = crowned(&c);
    eddy_champ_event_t ev[EDDY_CHAMP_EVENTS_MAX];

    (void)state;
    for (int i = 0; i < 3; i++)
        step2(&c, &st, 1, 1.0, 0.5, 1, ev);
    assert_string_equal(st.champion, "b");
    /* b degrades: worse than a by the margin on its own steps */
    assert_int_equal(step2(&c, &st, 1, 1.0, 1.05, 1, ev), 0); /* within margin */
    assert_int_equal(step2(&c, &st, 1, 1.0, 2.0, 1, ev), 0);
    assert_int_equal(step2(&c, &st, 1, 1.0, 2.0, 1, ev), 0);
    assert_int_equal(step2(&c, &st, 1, 1.0, 2.0, 1, ev), 1);
    assert_int_equal(ev[0].kind, EDDY_CHAMP_EV_REVERT);
    assert_string_equal(ev[0].model, "a");
    assert_string_equal(ev[0].previous, "b");
    assert_true(ev[0].model_err == 1.0 && ev[0].previous_err == 2.0);
    assert_string_equal(st.champion, "a");
    assert_string_equal(st.replaced, "");
}

static void test_contract_gate(void **state)
{
    eddy_champ_conf_t c = conf_small();
    eddy_champ_t st = crowned(&c);
    eddy_champ_event_t ev[EDDY_CHAMP_EVENTS_MAX];

    (void)state;
    /* b far better but failing the contract: one gate_failure, never crowned */
    assert_int_equal(step2(&c, &st, 1, 1.0, 0.1, 0, ev), 1);
    assert_int_equal(ev[0].kind, EDDY_CHAMP_EV_GATE_FAILURE);
    assert_string_equal(ev[0].model, "b");
    for (int i = 0; i < 10; i++)
        assert_int_equal(step2(&c, &st, 1, 1.0, 0.1, 0, ev), 0);
    assert_string_equal(st.champion, "a");
    /* it recovers: promoted after K more steps */
    for (int i = 0; i < 3; i++)
        step2(&c, &st, 1, 1.0, 0.1, 1, ev);
    assert_string_equal(st.champion, "b");
    /* the champion b fails: replaced at once by a, no revert target */
    assert_int_equal(step2(&c, &st, 1, 1.0, 0.1, 0, ev), 2);
    assert_int_equal(ev[0].kind, EDDY_CHAMP_EV_GATE_FAILURE);
    assert_int_equal(ev[1].kind, EDDY_CHAMP_EV_PROMOTION);
    assert_string_equal(ev[1].model, "a");
    assert_string_equal(st.champion, "a");
    assert_true(eddy_champ_serving(&st));
}

static void test_no_passing_model_not_served(void **state)
{
    eddy_champ_conf_t c = conf_small();
    eddy_champ_t st = crowned(&c);
    eddy_champ_event_t ev[EDDY_CHAMP_EVENTS_MAX];
    eddy_champ_view_t v[1] = {{"a", 1.0, 4, 0, 1}};

    (void)state;
    assert_int_equal(eddy_champ_step(&c, &st, v, 1, 0, ev), 1);
    assert_false(eddy_champ_serving(&st));
}

static void test_pin_unpin(void **state)
{
    eddy_champ_conf_t c = conf_small();
    eddy_champ_t st = crowned(&c);
    eddy_champ_event_t ev[EDDY_CHAMP_EVENTS_MAX], e;

    (void)state;
    assert_int_equal(eddy_champ_pin(&st, "b", "ops: test", &e), 1);
    assert_int_equal(e.kind, EDDY_CHAMP_EV_PIN);
    assert_string_equal(e.model, "b");
    assert_string_equal(e.previous, "a");
    assert_string_equal(e.reason, "ops: test");
    assert_int_equal(eddy_champ_pin(&st, "b", "again", &e), 0);
    /* a far better: no automatic change while pinned */
    for (int i = 0; i < 10; i++)
        assert_int_equal(step2(&c, &st, 0, 0.1, 5.0, 1, ev), 0);
    assert_string_equal(st.champion, "b");
    assert_int_equal(eddy_champ_pin(&st, "", "done", &e), 1);
    assert_int_equal(e.kind, EDDY_CHAMP_EV_UNPIN);
    assert_string_equal(st.champion, "a");
    assert_int_equal(eddy_champ_pin(&st, NULL, "none", &e), 0);
}

static void test_drift_window(void **state)
{
    eddy_champ_conf_t c = conf_small();
    eddy_champ_t st = crowned(&c);
    eddy_champ_event_t e;

    (void)state;
    assert_int_equal(eddy_champ_window(&c, &st), 4);
    eddy_champ_drift(&c, &st, "ADWIN", &e);
    assert_int_equal(e.kind, EDDY_CHAMP_EV_DRIFT);
    assert_int_equal(e.window, 2);
    for (int i = 0; i < 3; i++)
        eddy_champ_champion_stepped(&st);
    assert_int_equal(eddy_champ_window(&c, &st), 2);
    eddy_champ_champion_stepped(&st);
    assert_int_equal(eddy_champ_window(&c, &st), 4);
}

/* A small shift of the residuals (0.5 in noise of 0.01) is found by ADWIN
 * at its first check after it (step 127: every 32 values), long before
 * Page-Hinkley's threshold of 50 is reached: one drift event naming ADWIN,
 * the drift window in force, both detectors restarted. */
static void test_adwin_drift(void **state)
{
    eddy_champ_conf_t c = conf_small();
    eddy_champ_t st = crowned(&c);
    eddy_champ_event_t e;
    int at = -1;

    (void)state;
    for (int t = 0; t < 160 && at < 0; t++)
        if (eddy_champ_residual(&c, &st,
                                (t >= 100 ? 0.5 : 0.0) + (t % 2 ? 0.01 : -0.01), &e))
            at = t;
    assert_int_equal(at, 127);
    assert_int_equal(e.kind, EDDY_CHAMP_EV_DRIFT);
    assert_int_equal(e.detectors, EDDY_CHAMP_DET_ADWIN);
    assert_non_null(strstr(e.reason, "ADWIN"));
    assert_null(strstr(e.reason, "Page-Hinkley"));
    assert_int_equal(e.window, 2);
    assert_int_equal(st.adwin.width, 0);
    assert_int_equal(st.ph.n, 0);
    assert_string_equal(eddy_champ_detector_label(1), "adwin");
}

static void test_state_round_trip(void **state)
{
    eddy_champ_conf_t c = conf_small();
    eddy_champ_t st = crowned(&c), back;
    eddy_champ_event_t ev[EDDY_CHAMP_EVENTS_MAX];
    eddy_buf_t buf = EDDY_BUF_INIT;
    eddy_reader_t r;

    (void)state;
    step2(&c, &st, 1, 1.0, 0.5, 1, ev);
    eddy_champ_pin(&st, "b", "x", ev);
    eddy_champ_save(&st, &buf);
    r = (eddy_reader_t){(const uint8_t *)buf.data, buf.len, 0, 0};
    eddy_champ_load(&back, &r);
    assert_false(r.err);
    assert_int_equal(r.pos, buf.len);
    assert_memory_equal(&back, &st, sizeof(st));
    /* truncated: refused */
    r = (eddy_reader_t){(const uint8_t *)buf.data, buf.len - 3, 0, 0};
    eddy_champ_load(&back, &r);
    assert_true(r.err);
    eddy_buf_free(&buf);
}

/* ---- through the evaluator */

/* A prediction of MODEL at step T on series "s": truth sin-like, error E. */
static void feed(eddy_evaluator_t *ev, const char *model, int t, double e,
                 double forecast)
{
    eddy_pred_t p;
    eddy_score_t sc;

    memset(&p, 0, sizeof(p));
    snprintf(p.series_id, sizeof(p.series_id), "s");
    snprintf(p.model, sizeof(p.model), "%s", model);
    p.seq = t;
    p.event_time_ms = 1000LL * t;
    p.model_version = t + 1;
    p.target = 100.0 + 0.5 * t + (t % 12) * 3.0; /* MASE scale 6 */
    p.prediction = p.target + e;
    p.n_forecast = 2;
    p.forecast[0] = forecast;
    p.forecast[1] = forecast;
    assert_int_equal(eddy_evaluator_process(ev, &p, &sc, NULL), EDDY_EVAL_SCORED);
}

/* conf_small()'s settings with the combination's SHARE and the champion
 * MARGIN. */
static eddy_evaluator_t *evaluator_with(double share, double margin)
{
    eddy_eval_conf_t c = {.horizons = 2, .season = 12, .max_series = 4};
    char err[512];
    eddy_evaluator_t *ev;

    c.champ = conf_small();
    c.champ.metric = EDDY_CHAMP_MAE;
    c.champ.combine_share = share;
    c.champ.margin = margin;
    assert_int_equal(eddy_eval_parse_windows(&c, "5", err, sizeof(err)), 0);
    ev = eddy_evaluator_new(&c, err, sizeof(err));
    assert_non_null(ev);
    return ev;
}

/* The served forecast is the champion's alone (combine_share 0). */
static eddy_evaluator_t *evaluator(void)
{
    return evaluator_with(0.0, conf_small().margin);
}

static void test_evaluator_promotes_and_serves(void **state)
{
    eddy_evaluator_t *ev = evaluator();
    const eddy_champ_event_t *e;
    eddy_eval_served_t sv;
    int promoted_at = -1;

    (void)state;
    /* a is the default and good, b bad; at t = 20 b becomes far better */
    for (int t = 0; t < 60; t++) {
        feed(ev, "a", t, 1.0, 7.0);
        assert_true(eddy_evaluator_served(ev, &sv) ==
                    !strcmp(eddy_evaluator_champion(ev, "s"), "a"));
        feed(ev, "b", t, t < 20 ? 3.0 : 0.1, 9.0);
        if (eddy_evaluator_events(ev, &e) && e[0].kind == EDDY_CHAMP_EV_PROMOTION)
            promoted_at = t;
    }
    /* b's window of 4 beats 0.9 x 1.0 once its mean error is below 0.9:
     * from t = 22 (3, 0.1, 0.1, 0.1 -> 0.825); promoted on its third such
     * step in a row (K = 3), t = 24, and not before */
    assert_int_equal(promoted_at, 24);
    assert_string_equal(eddy_evaluator_champion(ev, "s"), "b");
    feed(ev, "b", 60, 0.1, 9.5);
    assert_int_equal(eddy_evaluator_served(ev, &sv), 1);
    assert_string_equal(sv.model, "b");
    assert_int_equal(sv.seq, 60);
    assert_int_equal(sv.model_version, 61);
    assert_int_equal(sv.n_forecast, 2);
    assert_true(sv.forecast[0] == 9.5 && sv.forecast[1] == 9.5);
    assert_int_equal(sv.n_forecast_event_times, 2);
    assert_int_equal(sv.forecast_event_times_ms[0], 61000);
    assert_int_equal(sv.forecast_event_times_ms[1], 62000);
    assert_true(fabs(sv.error - 0.1) < 1e-9);
    eddy_evaluator_destroy(ev);
}

static void test_evaluator_non_finite_never_served(void **state)
{
    eddy_evaluator_t *ev = evaluator();
    eddy_eval_served_t sv;

    (void)state;
    for (int t = 0; t < 40; t++) {
        feed(ev, "a", t, 1.0, 7.0);
        feed(ev, "b", t, 0.1, t >= 10 ? NAN : 9.0);
        if (eddy_evaluator_served(ev, &sv))
            assert_true(isfinite(sv.forecast[0]) && sv.n_forecast == 2);
    }
    assert_string_equal(eddy_evaluator_champion(ev, "s"), "a");
    eddy_evaluator_destroy(ev);
}

/* The combination (share 0.3, the two models with the lowest error over 8
 * steps, power 4; a margin no challenger beats): a, the champion, errs 1
 * and forecasts 7; b errs 0.5 and forecasts 9; c errs 2 and forecasts 20.
 * Served: 0.7 x 7 + 0.3 x (16/17 x 9 + 1/17 x 7), made when all three have
 * reached a step. A pin serves the pinned model alone; a model failing the
 * contract gate leaves the combination. */
static void test_evaluator_combination(void **state)
{
    eddy_evaluator_t *ev = evaluator_with(0.3, 0.9);
    eddy_eval_served_t sv;
    eddy_champ_event_t pin;
    const double want = 0.7 * 7.0 + 0.3 * (16.0 / 17.0 * 9.0 + 1.0 / 17.0 * 7.0);

    (void)state;
    for (int t = 0; t < 30; t++) {
        feed(ev, "a", t, 1.0, 7.0);
        feed(ev, "b", t, t % 2 ? 0.5 : -0.5, 9.0);
        /* step t is decided once c has reached it, not before (step 0 was
           decided by a alone, before b and c appeared) */
        assert_int_equal(eddy_evaluator_served(ev, &sv), 0);
        feed(ev, "c", t, 2.0, 20.0);
        if (!t)
            continue;
        assert_int_equal(eddy_evaluator_served(ev, &sv), 1);
        assert_int_equal(sv.seq, t);
        assert_string_equal(sv.model, "a");
    }
    assert_int_equal(sv.n_members, 2);
    assert_string_equal(sv.members[0], "a");
    assert_string_equal(sv.members[1], "b");
    assert_true(fabs(sv.weights[0] - (0.7 + 0.3 / 17.0)) < 1e-12);
    assert_true(fabs(sv.weights[0] + sv.weights[1] - 1.0) < 1e-12);
    assert_int_equal(sv.n_forecast, 2);
    assert_true(fabs(sv.forecast[0] - want) < 1e-9 && sv.forecast[1] == sv.forecast[0]);
    assert_int_equal(sv.event_time_ms, 29000);
    assert_int_equal(sv.forecast_event_times_ms[0], 30000);

    /* a pin serves c's forecast alone, an unpin the combination again */
    assert_int_equal(eddy_evaluator_pin(ev, "s", "c", "test", &pin), 1);
    assert_int_equal(eddy_evaluator_served(ev, &sv), 1);
    assert_string_equal(sv.model, "c");
    assert_int_equal(sv.n_members, 0);
    assert_true(sv.forecast[0] == 20.0);
    assert_int_equal(eddy_evaluator_pin(ev, "s", "", "test", &pin), 1);
    assert_int_equal(eddy_evaluator_served(ev, &sv), 1);
    assert_string_equal(sv.model, "a");
    assert_true(fabs(sv.forecast[0] - want) < 1e-9);

    /* b's forecasts turn non-finite: b fails the contract gate and leaves
       the combination (a and c: weights 1 and (1/2)^4) */
    for (int t = 30; t < 33; t++) {
        feed(ev, "a", t, 1.0, 7.0);
        feed(ev, "b", t, 0.5, NAN);
        feed(ev, "c", t, 2.0, 20.0);
        assert_int_equal(eddy_evaluator_served(ev, &sv), 1);
        assert_true(isfinite(sv.forecast[0]));
    }
    assert_int_equal(sv.n_members, 2);
    assert_string_equal(sv.members[1], "c");
    assert_true(fabs(sv.forecast[0] - (0.7 * 7.0 + 0.3 * (16.0 / 17.0 * 7.0 +
                                                          1.0 / 17.0 * 20.0))) < 1e-9);
    eddy_evaluator_destroy(ev);
}

/* A version 4 state (tests/unit/data/README.md) still loads: its champion
 * is kept, it saves as version 5, and the next steps serve a combination
 * once each model has a forecast queued for the decided step. */
static void test_evaluator_loads_v4(void **state)
{
    eddy_eval_conf_t c = {.horizons = 5, .season = 12, .max_series = 4};
    eddy_evaluator_t *ev, *back;
    eddy_buf_t buf = EDDY_BUF_INIT, again = EDDY_BUF_INIT;
    eddy_eval_served_t sv;
    static uint8_t v4[65536];
    char path[4096], err[512];
    const char *root = getenv("EDDY_SOURCE_DIR");
    size_t len;
    FILE *f;

    (void)state;
    assert_non_null(root);
    snprintf(path, sizeof(path), "%s/tests/unit/data/eevl-v4-two-models.bin", root);
    assert_non_null(f = fopen(path, "rb"));
    len = fread(v4, 1, sizeof(v4), f);
    fclose(f);
    assert_true(len > 16 && len < sizeof(v4) && !memcmp(v4, "EEVL\x04\0\0\0", 8));
    assert_int_equal(eddy_eval_parse_windows(&c, "5,10,20", err, sizeof(err)), 0);
    ev = eddy_evaluator_new(&c, err, sizeof(err));
    back = eddy_evaluator_new(&c, err, sizeof(err));
    assert_non_null(ev);
    assert_non_null(back);
    assert_int_equal(eddy_evaluator_load(ev, "s", v4, len, err, sizeof(err)), 0);
    assert_string_equal(eddy_evaluator_champion(ev, "s"), "linear");
    assert_int_equal(eddy_evaluator_save(ev, "s", &buf), 0);
    assert_memory_equal(buf.data, "EEVL\x05\0\0\0", 8);
    assert_int_equal(
        eddy_evaluator_load(back, "s", buf.data, buf.len, err, sizeof(err)), 0);
    assert_int_equal(eddy_evaluator_save(back, "s", &again), 0);
    assert_int_equal(again.len, buf.len);
    assert_memory_equal(again.data, buf.data, buf.len);
    for (int t = 30; t < 32; t++)
        for (int m = 0; m < 2; m++) {
            eddy_pred_t p = {.series_id = "s",
                             .seq = t,
                             .target = 100.0 + t % 13,
                             .event_time_ms = t * 1000LL,
                             .n_forecast = 5};
            eddy_score_t sc;
            snprintf(p.model, sizeof(p.model), "%s", m ? "snaive" : "linear");
            p.prediction = m ? 101.0 : 99.0 + t;
            for (int h = 0; h < 5; h++)
                p.forecast[h] = m ? 101.0 : 100.0 + h;
            assert_int_equal(eddy_evaluator_process(back, &p, &sc, NULL),
                             EDDY_EVAL_SCORED);
        }
    assert_int_equal(eddy_evaluator_served(back, &sv), 1);
    assert_int_equal(sv.seq, 31);
    assert_int_equal(sv.n_members, 2);
    /* between the two models' forecasts, both weighing in */
    assert_true(sv.forecast[0] > 100.0 && sv.forecast[0] < 101.0);
    for (int h = 0; h < 5; h++)
        assert_true(sv.forecast[h] >= fmin(100.0 + h, 101.0) &&
                    sv.forecast[h] <= fmax(100.0 + h, 101.0));
    eddy_buf_free(&buf);
    eddy_buf_free(&again);
    eddy_evaluator_destroy(ev);
    eddy_evaluator_destroy(back);
}

/* A level shift of the champion's residuals, 10 MASE scales (60): a drift
 * event within 10 steps (Page-Hinkley with River's defaults, on residuals
 * divided by the scale), the window then shortened. */
static void test_evaluator_drift(void **state)
{
    eddy_evaluator_t *ev = evaluator();
    const eddy_champ_event_t *e;
    eddy_eval_served_t sv;
    int drift_at = -1;

    (void)state;
    for (int t = 0; t < 150; t++) {
        feed(ev, "a", t, t < 100 ? (t % 2 ? 0.5 : -0.5) : 60.0, 7.0);
        for (int i = 0; i < eddy_evaluator_events(ev, &e); i++)
            if (e[i].kind == EDDY_CHAMP_EV_DRIFT && drift_at < 0) {
                drift_at = t;
                assert_int_equal(e[i].window, 2); /* conf_small's drift window */
                assert_non_null(strstr(e[i].reason, "Page-Hinkley"));
                assert_int_equal(eddy_evaluator_served(ev, &sv), 1);
                assert_int_equal(sv.window, 2);
            }
    }
    assert_in_range(drift_at, 100, 110);
    eddy_evaluator_destroy(ev);
}

static void test_evaluator_state_keeps_champion(void **state)
{
    eddy_evaluator_t *ev = evaluator(), *back = evaluator();
    eddy_buf_t buf = EDDY_BUF_INIT, again = EDDY_BUF_INIT, v1 = EDDY_BUF_INIT;
    eddy_champ_event_t e;
    char err[512];

    (void)state;
    for (int t = 0; t < 30; t++) {
        feed(ev, "a", t, 1.0, 7.0);
        feed(ev, "b", t, 0.1, 9.0);
    }
    assert_int_equal(eddy_evaluator_pin(ev, "s", "a", "ops", &e), 1);
    assert_int_equal(eddy_evaluator_pin(ev, "unknown", "a", "ops", &e), -1);
    assert_int_equal(eddy_evaluator_save(ev, "s", &buf), 0);
    assert_int_equal(
        eddy_evaluator_load(back, "s", buf.data, buf.len, err, sizeof(err)), 0);
    assert_string_equal(eddy_evaluator_champion(back, "s"), "a");
    assert_int_equal(eddy_evaluator_save(back, "s", &again), 0);
    assert_int_equal(again.len, buf.len);
    assert_memory_equal(again.data, buf.data, buf.len);
    /* a version 1 frame is refused with what to do */
    eddy_snapshot_write(&v1, "EEVL", 1, "x", 1);
    assert_int_equal(eddy_evaluator_load(back, "t", v1.data, v1.len, err, sizeof(err)),
                     -1);
    assert_non_null(strstr(err, "version 1"));
    assert_non_null(strstr(err, "new --group"));
    /* so is a version 2 frame (no ADWIN state) */
    eddy_buf_reset(&v1);
    eddy_snapshot_write(&v1, "EEVL", 2, "x", 1);
    assert_int_equal(eddy_evaluator_load(back, "t", v1.data, v1.len, err, sizeof(err)),
                     -1);
    assert_non_null(strstr(err, "version 2"));
    assert_non_null(strstr(err, "ADWIN"));
    assert_non_null(strstr(err, "new --group"));
    eddy_buf_free(&buf);
    eddy_buf_free(&again);
    eddy_buf_free(&v1);
    eddy_evaluator_destroy(ev);
    eddy_evaluator_destroy(back);
}

/* ---- pace independence */

#define PACE_STEPS 160

/* The error of model M (0: a, 1: b, 2: c) at step T: b better from 30,
 * worse again from 70 (a revert), c better from 100; a non-finite
 * forecast of c at 120..121 (the contract gate). */
static double pace_err(int m, int t)
{
    static const double base[3] = {1.0, 1.6, 1.3};

    if (m == 1 && t >= 30 && t < 70)
        return 0.4 + 0.01 * (t % 3);
    if (m == 2 && t >= 100)
        return 0.2 + 0.02 * (t % 5);
    return base[m] + 0.05 * ((t * (m + 3)) % 7);
}

/* The served forecast of each step of a pace run (NaN: none made), and its
 * model. */
static double pace_served[PACE_STEPS];
static char pace_served_model[PACE_STEPS][EDDY_MODEL_NAME_MAX + 1];

/* Feeds step T of model M to EV; appends its events to LOG (text lines)
 * and keeps the served forecast in pace_served. Each model forecasts its
 * own value, changing with the step, so the combination is not a
 * constant. */
static void pace_feed(eddy_evaluator_t *ev, int m, int t, char *log, size_t size)
{
    static const char *const names[3] = {"a", "b", "c"};
    const eddy_champ_event_t *e;
    eddy_eval_served_t sv;

    feed(ev, names[m], t, pace_err(m, t),
         m == 2 && t >= 120 && t < 122 ? NAN : 7.0 + m + 0.01 * t);
    if (eddy_evaluator_served(ev, &sv)) {
        assert_in_range(sv.seq, 0, PACE_STEPS - 1);
        pace_served[sv.seq] = sv.forecast[0];
        snprintf(pace_served_model[sv.seq], sizeof(pace_served_model[0]), "%s",
                 sv.model);
    }
    for (int i = 0; i < eddy_evaluator_events(ev, &e); i++) {
        size_t len = strlen(log);
        snprintf(log + len, size - len, "%lld %s %s<-%s %.9g %.9g\n",
                 (long long)e[i].seq, eddy_champ_kind_name(e[i].kind), e[i].model,
                 e[i].previous, e[i].model_err, e[i].previous_err);
    }
}

/* evaluator()'s settings, every decision waiting for a, b and c. */
static eddy_evaluator_t *pace_evaluator(void)
{
    eddy_eval_conf_t c = {.horizons = 2, .season = 12, .max_series = 4};
    eddy_evaluator_t *ev;
    char err[256];

    c.champ = conf_small();
    c.champ.metric = EDDY_CHAMP_MAE;
    assert_int_equal(eddy_eval_parse_windows(&c, "5", err, sizeof(err)), 0);
    assert_int_equal(eddy_eval_parse_models(&c, "a,b,c", err, sizeof(err)), 0);
    ev = eddy_evaluator_new(&c, err, sizeof(err));
    assert_non_null(ev);
    return ev;
}

/* EV saved and restored into a new evaluator (as after a restart). */
static eddy_evaluator_t *pace_restore(eddy_evaluator_t *ev)
{
    eddy_buf_t buf = EDDY_BUF_INIT;
    eddy_evaluator_t *back = pace_evaluator();
    char err[256];

    assert_int_equal(eddy_evaluator_save(ev, "s", &buf), 0);
    assert_int_equal(
        eddy_evaluator_load(back, "s", buf.data, buf.len, err, sizeof(err)), 0);
    eddy_buf_free(&buf);
    eddy_evaluator_destroy(ev);
    return back;
}

/* The events of a run where model m reaches step t at time t + LAG[m]
 * (ties in the order ORDER), decisions waiting for a, b and c; restarted
 * from its saved state at time RESTORE_AT (-1: never). */
static void pace_run(const int lag[3], const int order[3], int restore_at, char *log,
                     size_t size)
{
    eddy_evaluator_t *ev = pace_evaluator();

    log[0] = '\0';
    for (int t = 0; t < PACE_STEPS; t++)
        pace_served[t] = NAN;
    for (int time = 0; time < PACE_STEPS + 400; time++)
        for (int k = 0; k < 3; k++) {
            if (time == restore_at && k == 0)
                ev = pace_restore(ev);
            int m = order[k], t = time - lag[m];
            if (t >= 0 && t < PACE_STEPS)
                pace_feed(ev, m, t, log, size);
        }
    eddy_evaluator_destroy(ev);
}

/* The served forecasts of the lockstep run (pace_served then). */
static double lockstep_served[PACE_STEPS];
static char lockstep_model[PACE_STEPS][EDDY_MODEL_NAME_MAX + 1];

/* Every step the last run served was served by the lockstep run too, with
 * the same model and forecast (bit for bit); and the last one is the same. */
static void same_served(void)
{
    int n = 0;

    for (int t = 0; t < PACE_STEPS; t++) {
        if (isnan(pace_served[t]))
            continue;
        assert_false(isnan(lockstep_served[t]));
        assert_memory_equal(&pace_served[t], &lockstep_served[t], sizeof(double));
        assert_string_equal(pace_served_model[t], lockstep_model[t]);
        n++;
    }
    assert_true(n > 0);
    assert_false(isnan(pace_served[PACE_STEPS - 1]));
}

/* The decisions (their steps, kinds, models and the errors that decided)
 * and the served forecasts (the combination included) are the same whether
 * the models arrive in lockstep or one is hundreds of steps behind, in any
 * order, restarted from a saved state or not. */
static void test_pace_independent(void **state)
{
    static char lockstep[16384], other[16384];
    static const int none[3] = {0, 0, 0}, abc[3] = {0, 1, 2}, cba[3] = {2, 1, 0};
    static const int c_late[3] = {0, 0, 300}, a_late[3] = {250, 0, 37},
                     b_late[3] = {5, 140, 0};

    (void)state;
    pace_run(none, abc, -1, lockstep, sizeof(lockstep));
    /* the run has something to agree on: a promotion, a revert, a gate
       failure and a promotion of c */
    assert_non_null(strstr(lockstep, "promotion b<-a"));
    assert_non_null(strstr(lockstep, "revert a<-b"));
    assert_non_null(strstr(lockstep, "promotion c<-a"));
    assert_non_null(strstr(lockstep, "gate_failure c<-c"));
    memcpy(lockstep_served, pace_served, sizeof(pace_served));
    memcpy(lockstep_model, pace_served_model, sizeof(pace_served_model));
    for (int t = 1; t < PACE_STEPS; t++) /* lockstep: every step served */
        assert_false(isnan(lockstep_served[t]));
    pace_run(none, cba, -1, other, sizeof(other));
    assert_string_equal(other, lockstep);
    same_served();
    pace_run(c_late, abc, 200, other, sizeof(other));
    assert_string_equal(other, lockstep);
    same_served();
    pace_run(a_late, cba, 280, other, sizeof(other));
    assert_string_equal(other, lockstep);
    same_served();
    pace_run(b_late, abc, -1, other, sizeof(other));
    assert_string_equal(other, lockstep);
    same_served();
}

/* A listed model that never comes is waited for max_lag steps only. */
static void test_max_lag(void **state)
{
    eddy_eval_conf_t c = {.horizons = 2, .season = 12, .max_series = 4, .max_lag = 10};
    eddy_evaluator_t *ev;
    char err[256];

    (void)state;
    c.champ = conf_small();
    assert_int_equal(eddy_eval_parse_windows(&c, "5", err, sizeof(err)), 0);
    assert_int_equal(eddy_eval_parse_models(&c, "a,zz", err, sizeof(err)), 0);
    assert_int_equal(eddy_eval_parse_models(&c, "a,,b", err, sizeof(err)), -1);
    assert_non_null(strstr(err, "--champion-models 'a,,b'"));
    assert_int_equal(eddy_eval_parse_models(&c, "a,zz", err, sizeof(err)), 0);
    ev = eddy_evaluator_new(&c, err, sizeof(err));
    for (int t = 0; t < 10; t++) {
        feed(ev, "a", t, 1.0, 7.0);
        assert_string_equal(eddy_evaluator_champion(ev, "s"), "");
    }
    feed(ev, "a", 10, 1.0, 7.0); /* zz, not seen, is now 11 steps behind */
    assert_string_equal(eddy_evaluator_champion(ev, "s"), "a");
    eddy_evaluator_destroy(ev);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_initial_and_provisional),
        cmocka_unit_test(test_promotion_after_k),
        cmocka_unit_test(test_champion_step_counts_challengers),
        cmocka_unit_test(test_coverage_gate),
        cmocka_unit_test(test_revert),
        cmocka_unit_test(test_contract_gate),
        cmocka_unit_test(test_no_passing_model_not_served),
        cmocka_unit_test(test_pin_unpin),
        cmocka_unit_test(test_drift_window),
        cmocka_unit_test(test_adwin_drift),
        cmocka_unit_test(test_state_round_trip),
        cmocka_unit_test(test_evaluator_promotes_and_serves),
        cmocka_unit_test(test_evaluator_non_finite_never_served),
        cmocka_unit_test(test_evaluator_combination),
        cmocka_unit_test(test_evaluator_loads_v4),
        cmocka_unit_test(test_evaluator_drift),
        cmocka_unit_test(test_evaluator_state_keeps_champion),
        cmocka_unit_test(test_pace_independent),
        cmocka_unit_test(test_max_lag),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
