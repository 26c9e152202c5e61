/* eddy-txn-probe: the floor of one exactly-once hop on a broker. It times
 * the transactions of a consume -> produce relay with nothing to relay:
 * begin, one 100-byte record to one partition, the consumer's offset sent to
 * the transaction (AddOffsetsToTxn, TxnOffsetCommit), and the commit (the
 * record's ack, then EndTxn), one after another, with the librdkafka eddy is
 * built with and the stages' scheme: two transactional producers in turn
 * (a producer that begins its next transaction while the broker still
 * writes the previous one's markers is refused and retries), a delivery
 * report callback, linger.ms 1 and retry.backoff.ms 20. Prints the p50 and
 * p90 of each step in milliseconds:
 *
 *   eddy-txn-probe -b 127.0.0.1:9092 [-n 300] [-t TOPIC]
 *
 * TOPIC (default eddy-txn-probe, created with one partition unless it
 * exists) gets the records and is the "input" whose offsets are committed. A stage's
 * commit cannot be cheaper than this on that broker.
 */
#include <librdkafka/rdkafka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define WARMUP 10

static double now_ms(void)
{
    struct timespec t;

    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec * 1e3 + (double)t.tv_nsec / 1e6;
}

static int cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;

    return (x > y) - (x < y);
}

static void on_delivery(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque)
{
    (void)rk;
    (void)opaque;
    if (m->err)
        fprintf(stderr, "eddy-txn-probe: delivery failed: %s\n",
                rd_kafka_err2str(m->err));
}

static rd_kafka_t *client(rd_kafka_type_t type, const char *bs, const char *id)
{
    char errstr[512];
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    rd_kafka_t *rk;

    if (rd_kafka_conf_set(conf, "bootstrap.servers", bs, errstr, sizeof(errstr)) ||
        rd_kafka_conf_set(conf,
                          type == RD_KAFKA_PRODUCER ? "transactional.id" : "group.id",
                          id, errstr, sizeof(errstr)) ||
        (type == RD_KAFKA_PRODUCER &&
         (rd_kafka_conf_set(conf, "linger.ms", "1", errstr, sizeof(errstr)) ||
          rd_kafka_conf_set(conf, "retry.backoff.ms", "20", errstr, sizeof(errstr)))) ||
        (type == RD_KAFKA_CONSUMER &&
         rd_kafka_conf_set(conf, "allow.auto.create.topics", "true", errstr,
                           sizeof(errstr)))) {
        fprintf(stderr, "eddy-txn-probe: %s\n", errstr);
        rd_kafka_conf_destroy(conf);
        return NULL;
    }
    if (type == RD_KAFKA_PRODUCER)
        rd_kafka_conf_set_dr_msg_cb(conf, on_delivery);
    if (!(rk = rd_kafka_new(type, conf, errstr, sizeof(errstr)))) {
        fprintf(stderr, "eddy-txn-probe: %s\n", errstr);
        rd_kafka_conf_destroy(conf);
    }
    return rk;
}

/* Creates TOPIC (one partition, the broker's replication factor) with P's
 * admin calls unless it exists. Returns 0, or -1 after printing why. */
static int create_topic(rd_kafka_t *p, const char *topic)
{
    char errstr[512];
    rd_kafka_NewTopic_t *nt =
        rd_kafka_NewTopic_new(topic, 1, -1, errstr, sizeof(errstr));
    rd_kafka_queue_t *q = rd_kafka_queue_new(p);
    rd_kafka_event_t *ev;
    rd_kafka_resp_err_t err = RD_KAFKA_RESP_ERR__TIMED_OUT;

    if (nt) {
        rd_kafka_CreateTopics(p, &nt, 1, NULL, q);
        if ((ev = rd_kafka_queue_poll(q, 15000))) {
            size_t n = 0;
            const rd_kafka_topic_result_t **r = rd_kafka_CreateTopics_result_topics(
                rd_kafka_event_CreateTopics_result(ev), &n);
            err = rd_kafka_event_error(ev);
            if (!err && n == 1)
                err = rd_kafka_topic_result_error(r[0]);
            rd_kafka_event_destroy(ev);
        }
        rd_kafka_NewTopic_destroy(nt);
    }
    rd_kafka_queue_destroy(q);
    if (err == RD_KAFKA_RESP_ERR_NO_ERROR ||
        err == RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS)
        return 0;
    fprintf(stderr, "eddy-txn-probe: cannot create topic '%s': %s\n", topic,
            nt ? rd_kafka_err2str(err) : errstr);
    return -1;
}

/* Joins the group of C on TOPIC (its metadata goes with the offsets).
 * Returns 0, or -1 when no partition was assigned within 10 s. */
static int join(rd_kafka_t *c, const char *topic)
{
    rd_kafka_topic_partition_list_t *sub = rd_kafka_topic_partition_list_new(1);

    rd_kafka_topic_partition_list_add(sub, topic, RD_KAFKA_PARTITION_UA);
    rd_kafka_poll_set_consumer(c);
    rd_kafka_subscribe(c, sub);
    rd_kafka_topic_partition_list_destroy(sub);
    for (int i = 0; i < 50; i++) {
        rd_kafka_message_t *m = rd_kafka_consumer_poll(c, 200);
        rd_kafka_topic_partition_list_t *a = NULL;
        int n = 0;

        if (m)
            rd_kafka_message_destroy(m);
        if (!rd_kafka_assignment(c, &a)) {
            n = a->cnt;
            rd_kafka_topic_partition_list_destroy(a);
        }
        if (n > 0)
            return 0;
    }
    fprintf(stderr,
            "eddy-txn-probe: no partition of '%s' assigned within 10 s: create the "
            "topic, or enable the broker's auto.create.topics.enable\n",
            topic);
    return -1;
}

