/* runtime/changelog_restore.c: a restore reads the changelog partitions of
 * the assigned input partitions into the stage, then replays the input the
 * snapshots do not hold yet (see changelog.h). */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "runtime/changelog.h"
#include "runtime/changelog_internal.h"
#include "runtime/kafka.h"
#include "util/bytes.h"
#include "util/log.h"
#include "util/series.h"
#include "util/snapshot.h"

/* One restore's reading state (the changelog, then the input). */
typedef struct restore_s {
    rd_kafka_topic_partition_list_t *parts; /* partitions being read */
    int *done;                              /* per element of parts: end reached */
    int64_t *stop;       /* replay: per element of parts, the committed offset */
    int64_t *next;       /* replay: per element of parts, the next offset */
    int left;            /* partitions not at their end */
    int replay;          /* reading the input, not the changelog */
    int64_t end_total;   /* sum of the end offsets read at the start */
    int64_t last_us;     /* last record or end seen (the watchdog's clock) */
    int64_t reported_us; /* last progress callback */
    int64_t logged_us;   /* last progress log line */
    eddy_restore_progress_t progress;
    uint64_t applied; /* replayed records applied to a series */
} restore_t;

typedef int (*restore_fn)(eddy_changelog_t *cl, restore_t *rs,
                          const rd_kafka_message_t *m, eddy_err_t *err);

/* The key of M as a C string in ID (SIZE bytes); 0 when it has none that
 * fits. */
static int key_id(const rd_kafka_message_t *m, char *id, size_t size)
{
    if (!m->key || m->key_len == 0 || m->key_len >= size)
        return 0;
    memcpy(id, m->key, m->key_len);
    id[m->key_len] = '\0';
    return 1;
}

static int refuse_eds1(const eddy_changelog_t *cl, const char *id, eddy_err_t *err)
{
    return eddy_err_set(
        err, EDDY_ERR_FATAL, 0,
        "changelog '%s' holds state of series '%s' in the framing of an earlier "
        "eddy build (EDS1, before snapshot frames), which this build does not "
        "read: rebuild the state from the input by resetting the group to the "
        "earliest offsets (kafka-consumer-groups --reset-offsets --to-earliest) and "
        "deleting '%s'",
        cl->conf.topic, id, cl->conf.topic);
}

/* Opens M's frame (version 2, else 1) into *R; *VERSION says which. Returns
 * 1 to apply it, 0 to ignore it (not eddy state), -1 with ERR. */
static int open_record(eddy_changelog_t *cl, const rd_kafka_message_t *m,
                       const char *id, eddy_reader_t *r, uint32_t *version,
                       eddy_err_t *err)
{
    char errstr[512];
    eddy_snapshot_err_t e;

    if (m->len >= 4 && !memcmp(m->payload, "EDS1", 4))
        return refuse_eds1(cl, id, err);
    *version = EDDY_CHANGELOG_VERSION;
    e = eddy_snapshot_open(r, m->payload, m->len, EDDY_CHANGELOG_MAGIC,
                           EDDY_CHANGELOG_VERSION, errstr, sizeof(errstr));
    if (e == EDDY_SNAPSHOT_EVERSION) {
        *version = EDDY_CHANGELOG_VERSION_1;
        if (eddy_snapshot_open(r, m->payload, m->len, EDDY_CHANGELOG_MAGIC,
                               EDDY_CHANGELOG_VERSION_1, NULL, 0) == EDDY_SNAPSHOT_OK)
            return 1;
    }
    switch (e) {
    case EDDY_SNAPSHOT_OK:
        return 1;
    case EDDY_SNAPSHOT_ETRUNC:
    case EDDY_SNAPSHOT_EMAGIC:
        eddy_log_warn("ignoring a changelog record that is not eddy state",
                      "topic=%s key=\"%s\"", cl->conf.topic, id);
        return 0;
    default: /* eddy state, but damaged or of another version */
        eddy_log_error("cannot restore series state", "series=\"%s\" error=\"%s\"", id,
                       errstr);
        return eddy_err_set(err, EDDY_ERR_FATAL, 0,
                            "cannot restore the state of series '%s': %s", id, errstr);
    }
}

