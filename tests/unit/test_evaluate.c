/* test_evaluate.c: the forecast ledger (processors/evaluate/evaluate_core.h).
 *
 * Predictions are built over the seed's 744 values with forecasts that
 * differ per horizon; every figure the evaluator publishes is checked
 * against a direct computation written from the definitions (all pairs of a
 * horizon listed, then summed), not against recorded outputs. Then: replays
 * never scored twice, gaps, non-finite values, several models on a series,
 * and the state snapshot (round trip, damage, other options).
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
#include "samples.h"

#define ROWS_MAX 1024
#define H        5
#define SEASON   12

static double truth[ROWS_MAX];
static int n_rows;

/* The seed's values (data/airpassengers-extended.csv), three set to 0 so
 * that MAPE's zero targets are exercised. */
static int load_seed(void **state)
{
    const char *dir = getenv("EDDY_SOURCE_DIR");
    char path[1024], line[256];
    FILE *f;

    (void)state;
    snprintf(path, sizeof(path), "%s/data/airpassengers-extended.csv", dir ? dir : ".");
    if (!(f = fopen(path, "r")))
        return -1;
    n_rows = 0;
    while (fgets(line, sizeof(line), f) && n_rows < ROWS_MAX) {
        char *comma = strchr(line, ',');
        if (comma && strncmp(line, "input", 5))
            truth[n_rows++] = atof(comma + 1);
    }
    fclose(f);
    truth[40] = truth[41] = truth[300] = 0.0;
    return n_rows > 700 ? 0 : -1;
}

static eddy_eval_conf_t conf_default(void)
{
    eddy_eval_conf_t c = {.horizons = H, .season = SEASON, .max_series = 16};
    char err[256];

    assert_int_equal(eddy_eval_parse_windows(&c, "5,10,20", err, sizeof(err)), 0);
    return c;
}

static eddy_evaluator_t *evaluator(void)
{
    eddy_eval_conf_t c = conf_default();
    char err[256] = "";
    eddy_evaluator_t *ev = eddy_evaluator_new(&c, err, sizeof(err));

    if (!ev)
        fail_msg("eddy_evaluator_new: %s", err);
    return ev;
}

/* The one-step prediction of step T and the forecast made after step T
 * (item h-1 for step T + h): deterministic, different per horizon. */
static double pred_of(int t)
{
    return t > 0 ? truth[t - 1] + 3.0 * sin(t) : 100.0;
}

static double forecast_of(int t, int h)
{
    return truth[t] * (1.0 + 0.01 * h) + (double)((t * 7 + h * 3) % 11) - 5.0;
}

static void make_pred(eddy_pred_t *p, const char *model, int t)
{
    memset(p, 0, sizeof(*p));
    snprintf(p->series_id, sizeof(p->series_id), "airpassengers");
    snprintf(p->model, sizeof(p->model), "%s", model);
    p->seq = t;
    p->event_time_ms = (int64_t)t * 2629746000LL; /* a mean month */
    p->prediction = pred_of(t);
    p->target = truth[t];
    p->n_forecast = H;
    for (int h = 1; h <= H; h++)
        p->forecast[h - 1] = forecast_of(t, h);
}

/* ---- the direct computation: list the pairs, then sum */

typedef struct pair_s {
    double yhat, y;
} pair_t;

static pair_t pairs[H + 1][ROWS_MAX];
static int n_pairs[H + 1];

/* Every scored pair per horizon over the steps in SEEN[0..last] (1 = the
 * record arrived and is usable; steps whose prediction or forecast item is
 * marked in BAD_PRED / BAD_FC[t][h] are left out). */
static int seen[ROWS_MAX], bad_pred[ROWS_MAX], bad_fc[ROWS_MAX][H + 1];

static void list_pairs(int last)
{
    memset(n_pairs, 0, sizeof(n_pairs));
    for (int s = 0; s <= last; s++) {
        if (!seen[s])
            continue;
        if (!bad_pred[s])
            pairs[1][n_pairs[1]++] = (pair_t){pred_of(s), truth[s]};
        for (int h = 2; h <= H; h++)
            if (s - h >= 0 && seen[s - h] && !bad_fc[s - h][h])
                pairs[h][n_pairs[h]++] = (pair_t){forecast_of(s - h, h), truth[s]};
    }
}

