#include "runtime/probe.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "runtime/kafka.h"
#include "util/prom.h"

/* Records behind each assigned partition's end (librdkafka's cached
 * watermarks and positions: no network wait). */
static void render_lag(rd_kafka_t *consumer, const char *s, eddy_buf_t *b)
{
    rd_kafka_topic_partition_list_t *assigned = NULL;
    eddy_prom_buf_t *p = eddy_prom_buf_over(b);

    if (!p)
        return;
    eddy_prom_family(p, "eddy_stage_consumer_lag", EDDY_PROM_GAUGE,
                     "Records behind the partition's end.");
    if (consumer && !rd_kafka_assignment(consumer, &assigned)) {
        rd_kafka_position(consumer, assigned);
        for (int i = 0; i < assigned->cnt; i++) {
            rd_kafka_topic_partition_t *tp = &assigned->elems[i];
            int64_t lo = -1, hi = -1;
            char part[16];
            if (rd_kafka_get_watermark_offsets(consumer, tp->topic, tp->partition, &lo,
                                               &hi) ||
                hi < 0)
                continue;
            snprintf(part, sizeof(part), "%d", (int)tp->partition);
            eddy_prom_label_t labels[] = {
                {"stage", s}, {"topic", tp->topic}, {"partition", part}};
            eddy_prom_sample(p, labels, 3,
                             (double)(tp->offset >= 0 ? hi - tp->offset : hi - lo));
        }
        rd_kafka_topic_partition_list_destroy(assigned);
    }
    eddy_prom_buf_destroy(p);
}

static int serve_metrics(eddy_probe_t *p, const eddy_counters_t *c, eddy_buf_t *body,
                         const char **ctype)
{
    *ctype = "text/plain; version=0.0.4; charset=utf-8";
    eddy_stats_render(c, p->stage->name, body);
    render_lag(atomic_load(&p->consumer), p->stage->name, body);
    if (p->lso)
        eddy_lso_render(p->lso, p->stage->name, body);
    if (p->stage->metrics) {
        pthread_mutex_lock(p->stage_lock);
        p->stage->metrics(p->stage->ctx, body);
        pthread_mutex_unlock(p->stage_lock);
    }
    return 200;
}

static int serve_probe(const char *path, const eddy_counters_t *c, eddy_buf_t *body)
{
    if (!strcmp(path, "/healthz")) {
        int alive = eddy_stats_alive(c, eddy_now_us());
        eddy_buf_printf(body, alive ? "ok\n" : "poll loop stalled\n");
        return alive ? 200 : 503;
    }
    if (eddy_stats_ready(c))
        eddy_buf_printf(body, "ready\n");
    else if (c->brokers_down)
        eddy_buf_printf(body, "no broker reachable (librdkafka: all brokers down)\n");
    else if (c->phase == EDDY_PHASE_RESTORING)
        eddy_buf_printf(body, "restoring state from the changelog\n");
    else
        eddy_buf_printf(body, "waiting for partitions\n");
    return eddy_stats_ready(c) ? 200 : 503;
}

int eddy_probe_handler(void *ctx, const char *path, eddy_buf_t *body,
                       const char **ctype)
{
    eddy_probe_t *p = ctx;
    eddy_counters_t c;
    int status = 404;

    eddy_stats_read(p->stats, &c);
    if (!strcmp(path, "/metrics")) {
        status = serve_metrics(p, &c, body, ctype);
    } else if (!strcmp(path, "/healthz") || !strcmp(path, "/readyz")) {
        status = serve_probe(path, &c, body);
    } else if (p->stage->http) {
        pthread_mutex_lock(p->stage_lock);
        status = p->stage->http(p->stage->ctx, path, body, ctype);
        pthread_mutex_unlock(p->stage_lock);
        if (status == 0)
            status = 404;
    }
    if (status == 404 && body->len == 0)
        eddy_buf_printf(body, "not found: %s (try /metrics, /healthz, /readyz)\n",
                        path);
    return status;
}
