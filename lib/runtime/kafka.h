/* runtime/kafka.h: librdkafka clients configured the same way for every program. */
#ifndef EDDY_RT_KAFKA_H
#define EDDY_RT_KAFKA_H

#include <librdkafka/rdkafka.h>
#include <stddef.h>
#include <stdint.h>

#include "runtime/produce.h"
#include "util/err.h"
#include "util/opts.h"

/* Creates a configuration with bootstrap.servers, client.id, the log
 * callback, reconnect.backoff.max.ms 1 s (a restarted broker is found within
 * a second) and every -X property (applied last, so they win), taken from
 * the common options OPTS loaded (eddy_opts_common_conf; OPTS must have
 * them). Returns NULL and fills ERRSTR with the offending key and value. */
rd_kafka_conf_t *eddy_kafka_conf_new(const eddy_opts_t *opts, const char *client_id,
                                     char *errstr, size_t errstr_size);

/* Sets KEY=VALUE unless -X already set KEY. Returns 0 or -1 with ERRSTR. */
int eddy_kafka_conf_default(rd_kafka_conf_t *conf, const eddy_opts_t *opts,
                            const char *key, const char *value, char *errstr,
                            size_t errstr_size);

/* Creates an idempotent producer with murmur2_random partitioning (Java's
 * placement of keys). Takes ownership of CONF on success and failure. */
rd_kafka_t *eddy_kafka_producer_new(rd_kafka_conf_t *conf, char *errstr,
                                    size_t errstr_size);

/* The default max.poll.interval.ms: the longest gap between two polls of the
 * loop's consumer (a batch, its commit, or a restore on assignment) before
 * it leaves the group, and the broker's rebalance timeout. */
#define EDDY_MAX_POLL_INTERVAL_MS_STR "15000"

/* The loop's consumer of GROUP: manual commits, cooperative-sticky
 * assignment handled by REBALANCE_CB (with OPAQUE), read_committed, from the
 * earliest offset when the group has none, session.timeout.ms 6 s,
 * heartbeats every 1.5 s, max.poll.interval.ms 15 s, librdkafka's
 * statistics every 5 s to STATS_CB (with OPAQUE; it returns 0: librdkafka
 * frees the JSON) (each default overridable by -X). Its queue is the main
 * one (rd_kafka_poll_set_consumer), so the callbacks run in the poll; a
 * failed offset commit is logged (warn) when its poll serves the result.
 * Returns NULL and fills ERRSTR. */
rd_kafka_t *eddy_kafka_loop_consumer_new(
    const eddy_opts_t *opts, const char *group,
    void (*rebalance_cb)(rd_kafka_t *, rd_kafka_resp_err_t,
                         rd_kafka_topic_partition_list_t *, void *),
    int (*stats_cb)(rd_kafka_t *, char *, size_t, void *), void *opaque, char *errstr,
    size_t errstr_size);

/* The changelog's reader for GROUP: a consumer of its own (group
 * <group>-restore, never subscribed) reporting partition ends. */
rd_kafka_t *eddy_kafka_restorer_new(const eddy_opts_t *opts, const char *group,
                                    char *errstr, size_t errstr_size);

/* The default transaction.timeout.ms (-X overrides it): how long an
 * abandoned transaction (a killed or paused replica) blocks read_committed
 * readers and the group's committed offsets. A batch (--batch-time) and its
 * commit must fit well inside it. */
#define EDDY_TXN_TIMEOUT_MS     10000
#define EDDY_TXN_TIMEOUT_MS_STR "10000"

/* The loop's idempotent producer for GROUP, its delivery reports counted in
 * DR (runtime/produce.h); transactional when TXN_ID is not NULL (timeouts
 * and sizes fit the changelog). Returns NULL and fills ERRSTR. */
rd_kafka_t *eddy_kafka_loop_producer_new(const eddy_opts_t *opts, const char *group,
                                         const char *txn_id, eddy_delivery_t *dr,
                                         char *errstr, size_t errstr_size);

/* Asks the cluster for metadata within TIMEOUT_MS: the "is Kafka there"
 * check run at start-up so an unreachable broker is a clear error, not a
 * silent retry loop. Fills ERRSTR with what to do when it fails. */
int eddy_kafka_check_reachable(rd_kafka_t *rk, const char *bootstrap, int timeout_ms,
                               char *errstr, size_t errstr_size);

/* 1 while librdkafka has reported every broker down
 * (RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN, from any client of this process made
 * with eddy_kafka_conf_new) and no broker has answered since. Any thread. */
int eddy_kafka_brokers_down(void);

/* While brokers are down, asks RK for metadata (TIMEOUT_MS at most: a
 * network wait); a broker answering clears the mark. Returns
 * eddy_kafka_brokers_down() afterwards (no wait when it was 0). */
int eddy_kafka_brokers_recheck(rd_kafka_t *rk, int timeout_ms);

/* Partition count of TOPIC from the cluster's metadata (10 s at most): -1
 * when it does not exist, -2 when the metadata could not be read. */
int eddy_kafka_partition_count(rd_kafka_t *rk, const char *topic);