typedef struct figs_s {
    int64_t n, mape_n;
    double mae, rmse, mape;
} figs_t;

/* The figures of the last K pairs of horizon H (all when K is larger). */
static figs_t figures(int h, int64_t k)
{
    figs_t f = {0, 0, 0.0, 0.0, 0.0};
    int from = k < n_pairs[h] ? n_pairs[h] - (int)k : 0;
    double sq = 0.0;

    for (int i = from; i < n_pairs[h]; i++) {
        double e = fabs(pairs[h][i].y - pairs[h][i].yhat);
        f.n++;
        f.mae += e;
        sq += e * e;
        if (pairs[h][i].y != 0.0) {
            f.mape += e / fabs(pairs[h][i].y);
            f.mape_n++;
        }
    }
    f.mae = f.n ? f.mae / (double)f.n : 0.0;
    f.rmse = f.n ? sqrt(sq / (double)f.n) : 0.0;
    f.mape = f.mape_n ? f.mape / (double)f.mape_n : 0.0;
    return f;
}

/* Mean |y_s - y_(s-m)| over the pairs of seen steps up to LAST. */
static double scale_of(int last)
{
    double sum = 0.0;
    int n = 0;

    for (int s = SEASON; s <= last; s++)
        if (seen[s] && seen[s - SEASON]) {
            sum += fabs(truth[s] - truth[s - SEASON]);
            n++;
        }
    return n ? sum / n : 0.0;
}

static void assert_close(double got, double want, const char *what, int h)
{
    if (fabs(got - want) > 1e-9 * fmax(1.0, fabs(want)))
        fail_msg("%s at h=%d: got %.15g, want %.15g", what, h, got, want);
}

/* SC, the evaluator's score after step LAST, against the direct figures. */
static void assert_score(const eddy_score_t *sc, int last)
{
    double scale = scale_of(last);

    list_pairs(last);
    assert_int_equal(sc->seq, last);
    assert_int_equal(sc->horizons, H);
    assert_int_equal(sc->n_mae, H);
    assert_int_equal(sc->n_rolling_mae, 3 * H);
    assert_close(sc->mase_scale, scale, "mase_scale", 0);
    for (int h = 1; h <= H; h++) {
        figs_t f = figures(h, ROWS_MAX);
        assert_int_equal(sc->n[h - 1], f.n);
        assert_int_equal(sc->mape_n[h - 1], f.mape_n);
        assert_close(sc->mae[h - 1], f.mae, "mae", h);
        assert_close(sc->rmse[h - 1], f.rmse, "rmse", h);
        assert_close(sc->mape[h - 1], f.mape, "mape", h);
        assert_close(sc->mase[h - 1], scale > 0 ? f.mae / scale : 0.0, "mase", h);
        for (int w = 0; w < 3; w++) {
            int i = EDDY_SCORE_AT(w, h, H);
            figs_t r = figures(h, sc->windows[w]);
            assert_int_equal(sc->rolling_n[i], r.n);
            assert_int_equal(sc->rolling_mape_n[i], r.mape_n);
            assert_close(sc->rolling_mae[i], r.mae, "rolling_mae", h);
            assert_close(sc->rolling_rmse[i], r.rmse, "rolling_rmse", h);
            assert_close(sc->rolling_mape[i], r.mape, "rolling_mape", h);
            assert_close(sc->rolling_mase[i], scale > 0 ? r.mae / scale : 0.0,
                         "rolling_mase", h);
        }
    }
}

static void reset_direct(void)
{
    memset(seen, 0, sizeof(seen));
    memset(bad_pred, 0, sizeof(bad_pred));
    memset(bad_fc, 0, sizeof(bad_fc));
}

