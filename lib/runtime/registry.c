/* runtime/registry.c: Schema Registry REST client over libcurl, answers parsed
 * with jansson, ids and schemas cached in memory. */
#include "runtime/registry.h"

#include <curl/curl.h>
#include <jansson.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "util/log.h"

#define CACHE_MAX       1024
#define BODY_MAX        (4 << 20)
#define RETRY_AFTER_S   10
#define CONTENT_TYPE_SR "application/vnd.schemaregistry.v1+json"

typedef struct cached_s {
    int32_t id;
    char *json;        /* NULL: a failed look-up */
    time_t retry_at;   /* for a failed look-up: 0 = never (the id does not exist) */
    char message[512]; /* why it failed */
} cached_t;

struct eddy_registry_s {
    char *url; /* without a trailing slash */
    pthread_mutex_t lock;
    cached_t cache[CACHE_MAX];
    int n_cache;
};

typedef struct body_s {
    char *p;
    size_t n;
} body_t;

static size_t on_body(char *data, size_t size, size_t nmemb, void *opaque)
{
    body_t *b = opaque;
    size_t n = size * nmemb;
    char *p;

    if (b->n + n > BODY_MAX || !(p = realloc(b->p, b->n + n + 1)))
        return 0;
    memcpy(p + b->n, data, n);
    b->p = p;
    b->n += n;
    b->p[b->n] = '\0';
    return n;
}

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;

static void curl_init(void)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
}

eddy_registry_t *eddy_registry_new(const char *url, char *errstr, size_t errstr_size)
{
    eddy_registry_t *reg;
    size_t n;

    if (!url || (strncmp(url, "http://", 7) && strncmp(url, "https://", 8))) {
        snprintf(errstr, errstr_size,
                 "invalid Schema Registry URL '%s': expected http://host:port or "
                 "https://host:port",
                 url ? url : "");
        return NULL;
    }
    pthread_once(&curl_once, curl_init);
    if (!(reg = calloc(1, sizeof(*reg))) || !(reg->url = strdup(url))) {
        free(reg);
        snprintf(errstr, errstr_size, "out of memory");
        return NULL;
    }
    for (n = strlen(reg->url); n > 0 && reg->url[n - 1] == '/'; n--)
        reg->url[n - 1] = '\0';
    pthread_mutex_init(&reg->lock, NULL);
    return reg;
}

void eddy_registry_destroy(eddy_registry_t *reg)
{
    if (!reg)
        return;
    for (int i = 0; i < reg->n_cache; i++)
        free(reg->cache[i].json);
    pthread_mutex_destroy(&reg->lock);
    free(reg->url);
    free(reg);
}

/* One request: fills *ANSWER (parsed JSON, may be NULL) and returns the HTTP
 * status, or 0 when no answer arrived (ERR says why). */
static long request(eddy_registry_t *reg, const char *path, const char *post,
                    json_t **answer, eddy_registry_err_t *err)
{
    CURL *curl = curl_easy_init();
    struct curl_slist *hdrs = NULL;
    body_t body = {0};
    char url[2048], curl_err[CURL_ERROR_SIZE] = "";
    long status = 0;
    CURLcode rc;

    *answer = NULL;
    memset(err, 0, sizeof(*err));
    if (!curl) {
        snprintf(err->message, sizeof(err->message), "curl_easy_init failed");
        return 0;
    }
    snprintf(url, sizeof(url), "%s%s", reg->url, path);
    hdrs = curl_slist_append(hdrs, "Accept: " CONTENT_TYPE_SR ", application/json");
    if (post)
        hdrs = curl_slist_append(hdrs, "Content-Type: " CONTENT_TYPE_SR);
    curl_easy_setopt(curl, CURLOPT_URL, url);
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, hdrs);
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, &body);
    curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, curl_err);
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS,
                     (long)EDDY_REGISTRY_CONNECT_TIMEOUT_MS);
    curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, (long)EDDY_REGISTRY_TIMEOUT_MS);
    curl_easy_setopt(curl, CURLOPT_USERAGENT, "eddy");
    if (post) {
        curl_easy_setopt(curl, CURLOPT_POSTFIELDS, post);
        curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE, (long)strlen(post));
    }
    if ((rc = curl_easy_perform(curl)) != CURLE_OK) {
        snprintf(err->message, sizeof(err->message), "%s",
                 curl_err[0] ? curl_err : curl_easy_strerror(rc));
        goto out;
    }
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
    err->http_status = status;
    if (body.p)
        *answer = json_loadb(body.p, body.n, 0, NULL);
    if (status >= 300) {
        json_t *msg = json_object_get(*answer, "message");
        err->error_code =
            (long)json_integer_value(json_object_get(*answer, "error_code"));
        snprintf(err->message, sizeof(err->message), "%s",
                 json_is_string(msg) ? json_string_value(msg)
                 : body.p            ? body.p
                                     : "no message");
    }
