#include "runtime/kafka.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <unistd.h>

#include "runtime/produce.h"
#include "util/log.h"

int64_t eddy_now_us(void)
{
    struct timeval tv;
    gettimeofday(&tv, NULL);
    return (int64_t)tv.tv_sec * 1000000 + tv.tv_usec;
}

static void log_cb(const rd_kafka_t *rk, int level, const char *fac, const char *buf)
{
    /* -X applies to a stage's consumer and producer alike, so a property of
     * one kind is expected to be ignored by the other: not worth a warning. */
    if (!strcmp(fac, "CONFWARN") && strstr(buf, "will be ignored by this"))
        level = 7;
    eddy_log_rdkafka_cb(rk, level, fac, buf);
}

static int set(rd_kafka_conf_t *conf, const char *key, const char *value, char *errstr,
               size_t errstr_size)
{
    char err[256];

    if (rd_kafka_conf_set(conf, key, value, err, sizeof(err)) == RD_KAFKA_CONF_OK)
        return 0;
    snprintf(errstr, errstr_size, "librdkafka property %s=%s: %s", key, value, err);
    return -1;
}

rd_kafka_conf_t *eddy_kafka_conf_new(const eddy_opts_t *opts, const char *client_id,
                                     char *errstr, size_t errstr_size)
{
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    const eddy_common_conf_t *common = eddy_opts_common_conf(opts);
    const char *const *props = common->kafka_props.values;
    int n = common->kafka_props.n;

    rd_kafka_conf_set_log_cb(conf, log_cb);
    if (set(conf, "bootstrap.servers", common->bootstrap, errstr, errstr_size) ||
        set(conf, "client.id", client_id, errstr, errstr_size))
        goto err;
    /* A broker back after a restart is retried within 1 s, not up to 10 s
     * (librdkafka's default backoff cap); -X overrides it. */
    if (set(conf, "reconnect.backoff.max.ms", "1000", errstr, errstr_size))
        goto err;
    for (int i = 0; i < n; i++) {
        char key[256];
        const char *eq = strchr(props[i], '=');
        snprintf(key, sizeof(key), "%.*s", (int)(eq - props[i]), props[i]);
        if (set(conf, key, eq + 1, errstr, errstr_size))
            goto err;
    }
    return conf;
err:
    rd_kafka_conf_destroy(conf);
    return NULL;
}

int eddy_kafka_conf_default(rd_kafka_conf_t *conf, const eddy_opts_t *opts,
                            const char *key, const char *value, char *errstr,
                            size_t errstr_size)
{
    const eddy_common_conf_t *common = eddy_opts_common_conf(opts);
    const char *const *props = common->kafka_props.values;
    int n = common->kafka_props.n;
    size_t klen = strlen(key);

    for (int i = 0; i < n; i++)
        if (!strncmp(props[i], key, klen) && props[i][klen] == '=')
            return 0;
    return set(conf, key, value, errstr, errstr_size);
}

rd_kafka_t *eddy_kafka_producer_new(rd_kafka_conf_t *conf, char *errstr,
                                    size_t errstr_size)
{
    rd_kafka_t *rk;

    if (set(conf, "enable.idempotence", "true", errstr, errstr_size) ||
        set(conf, "partitioner", "murmur2_random", errstr, errstr_size)) {
        rd_kafka_conf_destroy(conf);
        return NULL;
    }
    if (!(rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, errstr_size)))
        rd_kafka_conf_destroy(conf);
    return rk;
}

/* Group membership timing (each overridable by -X). session.timeout.ms 6 s:
 * a dead member's partitions move after 6 s (librdkafka's default is 45 s);
 * heartbeats every 1.5 s. max.poll.interval.ms 15 s is also the broker's
 * rebalance timeout: after a broker crash the reloaded group keeps the
 * members whose sessions ended and its rebalance waits this long for them
 * (librdkafka's default, 300 s, was the stall measured in
 * docs/benchmarks.md). The loop polls every --batch-time plus a commit, but
 * a restore runs inside the rebalance callback: one longer than this makes
 * the member leave and rejoin (warned). Members are dynamic: static
 * membership (-X group.instance.id) spares the wait of a quick restart, but
 * librdkafka 2.0.2's static members fence themselves after a broker restart
 * (FENCED_INSTANCE_ID, fatal). */
