#include "runtime/stats.h"

#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/prom.h"

struct eddy_stats_s {
    pthread_mutex_t mu; /* guards pub only */
    eddy_counters_t cur;
    eddy_counters_t pub;
};

eddy_stats_t *eddy_stats_new(void)
{
    eddy_stats_t *stats = calloc(1, sizeof(*stats));

    if (!stats)
        return NULL;
    pthread_mutex_init(&stats->mu, NULL);
    return stats;
}

void eddy_stats_destroy(eddy_stats_t *stats)
{
    if (!stats)
        return;
    pthread_mutex_destroy(&stats->mu);
    free(stats);
}

eddy_counters_t *eddy_stats_counters(eddy_stats_t *stats)
{
    return &stats->cur;
}

void eddy_stats_publish(eddy_stats_t *stats)
{
    pthread_mutex_lock(&stats->mu);
    memcpy(&stats->pub, &stats->cur, sizeof(stats->pub));
    pthread_mutex_unlock(&stats->mu);
}

void eddy_stats_read(eddy_stats_t *stats, eddy_counters_t *out)
{
    pthread_mutex_lock(&stats->mu);
    memcpy(out, &stats->pub, sizeof(*out));
    pthread_mutex_unlock(&stats->mu);
}

void eddy_stats_phase(eddy_stats_t *stats, eddy_phase_t phase, int64_t now_us,
                      int64_t bound_us)
{
    stats->cur.phase = phase;
    stats->cur.last_progress_us = now_us;
    stats->cur.busy_until_us = bound_us > 0 ? now_us + bound_us : 0;
    eddy_stats_publish(stats);
}

void eddy_stats_count_reason(eddy_reason_count_t *table, int *n, const char *reason)
{
    for (int i = 0; i < *n; i++)
        if (!strcmp(table[i].reason, reason)) {
            table[i].count++;
            return;
        }
    /* The last row is kept for "other". */
    if (*n >= EDDY_STATS_REASONS - 1 && strcmp(reason, "other")) {
        eddy_stats_count_reason(table, n, "other");
        return;
    }
    snprintf(table[*n].reason, sizeof(table[*n].reason), "%s", reason);
    table[(*n)++].count = 1;
}

uint64_t eddy_stats_reason_count(const eddy_reason_count_t *table, int n,
                                 const char *reason)
{
    for (int i = 0; i < n; i++)
        if (!strcmp(table[i].reason, reason))
            return table[i].count;
    return 0;
}

int eddy_stats_ready(const eddy_counters_t *c)
{
    return c->ready && !c->brokers_down;
}

int eddy_stats_alive(const eddy_counters_t *c, int64_t now_us)
{
    return now_us - c->last_progress_us < EDDY_STATS_STALL_US ||
           c->busy_until_us > now_us;
}

const char *eddy_stats_phase_name(eddy_phase_t phase)
{
    static const char *const names[] = {
        [EDDY_PHASE_STARTING] = "starting",   [EDDY_PHASE_POLLING] = "polling",
        [EDDY_PHASE_RESTORING] = "restoring", [EDDY_PHASE_COMMITTING] = "committing",
        [EDDY_PHASE_STOPPING] = "stopping",
    };
    return (unsigned)phase < sizeof(names) / sizeof(names[0]) ? names[phase]
                                                              : "unknown";
}

/* One row of the loop's own metrics: every family has the "stage" label. */
typedef struct stat_row_s {
    const char *name;
    eddy_prom_type_t type;
    const char *help;
    double value;
} stat_row_t;

static void render_reasons(eddy_prom_buf_t *p, const char *family, const char *help,
                           const char *stage, const eddy_reason_count_t *table, int n)
{
    eddy_prom_family(p, family, EDDY_PROM_COUNTER, help);
    for (int i = 0; i < n; i++) {
        eddy_prom_label_t labels[] = {{"stage", stage}, {"reason", table[i].reason}};
        eddy_prom_sample(p, labels, 2, (double)table[i].count);
    }
}

