/* runtime/probe.h: /metrics, /healthz and /readyz of a looping stage,
 * served on the HTTP thread.
 *
 * The probes never wait for the loop: counters come from the published
 * eddy_stats_t snapshot, and the stage's own metrics and routes run under
 * the stage lock, which the loop holds only around CPU-only work (one
 * record's process(), one series' state callback).
 *
 *   /healthz  200 while the loop thread shows progress (a poll within 30 s)
 *             or is inside a bounded network call (restore, commit) it
 *             announced; 503 "poll loop stalled" otherwise.
 *   /readyz   200 once the stage has its partitions and their state; 503
 *             while restoring and after its partitions were lost.
 */
#ifndef EDDY_RT_PROBE_H
#define EDDY_RT_PROBE_H

#include <librdkafka/rdkafka.h>
#include <pthread.h>
#include <stdatomic.h>

#include "runtime/loop.h"
#include "runtime/lso.h"
#include "runtime/stats.h"

typedef struct eddy_probe_s {
    const eddy_stage_t *stage;
    eddy_stats_t *stats;
    pthread_mutex_t *stage_lock;    /* guards the stage's state */
    _Atomic(rd_kafka_t *) consumer; /* for the lag gauge; NULL until created */
    eddy_lso_t *lso;                /* the input's last stable offsets */
} eddy_probe_t;

/* The eddy_http_handler_t of a stage; CTX is an eddy_probe_t. */
int eddy_probe_handler(void *ctx, const char *path, eddy_buf_t *body,
                       const char **ctype);

#endif
