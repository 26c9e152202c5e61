/* runtime/batch.h: the bounds of the open batch and the input offsets it
 * will commit. Owned and used by the loop thread only. */
#ifndef EDDY_RT_BATCH_H
#define EDDY_RT_BATCH_H

#include <librdkafka/rdkafka.h>
#include <stdint.h>

typedef struct eddy_batch_s eddy_batch_t;

/* A batch closes on the first of: MAX_RECORDS records, MAX_MS milliseconds
 * since it opened, or (decided by the loop with eddy_batch_wait_us) no
 * record ready within LINGER_US microseconds of the last one: at low load a
 * batch commits right after its input is drained, at high load it grows up
 * to its bounds. Returns NULL when out of memory. */
eddy_batch_t *eddy_batch_new(int max_records, int64_t max_ms, int64_t linger_us);

/* Frees BATCH; NULL is a no-op. */
void eddy_batch_destroy(eddy_batch_t *batch);

/* Opens the window at NOW_US (microseconds) with no records counted. The
 * pending offsets are kept until eddy_batch_reset. */
void eddy_batch_open(eddy_batch_t *batch, int64_t now_us);

/* Milliseconds the batch may still wait for input at NOW_US: 0 when it is
 * full or its time is up. */
int64_t eddy_batch_left_ms(const eddy_batch_t *batch, int64_t now_us);

/* Microseconds the loop may wait at NOW_US for the batch's next record:
 * for an empty batch, its whole time (the caller caps it); for a batch with
 * records, at most the linger, and never past its time; -1 when it must
 * close (full or its time is up). A wait of the linger that brings no
 * record closes the batch. */
int64_t eddy_batch_wait_us(const eddy_batch_t *batch, int64_t now_us);

/* Records counted since eddy_batch_open. */
int eddy_batch_records(const eddy_batch_t *batch);

/* Counts a record of TOPIC/PARTITION at OFFSET, consumed at CONSUMED_US
 * (microseconds, the clock of eddy_now_us): the batch will commit OFFSET + 1
 * for that partition. Returns 0, or -1 when out of memory. */
int eddy_batch_track(eddy_batch_t *batch, const char *topic, int32_t partition,
                     int64_t offset, int64_t consumed_us);

/* When each record tracked since the last reset was consumed (borrowed,
 * valid until the next track or reset); *N gets their number. */
const int64_t *eddy_batch_consumed(const eddy_batch_t *batch, int *n);

/* The offset the batch will commit for TOPIC/PARTITION, or -1. */
int64_t eddy_batch_offset(const eddy_batch_t *batch, const char *topic,
                          int32_t partition);

/* The offsets to commit (borrowed; valid until the next reset). */
const rd_kafka_topic_partition_list_t *eddy_batch_offsets(const eddy_batch_t *batch);

/* 1 when no offset is pending. */
int eddy_batch_empty(const eddy_batch_t *batch);

/* Forgets the pending offsets (after a commit or an abort). */
void eddy_batch_reset(eddy_batch_t *batch);

#endif
