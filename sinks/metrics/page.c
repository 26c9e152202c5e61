/* page.c: the sink's HTTP routes (see page.h). Every number goes out
 * finite or as JSON null: NaN and infinities never reach a page. */
#include "page.h"

#include <inttypes.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Rolling window of the page's "error over time" chart, in records. */
#define PAGE_ROLLING 20

static json_t *num(double v)
{
    return isfinite(v) ? json_real(v) : json_null();
}

static json_t *rank_rows(const eddy_ledger_t *l, const char *series)
{
    eddy_ledger_rank_t rows[64];
    size_t n = eddy_ledger_rank(l, series, rows, 64);
    json_t *a = json_array();

    for (size_t i = 0; i < n; i++)
        json_array_append_new(
            a, json_pack("{s:i, s:s, s:b, s:I, s:o, s:o}", "rank", rows[i].rank,
                         "model", rows[i].model, "failing", rows[i].failing, "n",
                         (json_int_t)rows[i].n, series ? "mae" : "scaled_mae",
                         num(rows[i].mae), "rmse", num(rows[i].rmse)));
    return a;
}

static const char rank_rule[] =
    "Per series, models are ranked by MAE on the records every one of them "
    "predicted (the intersection of their seqs); overall, by the mean over the "
    "series they all predict of that MAE divided by the series' mean absolute "
    "one-step change. A model with a non-finite prediction is failing: listed, "
    "never ranked.";

/* /leaderboard: one row per model, ranked first (overall rule), with the
 * legacy prequential figures of its all-series aggregate. */
static json_t *leaderboard_json(sink_t *sink)
{
    json_t *rows = rank_rows(sink->ledger, NULL), *row;
    size_t i;

    json_array_foreach(rows, i, row)
    {
        eddy_metrics_series_view_t v;
        const char *model = json_string_value(json_object_get(row, "model"));
        json_object_set(row, "common_series", json_object_get(row, "n"));
        json_object_set_new(row, "n", json_integer(0));
        if (eddy_metrics_lookup(sink->metrics, model, NULL, &v))
            continue; /* only non-finite predictions: none in the legacy figures */
        json_object_set_new(row, "n", json_integer((json_int_t)v.n));
        json_object_set_new(row, "mae", num(v.mae));
        json_object_set_new(row, "rmse", num(v.rmse));
        json_object_set_new(row, "mape", num(v.mape));
        json_object_set_new(row, "next_forecast",
                            num(v.n_forecast > 0 ? v.forecast[0] : NAN));
    }
    return rows;
}

/* A JSON number as text, "-" for null. */
static const char *fmt(json_t *v, char *out, size_t size)
{
    if (json_is_number(v))
        snprintf(out, size, "%.4f", json_number_value(v));
    else
        snprintf(out, size, "-");
    return out;
}

static void leaderboard_text(sink_t *sink, eddy_buf_t *body)
{
    json_t *rows = leaderboard_json(sink), *r;
    char rk[16], a[32], b[32], c[32], d[32];
    size_t i;

    eddy_buf_printf(body, "%-4s %-18s %-8s %11s %7s %12s %12s %14s\n", "rank", "model",
                    "status", "scaled_MAE", "n", "MAE", "RMSE", "next_forecast");
    json_array_foreach(rows, i, r)
    {
        int rank = (int)json_integer_value(json_object_get(r, "rank"));
        snprintf(rk, sizeof(rk), rank ? "%d" : "-", rank);
        eddy_buf_printf(
            body, "%-4s %-18s %-8s %11s %7" JSON_INTEGER_FORMAT " %12s %12s %14s\n", rk,
            json_string_value(json_object_get(r, "model")),
            json_is_true(json_object_get(r, "failing")) ? "failing" : "ok",
            fmt(json_object_get(r, "scaled_mae"), a, sizeof(a)),
            json_integer_value(json_object_get(r, "n")),
            fmt(json_object_get(r, "mae"), b, sizeof(b)),
            fmt(json_object_get(r, "rmse"), c, sizeof(c)),
            fmt(json_object_get(r, "next_forecast"), d, sizeof(d)));
    }
    json_decref(rows);
}

