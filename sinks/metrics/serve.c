/* serve.c: the served forecasts and champion histories (see serve.h). */
#include "serve.h"

#include <jansson.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

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
    int model_stale;                     /* forecast changed since model was read */
    /* What that Forecast serves: its combination's models and weights, or
     * the champion alone with weight 1. */
    char members[EDDY_COMBINATION_MAX][EDDY_MODEL_NAME_MAX + 1];
    double weights[EDDY_COMBINATION_MAX];
    int n_members;
    raw_t events[EDDY_SERVE_EVENTS];
    int n_events, head;
} entry_t;

/* Kafka I/O (the tails, which look a topic up until it exists) runs on the
 * serve's own thread with no lock held; it stores the raw records under
 * LOCK, which the HTTP thread takes to read them. LOCK is never held across
 * network I/O, so neither an HTTP request nor the processing loop (which
 * shares the stage lock with HTTP handlers) waits for the broker. */
struct eddy_serve_s {
    eddy_codec_t *codec;
    eddy_tail_t *forecasts, *events;
    pthread_mutex_t lock;  /* series and dropped */
    eddy_series_t *series; /* series id (the record key) -> entry_t */
    int dropped;           /* records past the series cap (logged once) */
    pthread_t thread;
    int thread_started;
    atomic_int stop;
};

#define SERVE_IDLE_US 20000 /* the thread's pause when nothing arrived */

static void *serve_thread(void *arg);

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
    pthread_mutex_init(&s->lock, NULL);
    atomic_init(&s->stop, 0);
    if ((forecasts &&
         !(s->forecasts = eddy_tail_new(opts, forecasts, errstr, errstr_size))) ||
        (events && !(s->events = eddy_tail_new(opts, events, errstr, errstr_size)))) {
        eddy_serve_destroy(s);
        return NULL;
    }
    if (pthread_create(&s->thread, NULL, serve_thread, s)) {
        snprintf(errstr, errstr_size, "cannot start the thread following %s",
                 forecasts);
        eddy_serve_destroy(s);
        return NULL;
    }
    s->thread_started = 1;
    return s;
}

void eddy_serve_destroy(eddy_serve_t *s)
{
    if (!s)
        return;
    atomic_store(&s->stop, 1);
    if (s->thread_started)
        pthread_join(s->thread, NULL);
    pthread_mutex_destroy(&s->lock);
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
    entry_t *e;

    pthread_mutex_lock(&s->lock);
    if ((e = entry_of(s, msg)) && msg->value) {
        raw_set(&e->forecast, msg);
        e->model_stale = 1;
    }
    pthread_mutex_unlock(&s->lock);
}

static void on_event(void *arg, const eddy_msg_t *msg)
{
    eddy_serve_t *s = arg;
    entry_t *e;

    pthread_mutex_lock(&s->lock);
    if ((e = entry_of(s, msg)) && msg->value) {
        raw_set(&e->events[e->head], msg);
        e->head = (e->head + 1) % EDDY_SERVE_EVENTS;
        if (e->n_events < EDDY_SERVE_EVENTS)
            e->n_events++;
    }
    pthread_mutex_unlock(&s->lock);
}

