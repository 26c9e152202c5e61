/* ledger_prom.c: the eddy_* Prometheus families of the ledger (see
 * ledger_core.h and README "Metrics"). Uses the ledger's public views. */
#include <math.h>
#include <stdio.h>

#include "ledger_core.h"

/* A sample only when V is finite: NaN and infinities are never written. */
static void sample(eddy_prom_buf_t *buf, const eddy_prom_label_t *labels, size_t n,
                   double v)
{
    if (isfinite(v))
        eddy_prom_sample(buf, labels, n, v);
}

typedef enum { F_MAE, F_RMSE, F_MAPE, F_MASE } err_field_t;

static double err_field(const eddy_ledger_err_t *e, err_field_t f)
{
    return f == F_MAE    ? e->mae
           : f == F_RMSE ? e->rmse
           : f == F_MAPE ? e->mape
                         : e->mase;
}

static const struct {
    const char *series_name, *model_name, *help;
    err_field_t f;
} err_families[] = {
    {"eddy_forecast_mae", "eddy_model_forecast_mae",
     "Mean absolute error of the h-step forecast (series units).", F_MAE},
    {"eddy_forecast_rmse", "eddy_model_forecast_rmse",
     "Root mean squared error of the h-step forecast (series units).", F_RMSE},
    {"eddy_forecast_mape_ratio", "eddy_model_forecast_mape_ratio",
     "Mean absolute percentage error of the h-step forecast as a ratio (0.05 = 5%); "
     "zero actuals left out.",
     F_MAPE},
    {"eddy_forecast_mase", "eddy_model_forecast_mase",
     "Mean absolute scaled error of the h-step forecast (MAE over the in-sample "
     "seasonal naive MAE; Hyndman & Koehler 2006).",
     F_MASE},
};

/* The error of S at horizon H (0-based) over window W (-1: cumulative). */
static const eddy_ledger_err_t *score_err(const eddy_ledger_score_t *s, int h, int w)
{
    return w < 0 ? &s->cum[h] : &s->roll[h][w];
}

static void window_name(const eddy_ledger_score_t *s, int w, char *out, size_t size)
{
    if (w < 0)
        snprintf(out, size, "cumulative");
    else
        snprintf(out, size, "%d", s->windows[w]);
}

/* Every (horizon, window) sample of one pair's score. */
static void pair_errors(eddy_prom_buf_t *buf, const eddy_ledger_pair_t *p,
                        err_field_t f)
{
    const eddy_ledger_score_t *s = p->score;
    char hs[16], ws[16];
    eddy_prom_label_t lb[4] = {
        {"model", p->model}, {"series", p->series}, {"horizon", hs}, {"window", ws}};

    for (int h = 0; s && h < s->n_h; h++) {
        snprintf(hs, sizeof(hs), "%d", h + 1);
        for (int w = -1; w < s->n_windows; w++) {
            window_name(s, w, ws, sizeof(ws));
            sample(buf, lb, 4, err_field(score_err(s, h, w), f));
        }
    }
}

/* Per-model aggregate of field F at horizon H, window W over the model's
 * scored series: cumulative figures weighted by the records scored (MASE:
 * plain mean, it is scale-free), rolling ones a plain mean. */
static double model_err(const eddy_ledger_t *l, size_t i, int h, int w, err_field_t f)
{
    double sum = 0, weight = 0;
    eddy_ledger_pair_t p;

    for (size_t j = 0; !eddy_ledger_pair(l, i, j, &p); j++) {
        if (!p.score || h >= p.score->n_h || w >= p.score->n_windows)
            continue;
        double v = err_field(score_err(p.score, h, w), f);
        double wt = (w < 0 && f != F_MASE) ? (double)p.score->scored[h] : 1.0;
        if (!isfinite(v) || !(wt > 0))
            continue;
        sum += v * wt;
        weight += wt;
    }
    return weight > 0 ? sum / weight : NAN;
}

/* The model's first scored pair: the shape (horizons, windows) it reports. */
static const eddy_ledger_score_t *model_shape(const eddy_ledger_t *l, size_t i)
{
    eddy_ledger_pair_t p;

    for (size_t j = 0; !eddy_ledger_pair(l, i, j, &p); j++)
        if (p.score)
            return p.score;
    return NULL;
}

