/* eddy-metrics: predictions -> Prometheus metrics, a leaderboard and the
 * latest forecasts, served over HTTP. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codec/codec.h"
#include "ledger_core.h"
#include "metrics_core.h"
#include "page.h"
#include "process_metrics.h"
#include "util/prom.h"
#include "util/log.h"
#include "runtime/stage.h"
#include "util/reason.h"

typedef struct metrics_conf_s {
    const char *input;
    const char *scores;
    const char *forecasts, *events;
    const char *chart_js;
    int per_series;
    int64_t max_series, max_models, max_points;
    int replay;
} metrics_conf_t;

static const eddy_opt_t metrics_opts[] = {
    EDDY_OPT(metrics_conf_t, STR, input, "input", 'i', "predictions",
             "topic of Prediction records"),
    EDDY_OPT(metrics_conf_t, BOOL, per_series, "per-series", 0, "true",
             "legacy ml_model_* families: also per (model, series), not only the "
             "model's _all row"),
    EDDY_OPT(metrics_conf_t, INT, max_series, "max-series", 0, "10000",
             "(model, series) pairs tracked (the cardinality cap of every per-series "
             "family); records of further pairs are counted in "
             "eddy_sink_series_dropped_total and not kept",
             .min = 1, .max = EDDY_OPT_NO_MAX),
    EDDY_OPT(metrics_conf_t, INT, max_models, "max-models", 0, "64", "models tracked",
             .min = 1, .max = EDDY_OPT_NO_MAX),
    EDDY_OPT(metrics_conf_t, BOOL, replay, "replay", 0, "true",
             "rebuild the aggregates from the start of the topic at every start"),
    EDDY_OPT(metrics_conf_t, STR, scores, "scores", 0, "scores",
             "compacted topic of Score records (eddy-evaluate), read from its start on "
             "every assignment; \"off\" to read none"),
    EDDY_OPT(metrics_conf_t, STR, forecasts, "forecasts", 0, "forecasts",
             "compacted topic of served Forecasts (eddy-evaluate), read whole, for GET "
             "/forecast?series=X and /champion/X; \"off\" to serve none"),
    EDDY_OPT(metrics_conf_t, STR, events, "events", 0, "model-events",
             "topic of ModelEvents (eddy-evaluate), read whole, for /champion/X; "
             "\"off\" to read none"),
    EDDY_OPT(metrics_conf_t, INT, max_points, "max-points", 0, "5000",
             "predictions kept per (model, series) for the status page and the ranking",
             .min = 4, .max = 10000000),
    EDDY_OPT(metrics_conf_t, STR, chart_js, "chart-js", 0,
             "/usr/share/javascript/chart.js/chart.min.js",
             "Chart.js (UMD build) served at /chart.js for the status page (Debian: "
             "libjs-chart.js)"),
    EDDY_OPT_TABLE_END};

static metrics_conf_t conf;

/* Once per model: a model with a non-finite prediction is failing. */
static void note_failing(sink_t *sink, const char *model)
{
    eddy_ledger_model_t mv;

    for (size_t i = 0; !eddy_ledger_model(sink->ledger, i, &mv); i++)
        if (!strcmp(mv.model, model) && mv.nonfinite == 1)
            eddy_log_warn("model predicts non-finite values: shown as failing, never "
                          "ranked",
                          "model=%s", model);
}

static const char *sink_prediction(sink_t *sink, const eddy_msg_t *msg, char *errstr,
                                   size_t errstr_size)
{
    const char *reason;
    eddy_pred_t *p = &sink->pred;
    eddy_ledger_pred_t lp;
    int rc;

    if ((reason = eddy_stage_decode_rec(sink->codec, EDDY_REC_PREDICTION, msg, p,
                                        errstr, errstr_size)))
        return reason;
    lp = (eddy_ledger_pred_t){.model = p->model,
                              .series = p->series_id,
                              .seq = p->seq,
                              .event_time_ms = p->event_time_ms,
                              .actual = p->target,
                              .prediction = p->prediction,
                              .forecast = p->forecast,
                              .n_forecast = p->n_forecast,
                              .produced_at_us = p->produced_at_us,
                              .predicted_at_us = p->predicted_at_us};
    rc = eddy_ledger_point(sink->ledger, &lp, errstr, errstr_size);
    if (rc < 0)
        return eddy_reason_name(rc == EDDY_LEDGER_ENOMEM
                                    ? EDDY_REASON_NOMEM
                                    : EDDY_REASON_INVALID_PREDICTION);
    if (rc != EDDY_LEDGER_NEW)
        return NULL; /* read again, stale or beyond the cap: counted by the ledger */
    if (!isfinite(p->prediction)) {
        note_failing(sink, p->model);
        return NULL;
    }
    /* The legacy ml_model_* families count each (model, series, seq) once. */
    if (eddy_metrics_observe(sink->metrics, p->model, p->series_id, p->seq,
                             p->event_time_ms, p->prediction, p->target, p->forecast,
                             p->n_forecast, p->produced_at_us, p->predicted_at_us,
                             errstr, errstr_size))
        return eddy_reason_name(EDDY_REASON_INVALID_PREDICTION);
    return NULL;
}