/* Creates TOPIC with PARTITIONS partitions, cleanup.policy=compact and the
 * topic settings CONFIG (NULL, or name, value, name, value, ..., NULL; a
 * cleanup.policy there replaces the default), waiting 5 s at most. WHAT names it in the
 * log ("state topic"): created, already there, or failed; a broker without
 * the admin API (the embedded one) auto-creates it on first use instead. */
void eddy_kafka_create_compacted(rd_kafka_t *rk, const char *topic, int partitions,
                                 const char *const *config, const char *what);

/* The value of the topic config NAME of TOPIC (e.g. "cleanup.policy") into
 * VALUE ("" when the broker does not list it), asked within 5 s. Returns 0,
 * or -1 when the broker could not answer (no admin API, unknown topic). */
int eddy_kafka_topic_config(rd_kafka_t *rk, const char *topic, const char *name,
                            char *value, size_t value_size);

/* Source coordinates of a dead-lettered record. */
typedef struct eddy_dlq_source_s {
    const char *topic; /* or a file name for ingest */
    int32_t partition; /* -1 when not from Kafka */
    int64_t offset;    /* or a line number */
} eddy_dlq_source_t;

/* Kafka's default max.message.bytes (broker message.max.bytes), the limit
 * assumed for a topic whose own cannot be read. */
#define EDDY_KAFKA_DEFAULT_MAX_MESSAGE_BYTES 1048588

/* The largest record a topic accepts, asked for without waiting. */
typedef struct eddy_topic_limit_s eddy_topic_limit_t;

/* Asks the cluster, through RK's admin API (DescribeConfigs), for TOPIC's
 * max.message.bytes, answered within TIMEOUT_MS; returns at once (NULL when
 * out of memory: the limit is then Kafka's default). RK must outlive it. */
eddy_topic_limit_t *eddy_kafka_topic_limit_new(rd_kafka_t *rk, const char *topic,
                                               int timeout_ms);

/* The limit in bytes, never more than RK's own message.max.bytes: the
 * topic's max.message.bytes once the answer came (logged once, info), and
 * EDDY_KAFKA_DEFAULT_MAX_MESSAGE_BYTES until then and when it cannot be read
 * (no such topic yet, no rights, a broker without the API: a warn line says
 * why). Never waits. NULL LIM: the default. */
int64_t eddy_kafka_topic_limit_get(eddy_topic_limit_t *lim);

/* Frees LIM (NULL is a no-op). */
void eddy_kafka_topic_limit_destroy(eddy_topic_limit_t *lim);

/* Bytes a dead letter needs besides its key and value (record batch and
 * record framing, the eddy.* headers and their values): kept free when the
 * copy is cut to fit. */
#define EDDY_DLQ_OVERHEAD_BYTES 2048

/* Produces the original KEY/VALUE to TOPIC with headers eddy.error (REASON,
 * a short label), eddy.message (DETAIL), eddy.stage, eddy.source.topic,
 * eddy.source.partition and eddy.source.offset, through eddy_produce.
 * MAX_BYTES (0: no limit) is what TOPIC accepts: a longer record has its
 * value cut to fit (key + value + EDDY_DLQ_OVERHEAD_BYTES <= MAX_BYTES) and
 * carries eddy.original.size (the value's bytes, decimal) and
 * eddy.original.crc32c (CRC-32C of the whole value, as util/snapshot.h
 * computes it, 8 lowercase hex digits). Returns 0, 1 when the copy was cut,
 * or -1 with ERR (NULL: not reported) FATAL. */
int eddy_kafka_deadletter(rd_kafka_t *producer, const char *topic, int64_t max_bytes,
                          const char *stage, const char *reason, const char *detail,
                          const eddy_dlq_source_t *src, const void *key, size_t key_len,
                          const void *value, size_t value_len, eddy_err_t *err);

/* Why librdkafka error CODE must stop a stage: "fenced" (another instance
 * took over its transactional id or group.instance.id), "authorization"
 * (an ACL refuses it) or "fatal" (the client is unusable), or NULL when it is
 * transient: a coordinator loading or moving, an offset pending in an open
 * transaction (UNSTABLE_OFFSET_COMMIT), a timeout, a broker down. The caller
 * retries the transient ones. */
const char *eddy_kafka_fatal_kind(rd_kafka_resp_err_t code);

/* A copy of PARTS (the caller destroys it) with the group's committed
 * offsets, stable ones only: CONSUMER is read_committed, so librdkafka asks
 * with KIP-447's require_stable and an offset pending in an open transaction
 * comes back UNSTABLE_OFFSET_COMMIT. Transient failures (eddy_kafka_fatal_kind
 * NULL, top-level or per partition) are retried with a backoff of 50 ms
 * doubling to 2 s, logged as a warning every 5 s, for as long as they last:
 * an abandoned transaction is aborted by the broker after
 * transaction.timeout.ms. Returns NULL with ERR FATAL (one error line naming
 * the kind) or RETRIABLE once STOPPING (NULL: never) returns 1. */
rd_kafka_topic_partition_list_t *
eddy_kafka_committed(rd_kafka_t *consumer, const rd_kafka_topic_partition_list_t *parts,
                     int (*stopping)(void), eddy_err_t *err);

/* Wall-clock time in microseconds (for produced_at / predicted_at only). */
int64_t eddy_now_us(void);

#endif