static void model_errors(eddy_prom_buf_t *buf, const eddy_ledger_t *l, size_t i,
                         const char *model, err_field_t f)
{
    const eddy_ledger_score_t *s = model_shape(l, i);
    char hs[16], ws[16];
    eddy_prom_label_t lb[3] = {{"model", model}, {"horizon", hs}, {"window", ws}};

    for (int h = 0; s && h < s->n_h; h++) {
        snprintf(hs, sizeof(hs), "%d", h + 1);
        for (int w = -1; w < s->n_windows; w++) {
            window_name(s, w, ws, sizeof(ws));
            sample(buf, lb, 3, model_err(l, i, h, w, f));
        }
    }
}

static void render_scores(const eddy_ledger_t *l, eddy_prom_buf_t *buf)
{
    size_t nm = eddy_ledger_model_count(l);
    eddy_ledger_model_t mv;
    eddy_ledger_pair_t p;
    char hs[16];

    for (size_t f = 0; f < sizeof(err_families) / sizeof(err_families[0]); f++) {
        eddy_prom_family(buf, err_families[f].series_name, EDDY_PROM_GAUGE,
                         err_families[f].help);
        for (size_t i = 0; i < nm; i++)
            for (size_t j = 0; !eddy_ledger_pair(l, i, j, &p); j++)
                pair_errors(buf, &p, err_families[f].f);
        eddy_prom_family(buf, err_families[f].model_name, EDDY_PROM_GAUGE,
                         err_families[f].help);
        for (size_t i = 0; i < nm && !eddy_ledger_model(l, i, &mv); i++)
            model_errors(buf, l, i, mv.model, err_families[f].f);
    }
    eddy_prom_family(buf, "eddy_forecast_scored_total", EDDY_PROM_COUNTER,
                     "Forecasts scored against their actual, per horizon.");
    for (size_t i = 0; i < nm; i++)
        for (size_t j = 0; !eddy_ledger_pair(l, i, j, &p); j++) {
            eddy_prom_label_t lb[3] = {
                {"model", p.model}, {"series", p.series}, {"horizon", hs}};
            for (int h = 0; p.score && h < p.score->n_h; h++) {
                snprintf(hs, sizeof(hs), "%d", h + 1);
                sample(buf, lb, 3, (double)p.score->scored[h]);
            }
        }
    eddy_prom_family(buf, "eddy_model_forecast_scored_total", EDDY_PROM_COUNTER,
                     "Forecasts of the model scored, over its series, per horizon.");
    for (size_t i = 0; i < nm && !eddy_ledger_model(l, i, &mv); i++) {
        const eddy_ledger_score_t *s = model_shape(l, i);
        eddy_prom_label_t lb[2] = {{"model", mv.model}, {"horizon", hs}};
        for (int h = 0; s && h < s->n_h; h++) {
            double n = 0;
            snprintf(hs, sizeof(hs), "%d", h + 1);
            for (size_t j = 0; !eddy_ledger_pair(l, i, j, &p); j++)
                n += p.score && h < p.score->n_h ? (double)p.score->scored[h] : 0;
            sample(buf, lb, 2, n);
        }
    }
}

typedef enum { M_PRED, M_NONFINITE, M_FAILING, M_LAST } model_field_t;

static double model_field(const eddy_ledger_model_t *mv, model_field_t f)
{
    switch (f) {
    case M_PRED:
        return (double)mv->predictions;
    case M_NONFINITE:
        return (double)mv->nonfinite;
    case M_FAILING:
        return mv->failing;
    case M_LAST:
        return mv->last_predicted_s > 0 ? mv->last_predicted_s : NAN;
    }
    return NAN;
}

