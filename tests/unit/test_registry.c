/* test_registry.c: the Schema Registry client against a scripted HTTP server
 * on loopback, and the codec's registry hooks (resolver, reader defaults,
 * decode to JSON). */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

#include "codec/codec.h"
#include "runtime/registry.h"

/* ---- a one-thread HTTP server answering from a script */

typedef struct answer_s {
    int status;
    const char *body;
} answer_t;

typedef struct server_s {
    int fd, port, n_answers, n_requests;
    answer_t answers[8];
    char last_request[8192];
    pthread_t thread;
} server_t;

static void *serve(void *opaque)
{
    server_t *srv = opaque;

    for (int i = 0; i < srv->n_answers; i++) {
        int c = accept(srv->fd, NULL, NULL);
        char buf[8192], out[8192];
        ssize_t n, got = 0;
        const char *body;

        if (c < 0)
            break;
        /* headers, then the body when a Content-Length announces one */
        while ((n = read(c, buf + got, sizeof(buf) - 1 - (size_t)got)) > 0) {
            char *end, *cl;
            got += n;
            buf[got] = '\0';
            if (!(end = strstr(buf, "\r\n\r\n")))
                continue;
            cl = strstr(buf, "Content-Length:");
            if (!cl || got >= (end + 4 - buf) + atol(cl + 15))
                break;
        }
        memcpy(srv->last_request, buf, (size_t)got + 1);
        srv->n_requests++;
        body = srv->answers[i].body;
        n = snprintf(out, sizeof(out),
                     "HTTP/1.1 %d X\r\nContent-Type: application/json\r\n"
                     "Content-Length: %zu\r\nConnection: close\r\n\r\n%s",
                     srv->answers[i].status, strlen(body), body);
        if (write(c, out, (size_t)n) != n)
            break;
        close(c);
    }
    return NULL;
}

static void server_start(server_t *srv)
{
    struct sockaddr_in a = {.sin_family = AF_INET};
    socklen_t len = sizeof(a);

    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    srv->fd = socket(AF_INET, SOCK_STREAM, 0);
    assert_true(srv->fd >= 0);
    assert_int_equal(bind(srv->fd, (struct sockaddr *)&a, sizeof(a)), 0);
    assert_int_equal(listen(srv->fd, 8), 0);
    assert_int_equal(getsockname(srv->fd, (struct sockaddr *)&a, &len), 0);
    srv->port = ntohs(a.sin_port);
    assert_int_equal(pthread_create(&srv->thread, NULL, serve, srv), 0);
}

static void server_stop(server_t *srv)
{
    shutdown(srv->fd, SHUT_RDWR);
    pthread_join(srv->thread, NULL);
    close(srv->fd);
}

static eddy_registry_t *client(const server_t *srv)
{
    char url[64], err[256];
    eddy_registry_t *reg;

    snprintf(url, sizeof(url), "http://127.0.0.1:%d/", srv->port);
    reg = eddy_registry_new(url, err, sizeof(err));
    assert_non_null(reg);
    return reg;
}

static void test_register(void **state)
{
    server_t srv = {.n_answers = 3,
                    .answers = {{200, "{\"id\":42}"},
                                {409, "{\"error_code\":409,\"message\":\"Schema being "
                                      "registered is incompatible\"}"},
                                {422, "{\"error_code\":42201,\"message\":\"Invalid "
                                      "schema\"}"}}};
    eddy_registry_err_t err;
    eddy_registry_t *reg;
    int32_t id = -1;

    (void)state;
    server_start(&srv);
    reg = client(&srv);
    assert_int_equal(
        eddy_registry_register(reg, "obs x-value", "{\"type\":\"string\"}", &id, &err),
        0);
    assert_int_equal(id, 42);
    /* the subject is escaped, the schema sent as a JSON string */
    assert_non_null(strstr(srv.last_request, "POST /subjects/obs%20x-value/versions "));
    assert_non_null(strstr(srv.last_request,
                           "Content-Type: application/vnd.schemaregistry.v1+json"));
    assert_non_null(strstr(srv.last_request, "{\"schema\":\"{\\\"type\\\":"));

    assert_int_equal(eddy_registry_register(reg, "s", "{}", &id, &err), -1);
    assert_int_equal(err.http_status, 409);
    assert_int_equal(err.error_code, 409);
    assert_string_equal(err.message, "Schema being registered is incompatible");
    assert_int_equal(eddy_registry_register(reg, "s", "{}", &id, &err), -1);
    assert_int_equal(err.http_status, 422);
    assert_int_equal(err.error_code, 42201);
    eddy_registry_destroy(reg);
    server_stop(&srv);
}

