/* runtime/loop.c: the shared consume -> process -> produce -> commit loop,
 * orchestrating batch, txn, changelog, stats and probe (see loop.h). */
#include "runtime/loop.h"

#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "codec/records.h"
#include "runtime/batch.h"
#include "runtime/changelog.h"
#include "runtime/http.h"
#include "runtime/kafka.h"
#include "runtime/probe.h"
#include "runtime/produce.h"
#include "runtime/stats.h"
#include "runtime/txn.h"
#include "util/err.h"
#include "util/log.h"
#include "util/ratelog.h"
#include "util/reason.h"

/* Slack added to a bounded call's own limit before /healthz gives up. */
#define SLACK_US   (30 * 1000000LL)
#define TXN_US     ((int64_t)EDDY_TXN_CALL_TIMEOUT_MS * 1000)
#define PUBLISH_US (100 * 1000LL)
/* What the probes allow for reading the group's committed offsets: they are
 * waited for while unstable (an abandoned transaction holds them until the
 * broker aborts it, transaction.timeout.ms) or the coordinator moves. */
#define COMMITTED_US (30 * 1000000LL)
/* The longest wait for a producer's first metadata (use_producer). */
#define METADATA_US (5 * 1000000LL)
/* While all brokers are down: ask once a second, waiting half a second. */
#define BROKER_CHECK_US      (1000 * 1000LL)
#define BROKER_CHECK_WAIT_US (500 * 1000LL)
/* An at-least-once flush waits for message.timeout.ms (300 s by default). */
#define FLUSH_US (300 * 1000000LL)
/* Longest wait for input before the loop looks at its clocks (publish,
 * --exit-idle) again. */
#define IDLE_WAIT_US (100 * 1000LL)
/* The wait instead while at-least-once offsets wait for their outputs'
 * delivery reports. */
#define ALO_WAIT_US (1000LL)

/* How the open batch writes dead letters. The broker refusing one aborts the
 * batch (exactly-once) and the batch is replayed one mode further, so a
 * dead letter that cannot be written costs at most two replays. */
typedef enum {
    DLQ_WHOLE = 0, /* the record, its value cut to what the topic accepts */
    DLQ_HEADERS,   /* the headers and key only: the value did not fit after all */
    DLQ_SKIP       /* none: logged at error level and counted instead */
} dlq_mode_t;

typedef struct loop_s {
    const eddy_stage_t *stage;
    const eddy_opts_t *opts; /* librdkafka properties (-X) only */
    eddy_loop_conf_t conf;
    const char *group;
    char state_topic[300];
    int stateful; /* exactly-once and the stage has state callbacks */
    rd_kafka_t *consumer;
    /* Exactly-once: --transactional-producers producers, used in turn one
     * batch each, so a transaction never begins on a producer whose previous
     * one the broker is still completing (its markers being written). */
    rd_kafka_t *producers[EDDY_LOOP_TXN_PRODUCERS_MAX];
    eddy_txn_t *txns[EDDY_LOOP_TXN_PRODUCERS_MAX];
    int n_producers;
    int warm[EDDY_LOOP_TXN_PRODUCERS_MAX]; /* producer k's metadata was read */
    int cur;                               /* index of the current producer and txn */
    rd_kafka_t *producer;                  /* producers[cur]: the open batch's */
    eddy_delivery_t dr;                    /* every producer's delivery reports */
    eddy_batch_t *batch;
    eddy_txn_t *txn;             /* txns[cur] */
    eddy_changelog_t *changelog; /* NULL unless stateful */
    eddy_stats_t *stats;
    eddy_counters_t *c; /* the stats' working copy */
    int64_t published_us;
    pthread_mutex_t stage_lock; /* the stage's state vs its HTTP callbacks */
    eddy_probe_t probe;
    eddy_err_t err;            /* the fatal error that stops the loop */
    int partial;               /* a restore was cut short by a stop signal */
    const eddy_msg_t *cur_msg; /* the record being processed */
    uint64_t restore_base[3];  /* restore records, bytes, replayed before this one */
    int64_t renewed_us;        /* when the producer was last re-created */
    eddy_topic_limit_t *dlq_limit; /* what the dead-letter topic accepts */
    dlq_mode_t dlq_mode;           /* how far refused dead letters pushed the batch */
    uint64_t dlq_failed_seen;      /* dr.deadletter_failed already acted on */
    eddy_ratelog_t deadlog;     /* dead-letter lines: one per reason and key a minute */
    int misconfigured_run;      /* records in a row failed by the settings */
    int64_t brokers_checked_us; /* last time a down cluster was asked */
    int aborting;          /* the open transaction failed: abort and replay the batch */
    int64_t idle_since_us; /* last input, or the end of the last assignment
                              (restoring state is not idling: --exit-idle) */
    /* At-least-once: offsets of closed batches whose outputs may not all be
     * delivered yet (NULL or empty: none), pending since ALO_SINCE_US. */
    rd_kafka_topic_partition_list_t *alo_pending;
    int64_t alo_since_us;
} loop_t;

struct eddy_emit_s {
    loop_t *loop;
    eddy_err_t *err;   /* the record's first failure */
    int misconfigured; /* eddy_emit_misconfigured was called */
    int replay;        /* a restore's replay: outputs and counts suppressed */
};

static int failed(const loop_t *loop)
{
    return loop->err.cls == EDDY_ERR_FATAL;
}

/* The one place a fatal error is taken: the loop stops after the batch. */
static void fail(loop_t *loop, const eddy_err_t *err)
{
    if (failed(loop))
        return;
    loop->err = *err;
    loop->err.cls = EDDY_ERR_FATAL;
    eddy_log_error("fatal error: stopping", "error=\"%s\"", err->msg);
}

static void publish(loop_t *loop, int64_t now_us)
{
    loop->c->delivery_failed = loop->dr.failed;
    eddy_stats_publish(loop->stats);
    loop->published_us = now_us;
}

/* Tells the probes what the loop does from now on, bounded by BOUND_US
 * (0: not a network wait). */
static void phase(loop_t *loop, eddy_phase_t ph, int64_t bound_us)
{
    loop->c->delivery_failed = loop->dr.failed;
    eddy_stats_phase(loop->stats, ph, eddy_now_us(), bound_us);
}

int eddy_emit(eddy_emit_t *emit, const char *topic, const void *key, size_t key_len,
              const void *value, size_t value_len)
{
    loop_t *loop = emit->loop;

    if (emit->replay)
        return 0; /* committed already, by the batch that first processed it */
    if (eddy_txn_begin(loop->txn, emit->err) ||
        eddy_produce(loop->producer, topic, RD_KAFKA_PARTITION_UA, key, key_len, value,
                     value_len, NULL, emit->err))
        return -1;
    loop->c->records_out++;
    return 0;
}

void eddy_emit_skip(eddy_emit_t *emit, const char *reason)
{
    if (!emit->replay)
        eddy_stats_count_reason(emit->loop->c->skipped, &emit->loop->c->n_skipped,
                                reason);
}

void eddy_emit_misconfigured(eddy_emit_t *emit)
{
    emit->misconfigured = 1;
}

