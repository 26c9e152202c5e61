#include "runtime/kafka.h"

#include <inttypes.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <unistd.h>

#include "runtime/produce.h"
#include "util/log.h"
#include "util/snapshot.h"

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

/* The last TLS or SASL failure of any client in the process (librdkafka
 * reports them on its own threads' queues, served by the client's poll). */
static struct {
    pthread_mutex_t lock;
    rd_kafka_resp_err_t err; /* 0: none */
    char reason[512];
} security_failure = {.lock = PTHREAD_MUTEX_INITIALIZER};

static int is_sasl_error(rd_kafka_resp_err_t err)
{
    return err == RD_KAFKA_RESP_ERR__AUTHENTICATION ||
           err == RD_KAFKA_RESP_ERR_SASL_AUTHENTICATION_FAILED ||
           err == RD_KAFKA_RESP_ERR_UNSUPPORTED_SASL_MECHANISM ||
           err == RD_KAFKA_RESP_ERR_ILLEGAL_SASL_STATE;
}

/* RD_KAFKA_RESP_ERR__SSL for a TLS failure (also a handshake cut short by
 * the peer, which librdkafka reports as a transport error), the SASL code
 * for an authentication failure, 0 for anything else. */
static rd_kafka_resp_err_t security_error(rd_kafka_resp_err_t err, const char *reason)
{
    if (err == RD_KAFKA_RESP_ERR__SSL ||
        (err == RD_KAFKA_RESP_ERR__TRANSPORT && strstr(reason, "SSL handshake failed")))
        return RD_KAFKA_RESP_ERR__SSL;
    return is_sasl_error(err) ? err : RD_KAFKA_RESP_ERR_NO_ERROR;
}

/* Set while librdkafka reports every broker down, for the whole process:
 * all its clients talk to the one cluster. */
static atomic_int all_brokers_down;

/* Remembers security failures and "all brokers down"; logs every error as
 * librdkafka does when no error callback is set (level 3, facility ERROR,
 * "<client>: <reason>"). */
static void error_cb(rd_kafka_t *rk, int err, const char *reason, void *opaque)
{
    rd_kafka_resp_err_t sec = security_error((rd_kafka_resp_err_t)err, reason);
    char line[1024];

    (void)opaque;
    if (err == RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN)
        atomic_store(&all_brokers_down, 1);
    if (sec) {
        pthread_mutex_lock(&security_failure.lock);
        security_failure.err = sec;
        snprintf(security_failure.reason, sizeof(security_failure.reason), "%s",
                 reason);
        pthread_mutex_unlock(&security_failure.lock);
    }
    snprintf(line, sizeof(line), "%s: %s", rd_kafka_name(rk), reason);
    eddy_log_rdkafka_cb(rk, 3, "ERROR", line);
}

int eddy_kafka_brokers_down(void)
{
    return atomic_load(&all_brokers_down);
}

