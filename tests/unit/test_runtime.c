/* The loop in-process against librdkafka's mock cluster: restore on assign
 * (with replay detection) while /healthz and /readyz keep answering, drop
 * on revoke, abort and rewind after an abortable EndTxn error, and a fenced
 * producer stopping the loop with exit code 1 and a clear error.
 *
 * What the 2.0.2 mock cannot do (FACTS.md): transactions are protocol-only
 * (no markers, so a read_committed reader sees aborted records) and
 * TxnOffsetCommit drops the offsets, so after a transactional commit the
 * group has no committed offset. The tests are written around that: offsets
 * are committed beforehand with a plain consumer, and a rewind goes back to
 * the beginning. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <cmocka.h>
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

#include "runtime/changelog.h"
#include "runtime/loop.h"
#include "util/bytes.h"
#include "util/log.h"
#include "util/opts.h"
#include "util/snapshot.h"

#define MAX_SERIES    8
#define INPUT         "in"
#define GROUP         "g"
#define STATE         "g-state"
#define API_END_TXN   26 /* Kafka protocol ApiKeys */
#define API_HEARTBEAT 12

/* A stage counting records per key: its state is one u64 per series. */
typedef struct counter_s {
    char ids[MAX_SERIES][32];
    uint64_t counts[MAX_SERIES];
    int used[MAX_SERIES];
    atomic_int n_process, n_load, n_drop;
    atomic_int loading; /* inside state_load */
    int load_sleep_ms;  /* makes a restore slow */
    char dropped[256];  /* "id:count " of each series dropped, in order */
} counter_t;

static int slot(counter_t *c, const char *id, int create)
{
    for (int i = 0; i < MAX_SERIES; i++)
        if (c->used[i] && !strcmp(c->ids[i], id))
            return i;
    for (int i = 0; create && i < MAX_SERIES; i++)
        if (!c->used[i]) {
            c->used[i] = 1;
            c->counts[i] = 0;
            snprintf(c->ids[i], sizeof(c->ids[i]), "%s", id);
            return i;
        }
    return -1;
}

static const char *counter_process(void *ctx, const eddy_msg_t *msg, eddy_emit_t *emit,
                                   char *errstr, size_t errstr_size)
{
    counter_t *c = ctx;
    char id[32], out[32];
    int i;

    snprintf(id, sizeof(id), "%.*s", (int)msg->key_len, (const char *)msg->key);
    if ((i = slot(c, id, 1)) < 0) {
        snprintf(errstr, errstr_size, "too many series");
        return "series_cap";
    }
    c->counts[i]++;
    atomic_fetch_add(&c->n_process, 1);
    eddy_emit_touch(emit, id);
    snprintf(out, sizeof(out), "%llu", (unsigned long long)c->counts[i]);
    return eddy_emit(emit, "out", id, strlen(id), out, strlen(out)) ? "encode" : NULL;
}

static int counter_save(void *ctx, const char *id, eddy_buf_t *out)
{
    counter_t *c = ctx;
    int i = slot(c, id, 0);
    uint8_t b[8];

    if (i < 0)
        return 1;
    eddy_put_le(b, c->counts[i], 8);
    eddy_buf_append(out, (const char *)b, 8);
    return 0;
}

static int counter_load(void *ctx, const char *id, const void *buf, size_t len,
                        char *errstr, size_t errstr_size)
{
    counter_t *c = ctx;
    int i;

    atomic_store(&c->loading, 1);
    if (c->load_sleep_ms)
        usleep((useconds_t)c->load_sleep_ms * 1000);
    atomic_fetch_add(&c->n_load, 1);
    atomic_store(&c->loading, 0);
    if (len != 8 || (i = slot(c, id, 1)) < 0) {
        snprintf(errstr, errstr_size, "bad state");
        return -1;
    }
    c->counts[i] = eddy_get_le(buf, 8);
    return 0;
}

static void counter_drop(void *ctx, const char *id)
{
    counter_t *c = ctx;
    int i = slot(c, id, 0);

    size_t len = strlen(c->dropped);

    atomic_fetch_add(&c->n_drop, 1);
    snprintf(c->dropped + len, sizeof(c->dropped) - len, "%s:%llu ", id,
             i < 0 ? 0ULL : (unsigned long long)c->counts[i]);
    if (i >= 0)
        c->used[i] = 0;
}