/* Reads the version 2 header fields after the offset: the replay offset
 * goes to the partition when the record is of this input topic. Returns 1
 * when it is (else the snapshot is read as of the committed offset). */
static int read_v2_header(eddy_changelog_t *cl, eddy_reader_t *r, int32_t partition)
{
    uint64_t replay_from = eddy_read_u64(r);
    uint32_t topic_len = eddy_read_u32(r);
    int same;
    part_t *p;

    if (r->err || !eddy_read_has(r, topic_len))
        return r->err = 1, 0;
    same = topic_len == strlen(cl->conf.input_topic) &&
           !memcmp(r->buf + r->pos, cl->conf.input_topic, topic_len);
    r->pos += topic_len;
    if (!same || !(p = eddy_changelog_part(cl, partition)))
        return 0;
    p->replay_from = (int64_t)replay_from;
    return 1;
}

static int apply_record(eddy_changelog_t *cl, const rd_kafka_message_t *m,
                        int32_t partition, eddy_err_t *err)
{
    char id[512], errstr[512];
    eddy_reader_t r;
    uint32_t version = EDDY_CHANGELOG_VERSION;
    int64_t snap_offset;
    int rc, current = 0;
    owner_t *o;

    if (!key_id(m, id, sizeof(id)))
        return 0;
    if (!m->payload) {
        eddy_changelog_stage_drop(cl, id);
        return 0;
    }
    if ((rc = open_record(cl, m, id, &r, &version, err)) <= 0)
        return rc;
    eddy_read_u32(&r); /* the owning partition: the one being restored */
    snap_offset = (int64_t)eddy_read_u64(&r);
    if (version == EDDY_CHANGELOG_VERSION)
        current = read_v2_header(cl, &r, partition);
    if (r.err)
        return eddy_err_set(err, EDDY_ERR_FATAL, 0,
                            "changelog record of series '%s' is truncated", id);
    if (eddy_changelog_stage_load(cl, id, r.buf + r.pos, r.len - r.pos, errstr,
                                  sizeof(errstr))) {
        eddy_log_error("cannot restore series state", "series=\"%s\" error=\"%s\"", id,
                       errstr);
        return eddy_err_set(err, EDDY_ERR_FATAL, 0,
                            "cannot restore the state of series '%s': %s", id, errstr);
    }
    if (!(o = eddy_changelog_owner(cl, id, partition)))
        return eddy_err_set(err, EDDY_ERR_FATAL, 0, "out of memory");
    o->snap_offset = snap_offset;
    o->snapshotted = 1;
    o->legacy = !current;
    o->pending = 0;
    return 0;
}

/* Marks element I of the partitions being read as at its end. */
static void mark_done(restore_t *rs, int i)
{
    if (i >= 0 && !rs->done[i]) {
        rs->done[i] = 1;
        rs->left--;
    }
}

/* The element of the partitions being read with PARTITION, or -1. */
static int part_index(const restore_t *rs, int32_t partition)
{
    for (int i = 0; i < rs->parts->cnt; i++)
        if (rs->parts->elems[i].partition == partition)
            return i;
    return -1;
}

/* 1 when M says its partition is at its end (or has no topic yet). */
static int at_end(const rd_kafka_message_t *m)
{
    return m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF ||
           m->err == RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART ||
           m->err == RD_KAFKA_RESP_ERR__UNKNOWN_PARTITION;
}

