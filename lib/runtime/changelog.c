#include "runtime/changelog.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "runtime/kafka.h"
#include "runtime/produce.h"
#include "util/buf.h"
#include "util/bytes.h"
#include "util/log.h"
#include "util/series.h"
#include "util/snapshot.h"

#define EDDY_CHANGELOG_MAGIC     "ECHG"
#define EDDY_CHANGELOG_VERSION   1u
#define STATE_MAX_BYTES          16777216
#define EDDY_STATE_MAX_BYTES_STR "16777216"

/* Which input partition a series belongs to, and its changelog position. */
typedef struct owner_s {
    int32_t partition;
    int dirty;           /* changed in the open batch */
    int64_t snap_offset; /* input offset its last snapshot reflects */
} owner_t;

struct eddy_changelog_s {
    eddy_changelog_conf_t conf;
    eddy_series_t *owners; /* series -> owner_t */
    char **dirty;          /* series changed in the open batch */
    size_t n_dirty, cap_dirty;
    eddy_buf_t buf; /* one snapshot being framed */
};

eddy_changelog_t *eddy_changelog_new(const eddy_changelog_conf_t *conf, eddy_err_t *err)
{
    eddy_changelog_t *cl = calloc(1, sizeof(*cl));

    if (!cl || !(cl->owners = eddy_series_new(SIZE_MAX, free))) {
        free(cl);
        if (conf->restorer)
            rd_kafka_destroy(conf->restorer);
        eddy_err_set(err, EDDY_ERR_FATAL, 0, "out of memory");
        return NULL;
    }
    cl->conf = *conf;
    return cl;
}

void eddy_changelog_destroy(eddy_changelog_t *cl)
{
    if (!cl)
        return;
    eddy_changelog_clear_dirty(cl);
    free(cl->dirty);
    eddy_series_destroy(cl->owners);
    eddy_buf_free(&cl->buf);
    if (cl->conf.restorer) {
        rd_kafka_consumer_close(cl->conf.restorer);
        rd_kafka_destroy(cl->conf.restorer);
    }
    free(cl);
}

/* The stage callbacks, each under the stage's lock. */
static void stage_lock(eddy_changelog_t *cl)
{
    if (cl->conf.stage.lock)
        pthread_mutex_lock(cl->conf.stage.lock);
}

static void stage_unlock(eddy_changelog_t *cl)
{
    if (cl->conf.stage.lock)
        pthread_mutex_unlock(cl->conf.stage.lock);
}

static void stage_drop(eddy_changelog_t *cl, const char *id)
{
    stage_lock(cl);
    cl->conf.stage.drop(cl->conf.stage.ctx, id);
    stage_unlock(cl);
    eddy_series_remove(cl->owners, id);
}

int eddy_changelog_ensure_topic(eddy_changelog_t *cl, int partitions, eddy_err_t *err)
{
    rd_kafka_t *rk = cl->conf.producer;
    int n_state = eddy_kafka_partition_count(rk, cl->conf.topic);

    if (n_state >= partitions)
        return 0;
    if (n_state > 0)
        return eddy_err_set(
            err, EDDY_ERR_FATAL, 0,
            "state topic '%s' has %d partitions but input '%s' has %d: give the state "
            "topic as many partitions as the input",
            cl->conf.topic, n_state, cl->conf.input_topic, partitions);
    eddy_kafka_create_compacted(rk, cl->conf.topic, partitions,
                                EDDY_STATE_MAX_BYTES_STR, "state topic");
    return 0;
}

static owner_t *owner_get(eddy_changelog_t *cl, const char *series_id,
                          int32_t partition)
{
    owner_t *o = eddy_series_get(cl->owners, series_id);

    if (o) {
        o->partition = partition;
        return o;
    }
    if (!(o = calloc(1, sizeof(*o))))
        return NULL;
    o->partition = partition;
    o->snap_offset = -1;
    if (eddy_series_put(cl->owners, series_id, o)) {
        free(o);
        return NULL;
    }
    return o;
}

