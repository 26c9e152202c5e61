/* runtime/state.c: per-series state in a compacted changelog topic.
 *
 * Record: key = series_id, value = "EDS1" | partition (u32 LE) | input
 * offset the state reflects (u64 LE) | the stage's bytes. A NULL value
 * (tombstone) forgets a series. Snapshots are produced to the same
 * partition number as the input partition that owns the series, inside the
 * batch's transaction, so state and input offsets always agree.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util/bytes.h"
#include "runtime/kafka.h"
#include "util/log.h"
#include "runtime/loop_internal.h"

#define STATE_MAGIC              "EDS1"
#define STATE_HEADER             16
#define EDDY_STATE_MAX_BYTES_STR "16777216"

/* Partition count of TOPIC, -1 if it does not exist, -2 on error. */
static int partition_count(rd_kafka_t *rk, const char *topic)
{
    const struct rd_kafka_metadata *md = NULL;
    int n = -1;

    if (rd_kafka_metadata(rk, 1, NULL, &md, 10000))
        return -2;
    for (int i = 0; i < md->topic_cnt; i++)
        if (!strcmp(md->topics[i].topic, topic) && !md->topics[i].err)
            n = md->topics[i].partition_cnt;
    rd_kafka_metadata_destroy(md);
    return n;
}

/* Creates the compacted changelog with as many partitions as the input.
 * Brokers without the admin API (the embedded one) time out: their topics
 * are auto-created on first use, which is all a development broker needs. */
static int ensure_state_topic(loop_t *loop, char *errstr, size_t errstr_size)
{
    int n_in, n_state;
    rd_kafka_NewTopic_t *nt;
    rd_kafka_queue_t *q;
    rd_kafka_event_t *ev;
    rd_kafka_AdminOptions_t *ao;
    char err[256];

    /* A stage may start before its input exists (the previous stage creates
     * it with its first output): wait for it, since the changelog needs its
     * partition count. */
    for (int64_t i = 0;
         (n_in = partition_count(loop->producer, loop->stage->input_topic)) < 0; i++) {
        if (eddy_loop_stopping()) {
            snprintf(errstr, errstr_size, "stopped while waiting for input topic '%s'",
                     loop->stage->input_topic);
            return -1;
        }
        if (i % 50 == 0)
            eddy_log_info("waiting for the input topic to exist", "topic=%s",
                          loop->stage->input_topic);
        usleep(200 * 1000);
    }
    n_state = partition_count(loop->producer, loop->state_topic);
    if (n_state >= n_in)
        return 0;
    if (n_state > 0) {
        snprintf(
            errstr, errstr_size,
            "state topic '%s' has %d partitions but input '%s' has %d: give the state "
            "topic as many partitions as the input",
            loop->state_topic, n_state, loop->stage->input_topic, n_in);
        return -1;
    }
    nt = rd_kafka_NewTopic_new(loop->state_topic, n_in, -1, err, sizeof(err));
    rd_kafka_NewTopic_set_config(nt, "cleanup.policy", "compact");
    rd_kafka_NewTopic_set_config(nt, "max.message.bytes", EDDY_STATE_MAX_BYTES_STR);
    q = rd_kafka_queue_new(loop->producer);
    ao = rd_kafka_AdminOptions_new(loop->producer, RD_KAFKA_ADMIN_OP_CREATETOPICS);
    rd_kafka_AdminOptions_set_request_timeout(ao, 3000, err, sizeof(err));
    rd_kafka_CreateTopics(loop->producer, &nt, 1, ao, q);
    ev = rd_kafka_queue_poll(q, 5000);
    if (!ev || rd_kafka_event_error(ev)) {
        eddy_log_info(
            "could not create the state topic (no admin API on this broker?): "
            "relying on auto-creation",
            "topic=%s error=\"%s\"", loop->state_topic,
            ev ? rd_kafka_event_error_string(ev) : "timed out");
    } else {
        const rd_kafka_CreateTopics_result_t *res =
            rd_kafka_event_CreateTopics_result(ev);
        size_t cnt;
        const rd_kafka_topic_result_t **tr =
            rd_kafka_CreateTopics_result_topics(res, &cnt);
        if (cnt == 1 && rd_kafka_topic_result_error(tr[0]) &&
            rd_kafka_topic_result_error(tr[0]) !=
                RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS)
            eddy_log_warn("state topic creation failed", "topic=%s error=\"%s\"",
                          loop->state_topic, rd_kafka_topic_result_error_string(tr[0]));
        else
            eddy_log_info("state topic created",
                          "topic=%s partitions=%d cleanup.policy=compact",
                          loop->state_topic, n_in);
    }
    if (ev)
        rd_kafka_event_destroy(ev);
    rd_kafka_AdminOptions_destroy(ao);
    rd_kafka_queue_destroy(q);
    rd_kafka_NewTopic_destroy(nt);
    return 0;
}

