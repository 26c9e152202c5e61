#include "rt_loop.h"

#include <inttypes.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "rt_http.h"
#include "rt_kafka.h"
#include "rt_log.h"

#define REASONS_MAX 32

const eddy_opt_t eddy_loop_opts[] = {
    {"group", 'g', EDDY_OPT_STRING, NULL, "consumer group id (default: eddy-<stage>)"},
    {"deadletter-topic", 0, EDDY_OPT_STRING, "deadletter",
     "topic receiving records that cannot be processed"},
    {"http", 0, EDDY_OPT_STRING, NULL,
     "listen address of /metrics, /healthz, /readyz (host:port; port 0 picks one; "
     "'off' disables; default: the stage's own port on 0.0.0.0)"},
    {"batch-size", 0, EDDY_OPT_INT, "500", "records per batch (commit unit)"},
    {"batch-time", 0, EDDY_OPT_DURATION, "100ms", "longest time a batch stays open"},
    {"exit-idle", 0, EDDY_OPT_DURATION, NULL,
     "exit 0 after this long without input (for batch jobs and tests)"},
    EDDY_OPT_TABLE_END};

static volatile sig_atomic_t stop_flag;

static void on_signal(int sig)
{
    (void)sig;
    stop_flag = 1;
}

void eddy_signals_install(void)
{
    struct sigaction sa;

    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
}

int eddy_loop_stopping(void)
{
    return stop_flag != 0;
}

typedef struct reason_count_s {
    char reason[48];
    uint64_t count;
} reason_count_t;

typedef struct loop_s {
    const eddy_stage_t *stage;
    const eddy_opts_t *opts;
    rd_kafka_t *consumer;
    rd_kafka_t *producer;
    rd_kafka_topic_partition_list_t *pending; /* offsets to commit after the batch */
    pthread_mutex_t lock;                     /* loop state vs the HTTP thread */
    const char *dlq_topic;
    int ready;
    int fatal;
    uint64_t records_in, records_out, batches, commits, delivery_failed;
    double process_seconds;
    int64_t last_poll_us;
    reason_count_t dead[REASONS_MAX];
    int n_dead;
    reason_count_t skipped[REASONS_MAX];
    int n_skipped;
} loop_t;

struct eddy_emit_s {
    loop_t *loop;
};

static void count_reason(reason_count_t *table, int *n, const char *reason)
{
    for (int i = 0; i < *n; i++)
        if (!strcmp(table[i].reason, reason)) {
            table[i].count++;
            return;
        }
    if (*n == REASONS_MAX)
        reason = "other";
    for (int i = 0; i < *n; i++)
        if (!strcmp(table[i].reason, reason)) {
            table[i].count++;
            return;
        }
    snprintf(table[*n].reason, sizeof(table[*n].reason), "%s", reason);
    table[(*n)++].count = 1;
}

static int produce(loop_t *loop, const char *topic, const void *key, size_t key_len,
                   const void *value, size_t value_len)
{
    for (;;) {
        rd_kafka_resp_err_t err = rd_kafka_producev(
            loop->producer, RD_KAFKA_V_TOPIC(topic), RD_KAFKA_V_KEY(key, key_len),
            RD_KAFKA_V_VALUE((void *)value, value_len),
            RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_END);
        if (!err)
            return 0;
        if (err != RD_KAFKA_RESP_ERR__QUEUE_FULL) {
            eddy_log_error("produce failed", "topic=%s error=\"%s\"", topic,
                           rd_kafka_err2str(err));
            return -1;
        }
        rd_kafka_poll(loop->producer, 50);
    }
}

int eddy_emit(eddy_emit_t *emit, const char *topic, const void *key, size_t key_len,
              const void *value, size_t value_len)
{
    if (produce(emit->loop, topic, key, key_len, value, value_len)) {
        emit->loop->fatal = 1;
        return -1;
    }
    emit->loop->records_out++;
    return 0;
}

void eddy_emit_skip(eddy_emit_t *emit, const char *reason)
{
    count_reason(emit->loop->skipped, &emit->loop->n_skipped, reason);
}

static void on_delivery(rd_kafka_t *rk, const rd_kafka_message_t *msg, void *opaque)
{
    loop_t *loop = opaque;

    (void)rk;
    if (msg->err) {
        loop->delivery_failed++;
        eddy_log_error("delivery failed", "topic=%s error=\"%s\"",
                       rd_kafka_topic_name(msg->rkt), rd_kafka_err2str(msg->err));
    }
}

