/* runtime/loop.c: the shared consume -> process -> produce -> commit loop. */
#include "runtime/loop.h"

#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "codec/records.h"
#include "runtime/http.h"
#include "runtime/kafka.h"
#include "util/log.h"
#include "runtime/loop_internal.h"

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

struct eddy_emit_s {
    loop_t *loop;
};

static void count_reason(reason_count_t *table, int *n, const char *reason)
{
    for (int pass = 0; pass < 2; pass++) {
        for (int i = 0; i < *n; i++)
            if (!strcmp(table[i].reason, reason)) {
                table[i].count++;
                return;
            }
        if (*n < REASONS_MAX)
            break;
        reason = "other";
    }
    snprintf(table[*n].reason, sizeof(table[*n].reason), "%s", reason);
    table[(*n)++].count = 1;
}

/* Opens the batch's transaction on its first output. */
static int txn_begin(loop_t *loop)
{
    rd_kafka_error_t *error;

    if (!loop->eos || loop->txn_open)
        return 0;
    if ((error = rd_kafka_begin_transaction(loop->producer))) {
        eddy_log_error("cannot begin a transaction", "error=\"%s\"",
                       rd_kafka_error_string(error));
        rd_kafka_error_destroy(error);
        loop->fatal = 1;
        return -1;
    }
    loop->txn_open = 1;
    return 0;
}

int loop_produce(loop_t *loop, const char *topic, int32_t partition, const void *key,
                 size_t key_len, const void *value, size_t value_len)
{
    if (txn_begin(loop))
        return -1;
    for (;;) {
        rd_kafka_resp_err_t err = rd_kafka_producev(
            loop->producer, RD_KAFKA_V_TOPIC(topic), RD_KAFKA_V_PARTITION(partition),
            RD_KAFKA_V_KEY(key, key_len), RD_KAFKA_V_VALUE((void *)value, value_len),
            RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_END);
        if (!err)
            return 0;
        if (err != RD_KAFKA_RESP_ERR__QUEUE_FULL) {
            eddy_log_error("produce failed", "topic=%s error=\"%s\"", topic,
                           rd_kafka_err2str(err));
            loop->fatal = 1;
            return -1;
        }
        rd_kafka_poll(loop->producer, 50);
    }
}

int eddy_emit(eddy_emit_t *emit, const char *topic, const void *key, size_t key_len,
              const void *value, size_t value_len)
{
    if (loop_produce(emit->loop, topic, RD_KAFKA_PARTITION_UA, key, key_len, value,
                     value_len))
        return -1;
    emit->loop->records_out++;
    return 0;
}

void eddy_emit_skip(eddy_emit_t *emit, const char *reason)
{
    count_reason(emit->loop->skipped, &emit->loop->n_skipped, reason);
}

