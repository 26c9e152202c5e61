/* runtime/loop_http.c: the loop's own metrics and the /metrics, /healthz and
 * /readyz probes (served on the HTTP thread, under the loop's lock). */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "runtime/kafka.h"
#include "runtime/loop_internal.h"

static void render_loop_metrics(loop_t *loop, eddy_buf_t *b)
{
    const char *s = loop->stage->name;
    rd_kafka_topic_partition_list_t *assigned = NULL;

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
        s, loop->records_in, s, loop->records_out, s, loop->commits, s,
        loop->process_seconds, s, loop->ready, s, loop->last_poll_us / 1e6);
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
        s, loop->aborts, s, loop->snapshots, s, loop->restored, s, loop->rebuilt, s,
        loop->eos);
    eddy_buf_printf(
        b, "# HELP eddy_stage_deadletter_total Records sent to the dead-letter "
           "topic, by reason.\n# TYPE eddy_stage_deadletter_total counter\n");
    for (int i = 0; i < loop->n_dead; i++)
        eddy_buf_printf(
            b, "eddy_stage_deadletter_total{stage=\"%s\",reason=\"%s\"} %" PRIu64 "\n",
            s, loop->dead[i].reason, loop->dead[i].count);
    eddy_buf_printf(b, "# HELP eddy_stage_skipped_total Records skipped on purpose "
                       "(duplicates after a restart).\n# TYPE eddy_stage_skipped_total "
                       "counter\n");
    for (int i = 0; i < loop->n_skipped; i++)
        eddy_buf_printf(
            b, "eddy_stage_skipped_total{stage=\"%s\",reason=\"%s\"} %" PRIu64 "\n", s,
            loop->skipped[i].reason, loop->skipped[i].count);
    eddy_buf_printf(
        b, "# HELP eddy_stage_consumer_lag Records behind the partition's end.\n"
           "# TYPE eddy_stage_consumer_lag gauge\n");
    if (loop->consumer && !rd_kafka_assignment(loop->consumer, &assigned)) {
        rd_kafka_position(loop->consumer, assigned);
        for (int i = 0; i < assigned->cnt; i++) {
            rd_kafka_topic_partition_t *tp = &assigned->elems[i];
            int64_t lo = -1, hi = -1;
            if (rd_kafka_get_watermark_offsets(loop->consumer, tp->topic, tp->partition,
                                               &lo, &hi) ||
                hi < 0)
                continue;
            eddy_buf_printf(b,
                            "eddy_stage_consumer_lag{stage=\"%s\",topic=\"%s\","
                            "partition=\"%d\"} %" PRId64 "\n",
                            s, tp->topic, (int)tp->partition,
                            tp->offset >= 0 ? hi - tp->offset : hi - lo);
        }
        rd_kafka_topic_partition_list_destroy(assigned);
    }
}

int loop_http_handler(void *ctx, const char *path, eddy_buf_t *body, const char **ctype)
{
    loop_t *loop = ctx;
    int status = 404;

    pthread_mutex_lock(&loop->lock);
    if (!strcmp(path, "/metrics")) {
        *ctype = "text/plain; version=0.0.4; charset=utf-8";
        render_loop_metrics(loop, body);
        if (loop->stage->metrics)
            loop->stage->metrics(loop->stage->ctx, body);
        status = 200;
    } else if (!strcmp(path, "/healthz")) {
        int alive = eddy_now_us() - loop->last_poll_us < 30 * 1000000LL;
        eddy_buf_printf(body, alive ? "ok\n" : "poll loop stalled\n");
        status = alive ? 200 : 503;
    } else if (!strcmp(path, "/readyz")) {
        eddy_buf_printf(body, loop->ready ? "ready\n" : "waiting for partitions\n");
        status = loop->ready ? 200 : 503;
    } else if (loop->stage->http &&
               (status = loop->stage->http(loop->stage->ctx, path, body, ctype)) == 0) {
        status = 404;
    }
    if (status == 404 && body->len == 0)
        eddy_buf_printf(body, "not found: %s (try /metrics, /healthz, /readyz)\n",
                        path);
    pthread_mutex_unlock(&loop->lock);
    return status;
}
