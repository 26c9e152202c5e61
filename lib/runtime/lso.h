/* runtime/lso.h: each assigned input partition's last stable offset (LSO)
 * and high watermark, as librdkafka's statistics report them (librdkafka
 * 2.0.2 exposes the LSO a read_committed consumer fetches up to nowhere
 * else: rd_kafka_get_watermark_offsets gives the high watermark).
 *
 * A read_committed reader gets a partition's records only up to its LSO:
 * the first offset of the oldest transaction still open on it. Normally the
 * LSO follows the high watermark within a commit. A transaction the broker
 * left hanging (a commit whose marker never reached this partition) pins
 * the LSO while the high watermark grows: the stage stops on that partition
 * and nothing fails. The gauges rendered here, per stage, topic and
 * partition, make that visible:
 *
 *   eddy_stage_input_last_stable_offset  the LSO (offset)
 *   eddy_stage_input_unstable_records    high watermark - LSO (records)
 *
 * (the alert EddyInputTransactionHanging: an LSO that has not moved for 10
 * minutes with records past it). Values come every statistics.interval.ms
 * (5 s by default in eddy; -X statistics.interval.ms=0 turns them off and
 * the gauges disappear).
 *
 * Thread use: eddy_lso_update on the thread serving librdkafka's callbacks
 * (the loop), eddy_lso_render on the HTTP thread; a mutex guards the table.
 */
#ifndef EDDY_RT_LSO_H
#define EDDY_RT_LSO_H

#include <stddef.h>

#include "util/buf.h"

typedef struct eddy_lso_s eddy_lso_t;

/* A new, empty table; NULL when out of memory. Free with eddy_lso_destroy. */
eddy_lso_t *eddy_lso_new(void);

/* Frees LSO (NULL is a no-op). */
void eddy_lso_destroy(eddy_lso_t *lso);

/* Replaces the table with the partitions of JSON (LEN bytes, librdkafka's
 * statistics: topics.<name>.partitions.<id> with "desired", "hi_offset" and
 * "ls_offset"; see librdkafka's STATISTICS.md). Kept: partitions with an id
 * >= 0 that the consumer wants (desired: assigned) and both offsets >= 0
 * (fetched at least once). Returns 0, or -1 when JSON does not parse or has
 * no "topics" object (the table is then left as it was). */
int eddy_lso_update(eddy_lso_t *lso, const char *json, size_t len);

/* Appends both gauge families (labels stage=STAGE, topic, partition) to B,
 * in Prometheus text format; nothing when the table is empty. */
void eddy_lso_render(eddy_lso_t *lso, const char *stage, eddy_buf_t *b);

#endif
