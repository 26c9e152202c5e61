#include "runtime/kafka.h"

#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/time.h>

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

/* Remembers security failures; logs every error as librdkafka does when no
 * error callback is set (level 3, facility ERROR, "<client>: <reason>"). */
static void error_cb(rd_kafka_t *rk, int err, const char *reason, void *opaque)
{
    rd_kafka_resp_err_t sec = security_error((rd_kafka_resp_err_t)err, reason);
    char line[1024];

    (void)opaque;
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
        !(rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, errstr, errstr_size)))
        rd_kafka_conf_destroy(conf);
    return rk;
}

static int txn_conf(rd_kafka_conf_t *conf, const eddy_opts_t *opts, const char *txn_id,
                    char *errstr, size_t errstr_size)
{
    return set(conf, "transactional.id", txn_id, errstr, errstr_size) ||
                   eddy_kafka_conf_default(conf, opts, "transaction.timeout.ms",
                                           "60000", errstr, errstr_size) ||
                   eddy_kafka_conf_default(conf, opts, "message.timeout.ms", "55000",
                                           errstr, errstr_size) ||
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
                                 const char *max_message_bytes, const char *what)
{
    rd_kafka_NewTopic_t *nt;
    rd_kafka_queue_t *q;
    rd_kafka_event_t *ev;
    rd_kafka_AdminOptions_t *ao;
    char errstr[256];

    if (!(nt = rd_kafka_NewTopic_new(topic, partitions, -1, errstr, sizeof(errstr)))) {
        eddy_log_warn("invalid topic to create", "topic=%s error=\"%s\"", topic,
                      errstr);
        return;
    }
    rd_kafka_NewTopic_set_config(nt, "cleanup.policy", "compact");
    if (max_message_bytes)
        rd_kafka_NewTopic_set_config(nt, "max.message.bytes", max_message_bytes);
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