void eddy_emit_touch(eddy_emit_t *emit, const char *series_id)
{
    loop_t *loop = emit->loop;
    const eddy_msg_t *m = loop->cur_msg;
    eddy_changelog_input_t in = {m->partition, m->offset, m->key, m->key_len};

    if (loop->changelog && emit->err->cls == EDDY_ERR_OK)
        eddy_changelog_touch(loop->changelog, series_id, &in, emit->err);
}

void eddy_emit_checkpoint(eddy_emit_t *emit, const char *series_id)
{
    eddy_emit_touch(emit, series_id);
    if (emit->loop->changelog)
        eddy_changelog_force(emit->loop->changelog, series_id);
}

int eddy_emit_replaying(const eddy_emit_t *emit)
{
    return emit->replay;
}

/* PARTS with the group's stable committed offsets (a copy the caller
 * destroys), or NULL with ERR: FATAL (fenced, authorization), or RETRIABLE
 * when a stop signal came while waiting; then no record is processed any
 * more. Transient conditions are waited out (eddy_kafka_committed). */
static rd_kafka_topic_partition_list_t *
committed_offsets(loop_t *loop, const rd_kafka_topic_partition_list_t *parts,
                  eddy_err_t *err)
{
    rd_kafka_topic_partition_list_t *committed =
        eddy_kafka_committed(loop->consumer, parts, eddy_loop_stopping, err);

    if (!committed && err->cls == EDDY_ERR_RETRIABLE)
        loop->partial = 1;
    return committed;
}

/* The changelog's progress callback: /metrics shows it, and /healthz stays
 * healthy while the restore makes progress (no deadline on its total). */
static void restore_progress(void *arg, const eddy_restore_progress_t *p)
{
    loop_t *loop = arg;

    loop->c->restore_records = loop->restore_base[0] + p->records;
    loop->c->restore_bytes = loop->restore_base[1] + p->bytes;
    loop->c->restore_remaining = p->remaining;
    loop->c->replayed = loop->restore_base[2] + p->replayed;
    phase(loop, EDDY_PHASE_RESTORING, EDDY_CHANGELOG_STALL_US + SLACK_US);
}

/* A restore runs inside the rebalance callback: one longer than
 * max.poll.interval.ms makes the consumer leave its group. Says so, with
 * the fix, since the restore itself has no deadline. */
static void warn_slow_restore(loop_t *loop, int64_t t0_us)
{
    char value[32] = "0";
    size_t size = sizeof(value);
    int64_t ms = (eddy_now_us() - t0_us) / 1000;

    rd_kafka_conf_get(rd_kafka_conf(loop->consumer), "max.poll.interval.ms", value,
                      &size);
    if (ms > strtoll(value, NULL, 10))
        eddy_log_warn(
            "restoring state took longer than max.poll.interval.ms, so the "
            "consumer left its group and rejoins: raise it with -X "
            "max.poll.interval.ms (a longer wait for a member lost in a broker "
            "crash) or shrink the changelog (its topic settings)",
            "restore_ms=%" PRId64 " max_poll_interval_ms=%s", ms, value);
}

/* Restores the state of PARTS (input partitions, with the group's COMMITTED
 * offsets) from the changelog; /readyz says 503 meanwhile. Returns 0, 1
 * when a stop signal cut it short (their state is dropped and no record
 * is processed any more), or -1 with ERR. */
static int restore(loop_t *loop, const rd_kafka_topic_partition_list_t *parts,
                   const rd_kafka_topic_partition_list_t *committed, eddy_err_t *err)
{
    eddy_restore_counts_t n;
    int64_t t0 = eddy_now_us();

    if (!loop->changelog || parts->cnt == 0)
        return 0;
    loop->c->ready = 0;
    loop->restore_base[0] = loop->c->restore_records;
    loop->restore_base[1] = loop->c->restore_bytes;
    loop->restore_base[2] = loop->c->replayed;
    phase(loop, EDDY_PHASE_RESTORING, EDDY_CHANGELOG_STALL_US + SLACK_US);
    if (eddy_changelog_restore(loop->changelog, parts, committed, &n, err)) {
        if (err->cls != EDDY_ERR_RETRIABLE)
            return -1;
        eddy_log_info("stopped before the state was restored", "error=\"%s\"",
                      err->msg);
        eddy_changelog_drop(loop->changelog, parts);
        loop->partial = 1;
        return 1;
    }
    loop->c->restored += n.records - (n.rebuilt < n.records ? n.rebuilt : n.records);
    loop->c->rebuilt += n.rebuilt;
    warn_slow_restore(loop, t0);
    return 0;
}

/* Seeks every assigned partition back to the group's committed offset and
 * reloads the state the aborted batch changed. */
static int rewind_to_committed(loop_t *loop, eddy_err_t *err)
{
    rd_kafka_topic_partition_list_t *assigned = NULL, *committed = NULL;
    int ready = loop->c->ready, rc = 0;

    if (rd_kafka_assignment(loop->consumer, &assigned))
        return eddy_err_set(err, EDDY_ERR_FATAL, 0, "cannot read the assignment");
    if (!(committed = committed_offsets(loop, assigned, err))) {
        rd_kafka_topic_partition_list_destroy(assigned);
        return err->cls == EDDY_ERR_RETRIABLE ? 0 : -1; /* stopping */
    }
    for (int i = 0; i < committed->cnt && rc == 0; i++) {
        rd_kafka_topic_partition_t *tp = &committed->elems[i];
        rd_kafka_topic_t *rkt = rd_kafka_topic_new(loop->consumer, tp->topic, NULL);
        int64_t off = tp->offset >= 0 ? tp->offset : RD_KAFKA_OFFSET_BEGINNING;
        if (rd_kafka_seek(rkt, tp->partition, off, 10000))
            rc = eddy_err_set(err, EDDY_ERR_FATAL, 0,
                              "cannot seek %s partition %d back to offset %" PRId64,
                              tp->topic, (int)tp->partition, off);
        rd_kafka_topic_destroy(rkt);
    }
    if (loop->changelog)
        eddy_changelog_drop(loop->changelog, assigned);
    if (rc == 0 && (rc = restore(loop, assigned, committed, err)) == 0)
        loop->c->ready = ready;
    if (rc > 0)
        rc = 0; /* stopping: nothing more is processed */
    rd_kafka_topic_partition_list_destroy(committed);
    rd_kafka_topic_partition_list_destroy(assigned);
    return rc;
}

static rd_kafka_t *producer_new(loop_t *loop, int k, char *errstr, size_t errstr_size);

/* Serves every producer's delivery reports (into loop->dr). */
static void poll_producers(loop_t *loop)
{
    for (int k = 0; k < loop->n_producers; k++)
        rd_kafka_poll(loop->producers[k], 0);
}

/* Makes producer K (and its txn) the one the next batch writes with. On
 * its first use, K's metadata cache is filled with every topic (one
 * bounded request): a producer's first record to a topic it does not know
 * waits for the topic's metadata and then for librdkafka's 1 s topic scan
 * (measured: 2 s), and the topics exist by now (the first batch, on
 * producer 0, created its outputs). */
