/* eddy-metrics: predictions -> Prometheus metrics, a leaderboard and the
 * latest forecasts, served over HTTP. */
#include <inttypes.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codec/codec.h"
#include "metrics_core.h"
#include "util/prom.h"
#include "util/log.h"
#include "runtime/stage.h"
#include "util/reason.h"

typedef struct metrics_conf_s {
    const char *input;
    int per_series;
    int64_t max_series, max_models;
    int replay;
} metrics_conf_t;

static const eddy_opt_t metrics_opts[] = {
    EDDY_OPT(metrics_conf_t, STR, input, "input", 'i', "predictions",
             "topic of Prediction records"),
    EDDY_OPT(metrics_conf_t, BOOL, per_series, "per-series", 0, "true",
             "also keep metrics per (model, series), not only per model"),
    EDDY_OPT(metrics_conf_t, INT, max_series, "max-series", 0, "10000",
             "(model, series) pairs tracked; further series count only in the model's "
             "_all row",
             .min = 1, .max = EDDY_OPT_NO_MAX),
    EDDY_OPT(metrics_conf_t, INT, max_models, "max-models", 0, "64", "models tracked",
             .min = 1, .max = EDDY_OPT_NO_MAX),
    EDDY_OPT(metrics_conf_t, BOOL, replay, "replay", 0, "true",
             "rebuild the aggregates from the start of the topic at every start"),
    EDDY_OPT_TABLE_END};

static metrics_conf_t conf;

typedef struct sink_s {
    eddy_codec_t *codec;
    eddy_metrics_t *metrics;
    eddy_pred_t pred;
} sink_t;

static const char *sink_process(void *arg, const eddy_msg_t *msg, eddy_emit_t *emit,
                                char *errstr, size_t errstr_size)
{
    sink_t *sink = arg;
    const char *reason;
    eddy_pred_t *p = &sink->pred;

    (void)emit;
    if ((reason = eddy_stage_decode_rec(sink->codec, EDDY_REC_PREDICTION, msg, p,
                                        errstr, errstr_size)))
        return reason;
    if (eddy_metrics_observe(sink->metrics, p->model, p->series_id, p->seq,
                             p->event_time_ms, p->prediction, p->target, p->forecast,
                             p->n_forecast, p->produced_at_us, p->predicted_at_us,
                             errstr, errstr_size))
        return eddy_reason_name(EDDY_REASON_INVALID_PREDICTION);
    return NULL;
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
    if (eddy_metrics_render(sink->metrics, prom, errstr, sizeof(errstr))) {
        eddy_log_error("cannot render metrics", "error=\"%s\"", errstr);
        out->len = mark; /* nothing of a failed rendering */
        if (out->data)
            out->data[mark] = '\0';
    }
    eddy_prom_buf_destroy(prom);
}

static json_t *num(double v)
{
    return isfinite(v) ? json_real(v) : json_null();
}

static json_t *leaderboard_json(sink_t *sink)
{
    size_t n = eddy_metrics_model_count(sink->metrics);
    eddy_metrics_rank_t *rows = calloc(n ? n : 1, sizeof(*rows));
    json_t *a = json_array();

    if (!rows)
        return a;
    n = eddy_metrics_leaderboard(sink->metrics, rows, n);
    for (size_t i = 0; i < n; i++)
        json_array_append_new(a, json_pack("{s:i, s:s, s:I, s:o, s:o, s:o, s:o}",
                                           "rank", (int)i + 1, "model", rows[i].model,
                                           "n", (json_int_t)rows[i].n, "mae",
                                           num(rows[i].mae), "rmse", num(rows[i].rmse),
                                           "mape", num(rows[i].mape), "next_forecast",
                                           num(rows[i].next_forecast)));
    free(rows);
    return a;
}

static void leaderboard_text(sink_t *sink, eddy_buf_t *body)
{
    size_t n = eddy_metrics_model_count(sink->metrics);
    eddy_metrics_rank_t *rows = calloc(n ? n : 1, sizeof(*rows));

    if (!rows)
        return;
    n = eddy_metrics_leaderboard(sink->metrics, rows, n);
    eddy_buf_printf(body, "%-4s %-16s %8s %12s %12s %9s %14s\n", "rank", "model", "n",
                    "MAE", "RMSE", "MAPE%", "next_forecast");
    for (size_t i = 0; i < n; i++)
        eddy_buf_printf(body, "%-4zu %-16s %8" PRIu64 " %12.4f %12.4f %9.3f %14.4f\n",
                        i + 1, rows[i].model, rows[i].n, rows[i].mae, rows[i].rmse,
                        rows[i].mape, rows[i].next_forecast);
    free(rows);
}