/* Feeds step T of MODEL; asserts the result. */
static void feed(eddy_evaluator_t *ev, const char *model, int t, eddy_score_t *sc,
                 eddy_eval_result_t want, eddy_eval_note_t *note)
{
    static eddy_pred_t p;

    make_pred(&p, model, t);
    if (bad_pred[t])
        p.prediction = NAN;
    for (int h = 1; h <= H; h++)
        if (bad_fc[t][h])
            p.forecast[h - 1] = h % 2 ? INFINITY : NAN;
    assert_int_equal(eddy_evaluator_process(ev, &p, sc, note), want);
}

/* Feeds steps FROM..TO-1 of MODEL, each scored, marking them seen. */
static void feed_steps(eddy_evaluator_t *ev, const char *model, int from, int to,
                       eddy_score_t *sc)
{
    for (int t = from; t < to; t++) {
        seen[t] = 1;
        feed(ev, model, t, sc, EDDY_EVAL_SCORED, NULL);
    }
}

/* ---- tests */

/* Every step of the seed: the score after each of a sample of steps, and
 * after the last, equals the direct computation at every horizon and
 * window; the latest forecast and its event times are the last record's. */
static void test_horizons_direct(void **state)
{
    eddy_evaluator_t *ev = evaluator();
    static eddy_score_t sc;

    (void)state;
    reset_direct();
    for (int t = 0; t < n_rows; t++) {
        seen[t] = 1;
        feed(ev, "linear", t, &sc, EDDY_EVAL_SCORED, NULL);
        if (t < 30 || t % 97 == 0 || t == n_rows - 1)
            assert_score(&sc, t);
    }
    assert_int_equal(sc.n[0], n_rows);
    assert_int_equal(sc.n[H - 1], n_rows - H);
    assert_int_equal(sc.mape_n[0], n_rows - 3);
    assert_int_equal(sc.n_forecast, H);
    assert_int_equal(sc.n_forecast_event_times, H);
    for (int h = 1; h <= H; h++) {
        assert_true(sc.forecast[h - 1] == forecast_of(n_rows - 1, h));
        assert_int_equal(sc.forecast_event_times_ms[h - 1],
                         (int64_t)(n_rows - 1 + h) * 2629746000LL);
    }
    assert_int_equal(sc.duplicates + sc.gap_dropped + sc.failing_predictions, 0);
    assert_int_equal(sc.last_failing_seq, -1);
    eddy_evaluator_destroy(ev);
}

/* A replay (the same steps again, as a learner reset to the start would
 * send them) and single duplicates are skipped and counted, never scored:
 * the scores after them are those of the run without them. */
static void test_replay_not_counted(void **state)
{
    eddy_evaluator_t *ev = evaluator();
    static eddy_score_t sc;
    eddy_eval_note_t note;
    int firsts = 0;

    (void)state;
    reset_direct();
    feed_steps(ev, "linear", 0, 200, &sc);
    for (int t = 0; t < 200; t++) { /* the whole replay */
        feed(ev, "linear", t, &sc, EDDY_EVAL_DUPLICATE, &note);
        firsts += note.first_duplicate;
    }
    feed(ev, "linear", 199, &sc, EDDY_EVAL_DUPLICATE, &note);
    assert_int_equal(firsts, 1);
    feed_steps(ev, "linear", 200, 260, &sc);
    assert_score(&sc, 259);
    assert_int_equal(sc.duplicates, 201);
    assert_int_equal(sc.n[0], 260);
    eddy_evaluator_destroy(ev);
}

/* A gap drops the forecasts that targeted the missing steps (counted as a
 * direct count of those (origin, horizon) pairs), and still scores those
 * that target steps after it. */
static void test_gap(void **state)
{
    eddy_evaluator_t *ev = evaluator();
    static eddy_score_t sc;
    eddy_eval_note_t note;
    int64_t want_dropped = 0;

    (void)state;
    reset_direct();
    feed_steps(ev, "linear", 0, 20, &sc);
    seen[23] = 1;
    feed(ev, "linear", 23, &sc, EDDY_EVAL_SCORED, &note);
    assert_int_equal(note.first_gap, 1);
    assert_int_equal(note.last_seq, 19);
    feed_steps(ev, "linear", 24, 60, &sc);
    for (int o = 0; o < 20; o++)
        for (int h = 2; h <= H; h++)
            want_dropped += o + h >= 20 && o + h <= 22;
    assert_int_equal(want_dropped, 11);
    assert_int_equal(sc.gap_dropped, want_dropped);
    assert_score(&sc, 59);
    eddy_evaluator_destroy(ev);
}

