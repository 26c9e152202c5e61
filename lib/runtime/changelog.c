/* runtime/changelog.c: per-series ownership, checkpoints (which snapshots
 * a batch writes) and the state topic (see changelog.h). */
#include "runtime/changelog.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "runtime/changelog_internal.h"
#include "runtime/kafka.h"
#include "runtime/produce.h"
#include "util/buf.h"
#include "util/bytes.h"
#include "util/log.h"
#include "util/series.h"
#include "util/snapshot.h"

#define STATE_MAX_BYTES          16777216
#define EDDY_STATE_MAX_BYTES_STR "16777216"

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
    if (cl->conf.checkpoint_records < 1)
        cl->conf.checkpoint_records = 1;
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
    free(cl->pending);
    free(cl->parts);
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

void eddy_changelog_stage_drop(eddy_changelog_t *cl, const char *id)
{
    stage_lock(cl);
    cl->conf.stage.drop(cl->conf.stage.ctx, id);
    stage_unlock(cl);
    eddy_series_remove(cl->owners, id);
}

int eddy_changelog_stage_load(eddy_changelog_t *cl, const char *id, const void *buf,
                              size_t len, char *errstr, size_t errstr_size)
{
    int rc;

    stage_lock(cl);
    rc = cl->conf.stage.load(cl->conf.stage.ctx, id, buf, len, errstr, errstr_size);
    stage_unlock(cl);
    return rc;
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

part_t *eddy_changelog_part(eddy_changelog_t *cl, int32_t partition)
{
    size_t want = (size_t)partition + 1, n = cl->n_parts ? cl->n_parts : 8;
    part_t *grown;

    if (partition < 0)
        return NULL;
    if (want <= cl->n_parts)
        return &cl->parts[partition];
    while (n < want)
        n *= 2;
    if (!(grown = realloc(cl->parts, n * sizeof(*grown))))
        return NULL;
    for (size_t i = cl->n_parts; i < n; i++)
        grown[i] = (part_t){.pos = -1, .floor = INT64_MAX, .replay_from = -1};
    cl->parts = grown;
    cl->n_parts = n;
    return &cl->parts[partition];
}

owner_t *eddy_changelog_owner(eddy_changelog_t *cl, const char *series_id,
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

static int pending_add(eddy_changelog_t *cl, const char *series_id, owner_t *o)
{
    if (eddy_grow(&cl->pending, cl->n_pending, &cl->cap_pending, sizeof(*cl->pending),
                  256) ||
        !(cl->pending[cl->n_pending] = strdup(series_id)))
        return -1;
    cl->n_pending++;
    o->queued = 1;
    return 0;
}

/* A record whose key is not its series id: replay (which finds a record's
 * series by its key) must never see it, so the batch writes every pending
 * series of the partition and the next replay starts after it. */
static void unkeyed(eddy_changelog_t *cl, part_t *p, const char *series_id,
                    const eddy_changelog_input_t *in)
{
    p->flush_all = 1;
    if (cl->warned_key || cl->conf.checkpoint_records <= 1)
        return;
    cl->warned_key = 1;
    eddy_log_warn("input records not keyed by their series id: their batches write "
                  "every pending snapshot of the partition (as --checkpoint-records "
                  "1); key records by series id (eddy's stages do) to checkpoint less",
                  "topic=%s partition=%d offset=%" PRId64 " series=\"%s\"",
                  cl->conf.input_topic, (int)in->partition, in->offset, series_id);
}

/* Replay applied a record to a series whose snapshot already holds it (the
 * record's key named another series, or none). */
static int replay_mismatch(eddy_changelog_t *cl, const char *series_id,
                           const eddy_changelog_input_t *in, eddy_err_t *err)
{
    return eddy_err_set(
        err, EDDY_ERR_FATAL, 0,
        "replaying %s partition %d offset %" PRId64 " changed series '%s', whose "
        "snapshot already holds it (the record is not keyed by its series id): "
        "rebuild the state (reset the group to the earliest offsets and delete '%s'), "
        "and key the input by series id",
        cl->conf.input_topic, (int)in->partition, in->offset, series_id,
        cl->conf.topic);
}

int eddy_changelog_touch(eddy_changelog_t *cl, const char *series_id,
                         const eddy_changelog_input_t *in, eddy_err_t *err)
{
    owner_t *o = eddy_changelog_owner(cl, series_id, in->partition);
    part_t *p = eddy_changelog_part(cl, in->partition);

    if (!o || !p)
        return eddy_err_set(err, EDDY_ERR_FATAL, 0,
                            "out of memory tracking the state of series '%s'",
                            series_id);
    if (cl->replaying && (!o->snapshotted || in->offset < o->snap_offset))
        return replay_mismatch(cl, series_id, in, err);
    if (!in->key || in->key_len != strlen(series_id) ||
        memcmp(in->key, series_id, in->key_len))
        unkeyed(cl, p, series_id, in);
    if (o->pending++ == 0) {
        o->pending_from = in->offset;
        o->pending_us = eddy_now_us();
    }
    if (in->offset + 1 > p->pos)
        p->pos = in->offset + 1;
    if (!o->queued && pending_add(cl, series_id, o))
        return eddy_err_set(err, EDDY_ERR_FATAL, 0,
                            "out of memory tracking the state of series '%s'",
                            series_id);
    return 0;
}

void eddy_changelog_force(eddy_changelog_t *cl, const char *series_id)
{
    owner_t *o = eddy_series_get(cl->owners, series_id);

    if (o)
        o->forced = 1;
}

void eddy_changelog_clear_dirty(eddy_changelog_t *cl)
{
    for (size_t i = 0; i < cl->n_pending; i++) {
        owner_t *o = eddy_series_get(cl->owners, cl->pending[i]);
        if (o)
            o->pending = o->queued = o->forced = 0;
        free(cl->pending[i]);
    }
    cl->n_pending = 0;
    for (size_t i = 0; i < cl->n_parts; i++)
        cl->parts[i].flush_all = 0;
}

/* Frames the snapshot of ID (owned by O) into cl->buf: it reflects every
 * input record before OFF; a replay of the partition starts at REPLAY_FROM.
 * Returns the save callback's 0 (state) or 1 (none), or -1. */
static int snapshot(eddy_changelog_t *cl, const char *id, const owner_t *o, int64_t off,
                    int64_t replay_from, eddy_err_t *err)
{
    size_t at, topic_len = strlen(cl->conf.input_topic);
    int rc;

    eddy_buf_reset(&cl->buf);
    at = eddy_snapshot_begin(&cl->buf, EDDY_CHANGELOG_MAGIC, EDDY_CHANGELOG_VERSION);
    eddy_buf_put_u32(&cl->buf, (uint32_t)o->partition);
    eddy_buf_put_u64(&cl->buf, (uint64_t)off);
    eddy_buf_put_u64(&cl->buf, (uint64_t)replay_from);
    eddy_buf_put_u32(&cl->buf, (uint32_t)topic_len);
    eddy_buf_append(&cl->buf, cl->conf.input_topic, topic_len);
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

/* 1 when O's snapshot is due at NOW_US: it has none, or one of version 1
 * (whose partition then gets its first replay offset), it was forced, its
 * partition's batch held a record keyed otherwise, or --checkpoint-records
 * records or --checkpoint-interval passed since its last one. */
static int due(const eddy_changelog_t *cl, const owner_t *o, int64_t now_us)
{
    return !o->snapshotted || o->legacy || o->forced ||
           cl->parts[o->partition].flush_all ||
           o->pending >= cl->conf.checkpoint_records ||
           now_us - o->pending_us >= cl->conf.checkpoint_interval_us;
}

/* Writes the snapshot of pending series ID (owner O): the state reflects
 * every record of its partition before the partition's position. */
static int write_one(eddy_changelog_t *cl, const char *id, owner_t *o, eddy_err_t *err)
{
    const part_t *p = &cl->parts[o->partition];
    int64_t from = p->floor == INT64_MAX ? p->pos : p->floor;
    int rc;

    if ((rc = snapshot(cl, id, o, p->pos, from, err)) < 0 ||
        eddy_produce(cl->conf.producer, cl->conf.topic, o->partition, id, strlen(id),
                     rc == 1 ? NULL : cl->buf.data, rc == 1 ? 0 : cl->buf.len, NULL,
                     err))
        return -1;
    if (rc == 1) { /* a tombstone: the series is forgotten */
        eddy_series_remove(cl->owners, id);
        return 0;
    }
    o->snapshotted = 1;
    o->legacy = 0;
    o->snap_offset = p->pos;
    o->pending = o->queued = o->forced = 0;
    return 0;
}

/* The positions the batch commits, and each partition's floor: the first
 * record of the series that stay pending. */
static void flush_prepare(eddy_changelog_t *cl,
                          const rd_kafka_topic_partition_list_t *offsets, int64_t now)
{
    for (int i = 0; offsets && i < offsets->cnt; i++) {
        const rd_kafka_topic_partition_t *tp = &offsets->elems[i];
        part_t *p = strcmp(tp->topic, cl->conf.input_topic)
                        ? NULL
                        : eddy_changelog_part(cl, tp->partition);
        if (p && tp->offset > p->pos)
            p->pos = tp->offset;
    }
    for (size_t i = 0; i < cl->n_parts; i++)
        cl->parts[i].floor = INT64_MAX;
    for (size_t i = 0; i < cl->n_pending; i++) {
        const owner_t *o = eddy_series_get(cl->owners, cl->pending[i]);
        part_t *p;
        if (!o || !o->pending || due(cl, o, now))
            continue;
        p = &cl->parts[o->partition];
        if (o->pending_from < p->floor)
            p->floor = o->pending_from;
    }
}

int eddy_changelog_flush(eddy_changelog_t *cl,
                         const rd_kafka_topic_partition_list_t *offsets, uint64_t *n,
                         eddy_err_t *err)
{
    int64_t now = eddy_now_us();
    size_t keep = 0, i;
    int rc = 0;

    flush_prepare(cl, offsets, now);
    for (i = 0; i < cl->n_pending; i++) {
        char *id = cl->pending[i];
        owner_t *o = eddy_series_get(cl->owners, id);

        if (rc == 0 && o && o->pending && due(cl, o, now)) {
            if ((rc = write_one(cl, id, o, err)) == 0) {
                (*n)++;
                free(id);
                continue;
            }
        } else if (rc == 0 && (!o || !o->pending)) {
            free(id);
            continue;
        }
        cl->pending[keep++] = id; /* still pending, or not written (failure) */
    }
    cl->n_pending = keep;
    for (i = 0; i < cl->n_parts; i++)
        cl->parts[i].flush_all = 0;
    return rc;
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

size_t eddy_changelog_drop_where(eddy_changelog_t *cl,
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
        eddy_changelog_stage_drop(cl, d.victims[i]);
        free(d.victims[i]);
    }
    n = d.n;
    free(d.victims);
    return n;
}

void eddy_changelog_drop(eddy_changelog_t *cl,
                         const rd_kafka_topic_partition_list_t *parts)
{
    eddy_changelog_drop_where(cl, parts, NULL);
}
