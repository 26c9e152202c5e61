#include "runtime/produce.h"

#include <inttypes.h>

#include "runtime/signals.h"
#include "util/log.h"

/* 1 when MSG is a dead letter: it carries the eddy.error header. */
static int is_deadletter(const rd_kafka_message_t *msg)
{
    rd_kafka_headers_t *hdrs = NULL;
    const void *v;
    size_t n;

    return !rd_kafka_message_headers(msg, &hdrs) &&
           !rd_kafka_header_get_last(hdrs, "eddy.error", &v, &n);
}

static void on_delivery(rd_kafka_t *rk, const rd_kafka_message_t *msg, void *opaque)
{
    eddy_delivery_t *dr = opaque;
    uint64_t held = 0;
    int dead;

    (void)rk;
    if (!msg->err) {
        dr->delivered++;
        return;
    }
    dr->failed++;
    dead = is_deadletter(msg);
    dr->deadletter_failed += dead;
    if (eddy_ratelimit(&dr->log_limit, EDDY_DELIVERY_LOG_INTERVAL_MS, &held))
        eddy_log_error("delivery failed",
                       "topic=%s error=\"%s\" deadletter=%d failed_total=%" PRIu64
                       " suppressed=%" PRIu64,
                       rd_kafka_topic_name(msg->rkt), rd_kafka_err2str(msg->err), dead,
                       dr->failed, held);
}

void eddy_produce_conf(rd_kafka_conf_t *conf, eddy_delivery_t *dr)
{
    rd_kafka_conf_set_opaque(conf, dr);
    rd_kafka_conf_set_dr_msg_cb(conf, on_delivery);
}

int eddy_produce(rd_kafka_t *producer, const char *topic, int32_t partition,
                 const void *key, size_t key_len, const void *value, size_t value_len,
                 rd_kafka_headers_t *hdrs, eddy_err_t *err)
{
    for (;;) {
        rd_kafka_resp_err_t e = rd_kafka_producev(
            producer, RD_KAFKA_V_TOPIC(topic), RD_KAFKA_V_PARTITION(partition),
            RD_KAFKA_V_KEY(key, key_len), RD_KAFKA_V_VALUE((void *)value, value_len),
            RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_HEADERS(hdrs),
            RD_KAFKA_V_END);
        if (!e)
            return 0;
        if (e == RD_KAFKA_RESP_ERR__STATE) /* the transaction failed: abort it */
            return eddy_err_set(err, EDDY_ERR_ABORT, e,
                                "cannot produce to '%s': the transaction must be "
                                "aborted (%s)",
                                topic, rd_kafka_err2str(e));
        if (e != RD_KAFKA_RESP_ERR__QUEUE_FULL) {
            eddy_log_error("produce failed", "topic=%s error=\"%s\"", topic,
                           rd_kafka_err2str(e));
            return eddy_err_set(err, EDDY_ERR_FATAL, e, "cannot produce to '%s': %s",
                                topic, rd_kafka_err2str(e));
        }
        rd_kafka_poll(producer, 50);
    }
}

int eddy_produce_flush(rd_kafka_t *producer, int stop_on_signal)
{
    while (rd_kafka_outq_len(producer) > 0) {
        rd_kafka_flush(producer, 1000);
        if (stop_on_signal && eddy_loop_stopping())
            break;
    }
    return rd_kafka_outq_len(producer) > 0 ? -1 : 0;
}