out:
    free(body.p);
    curl_slist_free_all(hdrs);
    curl_easy_cleanup(curl);
    return status;
}

/* Percent-encodes a subject for a URL path. */
static void path_escape(const char *in, char *out, size_t cap)
{
    static const char hex[] = "0123456789ABCDEF";
    size_t o = 0;

    for (; *in && o + 4 < cap; in++) {
        unsigned char c = (unsigned char)*in;
        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
            (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.' || c == '~') {
            out[o++] = (char)c;
        } else {
            out[o++] = '%';
            out[o++] = hex[c >> 4];
            out[o++] = hex[c & 15];
        }
    }
    out[o] = '\0';
}

int eddy_registry_register(eddy_registry_t *reg, const char *subject,
                           const char *schema_json, int32_t *id,
                           eddy_registry_err_t *err)
{
    char path[1024], esc[900];
    json_t *req = json_pack("{s:s}", "schema", schema_json), *answer = NULL, *jid;
    char *post = req ? json_dumps(req, JSON_COMPACT) : NULL;
    long status;
    int rc = -1;

    json_decref(req);
    if (!post) {
        memset(err, 0, sizeof(*err));
        snprintf(err->message, sizeof(err->message), "out of memory");
        return -1;
    }
    path_escape(subject, esc, sizeof(esc));
    snprintf(path, sizeof(path), "/subjects/%s/versions", esc);
    status = request(reg, path, post, &answer, err);
    if (status >= 200 && status < 300) {
        jid = json_object_get(answer, "id");
        if (json_is_integer(jid) && json_integer_value(jid) >= 0 &&
            json_integer_value(jid) <= INT32_MAX) {
            *id = (int32_t)json_integer_value(jid);
            rc = 0;
        } else {
            snprintf(err->message, sizeof(err->message),
                     "the registry answered %ld without a valid \"id\"", status);
        }
    }
    json_decref(answer);
    free(post);
    return rc;
}

static cached_t *cache_find(eddy_registry_t *reg, int32_t id)
{
    for (int i = 0; i < reg->n_cache; i++)
        if (reg->cache[i].id == id)
            return &reg->cache[i];
    return NULL;
}

char *eddy_registry_schema(eddy_registry_t *reg, int32_t id, eddy_registry_err_t *err)
{
    cached_t *c;
    char path[64], *json = NULL;
    json_t *answer = NULL, *schema;
    long status;

    memset(err, 0, sizeof(*err));
    pthread_mutex_lock(&reg->lock);
    c = cache_find(reg, id);
    if (c && c->json) {
        json = strdup(c->json);
        goto out;
    }
    if (c && (c->retry_at == 0 || time(NULL) < c->retry_at)) {
        snprintf(err->message, sizeof(err->message), "%s", c->message);
        goto out;
    }
    snprintf(path, sizeof(path), "/schemas/ids/%d", (int)id);
    status = request(reg, path, NULL, &answer, err);
    schema = json_object_get(answer, "schema");
    if (status == 200 && json_is_string(schema)) {
        /* Non-Avro schemas carry "schemaType" (JSON, PROTOBUF). */
        const char *type = json_string_value(json_object_get(answer, "schemaType"));
        if (type && strcmp(type, "AVRO")) {
            snprintf(err->message, sizeof(err->message),
                     "schema id %d is a %s schema, not Avro", (int)id, type);
        } else {
            json = strdup(json_string_value(schema));
        }
    } else if (status == 200) {
        snprintf(err->message, sizeof(err->message),
                 "the registry's answer for schema id %d has no \"schema\"", (int)id);
    }
    if (!c && reg->n_cache < CACHE_MAX)
        c = &reg->cache[reg->n_cache++];
    if (c) {
        c->id = id;
        free(c->json);
        c->json = json ? strdup(json) : NULL;
        c->retry_at = status == 404 ? 0 : time(NULL) + RETRY_AFTER_S;
        snprintf(c->message, sizeof(c->message), "%s", err->message);
    }
out:
    pthread_mutex_unlock(&reg->lock);
    json_decref(answer);
    return json;
}

