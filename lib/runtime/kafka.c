#include "runtime/kafka.h"

#include <inttypes.h>
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
