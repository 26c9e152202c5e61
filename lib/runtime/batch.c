#include "runtime/batch.h"

#include <stdlib.h>

struct eddy_batch_s {
    int max_records;
    int64_t max_ms;
    int64_t linger_us;
    int64_t start_us;
    int records;
    rd_kafka_topic_partition_list_t *pending; /* offsets to commit */
    int64_t *consumed;                        /* consume times since the reset */
    int n_consumed, cap_consumed;
};

eddy_batch_t *eddy_batch_new(int max_records, int64_t max_ms, int64_t linger_us)
{
    eddy_batch_t *batch = calloc(1, sizeof(*batch));

    if (!batch)
        return NULL;
    batch->max_records = max_records;
    batch->max_ms = max_ms;
    batch->linger_us = linger_us;
    batch->pending = rd_kafka_topic_partition_list_new(16);
    return batch;
}

void eddy_batch_destroy(eddy_batch_t *batch)
{
    if (!batch)
        return;
    rd_kafka_topic_partition_list_destroy(batch->pending);
    free(batch->consumed);
    free(batch);
}

void eddy_batch_open(eddy_batch_t *batch, int64_t now_us)
{
    batch->start_us = now_us;
    batch->records = 0;
}

int64_t eddy_batch_left_ms(const eddy_batch_t *batch, int64_t now_us)
{
    int64_t left = batch->max_ms - (now_us - batch->start_us) / 1000;

    if (batch->records >= batch->max_records || left < 0)
        return 0;
    return left;
}

int64_t eddy_batch_wait_us(const eddy_batch_t *batch, int64_t now_us)
{
    int64_t left = batch->max_ms * 1000 - (now_us - batch->start_us);

    if (batch->records >= batch->max_records || left <= 0)
        return -1;
    if (batch->records > 0 && batch->linger_us < left)
        return batch->linger_us;
    return left;
}

int eddy_batch_records(const eddy_batch_t *batch)
{
    return batch->records;
}

static int stamp(eddy_batch_t *batch, int64_t consumed_us)
{
    if (batch->n_consumed == batch->cap_consumed) {
        int cap = batch->cap_consumed ? 2 * batch->cap_consumed : 64;
        int64_t *grown = realloc(batch->consumed, (size_t)cap * sizeof(*grown));

        if (!grown)
            return -1;
        batch->consumed = grown;
        batch->cap_consumed = cap;
    }
    batch->consumed[batch->n_consumed++] = consumed_us;
    return 0;
}

int eddy_batch_track(eddy_batch_t *batch, const char *topic, int32_t partition,
                     int64_t offset, int64_t consumed_us)
{
    rd_kafka_topic_partition_t *tp =
        rd_kafka_topic_partition_list_find(batch->pending, topic, partition);

    if (!tp &&
        !(tp = rd_kafka_topic_partition_list_add(batch->pending, topic, partition)))
        return -1;
    if (stamp(batch, consumed_us))
        return -1;
    tp->offset = offset + 1;
    batch->records++;
    return 0;
}

const int64_t *eddy_batch_consumed(const eddy_batch_t *batch, int *n)
{
    *n = batch->n_consumed;
    return batch->consumed;
}

int64_t eddy_batch_offset(const eddy_batch_t *batch, const char *topic,
                          int32_t partition)
{
    rd_kafka_topic_partition_t *tp =
        rd_kafka_topic_partition_list_find(batch->pending, topic, partition);

    return tp ? tp->offset : -1;
}

const rd_kafka_topic_partition_list_t *eddy_batch_offsets(const eddy_batch_t *batch)
{
    return batch->pending;
}

int eddy_batch_empty(const eddy_batch_t *batch)
{
    return batch->pending->cnt == 0;
}

void eddy_batch_reset(eddy_batch_t *batch)
{
    rd_kafka_topic_partition_list_destroy(batch->pending);
    batch->pending = rd_kafka_topic_partition_list_new(16);
    batch->n_consumed = 0;
}