static int dirty_add(eddy_changelog_t *cl, const char *series_id)
{
    if (eddy_grow(&cl->dirty, cl->n_dirty, &cl->cap_dirty, sizeof(*cl->dirty), 256) ||
        !(cl->dirty[cl->n_dirty] = strdup(series_id)))
        return -1;
    cl->n_dirty++;
    return 0;
}

int eddy_changelog_touch(eddy_changelog_t *cl, const char *series_id, int32_t partition,
                         eddy_err_t *err)
{
    owner_t *o = owner_get(cl, series_id, partition);

    if (!o)
        return eddy_err_set(err, EDDY_ERR_FATAL, 0,
                            "out of memory tracking the state of series '%s'",
                            series_id);
    if (o->dirty)
        return 0;
    if (dirty_add(cl, series_id))
        return eddy_err_set(err, EDDY_ERR_FATAL, 0,
                            "out of memory tracking the state of series '%s'",
                            series_id);
    o->dirty = 1;
    return 0;
}

void eddy_changelog_clear_dirty(eddy_changelog_t *cl)
{
    for (size_t i = 0; i < cl->n_dirty; i++) {
        owner_t *o = eddy_series_get(cl->owners, cl->dirty[i]);
        if (o)
            o->dirty = 0;
        free(cl->dirty[i]);
    }
    cl->n_dirty = 0;
}

/* Frames the snapshot of ID (owned by O, reflecting input offset OFF) into
 * cl->buf. Returns the save callback's 0 (state) or 1 (none), or -1. */
static int snapshot(eddy_changelog_t *cl, const char *id, const owner_t *o, int64_t off,
                    eddy_err_t *err)
{
    size_t at;
    int rc;

    eddy_buf_reset(&cl->buf);
    at = eddy_snapshot_begin(&cl->buf, EDDY_CHANGELOG_MAGIC, EDDY_CHANGELOG_VERSION);
    eddy_buf_put_u32(&cl->buf, (uint32_t)o->partition);
    eddy_buf_put_u64(&cl->buf, (uint64_t)off);
    stage_lock(cl);
    rc = cl->conf.stage.save(cl->conf.stage.ctx, id, &cl->buf);
    stage_unlock(cl);
    if (rc < 0 || eddy_snapshot_end(&cl->buf, at)) {
        eddy_log_error("cannot snapshot series state", "series=\"%s\"", id);
        return eddy_err_set(err, EDDY_ERR_FATAL, 0,
                            "cannot snapshot the state of series '%s'", id);
    }
    if (cl->buf.len > STATE_MAX_BYTES) {
        eddy_log_error(
            "series state is larger than 16 MiB, the largest changelog record: "
            "choose smaller model parameters (e.g. fewer trees or nodes)",
            "series=\"%s\" bytes=%zu", id, cl->buf.len);
        return eddy_err_set(err, EDDY_ERR_FATAL, 0,
                            "the state of series '%s' is %zu bytes, over 16 MiB", id,
                            cl->buf.len);
    }
    return rc;
}

int eddy_changelog_flush(eddy_changelog_t *cl,
                         const rd_kafka_topic_partition_list_t *offsets, uint64_t *n,
                         eddy_err_t *err)
{
    for (size_t i = 0; i < cl->n_dirty; i++) {
        const char *id = cl->dirty[i];
        owner_t *o = eddy_series_get(cl->owners, id);
        rd_kafka_topic_partition_t *tp;
        int64_t off;
        int rc;

        if (!o)
            continue;
        tp = rd_kafka_topic_partition_list_find(offsets, cl->conf.input_topic,
                                                o->partition);
        off = tp ? tp->offset : -1;
        if ((rc = snapshot(cl, id, o, off, err)) < 0 ||
            eddy_produce(cl->conf.producer, cl->conf.topic, o->partition, id,
                         strlen(id), rc == 1 ? NULL : cl->buf.data,
                         rc == 1 ? 0 : cl->buf.len, NULL, err))
            return -1;
        o->snap_offset = off;
        (*n)++;
    }
    eddy_changelog_clear_dirty(cl);
    return 0;
}

