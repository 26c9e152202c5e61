/* runtime/produce.h: the one produce and delivery path (the loop, its
 * changelog, dead letters and eddy-ingest all produce through it).
 *
 * Delivery reports are counted into an eddy_delivery_t that the producer's
 * configuration points at; they are served on the thread that polls or
 * flushes the producer, so the counts need no lock when that is the thread
 * reading them.
 */
#ifndef EDDY_RT_PRODUCE_H
#define EDDY_RT_PRODUCE_H

#include <librdkafka/rdkafka.h>
#include <stddef.h>
#include <stdint.h>

#include "util/err.h"
#include "util/log.h"

/* Seconds between two "delivery failed" lines (the held-back ones counted
 * in the next line's suppressed=). */
#define EDDY_DELIVERY_LOG_INTERVAL_MS 5000

typedef struct eddy_delivery_s {
    uint64_t delivered;
    uint64_t failed;            /* logged as "delivery failed", rate-limited */
    uint64_t deadletter_failed; /* of those, dead letters (an eddy.error header) */
    eddy_ratelimit_t log_limit;
} eddy_delivery_t;

/* Routes CONF's delivery reports into DR (which must outlive the producer).
 * Uses CONF's opaque: a producer configuration only. */
void eddy_produce_conf(rd_kafka_conf_t *conf, eddy_delivery_t *dr);

/* Queues a copy of KEY/VALUE (VALUE NULL: a tombstone) for TOPIC and
 * PARTITION (RD_KAFKA_PARTITION_UA: by key) with HDRS (NULL, or owned by the
 * producer on success, by the caller on failure). While the queue is full it
 * serves delivery reports and tries again. Returns 0, or -1 with ERR: ABORT
 * when the producer's transaction failed (e.g. a record of it was refused)
 * and must be aborted, FATAL otherwise (logged as "produce failed"). */
int eddy_produce(rd_kafka_t *producer, const char *topic, int32_t partition,
                 const void *key, size_t key_len, const void *value, size_t value_len,
                 rd_kafka_headers_t *hdrs, eddy_err_t *err);

/* Waits until every queued record is delivered or failed; with
 * STOP_ON_SIGNAL it gives up once SIGINT/SIGTERM arrived. Returns 0 when the
 * queue is empty, -1 when records are left. */
int eddy_produce_flush(rd_kafka_t *producer, int stop_on_signal);

#endif
