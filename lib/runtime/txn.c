#include "runtime/txn.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "runtime/kafka.h"

#include "util/log.h"

struct eddy_txn_s {
    rd_kafka_t *producer;
    int enabled;
    int open;
    int offsets_sent; /* the open transaction already holds the offsets */
};

eddy_txn_t *eddy_txn_new(rd_kafka_t *producer, int enabled)
{
    eddy_txn_t *txn = calloc(1, sizeof(*txn));

    if (!txn)
        return NULL;
    txn->producer = producer;
    txn->enabled = enabled;
    return txn;
}

void eddy_txn_set_producer(eddy_txn_t *txn, rd_kafka_t *producer)
{
    txn->producer = producer;
    txn->open = 0;
    txn->offsets_sent = 0;
}

void eddy_txn_destroy(eddy_txn_t *txn)
{
    free(txn);
}

/* Backoff between retries of a retriable init or abort, in microseconds. */
#define RETRY_US (500 * 1000)

int eddy_txn_init(eddy_txn_t *txn, int (*stopping)(void), eddy_err_t *err)
{
    rd_kafka_error_t *error;
    int rc = 0;

    if (!txn->enabled)
        return 0;
    /* Retriable: a coordinator loading or moving (a broker restart), or the
     * previous instance's transaction still being aborted. */
    while (
        (error = rd_kafka_init_transactions(txn->producer, EDDY_TXN_CALL_TIMEOUT_MS)) &&
        rd_kafka_error_is_retriable(error) && !(stopping && stopping())) {
        eddy_log_warn("initialising transactions: retrying", "error=\"%s\"",
                      rd_kafka_error_string(error));
        rd_kafka_error_destroy(error);
        usleep(RETRY_US);
    }
    if (error) {
        const char *kind = eddy_kafka_fatal_kind(rd_kafka_error_code(error));
        rc = eddy_err_set(err, EDDY_ERR_FATAL, rd_kafka_error_code(error),
                          "cannot initialise transactions (%s): %s (the broker must "
                          "support transactions; run with --no-exactly-once otherwise)",
                          kind ? kind : "fatal", rd_kafka_error_string(error));
        err->config = kind && !strcmp(kind, "authorization");
        rd_kafka_error_destroy(error);
    }
    return rc;
}

/* What a fatal ERROR means, said once in the stage's last error line. */
static const char *fatal_hint(const rd_kafka_error_t *error, eddy_err_class_t cls)
{
    const char *kind = eddy_kafka_fatal_kind(rd_kafka_error_code(error));

    if (cls != EDDY_ERR_FATAL)
        return "";
    if (kind && !strcmp(kind, "authorization"))
        return " (fatal, authorization: grant this stage's principal the "
               "transactional id, group and topic ACLs)";
    if (kind && !strcmp(kind, "fenced"))
        return " (fatal, fenced: another instance with the same transactional id "
               "took over)";
    return " (a fatal producer error: another instance with the same "
           "transactional id may have fenced this one)";
}

/* Sorts ERROR (consumed) into ERR's classes and logs it under WHAT. */
static int classify(const char *what, rd_kafka_error_t *error, eddy_err_t *err)
{
    int retriable = rd_kafka_error_is_retriable(error);
    int abortable = rd_kafka_error_txn_requires_abort(error);
    eddy_err_class_t cls = retriable   ? EDDY_ERR_RETRIABLE
                           : abortable ? EDDY_ERR_ABORT
                                       : EDDY_ERR_FATAL;

    eddy_log_warn(what, "error=\"%s\" retriable=%d requires_abort=%d",
                  rd_kafka_error_string(error), retriable, abortable);
    eddy_err_set(err, cls, rd_kafka_error_code(error), "%s: %s%s", what,
                 rd_kafka_error_string(error), fatal_hint(error, cls));
    rd_kafka_error_destroy(error);
    return -1;
}

/* Logs ERROR (consumed) under WHAT and fills ERR with it, FATAL. */
static int fatal(const char *what, rd_kafka_error_t *error, eddy_err_t *err)
{
    eddy_log_error(what, "error=\"%s\"", rd_kafka_error_string(error));
    eddy_err_set(err, EDDY_ERR_FATAL, rd_kafka_error_code(error), "%s: %s", what,
                 rd_kafka_error_string(error));
    rd_kafka_error_destroy(error);
    return -1;
}

int eddy_txn_begin(eddy_txn_t *txn, eddy_err_t *err)
{
    rd_kafka_error_t *error;

    if (!txn->enabled || txn->open)
        return 0;
    if ((error = rd_kafka_begin_transaction(txn->producer)))
        return fatal("cannot begin a transaction", error, err);
    txn->open = 1;
    txn->offsets_sent = 0;
    return 0;
}

int eddy_txn_is_open(const eddy_txn_t *txn)
{
    return txn->open;
}

static int send_offsets(eddy_txn_t *txn, const rd_kafka_topic_partition_list_t *offsets,
                        rd_kafka_t *consumer, eddy_err_t *err)
{
    rd_kafka_consumer_group_metadata_t *cgmd;
    rd_kafka_error_t *error;

    if (txn->offsets_sent || offsets->cnt == 0)
        return 0;
    cgmd = rd_kafka_consumer_group_metadata(consumer);
    error = rd_kafka_send_offsets_to_transaction(txn->producer, offsets, cgmd,
                                                 EDDY_TXN_CALL_TIMEOUT_MS);
    rd_kafka_consumer_group_metadata_destroy(cgmd);
    if (error)
        return classify("sending offsets to the transaction failed", error, err);
    txn->offsets_sent = 1;
    return 0;
}

int eddy_txn_commit(eddy_txn_t *txn, const rd_kafka_topic_partition_list_t *offsets,
                    rd_kafka_t *consumer, eddy_err_t *err)
{
    rd_kafka_error_t *error;

    if (!txn->enabled || !txn->open)
        return 0;
    if (send_offsets(txn, offsets, consumer, err))
        return -1;
    if ((error = rd_kafka_commit_transaction(txn->producer, EDDY_TXN_CALL_TIMEOUT_MS)))
        return classify("transaction commit failed", error, err);
    txn->open = 0;
    return 0;
}

int eddy_txn_abort(eddy_txn_t *txn, eddy_err_t *err)
{
    rd_kafka_error_t *error;

    if (!txn->enabled || !txn->open)
        return 0;
    txn->open = 0;
    /* A retriable abort (a timeout, a coordinator moving) is called again. */
    while (
        (error = rd_kafka_abort_transaction(txn->producer, EDDY_TXN_CALL_TIMEOUT_MS)) &&
        rd_kafka_error_is_retriable(error)) {
        eddy_log_warn("aborting the transaction: retrying", "error=\"%s\"",
                      rd_kafka_error_string(error));
        rd_kafka_error_destroy(error);
        usleep(RETRY_US);
    }
    if (error)
        return fatal("cannot abort the transaction", error, err);
    return 0;
}
