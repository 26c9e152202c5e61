/* serve.c: the served forecasts and champion histories (see serve.h). */
#include "serve.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "cat_json.h"
#include "runtime/http.h"
#include "runtime/loop.h"
#include "runtime/tail.h"
#include "util/series.h"

/* The raw values kept for one series: its latest Forecast and a ring of its
 * last EDDY_SERVE_EVENTS ModelEvents. */
typedef struct raw_s {
    void *data;
    size_t len;
} raw_t;

typedef struct entry_s {
    raw_t forecast;
    char model[EDDY_MODEL_NAME_MAX + 1]; /* the latest Forecast's champion */
    raw_t events[EDDY_SERVE_EVENTS];
    int n_events, head;
} entry_t;

struct eddy_serve_s {
    eddy_codec_t *codec;
    eddy_tail_t *forecasts, *events;
    eddy_series_t *series; /* series id (the record key) -> entry_t */
    int dropped;           /* records past the series cap (logged once) */
};

static void entry_free(void *value)
{
    entry_t *e = value;

    if (!e)
        return;
    free(e->forecast.data);
    for (int i = 0; i < EDDY_SERVE_EVENTS; i++)
        free(e->events[i].data);
    free(e);
}

eddy_serve_t *eddy_serve_new(const eddy_opts_t *opts, eddy_codec_t *codec,
                             const char *forecasts, const char *events,
                             size_t max_series, char *errstr, size_t errstr_size)
{
    eddy_serve_t *s = calloc(1, sizeof(*s));

    if (!s || !(s->series = eddy_series_new(max_series, entry_free))) {
        free(s);
        snprintf(errstr, errstr_size, "out of memory");
        return NULL;
    }
    s->codec = codec;
    if ((forecasts &&
         !(s->forecasts = eddy_tail_new(opts, forecasts, errstr, errstr_size))) ||
        (events && !(s->events = eddy_tail_new(opts, events, errstr, errstr_size)))) {
        eddy_serve_destroy(s);
        return NULL;
    }
    return s;
}

void eddy_serve_destroy(eddy_serve_t *s)
{
    if (!s)
        return;
    eddy_tail_destroy(s->forecasts);
    eddy_tail_destroy(s->events);
    eddy_series_destroy(s->series);
    free(s);
}

/* The entry of the record's key, created when new; NULL past the cap. */
static entry_t *entry_of(eddy_serve_t *s, const eddy_msg_t *msg)
{
    char id[EDDY_SERIES_ID_MAX + 1];
    size_t n = msg->key_len < EDDY_SERIES_ID_MAX ? msg->key_len : EDDY_SERIES_ID_MAX;
    entry_t *e;

    memcpy(id, msg->key ? msg->key : "", msg->key ? n : 0);
    id[msg->key ? n : 0] = '\0';
    if ((e = eddy_series_get(s->series, id)))
        return e;
    if (!(e = calloc(1, sizeof(*e))) || eddy_series_put(s->series, id, e)) {
        free(e);
        s->dropped++;
        return NULL;
    }
    return e;
}

static void raw_set(raw_t *r, const eddy_msg_t *msg)
{
    void *copy = malloc(msg->value_len ? msg->value_len : 1);

    if (!copy)
        return;
    memcpy(copy, msg->value, msg->value_len);
    free(r->data);
    r->data = copy;
    r->len = msg->value_len;
}

static void on_forecast(void *arg, const eddy_msg_t *msg)
{
    eddy_serve_t *s = arg;
    entry_t *e = entry_of(s, msg);
    const char *model;
    json_t *j;

    if (!e || !msg->value)
        return;
    raw_set(&e->forecast, msg);
    j = eddy_cat_value_json(s->codec, msg->value, msg->value_len, 0, NULL);
    model = json_string_value(json_object_get(j, "model"));
    snprintf(e->model, sizeof(e->model), "%s", model ? model : "");
    json_decref(j);
}

static void on_event(void *arg, const eddy_msg_t *msg)
{
    entry_t *e = entry_of(arg, msg);

    if (!e || !msg->value)
        return;
    raw_set(&e->events[e->head], msg);
    e->head = (e->head + 1) % EDDY_SERVE_EVENTS;
    if (e->n_events < EDDY_SERVE_EVENTS)
        e->n_events++;
}

static json_t *raw_json(eddy_serve_t *s, const raw_t *r)
{
    return r->data ? eddy_cat_value_json(s->codec, r->data, r->len, 0, NULL)
                   : json_null();
}

static int put(eddy_buf_t *body, const char **ctype, int status, json_t *j)
{
    char *text = j ? json_dumps(j, JSON_COMPACT) : NULL;

    *ctype = "application/json";
    eddy_buf_printf(body, "%s\n", text ? text : "{\"error\":\"out of memory\"}");
    free(text);
    json_decref(j);
    return text ? status : 500;
}

static int not_found(eddy_buf_t *body, const char **ctype, const char *what,
                     const char *series)
{
    return put(body, ctype, 404,
               json_pack("{s:s, s:s}", "error",
                         "no served forecast for this series (unknown, or "
                         "eddy-evaluate has not served it yet)",
                         what, series));
}

static int champion(eddy_serve_t *s, const char *id, eddy_buf_t *body,
                    const char **ctype)
{
    const entry_t *e = eddy_series_get(s->series, id);
    json_t *events;

    if (!e)
        return not_found(body, ctype, "series", id);
    events = json_array();
    for (int i = 0; i < e->n_events; i++) {
        int at = (e->head - e->n_events + i + EDDY_SERVE_EVENTS) % EDDY_SERVE_EVENTS;
        json_array_append_new(events, raw_json(s, &e->events[at]));
    }
    return put(body, ctype, 200,
               json_pack("{s:s, s:o, s:o}", "series", id, "forecast",
                         raw_json(s, &e->forecast), "events", events));
}

/* Reads what arrived on both topics since the last call (non-blocking). */
static void serve_poll(eddy_serve_t *s)
{
    if (s->forecasts)
        eddy_tail_poll(s->forecasts, on_forecast, s);
    if (s->events)
        eddy_tail_poll(s->events, on_event, s);
}

static void champion_sample(const char *id, void *value, void *arg)
{
    const entry_t *e = value;
    eddy_prom_label_t l[] = {{"series", id}, {"model", e->model}};

    if (e->model[0])
        eddy_prom_sample(arg, l, 2, 1.0);
}

void eddy_serve_metrics(eddy_serve_t *s, eddy_prom_buf_t *p)
{
    serve_poll(s);
    eddy_prom_family(p, "eddy_series_champion_info", EDDY_PROM_GAUGE,
                     "1 for the model whose forecast is served for the series (the "
                     "champion of its latest Forecast on the forecasts topic).");
    eddy_series_foreach(s->series, champion_sample, p);
}

int eddy_serve_http(eddy_serve_t *s, const char *path, eddy_buf_t *body,
                    const char **ctype)
{
    const char *id;
    const entry_t *e;

    if (strcmp(path, "/forecast") && strncmp(path, "/champion/", 10))
        return 0;
    serve_poll(s);
    if (!strncmp(path, "/champion/", 10))
        return champion(s, path + 10, body, ctype);
    if (!(id = eddy_http_query("series")) || !*id)
        return put(body, ctype, 400,
                   json_pack("{s:s}", "error", "name the series: /forecast?series=X"));
    if (!(e = eddy_series_get(s->series, id)) || !e->forecast.data)
        return not_found(body, ctype, "series", id);
    return put(body, ctype, 200, raw_json(s, &e->forecast));
}