static void render_models(const eddy_ledger_t *l, eddy_prom_buf_t *buf)
{
    static const struct {
        const char *name, *help;
        eddy_prom_type_t type;
        model_field_t f;
    } fams[] = {
        {"eddy_model_predictions_total",
         "Distinct predictions (model, series, seq) read; a record read again is not "
         "counted again.",
         EDDY_PROM_COUNTER, M_PRED},
        {"eddy_model_nonfinite_predictions_total",
         "Predictions that were NaN or infinite.", EDDY_PROM_COUNTER, M_NONFINITE},
        {"eddy_model_failing",
         "1 when the model produced a non-finite prediction (never ranked), else 0.",
         EDDY_PROM_GAUGE, M_FAILING},
        {"eddy_model_last_prediction_timestamp_seconds",
         "Wall-clock time of the model's newest prediction (Unix seconds); "
         "time() minus it is the forecast age.",
         EDDY_PROM_GAUGE, M_LAST},
    };
    size_t nm = eddy_ledger_model_count(l);
    eddy_ledger_model_t mv;

    for (size_t f = 0; f < sizeof(fams) / sizeof(fams[0]); f++) {
        eddy_prom_family(buf, fams[f].name, fams[f].type, fams[f].help);
        for (size_t i = 0; i < nm && !eddy_ledger_model(l, i, &mv); i++) {
            eddy_prom_label_t lb = {"model", mv.model};
            sample(buf, &lb, 1, model_field(&mv, fams[f].f));
        }
    }
    eddy_prom_family(buf, "eddy_prediction_latency_seconds", EDDY_PROM_HISTOGRAM,
                     "End-to-end latency, produced_at (ingest) to predicted_at "
                     "(learner), each prediction counted once.");
    for (size_t i = 0; i < nm && !eddy_ledger_model(l, i, &mv); i++) {
        eddy_prom_label_t lb = {"model", mv.model};
        eddy_prom_histogram(buf, &lb, 1, eddy_ledger_latency_bounds(),
                            EDDY_LEDGER_N_LATENCY_BOUNDS, mv.latency_counts,
                            mv.latency_sum);
    }
}

static void render_series(const eddy_ledger_t *l, eddy_prom_buf_t *buf)
{
    size_t nm = eddy_ledger_model_count(l);
    eddy_ledger_pair_t p;

    eddy_prom_family(buf, "eddy_series_points", EDDY_PROM_GAUGE,
                     "Predictions kept for the status page and the ranking, per "
                     "(model, series).");
    for (size_t i = 0; i < nm; i++)
        for (size_t j = 0; !eddy_ledger_pair(l, i, j, &p); j++) {
            eddy_prom_label_t lb[2] = {{"model", p.model}, {"series", p.series}};
            sample(buf, lb, 2, (double)p.n_points);
        }
}

static void render_sink(const eddy_ledger_t *l, eddy_prom_buf_t *buf, size_t cap)
{
    eddy_ledger_stats_t st;
    static const char *const help[] = {
        "(model, series) pairs kept; at most eddy_sink_series_limit.",
        "Most (model, series) pairs kept (--max-series).",
        "Records of (model, series) pairs beyond the cap, not kept.",
        "Predictions read again (replaced, not added).",
        "Predictions older than every kept one, ignored.",
        "Score records read (each replaces its key's previous one).",
    };

    eddy_ledger_stats(l, &st);
    eddy_prom_family(buf, "eddy_sink_series", EDDY_PROM_GAUGE, help[0]);
    eddy_prom_sample(buf, NULL, 0, (double)st.pairs);
    eddy_prom_family(buf, "eddy_sink_series_limit", EDDY_PROM_GAUGE, help[1]);
    eddy_prom_sample(buf, NULL, 0, (double)cap);
    eddy_prom_family(buf, "eddy_sink_series_dropped_total", EDDY_PROM_COUNTER, help[2]);
    eddy_prom_sample(buf, NULL, 0, (double)st.series_dropped);
    eddy_prom_family(buf, "eddy_sink_predictions_replaced_total", EDDY_PROM_COUNTER,
                     help[3]);
    eddy_prom_sample(buf, NULL, 0, (double)st.replaced);
    eddy_prom_family(buf, "eddy_sink_predictions_stale_total", EDDY_PROM_COUNTER,
                     help[4]);
    eddy_prom_sample(buf, NULL, 0, (double)st.stale);
    eddy_prom_family(buf, "eddy_sink_scores_read_total", EDDY_PROM_COUNTER, help[5]);
    eddy_prom_sample(buf, NULL, 0, (double)st.scores);
}

int eddy_ledger_render(const eddy_ledger_t *l, eddy_prom_buf_t *buf, size_t max_series,
                       char *errstr, size_t errstr_size)
{
    int rc;

    render_scores(l, buf);
    render_models(l, buf);
    render_series(l, buf);
    render_sink(l, buf, max_series);
    if ((rc = eddy_prom_buf_error(buf)) && errstr && errstr_size)
        snprintf(errstr, errstr_size, "ledger: render: %s", eddy_prom_buf_errstr(buf));
    return rc;
}