typedef struct drop_ctx_s {
    const eddy_changelog_t *cl;
    const rd_kafka_topic_partition_list_t *parts;
    const int64_t *committed; /* per element of parts, or NULL: drop all of them */
    char **victims;
    size_t n;
} drop_ctx_t;

static void collect_victim(const char *id, void *value, void *arg)
{
    drop_ctx_t *d = arg;
    owner_t *o = value;

    for (int i = 0; i < d->parts->cnt; i++) {
        if (d->parts->elems[i].partition != o->partition ||
            strcmp(d->parts->elems[i].topic, d->cl->conf.input_topic))
            continue;
        /* A snapshot ahead of the committed offset saw records that will be
         * read again (a reset group): rebuild rather than learn them twice. */
        if (!d->committed || d->committed[i] < 0 || o->snap_offset > d->committed[i])
            d->victims[d->n++] = strdup(id);
    }
}

static size_t drop_where(eddy_changelog_t *cl,
                         const rd_kafka_topic_partition_list_t *parts,
                         const int64_t *committed)
{
    drop_ctx_t d = {cl, parts, committed, NULL, 0};
    size_t n;

    if (!(d.victims = calloc(eddy_series_count(cl->owners) + 1, sizeof(char *))))
        return 0;
    eddy_series_foreach(cl->owners, collect_victim, &d);
    for (size_t i = 0; i < d.n; i++) {
        if (!d.victims[i])
            continue;
        stage_drop(cl, d.victims[i]);
        free(d.victims[i]);
    }
    n = d.n;
    free(d.victims);
    return n;
}

void eddy_changelog_drop(eddy_changelog_t *cl,
                         const rd_kafka_topic_partition_list_t *parts)
{
    drop_where(cl, parts, NULL);
}