/* A NaN prediction and Inf/NaN forecast items never enter a score; they
 * are counted as failing, and the rest is scored as usual. */
static void test_not_finite(void **state)
{
    eddy_evaluator_t *ev = evaluator();
    static eddy_score_t sc;
    eddy_eval_note_t note;
    int firsts = 0;

    (void)state;
    reset_direct();
    bad_pred[10] = bad_pred[11] = 1;
    bad_fc[30][3] = bad_fc[31][2] = bad_fc[31][5] = 1;
    for (int t = 0; t < 80; t++) {
        seen[t] = 1;
        feed(ev, "nan_model", t, &sc, EDDY_EVAL_SCORED, &note);
        firsts += note.first_failing;
        if (t == 31) {
            assert_int_equal(sc.last_failing_seq, 31);
            assert_int_equal(sc.n_forecast, 0); /* shown empty, never NaN */
        }
    }
    assert_int_equal(firsts, 1);
    assert_int_equal(sc.failing_predictions, 2);
    assert_int_equal(sc.failing_forecasts, 2);
    assert_int_equal(sc.n[0], 78);
    assert_score(&sc, 79);
    for (int i = 0; i < sc.n_mae; i++)
        assert_true(isfinite(sc.mae[i]) && isfinite(sc.rmse[i]));
    eddy_evaluator_destroy(ev);
}

/* Two models on one series are scored apart; a bad seq is refused. */
static void test_models_apart(void **state)
{
    eddy_evaluator_t *ev = evaluator();
    static eddy_score_t a, b;
    static eddy_pred_t p;

    (void)state;
    reset_direct();
    for (int t = 0; t < 50; t++) {
        feed_steps(ev, "linear", t, t + 1, &a);
        if (t % 2 == 0)
            feed(ev, "ridge", t, &b, EDDY_EVAL_SCORED, NULL);
    }
    assert_string_equal(a.model, "linear");
    assert_string_equal(b.model, "ridge");
    assert_score(&a, 49);
    assert_int_equal(b.n[0], 25);
    assert_int_equal(eddy_evaluator_series_count(ev), 1);
    assert_int_equal(eddy_evaluator_track_count(ev), 2);
    make_pred(&p, "linear", 0);
    p.seq = -1;
    assert_int_equal(eddy_evaluator_process(ev, &p, &a, NULL), EDDY_EVAL_BAD_SEQ);
    eddy_evaluator_destroy(ev);
}

/* Saved half-way and loaded into a new evaluator, the state continues
 * exactly as the uninterrupted one (every score byte for byte). */
static void test_snapshot_round_trip(void **state)
{
    eddy_evaluator_t *ev = evaluator(), *back = evaluator();
    static eddy_score_t a, b;
    eddy_buf_t snap = EDDY_BUF_INIT, again = EDDY_BUF_INIT;
    char err[256] = "";

    (void)state;
    reset_direct();
    bad_pred[5] = 1;
    bad_fc[7][2] = 1;
    for (int t = 0; t < 300; t++)
        if (t != 100) {
            feed(ev, "linear", t, &a, EDDY_EVAL_SCORED, NULL);
            feed(ev, "snaive", t, &a, EDDY_EVAL_SCORED, NULL);
        }
    feed(ev, "linear", 3, &a, EDDY_EVAL_DUPLICATE, NULL);
    assert_int_equal(eddy_evaluator_save(ev, "airpassengers", &snap), 0);
    assert_int_equal(eddy_evaluator_save(ev, "nope", &again), 1);
    assert_int_equal(eddy_evaluator_load(back, "airpassengers", snap.data, snap.len,
                                         err, sizeof(err)),
                     0);
    assert_int_equal(eddy_evaluator_save(back, "airpassengers", &again), 0);
    assert_int_equal(again.len, snap.len);
    assert_memory_equal(again.data, snap.data, snap.len);
    for (int t = 300; t < n_rows; t++) {
        const char *m = t % 2 ? "linear" : "snaive";
        feed(ev, m, t, &a, EDDY_EVAL_SCORED, NULL);
        feed(back, m, t, &b, EDDY_EVAL_SCORED, NULL);
        if (record_diff(EDDY_REC_SCORE, &a, &b, err, sizeof(err)))
            fail_msg("step %d: %s", t, err);
    }
    eddy_buf_free(&snap);
    eddy_buf_free(&again);
    eddy_evaluator_destroy(ev);
    eddy_evaluator_destroy(back);
}