static void use_producer(loop_t *loop, int k)
{
    const struct rd_kafka_metadata *md = NULL;

    if (k > 0 && !loop->warm[k]) {
        phase(loop, EDDY_PHASE_COMMITTING, METADATA_US + SLACK_US);
        if (!rd_kafka_metadata(loop->producers[k], 1, NULL, &md,
                               (int)(METADATA_US / 1000)))
            rd_kafka_metadata_destroy(md);
        loop->warm[k] = 1;
    }
    loop->cur = k;
    loop->producer = loop->producers[k];
    loop->txn = loop->txns[k];
    if (loop->changelog)
        eddy_changelog_set_producer(loop->changelog, loop->producer);
}

/* Fewest microseconds between two re-creations of the producer. */
#define RENEW_US (10 * 1000000LL)

/* A transaction the broker aborted after transaction.timeout.ms (the process
 * was paused, or the broker away) fences its producer although no other instance
 * holds the id: a new producer under the same id (init_transactions bumps
 * the epoch) replays the batch from the last commit. Not when the consumer
 * itself was fenced, nor twice within RENEW_US (two live instances sharing
 * an id still stop). Returns 0, or -1 with ERR (the original one when it
 * does not apply). */
static int renew_producer(loop_t *loop, eddy_err_t *err)
{
    char errstr[512];
    rd_kafka_t *fresh;
    int64_t now = eddy_now_us();
    const char *kind = eddy_kafka_fatal_kind((rd_kafka_resp_err_t)err->code);

    if (!loop->conf.exactly_once || !kind || strcmp(kind, "fenced") ||
        rd_kafka_fatal_error(loop->consumer, NULL, 0) ||
        now - loop->renewed_us < RENEW_US)
        return -1;
    eddy_log_warn(
        "producer fenced (the broker aborted its transaction: the process was paused, "
        "or the broker away, longer than transaction.timeout.ms): re-creating it and "
        "replaying the batch from the last commit",
        "error=\"%s\"", err->msg);
    if (!(fresh = producer_new(loop, loop->cur, errstr, sizeof(errstr))))
        return -1;
    loop->renewed_us = now;
    rd_kafka_purge(loop->producer, RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT);
    rd_kafka_destroy(loop->producer);
    loop->producers[loop->cur] = fresh;
    loop->warm[loop->cur] = 0;
    eddy_txn_set_producer(loop->txn, fresh);
    use_producer(loop, loop->cur);
    if (loop->changelog)
        eddy_changelog_clear_dirty(loop->changelog);
    eddy_batch_reset(loop->batch);
    loop->c->aborts++;
    eddy_err_clear(err);
    if (eddy_txn_init(loop->txn, eddy_loop_stopping, err))
        return -1;
    return rewind_to_committed(loop, err);
}

/* Aborts the open transaction and forgets the batch; with REWIND, rewinds
 * input and state to the last commit so the batch is processed again. */
static void abort_batch(loop_t *loop, int rewind)
{
    eddy_err_t err = EDDY_ERR_INIT;

    phase(loop, EDDY_PHASE_COMMITTING, TXN_US + SLACK_US);
    loop->c->aborts++;
    if (loop->changelog)
        eddy_changelog_clear_dirty(loop->changelog);
    eddy_batch_reset(loop->batch);
    if (eddy_txn_abort(loop->txn, &err)) {
        if (renew_producer(loop, &err)) /* else replayed from the last commit */
            fail(loop, &err);
        return;
    }
    if (!rewind)
        return;
    eddy_log_warn("transaction aborted: replaying the batch from the last commit",
                  NULL);
    if (rewind_to_committed(loop, &err))
        fail(loop, &err);
    phase(loop, EDDY_PHASE_POLLING, 0);
}

/* Exactly-once: the changed state, then the offsets, in the transaction. */
static int commit_transaction(loop_t *loop, eddy_err_t *err)
{
    const rd_kafka_topic_partition_list_t *offsets = eddy_batch_offsets(loop->batch);
    int rc;

    if (!eddy_txn_is_open(loop->txn) && eddy_batch_empty(loop->batch))
        return 0;
    if (eddy_txn_begin(loop->txn, err) ||
        (loop->changelog &&
         eddy_changelog_flush(loop->changelog, offsets, &loop->c->snapshots, err)))
        return -1;
    do {
        phase(loop, EDDY_PHASE_COMMITTING, TXN_US + SLACK_US);
        rc = eddy_txn_commit(loop->txn, offsets, loop->consumer, err);
    } while (rc && err->cls == EDDY_ERR_RETRIABLE);
    if (rc)
        return -1;
    loop->c->commits++;
    use_producer(loop, (loop->cur + 1) % loop->n_producers);
    return 0;
}

/* At-least-once: forgets the offsets waiting to be committed (committed,
 * or the assignment was lost: another member replays those records). */
static void alo_forget(loop_t *loop)
{
    if (loop->alo_pending)
        rd_kafka_topic_partition_list_destroy(loop->alo_pending);
    loop->alo_pending = NULL;
}

/* At-least-once: the outputs' delivery reports are all in (or, with WAIT
 * or once the oldest pending batch is --batch-time old, after a flush).
 * Returns 1 when they are, 0 when not yet. */
static int alo_delivered(loop_t *loop, int wait)
{
    if (rd_kafka_outq_len(loop->producer) == 0)
        return 1; /* every record produced so far: delivered or failed, reported */
    if (!wait && eddy_now_us() - loop->alo_since_us < loop->conf.batch_time_ms * 1000)
        return 0;
    phase(loop, EDDY_PHASE_COMMITTING, FLUSH_US + SLACK_US);
    eddy_produce_flush(loop->producer, 0);
    return 1;
}

/* At-least-once: commits the offsets of the batches closed so far once
 * every output produced before is delivered: asynchronously as soon as the
 * producer's queue is empty, with a flush and a synchronous commit when
 * WAIT (revoke, shutdown) or once the oldest of them is --batch-time old
 * (a queue that never empties). Outputs that failed stop the stage
 * uncommitted (replayed after a restart); refused dead letters are counted
 * as lost. Returns 0, or -1 with ERR FATAL. */
static int alo_commit(loop_t *loop, int wait, eddy_err_t *err)
{
    rd_kafka_resp_err_t e;

    if (!loop->alo_pending || loop->alo_pending->cnt == 0 || !alo_delivered(loop, wait))
        return 0;
    if (loop->dr.deadletter_failed > loop->dlq_failed_seen) {
        eddy_log_error("dead letters not written: their records are skipped",
                       "count=%" PRIu64 " deadletter_topic=%s",
                       loop->dr.deadletter_failed - loop->dlq_failed_seen,
                       loop->conf.deadletter_topic);
        for (; loop->dlq_failed_seen < loop->dr.deadletter_failed;
             loop->dlq_failed_seen++)
            eddy_stats_count_reason(loop->c->dead_lost, &loop->c->n_dead_lost,
                                    "delivery_failed");
    }
    if (loop->dr.failed > loop->dr.deadletter_failed) {
        eddy_log_error(
            "outputs were not delivered: not committing; the records will be "
            "processed again after a restart",
            "failed=%" PRIu64, loop->dr.failed - loop->dr.deadletter_failed);
        return eddy_err_set(err, EDDY_ERR_FATAL, 0,
                            "%" PRIu64 " outputs were not delivered",
                            loop->dr.failed - loop->dr.deadletter_failed);
    }
    /* An asynchronous commit's failure is logged by the consumer's
     * offset_commit_cb (runtime/kafka.c) when its poll serves the result;
     * the next commit covers the same offsets. */
    e = rd_kafka_commit(loop->consumer, loop->alo_pending, !wait);
    if (wait && e && e != RD_KAFKA_RESP_ERR__NO_OFFSET)
        eddy_log_warn("offset commit failed; records after the last commit will be "
                      "seen again",
                      "error=\"%s\"", rd_kafka_err2str(e));
    alo_forget(loop);
    return 0;
}