static int apply_record(eddy_changelog_t *cl, const rd_kafka_message_t *m,
                        int32_t partition, eddy_err_t *err)
{
    char id[512], errstr[512];
    eddy_reader_t r;
    uint64_t snap_offset;
    owner_t *o;
    int rc;

    if (!m->key || m->key_len == 0 || m->key_len >= sizeof(id))
        return 0;
    memcpy(id, m->key, m->key_len);
    id[m->key_len] = '\0';
    if (!m->payload) {
        stage_drop(cl, id);
        return 0;
    }
    if (m->len >= 4 && !memcmp(m->payload, "EDS1", 4))
        return eddy_err_set(
            err, EDDY_ERR_FATAL, 0,
            "changelog '%s' holds state of series '%s' in the framing of an earlier "
            "eddy build (EDS1, before snapshot frames), which this build does not "
            "read: "
            "rebuild "
            "the state from the input by resetting the group to the earliest offsets "
            "(kafka-consumer-groups --reset-offsets --to-earliest) and deleting '%s'",
            cl->conf.topic, id, cl->conf.topic);
    switch (eddy_snapshot_open(&r, m->payload, m->len, EDDY_CHANGELOG_MAGIC,
                               EDDY_CHANGELOG_VERSION, errstr, sizeof(errstr))) {
    case EDDY_SNAPSHOT_OK:
        break;
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
    eddy_read_u32(&r); /* the owning partition: the one being restored */
    snap_offset = eddy_read_u64(&r);
    if (r.err)
        return eddy_err_set(err, EDDY_ERR_FATAL, 0,
                            "changelog record of series '%s' is truncated", id);
    stage_lock(cl);
    rc = cl->conf.stage.load(cl->conf.stage.ctx, id, r.buf + r.pos, r.len - r.pos,
                             errstr, sizeof(errstr));
    stage_unlock(cl);
    if (rc) {
        eddy_log_error("cannot restore series state", "series=\"%s\" error=\"%s\"", id,
                       errstr);
        return eddy_err_set(err, EDDY_ERR_FATAL, 0,
                            "cannot restore the state of series '%s': %s", id, errstr);
    }
    if (!(o = owner_get(cl, id, partition)))
        return eddy_err_set(err, EDDY_ERR_FATAL, 0, "out of memory");
    o->snap_offset = (int64_t)snap_offset;
    return 0;
}

/* Handles one message of the restorer: 1 at the partition's end, 0 to go
 * on, -1 with ERR. */
static int restore_message(eddy_changelog_t *cl, const rd_kafka_message_t *m,
                           int32_t partition, size_t *n, eddy_err_t *err)
{
    if (m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF)
        return 1;
    if (m->err == RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART ||
        m->err == RD_KAFKA_RESP_ERR__UNKNOWN_PARTITION)
        return 1; /* no changelog yet: nothing to restore */
    if (m->err) {
        eddy_log_warn("changelog read error", "error=\"%s\"",
                      rd_kafka_message_errstr(m));
        return 0;
    }
    if (apply_record(cl, m, partition, err))
        return -1;
    (*n)++;
    return 0;
}

/* Reads changelog partition PARTITION from its start to its end. */
static int restore_partition(eddy_changelog_t *cl, int32_t partition, size_t *n,
                             eddy_err_t *err)
{
    rd_kafka_topic_partition_list_t *one = rd_kafka_topic_partition_list_new(1);
    int64_t deadline = eddy_now_us() + EDDY_CHANGELOG_RESTORE_US;
    int rc = 0;

    rd_kafka_topic_partition_list_add(one, cl->conf.topic, partition)->offset =
        RD_KAFKA_OFFSET_BEGINNING;
    if (rd_kafka_assign(cl->conf.restorer, one)) {
        rd_kafka_topic_partition_list_destroy(one);
        return eddy_err_set(err, EDDY_ERR_FATAL, 0,
                            "cannot read changelog '%s' partition %d", cl->conf.topic,
                            (int)partition);
    }
    while (rc == 0) {
        rd_kafka_message_t *m = rd_kafka_consumer_poll(cl->conf.restorer, 200);
        if (eddy_now_us() > deadline) {
            eddy_log_error("restoring state timed out", "topic=%s partition=%d",
                           cl->conf.topic, (int)partition);
            rc = eddy_err_set(err, EDDY_ERR_FATAL, 0,
                              "restoring changelog '%s' partition %d timed out",
                              cl->conf.topic, (int)partition);
        } else if (cl->conf.stopping && cl->conf.stopping()) {
            rc = eddy_err_set(err, EDDY_ERR_RETRIABLE, 0,
                              "stopped while restoring changelog '%s' partition %d",
                              cl->conf.topic, (int)partition);
        }
        if (!m)
            continue;
        if (rc == 0)
            rc = restore_message(cl, m, partition, n, err);
        rd_kafka_message_destroy(m);
    }
    rd_kafka_assign(cl->conf.restorer, NULL);
    rd_kafka_topic_partition_list_destroy(one);
    return rc < 0 ? -1 : 0;
}

int eddy_changelog_restore(eddy_changelog_t *cl,
                           const rd_kafka_topic_partition_list_t *parts,
                           const rd_kafka_topic_partition_list_t *committed,
                           eddy_restore_counts_t *counts, eddy_err_t *err)
{
    int64_t *offsets;
    size_t n = 0;

    counts->records = counts->rebuilt = 0;
    if (parts->cnt == 0)
        return 0;
    if (!(offsets = calloc((size_t)parts->cnt, sizeof(*offsets))))
        return eddy_err_set(err, EDDY_ERR_FATAL, 0, "out of memory");
    for (int i = 0; i < parts->cnt; i++) {
        rd_kafka_topic_partition_t *tp = rd_kafka_topic_partition_list_find(
            committed, parts->elems[i].topic, parts->elems[i].partition);
        offsets[i] = tp ? tp->offset : -1;
        if (restore_partition(cl, parts->elems[i].partition, &n, err)) {
            free(offsets);
            return -1;
        }
    }
    counts->records = n;
    counts->rebuilt = drop_where(cl, parts, offsets);
    free(offsets);
    eddy_log_info("state restored from the changelog",
                  "topic=%s partitions=%d records=%zu rebuilding=%zu", cl->conf.topic,
                  parts->cnt, n, counts->rebuilt);
    if (counts->rebuilt)
        eddy_log_info(
            "snapshots ahead of the committed offsets (the group was reset or is "
            "new): those series are rebuilt from the input",
            "series=%zu", counts->rebuilt);
    return 0;
}