void eddy_emit_touch(eddy_emit_t *emit, const char *series_id)
{
    loop_state_touch(emit->loop, series_id);
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

static void pending_reset(loop_t *loop)
{
    rd_kafka_topic_partition_list_destroy(loop->pending);
    loop->pending = rd_kafka_topic_partition_list_new(16);
}

/* Seeks every assigned partition back to the group's committed offset. */
static int rewind_to_committed(loop_t *loop)
{
    rd_kafka_topic_partition_list_t *assigned = NULL;
    int rc = 0;

    if (rd_kafka_assignment(loop->consumer, &assigned))
        return -1;
    if (rd_kafka_committed(loop->consumer, assigned, 30000)) {
        rd_kafka_topic_partition_list_destroy(assigned);
        return -1;
    }
    for (int i = 0; i < assigned->cnt && rc == 0; i++) {
        rd_kafka_topic_partition_t *tp = &assigned->elems[i];
        rd_kafka_topic_t *rkt = rd_kafka_topic_new(loop->consumer, tp->topic, NULL);
        int64_t off = tp->offset >= 0 ? tp->offset : RD_KAFKA_OFFSET_BEGINNING;
        if (rd_kafka_seek(rkt, tp->partition, off, 10000))
            rc = -1;
        rd_kafka_topic_destroy(rkt);
    }
    /* The aborted batch changed in-memory state: reload it. */
    loop_state_drop(loop, assigned);
    if (rc == 0 && loop_state_restore(loop, assigned))
        rc = -1;
    rd_kafka_topic_partition_list_destroy(assigned);
    return rc;
}

/* Aborts the open transaction and rewinds input and state to the last
 * commit, so the batch is processed again from scratch. */
static int abort_batch(loop_t *loop)
{
    rd_kafka_error_t *error = rd_kafka_abort_transaction(loop->producer, -1);

    loop->txn_open = 0;
    loop->aborts++;
    loop_state_clear_dirty(loop);
    pending_reset(loop);
    if (error) {
        eddy_log_error("cannot abort the transaction", "error=\"%s\"",
                       rd_kafka_error_string(error));
        rd_kafka_error_destroy(error);
        loop->fatal = 1;
        return -1;
    }
    eddy_log_warn("transaction aborted: replaying the batch from the last commit",
                  NULL);
    if (rewind_to_committed(loop)) {
        loop->fatal = 1;
        return -1;
    }
    return 0;
}

/* Handles an error of a transactional call: 0 to retry, -1 after an abort
 * or a fatal error. */
static int txn_error(loop_t *loop, const char *what, rd_kafka_error_t *error)
{
    int retriable = rd_kafka_error_is_retriable(error);
    int abortable = rd_kafka_error_txn_requires_abort(error);

    eddy_log_warn(what, "error=\"%s\" retriable=%d requires_abort=%d",
                  rd_kafka_error_string(error), retriable, abortable);
    rd_kafka_error_destroy(error);
    if (retriable)
        return 0;
    if (abortable)
        abort_batch(loop);
    else
        loop->fatal = 1;
    return -1;
}

static int commit_transaction(loop_t *loop)
{
    rd_kafka_consumer_group_metadata_t *cgmd;
    rd_kafka_error_t *error;

    if (!loop->txn_open && loop->pending->cnt == 0)
        return 0;
    if (txn_begin(loop) || (loop->stateful && loop_state_flush(loop))) {
        loop->fatal = 1;
        return -1;
    }
    cgmd = rd_kafka_consumer_group_metadata(loop->consumer);
    do {
        error = loop->pending->cnt ? rd_kafka_send_offsets_to_transaction(
                                         loop->producer, loop->pending, cgmd, -1)
                                   : NULL;
    } while (error &&
             txn_error(loop, "sending offsets to the transaction failed", error) == 0);
    rd_kafka_consumer_group_metadata_destroy(cgmd);
    if (error)
        return -1;
    while ((error = rd_kafka_commit_transaction(loop->producer, -1)))
        if (txn_error(loop, "transaction commit failed", error))
            return -1;
    loop->txn_open = 0;
    loop->commits++;
    pending_reset(loop);
    return 0;
}

/* At-least-once: make every output durable, then commit the offsets. */
static int commit_offsets(loop_t *loop)
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
    if (err && err != RD_KAFKA_RESP_ERR__NO_OFFSET)
        eddy_log_warn(
            "offset commit failed; records after the last commit will be seen "
            "again",
            "error=\"%s\"", rd_kafka_err2str(err));
    else
        loop->commits++;
    pending_reset(loop);
    return 0;
}

static int commit_batch(loop_t *loop)
{
    return loop->eos ? commit_transaction(loop) : commit_offsets(loop);
}