static void test_schema_cache(void **state)
{
    server_t srv = {.n_answers = 2,
                    .answers = {{200, "{\"schema\":\"{\\\"type\\\":\\\"record\\\"}\"}"},
                                {404, "{\"error_code\":40403,\"message\":\"Schema not "
                                      "found\"}"}}};
    eddy_registry_err_t err;
    eddy_registry_t *reg;
    char *json, errstr[512];

    (void)state;
    server_start(&srv);
    reg = client(&srv);
    json = eddy_registry_schema(reg, 7, &err);
    assert_string_equal(json, "{\"type\":\"record\"}");
    free(json);
    assert_non_null(strstr(srv.last_request, "GET /schemas/ids/7 "));
    json = eddy_registry_schema(reg, 7, &err); /* cached: no request */
    assert_string_equal(json, "{\"type\":\"record\"}");
    free(json);
    assert_int_equal(srv.n_requests, 1);
    assert_null(eddy_registry_resolve(reg, 8, errstr, sizeof(errstr)));
    assert_non_null(strstr(errstr, "Schema not found"));
    assert_null(eddy_registry_resolve(reg, 8, errstr, sizeof(errstr))); /* remembered */
    assert_int_equal(srv.n_requests, 2);
    eddy_registry_destroy(reg);
    server_stop(&srv);
}

static void test_unreachable_and_bad_url(void **state)
{
    server_t srv = {0};
    eddy_registry_err_t err;
    eddy_registry_t *reg;
    char errstr[256];
    int32_t id;

    (void)state;
    assert_null(eddy_registry_new("localhost:8081", errstr, sizeof(errstr)));
    assert_non_null(strstr(errstr, "http://"));
    server_start(&srv); /* no answers: closed right away */
    server_stop(&srv);
    reg = client(&srv);
    assert_int_equal(eddy_registry_register(reg, "s", "{}", &id, &err), -1);
    assert_int_equal(err.http_status, 0);
    assert_true(err.message[0] != '\0');
    eddy_registry_destroy(reg);
}

/* ---- codec hooks */

static const char *const obs_v2 =
    "{\"type\":\"record\",\"name\":\"Observation\",\"namespace\":\"io.eddy\","
    "\"fields\":[{\"name\":\"series_id\",\"type\":\"string\"},"
    "{\"name\":\"seq\",\"type\":\"long\"},{\"name\":\"value\",\"type\":\"double\"},"
    "{\"name\":\"unit\",\"type\":\"string\",\"default\":\"kg\"}]}";

static int resolver_calls;

static char *fake_resolver(void *opaque, int32_t id, char *errstr, size_t errstr_size)
{
    (void)opaque;
    resolver_calls++;
    if (id == 9)
        return strdup(obs_v2);
    if (id == 10)
        return strdup("{\"type\":\"record\",\"name\":\"Other\",\"fields\":["
                      "{\"name\":\"x\",\"type\":[\"null\",\"int\"]},"
                      "{\"name\":\"b\",\"type\":\"bytes\"}]}");
    snprintf(errstr, errstr_size, "no schema %d", (int)id);
    return NULL;
}

static size_t frame(uint8_t *b, int id, const uint8_t *body, size_t n)
{
    b[0] = 0;
    b[1] = b[2] = b[3] = 0;
    b[4] = (uint8_t)id;
    memcpy(b + 5, body, n);
    return n + 5;
}

