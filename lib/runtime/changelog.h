/* runtime/changelog.h: per-series state in a compacted changelog topic.
 *
 * The changelog owns which input partition each series belongs to, the
 * input offset its last snapshot reflects and the set of series changed in
 * the open batch. It is handed everything it uses (a producer whose open
 * transaction receives the snapshots, a consumer of its own to read the
 * topic back, topic names, the stage's state callbacks and the lock guarding
 * the stage's state) and knows nothing of the loop around it.
 *
 * Record: key = series_id, value = a util/snapshot.h frame of kind "ECHG"
 * (version 2, length, CRC-32C) whose payload is the owning input partition
 * (u32 LE) | the input offset the state reflects: every record of the
 * partition before it is in the state, none at or after it (u64 LE) | the
 * offset a replay of the partition starts at (u64 LE: no series of the
 * partition had a record at or after its snapshot offset and before this one
 * outside the snapshots written so far) | the input topic (u32 LE length,
 * bytes) | the stage's bytes (themselves framed by the stage). A NULL value
 * (tombstone) forgets a series. Snapshots go to the same partition number
 * as the input partition owning the series. Version 1 (partition | offset
 * | stage bytes, written every batch for every series touched) is still
 * read: its state reflects the group's committed offset.
 *
 * Checkpoints: the models are deterministic, so a series' state is its last
 * snapshot plus its input since. A batch writes the snapshot of a series
 * changed since its last one only when it has none yet, after
 * CHECKPOINT_RECORDS of its records or CHECKPOINT_INTERVAL_US since the
 * first of them (1 record: every batch, as version 1 did). A restore loads
 * the snapshots, then replays the input from the replay offset of the
 * partition's last changelog record up to the committed offset, through
 * CONF.replay (the stage's processing with outputs suppressed), applying
 * each record only to the series its key names when that series' snapshot
 * is older than the record.
 *
 * Thread: the loop thread only. The stage callbacks run with STAGE.lock
 * held, one series at a time, never across network waits.
 */
#ifndef EDDY_RT_CHANGELOG_H
#define EDDY_RT_CHANGELOG_H

#include <librdkafka/rdkafka.h>
#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#include "util/buf.h"
#include "util/err.h"

/* The util/snapshot.h kind and payload version of a changelog record. */
#define EDDY_CHANGELOG_MAGIC     "ECHG"
#define EDDY_CHANGELOG_VERSION   2u
#define EDDY_CHANGELOG_VERSION_1 1u /* still read (see above) */

/* The stage's per-series state callbacks (see eddy_stage_t). */
typedef struct eddy_changelog_stage_s {
    void *ctx;
    int (*save)(void *ctx, const char *series_id, eddy_buf_t *out);
    int (*load)(void *ctx, const char *series_id, const void *buf, size_t len,
                char *errstr, size_t errstr_size);
    void (*drop)(void *ctx, const char *series_id);
    pthread_mutex_t *lock; /* guards the stage's state (NULL: none) */
} eddy_changelog_stage_t;

/* A running restore's progress. */
typedef struct eddy_restore_progress_s {
    uint64_t records;  /* changelog records read so far */
    uint64_t bytes;    /* their keys and values, in bytes */
    int64_t remaining; /* offsets left before the end offsets read at the start
                          (an estimate: markers count too); -1 unknown, 0 done;
                          while replaying: input offsets left to replay */
    uint64_t replayed; /* input records replayed so far (applied or not) */
} eddy_restore_progress_t;

/* The input record being processed. */
typedef struct eddy_changelog_input_s {
    int32_t partition;
    int64_t offset;
    const void *key; /* the record's key (NULL: none) */
    size_t key_len;
} eddy_changelog_input_t;

typedef struct eddy_changelog_conf_s {
    const char *topic;       /* the compacted changelog (<group>-state) */
    const char *input_topic; /* whose partitions own the series */
    rd_kafka_t *producer;    /* borrowed: snapshots join its open transaction */
    rd_kafka_t *restorer;    /* a consumer with enable.partition.eof=true and
                                no subscription; owned by the changelog */
    eddy_changelog_stage_t stage;
    int (*stopping)(void); /* a restore gives up once it returns 1 (NULL: never) */
    /* Called with a restore's progress at most every 100 ms and at its end
     * (NULL: not reported), on the loop thread, with PROGRESS_ARG. */
    void (*progress)(void *arg, const eddy_restore_progress_t *progress);
    void *progress_arg;
    /* Checkpoints (see above): snapshot a changed series after this many of
     * its records (1: every batch) or this long after the first of them. */
    int64_t checkpoint_records;
    int64_t checkpoint_interval_us;
    /* Processes input record M again during a restore with every output
     * suppressed (the stage calls eddy_changelog_touch as usual). Returns 0
     * or -1 with ERR. Required when checkpoint_records > 1 or a changelog
     * written so may be restored. */
    int (*replay)(void *arg, const rd_kafka_message_t *m, eddy_err_t *err);
    void *replay_arg;
} eddy_changelog_conf_t;