/* Handles one changelog message. Returns 0 or -1 with ERR. */
static int restore_message(eddy_changelog_t *cl, restore_t *rs,
                           const rd_kafka_message_t *m, eddy_err_t *err)
{
    if (at_end(m)) {
        mark_done(rs, part_index(rs, m->partition));
        return 0;
    }
    if (m->err) {
        eddy_log_warn("changelog read error", "error=\"%s\"",
                      rd_kafka_message_errstr(m));
        return 0;
    }
    if (apply_record(cl, m, m->partition, err))
        return -1;
    rs->progress.records++;
    rs->progress.bytes += m->key_len + m->len;
    rs->progress.remaining = rs->end_total > 0 ? rs->end_total - m->offset - 1 : -1;
    return 0;
}

/* Offsets left to replay. */
static int64_t replay_remaining(const restore_t *rs)
{
    int64_t n = 0;

    for (int i = 0; i < rs->parts->cnt; i++)
        if (!rs->done || !rs->done[i])
            n += rs->stop[i] - rs->next[i];
    return n;
}

/* Refuses a replay whose first offset FROM retention deleted (the input
 * now starts at LO). */
static int refuse_deleted(const eddy_changelog_t *cl, int32_t partition, int64_t from,
                          int64_t lo, int64_t committed, eddy_err_t *err)
{
    eddy_log_error("input needed to rebuild state was deleted by retention",
                   "topic=%s partition=%d replay_from=%" PRId64 " earliest=%" PRId64
                   " committed=%" PRId64,
                   cl->conf.input_topic, (int)partition, from, lo, committed);
    return eddy_err_set(
        err, EDDY_ERR_FATAL, 0,
        "the state of %s partition %d needs the input from offset %" PRId64
        " up to the committed offset %" PRId64 " (its snapshots in '%s' are older), "
        "but retention deleted it: the topic now starts at offset %" PRId64
        " (-1: not known): keep the input longer than --checkpoint-interval plus the "
        "longest downtime (its retention.ms), or rebuild the state from what is left "
        "(reset the group to the earliest offsets and delete '%s')",
        cl->conf.input_topic, (int)partition, from, committed, cl->conf.topic, lo,
        cl->conf.topic);
}

/* Handles one input message of the replay: applied (through CONF.replay)
 * when its key names a series whose snapshot is older than it. Returns 0
 * or -1 with ERR. */
static int replay_message(eddy_changelog_t *cl, restore_t *rs,
                          const rd_kafka_message_t *m, eddy_err_t *err)
{
    int i = part_index(rs, m->partition);
    char id[512];
    const owner_t *o;

    if (i < 0 || rs->done[i] || at_end(m)) {
        mark_done(rs, i);
        return 0;
    }
    if (m->err == RD_KAFKA_RESP_ERR__AUTO_OFFSET_RESET)
        return refuse_deleted(cl, m->partition, rs->next[i], -1, rs->stop[i], err);
    if (m->err) {
        eddy_log_warn("input read error while replaying", "error=\"%s\"",
                      rd_kafka_message_errstr(m));
        return 0;
    }
    if (m->offset >= rs->stop[i]) {
        mark_done(rs, i);
        return 0;
    }
    rs->progress.replayed++;
    rs->next[i] = m->offset + 1;
    rs->progress.remaining = replay_remaining(rs);
    if (m->offset + 1 >= rs->stop[i])
        mark_done(rs, i);
    if (!key_id(m, id, sizeof(id)) || !(o = eddy_series_get(cl->owners, id)) ||
        !o->snapshotted || m->offset < o->snap_offset)
        return 0; /* no series, or its snapshot holds the record already */
    rs->applied++;
    return cl->conf.replay(cl->conf.replay_arg, m, err);
}

/* Reports progress to the callback (at most every 100 ms) and the log
 * (every 5 s). */