/* A figure of the Score whose count is 0 is undefined here (NaN: left out
 * of every metric and shown as "-"). */
static double defined(double v, int64_t count)
{
    return count > 0 ? v : NAN;
}

/* The Score record SC in the ledger's shape (horizons beyond
 * EDDY_LEDGER_MAX_H are left out). */
static void score_to_ledger(const eddy_score_t *sc, eddy_ledger_score_t *out)
{
    int nh = sc->n_n < sc->horizons ? sc->n_n : sc->horizons;
    double scale = sc->mase_scale;

    memset(out, 0, sizeof(*out));
    out->n_h = nh < EDDY_LEDGER_MAX_H ? nh : EDDY_LEDGER_MAX_H;
    out->n_windows = sc->n_windows;
    out->failing_predictions = (uint64_t)sc->failing_predictions;
    out->failing_forecasts = (uint64_t)sc->failing_forecasts;
    out->event_time_ms = sc->event_time_ms;
    for (int w = 0; w < sc->n_windows; w++)
        out->windows[w] = (int)sc->windows[w];
    for (int h = 0; h < out->n_h; h++) {
        int64_t n = h < sc->n_n ? sc->n[h] : 0;
        out->scored[h] = (uint64_t)n;
        out->cum[h] = (eddy_ledger_err_t){
            .mae = h < sc->n_mae ? defined(sc->mae[h], n) : NAN,
            .rmse = h < sc->n_rmse ? defined(sc->rmse[h], n) : NAN,
            .mape = h < sc->n_mape && h < sc->n_mape_n
                        ? defined(sc->mape[h], sc->mape_n[h])
                        : NAN,
            .mase = h < sc->n_mase && scale > 0 ? defined(sc->mase[h], n) : NAN};
        for (int w = 0; w < sc->n_windows; w++) {
            int k = w * nh + h;
            int64_t rn = k < sc->n_rolling_n ? sc->rolling_n[k] : 0;
            out->roll[h][w] = (eddy_ledger_err_t){
                .mae = k < sc->n_rolling_mae ? defined(sc->rolling_mae[k], rn) : NAN,
                .rmse = k < sc->n_rolling_rmse ? defined(sc->rolling_rmse[k], rn) : NAN,
                .mape = k < sc->n_rolling_mape && k < sc->n_rolling_mape_n
                            ? defined(sc->rolling_mape[k], sc->rolling_mape_n[k])
                            : NAN,
                .mase = k < sc->n_rolling_mase && scale > 0
                            ? defined(sc->rolling_mase[k], rn)
                            : NAN};
        }
    }
}

static const char *sink_score(sink_t *sink, const eddy_msg_t *msg, char *errstr,
                              size_t errstr_size)
{
    const char *reason;
    int rc;

    if ((reason = eddy_stage_decode_rec(sink->codec, EDDY_REC_SCORE, msg, &sink->score,
                                        errstr, errstr_size)))
        return reason;
    score_to_ledger(&sink->score, &sink->lscore);
    if (sink->score.horizons > EDDY_LEDGER_MAX_H && !sink->warned_horizons++)
        eddy_log_warn("scores beyond the horizons the sink keeps are left out",
                      "model=%s series=%s horizons=%d kept=%d", sink->score.model,
                      sink->score.series_id, sink->score.horizons, EDDY_LEDGER_MAX_H);
    rc = eddy_ledger_score(sink->ledger, sink->score.model, sink->score.series_id,
                           &sink->lscore, errstr, errstr_size);
    if (rc < 0)
        return eddy_reason_name(rc == EDDY_LEDGER_ENOMEM
                                    ? EDDY_REASON_NOMEM
                                    : EDDY_REASON_INVALID_PREDICTION);
    return NULL;
}