/* Counts of one restore. */
typedef struct eddy_restore_counts_s {
    size_t records;    /* changelog records applied */
    uint64_t bytes;    /* their keys and values, in bytes */
    size_t rebuilt;    /* series dropped: their snapshot was ahead of the group */
    uint64_t replayed; /* input records read again */
    uint64_t applied;  /* of those, applied to a series (CONF.replay called) */
} eddy_restore_counts_t;

typedef struct eddy_changelog_s eddy_changelog_t;

/* Takes ownership of CONF->restorer whatever happens. Returns NULL with ERR
 * FATAL when out of memory. */
eddy_changelog_t *eddy_changelog_new(const eddy_changelog_conf_t *conf,
                                     eddy_err_t *err);

/* Replaces the producer snapshots are written with (borrowed), after the
 * previous one was fenced and destroyed. */
void eddy_changelog_set_producer(eddy_changelog_t *cl, rd_kafka_t *producer);

/* Closes the restorer and frees CL; NULL is a no-op. */
void eddy_changelog_destroy(eddy_changelog_t *cl);

/* Creates the topic compacted with PARTITIONS partitions (the input's count)
 * unless it exists. A broker without the admin API (the embedded one)
 * auto-creates it on first use instead. Returns -1 with ERR FATAL when the
 * topic exists with fewer partitions. */
int eddy_changelog_ensure_topic(eddy_changelog_t *cl, int partitions, eddy_err_t *err);

/* Marks SERIES_ID as changed by input record IN (its partition owns the
 * series). Returns 0 or -1 with ERR FATAL (out of memory; during a replay,
 * a record changing a series whose snapshot already holds it). */
int eddy_changelog_touch(eddy_changelog_t *cl, const char *series_id,
                         const eddy_changelog_input_t *in, eddy_err_t *err);

/* Makes the snapshot of SERIES_ID (touched in the open batch) due with this
 * batch: its state changed by something a replay of the input cannot
 * reproduce. Unknown series: a no-op. */
void eddy_changelog_force(eddy_changelog_t *cl, const char *series_id);

/* Produces the snapshot of every changed series whose checkpoint is due,
 * stamped with the offset OFFSETS will commit for its partition, into the
 * producer's open transaction; adds their number to *N. Returns 0 or -1
 * with ERR FATAL (a failed save, a state over 16 MiB, a refused produce). */
int eddy_changelog_flush(eddy_changelog_t *cl,
                         const rd_kafka_topic_partition_list_t *offsets, uint64_t *n,
                         eddy_err_t *err);

/* Forgets which series changed since their snapshot (the batch was
 * aborted): the caller drops or restores the state of every assigned
 * partition next, which replays what committed batches changed. */
void eddy_changelog_clear_dirty(eddy_changelog_t *cl);

/* Drops the state of every series owned by PARTS (input partitions). */
void eddy_changelog_drop(eddy_changelog_t *cl,
                         const rd_kafka_topic_partition_list_t *parts);

/* Reads the changelog partitions of PARTS from start to end into the stage,
 * then drops the series whose snapshot is ahead of the group's COMMITTED
 * offset for their partition (a reset group: rebuilt from the input rather
 * than learnt twice), then replays the input from each partition's replay
 * offset to COMMITTED (see above; refused, FATAL, when retention deleted
 * input it needs). The partitions are read together; their end offsets
 * are read once (empty partitions are skipped without a fetch), and the end
 * is each partition's end-of-partition event (read_committed: the last
 * stable offset). No deadline: it goes on while it makes progress, reports
 * it (CONF.progress, and a log line every 5 s), and fails when no record
 * came for EDDY_CHANGELOG_STALL_US (the replay likewise). Returns 0 with
 * *COUNTS filled, or -1
 * with ERR RETRIABLE (CONF.stopping said so) or FATAL; the stage's state is
 * then partial. */
int eddy_changelog_restore(eddy_changelog_t *cl,
                           const rd_kafka_topic_partition_list_t *parts,
                           const rd_kafka_topic_partition_list_t *committed,
                           eddy_restore_counts_t *counts, eddy_err_t *err);

/* A restore fails after this long without a record or a partition end, in
 * microseconds (a broker gone; a slow one still makes progress). */
#define EDDY_CHANGELOG_STALL_US (60 * 1000000LL)

/* Restore progress is logged this often, in microseconds. */
#define EDDY_CHANGELOG_LOG_US (5 * 1000000LL)

/* Bound of one metadata call of the changelog (end offsets), in ms. */
#define EDDY_CHANGELOG_CALL_MS 5000

#endif