static void restore_report(eddy_changelog_t *cl, restore_t *rs, int64_t now, int force)
{
    if (cl->conf.progress && (force || now - rs->reported_us >= 100000)) {
        cl->conf.progress(cl->conf.progress_arg, &rs->progress);
        rs->reported_us = now;
    }
    if (now - rs->logged_us < EDDY_CHANGELOG_LOG_US)
        return;
    if (rs->replay)
        eddy_log_info("replaying the input the snapshots do not hold yet",
                      "topic=%s records=%" PRIu64 " applied=%" PRIu64
                      " partitions_left=%d offsets_left=%" PRId64,
                      cl->conf.input_topic, rs->progress.replayed, rs->applied,
                      rs->left, rs->progress.remaining);
    else
        eddy_log_info("restoring state from the changelog",
                      "topic=%s records=%" PRIu64 " bytes=%" PRIu64
                      " partitions_left=%d end_offsets=%" PRId64,
                      cl->conf.topic, rs->progress.records, rs->progress.bytes,
                      rs->left, rs->end_total);
    rs->logged_us = now;
}

/* The changelog partitions of PARTS that hold records, from their start;
 * their end offsets, read once, are summed into RS->end_total. A partition
 * whose end cannot be read is read to its end all the same. */
static rd_kafka_topic_partition_list_t *
restore_list(eddy_changelog_t *cl, const rd_kafka_topic_partition_list_t *parts,
             restore_t *rs)
{
    rd_kafka_topic_partition_list_t *list =
        rd_kafka_topic_partition_list_new(parts->cnt);

    for (int i = 0; i < parts->cnt; i++) {
        int64_t lo = 0, hi = 1;
        rd_kafka_resp_err_t e = rd_kafka_query_watermark_offsets(
            cl->conf.restorer, cl->conf.topic, parts->elems[i].partition, &lo, &hi,
            EDDY_CHANGELOG_CALL_MS);

        if (e == RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART || (!e && hi <= lo))
            continue; /* no changelog yet, or nothing in it */
        if (!e)
            rs->end_total += hi;
        rd_kafka_topic_partition_list_add(list, cl->conf.topic,
                                          parts->elems[i].partition)
            ->offset = RD_KAFKA_OFFSET_BEGINNING;
    }
    return list;
}

/* Reads RS->parts (of TOPIC) from their offsets until FN marked each at its
 * end, all at once. No deadline: it goes on while records or ends arrive,
 * and fails when none came for EDDY_CHANGELOG_STALL_US. */
static int read_partitions(eddy_changelog_t *cl, restore_t *rs, const char *topic,
                           restore_fn fn, eddy_err_t *err)
{
    const char *what = rs->replay ? "replaying input" : "restoring changelog";
    int rc = 0;

    rs->left = rs->parts->cnt;
    if (rs->left == 0)
        return 0;
    if (!(rs->done = calloc((size_t)rs->left, sizeof(*rs->done))) ||
        rd_kafka_assign(cl->conf.restorer, rs->parts))
        return eddy_err_set(err, EDDY_ERR_FATAL, 0, "cannot read '%s'", topic);
    rs->last_us = eddy_now_us();
    while (rc == 0 && rs->left > 0) {
        rd_kafka_message_t *m = rd_kafka_consumer_poll(cl->conf.restorer, 100);
        int64_t now = eddy_now_us();

        if (m) {
            rs->last_us = now;
            rc = fn(cl, rs, m, err);
            rd_kafka_message_destroy(m);
        } else if (now - rs->last_us > EDDY_CHANGELOG_STALL_US) {
            eddy_log_error("restoring state made no progress",
                           "topic=%s seconds=%d records=%" PRIu64 " replayed=%" PRIu64
                           " partitions_left=%d",
                           topic, (int)(EDDY_CHANGELOG_STALL_US / 1000000),
                           rs->progress.records, rs->progress.replayed, rs->left);
            rc = eddy_err_set(err, EDDY_ERR_FATAL, 0,
                              "%s '%s' made no progress for %d s "
                              "(%d partitions not at their end): is the broker up?",
                              what, topic, (int)(EDDY_CHANGELOG_STALL_US / 1000000),
                              rs->left);
        }
        if (rc == 0 && cl->conf.stopping && cl->conf.stopping())
            rc = eddy_err_set(err, EDDY_ERR_RETRIABLE, 0, "stopped while %s '%s'", what,
                              topic);
        restore_report(cl, rs, now, 0);
    }
    rd_kafka_assign(cl->conf.restorer, NULL);
    return rc;
}