/* Makes every output of the batch durable, then commits its input offsets. */
static int commit_batch(loop_t *loop)
{
    rd_kafka_resp_err_t err;

    if (loop->pending->cnt == 0)
        return 0;
    while (rd_kafka_outq_len(loop->producer) > 0)
        rd_kafka_flush(loop->producer, 1000);
    if (loop->delivery_failed) {
        eddy_log_error(
            "outputs were not delivered: not committing; the records will be "
            "processed again after a restart",
            "failed=%" PRIu64, loop->delivery_failed);
        loop->fatal = 1;
        return -1;
    }
    err = rd_kafka_commit(loop->consumer, loop->pending, 0);
    if (err && err != RD_KAFKA_RESP_ERR__NO_OFFSET) {
        eddy_log_warn(
            "offset commit failed; records after the last commit will be seen "
            "again",
            "error=\"%s\"", rd_kafka_err2str(err));
    } else {
        loop->commits++;
    }
    rd_kafka_topic_partition_list_destroy(loop->pending);
    loop->pending = rd_kafka_topic_partition_list_new(16);
    return 0;
}

static void on_rebalance(rd_kafka_t *rk, rd_kafka_resp_err_t err,
                         rd_kafka_topic_partition_list_t *parts, void *opaque)
{
    loop_t *loop = opaque;
    rd_kafka_error_t *error = NULL;

    pthread_mutex_lock(&loop->lock);
    if (err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS) {
        eddy_log_info("partitions assigned", "count=%d", parts->cnt);
        if (loop->stage->from_beginning)
            for (int i = 0; i < parts->cnt; i++)
                parts->elems[i].offset = RD_KAFKA_OFFSET_BEGINNING;
        error = rd_kafka_incremental_assign(rk, parts);
        loop->ready = 1;
    } else {
        eddy_log_info("partitions revoked", "count=%d lost=%d", parts->cnt,
                      rd_kafka_assignment_lost(rk));
        if (!rd_kafka_assignment_lost(rk))
            commit_batch(loop);
        error = rd_kafka_incremental_unassign(rk, parts);
    }
    if (error) {
        eddy_log_error("rebalance failed", "error=\"%s\"",
                       rd_kafka_error_string(error));
        rd_kafka_error_destroy(error);
        loop->fatal = 1;
    }
    pthread_mutex_unlock(&loop->lock);
}

static void track_offset(loop_t *loop, const rd_kafka_message_t *m)
{
    const char *topic = rd_kafka_topic_name(m->rkt);
    rd_kafka_topic_partition_t *tp =
        rd_kafka_topic_partition_list_find(loop->pending, topic, m->partition);
    if (!tp)
        tp = rd_kafka_topic_partition_list_add(loop->pending, topic, m->partition);
    tp->offset = m->offset + 1;
}

static void handle_record(loop_t *loop, const rd_kafka_message_t *m)
{
    eddy_msg_t msg = {.key = m->key,
                      .key_len = m->key_len,
                      .value = m->payload,
                      .value_len = m->len,
                      .topic = rd_kafka_topic_name(m->rkt),
                      .partition = m->partition,
                      .offset = m->offset,
                      .timestamp_ms = rd_kafka_message_timestamp(m, NULL)};
    eddy_emit_t emit = {.loop = loop};
    char errstr[512] = "";
    struct timespec t0, t1;
    const char *reason;

    clock_gettime(CLOCK_MONOTONIC, &t0);
    reason =
        loop->stage->process(loop->stage->ctx, &msg, &emit, errstr, sizeof(errstr));
    clock_gettime(CLOCK_MONOTONIC, &t1);
    loop->process_seconds +=
        (double)(t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) * 1e-9;
    loop->records_in++;
    if (reason) {
        eddy_dlq_source_t src = {msg.topic, msg.partition, msg.offset};
        eddy_log_warn("record dead-lettered",
                      "reason=%s topic=%s partition=%d offset=%" PRId64
                      " detail=\"%s\"",
                      reason, msg.topic, (int)msg.partition, msg.offset, errstr);
        count_reason(loop->dead, &loop->n_dead, reason);
        if (eddy_kafka_deadletter(loop->producer, loop->dlq_topic, loop->stage->name,
                                  reason, errstr, &src, msg.key, msg.key_len, msg.value,
                                  msg.value_len))
            loop->fatal = 1;
    }
    track_offset(loop, m);
}

