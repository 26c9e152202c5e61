/* runtime/loop_internal.h: the loop's state, shared by rt_loop.c (the loop),
 * rt_state.c (the changelog) and rt_loop_http.c (metrics and probes). */
#ifndef EDDY_RT_LOOP_INTERNAL_H
#define EDDY_RT_LOOP_INTERNAL_H

#include <librdkafka/rdkafka.h>
#include <pthread.h>
#include <stdint.h>

#include "util/buf.h"
#include "util/series.h"
#include "runtime/loop.h"

#define REASONS_MAX 32

typedef struct reason_count_s {
    char reason[48];
    uint64_t count;
} reason_count_t;

/* Which input partition a series belongs to, and its changelog position. */
typedef struct owner_s {
    int32_t partition;
    int dirty;           /* changed in the open batch */
    int64_t snap_offset; /* input offset its last snapshot reflects */
} owner_t;

typedef struct loop_s {
    const eddy_stage_t *stage;
    const eddy_loop_conf_t *conf;
    const eddy_opts_t *opts; /* -X properties of the clients */
    rd_kafka_t *consumer;
    rd_kafka_t *producer;
    rd_kafka_t *restorer;                     /* reads the changelog (no group) */
    rd_kafka_topic_partition_list_t *pending; /* offsets to commit after the batch */
    pthread_mutex_t lock;                     /* loop state vs the HTTP thread */
    const char *dlq_topic;
    size_t max_value_bytes;
    int eos;      /* exactly-once: transactions + changelog */
    int stateful; /* the stage has state callbacks */
    int txn_open;
    int ready;
    int fatal;
    int32_t cur_partition; /* partition of the record being processed */
    char state_topic[300];
    eddy_series_t *owners; /* series -> owner_t */
    char **dirty;          /* series changed in the open batch */
    size_t n_dirty, cap_dirty;
    eddy_buf_t state_buf;
    uint64_t records_in, records_out, batches, commits, aborts, delivery_failed;
    uint64_t restored, rebuilt, snapshots;
    double process_seconds;
    int64_t last_poll_us;
    reason_count_t dead[REASONS_MAX];
    int n_dead;
    reason_count_t skipped[REASONS_MAX];
    int n_skipped;
} loop_t;

/* rt_state.c */
int loop_state_init(loop_t *loop, char *errstr, size_t errstr_size);
void loop_state_destroy(loop_t *loop);
void loop_state_touch(loop_t *loop, const char *series_id);
int loop_state_flush(loop_t *loop);
int loop_state_restore(loop_t *loop, const rd_kafka_topic_partition_list_t *parts);
void loop_state_drop(loop_t *loop, const rd_kafka_topic_partition_list_t *parts);
void loop_state_clear_dirty(loop_t *loop);

/* rt_loop_http.c */
int loop_http_handler(void *ctx, const char *path, eddy_buf_t *body,
                      const char **ctype);

/* rt_loop.c */
int loop_produce(loop_t *loop, const char *topic, int32_t partition, const void *key,
                 size_t key_len, const void *value, size_t value_len);

#endif