/* One mock cluster with the input and changelog topics. */
typedef struct env_s {
    rd_kafka_t *owner; /* the client whose threads run the cluster */
    rd_kafka_mock_cluster_t *mc;
    char bootstrap[256];
    char port[16];
} env_t;

static int env_setup(void **state)
{
    env_t *env = calloc(1, sizeof(*env));
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    char errstr[256];

    rd_kafka_conf_set(conf, "log_level", "0", errstr, sizeof(errstr));
    assert_non_null(env->owner =
                        rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof(errstr)));
    assert_non_null(env->mc = rd_kafka_mock_cluster_new(env->owner, 1));
    snprintf(env->bootstrap, sizeof(env->bootstrap), "%s",
             rd_kafka_mock_cluster_bootstraps(env->mc));
    rd_kafka_mock_topic_create(env->mc, INPUT, 1, 1);
    rd_kafka_mock_topic_create(env->mc, STATE, 1, 1);
    rd_kafka_mock_topic_create(env->mc, "out", 1, 1);
    rd_kafka_mock_topic_create(env->mc, "dlq", 1, 1);
    *state = env;
    return 0;
}

static int env_teardown(void **state)
{
    env_t *env = *state;

    rd_kafka_mock_cluster_destroy(env->mc);
    rd_kafka_destroy(env->owner);
    free(env);
    return 0;
}

static rd_kafka_conf_t *client_conf(const env_t *env)
{
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    char errstr[256];

    rd_kafka_conf_set(conf, "bootstrap.servers", env->bootstrap, errstr,
                      sizeof(errstr));
    rd_kafka_conf_set(conf, "log_level", "0", errstr, sizeof(errstr));
    return conf;
}

static void produce(const env_t *env, const char *topic, const char *key,
                    const void *value, size_t len)
{
    char errstr[256];
    rd_kafka_t *p =
        rd_kafka_new(RD_KAFKA_PRODUCER, client_conf(env), errstr, sizeof(errstr));

    assert_non_null(p);
    assert_int_equal(
        rd_kafka_producev(p, RD_KAFKA_V_TOPIC(topic), RD_KAFKA_V_PARTITION(0),
                          RD_KAFKA_V_KEY(key, strlen(key)),
                          RD_KAFKA_V_VALUE((void *)value, len),
                          RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_END),
        0);
    assert_int_equal(rd_kafka_flush(p, 10000), 0);
    rd_kafka_destroy(p);
}

static void produce_inputs(const env_t *env, const char *key, int n)
{
    for (int i = 0; i < n; i++)
        produce(env, INPUT, key, "x", 1);
}

/* A changelog record as version 1 wrote it: an ECHG frame around
 * partition | offset | the stage's u64. */
static void produce_snapshot(const env_t *env, const char *id, int64_t offset,
                             uint64_t count)
{
    eddy_buf_t v = EDDY_BUF_INIT;
    size_t at = eddy_snapshot_begin(&v, EDDY_CHANGELOG_MAGIC, EDDY_CHANGELOG_VERSION_1);

    eddy_buf_put_u32(&v, 0);
    eddy_buf_put_u64(&v, (uint64_t)offset);
    eddy_buf_put_u64(&v, count);
    assert_int_equal(eddy_snapshot_end(&v, at), 0);
    produce(env, STATE, id, v.data, v.len);
    eddy_buf_free(&v);
}

/* A changelog record as version 2 writes it: partition | offset | replay
 * offset | input topic | the stage's u64. */
static void produce_snapshot_v2(const env_t *env, const char *id, int64_t offset,
                                int64_t replay_from, uint64_t count)
{
    eddy_buf_t v = EDDY_BUF_INIT;
    size_t at = eddy_snapshot_begin(&v, EDDY_CHANGELOG_MAGIC, EDDY_CHANGELOG_VERSION);

    eddy_buf_put_u32(&v, 0);
    eddy_buf_put_u64(&v, (uint64_t)offset);
    eddy_buf_put_u64(&v, (uint64_t)replay_from);
    eddy_buf_put_u32(&v, (uint32_t)strlen(INPUT));
    eddy_buf_append(&v, INPUT, strlen(INPUT));
    eddy_buf_put_u64(&v, count);
    assert_int_equal(eddy_snapshot_end(&v, at), 0);
    produce(env, STATE, id, v.data, v.len);
    eddy_buf_free(&v);
}