static void test_codec_resolver_and_defaults(void **state)
{
    char err[512];
    eddy_codec_t *c = eddy_codec_new(err, sizeof(err));
    /* Observation v2 by id 9: "s", seq 3, value 1.5, unit "lb" */
    static const uint8_t v2[] = {2, 's', 6, 0, 0, 0, 0, 0, 0, 0xf8, 0x3f, 4, 'l', 'b'};
    static const uint8_t other[] = {2, 4, 4, 0xab, 0xcd}; /* x = 2, b = abcd */
    uint8_t buf[64];
    eddy_obs_t obs;
    json_t *j;
    char *text;
    size_t n;

    (void)state;
    assert_non_null(c);
    eddy_codec_set_resolver(c, fake_resolver, NULL);
    /* built-in ids mean nothing under a registry */
    n = frame(buf, 1, v2, sizeof(v2));
    assert_int_equal(eddy_codec_decode_obs(c, buf, n, &obs, err, sizeof(err)),
                     EDDY_CODEC_ERR_UNKNOWN_SCHEMA);
    assert_non_null(strstr(err, "no schema 1"));
    /* an evolved writer resolved by id; fields the writer lacks get the
     * reader's declared default, or zero without one */
    assert_int_equal(eddy_codec_set_reader_schema(
                         c, EDDY_REC_OBSERVATION,
                         "{\"type\":\"record\",\"name\":\"Observation\",\"fields\":["
                         "{\"name\":\"input\",\"type\":\"string\",\"default\":\"n/a\"},"
                         "{\"name\":\"event_time\",\"type\":\"long\",\"default\":77}]}",
                         err, sizeof(err)),
                     0);
    n = frame(buf, 9, v2, sizeof(v2));
    resolver_calls = 0;
    assert_int_equal(eddy_codec_decode_obs(c, buf, n, &obs, err, sizeof(err)),
                     EDDY_CODEC_OK);
    assert_int_equal(eddy_codec_decode_obs(c, buf, n, &obs, err, sizeof(err)),
                     EDDY_CODEC_OK);
    assert_int_equal(resolver_calls, 1);
    assert_string_equal(obs.series_id, "s");
    assert_int_equal(obs.seq, 3);
    assert_true(obs.value == 1.5);
    assert_string_equal(obs.input, "n/a");
    assert_int_equal(obs.event_time_ms, 77);
    assert_int_equal(obs.produced_at_us, 0);
    assert_int_equal(eddy_codec_resolve(c, 9, err, sizeof(err)), EDDY_REC_OBSERVATION);
    /* encoding uses the id the registry gave */
    assert_int_equal(eddy_codec_set_id(c, EDDY_REC_OBSERVATION, 9), 0);

    /* a record that is not eddy's: any decoder refuses it, JSON shows it */
    assert_int_equal(eddy_codec_resolve(c, 10, err, sizeof(err)), EDDY_REC__COUNT);
    n = frame(buf, 10, other, sizeof(other));
    assert_int_equal(eddy_codec_decode_obs(c, buf, n, &obs, err, sizeof(err)),
                     EDDY_CODEC_ERR_WRONG_TYPE);
    assert_int_equal(eddy_codec_decode_json(c, buf, n, &j, NULL, err, sizeof(err)),
                     EDDY_CODEC_OK);
    text = json_dumps(j, JSON_COMPACT);
    assert_string_equal(text, "{\"x\":2,\"b\":\"abcd\"}");
    free(text);
    json_decref(j);
    /* the walk still guards the JSON path */
    assert_int_equal(eddy_codec_decode_json(c, buf, n - 1, &j, NULL, err, sizeof(err)),
                     EDDY_CODEC_ERR_TRUNCATED);
    assert_int_equal(
        eddy_codec_set_reader_schema(c, EDDY_REC_OBSERVATION, "[1]", err, sizeof(err)),
        -1);
    eddy_codec_destroy(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_register),
        cmocka_unit_test(test_schema_cache),
        cmocka_unit_test(test_unreachable_and_bad_url),
        cmocka_unit_test(test_codec_resolver_and_defaults),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