static void render_loop_metrics(loop_t *loop, eddy_buf_t *b)
{
    const char *s = loop->stage->name;
    rd_kafka_topic_partition_list_t *assigned = NULL;

    eddy_buf_printf(
        b,
        "# HELP eddy_stage_records_in_total Records consumed and processed.\n"
        "# TYPE eddy_stage_records_in_total counter\n"
        "eddy_stage_records_in_total{stage=\"%s\"} %" PRIu64 "\n"
        "# HELP eddy_stage_records_out_total Records produced.\n"
        "# TYPE eddy_stage_records_out_total counter\n"
        "eddy_stage_records_out_total{stage=\"%s\"} %" PRIu64 "\n"
        "# HELP eddy_stage_batches_total Batches committed.\n"
        "# TYPE eddy_stage_batches_total counter\n"
        "eddy_stage_batches_total{stage=\"%s\"} %" PRIu64 "\n"
        "# HELP eddy_stage_process_seconds_total Time spent in the stage's core.\n"
        "# TYPE eddy_stage_process_seconds_total counter\n"
        "eddy_stage_process_seconds_total{stage=\"%s\"} %.9f\n"
        "# HELP eddy_stage_ready 1 once the stage has its partitions.\n"
        "# TYPE eddy_stage_ready gauge\n"
        "eddy_stage_ready{stage=\"%s\"} %d\n"
        "# HELP eddy_stage_last_poll_timestamp_seconds Last poll of the loop "
        "(liveness).\n"
        "# TYPE eddy_stage_last_poll_timestamp_seconds gauge\n"
        "eddy_stage_last_poll_timestamp_seconds{stage=\"%s\"} %.3f\n",
        s, loop->records_in, s, loop->records_out, s, loop->commits, s,
        loop->process_seconds, s, loop->ready, s, loop->last_poll_us / 1e6);
    eddy_buf_printf(
        b, "# HELP eddy_stage_deadletter_total Records sent to the dead-letter "
           "topic, by reason.\n# TYPE eddy_stage_deadletter_total counter\n");
    for (int i = 0; i < loop->n_dead; i++)
        eddy_buf_printf(
            b, "eddy_stage_deadletter_total{stage=\"%s\",reason=\"%s\"} %" PRIu64 "\n",
            s, loop->dead[i].reason, loop->dead[i].count);
    eddy_buf_printf(b, "# HELP eddy_stage_skipped_total Records skipped on purpose "
                       "(duplicates after a restart).\n# TYPE eddy_stage_skipped_total "
                       "counter\n");
    for (int i = 0; i < loop->n_skipped; i++)
        eddy_buf_printf(
            b, "eddy_stage_skipped_total{stage=\"%s\",reason=\"%s\"} %" PRIu64 "\n", s,
            loop->skipped[i].reason, loop->skipped[i].count);
    eddy_buf_printf(
        b, "# HELP eddy_stage_consumer_lag Records behind the partition's end.\n"
           "# TYPE eddy_stage_consumer_lag gauge\n");
    if (!rd_kafka_assignment(loop->consumer, &assigned)) {
        rd_kafka_position(loop->consumer, assigned);
        for (int i = 0; i < assigned->cnt; i++) {
            rd_kafka_topic_partition_t *tp = &assigned->elems[i];
            int64_t lo = -1, hi = -1;
            if (rd_kafka_get_watermark_offsets(loop->consumer, tp->topic, tp->partition,
                                               &lo, &hi) ||
                hi < 0)
                continue;
            eddy_buf_printf(b,
                            "eddy_stage_consumer_lag{stage=\"%s\",topic=\"%s\","
                            "partition=\"%d\"} %" PRId64 "\n",
                            s, tp->topic, (int)tp->partition,
                            tp->offset >= 0 ? hi - tp->offset : hi - lo);
        }
        rd_kafka_topic_partition_list_destroy(assigned);
    }
}

static int http_handler(void *ctx, const char *path, eddy_buf_t *body,
                        const char **ctype)
{
    loop_t *loop = ctx;
    int status = 404;

    pthread_mutex_lock(&loop->lock);
    if (!strcmp(path, "/metrics")) {
        *ctype = "text/plain; version=0.0.4; charset=utf-8";
        render_loop_metrics(loop, body);
        if (loop->stage->metrics)
            loop->stage->metrics(loop->stage->ctx, body);
        status = 200;
    } else if (!strcmp(path, "/healthz")) {
        int alive = eddy_now_us() - loop->last_poll_us < 30 * 1000000LL;
        eddy_buf_printf(body, alive ? "ok\n" : "poll loop stalled\n");
        status = alive ? 200 : 503;
    } else if (!strcmp(path, "/readyz")) {
        eddy_buf_printf(body, loop->ready ? "ready\n" : "waiting for partitions\n");
        status = loop->ready ? 200 : 503;
    } else if (loop->stage->http &&
               (status = loop->stage->http(loop->stage->ctx, path, body, ctype)) == 0) {
        status = 404;
    }
    if (status == 404 && body->len == 0)
        eddy_buf_printf(body, "not found: %s (try /metrics, /healthz, /readyz)\n",
                        path);
    pthread_mutex_unlock(&loop->lock);
    return status;
}

