#include "runtime/stats.h"

#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

static void render_reasons(eddy_buf_t *b, const char *family, const char *stage,
                           const eddy_reason_count_t *table, int n)
{
    for (int i = 0; i < n; i++)
        eddy_buf_printf(b, "%s{stage=\"%s\",reason=\"%s\"} %" PRIu64 "\n", family,
                        stage, table[i].reason, table[i].count);
}

void eddy_stats_render(const eddy_counters_t *c, const char *s, eddy_buf_t *b)
{
    eddy_buf_printf(
        b,
        "# HELP eddy_stage_records_in_total Records consumed and processed.\n"
        "# TYPE eddy_stage_records_in_total counter\n"
        "eddy_stage_records_in_total{stage=\"%s\"} %" PRIu64 "\n"
        "# HELP eddy_stage_records_out_total Records produced.\n"
        "# TYPE eddy_stage_records_out_total counter\n"
        "eddy_stage_records_out_total{stage=\"%s\"} %" PRIu64 "\n"
        "# HELP eddy_stage_batches_total Batches committed.\n"
        "# TYPE eddy_stage_batches_total counter\n"
        "eddy_stage_batches_total{stage=\"%s\"} %" PRIu64 "\n"
        "# HELP eddy_stage_process_seconds_total Time spent in the stage's core.\n"
        "# TYPE eddy_stage_process_seconds_total counter\n"
        "eddy_stage_process_seconds_total{stage=\"%s\"} %.9f\n"
        "# HELP eddy_stage_ready 1 once the stage has its partitions.\n"
        "# TYPE eddy_stage_ready gauge\n"
        "eddy_stage_ready{stage=\"%s\"} %d\n"
        "# HELP eddy_stage_last_poll_timestamp_seconds Last poll of the loop "
        "(liveness).\n"
        "# TYPE eddy_stage_last_poll_timestamp_seconds gauge\n"
        "eddy_stage_last_poll_timestamp_seconds{stage=\"%s\"} %.3f\n",
        s, c->records_in, s, c->records_out, s, c->commits, s, c->process_seconds, s,
        c->ready, s, c->last_progress_us / 1e6);
    eddy_buf_printf(
        b,
        "# HELP eddy_stage_transactions_aborted_total Batches whose transaction "
        "was aborted and replayed.\n"
        "# TYPE eddy_stage_transactions_aborted_total counter\n"
        "eddy_stage_transactions_aborted_total{stage=\"%s\"} %" PRIu64 "\n"
        "# HELP eddy_stage_state_snapshots_total Series snapshots written to the "
        "changelog.\n"
        "# TYPE eddy_stage_state_snapshots_total counter\n"
        "eddy_stage_state_snapshots_total{stage=\"%s\"} %" PRIu64 "\n"
        "# HELP eddy_stage_state_restored_total Series restored from the changelog.\n"
        "# TYPE eddy_stage_state_restored_total counter\n"
        "eddy_stage_state_restored_total{stage=\"%s\"} %" PRIu64 "\n"
        "# HELP eddy_stage_state_rebuilt_total Series whose snapshot was ahead of "
        "the committed offset, rebuilt from the input.\n"
        "# TYPE eddy_stage_state_rebuilt_total counter\n"
        "eddy_stage_state_rebuilt_total{stage=\"%s\"} %" PRIu64 "\n"
        "# HELP eddy_stage_exactly_once 1 when batches are Kafka transactions.\n"
        "# TYPE eddy_stage_exactly_once gauge\n"
        "eddy_stage_exactly_once{stage=\"%s\"} %d\n",
        s, c->aborts, s, c->snapshots, s, c->restored, s, c->rebuilt, s,
        c->exactly_once);
    eddy_buf_printf(
        b, "# HELP eddy_stage_deadletter_total Records sent to the dead-letter "
           "topic, by reason.\n# TYPE eddy_stage_deadletter_total counter\n");
    render_reasons(b, "eddy_stage_deadletter_total", s, c->dead, c->n_dead);
    eddy_buf_printf(b, "# HELP eddy_stage_skipped_total Records skipped on purpose "
                       "(duplicates after a restart).\n# TYPE eddy_stage_skipped_total "
                       "counter\n");
    render_reasons(b, "eddy_stage_skipped_total", s, c->skipped, c->n_skipped);
}