/* At-least-once: adds the batch's offsets to those waiting for their
 * outputs' delivery (alo_commit), which commits them when it can. */
static int commit_offsets(loop_t *loop, eddy_err_t *err)
{
    const rd_kafka_topic_partition_list_t *offsets = eddy_batch_offsets(loop->batch);

    if (eddy_batch_empty(loop->batch))
        return 0;
    if (!loop->alo_pending &&
        !(loop->alo_pending = rd_kafka_topic_partition_list_new(8)))
        return eddy_err_set(err, EDDY_ERR_FATAL, 0, "out of memory");
    if (loop->alo_pending->cnt == 0)
        loop->alo_since_us = eddy_now_us();
    for (int i = 0; i < offsets->cnt; i++) {
        const rd_kafka_topic_partition_t *tp = &offsets->elems[i];
        rd_kafka_topic_partition_t *p = rd_kafka_topic_partition_list_find(
            loop->alo_pending, tp->topic, tp->partition);
        if (!p)
            p = rd_kafka_topic_partition_list_add(loop->alo_pending, tp->topic,
                                                  tp->partition);
        p->offset = tp->offset;
    }
    loop->c->commits++; /* a batch done: its offsets follow its outputs */
    return alo_commit(loop, 0, err);
}

/* At-least-once: commits what alo_commit can without waiting. */
static void alo_poll(loop_t *loop)
{
    eddy_err_t err = EDDY_ERR_INIT;

    if (!failed(loop) && alo_commit(loop, 0, &err))
        fail(loop, &err);
}

/* At-least-once: waits for the outputs of every closed batch, then commits
 * their offsets (revoke, shutdown). */
static void alo_settle(loop_t *loop)
{
    eddy_err_t err = EDDY_ERR_INIT;

    if (!failed(loop) && alo_commit(loop, 1, &err))
        fail(loop, &err);
}

/* After an abortable commit failure: when dead letters were refused, the
 * replay writes them one mode further (DLQ_HEADERS, then DLQ_SKIP). */
static void dead_letters_refused(loop_t *loop)
{
    if (loop->dr.deadletter_failed == loop->dlq_failed_seen)
        return;
    loop->dlq_failed_seen = loop->dr.deadletter_failed;
    if (loop->dlq_mode < DLQ_SKIP)
        loop->dlq_mode++;
    eddy_log_error("the broker refused dead letters: replaying the batch",
                   "deadletter_topic=%s max_message_bytes=%" PRId64
                   " next=\"%s\" hint=\"raise the topic's max.message.bytes, or see "
                   "the delivery failed line\"",
                   loop->conf.deadletter_topic,
                   eddy_kafka_topic_limit_get(loop->dlq_limit),
                   loop->dlq_mode == DLQ_HEADERS ? "headers and key only"
                                                 : "no dead letter, error lines");
}

/* Counts a committed batch in the latency histograms: the commit began at
 * T0_US and ended at NOW_US; each record waited from its consumption. */
static void observe_commit(loop_t *loop, int64_t t0_us, int64_t now_us)
{
    int n;
    const int64_t *consumed = eddy_batch_consumed(loop->batch, &n);

    eddy_prom_latency_observe(&loop->c->commit, (double)(now_us - t0_us) / 1e6);
    for (int i = 0; i < n; i++)
        eddy_prom_latency_observe(&loop->c->in_stage,
                                  (double)(now_us - consumed[i]) / 1e6);
}

/* Commits the batch; an abortable failure replays it, a fatal one stops. */
static void commit_batch(loop_t *loop)
{
    eddy_err_t err = EDDY_ERR_INIT;
    uint64_t commits = loop->c->commits;
    int64_t t0_us = eddy_now_us();
    int rc;

    if (failed(loop))
        return; /* never commit what a failure may have cut short */
    if (loop->aborting)
        rc = eddy_err_set(&err, EDDY_ERR_ABORT, 0, "the transaction failed");
    else
        rc = loop->conf.exactly_once ? commit_transaction(loop, &err)
                                     : commit_offsets(loop, &err);
    if (rc == 0) {
        if (loop->c->commits > commits)
            observe_commit(loop, t0_us, eddy_now_us());
        eddy_batch_reset(loop->batch);
        loop->dlq_mode = DLQ_WHOLE;
    } else if (err.cls == EDDY_ERR_ABORT) {
        loop->aborting = 0;
        abort_batch(loop, 1);
        poll_producers(loop); /* the refused records' reports */
        dead_letters_refused(loop);
    } else if (renew_producer(loop, &err)) {
        fail(loop, &err);
    }
    phase(loop, EDDY_PHASE_POLLING, 0);
}

/* Takes a failed (un)assignment's ERROR (consumed; NULL: none) as fatal.
 * Returns 1 when there was one. */
static int rebalance_failed(loop_t *loop, rd_kafka_error_t *error)
{
    eddy_err_t err = EDDY_ERR_INIT;

    if (!error)
        return 0;
    eddy_log_error("rebalance failed", "error=\"%s\"", rd_kafka_error_string(error));
    eddy_err_set(&err, EDDY_ERR_FATAL, rd_kafka_error_code(error),
                 "rebalance failed: %s", rd_kafka_error_string(error));
    rd_kafka_error_destroy(error);
    fail(loop, &err);
    return 1;
}

static void on_assign(loop_t *loop, rd_kafka_t *rk,
                      rd_kafka_topic_partition_list_t *parts)
{
    rd_kafka_topic_partition_list_t *committed = NULL;
    eddy_err_t err = EDDY_ERR_INIT;
    int rc = 0;

    eddy_log_info("partitions assigned", "count=%d", parts->cnt);
    loop->c->ready = 0;
    phase(loop, EDDY_PHASE_RESTORING, COMMITTED_US + SLACK_US);
    if (loop->changelog && parts->cnt > 0 &&
        (!(committed = committed_offsets(loop, parts, &err)) ||
         (rc = restore(loop, parts, committed, &err)) < 0) &&
        err.cls == EDDY_ERR_FATAL) {
        fail(loop, &err);
    } else {
        if (loop->stage->from_beginning)
            for (int i = 0; i < parts->cnt; i++)
                parts->elems[i].offset = RD_KAFKA_OFFSET_BEGINNING;
        if (!rebalance_failed(loop, rd_kafka_incremental_assign(rk, parts)) && rc == 0)
            loop->c->ready = 1;
    }
    if (committed)
        rd_kafka_topic_partition_list_destroy(committed);
    loop->idle_since_us = eddy_now_us();
    phase(loop, EDDY_PHASE_POLLING, 0);
}