int eddy_kafka_brokers_recheck(rd_kafka_t *rk, int timeout_ms)
{
    const struct rd_kafka_metadata *md = NULL;

    if (!atomic_load(&all_brokers_down))
        return 0;
    if (rd_kafka_metadata(rk, 0, NULL, &md, timeout_ms))
        return 1;
    rd_kafka_metadata_destroy(md);
    atomic_store(&all_brokers_down, 0);
    eddy_log_info("a broker answers again", NULL);
    return 0;
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
    rd_kafka_conf_set_error_cb(conf, error_cb);
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

/* Logs a failed offset commit (at-least-once commits asynchronously; the
 * records after the last commit are processed again after a restart). */
static void on_offset_commit(rd_kafka_t *rk, rd_kafka_resp_err_t err,
                             rd_kafka_topic_partition_list_t *offsets, void *opaque)
{
    (void)rk;
    (void)offsets;
    (void)opaque;
    if (err && err != RD_KAFKA_RESP_ERR__NO_OFFSET)
        eddy_log_warn("offset commit failed; records after the last commit will be "
                      "seen again",
                      "error=\"%s\"", rd_kafka_err2str(err));
}

rd_kafka_t *eddy_kafka_loop_consumer_new(
    const eddy_opts_t *opts, const char *group,
    void (*rebalance_cb)(rd_kafka_t *, rd_kafka_resp_err_t,
                         rd_kafka_topic_partition_list_t *, void *),
    int (*stats_cb)(rd_kafka_t *, char *, size_t, void *), void *opaque, char *errstr,
    size_t errstr_size)
{
    rd_kafka_conf_t *conf = eddy_kafka_conf_new(opts, group, errstr, errstr_size);
    rd_kafka_t *rk;

    if (!conf)
        return NULL;
    rd_kafka_conf_set_opaque(conf, opaque);
    rd_kafka_conf_set_rebalance_cb(conf, rebalance_cb);
    rd_kafka_conf_set_offset_commit_cb(conf, on_offset_commit);
    rd_kafka_conf_set_stats_cb(conf, stats_cb);
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
        eddy_kafka_conf_default(conf, opts, "statistics.interval.ms", "5000", errstr,
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
        /* A replay's input deleted under it is an error, never a skip. */
        set(conf, "auto.offset.reset", "error", errstr, errstr_size) ||
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
    /* A batch closes when its input is drained and its commit flushes the
     * producer, so a long linger buys nothing: 1 ms still groups the outputs
     * of a busy batch. A transaction that starts while the broker still
     * writes the previous one's markers is refused (CONCURRENT_TRANSACTIONS)
     * and retried after retry.backoff.ms: 20 ms instead of 100. */
    if (eddy_kafka_conf_default(conf, opts, "linger.ms", "1", errstr, errstr_size) ||
        eddy_kafka_conf_default(conf, opts, "retry.backoff.ms", "20", errstr,
                                errstr_size) ||
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

    rd_kafka_resp_err_t sec;
    char reason[512];

    if (err == RD_KAFKA_RESP_ERR_NO_ERROR) {
        rd_kafka_metadata_destroy(md);
        return 0;
    }
    rd_kafka_poll(rk, 100); /* serve the error events of the failed attempts */
    pthread_mutex_lock(&security_failure.lock);
    sec = security_failure.err;
    snprintf(reason, sizeof(reason), "%s", security_failure.reason);
    pthread_mutex_unlock(&security_failure.lock);
    if (sec == RD_KAFKA_RESP_ERR__SSL) {
        snprintf(errstr, errstr_size,
                 "the TLS handshake with Kafka at %s failed (%s): something answers "
                 "there, but the TLS settings do not match it: check "
                 "-X security.protocol (SSL or SASL_SSL for a TLS listener, PLAINTEXT "
                 "or SASL_PLAINTEXT for a plain one), -X ssl.ca.location (the CA that "
                 "signed the broker's certificate), the host name in --bootstrap "
                 "against the certificate, and -X ssl.certificate.location / "
                 "ssl.key.location when the broker asks for a client certificate",
                 bootstrap, reason);
        return -1;
    }
    if (sec) {
        snprintf(errstr, errstr_size,
                 "SASL authentication with Kafka at %s failed (%s): the broker is "
                 "there but refused the credentials or mechanism: check "
                 "-X sasl.mechanisms (PLAIN, SCRAM-SHA-256, SCRAM-SHA-512, ...) "
                 "against the listener's, -X sasl.username / sasl.password, and "
                 "-X security.protocol (SASL_SSL or SASL_PLAINTEXT)",
                 bootstrap, reason);
        return -1;
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

/* The max.message.bytes entry of a DescribeConfigs result EV, or -1 with
 * WHY. */
static int64_t described_max_bytes(rd_kafka_event_t *ev, char *why, size_t why_size)
{
    const rd_kafka_DescribeConfigs_result_t *res;
    const rd_kafka_ConfigResource_t **rs;
    const rd_kafka_ConfigEntry_t **entries;
    size_t n = 0, n_entries = 0;

    if (rd_kafka_event_error(ev) ||
        !(res = rd_kafka_event_DescribeConfigs_result(ev))) {
        snprintf(why, why_size, "%s", rd_kafka_event_error_string(ev));
        return -1;
    }
    rs = rd_kafka_DescribeConfigs_result_resources(res, &n);
    if (n < 1 || rd_kafka_ConfigResource_error(rs[0])) {
        snprintf(why, why_size, "%s",
                 n < 1 ? "no answer" : rd_kafka_ConfigResource_error_string(rs[0]));
        return -1;
    }
    entries = rd_kafka_ConfigResource_configs(rs[0], &n_entries);
    for (size_t i = 0; i < n_entries; i++)
        if (!strcmp(rd_kafka_ConfigEntry_name(entries[i]), "max.message.bytes") &&
            rd_kafka_ConfigEntry_value(entries[i]))
            return strtoll(rd_kafka_ConfigEntry_value(entries[i]), NULL, 10);
    snprintf(why, why_size, "the topic has no max.message.bytes");
    return -1;
}

/* RK's own message.max.bytes (librdkafka refuses longer records). */
static int64_t client_max_bytes(rd_kafka_t *rk)
{
    char v[32];
    size_t n = sizeof(v);

    if (rd_kafka_conf_get(rd_kafka_conf(rk), "message.max.bytes", v, &n) !=
        RD_KAFKA_CONF_OK)
        return EDDY_KAFKA_DEFAULT_MAX_MESSAGE_BYTES;
    return strtoll(v, NULL, 10);
}

struct eddy_topic_limit_s {
    rd_kafka_queue_t *queue; /* the answer's; NULL once it came */
    char topic[256];
    int64_t client_max, bytes;
};

eddy_topic_limit_t *eddy_kafka_topic_limit_new(rd_kafka_t *rk, const char *topic,
                                               int timeout_ms)
{
    eddy_topic_limit_t *lim = calloc(1, sizeof(*lim));
    rd_kafka_ConfigResource_t *res;
    rd_kafka_AdminOptions_t *opts;
    char err[256];

    if (!lim)
        return NULL;
    snprintf(lim->topic, sizeof(lim->topic), "%s", topic);
    lim->client_max = client_max_bytes(rk);
    lim->bytes = EDDY_KAFKA_DEFAULT_MAX_MESSAGE_BYTES < lim->client_max
                     ? EDDY_KAFKA_DEFAULT_MAX_MESSAGE_BYTES
                     : lim->client_max;
    lim->queue = rd_kafka_queue_new(rk);
    res = rd_kafka_ConfigResource_new(RD_KAFKA_RESOURCE_TOPIC, topic);
    opts = rd_kafka_AdminOptions_new(rk, RD_KAFKA_ADMIN_OP_DESCRIBECONFIGS);
    rd_kafka_AdminOptions_set_request_timeout(opts, timeout_ms, err, sizeof(err));
    rd_kafka_DescribeConfigs(rk, &res, 1, opts, lim->queue);
    rd_kafka_AdminOptions_destroy(opts);
    rd_kafka_ConfigResource_destroy(res);
    return lim;
}

int64_t eddy_kafka_topic_limit_get(eddy_topic_limit_t *lim)
{
    rd_kafka_event_t *ev;
    char why[256] = "";
    int64_t topic_max;

    if (!lim)
        return EDDY_KAFKA_DEFAULT_MAX_MESSAGE_BYTES;
    if (!lim->queue || !(ev = rd_kafka_queue_poll(lim->queue, 0)))
        return lim->bytes;
    topic_max = described_max_bytes(ev, why, sizeof(why));
    rd_kafka_event_destroy(ev);
    rd_kafka_queue_destroy(lim->queue);
    lim->queue = NULL;
    if (topic_max > 0)
        lim->bytes = topic_max < lim->client_max ? topic_max : lim->client_max;
    else
        eddy_log_warn("cannot read the topic's max.message.bytes: assuming Kafka's "
                      "default",
                      "topic=%s reason=\"%s\"", lim->topic, why);
    eddy_log_info("dead letters sized to their topic",
                  "deadletter_topic=%s max_message_bytes=%" PRId64, lim->topic,
                  lim->bytes);
    return lim->bytes;
}

void eddy_kafka_topic_limit_destroy(eddy_topic_limit_t *lim)
{
    if (!lim)
        return;
    if (lim->queue)
        rd_kafka_queue_destroy(lim->queue);
    free(lim);
}

/* Adds eddy.original.size and eddy.original.crc32c of VALUE to HDRS. */
static void add_original(rd_kafka_headers_t *hdrs, const void *value, size_t value_len)
{
    char size[24], crc[12];

    snprintf(size, sizeof(size), "%zu", value_len);
    snprintf(crc, sizeof(crc), "%08" PRIx32, eddy_crc32c(0, value, value_len));
    rd_kafka_header_add(hdrs, "eddy.original.size", -1, size, -1);
    rd_kafka_header_add(hdrs, "eddy.original.crc32c", -1, crc, -1);
}

/* The value bytes a dead letter of KEY_LEN may carry within MAX_BYTES. */
static size_t deadletter_room(int64_t max_bytes, size_t key_len, size_t value_len)
{
    int64_t room = max_bytes - (int64_t)key_len - EDDY_DLQ_OVERHEAD_BYTES;

    if (max_bytes <= 0 || (int64_t)value_len <= room)
        return value_len;
    return room > 0 ? (size_t)room : 0;
}

int eddy_kafka_deadletter(rd_kafka_t *producer, const char *topic, int64_t max_bytes,
                          const char *stage, const char *reason, const char *detail,
                          const eddy_dlq_source_t *src, const void *key, size_t key_len,
                          const void *value, size_t value_len, eddy_err_t *err)
{
    rd_kafka_headers_t *hdrs = rd_kafka_headers_new(8);
    char partition[16], offset[24];
    size_t room = deadletter_room(max_bytes, key_len, value_len);

    snprintf(partition, sizeof(partition), "%" PRId32, src->partition);
    snprintf(offset, sizeof(offset), "%" PRId64, src->offset);
    rd_kafka_header_add(hdrs, "eddy.error", -1, reason, -1);
    rd_kafka_header_add(hdrs, "eddy.message", -1, detail, -1);
    rd_kafka_header_add(hdrs, "eddy.stage", -1, stage, -1);
    rd_kafka_header_add(hdrs, "eddy.source.topic", -1, src->topic, -1);
    rd_kafka_header_add(hdrs, "eddy.source.partition", -1, partition, -1);
    rd_kafka_header_add(hdrs, "eddy.source.offset", -1, offset, -1);
    if (room < value_len)
        add_original(hdrs, value, value_len);
    if (eddy_produce(producer, topic, RD_KAFKA_PARTITION_UA, key, key_len, value, room,
                     hdrs, err)) {
        rd_kafka_headers_destroy(hdrs);
        return -1;
    }
    return room < value_len;
}

static void log_create_result(rd_kafka_event_t *ev, const char *topic, int n,
                              const char *what)
{
    const rd_kafka_CreateTopics_result_t *res;
    const rd_kafka_topic_result_t **tr;
    char msg[128];
    size_t cnt;

    if (!ev || rd_kafka_event_error(ev)) {
        snprintf(msg, sizeof(msg),
                 "could not create the %s (no admin API on this broker?): relying on "
                 "auto-creation",
                 what);
        eddy_log_info(msg, "topic=%s error=\"%s\"", topic,
                      ev ? rd_kafka_event_error_string(ev) : "timed out");
        return;
    }
    res = rd_kafka_event_CreateTopics_result(ev);
    tr = rd_kafka_CreateTopics_result_topics(res, &cnt);
    if (cnt == 1 && rd_kafka_topic_result_error(tr[0]) &&
        rd_kafka_topic_result_error(tr[0]) != RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS) {
        snprintf(msg, sizeof(msg), "%s creation failed", what);
        eddy_log_warn(msg, "topic=%s error=\"%s\"", topic,
                      rd_kafka_topic_result_error_string(tr[0]));
    } else {
        snprintf(msg, sizeof(msg), "%s created", what);
        eddy_log_info(msg, "topic=%s partitions=%d cleanup.policy=compact", topic, n);
    }
}

void eddy_kafka_create_compacted(rd_kafka_t *rk, const char *topic, int partitions,
                                 const char *const *config, const char *what)
{
    rd_kafka_NewTopic_t *nt;
    rd_kafka_queue_t *q;
    rd_kafka_event_t *ev;
    rd_kafka_AdminOptions_t *ao;
    char errstr[256];
    int policy = 0;

    if (!(nt = rd_kafka_NewTopic_new(topic, partitions, -1, errstr, sizeof(errstr)))) {
        eddy_log_warn("invalid topic to create", "topic=%s error=\"%s\"", topic,
                      errstr);
        return;
    }

    for (int i = 0; config && config[i] && config[i + 1]; i += 2) {
        rd_kafka_NewTopic_set_config(nt, config[i], config[i + 1]);
        policy |= !strcmp(config[i], "cleanup.policy");
    }
    if (!policy)
        rd_kafka_NewTopic_set_config(nt, "cleanup.policy", "compact");
    q = rd_kafka_queue_new(rk);
    ao = rd_kafka_AdminOptions_new(rk, RD_KAFKA_ADMIN_OP_CREATETOPICS);
    rd_kafka_AdminOptions_set_request_timeout(ao, 3000, errstr, sizeof(errstr));
    rd_kafka_CreateTopics(rk, &nt, 1, ao, q);
    ev = rd_kafka_queue_poll(q, 5000);
    log_create_result(ev, topic, partitions, what);
    if (ev)
        rd_kafka_event_destroy(ev);
    rd_kafka_AdminOptions_destroy(ao);
    rd_kafka_queue_destroy(q);
    rd_kafka_NewTopic_destroy(nt);
}

/* The value of the config entry NAME among the N entries E, or NULL. */
static const char *config_value(const rd_kafka_ConfigEntry_t **e, size_t n,
                                const char *name)
{
    for (size_t i = 0; i < n; i++)
        if (!strcmp(rd_kafka_ConfigEntry_name(e[i]), name))
            return rd_kafka_ConfigEntry_value(e[i]);
    return NULL;
}

int eddy_kafka_topic_config(rd_kafka_t *rk, const char *topic, const char *name,
                            char *value, size_t value_size)
{
    rd_kafka_ConfigResource_t *res =
        rd_kafka_ConfigResource_new(RD_KAFKA_RESOURCE_TOPIC, topic);
    rd_kafka_queue_t *q = rd_kafka_queue_new(rk);
    rd_kafka_event_t *ev;
    const rd_kafka_ConfigResource_t **rs;
    const rd_kafka_ConfigEntry_t **e;
    size_t n_rs = 0, n = 0;
    const char *v = NULL;
    int rc = -1;

    rd_kafka_DescribeConfigs(rk, &res, 1, NULL, q);
    ev = rd_kafka_queue_poll(q, 5000);
    if (ev && !rd_kafka_event_error(ev)) {
        rs = rd_kafka_DescribeConfigs_result_resources(
            rd_kafka_event_DescribeConfigs_result(ev), &n_rs);
        if (n_rs == 1 && !rd_kafka_ConfigResource_error(rs[0])) {
            e = rd_kafka_ConfigResource_configs(rs[0], &n);
            v = config_value(e, n, name);
            snprintf(value, value_size, "%s", v ? v : "");
            rc = 0;
        }
    }
    if (ev)
        rd_kafka_event_destroy(ev);
    rd_kafka_queue_destroy(q);
    rd_kafka_ConfigResource_destroy(res);
    return rc;
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
            err->config = !strcmp(kind, "authorization") || !strcmp(kind, "fenced");
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
