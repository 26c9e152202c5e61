/* runtime/stats.h: the loop's counters, and the snapshot HTTP reads.
 *
 * The loop thread writes its working copy (eddy_stats_counters) without a
 * lock and publishes it with eddy_stats_publish; any thread reads the last
 * published copy with eddy_stats_read. Both hold the stats mutex for one
 * memcpy only, so a probe never waits for the loop's work.
 */
#ifndef EDDY_RT_STATS_H
#define EDDY_RT_STATS_H

#include <stdint.h>

#include "util/buf.h"
#include "util/prom.h"

#define EDDY_STATS_REASONS 32

/* Seconds without a sign of progress after which /healthz fails. */
#define EDDY_STATS_STALL_US (30 * 1000000LL)

typedef struct eddy_reason_count_s {
    char reason[48];
    uint64_t count;
} eddy_reason_count_t;

/* What the loop thread is doing. */
typedef enum eddy_phase_e {
    EDDY_PHASE_STARTING = 0, /* connecting, initialising transactions */
    EDDY_PHASE_POLLING,      /* the consume -> process -> produce loop */
    EDDY_PHASE_RESTORING,    /* reading the changelog of new partitions */
    EDDY_PHASE_COMMITTING,   /* committing or aborting a batch */
    EDDY_PHASE_STOPPING
} eddy_phase_t;

typedef struct eddy_counters_s {
    uint64_t records_in, records_out, commits, aborts, delivery_failed;
    uint64_t restored, rebuilt, snapshots;
    uint64_t restore_records, restore_bytes; /* changelog read by restores */
    int64_t restore_remaining; /* offsets left in the running restore (0: none) */
    uint64_t replayed;         /* input records read again by restores */
    double process_seconds;
    int64_t last_progress_us; /* wall clock of the loop's last sign of life */
    int64_t busy_until_us;    /* inside a bounded call until then (0: none) */
    eddy_phase_t phase;
    int ready; /* has its partitions and their state */
    int exactly_once;
    eddy_reason_count_t dead[EDDY_STATS_REASONS];
    int n_dead;
    eddy_reason_count_t skipped[EDDY_STATS_REASONS];
    int n_skipped;
    uint64_t dead_cut; /* dead letters whose value was cut to fit the topic */
    eddy_reason_count_t dead_lost[EDDY_STATS_REASONS]; /* not written, skipped */
    int n_dead_lost;
    int brokers_down; /* librdkafka reported all brokers down, none back yet */
    eddy_prom_latency_t in_stage; /* each record: consumed -> its batch committed */
    eddy_prom_latency_t commit;   /* each batch's commit */
} eddy_counters_t;

typedef struct eddy_stats_s eddy_stats_t;

/* Returns NULL when out of memory. */
eddy_stats_t *eddy_stats_new(void);

/* Frees STATS; NULL is a no-op. */
void eddy_stats_destroy(eddy_stats_t *stats);

/* The working copy: the loop thread's only, written without a lock. */
eddy_counters_t *eddy_stats_counters(eddy_stats_t *stats);

/* Copies the working copy to the published one (any time; cheap). */
void eddy_stats_publish(eddy_stats_t *stats);

/* Copies the last published counters into OUT (from any thread). */
void eddy_stats_read(eddy_stats_t *stats, eddy_counters_t *out);

/* Marks the loop as entering PHASE at NOW_US, bounded by BOUND_US
 * microseconds (0: unbounded, e.g. polling), and publishes. */
void eddy_stats_phase(eddy_stats_t *stats, eddy_phase_t phase, int64_t now_us,
                      int64_t bound_us);

/* Adds one to REASON's count in TABLE of *N rows; once all but the last of
 * the EDDY_STATS_REASONS rows are taken, new reasons count under "other". */
void eddy_stats_count_reason(eddy_reason_count_t *table, int *n, const char *reason);

/* REASON's count in TABLE of N rows (0 when absent). */
uint64_t eddy_stats_reason_count(const eddy_reason_count_t *table, int n,
                                 const char *reason);

/* 1 when C says the stage is ready: partitions assigned, their state
 * restored, and a broker reachable. */
int eddy_stats_ready(const eddy_counters_t *c);

/* 1 when C says the loop is alive at NOW_US: it showed progress within
 * EDDY_STATS_STALL_US, or it is inside a call bounded past NOW_US. */
int eddy_stats_alive(const eddy_counters_t *c, int64_t now_us);

/* "polling", "restoring", ... */
const char *eddy_stats_phase_name(eddy_phase_t phase);

/* Appends the eddy_stage_* Prometheus families of C for STAGE to OUT. */
void eddy_stats_render(const eddy_counters_t *c, const char *stage, eddy_buf_t *out);

#endif