/* The end offset of partition 0 of TOPIC: how many records it holds. */
static int64_t end_offset(const env_t *env, const char *topic)
{
    char errstr[256];
    int64_t lo = 0, hi = -1;
    rd_kafka_t *p =
        rd_kafka_new(RD_KAFKA_PRODUCER, client_conf(env), errstr, sizeof(errstr));

    assert_non_null(p);
    assert_int_equal(rd_kafka_query_watermark_offsets(p, topic, 0, &lo, &hi, 5000), 0);
    rd_kafka_destroy(p);
    return hi;
}

/* Commits OFFSET for the input as group GROUP, outside any transaction. */
static void commit_offset(const env_t *env, int64_t offset)
{
    rd_kafka_conf_t *conf = client_conf(env);
    rd_kafka_topic_partition_list_t *l = rd_kafka_topic_partition_list_new(1);
    char errstr[256];
    rd_kafka_t *c;

    rd_kafka_conf_set(conf, "group.id", GROUP, errstr, sizeof(errstr));
    assert_non_null(c = rd_kafka_new(RD_KAFKA_CONSUMER, conf, errstr, sizeof(errstr)));
    rd_kafka_topic_partition_list_add(l, INPUT, 0)->offset = offset;
    assert_int_equal(rd_kafka_commit(c, l, 0), 0);
    rd_kafka_topic_partition_list_destroy(l);
    rd_kafka_consumer_close(c);
    rd_kafka_destroy(c);
}

static int free_port(void)
{
    struct sockaddr_in a = {.sin_family = AF_INET};
    socklen_t len = sizeof(a);
    int fd = socket(AF_INET, SOCK_STREAM, 0), port;

    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
    assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &len), 0);
    port = ntohs(a.sin_port);
    close(fd);
    return port;
}

/* GETs PATH from 127.0.0.1:PORT within 2 s; returns the status (-1 when no
 * answer came) and the body in BODY. */
static int http_get(int port, const char *path, char *body, size_t size)
{
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    struct timeval tv = {.tv_sec = 2};
    char req[256], resp[16384];
    int fd = socket(AF_INET, SOCK_STREAM, 0), status = -1;
    size_t got = 0;
    ssize_t n;
    const char *sep;

    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    if (connect(fd, (struct sockaddr *)&a, sizeof(a))) {
        close(fd);
        return -1;
    }
    snprintf(req, sizeof(req), "GET %s HTTP/1.0\r\nHost: localhost\r\n\r\n", path);
    if (write(fd, req, strlen(req)) < 0) {
        close(fd);
        return -1;
    }
    while (got < sizeof(resp) - 1 &&
           (n = read(fd, resp + got, sizeof(resp) - 1 - got)) > 0)
        got += (size_t)n;
    resp[got] = '\0';
    close(fd);
    if (sscanf(resp, "HTTP/1.%*d %d", &status) != 1)
        return -1;
    sep = strstr(resp, "\r\n\r\n");
    snprintf(body, size, "%s", sep ? sep + 4 : "");
    return status;
}

/* eddy_loop_run on a thread, with the stage and the command line. */
typedef struct run_s {
    pthread_t thread;
    eddy_stage_t stage;
    counter_t counter;
    char *argv[32];
    int argc;
    int http_port;
    int rc;
} run_t;

static void *run_loop(void *arg)
{
    run_t *r = arg;
    eddy_common_conf_t common;
    eddy_loop_conf_t conf;
    eddy_opt_map_t maps[] = {
        {eddy_opts_common, &common}, {eddy_loop_opts, &conf}, {NULL, NULL}};
    eddy_opts_prog_t prog = {"eddy-test", "", ""};
    int rc;
    eddy_opts_t *opts = eddy_opts_parse(&prog, maps, r->argc, r->argv, &rc);

    if (!opts) {
        r->rc = 100 + rc;
        return NULL;
    }
    eddy_log_init("test", (eddy_log_level_t)eddy_log_level_parse(common.log_level));
    if (!conf.group)
        conf.group = r->stage.group;
    conf.bootstrap = common.bootstrap;
    r->rc = eddy_loop_run(&r->stage, &conf, opts);
    eddy_opts_destroy(opts);
    return NULL;
}

static void arg(run_t *r, const char *a)
{
    r->argv[r->argc++] = strdup(a);
}