int loop_state_init(loop_t *loop, char *errstr, size_t errstr_size)
{
    rd_kafka_conf_t *conf;
    char id[320];

    if (!(loop->owners = eddy_series_new(SIZE_MAX, free))) {
        snprintf(errstr, errstr_size, "out of memory");
        return -1;
    }
    if (ensure_state_topic(loop, errstr, errstr_size))
        return -1;
    snprintf(id, sizeof(id), "%s-restore", loop->stage->group);
    if (!(conf = eddy_kafka_conf_new(loop->opts, id, errstr, errstr_size)))
        return -1;
    if (rd_kafka_conf_set(conf, "group.id", id, errstr, errstr_size) ||
        rd_kafka_conf_set(conf, "enable.auto.commit", "false", errstr, errstr_size) ||
        rd_kafka_conf_set(conf, "enable.partition.eof", "true", errstr, errstr_size) ||
        rd_kafka_conf_set(conf, "isolation.level", "read_committed", errstr,
                          errstr_size) ||
        !(loop->restorer =
              rd_kafka_new(RD_KAFKA_CONSUMER, conf, errstr, errstr_size))) {
        rd_kafka_conf_destroy(conf);
        return -1;
    }
    return 0;
}

void loop_state_destroy(loop_t *loop)
{
    loop_state_clear_dirty(loop);
    free(loop->dirty);
    eddy_series_destroy(loop->owners);
    eddy_buf_free(&loop->state_buf);
    if (loop->restorer) {
        rd_kafka_consumer_close(loop->restorer);
        rd_kafka_destroy(loop->restorer);
    }
}

static owner_t *owner_get(loop_t *loop, const char *series_id, int32_t partition)
{
    owner_t *o = eddy_series_get(loop->owners, series_id);

    if (o) {
        o->partition = partition;
        return o;
    }
    if (!(o = calloc(1, sizeof(*o))))
        return NULL;
    o->partition = partition;
    o->snap_offset = -1;
    if (eddy_series_put(loop->owners, series_id, o)) {
        free(o);
        return NULL;
    }
    return o;
}

void loop_state_touch(loop_t *loop, const char *series_id)
{
    owner_t *o;

    if (!loop->eos || !loop->stateful)
        return;
    if (!(o = owner_get(loop, series_id, loop->cur_partition))) {
        loop->fatal = 1;
        return;
    }
    if (o->dirty)
        return;
    if (loop->n_dirty == loop->cap_dirty) {
        size_t cap = loop->cap_dirty ? loop->cap_dirty * 2 : 256;
        char **d = realloc(loop->dirty, cap * sizeof(*d));
        if (!d) {
            loop->fatal = 1;
            return;
        }
        loop->dirty = d;
        loop->cap_dirty = cap;
    }
    if (!(loop->dirty[loop->n_dirty] = strdup(series_id))) {
        loop->fatal = 1;
        return;
    }
    loop->n_dirty++;
    o->dirty = 1;
}

void loop_state_clear_dirty(loop_t *loop)
{
    for (size_t i = 0; i < loop->n_dirty; i++) {
        owner_t *o = eddy_series_get(loop->owners, loop->dirty[i]);
        if (o)
            o->dirty = 0;
        free(loop->dirty[i]);
    }
    loop->n_dirty = 0;
}