/* The serve thread: follows both topics until eddy_serve_destroy. */
static void *serve_thread(void *arg)
{
    eddy_serve_t *s = arg;

    while (!atomic_load(&s->stop)) {
        int n = 0;

        if (s->forecasts)
            n += eddy_tail_poll(s->forecasts, on_forecast, s);
        if (s->events)
            n += eddy_tail_poll(s->events, on_event, s);
        if (!n)
            usleep(SERVE_IDLE_US);
    }
    return NULL;
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

typedef struct sample_ctx_s {
    eddy_serve_t *s;
    eddy_prom_buf_t *p;
} sample_ctx_t;

/* Reads what E's latest Forecast serves when it changed: the champion's
 * name and its combination (names joined by '/', weights in the same
 * order); a Forecast without one (v1, a pin, a window not yet full) serves
 * the champion alone. */
static void model_refresh(eddy_serve_t *s, entry_t *e)
{
    const char *model, *comb;
    json_t *j, *w;
    int n = 0;

    if (!e->model_stale)
        return;
    e->model_stale = 0;
    j = eddy_cat_value_json(s->codec, e->forecast.data, e->forecast.len, 0, NULL);
    model = json_string_value(json_object_get(j, "model"));
    snprintf(e->model, sizeof(e->model), "%s", model ? model : "");
    comb = json_string_value(json_object_get(j, "combination"));
    w = json_object_get(j, "combination_weights");
    for (const char *p = comb; p && *p && n < EDDY_COMBINATION_MAX; n++) {
        size_t len = strcspn(p, "/");

        snprintf(e->members[n], sizeof(e->members[n]), "%.*s", (int)len, p);
        e->weights[n] = json_number_value(json_array_get(w, (size_t)n));
        p += len + (p[len] == '/');
    }
    if (n < 2 || (size_t)n != json_array_size(w)) { /* the champion alone */
        snprintf(e->members[0], sizeof(e->members[0]), "%s", e->model);
        e->weights[0] = 1.0;
        n = e->model[0] ? 1 : 0;
    }
    e->n_members = n;
    json_decref(j);
}

static void champion_sample(const char *id, void *value, void *arg)
{
    sample_ctx_t *c = arg;
    entry_t *e = value;
    eddy_prom_label_t l[] = {{"series", id}, {"model", e->model}};

    model_refresh(c->s, e);
    if (e->model[0])
        eddy_prom_sample(c->p, l, 2, 1.0);
}

static void weight_sample(const char *id, void *value, void *arg)
{
    sample_ctx_t *c = arg;
    entry_t *e = value;

    for (int i = 0; i < e->n_members; i++) {
        eddy_prom_label_t l[] = {{"series", id}, {"model", e->members[i]}};

        eddy_prom_sample(c->p, l, 2, e->weights[i]);
    }
}

void eddy_serve_metrics(eddy_serve_t *s, eddy_prom_buf_t *p)
{
    sample_ctx_t c = {s, p};

    eddy_prom_family(p, "eddy_series_champion_info", EDDY_PROM_GAUGE,
                     "1 for the model whose forecast is served for the series (the "
                     "champion of its latest Forecast on the forecasts topic).");
    pthread_mutex_lock(&s->lock);
    eddy_series_foreach(s->series, champion_sample, &c);
    eddy_prom_family(p, "eddy_series_served_weight", EDDY_PROM_GAUGE,
                     "Weight of the model in the series' served forecast: the "
                     "combination its latest Forecast names (the champion's share "
                     "first), or 1 for the champion served alone.");
    eddy_series_foreach(s->series, weight_sample, &c);
    pthread_mutex_unlock(&s->lock);
}

/* The routes of serve.h, with S->lock held. */
static int serve_route(eddy_serve_t *s, const char *path, eddy_buf_t *body,
                       const char **ctype)
{
    const char *id;
    const entry_t *e;

    if (!strncmp(path, "/champion/", 10))
        return champion(s, path + 10, body, ctype);
    if (!(id = eddy_http_query("series")) || !*id)
        return put(body, ctype, 400,
                   json_pack("{s:s}", "error", "name the series: /forecast?series=X"));
    if (!(e = eddy_series_get(s->series, id)) || !e->forecast.data)
        return not_found(body, ctype, "series", id);
    return put(body, ctype, 200, raw_json(s, &e->forecast));
}

int eddy_serve_http(eddy_serve_t *s, const char *path, eddy_buf_t *body,
                    const char **ctype)
{
    int status;

    if (strcmp(path, "/forecast") && strncmp(path, "/champion/", 10))
        return 0;
    pthread_mutex_lock(&s->lock);
    status = serve_route(s, path, body, ctype);
    pthread_mutex_unlock(&s->lock);
    return status;
}