static void run_start(run_t *r, const env_t *env, const char *exit_idle)
{
    char http[64];

    r->stage = (eddy_stage_t){.name = "counter",
                              .input_topic = INPUT,
                              .group = GROUP,
                              .ctx = &r->counter,
                              .process = counter_process,
                              .state_save = counter_save,
                              .state_load = counter_load,
                              .state_drop = counter_drop};
    r->http_port = free_port();
    snprintf(http, sizeof(http), "127.0.0.1:%d", r->http_port);
    arg(r, "eddy-test");
    const char *args[] = {"--bootstrap",
                          env->bootstrap,
                          "--http",
                          http,
                          "--exit-idle",
                          exit_idle,
                          "--deadletter-topic",
                          "dlq",
                          "--transactional-id",
                          "t1",
                          "--log-level",
                          "warn",
                          "-X",
                          "session.timeout.ms=6000",
                          "-X",
                          "heartbeat.interval.ms=500",
                          NULL};
    for (int i = 0; args[i]; i++)
        arg(r, args[i]);
    r->argv[r->argc] = NULL;
    assert_int_equal(pthread_create(&r->thread, NULL, run_loop, r), 0);
}

static int run_join(run_t *r)
{
    pthread_join(r->thread, NULL);
    for (int i = 0; i < r->argc; i++)
        free(r->argv[i]);
    return r->rc;
}

/* Waits up to SECONDS for FLAG to become 1. */
static int wait_flag(atomic_int *flag, int seconds)
{
    for (int i = 0; i < seconds * 100; i++) {
        if (atomic_load(flag))
            return 1;
        usleep(10000);
    }
    return 0;
}

/* Restore on assign: a snapshot behind the committed offset is loaded and
 * continued; one ahead of it (a reset group) is dropped and rebuilt. While
 * the (slow) restore runs, the probes answer at once: alive, not ready. At
 * shutdown the revoke drops every series. */
static void test_restore_on_assign(void **state)
{
    env_t *env = *state;
    run_t *r = calloc(1, sizeof(*r));
    char body[16384];

    produce_inputs(env, "a", 6);       /* offsets 0..5 */
    produce_snapshot(env, "a", 3, 7);  /* behind the committed 5: kept */
    produce_snapshot(env, "b", 10, 5); /* ahead of it: rebuilt */
    commit_offset(env, 5);
    r->counter.load_sleep_ms = 1500;
    run_start(r, env, "10s"); /* the join and the restore count as idle */

    assert_true(wait_flag(&r->counter.loading, 30));
    assert_int_equal(http_get(r->http_port, "/healthz", body, sizeof(body)), 200);
    assert_int_equal(http_get(r->http_port, "/readyz", body, sizeof(body)), 503);
    assert_int_equal(http_get(r->http_port, "/metrics", body, sizeof(body)), 200);
    assert_non_null(strstr(body, "eddy_stage_ready{stage=\"counter\"} 0"));
    assert_int_equal(atomic_load(&r->counter.n_load), 0); /* still in the first */

    for (int i = 0; i < 1000 && atomic_load(&r->counter.n_process) < 1; i++)
        usleep(10000);
    assert_int_equal(http_get(r->http_port, "/readyz", body, sizeof(body)), 200);
    assert_int_equal(run_join(r), 0);
    assert_int_equal(atomic_load(&r->counter.n_load), 2);
    assert_int_equal(atomic_load(&r->counter.n_process), 1); /* offset 5 only */
    /* b (5) dropped on assign; a (7 restored + 1 record) dropped by the
     * shutdown's revoke. */
    assert_string_equal(r->counter.dropped, "b:5 a:8 ");
    free(r);
}

/* Checkpoints: snapshots older than the committed offset are brought up to
 * it by replaying the input from the replay offset of the changelog's last
 * record, each record applied only to a series whose snapshot is older;
 * the replay writes no output. */
static void test_replay_since_snapshots(void **state)
{
    env_t *env = *state;
    run_t *r = calloc(1, sizeof(*r));

    produce_inputs(env, "a", 3);             /* 0..2 */
    produce_inputs(env, "b", 2);             /* 3..4 */
    produce_inputs(env, "a", 2);             /* 5..6 */
    produce_inputs(env, "b", 1);             /* 7: after the commit */
    produce_snapshot_v2(env, "a", 2, 2, 2);  /* holds 0..1: replays 2, 5, 6 */
    produce_snapshot_v2(env, "b", 5, 2, 2);  /* holds 3..4; the last record: from 2 */
    produce_snapshot_v2(env, "c", 1, 1, 40); /* ahead of nothing, no records */
    commit_offset(env, 7);
    run_start(r, env, "6s");
    assert_int_equal(run_join(r), 0);
    /* 3 records replayed into a, then offset 7 processed into b */
    assert_int_equal(atomic_load(&r->counter.n_process), 4);
    assert_non_null(strstr(r->counter.dropped, "a:5 "));
    assert_non_null(strstr(r->counter.dropped, "b:3 "));
    assert_non_null(strstr(r->counter.dropped, "c:40 "));
    assert_int_equal(end_offset(env, "out"), 1); /* the replay produced nothing */
    free(r);
}