static const char *sink_process(void *arg, const eddy_msg_t *msg, eddy_emit_t *emit,
                                char *errstr, size_t errstr_size)
{
    sink_t *sink = arg;

    (void)emit;
    if (sink->scores_topic && msg->topic && !strcmp(msg->topic, sink->scores_topic))
        return sink_score(sink, msg, errstr, errstr_size);
    return sink_prediction(sink, msg, errstr, errstr_size);
}

/* The served champions (serve.h), when served. Returns 0, or -1 with ERRSTR. */
static int serve_render(sink_t *sink, eddy_prom_buf_t *prom, char *errstr,
                        size_t errstr_size)
{
    if (!sink->serve)
        return 0;
    eddy_serve_metrics(sink->serve, prom);
    if (eddy_prom_buf_error(prom) == EDDY_PROM_OK)
        return 0;
    snprintf(errstr, errstr_size, "%s", eddy_prom_buf_errstr(prom));
    return -1;
}

static void sink_metrics(void *arg, eddy_buf_t *out)
{
    sink_t *sink = arg;
    size_t mark = out->len;
    eddy_prom_buf_t *prom = eddy_prom_buf_over(out);
    char errstr[256];

    if (!prom) {
        out->failed = 1;
        return;
    }
    eddy_process_metrics(prom, "eddy-metrics", EDDY_VERSION);
    if (eddy_ledger_render(sink->ledger, prom, (size_t)conf.max_series, errstr,
                           sizeof(errstr)) ||
        eddy_metrics_render(sink->metrics, prom, errstr, sizeof(errstr)) ||
        serve_render(sink, prom, errstr, sizeof(errstr))) {
        eddy_log_error("cannot render metrics", "error=\"%s\"", errstr);
        out->len = mark; /* nothing of a failed rendering */
        if (out->data)
            out->data[mark] = '\0';
    }
    eddy_prom_buf_destroy(prom);
}

static sink_t sink;

static int sink_start(eddy_stage_t *stage, eddy_codec_t *codec, char *errstr,
                      size_t errstr_size)
{
    eddy_metrics_config_t cfg;
    eddy_ledger_config_t lcfg = {.max_models = (size_t)conf.max_models,
                                 .max_series = (size_t)conf.max_series,
                                 .max_points = (size_t)conf.max_points};

    eddy_metrics_config_default(&cfg);
    cfg.per_series = conf.per_series;
    cfg.max_series = (size_t)conf.max_series;
    cfg.max_models = (size_t)conf.max_models;
    sink.codec = codec;
    if (!(sink.metrics = eddy_metrics_new(&cfg, errstr, errstr_size)) ||
        !(sink.ledger = eddy_ledger_new(&lcfg, errstr, errstr_size)))
        return 1;
    sink.chart_js = conf.chart_js;
    if (strcmp(conf.forecasts, "off") &&
        !(sink.serve = eddy_serve_new(eddy_stage_opts(), codec, conf.forecasts,
                                      strcmp(conf.events, "off") ? conf.events : NULL,
                                      (size_t)conf.max_series, errstr, errstr_size)))
        return 1;
    sink.scores_topic = strcmp(conf.scores, "off") && *conf.scores ? conf.scores : NULL;
    stage->extra_input_topic = sink.scores_topic;
    stage->from_beginning = conf.replay;
    return 0;
}

static void sink_stop(eddy_stage_t *stage)
{
    (void)stage;
    eddy_metrics_destroy(sink.metrics);
    eddy_ledger_destroy(sink.ledger);
    eddy_serve_destroy(sink.serve);
}

static const eddy_stage_def_t metrics_def = {
    EDDY_STAGE_NAME("metrics"),
    .summary = "Consumes Predictions and eddy-evaluate's Scores and serves them: "
               "Prometheus metrics at /metrics, a leaderboard at /leaderboard (JSON) "
               "and /leaderboard.txt, the latest forecasts at /forecasts, per-series "
               "data at /api/..., and a status page with charts at /. Reading a record "
               "again (restart, rebalance, replay) changes nothing.",
    .http_port = 9100,
    .input_type = EDDY_REC_PREDICTION,
    .output_type = -1,
    .opts = metrics_opts,
    .conf = &conf,
    .input_topic = &conf.input,
    .loop = {.ctx = &sink,
             .process = sink_process,
             .metrics = sink_metrics,
             .http = eddy_page_http},
    .start = sink_start,
    .stop = sink_stop,
};

int main(int argc, char **argv)
{
    return eddy_stage_main(&metrics_def, argc, argv);
}