char *eddy_registry_resolve(void *opaque, int32_t id, char *errstr, size_t errstr_size)
{
    eddy_registry_err_t err;
    char *json = eddy_registry_schema(opaque, id, &err);

    if (!json)
        snprintf(errstr, errstr_size,
                 "schema id %d is not in the Schema Registry at %s: %s%s", (int)id,
                 ((eddy_registry_t *)opaque)->url, err.message,
                 err.http_status ? "" : " (retried in 10 s)");
    return json;
}

/* ---- program start-up */

static eddy_registry_t *the_registry;

static void registry_at_exit(void)
{
    eddy_registry_destroy(the_registry);
    the_registry = NULL;
}

int eddy_registry_attach(eddy_codec_t *codec, const eddy_opts_t *opts, const char *prog,
                         const char *topic, int type)
{
    const char *url = eddy_opts_common_conf(opts)->schema_registry;
    char errstr[512], subject[512];
    eddy_registry_err_t err;
    int32_t id = -1;

    if (!url || !*url)
        return 0;
    if (!the_registry) {
        if (!(the_registry = eddy_registry_new(url, errstr, sizeof(errstr)))) {
            fprintf(stderr, "%s: %s\n", prog, errstr);
            return 2;
        }
        atexit(registry_at_exit);
    }
    eddy_codec_set_resolver(codec, eddy_registry_resolve, the_registry);
    if (!topic || type < 0 || type >= EDDY_REC__COUNT)
        return 0;
    snprintf(subject, sizeof(subject), "%s-value", topic);
    if (eddy_registry_register(the_registry, subject,
                               eddy_codec_schema_json((eddy_rec_type_t)type), &id,
                               &err)) {
        if (err.http_status == 409) {
            fprintf(
                stderr,
                "%s: the Schema Registry at %s refused eddy's %s schema for subject "
                "'%s' as incompatible (HTTP 409, error_code %ld: %s). The subject "
                "holds a schema this one cannot replace under its compatibility "
                "level: write to another topic, make the change compatible (new "
                "fields need defaults), or change the subject's compatibility "
                "(PUT %s/config/%s)\n",
                prog, url, eddy_rec_type_name((eddy_rec_type_t)type), subject,
                err.error_code, err.message, url, subject);
            return 2;
        }
        if (err.http_status == 422 || err.http_status == 400) {
            fprintf(
                stderr,
                "%s: the Schema Registry at %s refused eddy's %s schema for subject "
                "'%s' as invalid (HTTP %ld, error_code %ld: %s). Check that the "
                "registry supports Avro and that the schema is valid\n",
                prog, url, eddy_rec_type_name((eddy_rec_type_t)type), subject,
                err.http_status, err.error_code, err.message);
            return 2;
        }
        fprintf(stderr,
                "%s: cannot register eddy's %s schema under subject '%s' at the Schema "
                "Registry %s: %s%s%s. Start the registry or fix --schema-registry\n",
                prog, eddy_rec_type_name((eddy_rec_type_t)type), subject, url,
                err.http_status ? "HTTP error: " : "", err.message,
                err.http_status ? "" : " (no answer)");
        return err.http_status >= 400 && err.http_status < 500 ? 2 : 1;
    }
    if (eddy_codec_set_id(codec, (eddy_rec_type_t)type, id)) {
        fprintf(stderr,
                "%s: the Schema Registry at %s gave id %d to eddy's %s schema (subject "
                "'%s'), but that id is already a schema of another record type\n",
                prog, url, (int)id, eddy_rec_type_name((eddy_rec_type_t)type), subject);
        return 2;
    }
    eddy_log_info("schema registered", "subject=%s id=%d registry=%s", subject, (int)id,
                  url);
    return 0;
}