/* An abortable EndTxn error: the batch is aborted, the input rewound (to
 * the start: the mock keeps no transactional offsets) and the state
 * reloaded, so each record counts once in the end. */
static void test_abort_and_rewind(void **state)
{
    env_t *env = *state;
    run_t *r = calloc(1, sizeof(*r));
    const char *last;

    produce_inputs(env, "a", 5);
    rd_kafka_mock_push_request_errors(env->mc, API_END_TXN, 1,
                                      RD_KAFKA_RESP_ERR_UNKNOWN_PRODUCER_ID);
    run_start(r, env, "6s");
    assert_int_equal(run_join(r), 0);
    assert_true(atomic_load(&r->counter.n_process) > 5); /* the batch was replayed */
    /* The rewind dropped the aborted state (and the aborted snapshot the
     * mock lets the restore read); the shutdown's revoke drops the final
     * state: each record counted once. */
    assert_true(atomic_load(&r->counter.n_drop) >= 2);
    last = strrchr(r->counter.dropped, 'a');
    assert_non_null(last);
    assert_string_equal(last, "a:5 ");
    free(r);
}

/* Polls PATH until it answers STATUS, for up to SECONDS. */
static int wait_status(int port, const char *path, int status, int seconds)
{
    char body[1024];

    for (int i = 0; i < seconds * 10; i++) {
        if (http_get(port, path, body, sizeof(body)) == status)
            return 1;
        usleep(100000);
    }
    return 0;
}

/* Lost partitions (the coordinator forgot the member): /readyz turns 503
 * and their state is dropped; after the rejoin it is 200 again. */
static void test_lost_is_not_ready(void **state)
{
    env_t *env = *state;
    run_t *r = calloc(1, sizeof(*r));

    produce_inputs(env, "a", 3);
    run_start(r, env, "25s");
    assert_true(wait_status(r->http_port, "/readyz", 200, 20));
    for (int i = 0; i < 1000 && atomic_load(&r->counter.n_process) < 3; i++)
        usleep(10000);
    rd_kafka_mock_push_request_errors(env->mc, API_HEARTBEAT, 1,
                                      RD_KAFKA_RESP_ERR_UNKNOWN_MEMBER_ID);
    assert_true(wait_status(r->http_port, "/readyz", 503, 10));
    assert_true(atomic_load(&r->counter.n_drop) >= 1);
    assert_non_null(strstr(r->counter.dropped, "a:"));
    assert_true(wait_status(r->http_port, "/readyz", 200, 20));
    assert_int_equal(run_join(r), 0);
    free(r);
}

/* All brokers down (the mock cluster's one broker): /readyz turns 503 with
 * the reason and eddy_stage_ready 0, until the broker answers again. */
static void test_brokers_down_not_ready(void **state)
{
    env_t *env = *state;
    run_t *r = calloc(1, sizeof(*r));
    char body[16384];

    produce_inputs(env, "a", 3);
    run_start(r, env, "25s");
    assert_true(wait_status(r->http_port, "/readyz", 200, 20));
    assert_int_equal(rd_kafka_mock_broker_set_down(env->mc, 1), 0);
    assert_true(wait_status(r->http_port, "/readyz", 503, 20));
    assert_int_equal(http_get(r->http_port, "/readyz", body, sizeof(body)), 503);
    assert_non_null(strstr(body, "no broker reachable"));
    assert_int_equal(http_get(r->http_port, "/metrics", body, sizeof(body)), 200);
    assert_non_null(strstr(body, "eddy_stage_ready{stage=\"counter\"} 0"));
    assert_non_null(strstr(body, "eddy_stage_brokers_down{stage=\"counter\"} 1"));
    assert_int_equal(rd_kafka_mock_broker_set_up(env->mc, 1), 0);
    assert_true(wait_status(r->http_port, "/readyz", 200, 30));
    assert_int_equal(run_join(r), 0);
    free(r);
}

