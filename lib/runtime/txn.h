/* runtime/txn.h: the transactional producer's begin / commit / abort, with
 * librdkafka's errors sorted into RETRIABLE (call again), ABORT (abort and
 * replay the batch) and FATAL (e.g. fenced by a newer instance).
 *
 * Owned and used by the loop thread only. A disabled txn (at-least-once)
 * makes every call a no-op that succeeds. Every network call is bounded by
 * EDDY_TXN_CALL_TIMEOUT_MS, so the caller can tell its liveness probe how
 * long it may take.
 */
#ifndef EDDY_RT_TXN_H
#define EDDY_RT_TXN_H

#include <librdkafka/rdkafka.h>

#include "util/err.h"

#define EDDY_TXN_CALL_TIMEOUT_MS 60000

typedef struct eddy_txn_s eddy_txn_t;

/* Wraps PRODUCER (borrowed; it must have a transactional.id when ENABLED).
 * Returns NULL when out of memory. */
eddy_txn_t *eddy_txn_new(rd_kafka_t *producer, int enabled);

/* Replaces TXN's producer (borrowed) after the previous one was fenced and
 * destroyed: no transaction is open; call eddy_txn_init again. */
void eddy_txn_set_producer(eddy_txn_t *txn, rd_kafka_t *producer);

/* Frees TXN (not the producer); NULL is a no-op. */
void eddy_txn_destroy(eddy_txn_t *txn);

/* rd_kafka_init_transactions, once at start-up: fences the previous
 * instance with the same transactional id and aborts its open transaction.
 * Retriable failures (a coordinator loading after a broker restart) are
 * retried every 0.5 s until STOPPING (NULL: never) returns 1. Returns 0 or -1
 * with ERR FATAL naming the kind (fenced, authorization, fatal) and saying
 * the broker must support transactions. */
int eddy_txn_init(eddy_txn_t *txn, int (*stopping)(void), eddy_err_t *err);

/* Opens a transaction unless one is open. Returns 0 or -1 with ERR FATAL. */
int eddy_txn_begin(eddy_txn_t *txn, eddy_err_t *err);

/* 1 while a transaction is open. */
int eddy_txn_is_open(const eddy_txn_t *txn);

/* Adds OFFSETS (may be empty) with CONSUMER's group metadata to the open
 * transaction, then commits it. One attempt: on -1, ERR is RETRIABLE (call
 * again: the offsets already sent are not sent twice), ABORT (call
 * eddy_txn_abort) or FATAL. Each failure is logged as a warning with its
 * class. */
int eddy_txn_commit(eddy_txn_t *txn, const rd_kafka_topic_partition_list_t *offsets,
                    rd_kafka_t *consumer, eddy_err_t *err);

/* Aborts the open transaction (a no-op when none is open), calling again
 * while the failure is retriable. Returns 0 or -1 with ERR FATAL. */
int eddy_txn_abort(eddy_txn_t *txn, eddy_err_t *err);

#endif