void eddy_stats_render(const eddy_counters_t *c, const char *s, eddy_buf_t *b)
{
    const stat_row_t rows[] = {
        {"eddy_stage_records_in_total", EDDY_PROM_COUNTER,
         "Records consumed and processed.", (double)c->records_in},
        {"eddy_stage_records_out_total", EDDY_PROM_COUNTER, "Records produced.",
         (double)c->records_out},
        {"eddy_stage_batches_total", EDDY_PROM_COUNTER, "Batches committed.",
         (double)c->commits},
        {"eddy_stage_process_seconds_total", EDDY_PROM_COUNTER,
         "Time spent in the stage's core.", c->process_seconds},
        {"eddy_stage_ready", EDDY_PROM_GAUGE,
         "1 once the stage has its partitions and their state, and reaches a broker.",
         eddy_stats_ready(c)},
        {"eddy_stage_brokers_down", EDDY_PROM_GAUGE,
         "1 while librdkafka reports every broker down.", c->brokers_down},
        {"eddy_stage_deadletter_truncated_total", EDDY_PROM_COUNTER,
         "Dead letters whose value was cut to the topic's max.message.bytes.",
         (double)c->dead_cut},
        {"eddy_stage_last_poll_timestamp_seconds", EDDY_PROM_GAUGE,
         "Last poll of the loop (liveness).", (double)c->last_progress_us / 1e6},
        {"eddy_stage_transactions_aborted_total", EDDY_PROM_COUNTER,
         "Batches whose transaction was aborted and replayed.", (double)c->aborts},
        {"eddy_stage_state_snapshots_total", EDDY_PROM_COUNTER,
         "Series snapshots written to the changelog.", (double)c->snapshots},
        {"eddy_stage_state_restored_total", EDDY_PROM_COUNTER,
         "Series restored from the changelog.", (double)c->restored},
        {"eddy_stage_state_rebuilt_total", EDDY_PROM_COUNTER,
         "Series whose snapshot was ahead of the committed offset, rebuilt from the "
         "input.",
         (double)c->rebuilt},
        {"eddy_stage_state_restore_records_total", EDDY_PROM_COUNTER,
         "Changelog records read while restoring state (progress of a running "
         "restore included).",
         (double)c->restore_records},
        {"eddy_stage_state_restore_bytes_total", EDDY_PROM_COUNTER,
         "Changelog bytes (keys and values) read while restoring state.",
         (double)c->restore_bytes},
        {"eddy_stage_state_restore_remaining_offsets", EDDY_PROM_GAUGE,
         "Changelog offsets left to read in the running restore (0: none runs; -1: "
         "end unknown).",
         (double)c->restore_remaining},
        {"eddy_stage_state_replayed_records_total", EDDY_PROM_COUNTER,
         "Input records read again by restores, outputs suppressed, to bring the "
         "snapshots up to the committed offsets (not in records_in).",
         (double)c->replayed},
        {"eddy_stage_exactly_once", EDDY_PROM_GAUGE,
         "1 when batches are Kafka transactions.", c->exactly_once},
    };
    eddy_prom_label_t stage = {"stage", s};
    eddy_prom_buf_t *p = eddy_prom_buf_over(b);

    if (!p) {
        b->failed = 1;
        return;
    }
    for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
        eddy_prom_family(p, rows[i].name, rows[i].type, rows[i].help);
        eddy_prom_sample(p, &stage, 1, rows[i].value);
    }
    render_reasons(p, "eddy_stage_deadletter_total",
                   "Records sent to the dead-letter topic, by reason.", s, c->dead,
                   c->n_dead);
    render_reasons(p, "eddy_stage_skipped_total",
                   "Records skipped on purpose (duplicates after a restart).", s,
                   c->skipped, c->n_skipped);
    render_reasons(
        p, "eddy_stage_deadletter_lost_total",
        "Bad records whose dead letter could not be written (skipped, logged "
        "at error level), by reason.",
        s, c->dead_lost, c->n_dead_lost);
    eddy_prom_family(p, "eddy_stage_time_in_stage_seconds", EDDY_PROM_HISTOGRAM,
                     "Time from a record's consumption to the commit of its batch.");
    eddy_prom_latency_write(p, &stage, 1, &c->in_stage);
    eddy_prom_family(p, "eddy_stage_commit_seconds", EDDY_PROM_HISTOGRAM,
                     "Time to commit a batch (transaction commit, or flush and "
                     "offset commit).");
    eddy_prom_latency_write(p, &stage, 1, &c->commit);
    eddy_prom_buf_destroy(p);
}