static void on_revoke(loop_t *loop, rd_kafka_t *rk,
                      rd_kafka_topic_partition_list_t *parts)
{
    int lost = rd_kafka_assignment_lost(rk);

    eddy_log_info("partitions revoked", "count=%d lost=%d", parts->cnt, lost);
    if (lost) {
        /* Another member may own them already: their batch cannot commit,
         * and the stage is not ready until partitions are assigned again.
         * The whole assignment is lost, so there is nothing to rewind. */
        if (eddy_txn_is_open(loop->txn))
            abort_batch(loop, 0);
        eddy_batch_reset(loop->batch);
        alo_forget(loop);
        loop->c->ready = 0;
    } else {
        commit_batch(loop);
        alo_settle(loop);
    }
    if (loop->changelog)
        eddy_changelog_drop(loop->changelog, parts);
    rebalance_failed(loop, rd_kafka_incremental_unassign(rk, parts));
    phase(loop, EDDY_PHASE_POLLING, 0);
}

static void on_rebalance(rd_kafka_t *rk, rd_kafka_resp_err_t err,
                         rd_kafka_topic_partition_list_t *parts, void *opaque)
{
    if (err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS)
        on_assign(opaque, rk, parts);
    else
        on_revoke(opaque, rk, parts);
}

/* The loop's own reason to refuse MSG unread, or NULL. */
static const char *check_limits(const loop_t *loop, const eddy_msg_t *msg, char *errstr,
                                size_t errstr_size)
{
    /* Keys of eddy topics are series ids (codec/records.h bounds them). */
    if (msg->key_len > EDDY_SERIES_ID_MAX) {
        snprintf(errstr, errstr_size,
                 "key of %zu bytes exceeds the %d-byte series id limit", msg->key_len,
                 EDDY_SERIES_ID_MAX);
        return eddy_reason_name(EDDY_REASON_KEY_TOO_LARGE);
    }
    if ((int64_t)msg->value_len > loop->conf.max_value_bytes) {
        snprintf(errstr, errstr_size,
                 "value of %zu bytes exceeds --max-value-bytes %" PRId64
                 ": not an eddy record, or raise the limit",
                 msg->value_len, loop->conf.max_value_bytes);
        return eddy_reason_name(EDDY_REASON_VALUE_TOO_LARGE);
    }
    return NULL;
}

/* A dead letter that could not be written: counted, and logged at error
 * level with why; the stage goes on with the next record. */
static void dead_letter_lost(loop_t *loop, const eddy_msg_t *msg, const char *reason,
                             const char *why)
{
    eddy_stats_count_reason(loop->c->dead_lost, &loop->c->n_dead_lost, reason);
    eddy_log_error("dead letter not written: the record is skipped",
                   "reason=%s topic=%s partition=%d offset=%" PRId64
                   " bytes=%zu deadletter_topic=%s why=\"%s\"",
                   reason, msg->topic, (int)msg->partition, msg->offset, msg->value_len,
                   loop->conf.deadletter_topic, why);
}

/* The warn line of a dead letter: the first of each reason and key, then at
 * most one a minute for that reason and key, with the count held back. */
static void dead_letter_log(loop_t *loop, const eddy_msg_t *msg, const char *reason,
                            const char *detail)
{
    uint64_t held = 0;

    if (!eddy_ratelog_due(&loop->deadlog, reason, msg->key, msg->key ? msg->key_len : 0,
                          eddy_now_us() / 1000, &held))
        return;
    eddy_log_warn("record dead-lettered",
                  "reason=%s topic=%s partition=%d offset=%" PRId64
                  " detail=\"%s\" suppressed=%" PRIu64,
                  reason, msg->topic, (int)msg->partition, msg->offset, detail, held);
}

static void dead_letter(loop_t *loop, const eddy_msg_t *msg, const char *reason,
                        const char *detail)
{
    eddy_dlq_source_t src = {msg->topic, msg->partition, msg->offset};
    eddy_err_t err = EDDY_ERR_INIT;
    int cut;

    eddy_stats_count_reason(loop->c->dead, &loop->c->n_dead, reason);
    dead_letter_log(loop, msg, reason, detail);
    if (loop->dlq_mode == DLQ_SKIP) {
        dead_letter_lost(loop, msg, reason,
                         "the broker refused it twice in this batch (see "
                         "\"delivery failed\")");
        return;
    }
    if (eddy_txn_begin(loop->txn, &err)) {
        fail(loop, &err);
        return;
    }
    cut = eddy_kafka_deadletter(
        loop->producer, loop->conf.deadletter_topic,
        loop->dlq_mode == DLQ_HEADERS ? 1 : eddy_kafka_topic_limit_get(loop->dlq_limit),
        loop->stage->name, reason, detail, &src, msg->key, msg->key_len, msg->value,
        msg->value_len, &err);
    if (cut < 0 && err.cls == EDDY_ERR_ABORT)
        loop->aborting = 1;
    else if (cut < 0)
        dead_letter_lost(loop, msg, reason, err.msg);
    else if (cut)
        loop->c->dead_cut++;
}

static double seconds_between(const struct timespec *t0, const struct timespec *t1)
{
    return (double)(t1->tv_sec - t0->tv_sec) +
           (double)(t1->tv_nsec - t0->tv_nsec) * 1e-9;
}

/* Counts a record failed by the settings (EMIT says so); on the
 * EDDY_LOOP_MISCONFIGURED_RECORDS-th in a row, stops the loop with a
 * configuration error and returns 1. Any record processed resets the run. */
static int misconfigured(loop_t *loop, const eddy_emit_t *emit, const char *reason,
                         const char *errstr)
{
    eddy_err_t err = EDDY_ERR_INIT;

    if (!emit->misconfigured)
        return 0;
    if (++loop->misconfigured_run < EDDY_LOOP_MISCONFIGURED_RECORDS)
        return 0;
    eddy_err_set(&err, EDDY_ERR_FATAL, 0,
                 "every record fails: %d in a row with reason=%s and none processed: "
                 "%s",
                 loop->misconfigured_run, reason, errstr);
    err.config = 1;
    fail(loop, &err);
    return 1;
}

/* The stage's view of M (borrowing its bytes). */
static eddy_msg_t msg_of(const rd_kafka_message_t *m)
{
    return (eddy_msg_t){.key = m->key,
                        .key_len = m->key_len,
                        .value = m->payload,
                        .value_len = m->len,
                        .topic = rd_kafka_topic_name(m->rkt),
                        .partition = m->partition,
                        .offset = m->offset,
                        .timestamp_ms = rd_kafka_message_timestamp(m, NULL)};
}

/* Processes M, consumed at NOW_US (the batch's window opens with its first
 * record). */