static rd_kafka_t *consumer_new(loop_t *loop, char *errstr, size_t errstr_size)
{
    rd_kafka_conf_t *conf =
        eddy_kafka_conf_new(loop->opts, loop->stage->group, errstr, errstr_size);
    rd_kafka_t *rk;

    if (!conf)
        return NULL;
    rd_kafka_conf_set_opaque(conf, loop);
    rd_kafka_conf_set_rebalance_cb(conf, on_rebalance);
    if (rd_kafka_conf_set(conf, "group.id", loop->stage->group, errstr, errstr_size) ||
        rd_kafka_conf_set(conf, "enable.auto.commit", "false", errstr, errstr_size) ||
        eddy_kafka_conf_default(conf, loop->opts, "auto.offset.reset", "earliest",
                                errstr, errstr_size) ||
        eddy_kafka_conf_default(conf, loop->opts, "partition.assignment.strategy",
                                "cooperative-sticky", errstr, errstr_size) ||
        eddy_kafka_conf_default(conf, loop->opts, "fetch.wait.max.ms", "50", errstr,
                                errstr_size)) {
        rd_kafka_conf_destroy(conf);
        return NULL;
    }
    if (!(rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, errstr, errstr_size))) {
        rd_kafka_conf_destroy(conf);
        return NULL;
    }
    rd_kafka_poll_set_consumer(rk);
    return rk;
}

static rd_kafka_t *producer_new(loop_t *loop, char *errstr, size_t errstr_size)
{
    char id[300];
    rd_kafka_conf_t *conf;

    snprintf(id, sizeof(id), "%s-producer", loop->stage->group);
    if (!(conf = eddy_kafka_conf_new(loop->opts, id, errstr, errstr_size)))
        return NULL;
    rd_kafka_conf_set_opaque(conf, loop);
    rd_kafka_conf_set_dr_msg_cb(conf, on_delivery);
    if (eddy_kafka_conf_default(conf, loop->opts, "linger.ms", "5", errstr,
                                errstr_size)) {
        rd_kafka_conf_destroy(conf);
        return NULL;
    }
    return eddy_kafka_producer_new(conf, errstr, errstr_size);
}

static void run_batches(loop_t *loop)
{
    int batch_size = (int)eddy_opts_int(loop->opts, "batch-size");
    int64_t batch_ms = eddy_opts_duration_ms(loop->opts, "batch-time");
    int64_t idle_ms = eddy_opts_duration_ms(loop->opts, "exit-idle");
    int64_t last_input_us = eddy_now_us();

    while (!stop_flag && !loop->fatal) {
        int64_t start_us = eddy_now_us();
        int n = 0;

        while (n < batch_size && !stop_flag && !loop->fatal) {
            int64_t left_ms = batch_ms - (eddy_now_us() - start_us) / 1000;
            rd_kafka_message_t *m;

            if (left_ms <= 0)
                break;
            m = rd_kafka_consumer_poll(loop->consumer,
                                       (int)(left_ms < 100 ? left_ms : 100));
            loop->last_poll_us = eddy_now_us();
            if (!m)
                continue;
            if (m->err) {
                if (m->err != RD_KAFKA_RESP_ERR__PARTITION_EOF)
                    eddy_log_warn("consumer error", "error=\"%s\"",
                                  rd_kafka_message_errstr(m));
                if (m->err == RD_KAFKA_RESP_ERR__FATAL)
                    loop->fatal = 1;
                rd_kafka_message_destroy(m);
                continue;
            }
            pthread_mutex_lock(&loop->lock);
            handle_record(loop, m);
            pthread_mutex_unlock(&loop->lock);
            rd_kafka_message_destroy(m);
            rd_kafka_poll(loop->producer, 0);
            n++;
        }
        pthread_mutex_lock(&loop->lock);
        if (n > 0) {
            last_input_us = eddy_now_us();
            commit_batch(loop);
        }
        pthread_mutex_unlock(&loop->lock);
        rd_kafka_poll(loop->producer, 0);
        if (idle_ms > 0 && eddy_now_us() - last_input_us > idle_ms * 1000) {
            eddy_log_info("no input for the idle limit: exiting",
                          "exit_idle_ms=%" PRId64, idle_ms);
            break;
        }
    }
}