static int group_conf(rd_kafka_conf_t *conf, const eddy_opts_t *opts, char *errstr,
                      size_t errstr_size)
{
    return eddy_kafka_conf_default(conf, opts, "session.timeout.ms", "6000", errstr,
                                   errstr_size) ||
                   eddy_kafka_conf_default(conf, opts, "heartbeat.interval.ms", "1500",
                                           errstr, errstr_size) ||
                   eddy_kafka_conf_default(conf, opts, "max.poll.interval.ms",
                                           EDDY_MAX_POLL_INTERVAL_MS_STR, errstr,
                                           errstr_size)
               ? -1
               : 0;
}

rd_kafka_t *eddy_kafka_loop_consumer_new(
    const eddy_opts_t *opts, const char *group,
    void (*rebalance_cb)(rd_kafka_t *, rd_kafka_resp_err_t,
                         rd_kafka_topic_partition_list_t *, void *),
    void *opaque, char *errstr, size_t errstr_size)
{
    rd_kafka_conf_t *conf = eddy_kafka_conf_new(opts, group, errstr, errstr_size);
    rd_kafka_t *rk;

    if (!conf)
        return NULL;
    rd_kafka_conf_set_opaque(conf, opaque);
    rd_kafka_conf_set_rebalance_cb(conf, rebalance_cb);
    if (set(conf, "group.id", group, errstr, errstr_size) ||
        set(conf, "enable.auto.commit", "false", errstr, errstr_size) ||
        eddy_kafka_conf_default(conf, opts, "auto.offset.reset", "earliest", errstr,
                                errstr_size) ||
        eddy_kafka_conf_default(conf, opts, "partition.assignment.strategy",
                                "cooperative-sticky", errstr, errstr_size) ||
        eddy_kafka_conf_default(conf, opts, "isolation.level", "read_committed", errstr,
                                errstr_size) ||
        eddy_kafka_conf_default(conf, opts, "fetch.wait.max.ms", "50", errstr,
                                errstr_size) ||
        group_conf(conf, opts, errstr, errstr_size) ||
        !(rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, errstr, errstr_size))) {
        rd_kafka_conf_destroy(conf);
        return NULL;
    }
    rd_kafka_poll_set_consumer(rk);
    return rk;
}

rd_kafka_t *eddy_kafka_restorer_new(const eddy_opts_t *opts, const char *group,
                                    char *errstr, size_t errstr_size)
{
    rd_kafka_conf_t *conf;
    rd_kafka_t *rk = NULL;
    char id[320];

    snprintf(id, sizeof(id), "%s-restore", group);
    if (!(conf = eddy_kafka_conf_new(opts, id, errstr, errstr_size)))
        return NULL;
    if (set(conf, "group.id", id, errstr, errstr_size) ||
        set(conf, "enable.auto.commit", "false", errstr, errstr_size) ||
        set(conf, "enable.partition.eof", "true", errstr, errstr_size) ||
        set(conf, "isolation.level", "read_committed", errstr, errstr_size) ||
        /* A restore reads to the end: never wait at the broker for more. */
        eddy_kafka_conf_default(conf, opts, "fetch.wait.max.ms", "10", errstr,
                                errstr_size) ||
        eddy_kafka_conf_default(conf, opts, "fetch.error.backoff.ms", "50", errstr,
                                errstr_size) ||
        !(rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, errstr, errstr_size)))
        rd_kafka_conf_destroy(conf);
    return rk;
}

/* The transactional producer's settings. transaction.timeout.ms is how long
 * the broker waits before aborting a transaction its producer abandoned (a
 * killed or paused replica): read_committed readers, and the group's
 * committed offsets, are held that long. 10 s, as Kafka Streams under
 * exactly-once; a batch (--batch-time) and its commit must fit well inside
 * it. message.timeout.ms must not exceed it: 1 s below unless -X sets it. */