/* Offset the batch will commit for PARTITION of the input topic. */
static int64_t pending_offset(loop_t *loop, int32_t partition)
{
    rd_kafka_topic_partition_t *tp = rd_kafka_topic_partition_list_find(
        loop->pending, loop->stage->input_topic, partition);
    return tp ? tp->offset : -1;
}

int loop_state_flush(loop_t *loop)
{
    uint8_t hdr[STATE_HEADER];

    for (size_t i = 0; i < loop->n_dirty; i++) {
        const char *id = loop->dirty[i];
        owner_t *o = eddy_series_get(loop->owners, id);
        int64_t off;
        int rc;

        if (!o)
            continue;
        off = pending_offset(loop, o->partition);
        eddy_buf_reset(&loop->state_buf);
        memcpy(hdr, STATE_MAGIC, 4);
        eddy_put_le(hdr + 4, (uint32_t)o->partition, 4);
        eddy_put_le(hdr + 8, (uint64_t)off, 8);
        eddy_buf_append(&loop->state_buf, (const char *)hdr, sizeof(hdr));
        rc = loop->stage->state_save(loop->stage->ctx, id, &loop->state_buf);
        if (rc < 0 || loop->state_buf.failed) {
            eddy_log_error("cannot snapshot series state", "series=\"%s\"", id);
            return -1;
        }
        if (loop->state_buf.len > 16777216) {
            eddy_log_error(
                "series state is larger than 16 MiB, the largest changelog record: "
                "choose smaller model parameters (e.g. fewer trees or nodes)",
                "series=\"%s\" bytes=%zu", id, loop->state_buf.len);
            return -1;
        }
        if (loop_produce(loop, loop->state_topic, o->partition, id, strlen(id),
                         rc == 1 ? NULL : loop->state_buf.data,
                         rc == 1 ? 0 : loop->state_buf.len))
            return -1;
        o->snap_offset = off;
        loop->snapshots++;
    }
    loop_state_clear_dirty(loop);
    return 0;
}

typedef struct drop_ctx_s {
    loop_t *loop;
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
            strcmp(d->parts->elems[i].topic, d->loop->stage->input_topic))
            continue;
        /* A snapshot ahead of the committed offset saw records that will be
         * read again (a reset group): rebuild rather than learn them twice. */
        if (!d->committed || d->committed[i] < 0 || o->snap_offset > d->committed[i])
            d->victims[d->n++] = strdup(id);
    }
}

static size_t drop_where(loop_t *loop, const rd_kafka_topic_partition_list_t *parts,
                         const int64_t *committed)
{
    drop_ctx_t d = {loop, parts, committed, NULL, 0};
    size_t n;

    if (!(d.victims = calloc(eddy_series_count(loop->owners) + 1, sizeof(char *))))
        return 0;
    eddy_series_foreach(loop->owners, collect_victim, &d);
    for (size_t i = 0; i < d.n; i++) {
        if (!d.victims[i])
            continue;
        loop->stage->state_drop(loop->stage->ctx, d.victims[i]);
        eddy_series_remove(loop->owners, d.victims[i]);
        free(d.victims[i]);
    }
    n = d.n;
    free(d.victims);
    return n;
}

void loop_state_drop(loop_t *loop, const rd_kafka_topic_partition_list_t *parts)
{
    if (loop->eos && loop->stateful)
        drop_where(loop, parts, NULL);
}