int eddy_loop_run(const eddy_stage_t *stage, const eddy_opts_t *opts)
{
    loop_t loop = {.stage = stage, .opts = opts};
    rd_kafka_topic_partition_list_t *topics = NULL;
    eddy_http_t *http = NULL;
    const char *listen =
        eddy_opts_str(opts, "http") ? eddy_opts_str(opts, "http") : stage->default_http;
    char errstr[512];
    int rc = 1;

    pthread_mutex_init(&loop.lock, NULL);
    loop.dlq_topic = eddy_opts_str(opts, "deadletter-topic");
    loop.pending = rd_kafka_topic_partition_list_new(16);
    loop.last_poll_us = eddy_now_us();
    eddy_signals_install();
    if (!(loop.producer = producer_new(&loop, errstr, sizeof(errstr))) ||
        !(loop.consumer = consumer_new(&loop, errstr, sizeof(errstr)))) {
        eddy_log_error("cannot create Kafka clients", "error=\"%s\"", errstr);
        goto out;
    }
    if (eddy_kafka_check_reachable(loop.producer, eddy_opts_str(opts, "bootstrap"),
                                   10000, errstr, sizeof(errstr))) {
        eddy_log_error(errstr, NULL);
        goto out;
    }
    if (listen && strcmp(listen, "off")) {
        if (!(http = eddy_http_start(listen, http_handler, &loop, errstr,
                                     sizeof(errstr)))) {
            eddy_log_error(errstr, NULL);
            goto out;
        }
        eddy_log_info("serving HTTP", "port=%d paths=/metrics,/healthz,/readyz",
                      eddy_http_port(http));
    }
    topics = rd_kafka_topic_partition_list_new(1);
    rd_kafka_topic_partition_list_add(topics, stage->input_topic,
                                      RD_KAFKA_PARTITION_UA);
    if (rd_kafka_subscribe(loop.consumer, topics)) {
        eddy_log_error("cannot subscribe", "topic=%s", stage->input_topic);
        goto out;
    }
    eddy_log_info("started", "input=%s group=%s bootstrap=%s", stage->input_topic,
                  stage->group, eddy_opts_str(opts, "bootstrap"));
    run_batches(&loop);
    pthread_mutex_lock(&loop.lock);
    if (!loop.fatal)
        commit_batch(&loop);
    pthread_mutex_unlock(&loop.lock);
    rc = loop.fatal ? 1 : 0;
    eddy_log_info("stopping", "records_in=%" PRIu64 " records_out=%" PRIu64,
                  loop.records_in, loop.records_out);
out:
    eddy_http_stop(http);
    if (loop.consumer) {
        rd_kafka_consumer_close(loop.consumer);
        rd_kafka_destroy(loop.consumer);
    }
    if (loop.producer) {
        rd_kafka_flush(loop.producer, 10000);
        rd_kafka_destroy(loop.producer);
    }
    if (topics)
        rd_kafka_topic_partition_list_destroy(topics);
    rd_kafka_topic_partition_list_destroy(loop.pending);
    pthread_mutex_destroy(&loop.lock);
    return rc;
}

eddy_opts_t *eddy_program_init(const char *prog, const char *stage, const char *usage,
                               const char *summary, const eddy_opt_t *own,
                               int with_loop, int argc, char **argv, int *rc)
{
    const eddy_opt_t *tables[] = {own, eddy_opts_common,
                                  with_loop ? eddy_loop_opts : NULL, NULL};
    eddy_opts_t *opts = eddy_opts_parse(prog, usage, summary, tables, argc, argv, rc);
    int level;

    if (!opts)
        return NULL;
    if ((level = eddy_log_level_parse(eddy_opts_str(opts, "log-level"))) < 0) {
        fprintf(stderr,
                "%s: invalid --log-level '%s': use error, warn, info or debug\n", prog,
                eddy_opts_str(opts, "log-level"));
        eddy_opts_destroy(opts);
        *rc = 2;
        return NULL;
    }
    eddy_log_init(stage, (eddy_log_level_t)level);
    return opts;
}
