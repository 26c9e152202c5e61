#include "runtime/tail.h"

#include <librdkafka/rdkafka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "runtime/kafka.h"
#include "util/log.h"

#define LOOK_AGAIN_US (5 * 1000000LL)

struct eddy_tail_s {
    rd_kafka_t *rk;
    char *topic;
    int assigned;      /* partitions assigned (0: topic not found yet) */
    int ended;         /* partitions read to their end at least once */
    char *at_end;      /* [assigned]: that partition was */
    int64_t looked_us; /* when the topic was last looked for */
};

eddy_tail_t *eddy_tail_new(const eddy_opts_t *opts, const char *topic, char *errstr,
                           size_t errstr_size)
{
    eddy_tail_t *t = calloc(1, sizeof(*t));
    char group[320];

    if (!t || !(t->topic = strdup(topic))) {
        free(t);
        snprintf(errstr, errstr_size, "out of memory");
        return NULL;
    }
    /* a group id librdkafka needs, never joined nor committed */
    snprintf(group, sizeof(group), "eddy-tail-%s-%ld", topic, (long)getpid());
    if (!(t->rk = eddy_kafka_restorer_new(opts, group, errstr, errstr_size))) {
        eddy_tail_destroy(t);
        return NULL;
    }
    return t;
}

/* Assigns every partition of the topic from its start, once it exists. */
static void tail_assign(eddy_tail_t *t)
{
    rd_kafka_topic_partition_list_t *parts;
    int n;

    if (t->assigned || eddy_now_us() - t->looked_us < LOOK_AGAIN_US)
        return;
    t->looked_us = eddy_now_us();
    if ((n = eddy_kafka_partition_count(t->rk, t->topic)) <= 0)
        return;
    if (!(t->at_end = calloc((size_t)n, 1)))
        return;
    parts = rd_kafka_topic_partition_list_new(n);
    for (int p = 0; p < n; p++)
        rd_kafka_topic_partition_list_add(parts, t->topic, p)->offset =
            RD_KAFKA_OFFSET_BEGINNING;
    if (!rd_kafka_assign(t->rk, parts)) {
        t->assigned = n;
        eddy_log_info("following topic from its start", "topic=%s partitions=%d",
                      t->topic, n);
    }
    rd_kafka_topic_partition_list_destroy(parts);
}

int eddy_tail_poll(eddy_tail_t *t, void (*fn)(void *arg, const eddy_msg_t *msg),
                   void *arg)
{
    rd_kafka_message_t *m;
    int n = 0;

    tail_assign(t);
    while (t->assigned && (m = rd_kafka_consumer_poll(t->rk, 0))) {
        if (m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF && m->partition >= 0 &&
            m->partition < t->assigned && !t->at_end[m->partition]) {
            t->at_end[m->partition] = 1;
            t->ended++;
        }
        if (!m->err) {
            eddy_msg_t msg = {m->key,     m->key_len,
                              m->payload, m->len,
                              t->topic,   m->partition,
                              m->offset,  rd_kafka_message_timestamp(m, NULL)};
            fn(arg, &msg);
            n++;
        }
        rd_kafka_message_destroy(m);
    }
    return n;
}

int eddy_tail_caught_up(const eddy_tail_t *t)
{
    return t->assigned > 0 && t->ended == t->assigned;
}

void eddy_tail_destroy(eddy_tail_t *t)
{
    if (!t)
        return;
    if (t->rk) {
        rd_kafka_consumer_close(t->rk);
        rd_kafka_destroy(t->rk);
    }
    free(t->topic);
    free(t->at_end);
    free(t);
}