/* A truncated or damaged snapshot, or one saved with other options, is
 * refused with a message, never read past its end. */
static void test_snapshot_refused(void **state)
{
    eddy_evaluator_t *ev = evaluator(), *back = evaluator(), *other;
    eddy_eval_conf_t c = conf_default();
    static eddy_score_t sc;
    eddy_buf_t snap = EDDY_BUF_INIT;
    char err[512];

    (void)state;
    reset_direct();
    for (int t = 0; t < 40; t++)
        feed(ev, "linear", t, &sc, EDDY_EVAL_SCORED, NULL);
    assert_int_equal(eddy_evaluator_save(ev, "airpassengers", &snap), 0);
    for (size_t n = 0; n < snap.len; n += 7) {
        uint8_t *cut = malloc(n ? n : 1); /* exact size: ASan sees over-reads */
        memcpy(cut, snap.data, n);
        err[0] = '\0';
        assert_int_equal(
            eddy_evaluator_load(back, "airpassengers", cut, n, err, sizeof(err)), -1);
        assert_true(err[0] != '\0');
        free(cut);
    }
    for (size_t i = 0; i < snap.len; i += 13) {
        snap.data[i] ^= 0x20;
        assert_int_equal(eddy_evaluator_load(back, "airpassengers", snap.data, snap.len,
                                             err, sizeof(err)),
                         -1);
        snap.data[i] ^= 0x20;
    }
    c.horizons = 4;
    other = eddy_evaluator_new(&c, err, sizeof(err));
    assert_non_null(other);
    assert_int_equal(eddy_evaluator_load(other, "airpassengers", snap.data, snap.len,
                                         err, sizeof(err)),
                     -1);
    assert_non_null(strstr(err, "--horizons 5"));
    eddy_buf_free(&snap);
    eddy_evaluator_destroy(ev);
    eddy_evaluator_destroy(back);
    eddy_evaluator_destroy(other);
}

/* --windows: the list, and bad items named. */
static void test_windows_option(void **state)
{
    eddy_eval_conf_t c = {.horizons = H, .season = SEASON, .max_series = 1};
    char err[256];

    (void)state;
    assert_int_equal(eddy_eval_parse_windows(&c, "3,50", err, sizeof(err)), 0);
    assert_int_equal(c.n_windows, 2);
    assert_int_equal(c.windows[1], 50);
    assert_int_equal(eddy_eval_parse_windows(&c, "5,x", err, sizeof(err)), -1);
    assert_non_null(strstr(err, "'5,x'"));
    assert_int_equal(eddy_eval_parse_windows(&c, "0", err, sizeof(err)), -1);
    assert_int_equal(eddy_eval_parse_windows(&c, "1,2,3,4,5,6,7,8,9", err, sizeof(err)),
                     -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_horizons_direct),
        cmocka_unit_test(test_replay_not_counted),
        cmocka_unit_test(test_gap),
        cmocka_unit_test(test_not_finite),
        cmocka_unit_test(test_models_apart),
        cmocka_unit_test(test_snapshot_round_trip),
        cmocka_unit_test(test_snapshot_refused),
        cmocka_unit_test(test_windows_option),
    };
    return cmocka_run_group_tests(tests, load_seed, NULL);
}