/* /forecasts: the latest forecast per (model, series) (legacy shape). */
static json_t *forecasts_json(sink_t *sink)
{
    json_t *a = json_array();
    size_t n = eddy_metrics_model_count(sink->metrics);

    for (size_t i = 0; i < n; i++) {
        eddy_metrics_series_view_t v;
        for (size_t j = 0; !eddy_metrics_series_view(sink->metrics, i, j, &v); j++) {
            json_t *f = json_array();
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

/* /api/series: the series, the models and the overall leaderboard. */
static json_t *series_list_json(sink_t *sink)
{
    size_t ns = eddy_ledger_series_names(sink->ledger, NULL, 0);
    const char **names = calloc(ns ? ns : 1, sizeof(*names));
    json_t *series = json_array(), *models = json_array();
    eddy_ledger_model_t mv;

    if (names) {
        ns = eddy_ledger_series_names(sink->ledger, names, ns);
        for (size_t i = 0; i < ns; i++)
            json_array_append_new(series, json_string(names[i]));
    }
    free(names);
    for (size_t i = 0; !eddy_ledger_model(sink->ledger, i, &mv); i++)
        json_array_append_new(
            models, json_pack("{s:s, s:I, s:I, s:b}", "model", mv.model, "predictions",
                              (json_int_t)mv.predictions, "nonfinite",
                              (json_int_t)mv.nonfinite, "failing", mv.failing));
    return json_pack("{s:o, s:o, s:o, s:s, s:b}", "series", series, "models", models,
                     "leaderboard", rank_rows(sink->ledger, NULL), "rule", rank_rule,
                     "scores", sink->scores_topic != NULL);
}

static json_t *err_json(const eddy_ledger_err_t *e)
{
    return json_pack("{s:o, s:o, s:o, s:o}", "mae", num(e->mae), "rmse", num(e->rmse),
                     "mape", num(e->mape), "mase", num(e->mase));
}

/* Per horizon: records scored, cumulative errors, and per window. */
static json_t *horizons_json(const eddy_ledger_score_t *s)
{
    json_t *a = json_array();
    char w[16];

    for (int h = 0; s && h < s->n_h; h++) {
        json_t *row = err_json(&s->cum[h]), *roll = json_object();
        for (int k = 0; k < s->n_windows; k++) {
            snprintf(w, sizeof(w), "%d", s->windows[k]);
            json_object_set_new(roll, w, err_json(&s->roll[h][k]));
        }
        json_object_set_new(row, "h", json_integer(h + 1));
        json_object_set_new(row, "n", json_integer((json_int_t)s->scored[h]));
        json_object_set_new(row, "rolling", roll);
        json_array_append_new(a, row);
    }
    return a;
}

/* Median spacing of P's event times (ms), to place the H-step forecast. */
static double step_ms(const eddy_ledger_pair_t *p)
{
    double d[64];
    size_t n = 0;

    for (size_t k = p->n_points > 64 ? p->n_points - 64 : 1; k < p->n_points; k++)
        d[n++] = (double)(p->points[k].event_time_ms - p->points[k - 1].event_time_ms);
    for (size_t i = 1; i < n; i++) /* insertion sort: n <= 64 */
        for (size_t j = i; j > 0 && d[j - 1] > d[j]; j--) {
            double t = d[j];
            d[j] = d[j - 1];
            d[j - 1] = t;
        }
    return n ? d[n / 2] : 0;
}

/* One model on one series: one-step predictions, rolling MAE over
 * PAGE_ROLLING records, the latest H-step forecast, the scores. */
static json_t *model_series_json(const eddy_ledger_pair_t *p)
{
    json_t *pred = json_array(), *roll = json_array(), *fc = json_array();
    double ring[PAGE_ROLLING], sum = 0, step = step_ms(p);
    size_t bad = 0;

    for (size_t k = 0; k < p->n_points; k++) {
        const eddy_ledger_point_t *pt = &p->points[k];
        double e = fabs(pt->actual - pt->prediction);
        json_array_append_new(pred, json_pack("[I, o]", (json_int_t)pt->event_time_ms,
                                              num(pt->prediction)));
        if (k >= PAGE_ROLLING) {
            double old = ring[k % PAGE_ROLLING];
            isfinite(old) ? (void)(sum -= old) : (void)bad--;
        }
        ring[k % PAGE_ROLLING] = e;
        isfinite(e) ? (void)(sum += e) : (void)bad++;
        size_t w = k + 1 < PAGE_ROLLING ? k + 1 : PAGE_ROLLING;
        json_array_append_new(roll, json_pack("[I, o]", (json_int_t)pt->event_time_ms,
                                              num(bad ? NAN : sum / (double)w)));
    }
    for (int h = 0; p->n_points && h < p->n_forecast; h++)
        json_array_append_new(
            fc, json_pack("[I, o]",
                          (json_int_t)(p->points[p->n_points - 1].event_time_ms +
                                       (int64_t)(step * (h + 1))),
                          num(p->forecast[h])));
    return json_pack("{s:s, s:b, s:I, s:o, s:o, s:o, s:o}", "model", p->model,
                     "failing", p->failing, "points", (json_int_t)p->n_points,
                     "prediction", pred, "rolling_mae", roll, "forecast", fc,
                     "horizons", horizons_json(p->score));
}

/* The actuals of SERIES: every seq any model holds, once, by seq. */
static json_t *actual_json(const eddy_ledger_pair_t *v, size_t nv)
{
    json_t *a = json_array();
    size_t *at = calloc(nv ? nv : 1, sizeof(*at));

    while (at) {
        const eddy_ledger_point_t *next = NULL;
        for (size_t m = 0; m < nv; m++)
            if (at[m] < v[m].n_points && (!next || v[m].points[at[m]].seq < next->seq))
                next = &v[m].points[at[m]];
        if (!next)
            break;
        json_array_append_new(a, json_pack("[I, o, I]", (json_int_t)next->event_time_ms,
                                           num(next->actual), (json_int_t)next->seq));
        for (size_t m = 0; m < nv; m++)
            at[m] += at[m] < v[m].n_points && v[m].points[at[m]].seq == next->seq;
    }
    free(at);
    return a;
}

/* /api/series/<name>, or NULL when no model has SERIES. */
static json_t *series_json(sink_t *sink, const char *series)
{
    eddy_ledger_pair_t v[64];
    eddy_ledger_model_t mv;
    size_t nv = 0;
    json_t *models = json_array();

    for (size_t i = 0; nv < 64 && !eddy_ledger_model(sink->ledger, i, &mv); i++)
        if (!eddy_ledger_find(sink->ledger, mv.model, series, &v[nv]))
            json_array_append_new(models, model_series_json(&v[nv++]));
    if (!nv) {
        json_decref(models);
        return NULL;
    }
    return json_pack("{s:s, s:o, s:o, s:o, s:s, s:i}", "series", series, "actual",
                     actual_json(v, nv), "models", models, "leaderboard",
                     rank_rows(sink->ledger, series), "rule", rank_rule,
                     "rolling_window", PAGE_ROLLING);
}

static void put_json(eddy_buf_t *body, json_t *j)
{
    char *s = json_dumps(j, JSON_COMPACT | JSON_REAL_PRECISION(17));

    if (s) {
        eddy_buf_printf(body, "%s\n", s);
        free(s);
    } else {
        body->failed = 1;
    }
    json_decref(j);
}

/* /chart.js: the file at --chart-js, or 404 with what to install. */
static int chart_js(sink_t *sink, eddy_buf_t *body, const char **ctype)
{
    FILE *f = fopen(sink->chart_js, "rb");
    char chunk[65536];
    size_t n;

    if (!f) {
        *ctype = "application/javascript";
        eddy_buf_printf(
            body,
            "document.title = 'Chart.js missing';\n"
            "console.error('eddy-metrics: cannot read Chart.js at %s: install "
            "Debian\\'s libjs-chart.js or point --chart-js at chart.min.js');\n",
            sink->chart_js);
        return 404;
    }
    while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
        eddy_buf_append(body, chunk, n);
    fclose(f);
    *ctype = "application/javascript";
    return 200;
}

static int json_route(eddy_buf_t *body, const char **ctype, json_t *j)
{
    *ctype = "application/json";
    if (!j) {
        eddy_buf_printf(body, "{\"error\":\"no such series\"}\n");
        return 404;
    }
    put_json(body, j);
    return 200;
}

int eddy_page_http(void *arg, const char *path, eddy_buf_t *body, const char **ctype)
{
    sink_t *sink = arg;
    int status;

    if (sink->serve && (status = eddy_serve_http(sink->serve, path, body, ctype)))
        return status;
    if (!strcmp(path, "/") || !strncmp(path, "/series/", 8)) {
        *ctype = "text/html; charset=utf-8";
        eddy_buf_printf(body, "%s", eddy_page_html);
        return 200;
    }
    if (!strcmp(path, "/chart.js"))
        return chart_js(sink, body, ctype);
    if (!strcmp(path, "/api/series"))
        return json_route(body, ctype, series_list_json(sink));
    if (!strncmp(path, "/api/series/", 12))
        return json_route(body, ctype, series_json(sink, path + 12));
    if (!strcmp(path, "/leaderboard"))
        return json_route(body, ctype, leaderboard_json(sink));
    if (!strcmp(path, "/forecasts"))
        return json_route(body, ctype, forecasts_json(sink));
    if (!strcmp(path, "/leaderboard.txt")) {
        leaderboard_text(sink, body);
        return 200;
    }
    return 0;
}
