/* runtime/loop.h: the one consume -> process -> produce -> commit loop.
 *
 * Every Kafka stage is this loop around a pure core. A stage supplies its
 * input topic, a process() callback and optional metrics / HTTP routes;
 * nothing else about Kafka appears in a stage's folder.
 *
 * Per batch: poll, process each record (bad ones go to the dead-letter
 * topic with the reason in headers), produce the outputs, then commit. A
 * batch closes on events: as soon as the input is drained (no record ready
 * within --batch-linger-us, 200 µs by default, of the last one), or at
 * --batch-size records or --batch-time after its first record under load,
 * whichever comes first. So at low load each record is committed right
 * after it is processed, and at high load batches grow (records pile up
 * while a commit runs) and throughput holds.
 *
 * Exactly-once (the default): each batch is one Kafka transaction holding
 * the outputs, the dead letters, the snapshots due of the series whose
 * state changed (to the compacted changelog <group>-state, same partition
 * number as the input: a series' snapshot every --checkpoint-records of its
 * records or --checkpoint-interval, see changelog.h) and the input offsets.
 * Consecutive batches use --transactional-producers producers in turn (2 by
 * default, transactional ids <id>, <id>.1, ...): the broker writes a
 * committed transaction's markers after the commit returns, and a producer
 * beginning its next transaction before they are written is refused and
 * retried 20 ms later; the next producer has no transaction in completion.
 * Batch k+1 is produced after batch k's commit returned, so it follows batch
 * k in every partition, and its offsets, appended later, are the ones the
 * group keeps. On assignment the state of the new partitions is restored
 * from the changelog, and the input since the snapshots replayed up to the
 * committed offset with outputs suppressed, before any record is processed
 * (/readyz says 503 until then); a series whose snapshot is ahead of the
 * group's committed offset (the group was reset, e.g. for a replay) is
 * dropped and rebuilt from the input instead of learning twice.
 *
 * At-least-once (--no-exactly-once): outputs are flushed, then offsets are
 * committed; a crash repeats records and never loses one.
 *
 * SIGINT/SIGTERM finish the batch, commit, close the consumer, flush the
 * producer and return 0.
 *
 * The loop (loop.c) orchestrates units that own their state and never call
 * back into it:
 *
 *   batch.h      the open batch's bounds and the input offsets it commits
 *   txn.h        the transactional producer: begin / commit / abort, errors
 *                sorted into retriable, abortable and fatal (util/err.h)
 *   changelog.h  which series each partition owns, the changed set,
 *                snapshots, restore on assign, drop on revoke
 *   produce.h    the produce / delivery-report path (shared with ingest)
 *   stats.h      counters, published to HTTP as snapshots
 *   probe.h      /metrics, /healthz, /readyz (never wait for the loop)
 *   kafka.h      how its consumer, producer and changelog reader are
 *                configured (the only place reading -X)
 *   signals.h    the SIGINT/SIGTERM stop flag
 *
 * Locks: the loop holds the stage lock only around CPU-only work (one
 * record's process(), one series' state callback), never across a poll, a
 * commit or a restore; the stage's metrics() and http() callbacks run under
 * it on the HTTP thread. A failure comes back to the loop as an eddy_err_t;
 * the loop alone decides: abort and replay the batch, or stop with exit 1.
 */
#ifndef EDDY_RT_LOOP_H
#define EDDY_RT_LOOP_H

#include <stddef.h>
#include <stdint.h>

#include "runtime/signals.h"
#include "util/buf.h"
#include "util/opts.h"

/* One input record, as the loop hands it to a stage. */
typedef struct eddy_msg_s {
    const void *key;
    size_t key_len;
    const void *value;
    size_t value_len;
    const char *topic;
    int32_t partition;
    int64_t offset;
    int64_t timestamp_ms; /* Kafka record timestamp */
} eddy_msg_t;

typedef struct eddy_emit_s eddy_emit_t;

/* Produces one output record (copied) from within process(). Returns 0, or
 * -1 when the producer refused it (the loop then stops without committing). */
int eddy_emit(eddy_emit_t *emit, const char *topic, const void *key, size_t key_len,
              const void *value, size_t value_len);

/* Counts a record the stage deliberately skipped (e.g. a duplicate). */
void eddy_emit_skip(eddy_emit_t *emit, const char *reason);

/* Records in a row failed by eddy_emit_misconfigured, none processed in
 * between, after which the stage stops (exit EDDY_EXIT_CONFIG). */
#define EDDY_LOOP_MISCONFIGURED_RECORDS 10

/* Says that the current record fails (process() returns its reason) because
 * the stage's settings do not match its input (e.g. eddy-features --lags 10
 * feeding eddy-learn --lags 15), so that every record would. After
 * EDDY_LOOP_MISCONFIGURED_RECORDS of them in a row with no record processed
 * in between, the loop stops with process()'s message as its last line
 * (exit EDDY_EXIT_CONFIG) instead of dead-lettering the whole input; the
 * batch is aborted, so nothing of it is committed or dead-lettered. */