static int apply_record(loop_t *loop, const rd_kafka_message_t *m, int32_t partition)
{
    char id[512], errstr[512];
    const uint8_t *v = m->payload;
    owner_t *o;

    if (!m->key || m->key_len == 0 || m->key_len >= sizeof(id))
        return 0;
    memcpy(id, m->key, m->key_len);
    id[m->key_len] = '\0';
    if (!v) {
        loop->stage->state_drop(loop->stage->ctx, id);
        eddy_series_remove(loop->owners, id);
        return 0;
    }
    if (m->len < STATE_HEADER || memcmp(v, STATE_MAGIC, 4)) {
        eddy_log_warn("ignoring a changelog record that is not eddy state",
                      "topic=%s key=\"%s\"", loop->state_topic, id);
        return 0;
    }
    if (loop->stage->state_load(loop->stage->ctx, id, v + STATE_HEADER,
                                m->len - STATE_HEADER, errstr, sizeof(errstr))) {
        eddy_log_error("cannot restore series state", "series=\"%s\" error=\"%s\"", id,
                       errstr);
        return -1;
    }
    if (!(o = owner_get(loop, id, partition)))
        return -1;
    o->snap_offset = (int64_t)eddy_get_le(v + 8, 8);
    return 0;
}

/* Reads changelog partition PARTITION from its start to its end. */
static int restore_partition(loop_t *loop, int32_t partition, size_t *n)
{
    rd_kafka_topic_partition_list_t *one = rd_kafka_topic_partition_list_new(1);
    int rc = 0, done = 0;
    int64_t deadline = eddy_now_us() + 120 * 1000000LL;

    rd_kafka_topic_partition_list_add(one, loop->state_topic, partition)->offset =
        RD_KAFKA_OFFSET_BEGINNING;
    if (rd_kafka_assign(loop->restorer, one)) {
        rd_kafka_topic_partition_list_destroy(one);
        return -1;
    }
    while (!done && rc == 0) {
        rd_kafka_message_t *m = rd_kafka_consumer_poll(loop->restorer, 200);
        if (eddy_now_us() > deadline) {
            eddy_log_error("restoring state timed out", "topic=%s partition=%d",
                           loop->state_topic, (int)partition);
            rc = -1;
        }
        if (!m)
            continue;
        if (m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF)
            done = 1;
        else if (m->err == RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART ||
                 m->err == RD_KAFKA_RESP_ERR__UNKNOWN_PARTITION)
            done = 1; /* no changelog yet: nothing to restore */
        else if (m->err)
            eddy_log_warn("changelog read error", "error=\"%s\"",
                          rd_kafka_message_errstr(m));
        else if ((rc = apply_record(loop, m, partition)) == 0)
            (*n)++;
        rd_kafka_message_destroy(m);
    }
    rd_kafka_assign(loop->restorer, NULL);
    rd_kafka_topic_partition_list_destroy(one);
    return rc;
}

int loop_state_restore(loop_t *loop, const rd_kafka_topic_partition_list_t *parts)
{
    rd_kafka_topic_partition_list_t *committed;
    int64_t *offsets;
    size_t n = 0, dropped;
    int rc = 0;

    if (!loop->eos || !loop->stateful || parts->cnt == 0)
        return 0;
    committed = rd_kafka_topic_partition_list_copy(parts);
    offsets = calloc((size_t)parts->cnt, sizeof(*offsets));
    if (!offsets || rd_kafka_committed(loop->consumer, committed, 30000)) {
        eddy_log_error("cannot read the group's committed offsets", NULL);
        rc = -1;
        goto out;
    }
    for (int i = 0; i < parts->cnt && rc == 0; i++) {
        rd_kafka_topic_partition_t *tp = rd_kafka_topic_partition_list_find(
            committed, parts->elems[i].topic, parts->elems[i].partition);
        offsets[i] = tp ? tp->offset : -1;
        rc = restore_partition(loop, parts->elems[i].partition, &n);
    }
    if (rc)
        goto out;
    dropped = drop_where(loop, parts, offsets);
    loop->restored += n - (dropped < n ? dropped : n);
    loop->rebuilt += dropped;
    eddy_log_info("state restored from the changelog",
                  "topic=%s partitions=%d records=%zu rebuilding=%zu",
                  loop->state_topic, parts->cnt, n, dropped);
    if (dropped)
        eddy_log_info(
            "snapshots ahead of the committed offsets (the group was reset or is "
            "new): those series are rebuilt from the input",
            "series=%zu", dropped);
out:
    free(offsets);
    rd_kafka_topic_partition_list_destroy(committed);
    return rc;
}