/* The input partitions of PARTS to replay (their committed offsets at
 * COMMITTED), from the replay offset their changelog's last record gave,
 * into RS. Returns 0 or -1 with ERR. */
static int replay_list(eddy_changelog_t *cl,
                       const rd_kafka_topic_partition_list_t *parts,
                       const int64_t *committed, restore_t *rs, eddy_err_t *err)
{
    int n = 0;

    rs->parts = rd_kafka_topic_partition_list_new(parts->cnt);
    rs->stop = calloc((size_t)parts->cnt + 1, sizeof(*rs->stop));
    rs->next = calloc((size_t)parts->cnt + 1, sizeof(*rs->next));
    if (!rs->stop || !rs->next)
        return eddy_err_set(err, EDDY_ERR_FATAL, 0, "out of memory");
    for (int i = 0; i < parts->cnt; i++) {
        part_t *p = eddy_changelog_part(cl, parts->elems[i].partition);
        int64_t from = p ? p->replay_from : -1, lo = 0, hi = 0;

        if (!p)
            return eddy_err_set(err, EDDY_ERR_FATAL, 0, "out of memory");
        p->replay_from = -1;
        p->pos = committed[i];
        if (committed[i] < 0 || from < 0 || from >= committed[i])
            continue;
        if (!rd_kafka_query_watermark_offsets(cl->conf.restorer, cl->conf.input_topic,
                                              parts->elems[i].partition, &lo, &hi,
                                              EDDY_CHANGELOG_CALL_MS) &&
            lo > from)
            return refuse_deleted(cl, parts->elems[i].partition, from, lo, committed[i],
                                  err);
        rd_kafka_topic_partition_list_add(rs->parts, cl->conf.input_topic,
                                          parts->elems[i].partition)
            ->offset = from;
        rs->stop[n] = committed[i];
        rs->next[n++] = from;
    }
    return 0;
}

typedef struct legacy_ctx_s {
    const eddy_changelog_t *cl;
    const rd_kafka_topic_partition_list_t *parts;
    const int64_t *committed;
} legacy_ctx_t;

/* A version 1 snapshot (or one of another input topic) kept after the
 * drop of those ahead of the group: it holds every record before the
 * committed offset, since version 1 wrote each touched series every batch. */
static void settle_legacy(const char *id, void *value, void *arg)
{
    legacy_ctx_t *c = arg;
    owner_t *o = value;

    (void)id;
    for (int i = 0; o->legacy && i < c->parts->cnt; i++)
        if (c->parts->elems[i].partition == o->partition && c->committed[i] >= 0 &&
            !strcmp(c->parts->elems[i].topic, c->cl->conf.input_topic))
            o->snap_offset = c->committed[i];
}

/* Replays the input of PARTS (committed offsets COMMITTED) the snapshots
 * do not hold yet; counts into RS. Returns 0 or -1 with ERR. */
static int replay(eddy_changelog_t *cl, const rd_kafka_topic_partition_list_t *parts,
                  const int64_t *committed, restore_t *rs, eddy_err_t *err)
{
    legacy_ctx_t lc = {cl, parts, committed};
    int rc;

    eddy_series_foreach(cl->owners, settle_legacy, &lc);
    free(rs->done);
    rs->done = NULL;
    if (rs->parts)
        rd_kafka_topic_partition_list_destroy(rs->parts);
    rs->parts = NULL;
    rs->replay = 1;
    if (replay_list(cl, parts, committed, rs, err))
        return -1;
    if (rs->parts->cnt > 0 && !cl->conf.replay)
        return eddy_err_set(
            err, EDDY_ERR_FATAL, 0,
            "changelog '%s' needs a replay of '%s' this stage cannot do",
            cl->conf.topic, cl->conf.input_topic);
    rs->progress.remaining = replay_remaining(rs);
    cl->replaying = 1;
    rc = read_partitions(cl, rs, cl->conf.input_topic, replay_message, err);
    cl->replaying = 0;
    return rc;
}

