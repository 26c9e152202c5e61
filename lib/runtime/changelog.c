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

void eddy_changelog_set_producer(eddy_changelog_t *cl, rd_kafka_t *producer)
{
    cl->conf.producer = producer;
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

/* The state topic's settings, one row each: compacted, with an active
 * segment that rolls every minute or 8 MiB so the log cleaner can compact
 * it (the active segment never is), cleaned once half the log is dirty, so a
 * restore reads about twice the live state at most; tombstones kept an hour
 * (a restore reading longer could miss one). CHECK: the start-up check warns
 * when an existing topic's value is larger (numbers) or different. */
static const struct {
    const char *name, *value;
    int check;
} state_config[] = {
    {"cleanup.policy", "compact", 1},
    {"segment.ms", "60000", 1},
    {"segment.bytes", "8388608", 1},
    {"min.cleanable.dirty.ratio", "0.5", 1},
    {"delete.retention.ms", "3600000", 0},
    {"max.message.bytes", EDDY_STATE_MAX_BYTES_STR, 0},
};
#define N_STATE_CONFIG (sizeof(state_config) / sizeof(state_config[0]))

/* "name=value,..." of every row of state_config, for the fix in a warning. */
static void state_config_list(char *out, size_t size)
{
    size_t at = 0;

    out[0] = '\0';
    for (size_t i = 0; i < N_STATE_CONFIG && at < size; i++)
        at += (size_t)snprintf(out + at, size - at, "%s%s=%s", i ? "," : "",
                               state_config[i].name, state_config[i].value);
}

/* 1 when the topic's VALUE of setting I keeps the changelog from being
 * compacted near the live state. */
static int config_off(size_t i, const char *value)
{
    if (!state_config[i].check || !value)
        return 0;
    if (!strcmp(state_config[i].name, "cleanup.policy"))
        return !strstr(value, "compact");
    return strtod(value, NULL) > strtod(state_config[i].value, NULL);
}

/* Warns once, naming the fix, about every setting of the existing state
 * topic (the DescribeConfigs result EV) that keeps it from compacting. */
static void check_config_result(eddy_changelog_t *cl, rd_kafka_event_t *ev,
                                const char *bootstrap)
{
    const rd_kafka_ConfigResource_t **res;
    const rd_kafka_ConfigEntry_t **entries;
    size_t n_res, n;
    char off[512] = "", fix[512];
    size_t at = 0;

    if (!ev || rd_kafka_event_error(ev))
        return; /* no admin API (the embedded broker): nothing to check */
    res = rd_kafka_DescribeConfigs_result_resources(
        rd_kafka_event_DescribeConfigs_result(ev), &n_res);
    if (n_res != 1 || rd_kafka_ConfigResource_error(res[0]))
        return;
    entries = rd_kafka_ConfigResource_configs(res[0], &n);
    for (size_t e = 0; e < n; e++)
        for (size_t i = 0; i < N_STATE_CONFIG; i++)
            if (!strcmp(rd_kafka_ConfigEntry_name(entries[e]), state_config[i].name) &&
                config_off(i, rd_kafka_ConfigEntry_value(entries[e])) &&
                at < sizeof(off))
                at += (size_t)snprintf(off + at, sizeof(off) - at, "%s%s=%s",
                                       at ? "," : "", state_config[i].name,
                                       rd_kafka_ConfigEntry_value(entries[e]));
    if (!off[0])
        return;
    state_config_list(fix, sizeof(fix));
    eddy_log_warn(
        "state topic settings let the changelog grow without bound (a restore "
        "re-reads every snapshot written): fix with kafka-configs.sh "
        "--bootstrap-server BOOTSTRAP --alter --entity-type topics "
        "--entity-name TOPIC --add-config FIX",
        "topic=%s settings=\"%s\" bootstrap=%s fix=\"%s\"", cl->conf.topic, off,
        bootstrap, fix);
}

/* Checks the existing state topic's settings (a warning, never an error). */
static void check_config(eddy_changelog_t *cl)
{
    rd_kafka_t *rk = cl->conf.producer;
    rd_kafka_ConfigResource_t *cr =
        rd_kafka_ConfigResource_new(RD_KAFKA_RESOURCE_TOPIC, cl->conf.topic);
    rd_kafka_AdminOptions_t *ao =
        rd_kafka_AdminOptions_new(rk, RD_KAFKA_ADMIN_OP_DESCRIBECONFIGS);
    rd_kafka_queue_t *q = rd_kafka_queue_new(rk);
    char errstr[256], bootstrap[512] = "";
    size_t size = sizeof(bootstrap);
    rd_kafka_event_t *ev;

    rd_kafka_AdminOptions_set_request_timeout(ao, EDDY_CHANGELOG_CALL_MS, errstr,
                                              sizeof(errstr));
    rd_kafka_DescribeConfigs(rk, &cr, 1, ao, q);
    ev = rd_kafka_queue_poll(q, EDDY_CHANGELOG_CALL_MS + 500);
    rd_kafka_conf_get(rd_kafka_conf(rk), "bootstrap.servers", bootstrap, &size);
    check_config_result(cl, ev, bootstrap);
    if (ev)
        rd_kafka_event_destroy(ev);
    rd_kafka_queue_destroy(q);
    rd_kafka_AdminOptions_destroy(ao);
    rd_kafka_ConfigResource_destroy(cr);
}

int eddy_changelog_ensure_topic(eddy_changelog_t *cl, int partitions, eddy_err_t *err)
{
    rd_kafka_t *rk = cl->conf.producer;
    int n_state = eddy_kafka_partition_count(rk, cl->conf.topic);

    if (n_state >= partitions) {
        check_config(cl);
        return 0;
    }
    if (n_state > 0)
        return eddy_err_set(
            err, EDDY_ERR_FATAL, 0,
            "state topic '%s' has %d partitions but input '%s' has %d: give the state "
            "topic as many partitions as the input",
            cl->conf.topic, n_state, cl->conf.input_topic, partitions);
    {
        const char *config[2 * N_STATE_CONFIG + 1];

        for (size_t i = 0; i < N_STATE_CONFIG; i++) {
            config[2 * i] = state_config[i].name;
            config[2 * i + 1] = state_config[i].value;
        }
        config[2 * N_STATE_CONFIG] = NULL;
        eddy_kafka_create_compacted(rk, cl->conf.topic, partitions, config,
                                    "state topic");
    }
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

/* One restore's reading state. */
typedef struct restore_s {
    rd_kafka_topic_partition_list_t *parts; /* changelog partitions to read */
    int *done;                              /* per element of parts: end reached */
    int left;                               /* partitions not at their end */
    int64_t end_total;   /* sum of the end offsets read at the start */
    int64_t last_us;     /* last record or end seen (the watchdog's clock) */
    int64_t reported_us; /* last progress callback */
    int64_t logged_us;   /* last progress log line */
    eddy_restore_progress_t progress;
} restore_t;

/* Marks changelog partition PARTITION as read to its end. */
static void restore_mark_done(restore_t *rs, int32_t partition)
{
    for (int i = 0; i < rs->parts->cnt; i++)
        if (rs->parts->elems[i].partition == partition && !rs->done[i]) {
            rs->done[i] = 1;
            rs->left--;
        }
}

/* Handles one message of the restorer. Returns 0 or -1 with ERR. */
static int restore_message(eddy_changelog_t *cl, restore_t *rs,
                           const rd_kafka_message_t *m, eddy_err_t *err)
{
    if (m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF ||
        m->err == RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART ||
        m->err == RD_KAFKA_RESP_ERR__UNKNOWN_PARTITION) {
        restore_mark_done(rs, m->partition); /* at its end, or no changelog yet */
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

/* Reports progress to the callback (at most every 100 ms) and the log
 * (every 5 s). */
static void restore_report(eddy_changelog_t *cl, restore_t *rs, int64_t now, int force)
{
    if (cl->conf.progress && (force || now - rs->reported_us >= 100000)) {
        cl->conf.progress(cl->conf.progress_arg, &rs->progress);
        rs->reported_us = now;
    }
    if (now - rs->logged_us >= EDDY_CHANGELOG_LOG_US) {
        eddy_log_info("restoring state from the changelog",
                      "topic=%s records=%" PRIu64 " bytes=%" PRIu64
                      " partitions_left=%d end_offsets=%" PRId64,
                      cl->conf.topic, rs->progress.records, rs->progress.bytes,
                      rs->left, rs->end_total);
        rs->logged_us = now;
    }
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

/* Reads the changelog partitions of PARTS from their start to their end, all
 * at once. No deadline: it goes on while records or ends arrive, and fails
 * when none came for EDDY_CHANGELOG_STALL_US. */
static int restore_partitions(eddy_changelog_t *cl,
                              const rd_kafka_topic_partition_list_t *parts,
                              restore_t *rs, eddy_err_t *err)
{
    int rc = 0;

    rs->parts = restore_list(cl, parts, rs);
    rs->left = rs->parts->cnt;
    if (rs->left == 0)
        return 0;
    if (!(rs->done = calloc((size_t)rs->left, sizeof(*rs->done))) ||
        rd_kafka_assign(cl->conf.restorer, rs->parts))
        return eddy_err_set(err, EDDY_ERR_FATAL, 0, "cannot read changelog '%s'",
                            cl->conf.topic);
    rs->last_us = rs->logged_us = eddy_now_us();
    while (rc == 0 && rs->left > 0) {
        rd_kafka_message_t *m = rd_kafka_consumer_poll(cl->conf.restorer, 100);
        int64_t now = eddy_now_us();

        if (m) {
            rs->last_us = now;
            rc = restore_message(cl, rs, m, err);
            rd_kafka_message_destroy(m);
        } else if (now - rs->last_us > EDDY_CHANGELOG_STALL_US) {
            eddy_log_error("restoring state made no progress",
                           "topic=%s seconds=%d records=%" PRIu64 " partitions_left=%d",
                           cl->conf.topic, (int)(EDDY_CHANGELOG_STALL_US / 1000000),
                           rs->progress.records, rs->left);
            rc = eddy_err_set(err, EDDY_ERR_FATAL, 0,
                              "restoring changelog '%s' made no progress for %d s "
                              "(%d partitions not at their end): is the broker up?",
                              cl->conf.topic, (int)(EDDY_CHANGELOG_STALL_US / 1000000),
                              rs->left);
        }
        if (rc == 0 && cl->conf.stopping && cl->conf.stopping())
            rc = eddy_err_set(err, EDDY_ERR_RETRIABLE, 0,
                              "stopped while restoring changelog '%s'", cl->conf.topic);
        restore_report(cl, rs, now, 0);
    }
    rd_kafka_assign(cl->conf.restorer, NULL);
    return rc;
}

int eddy_changelog_restore(eddy_changelog_t *cl,
                           const rd_kafka_topic_partition_list_t *parts,
                           const rd_kafka_topic_partition_list_t *committed,
                           eddy_restore_counts_t *counts, eddy_err_t *err)
{
    restore_t rs = {0};
    int64_t *offsets, t0 = eddy_now_us();
    int rc;

    counts->records = counts->rebuilt = 0;
    counts->bytes = 0;
    if (parts->cnt == 0)
        return 0;
    if (!(offsets = calloc((size_t)parts->cnt, sizeof(*offsets))))
        return eddy_err_set(err, EDDY_ERR_FATAL, 0, "out of memory");
    for (int i = 0; i < parts->cnt; i++) {
        rd_kafka_topic_partition_t *tp = rd_kafka_topic_partition_list_find(
            committed, parts->elems[i].topic, parts->elems[i].partition);
        offsets[i] = tp ? tp->offset : -1;
    }
    rs.progress.remaining = -1;
    rs.logged_us = t0;
    rc = restore_partitions(cl, parts, &rs, err);
    rs.progress.remaining = 0;
    restore_report(cl, &rs, eddy_now_us(), 1);
    if (rs.parts)
        rd_kafka_topic_partition_list_destroy(rs.parts);
    free(rs.done);
    if (rc) {
        free(offsets);
        return -1;
    }
    counts->records = (size_t)rs.progress.records;
    counts->bytes = rs.progress.bytes;
    counts->rebuilt = drop_where(cl, parts, offsets);
    free(offsets);
    eddy_log_info("state restored from the changelog",
                  "topic=%s partitions=%d records=%zu bytes=%" PRIu64
                  " rebuilding=%zu ms=%" PRId64,
                  cl->conf.topic, parts->cnt, counts->records, counts->bytes,
                  counts->rebuilt, (eddy_now_us() - t0) / 1000);
    if (counts->rebuilt)
        eddy_log_info(
            "snapshots ahead of the committed offsets (the group was reset or is "
            "new): those series are rebuilt from the input",
            "series=%zu", counts->rebuilt);
    return 0;
}