void eddy_emit_misconfigured(eddy_emit_t *emit);

/* Marks SERIES_ID's state as changed by the current record: under
 * exactly-once its snapshot goes to the changelog in the batch's
 * transaction. */
void eddy_emit_touch(eddy_emit_t *emit, const char *series_id);

/* Marks SERIES_ID's state as changed by something outside the input (an
 * operator's pin): its snapshot goes to the changelog with this batch
 * whatever --checkpoint-records says, since a restore's replay of the input
 * could not reproduce the change. */
void eddy_emit_checkpoint(eddy_emit_t *emit, const char *series_id);

/* 1 while the current record is replayed by a restore (its outputs were
 * committed by the batch that first processed it and are suppressed): a
 * stage skips state changes that do not come from the record itself. */
int eddy_emit_replaying(const eddy_emit_t *emit);

#define EDDY_STAGE_EXTRA_MAX 4 /* further outputs of a stage */

typedef struct eddy_stage_s {
    const char *name; /* "features", "learn", "metrics" */
    const char *input_topic;
    /* A second topic read by the same consumer (NULL or "": none), for a
     * stateless stage only; process() tells the records apart by
     * msg->topic. */
    const char *extra_input_topic;
    const char *group;           /* consumer group id */
    const char *default_http;    /* listen address when --http is not given */
    int from_beginning;          /* read every assigned partition from its start
                                    (a sink rebuilding in-memory aggregates) */
    const char *compacted_topic; /* an output the loop creates compacted, with
                                    the input's partition count, before the
                                    first record (NULL: none) */
    const char *extra_compacted[EDDY_STAGE_EXTRA_MAX]; /* more such outputs
                                                          (NULL: none) */
    void *ctx;
    /* Processes one record (under the stage lock). Returns NULL, or a short
     * dead-letter reason ("decode:truncated", or a util/reason.h name such
     * as "series_cap") with a human message in ERRSTR; the loop then
     * dead-letters the record and goes on. */
    const char *(*process)(void *ctx, const eddy_msg_t *msg, eddy_emit_t *emit,
                           char *errstr, size_t errstr_size);
    /* Appends the stage's own Prometheus families (optional; HTTP thread,
     * under the stage lock). */
    void (*metrics)(void *ctx, eddy_buf_t *out);
    /* Extra HTTP routes (optional; HTTP thread, under the stage lock):
     * returns a status, or 0 for "not mine". */
    int (*http)(void *ctx, const char *path, eddy_buf_t *body,
                const char **content_type);
    /* Per-series state for the changelog (all three, or none for a
     * stateless stage). save appends the series' state to OUT and returns
     * 0, 1 when it has none, -1 on failure; load replaces it (0 or -1 with
     * ERRSTR); drop forgets it. Each runs under the stage lock. */
    int (*state_save)(void *ctx, const char *series_id, eddy_buf_t *out);
    int (*state_load)(void *ctx, const char *series_id, const void *buf, size_t len,
                      char *errstr, size_t errstr_size);
    void (*state_drop)(void *ctx, const char *series_id);
} eddy_stage_t;

/* The loop's options (eddy_loop_opts, loaded by runtime/stage.c). */
typedef struct eddy_loop_conf_s {
    const char *group;              /* consumer group id */
    const char *deadletter_topic;   /* where bad records go */
    const char *http;               /* listen address; NULL: the stage's default */
    const char *transactional_id;   /* NULL: <group>-<hostname> */
    const char *state_topic;        /* NULL: <group>-state */
    const char *bootstrap;          /* Kafka bootstrap servers */
    int batch_size;                 /* records per batch */
    int64_t batch_time_ms;          /* longest time a batch stays open */
    int exactly_once;               /* transactions + changelog */
    int64_t max_value_bytes;        /* larger input values are dead-lettered */
    int64_t exit_idle_ms;           /* exit after this long without input; -1 never */
    int64_t batch_linger_us;        /* a batch closes when no record comes this long */
    int64_t checkpoint_records;     /* snapshot a series after this many records */
    int64_t checkpoint_interval_ms; /* ... or this long after the first of them */
    int txn_producers; /* exactly-once: transactional producers used in turn */
} eddy_loop_conf_t;

/* Most transactional producers a stage instance uses in turn
 * (--transactional-producers). */
#define EDDY_LOOP_TXN_PRODUCERS_MAX 4

/* Options of every looping stage (group, batching, dead letters, HTTP),
 * bound to eddy_loop_conf_t (bootstrap comes from the common options). */
extern const eddy_opt_t eddy_loop_opts[];

/* Runs STAGE until SIGINT/SIGTERM (or --exit-idle) with the loop options
 * CONF; OPTS gives the librdkafka properties (-X) of its clients. Returns
 * the process exit code: 0 after a clean shutdown, 1 on a fatal Kafka
 * error. */
int eddy_loop_run(const eddy_stage_t *stage, const eddy_loop_conf_t *conf,
                  const eddy_opts_t *opts);

#endif