/* The committed offset of each element of PARTS (-1: none), or NULL. */
static int64_t *committed_of(const rd_kafka_topic_partition_list_t *parts,
                             const rd_kafka_topic_partition_list_t *committed)
{
    int64_t *offsets = calloc((size_t)parts->cnt, sizeof(*offsets));

    for (int i = 0; offsets && i < parts->cnt; i++) {
        rd_kafka_topic_partition_t *tp = rd_kafka_topic_partition_list_find(
            committed, parts->elems[i].topic, parts->elems[i].partition);
        offsets[i] = tp ? tp->offset : -1;
    }
    return offsets;
}

/* Reads the changelog, drops the snapshots ahead of the group, replays. */
static int restore_all(eddy_changelog_t *cl,
                       const rd_kafka_topic_partition_list_t *parts,
                       const int64_t *committed, restore_t *rs,
                       eddy_restore_counts_t *counts, eddy_err_t *err)
{
    for (int i = 0; i < parts->cnt; i++) {
        part_t *p = eddy_changelog_part(cl, parts->elems[i].partition);
        if (!p)
            return eddy_err_set(err, EDDY_ERR_FATAL, 0, "out of memory");
        p->replay_from = -1;
    }
    rs->parts = restore_list(cl, parts, rs);
    if (read_partitions(cl, rs, cl->conf.topic, restore_message, err))
        return -1;
    counts->records = (size_t)rs->progress.records;
    counts->bytes = rs->progress.bytes;
    counts->rebuilt = eddy_changelog_drop_where(cl, parts, committed);
    return replay(cl, parts, committed, rs, err);
}

static void restore_log(const eddy_changelog_t *cl, int partitions,
                        const eddy_restore_counts_t *counts, int64_t t0)
{
    eddy_log_info(
        "state restored from the changelog",
        "topic=%s partitions=%d records=%zu bytes=%" PRIu64
        " rebuilding=%zu replayed=%" PRIu64 " applied=%" PRIu64 " ms=%" PRId64,
        cl->conf.topic, partitions, counts->records, counts->bytes, counts->rebuilt,
        counts->replayed, counts->applied, (eddy_now_us() - t0) / 1000);
    if (counts->rebuilt)
        eddy_log_info(
            "snapshots ahead of the committed offsets (the group was reset or is "
            "new): those series are rebuilt from the input",
            "series=%zu", counts->rebuilt);
}

int eddy_changelog_restore(eddy_changelog_t *cl,
                           const rd_kafka_topic_partition_list_t *parts,
                           const rd_kafka_topic_partition_list_t *committed,
                           eddy_restore_counts_t *counts, eddy_err_t *err)
{
    restore_t rs = {0};
    int64_t *offsets, t0 = eddy_now_us();
    int rc;

    memset(counts, 0, sizeof(*counts));
    if (parts->cnt == 0)
        return 0;
    if (!(offsets = committed_of(parts, committed)))
        return eddy_err_set(err, EDDY_ERR_FATAL, 0, "out of memory");
    rs.progress.remaining = -1;
    rs.logged_us = t0;
    rc = restore_all(cl, parts, offsets, &rs, counts, err);
    rs.progress.remaining = 0;
    restore_report(cl, &rs, eddy_now_us(), 1);
    if (rs.parts)
        rd_kafka_topic_partition_list_destroy(rs.parts);
    free(rs.done);
    free(rs.stop);
    free(rs.next);
    free(offsets);
    if (rc)
        return -1;
    counts->replayed = rs.progress.replayed;
    counts->applied = rs.applied;
    restore_log(cl, parts->cnt, counts, t0);
    return 0;
}