/* Runs R to its end with stderr captured into LOG; returns its exit code. */
static int run_logged(run_t *r, const env_t *env, char *log, size_t size)
{
    FILE *f = tmpfile();
    int saved = dup(2), rc;
    size_t n;

    fflush(stderr);
    dup2(fileno(f), 2);
    run_start(r, env, "10s");
    rc = run_join(r);
    fflush(stderr);
    dup2(saved, 2);
    close(saved);
    rewind(f);
    n = fread(log, 1, size - 1, f);
    log[n] = '\0';
    fclose(f);
    return rc;
}

/* A fenced producer is re-created once (the broker may have aborted an
 * expired transaction: a paused process); fenced again within 10 s it is
 * fatal: the config exit code and a last line that names the transactional
 * id and --transactional-id. */
static void test_fenced_is_fatal(void **state)
{
    env_t *env = *state;
    run_t *r = calloc(1, sizeof(*r));
    char log[16384] = "";

    produce_inputs(env, "a", 2);
    rd_kafka_mock_push_request_errors(env->mc, API_END_TXN, 2,
                                      RD_KAFKA_RESP_ERR_PRODUCER_FENCED,
                                      RD_KAFKA_RESP_ERR_PRODUCER_FENCED);
    assert_int_equal(run_logged(r, env, log, sizeof(log)), EDDY_EXIT_CONFIG);
    assert_non_null(strstr(log, "re-creating it"));
    assert_non_null(strstr(log, "msg=\"fatal error: stopping\""));
    assert_non_null(strstr(log, "fenced"));
    assert_non_null(strstr(log, "--transactional-id"));
    free(r);
}

/* A changelog in the framing of an earlier build (EDS1) is refused with the
 * way to rebuild, never restored as empty state (which would learn on from
 * the committed offset without the series' history). */
static void test_old_changelog_refused(void **state)
{
    env_t *env = *state;
    run_t *r = calloc(1, sizeof(*r));
    char log[8192] = "";
    uint8_t v[24] = "EDS1";

    produce_inputs(env, "a", 2);
    produce(env, STATE, "a", v, sizeof(v));
    assert_int_equal(run_logged(r, env, log, sizeof(log)), EDDY_EXIT_TEMPFAIL);
    assert_non_null(strstr(log, "EDS1"));
    assert_non_null(strstr(log, "--reset-offsets --to-earliest"));
    assert_int_equal(atomic_load(&r->counter.n_process), 0);
    assert_int_equal(atomic_load(&r->counter.n_load), 0);
    free(r);
}

/* SIGTERM during a restore stops it after the series being loaded; the
 * partial state is dropped, nothing is processed, and the loop exits 0.
 * Last: the stop flag stays set for the rest of the process. */
static void test_stop_during_restore(void **state)
{
    env_t *env = *state;
    run_t *r = calloc(1, sizeof(*r));

    produce_inputs(env, "a", 2);
    produce_snapshot(env, "a", 0, 7);
    produce_snapshot(env, "b", 0, 5);
    produce_snapshot(env, "c", 0, 3);
    r->counter.load_sleep_ms = 1500;
    run_start(r, env, "30s");
    assert_true(wait_flag(&r->counter.loading, 30));
    raise(SIGTERM);
    assert_int_equal(run_join(r), 0);
    assert_int_equal(atomic_load(&r->counter.n_load), 1);
    assert_int_equal(atomic_load(&r->counter.n_process), 0);
    assert_non_null(strstr(r->counter.dropped, "a:7"));
    free(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_restore_on_assign, env_setup,
                                        env_teardown),
        cmocka_unit_test_setup_teardown(test_abort_and_rewind, env_setup, env_teardown),
        cmocka_unit_test_setup_teardown(test_replay_since_snapshots, env_setup,
                                        env_teardown),
        cmocka_unit_test_setup_teardown(test_fenced_is_fatal, env_setup, env_teardown),
        cmocka_unit_test_setup_teardown(test_old_changelog_refused, env_setup,
                                        env_teardown),
        cmocka_unit_test_setup_teardown(test_lost_is_not_ready, env_setup,
                                        env_teardown),
        cmocka_unit_test_setup_teardown(test_brokers_down_not_ready, env_setup,
                                        env_teardown),
        cmocka_unit_test_setup_teardown(test_stop_during_restore, env_setup,
                                        env_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