static int txn_conf(rd_kafka_conf_t *conf, const eddy_opts_t *opts, const char *txn_id,
                    char *errstr, size_t errstr_size)
{
    char txn_ms[32] = "", msg_ms[32];
    size_t size = sizeof(txn_ms);
    long ms;

    if (set(conf, "transactional.id", txn_id, errstr, errstr_size) ||
        eddy_kafka_conf_default(conf, opts, "transaction.timeout.ms",
                                EDDY_TXN_TIMEOUT_MS_STR, errstr, errstr_size))
        return -1;
    rd_kafka_conf_get(conf, "transaction.timeout.ms", txn_ms, &size);
    ms = strtol(txn_ms, NULL, 10) - 1000;
    snprintf(msg_ms, sizeof(msg_ms), "%ld", ms < 1000 ? 1000 : ms);
    return eddy_kafka_conf_default(conf, opts, "message.timeout.ms", msg_ms, errstr,
                                   errstr_size) ||
                   eddy_kafka_conf_default(conf, opts, "message.max.bytes", "17000000",
                                           errstr, errstr_size)
               ? -1
               : 0;
}

rd_kafka_t *eddy_kafka_loop_producer_new(const eddy_opts_t *opts, const char *group,
                                         const char *txn_id, eddy_delivery_t *dr,
                                         char *errstr, size_t errstr_size)
{
    char id[300];
    rd_kafka_conf_t *conf;

    snprintf(id, sizeof(id), "%s-producer", group);
    if (!(conf = eddy_kafka_conf_new(opts, id, errstr, errstr_size)))
        return NULL;
    eddy_produce_conf(conf, dr);
    if (eddy_kafka_conf_default(conf, opts, "linger.ms", "5", errstr, errstr_size) ||
        (txn_id && txn_conf(conf, opts, txn_id, errstr, errstr_size))) {
        rd_kafka_conf_destroy(conf);
        return NULL;
    }
    return eddy_kafka_producer_new(conf, errstr, errstr_size);
}

int eddy_kafka_check_reachable(rd_kafka_t *rk, const char *bootstrap, int timeout_ms,
                               char *errstr, size_t errstr_size)
{
    const struct rd_kafka_metadata *md = NULL;
    rd_kafka_resp_err_t err = rd_kafka_metadata(rk, 0, NULL, &md, timeout_ms);

    if (err == RD_KAFKA_RESP_ERR_NO_ERROR) {
        rd_kafka_metadata_destroy(md);
        return 0;
    }
    snprintf(errstr, errstr_size,
             "cannot reach Kafka at %s within %d ms (%s): start a broker "
             "(scripts/kafka.sh start, or eddy-broker for development) or point "
             "--bootstrap / EDDY_BOOTSTRAP at yours",
             bootstrap, timeout_ms, rd_kafka_err2str(err));
    return -1;
}

int eddy_kafka_partition_count(rd_kafka_t *rk, const char *topic)
{
    const struct rd_kafka_metadata *md = NULL;
    int n = -1;

    if (rd_kafka_metadata(rk, 1, NULL, &md, 10000))
        return -2;
    for (int i = 0; i < md->topic_cnt; i++)
        if (!strcmp(md->topics[i].topic, topic) && !md->topics[i].err)
            n = md->topics[i].partition_cnt;
    rd_kafka_metadata_destroy(md);
    return n;
}

int eddy_kafka_deadletter(rd_kafka_t *producer, const char *topic, const char *stage,
                          const char *reason, const char *detail,
                          const eddy_dlq_source_t *src, const void *key, size_t key_len,
                          const void *value, size_t value_len, eddy_err_t *err)
{
    rd_kafka_headers_t *hdrs = rd_kafka_headers_new(6);
    char partition[16], offset[24];

    snprintf(partition, sizeof(partition), "%" PRId32, src->partition);
    snprintf(offset, sizeof(offset), "%" PRId64, src->offset);
    rd_kafka_header_add(hdrs, "eddy.error", -1, reason, -1);
    rd_kafka_header_add(hdrs, "eddy.message", -1, detail, -1);
    rd_kafka_header_add(hdrs, "eddy.stage", -1, stage, -1);
    rd_kafka_header_add(hdrs, "eddy.source.topic", -1, src->topic, -1);
    rd_kafka_header_add(hdrs, "eddy.source.partition", -1, partition, -1);
    rd_kafka_header_add(hdrs, "eddy.source.offset", -1, offset, -1);
    if (eddy_produce(producer, topic, RD_KAFKA_PARTITION_UA, key, key_len, value,
                     value_len, hdrs, err)) {
        rd_kafka_headers_destroy(hdrs);
        return -1;
    }
    return 0;
}