static json_t *forecasts_json(sink_t *sink)
{
    json_t *a = json_array();
    size_t n = eddy_metrics_model_count(sink->metrics);

    for (size_t i = 0; i < n; i++) {
        size_t ns = eddy_metrics_series_count(sink->metrics, i);
        for (size_t j = 0; j < ns; j++) {
            eddy_metrics_series_view_t v;
            json_t *f = json_array();
            if (eddy_metrics_series_view(sink->metrics, i, j, &v))
                continue;
            for (int k = 0; k < v.n_forecast; k++)
                json_array_append_new(f, num(v.forecast[k]));
            json_array_append_new(
                a, json_pack("{s:s, s:s, s:I, s:I, s:o, s:o, s:o}", "model", v.model,
                             "series", v.series, "last_seq", (json_int_t)v.last_seq,
                             "last_event_time", (json_int_t)v.last_event_time_ms,
                             "last_actual", num(v.last_actual), "last_prediction",
                             num(v.last_prediction), "forecast", f));
        }
    }
    return a;
}

static void put_json(eddy_buf_t *body, json_t *j)
{
    char *s = json_dumps(j, JSON_INDENT(2) | JSON_REAL_PRECISION(17));
    if (s) {
        eddy_buf_printf(body, "%s\n", s);
        free(s);
    }
    json_decref(j);
}

static int sink_http(void *arg, const char *path, eddy_buf_t *body, const char **ctype)
{
    sink_t *sink = arg;

    if (!strcmp(path, "/leaderboard")) {
        *ctype = "application/json";
        put_json(body, leaderboard_json(sink));
        return 200;
    }
    if (!strcmp(path, "/leaderboard.txt")) {
        leaderboard_text(sink, body);
        return 200;
    }
    if (!strcmp(path, "/forecasts")) {
        *ctype = "application/json";
        put_json(body, forecasts_json(sink));
        return 200;
    }
    if (!strcmp(path, "/")) {
        *ctype = "text/html; charset=utf-8";
        eddy_buf_printf(body, "<!doctype html><html><head><title>eddy metrics</title>"
                              "<meta http-equiv=\"refresh\" content=\"5\"></head><body>"
                              "<h1>eddy: model leaderboard</h1><pre>");
        leaderboard_text(sink, body);
        eddy_buf_printf(body, "</pre><p><a href=\"/metrics\">/metrics</a> · "
                              "<a href=\"/leaderboard\">/leaderboard</a> · "
                              "<a href=\"/forecasts\">/forecasts</a> · "
                              "<a href=\"/healthz\">/healthz</a> · "
                              "<a href=\"/readyz\">/readyz</a></p></body></html>\n");
        return 200;
    }
    return 0;
}

static sink_t sink;

static int sink_start(eddy_stage_t *stage, eddy_codec_t *codec, char *errstr,
                      size_t errstr_size)
{
    eddy_metrics_config_t cfg;

    eddy_metrics_config_default(&cfg);
    cfg.per_series = conf.per_series;
    cfg.max_series = (size_t)conf.max_series;
    cfg.max_models = (size_t)conf.max_models;
    sink.codec = codec;
    if (!(sink.metrics = eddy_metrics_new(&cfg, errstr, errstr_size)))
        return 1;
    stage->from_beginning = conf.replay;
    return 0;
}

static void sink_stop(eddy_stage_t *stage)
{
    (void)stage;
    eddy_metrics_destroy(sink.metrics);
}

static const eddy_stage_def_t metrics_def = {
    EDDY_STAGE_NAME("metrics"),
    .summary =
        "Consumes Predictions and serves per-model (and per-series) error "
        "metrics in Prometheus format at /metrics, a leaderboard at /leaderboard "
        "(JSON) and /leaderboard.txt, the latest forecasts at /forecasts and a "
        "status page at /.",
    .http_port = 9100,
    .input_type = EDDY_REC_PREDICTION,
    .output_type = -1,
    .opts = metrics_opts,
    .conf = &conf,
    .input_topic = &conf.input,
    .loop = {.ctx = &sink,
             .process = sink_process,
             .metrics = sink_metrics,
             .http = sink_http},
    .start = sink_start,
    .stop = sink_stop,
};

int main(int argc, char **argv)
{
    return eddy_stage_main(&metrics_def, argc, argv);
}