static void handle_record(loop_t *loop, const rd_kafka_message_t *m, int64_t now_us)
{
    eddy_msg_t msg = msg_of(m);
    eddy_err_t err = EDDY_ERR_INIT;
    eddy_emit_t emit = {.loop = loop, .err = &err};
    char errstr[512] = "";
    struct timespec t0, t1;
    const char *reason;

    if (eddy_batch_records(loop->batch) == 0)
        eddy_batch_open(loop->batch, now_us);
    if (eddy_batch_track(loop->batch, msg.topic, msg.partition, msg.offset, now_us)) {
        eddy_err_set(&err, EDDY_ERR_FATAL, 0, "out of memory");
        fail(loop, &err);
        return;
    }
    loop->cur_msg = &msg;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    if (!(reason = check_limits(loop, &msg, errstr, sizeof(errstr)))) {
        pthread_mutex_lock(&loop->stage_lock);
        reason =
            loop->stage->process(loop->stage->ctx, &msg, &emit, errstr, sizeof(errstr));
        pthread_mutex_unlock(&loop->stage_lock);
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    loop->c->process_seconds += seconds_between(&t0, &t1);
    loop->c->records_in++;
    if (!reason)
        loop->misconfigured_run = 0;
    if (err.cls == EDDY_ERR_ABORT)
        loop->aborting = 1; /* commit_batch aborts and replays the batch */
    else if (err.cls != EDDY_ERR_OK)
        fail(loop, &err);
    else if (reason && !misconfigured(loop, &emit, reason, errstr))
        dead_letter(loop, &msg, reason, errstr);
}

static void consumer_error(loop_t *loop, const rd_kafka_message_t *m)
{
    eddy_err_t err = EDDY_ERR_INIT;

    if (m->err != RD_KAFKA_RESP_ERR__PARTITION_EOF)
        eddy_log_warn("consumer error", "error=\"%s\"", rd_kafka_message_errstr(m));
    if (m->err == RD_KAFKA_RESP_ERR__FATAL) {
        eddy_err_set(&err, EDDY_ERR_FATAL, m->err, "fatal consumer error: %s",
                     rd_kafka_message_errstr(m));
        fail(loop, &err);
    }
}

/* While librdkafka reports every broker down, the stage is not ready; once a
 * second the loop asks whether a broker answers again (a bounded wait). */
static void check_brokers(loop_t *loop, int64_t now_us)
{
    if (!eddy_kafka_brokers_down()) {
        loop->c->brokers_down = 0;
        return;
    }
    if (!loop->c->brokers_down) {
        loop->c->brokers_down = 1;
        eddy_log_warn("no broker reachable: not ready until one answers", NULL);
        publish(loop, now_us);
    }
    if (now_us < loop->brokers_checked_us + BROKER_CHECK_US)
        return;
    phase(loop, EDDY_PHASE_POLLING, BROKER_CHECK_WAIT_US + SLACK_US);
    loop->c->brokers_down =
        eddy_kafka_brokers_recheck(loop->producer, (int)(BROKER_CHECK_WAIT_US / 1000));
    loop->brokers_checked_us = eddy_now_us();
    phase(loop, EDDY_PHASE_POLLING, 0);
}

/* The next message within WAIT_US microseconds, or NULL. librdkafka waits
 * in milliseconds: a shorter wait looks, sleeps once and looks again. */
static rd_kafka_message_t *next_message(loop_t *loop, int64_t wait_us)
{
    rd_kafka_message_t *m;

    if (wait_us >= 1000)
        return rd_kafka_consumer_poll(loop->consumer, (int)(wait_us / 1000));
    if ((m = rd_kafka_consumer_poll(loop->consumer, 0)) || wait_us <= 0)
        return m;
    usleep((useconds_t)wait_us);
    return rd_kafka_consumer_poll(loop->consumer, 0);
}

/* Polls and processes records until the batch closes: full, --batch-time
 * after its first record, or no record ready within --batch-linger-us of the
 * last one (the input is drained). Returns after one idle wait when no
 * record comes at all. */
static void poll_batch(loop_t *loop)
{
    /* At-least-once offsets waiting for delivery: look again soon. */
    int64_t wait_us, idle_us = loop->alo_pending ? ALO_WAIT_US : IDLE_WAIT_US;

    eddy_batch_open(loop->batch, eddy_now_us());
    while (!eddy_loop_stopping() && !failed(loop) && !loop->aborting &&
           (wait_us = eddy_batch_wait_us(loop->batch, eddy_now_us())) >= 0) {
        rd_kafka_message_t *m =
            next_message(loop, wait_us < idle_us ? wait_us : idle_us);
        int64_t now = eddy_now_us();

        loop->c->last_progress_us = now;
        check_brokers(loop, now);
        eddy_kafka_topic_limit_get(loop->dlq_limit); /* logs the answer once */
        if (now - loop->published_us >= PUBLISH_US)
            publish(loop, now);
        if (!m)
            break; /* drained, or idle */
        if (m->err)
            consumer_error(loop, m);
        else if (!loop->partial) /* else state is missing: left for the next run */
            handle_record(loop, m, now);
        rd_kafka_message_destroy(m);
        poll_producers(loop);
    }
}

static void run_batches(loop_t *loop)
{
    loop->idle_since_us = eddy_now_us();
    phase(loop, EDDY_PHASE_POLLING, 0);
    while (!eddy_loop_stopping() && !failed(loop)) {
        poll_batch(loop);
        if (eddy_batch_records(loop->batch) > 0) {
            loop->idle_since_us = eddy_now_us();
            if (!failed(loop))
                commit_batch(loop);
        }
        poll_producers(loop);
        alo_poll(loop);
        publish(loop, eddy_now_us());
        if (loop->conf.exit_idle_ms > 0 &&
            eddy_now_us() - loop->idle_since_us > loop->conf.exit_idle_ms * 1000) {
            eddy_log_info("no input for the idle limit: exiting",
                          "exit_idle_ms=%" PRId64, loop->conf.exit_idle_ms);
            break;
        }
    }
}

/* The replica's transactional id into ID: --transactional-id, or
 * <group>-<hostname>. Returns snprintf's count. */
static int base_txn_id(const loop_t *loop, char *id, size_t size)
{
    char host[128] = "localhost";

    if (loop->conf.transactional_id)
        return snprintf(id, size, "%s", loop->conf.transactional_id);
    gethostname(host, sizeof(host) - 1);
    return snprintf(id, size, "%s-%s", loop->group, host);
}

/* Producer K of the loop: at-least-once, the one idempotent producer;
 * exactly-once, transactional with id <id> (K 0) or <id>.<K>, where <id> is
 * --transactional-id or <group>-<hostname>: stable as <id> is, so a
 * restarted replica fences its predecessor's producers, each of them. */
static rd_kafka_t *producer_new(loop_t *loop, int k, char *errstr, size_t errstr_size)
{
    char txn_id[400];
    rd_kafka_t *rk;
    int n;

    if (!loop->conf.exactly_once)
        return eddy_kafka_loop_producer_new(loop->opts, loop->group, NULL, &loop->dr,
                                            errstr, errstr_size);
    n = base_txn_id(loop, txn_id, sizeof(txn_id));
    if (k > 0 && n > 0 && (size_t)n < sizeof(txn_id))
        snprintf(txn_id + n, sizeof(txn_id) - (size_t)n, ".%d", k);
    if ((rk = eddy_kafka_loop_producer_new(loop->opts, loop->group, txn_id, &loop->dr,
                                           errstr, errstr_size)))
        eddy_log_info("exactly-once: transactional producer",
                      "transactional_id=%s state=%s", txn_id, loop->state_topic);
    return rk;
}

/* A stage may start before its input exists (the previous stage creates it
 * with its first output): waits for it, since the changelog needs its
 * partition count. Returns the count, or -1 on a signal. */
static int wait_for_input(loop_t *loop, eddy_err_t *err)
{
    int n;

    for (int64_t i = 0;
         (n = eddy_kafka_partition_count(loop->producer, loop->stage->input_topic)) < 0;
         i++) {
        if (eddy_loop_stopping())
            return eddy_err_set(err, EDDY_ERR_FATAL, 0,
                                "stopped while waiting for input topic '%s'",
                                loop->stage->input_topic);
        if (i % 50 == 0)
            eddy_log_info("waiting for the input topic to exist", "topic=%s",
                          loop->stage->input_topic);
        phase(loop, EDDY_PHASE_STARTING, SLACK_US);
        usleep(200 * 1000);
    }
    return n;
}

/* The changelog's replay: M processed again with every output, dead letter
 * and count suppressed (its batch committed them); only the state it
 * changes stays. */
static int replay_record(void *arg, const rd_kafka_message_t *m, eddy_err_t *err)
{
    loop_t *loop = arg;
    eddy_msg_t msg = msg_of(m);
    eddy_emit_t emit = {.loop = loop, .err = err, .replay = 1};
    char errstr[512];

    loop->cur_msg = &msg;
    if (!check_limits(loop, &msg, errstr, sizeof(errstr))) {
        pthread_mutex_lock(&loop->stage_lock);
        loop->stage->process(loop->stage->ctx, &msg, &emit, errstr, sizeof(errstr));
        pthread_mutex_unlock(&loop->stage_lock);
    }
    loop->cur_msg = NULL;
    return err->cls == EDDY_ERR_OK ? 0 : -1;
}

static int changelog_start(loop_t *loop, eddy_err_t *err)
{
    char errstr[512];
    int n_in = wait_for_input(loop, err);
    eddy_changelog_conf_t cc = {.topic = loop->state_topic,
                                .input_topic = loop->stage->input_topic,
                                .producer = loop->producer,
                                .stage = {.ctx = loop->stage->ctx,
                                          .save = loop->stage->state_save,
                                          .load = loop->stage->state_load,
                                          .drop = loop->stage->state_drop,
                                          .lock = &loop->stage_lock},
                                .stopping = eddy_loop_stopping,
                                .progress = restore_progress,
                                .progress_arg = loop,
                                .checkpoint_records = loop->conf.checkpoint_records,
                                .checkpoint_interval_us =
                                    loop->conf.checkpoint_interval_ms * 1000,
                                .replay = replay_record,
                                .replay_arg = loop};

    if (n_in < 0)
        return -1;
    if (!(cc.restorer =
              eddy_kafka_restorer_new(loop->opts, loop->group, errstr, sizeof(errstr))))
        return eddy_err_set(err, EDDY_ERR_FATAL, 0, "%s", errstr);
    if (!(loop->changelog = eddy_changelog_new(&cc, err)))
        return -1;
    return eddy_changelog_ensure_topic(loop->changelog, n_in, err);
}

/* Creates the stage's compacted output TOPIC (as many partitions as the
 * input) unless it exists; warns when it exists without compaction. */
static int compacted_output_start(loop_t *loop, const char *topic, eddy_err_t *err)
{
    char policy[64];
    int n_in;

    if (eddy_kafka_partition_count(loop->producer, topic) > 0) {
        if (!eddy_kafka_topic_config(loop->producer, topic, "cleanup.policy", policy,
                                     sizeof(policy)) &&
            !strstr(policy, "compact"))
            eddy_log_warn("output topic is not compacted: retention will delete the "
                          "latest record of keys that stop changing; set "
                          "cleanup.policy=compact on it",
                          "topic=%s cleanup.policy=%s", topic, policy);
        return 0;
    }
    if ((n_in = wait_for_input(loop, err)) < 0)
        return -1;
    eddy_kafka_create_compacted(loop->producer, topic, n_in, NULL, "output topic");
    return 0;
}

/* Creates the loop's other producers (producer 0 exists) and their txns,
 * and initialises the transactions of each: this fences the previous
 * instance's producer under each id. Producer 0 is the current one. */
static int producers_start(loop_t *loop, eddy_err_t *err)
{
    char errstr[512];

    loop->n_producers = loop->conf.exactly_once ? loop->conf.txn_producers : 1;
    if (loop->n_producers < 1 || loop->n_producers > EDDY_LOOP_TXN_PRODUCERS_MAX)
        loop->n_producers = 1;
    for (int k = 0; k < loop->n_producers; k++) {
        if (k > 0 &&
            !(loop->producers[k] = producer_new(loop, k, errstr, sizeof(errstr))))
            return eddy_err_set(err, EDDY_ERR_FATAL, 0, "%s", errstr);
        if (!(loop->txns[k] =
                  eddy_txn_new(loop->producers[k], loop->conf.exactly_once)))
            return eddy_err_set(err, EDDY_ERR_FATAL, 0, "out of memory");
        if (eddy_txn_init(loop->txns[k], eddy_loop_stopping, err))
            return -1;
    }
    use_producer(loop, 0);
    return 0;
}

/* librdkafka's statistics (every statistics.interval.ms): the input
 * partitions' last stable offsets for /metrics (runtime/lso.h). */
static int on_stats(rd_kafka_t *rk, char *json, size_t len, void *opaque)
{
    loop_t *loop = opaque;

    (void)rk;
    eddy_lso_update(loop->probe.lso, json, len);
    return 0;
}

static int loop_start(loop_t *loop, eddy_err_t *err)
{
    char errstr[512];

    phase(loop, EDDY_PHASE_STARTING, 10 * 1000000LL + TXN_US + SLACK_US);
    if (!(loop->producers[0] = producer_new(loop, 0, errstr, sizeof(errstr))) ||
        !(loop->consumer =
              eddy_kafka_loop_consumer_new(loop->opts, loop->group, on_rebalance,
                                           on_stats, loop, errstr, sizeof(errstr))) ||
        eddy_kafka_check_reachable(loop->producers[0], loop->conf.bootstrap, 10000,
                                   errstr, sizeof(errstr)))
        return eddy_err_set(err, EDDY_ERR_FATAL, 0, "%s", errstr);
    atomic_store(&loop->probe.consumer, loop->consumer);
    if (!(loop->batch = eddy_batch_new(loop->conf.batch_size, loop->conf.batch_time_ms,
                                       loop->conf.batch_linger_us)))
        return eddy_err_set(err, EDDY_ERR_FATAL, 0, "out of memory");
    if (producers_start(loop, err))
        return -1;
    loop->dlq_limit =
        eddy_kafka_topic_limit_new(loop->producer, loop->conf.deadletter_topic, 10000);
    if (loop->stateful && changelog_start(loop, err))
        return -1;
    if (loop->stage->compacted_topic &&
        compacted_output_start(loop, loop->stage->compacted_topic, err))
        return -1;
    for (int i = 0; i < EDDY_STAGE_EXTRA_MAX && loop->stage->extra_compacted[i]; i++)
        if (compacted_output_start(loop, loop->stage->extra_compacted[i], err))
            return -1;
    return 0;
}

static int subscribe(loop_t *loop, eddy_err_t *err)
{
    rd_kafka_topic_partition_list_t *topics = rd_kafka_topic_partition_list_new(1);
    rd_kafka_resp_err_t e;

    rd_kafka_topic_partition_list_add(topics, loop->stage->input_topic,
                                      RD_KAFKA_PARTITION_UA);
    if (loop->stage->extra_input_topic && *loop->stage->extra_input_topic &&
        !loop->stateful)
        rd_kafka_topic_partition_list_add(topics, loop->stage->extra_input_topic,
                                          RD_KAFKA_PARTITION_UA);
    e = rd_kafka_subscribe(loop->consumer, topics);
    rd_kafka_topic_partition_list_destroy(topics);
    if (e)
        return eddy_err_set(err, EDDY_ERR_FATAL, e, "cannot subscribe to '%s': %s",
                            loop->stage->input_topic, rd_kafka_err2str(e));
    eddy_log_info("started", "input=%s group=%s bootstrap=%s exactly_once=%d",
                  loop->stage->input_topic, loop->group, loop->conf.bootstrap,
                  loop->conf.exactly_once);
    return 0;
}

static eddy_http_t *http_start(loop_t *loop, eddy_err_t *err)
{
    const char *listen = loop->conf.http ? loop->conf.http : loop->stage->default_http;
    char errstr[512];
    eddy_http_t *http;

    if (!listen || !strcmp(listen, "off"))
        return NULL;
    if (!(http = eddy_http_start(listen, eddy_probe_handler, &loop->probe, errstr,
                                 sizeof(errstr)))) {
        eddy_err_set(err, EDDY_ERR_FATAL, 0, "%s", errstr);
        err->config = 1;
        return NULL;
    }
    eddy_log_info("serving HTTP", "port=%d paths=/metrics,/healthz,/readyz",
                  eddy_http_port(http));
    return http;
}

/* Commits (or, after a fatal error, aborts) the last batch. */
static void finish(loop_t *loop)
{
    eddy_err_t err = EDDY_ERR_INIT;

    phase(loop, EDDY_PHASE_STOPPING, TXN_US + SLACK_US);
    if (!failed(loop)) {
        commit_batch(loop);
        alo_settle(loop);
        return;
    }
    eddy_batch_reset(loop->batch);
    if (eddy_txn_abort(loop->txn, &err))
        eddy_log_warn("cannot abort the open transaction", "error=\"%s\"", err.msg);
}

static void loop_destroy(loop_t *loop)
{
    if (loop->consumer) {
        rd_kafka_consumer_close(loop->consumer);
        rd_kafka_destroy(loop->consumer);
    }
    eddy_changelog_destroy(loop->changelog);
    eddy_kafka_topic_limit_destroy(loop->dlq_limit);
    alo_forget(loop);
    for (int k = 0; k < EDDY_LOOP_TXN_PRODUCERS_MAX; k++) {
        if (loop->producers[k]) {
            rd_kafka_flush(loop->producers[k], 10000);
            rd_kafka_destroy(loop->producers[k]);
        }
        eddy_txn_destroy(loop->txns[k]);
    }
    eddy_batch_destroy(loop->batch);
    eddy_stats_destroy(loop->stats);
    eddy_lso_destroy(loop->probe.lso);
    pthread_mutex_destroy(&loop->stage_lock);
}

static void loop_init(loop_t *loop, const eddy_stage_t *stage,
                      const eddy_loop_conf_t *conf, const eddy_opts_t *opts)
{
    memset(loop, 0, sizeof(*loop));
    eddy_ratelog_init(&loop->deadlog, 60000);
    loop->stage = stage;
    loop->opts = opts;
    loop->conf = *conf;
    loop->group = loop->conf.group ? loop->conf.group : stage->group;
    if (loop->conf.state_topic)
        snprintf(loop->state_topic, sizeof(loop->state_topic), "%s",
                 loop->conf.state_topic);
    else
        snprintf(loop->state_topic, sizeof(loop->state_topic), "%s-state", loop->group);
    loop->stateful = loop->conf.exactly_once && stage->state_save &&
                     stage->state_load && stage->state_drop;
    pthread_mutex_init(&loop->stage_lock, NULL);
    loop->probe.stage = stage;
    loop->probe.stage_lock = &loop->stage_lock;
    atomic_init(&loop->probe.consumer, NULL);
}

/* 1 when a producer was fenced: another instance holds the transactional
 * id of this replica (its --transactional-id, copied into TXN_ID). */
static int fenced(const loop_t *loop, char *txn_id, size_t size)
{
    char why[256];
    int code = 0;

    for (int k = 0; k < loop->n_producers && !code; k++)
        code = (int)rd_kafka_fatal_error(loop->producers[k], why, sizeof(why));
    if (!code)
        code = loop->err.code;
    if (code != RD_KAFKA_RESP_ERR__FENCED &&
        code != RD_KAFKA_RESP_ERR_PRODUCER_FENCED &&
        code != RD_KAFKA_RESP_ERR_INVALID_PRODUCER_EPOCH)
        return 0;
    base_txn_id(loop, txn_id, size);
    return 1;
}

/* The last line of a stage stopped by its fatal error, into LINE: what
 * happened and what to do. Returns the exit code. */
static int last_words(const loop_t *loop, char *line, size_t size)
{
    char txn_id[400];

    if (fenced(loop, txn_id, sizeof(txn_id))) {
        snprintf(line, size,
                 "stopped: another instance holds transactional id '%s' and fenced "
                 "this one: give each instance its own --transactional-id (the "
                 "default is <group>-<hostname>, the same for two instances on one "
                 "host), or stop the other instance",
                 txn_id);
        return EDDY_EXIT_CONFIG;
    }
    snprintf(line, size, "stopped: %s%s", loop->err.msg,
             loop->err.config ? " (a setting is wrong: fix it before restarting)"
                              : " (may be transient: a restart can succeed)");
    return loop->err.config ? EDDY_EXIT_CONFIG : EDDY_EXIT_TEMPFAIL;
}

int eddy_loop_run(const eddy_stage_t *stage, const eddy_loop_conf_t *conf,
                  const eddy_opts_t *opts)
{
    loop_t loop;
    eddy_http_t *http = NULL;
    char last[1024];
    int rc = 0;

    loop_init(&loop, stage, conf, opts);
    eddy_signals_install();
    if (!(loop.stats = eddy_stats_new()) || !(loop.probe.lso = eddy_lso_new())) {
        eddy_err_set(&loop.err, EDDY_ERR_FATAL, 0, "out of memory");
        goto out;
    }
    loop.c = eddy_stats_counters(loop.stats);
    loop.c->exactly_once = loop.conf.exactly_once;
    loop.probe.stats = loop.stats;
    phase(&loop, EDDY_PHASE_STARTING, 0);
    if ((!(http = http_start(&loop, &loop.err)) && loop.err.cls) ||
        loop_start(&loop, &loop.err) || subscribe(&loop, &loop.err)) {
        loop.err.cls = EDDY_ERR_FATAL;
        goto out;
    }
    run_batches(&loop);
    finish(&loop);
    eddy_log_info("stopping", "records_in=%" PRIu64 " records_out=%" PRIu64,
                  loop.c->records_in, loop.c->records_out);
out:
    if (failed(&loop))
        rc = last_words(&loop, last, sizeof(last));
    eddy_http_stop(http);
    loop_destroy(&loop);
    if (rc)
        eddy_log_error(last, "exit_code=%d", rc);
    return rc;
}