/* One transaction; its steps' times into S (send offsets), C (commit), T
 * (all). Returns 0, or -1 after printing the error. */
static int one(rd_kafka_t *p, rd_kafka_t *c, const char *topic, int64_t off, double *s,
               double *cm, double *t)
{
    static const char value[100] = {0};
    rd_kafka_topic_partition_list_t *o = rd_kafka_topic_partition_list_new(1);
    rd_kafka_consumer_group_metadata_t *g = rd_kafka_consumer_group_metadata(c);
    rd_kafka_error_t *e;
    rd_kafka_resp_err_t perr = RD_KAFKA_RESP_ERR_NO_ERROR;
    double t0 = now_ms(), t1, t2;

    rd_kafka_topic_partition_list_add(o, topic, 0)->offset = off;
    if (!(e = rd_kafka_begin_transaction(p)) &&
        !(perr = rd_kafka_producev(p, RD_KAFKA_V_TOPIC(topic), RD_KAFKA_V_PARTITION(0),
                                   RD_KAFKA_V_VALUE((void *)value, sizeof(value)),
                                   RD_KAFKA_V_END))) {
        t1 = now_ms();
        if (!(e = rd_kafka_send_offsets_to_transaction(p, o, g, 30000))) {
            t2 = now_ms();
            if (!(e = rd_kafka_commit_transaction(p, 30000))) {
                *s = t2 - t1;
                *cm = now_ms() - t2;
                *t = now_ms() - t0;
            }
        }
    }
    rd_kafka_consumer_group_metadata_destroy(g);
    rd_kafka_topic_partition_list_destroy(o);
    if (e) {
        fprintf(stderr, "eddy-txn-probe: %s\n", rd_kafka_error_string(e));
        rd_kafka_error_destroy(e);
        return -1;
    }
    if (perr) {
        fprintf(stderr, "eddy-txn-probe: produce: %s\n", rd_kafka_err2str(perr));
        return -1;
    }
    return 0;
}

static void report(const char *what, double *v, int n)
{
    qsort(v, (size_t)n, sizeof(*v), cmp);
    printf(" %s_p50_ms=%.2f %s_p90_ms=%.2f", what, v[n / 2], what, v[n * 9 / 10]);
}

int main(int argc, char **argv)
{
    const char *bs = NULL, *topic = "eddy-txn-probe";
    char id[64], id1[80];
    int n = 300, opt, rc = 1, k = 0;
    double *s, *cm, *t;
    rd_kafka_t *p[2] = {NULL, NULL}, *c = NULL;
    rd_kafka_error_t *e;

    while ((opt = getopt(argc, argv, "b:n:t:")) != -1) {
        if (opt == 'b')
            bs = optarg;
        else if (opt == 'n')
            n = atoi(optarg);
        else if (opt == 't')
            topic = optarg;
    }
    if (!bs || n < 10) {
        fprintf(stderr,
                "usage: eddy-txn-probe -b BOOTSTRAP [-n COUNT >= 10] [-t TOPIC]\n");
        return 2;
    }
    snprintf(id, sizeof(id), "eddy-txn-probe-%ld-%d", (long)time(NULL), (int)getpid());
    snprintf(id1, sizeof(id1), "%s.1", id);
    s = calloc((size_t)n, sizeof(*s));
    cm = calloc((size_t)n, sizeof(*cm));
    t = calloc((size_t)n, sizeof(*t));
    if (!s || !cm || !t || !(p[0] = client(RD_KAFKA_PRODUCER, bs, id)) ||
        !(p[1] = client(RD_KAFKA_PRODUCER, bs, id1)) ||
        !(c = client(RD_KAFKA_CONSUMER, bs, id)))
        goto out;
    for (int j = 0; j < 2; j++)
        if ((e = rd_kafka_init_transactions(p[j], 30000))) {
            fprintf(stderr, "eddy-txn-probe: %s\n", rd_kafka_error_string(e));
            rd_kafka_error_destroy(e);
            goto out;
        }
    if (create_topic(p[0], topic) || join(c, topic))
        goto out;
    for (int i = 0; i < n + WARMUP; i++) {
        double a = 0, b = 0, d = 0;
        if (one(p[i % 2], c, topic, i + 1, &a, &b, &d))
            goto out;
        if (i >= WARMUP) {
            s[k] = a;
            cm[k] = b;
            t[k++] = d;
        }
        rd_kafka_poll(p[i % 2], 0);
    }
    printf("librdkafka=%s transactions=%d", rd_kafka_version_str(), k);
    report("send_offsets", s, k);
    report("commit", cm, k);
    report("total", t, k);
    printf("\n");
    rc = 0;
out:
    if (c) {
        rd_kafka_consumer_close(c);
        rd_kafka_destroy(c);
    }
    for (int j = 0; j < 2; j++)
        if (p[j])
            rd_kafka_destroy(p[j]);
    free(s);
    free(cm);
    free(t);
    return rc;
}