static void on_rebalance(rd_kafka_t *rk, rd_kafka_resp_err_t err,
                         rd_kafka_topic_partition_list_t *parts, void *opaque)
{
    loop_t *loop = opaque;
    rd_kafka_error_t *error = NULL;

    pthread_mutex_lock(&loop->lock);
    if (err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS) {
        eddy_log_info("partitions assigned", "count=%d", parts->cnt);
        loop->ready = 0;
        if (loop_state_restore(loop, parts)) {
            loop->fatal = 1;
        } else {
            if (loop->stage->from_beginning)
                for (int i = 0; i < parts->cnt; i++)
                    parts->elems[i].offset = RD_KAFKA_OFFSET_BEGINNING;
            error = rd_kafka_incremental_assign(rk, parts);
            loop->ready = 1;
        }
    } else {
        int lost = rd_kafka_assignment_lost(rk);
        eddy_log_info("partitions revoked", "count=%d lost=%d", parts->cnt, lost);
        if (!lost)
            commit_batch(loop);
        else if (loop->txn_open)
            abort_batch(loop);
        loop_state_drop(loop, parts);
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

    track_offset(loop, m);
    loop->cur_partition = m->partition;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    /* Keys of eddy topics are series ids (codec/records.h bounds them). */
    if (msg.key_len > EDDY_SERIES_ID_MAX) {
        snprintf(errstr, sizeof(errstr),
                 "key of %zu bytes exceeds the %d-byte series id limit", msg.key_len,
                 EDDY_SERIES_ID_MAX);
        reason = "key_too_large";
    } else if (msg.value_len > loop->max_value_bytes) {
        snprintf(
            errstr, sizeof(errstr),
            "value of %zu bytes exceeds --max-value-bytes %zu: not an eddy record, or "
            "raise the limit",
            msg.value_len, loop->max_value_bytes);
        reason = "value_too_large";
    } else {
        reason =
            loop->stage->process(loop->stage->ctx, &msg, &emit, errstr, sizeof(errstr));
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    loop->process_seconds +=
        (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) * 1e-9;
    loop->records_in++;
    if (reason) {
        eddy_dlq_source_t src = {msg.topic, msg.partition, msg.offset};
        eddy_log_warn("record dead-lettered",
                      "reason=%s topic=%s partition=%d offset=%" PRId64
                      " detail=\"%s\"",
                      reason, msg.topic, (int)msg.partition, msg.offset, errstr);
        count_reason(loop->dead, &loop->n_dead, reason);
        if (txn_begin(loop))
            return;
        if (eddy_kafka_deadletter(loop->producer, loop->dlq_topic, loop->stage->name,
                                  reason, errstr, &src, msg.key, msg.key_len, msg.value,
                                  msg.value_len))
            loop->fatal = 1;
    }
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
        eddy_kafka_conf_default(conf, loop->opts, "isolation.level", "read_committed",
                                errstr, errstr_size) ||
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
    char id[300], txn_id[400], host[128] = "localhost";
    rd_kafka_conf_t *conf;

    snprintf(id, sizeof(id), "%s-producer", loop->stage->group);
    if (!(conf = eddy_kafka_conf_new(loop->opts, id, errstr, errstr_size)))
        return NULL;
    rd_kafka_conf_set_opaque(conf, loop);
    rd_kafka_conf_set_dr_msg_cb(conf, on_delivery);
    if (eddy_kafka_conf_default(conf, loop->opts, "linger.ms", "5", errstr,
                                errstr_size))
        goto err;
    if (loop->eos) {
        gethostname(host, sizeof(host) - 1);
        if (loop->conf->transactional_id)
            snprintf(txn_id, sizeof(txn_id), "%s", loop->conf->transactional_id);
        else
            snprintf(txn_id, sizeof(txn_id), "%s-%s", loop->stage->group, host);
        if (rd_kafka_conf_set(conf, "transactional.id", txn_id, errstr, errstr_size) ||
            eddy_kafka_conf_default(conf, loop->opts, "transaction.timeout.ms", "60000",
                                    errstr, errstr_size) ||
            eddy_kafka_conf_default(conf, loop->opts, "message.timeout.ms", "55000",
                                    errstr, errstr_size) ||
            eddy_kafka_conf_default(conf, loop->opts, "message.max.bytes", "17000000",
                                    errstr, errstr_size))
            goto err;
        eddy_log_info("exactly-once: transactional producer",
                      "transactional_id=%s state=%s", txn_id, loop->state_topic);
    }
    return eddy_kafka_producer_new(conf, errstr, errstr_size);
err:
    rd_kafka_conf_destroy(conf);
    return NULL;
}

static void run_batches(loop_t *loop)
{
    int batch_size = loop->conf->batch_size;
    int64_t batch_ms = loop->conf->batch_time_ms;
    int64_t idle_ms = loop->conf->exit_idle_ms;
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
            if (!loop->fatal)
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

static int loop_start(loop_t *loop, char *errstr, size_t errstr_size)
{
    const char *state_topic = loop->conf->state_topic;
    rd_kafka_error_t *error;

    snprintf(loop->state_topic, sizeof(loop->state_topic), "%s",
             state_topic ? state_topic : "");
    if (!state_topic)
        snprintf(loop->state_topic, sizeof(loop->state_topic), "%s-state",
                 loop->stage->group);
    if (!(loop->producer = producer_new(loop, errstr, errstr_size)) ||
        !(loop->consumer = consumer_new(loop, errstr, errstr_size)))
        return -1;
    if (eddy_kafka_check_reachable(loop->producer, loop->conf->bootstrap, 10000, errstr,
                                   errstr_size))
        return -1;
    if (loop->eos && (error = rd_kafka_init_transactions(loop->producer, 60000))) {
        snprintf(errstr, errstr_size,
                 "cannot initialise transactions: %s (the broker must support "
                 "transactions; run with --no-exactly-once otherwise)",
                 rd_kafka_error_string(error));
        rd_kafka_error_destroy(error);
        return -1;
    }
    if (loop->eos && loop->stateful && loop_state_init(loop, errstr, errstr_size))
        return -1;
    return 0;
}

int eddy_loop_run(const eddy_stage_t *stage, const eddy_loop_conf_t *conf,
                  const eddy_opts_t *opts)
{
    loop_t loop = {.stage = stage, .conf = conf, .opts = opts};
    rd_kafka_topic_partition_list_t *topics = NULL;
    eddy_http_t *http = NULL;
    const char *listen = conf->http ? conf->http : stage->default_http;
    char errstr[512];
    int rc = 1;

    pthread_mutex_init(&loop.lock, NULL);
    loop.dlq_topic = conf->deadletter_topic;
    loop.pending = rd_kafka_topic_partition_list_new(16);
    loop.last_poll_us = eddy_now_us();
    loop.eos = conf->exactly_once;
    loop.max_value_bytes = (size_t)conf->max_value_bytes;
    loop.stateful = stage->state_save && stage->state_load && stage->state_drop;
    eddy_signals_install();
    if (listen && strcmp(listen, "off")) {
        if (!(http = eddy_http_start(listen, loop_http_handler, &loop, errstr,
                                     sizeof(errstr)))) {
            eddy_log_error(errstr, NULL);
            goto out;
        }
        eddy_log_info("serving HTTP", "port=%d paths=/metrics,/healthz,/readyz",
                      eddy_http_port(http));
    }
    if (loop_start(&loop, errstr, sizeof(errstr))) {
        eddy_log_error(errstr, NULL);
        goto out;
    }
    topics = rd_kafka_topic_partition_list_new(1);
    rd_kafka_topic_partition_list_add(topics, stage->input_topic,
                                      RD_KAFKA_PARTITION_UA);
    if (rd_kafka_subscribe(loop.consumer, topics)) {
        eddy_log_error("cannot subscribe", "topic=%s", stage->input_topic);
        goto out;
    }
    eddy_log_info("started", "input=%s group=%s bootstrap=%s exactly_once=%d",
                  stage->input_topic, stage->group, conf->bootstrap, loop.eos);
    run_batches(&loop);
    pthread_mutex_lock(&loop.lock);
    if (!loop.fatal)
        commit_batch(&loop);
    else if (loop.txn_open)
        abort_batch(&loop);
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
    if (loop.eos && loop.stateful)
        loop_state_destroy(&loop);
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