/* The errors that stop a stage, one row each: every other is retried. */
static const struct {
    rd_kafka_resp_err_t code;
    const char *kind;
} fatal_errors[] = {
    {RD_KAFKA_RESP_ERR__FATAL, "fatal"},
    {RD_KAFKA_RESP_ERR__FENCED, "fenced"},
    {RD_KAFKA_RESP_ERR_PRODUCER_FENCED, "fenced"},
    {RD_KAFKA_RESP_ERR_FENCED_INSTANCE_ID, "fenced"},
    {RD_KAFKA_RESP_ERR_TRANSACTIONAL_ID_AUTHORIZATION_FAILED, "authorization"},
    {RD_KAFKA_RESP_ERR_GROUP_AUTHORIZATION_FAILED, "authorization"},
    {RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED, "authorization"},
    {RD_KAFKA_RESP_ERR_CLUSTER_AUTHORIZATION_FAILED, "authorization"},
    {RD_KAFKA_RESP_ERR__AUTHENTICATION, "authorization"},
    {RD_KAFKA_RESP_ERR_SASL_AUTHENTICATION_FAILED, "authorization"},
    {RD_KAFKA_RESP_ERR_INVALID_GROUP_ID, "fatal"},
};

const char *eddy_kafka_fatal_kind(rd_kafka_resp_err_t code)
{
    for (size_t i = 0; i < sizeof(fatal_errors) / sizeof(fatal_errors[0]); i++)
        if (fatal_errors[i].code == code)
            return fatal_errors[i].kind;
    return NULL;
}

#define COMMITTED_CALL_MS 5000
#define COMMITTED_MIN_MS  50
#define COMMITTED_MAX_MS  2000
#define COMMITTED_WARN_US (5 * 1000000LL)

/* One read of the committed offsets into LIST: the first error, top-level
 * or per partition, or 0. */
static rd_kafka_resp_err_t committed_once(rd_kafka_t *consumer,
                                          rd_kafka_topic_partition_list_t *list)
{
    rd_kafka_resp_err_t e = rd_kafka_committed(consumer, list, COMMITTED_CALL_MS);

    for (int i = 0; !e && i < list->cnt; i++)
        e = list->elems[i].err;
    return e;
}

rd_kafka_topic_partition_list_t *
eddy_kafka_committed(rd_kafka_t *consumer, const rd_kafka_topic_partition_list_t *parts,
                     int (*stopping)(void), eddy_err_t *err)
{
    int64_t t0 = eddy_now_us(), warned = t0;
    int backoff_ms = COMMITTED_MIN_MS;

    for (;;) {
        rd_kafka_topic_partition_list_t *list =
            rd_kafka_topic_partition_list_copy(parts);
        rd_kafka_resp_err_t e = committed_once(consumer, list);
        const char *kind = e ? eddy_kafka_fatal_kind(e) : NULL;
        int64_t now = eddy_now_us();

        if (!e) {
            if (now - t0 >= COMMITTED_WARN_US)
                eddy_log_info("committed offsets read", "waited_ms=%" PRId64,
                              (now - t0) / 1000);
            return list;
        }
        rd_kafka_topic_partition_list_destroy(list);
        if (kind) {
            eddy_log_error("cannot read the group's committed offsets",
                           "kind=%s error=\"%s\"", kind, rd_kafka_err2str(e));
            eddy_err_set(err, EDDY_ERR_FATAL, e,
                         "cannot read the group's committed offsets (%s): %s", kind,
                         rd_kafka_err2str(e));
            return NULL;
        }
        if (stopping && stopping()) {
            eddy_err_set(err, EDDY_ERR_RETRIABLE, e,
                         "stopped while waiting for the committed offsets: %s",
                         rd_kafka_err2str(e));
            return NULL;
        }
        if (now - warned >= COMMITTED_WARN_US) {
            eddy_log_warn("waiting for the group's committed offsets (retrying)",
                          "error=%s waited_ms=%" PRId64, rd_kafka_err2name(e),
                          (now - t0) / 1000);
            warned = now;
        }
        usleep((useconds_t)backoff_ms * 1000);
        backoff_ms =
            backoff_ms * 2 > COMMITTED_MAX_MS ? COMMITTED_MAX_MS : backoff_ms * 2;
    }
}
