/* eddy-bench: drives a running pipeline with synthetic series and reads the
 * answers back; the load-test gate.
 *
 * Sends COUNT Observations over SERIES fresh series (bench-<run>-<k>) to
 * --topic on a fixed schedule (--rate; open loop: the schedule never waits
 * for the system) or flat out (--rate 0), and reads --output back with
 * read_committed. Each record's produced_at is its intended send time, so
 * a record's latency (its answer's arrival minus that time) counts the
 * time it spent queued behind a stall (coordinated omission accounted for,
 * as HdrHistogram and wrk2 do). Then the same records go through a plain
 * consume -> produce pass-through (this program's relay thread, with the
 * stages' client settings, no processing) on the same broker: the I/O
 * ceiling the pipeline is reported against. Percentiles come from a
 * log-bucketed histogram within 1% (bench/pipeline/hist.h).
 *
 * --slo p99=20ms,success=0.999 exits 1 when the pipeline run misses it.
 * Exit codes: 0 done (objective met), 1 objective missed, 2 usage, 3 the
 * run failed (the pipeline did not answer, Kafka unreachable).
 */
#include <inttypes.h>
#include <jansson.h>
#include <librdkafka/rdkafka.h>
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "codec/codec.h"
#include "hist.h"
#include "runtime/kafka.h"
#include "runtime/produce.h"
#include "runtime/signals.h"
#include "runtime/stage.h"
#include "slo.h"
#include "util/log.h"

typedef struct bench_conf_s {
    const char *topic, *output, *slo, *json;
    double rate;
    int64_t count, series, duration_ms, drain_ms, ready_ms;
    int passthrough;
} bench_conf_t;

typedef bench_conf_t C;

static const eddy_opt_t bench_opts[] = {
    EDDY_OPT(C, STR, topic, "topic", 't', "observations",
             "topic the pipeline reads Observations from"),
    EDDY_OPT(C, STR, output, "output", 'o', "predictions",
             "topic of the pipeline's answers, read back (read_committed): "
             "Predictions, or FeatureVectors to measure eddy-features alone"),
    EDDY_OPT(C, DOUBLE, rate, "rate", 'r', "1000",
             "observations per second on a fixed schedule (open loop); 0: flat out",
             .min = 0, .max = 1e7),
    EDDY_OPT(C, DURATION, duration_ms, "duration", 'd', "10s",
             "length of the schedule (with --rate)", .min = 1, .max = EDDY_OPT_NO_MAX),
    EDDY_OPT(C, INT, count, "count", 'n', "0",
             "observations to send (0: rate x duration, or 100000 flat out)", .min = 0,
             .max = 100000000),
    EDDY_OPT(C, INT, series, "series", 's', "10", "synthetic series", .min = 1,
             .max = 100000),
    EDDY_OPT(C, STR, slo, "slo", 0, NULL,
             "objective of the pipeline run, e.g. p99=20ms,success=0.999 (keys p50, "
             "p90, p99, p99.9, max in us/ms/s; success a fraction; throughput in "
             "records/s): exit 1 when missed"),
    EDDY_OPT(C, STR, json, "json", 0, NULL, "also write the results as JSON to FILE"),
    EDDY_OPT(C, DURATION, drain_ms, "drain", 0, "10s",
             "after the last send, wait this long for the remaining answers", .min = 1,
             .max = EDDY_OPT_NO_MAX),
    EDDY_OPT(C, DURATION, ready_ms, "ready-timeout", 0, "90s",
             "wait this long for the first answer of every series (stages starting)",
             .min = 1, .max = EDDY_OPT_NO_MAX),
    EDDY_OPT(C, BOOL, passthrough, "passthrough", 0, "true",
             "also measure the consume -> produce pass-through ceiling "
             "(--no-passthrough: the pipeline only)"),
    EDDY_OPT_TABLE_END};

static bench_conf_t conf;

static const eddy_stage_def_t bench_def = {
    EDDY_STAGE_NAME("bench"),
    .summary = "Drives a running eddy pipeline with synthetic series at a fixed rate "
               "(open loop) or flat out, reads the predictions back and reports "
               "throughput and latency percentiles (from each record's intended "
               "send time) against a consume -> produce pass-through of the same "
               "records; --slo makes it a gate.",
    .input_type = EDDY_REC_PREDICTION,
    .output_type = EDDY_REC_OBSERVATION,
    .opts = bench_opts,
    .conf = &conf,
};

/* One measured run: records sent to IN_TOPIC, answers read from OUT_TOPIC. */
typedef struct run_s {
    const char *name;
    const char *in_topic, *out_topic;
    /* receiver thread's */
    eddy_hist_t *hist;
    uint8_t *seen;
    uint64_t received, primed;
    int64_t last_recv_us;
    /* shared */
    atomic_uint_fast64_t primed_pub; /* priming answers seen */
    atomic_int sender_done;
    atomic_llong send_end_us;
    /* sender's */
    uint64_t sent;
    int64_t first_send_us;
} run_t;

typedef struct bench_s {
    const eddy_opts_t *opts;
    char run_id[32];
    char prefix[48]; /* "bench-<run>-" */
    int64_t n;       /* measured records */
    rd_kafka_t *producer;
    eddy_delivery_t dr;
    eddy_codec_t *codec; /* the sender's */
} bench_t;

static int64_t now_us(void)
{
    return eddy_now_us();
}

/* ---- reading the answers */

/* The series index, seq and produced_at of an answer (an Observation,
 * FeatureVector or Prediction: the type comes from the frame's schema id),
 * or -1 when it is not one of this run's. */
static int answer_of(const bench_t *b, eddy_codec_t *codec, const rd_kafka_message_t *m,
                     int64_t *k, int64_t *seq, int64_t *produced_at)
{
    static _Thread_local union {
        eddy_obs_t obs;
        eddy_fv_t fv;
        eddy_pred_t pred;
    } rec; /* large: off the stack */
    char errstr[256];
    const char *series;
    int32_t id;
    int type;
    size_t plen = strlen(b->prefix);

    if (eddy_codec_peek_id(m->payload, m->len, &id) ||
        (type = eddy_codec_type_of(codec, id)) < 0 ||
        eddy_codec_decode(codec, (eddy_rec_type_t)type, m->payload, m->len, &rec,
                          errstr, sizeof(errstr)))
        return -1;
    /* series_id, seq, produced_at: in every record (codec/records.h) */
    if (type == EDDY_REC_OBSERVATION)
        series = rec.obs.series_id, *seq = rec.obs.seq,
        *produced_at = rec.obs.produced_at_us;
    else if (type == EDDY_REC_FEATURES)
        series = rec.fv.series_id, *seq = rec.fv.seq,
        *produced_at = rec.fv.produced_at_us;
    else
        series = rec.pred.series_id, *seq = rec.pred.seq,
        *produced_at = rec.pred.produced_at_us;
    if (strncmp(series, b->prefix, plen))
        return -1;
    *k = strtoll(series + plen, NULL, 10);
    return *k >= 0 && *k < conf.series ? 0 : -1;
}

static void take_answer(const bench_t *b, eddy_codec_t *codec, run_t *run,
                        const rd_kafka_message_t *m, int64_t at_us)
{
    int64_t k, seq, produced_at, i;

    if (m->err || answer_of(b, codec, m, &k, &seq, &produced_at))
        return;
    if (seq == 0) {
        atomic_store(&run->primed_pub, ++run->primed);
        return;
    }
    i = (seq - 1) * conf.series + k;
    if (i < 0 || i >= b->n || run->seen[i])
        return; /* a duplicate (at-least-once) counts once */
    run->seen[i] = 1;
    run->received++;
    run->last_recv_us = at_us;
    eddy_hist_add(run->hist, (double)(at_us - produced_at));
}

static rd_kafka_t *consumer_new(const bench_t *b, const char *group, const char *topic)
{
    char errstr[512];
    rd_kafka_conf_t *kc = eddy_kafka_conf_new(b->opts, group, errstr, sizeof(errstr));
    rd_kafka_topic_partition_list_t *topics;
    rd_kafka_t *rk;

    if (!kc || rd_kafka_conf_set(kc, "group.id", group, errstr, sizeof(errstr)) ||
        eddy_kafka_conf_default(kc, b->opts, "auto.offset.reset", "earliest", errstr,
                                sizeof(errstr)) ||
        eddy_kafka_conf_default(kc, b->opts, "isolation.level", "read_committed",
                                errstr, sizeof(errstr)) ||
        eddy_kafka_conf_default(kc, b->opts, "fetch.wait.max.ms", "50", errstr,
                                sizeof(errstr)) ||
        /* notices a topic created after the subscription within a second */
        eddy_kafka_conf_default(kc, b->opts, "topic.metadata.refresh.interval.ms",
                                "1000", errstr, sizeof(errstr)) ||
        !(rk = rd_kafka_new(RD_KAFKA_CONSUMER, kc, errstr, sizeof(errstr)))) {
        eddy_log_error("cannot create a consumer", "error=\"%s\"", errstr);
        if (kc)
            rd_kafka_conf_destroy(kc);
        return NULL;
    }
    rd_kafka_poll_set_consumer(rk);
    topics = rd_kafka_topic_partition_list_new(1);
    rd_kafka_topic_partition_list_add(topics, topic, RD_KAFKA_PARTITION_UA);
    rd_kafka_subscribe(rk, topics);
    rd_kafka_topic_partition_list_destroy(topics);
    return rk;
}

typedef struct receiver_s {
    const bench_t *b;
    run_t *run;
    rd_kafka_t *consumer;
    eddy_codec_t *codec;
} receiver_t;

/* Reads answers until every record is in, or the drain time after the
 * last send is over. */
static void *receive(void *arg)
{
    receiver_t *r = arg;
    run_t *run = r->run;

    while (!eddy_loop_stopping()) {
        rd_kafka_message_t *m = rd_kafka_consumer_poll(r->consumer, 20);
        int64_t t = now_us();

        if (m) {
            take_answer(r->b, r->codec, run, m, t);
            rd_kafka_message_destroy(m);
        }
        if (run->received >= (uint64_t)r->b->n ||
            (atomic_load(&run->sender_done) &&
             t > atomic_load(&run->send_end_us) + conf.drain_ms * 1000))
            break;
    }
    return NULL;
}

/* ---- the pass-through relay */

typedef struct relay_s {
    const bench_t *b;
    const char *from, *to;
    atomic_int stop;
    int rc;
} relay_t;

static rd_kafka_t *relay_producer(const bench_t *b, eddy_delivery_t *dr)
{
    char errstr[512];
    rd_kafka_conf_t *kc =
        eddy_kafka_conf_new(b->opts, "eddy-bench-relay", errstr, sizeof(errstr));
    rd_kafka_t *rk;

    if (!kc)
        return NULL;
    eddy_produce_conf(kc, dr);
    if (eddy_kafka_conf_default(kc, b->opts, "linger.ms", "1", errstr,
                                sizeof(errstr))) {
        rd_kafka_conf_destroy(kc);
        return NULL;
    }
    if (!(rk = eddy_kafka_producer_new(kc, errstr, sizeof(errstr))))
        eddy_log_error("cannot create the relay's producer", "error=\"%s\"", errstr);
    return rk;
}

/* Consumes FROM and produces every record unchanged to TO: Kafka's round
 * trips and nothing else. */
static void *relay(void *arg)
{
    relay_t *r = arg;
    char group[96];
    eddy_delivery_t dr = {0};
    rd_kafka_t *consumer, *producer = relay_producer(r->b, &dr);

    snprintf(group, sizeof(group), "%srelay", r->b->prefix);
    if (!producer || !(consumer = consumer_new(r->b, group, r->from))) {
        r->rc = -1;
        if (producer)
            rd_kafka_destroy(producer);
        return NULL;
    }
    while (!atomic_load(&r->stop) && !eddy_loop_stopping()) {
        rd_kafka_message_t *m = rd_kafka_consumer_poll(consumer, 20);

        if (m && !m->err)
            eddy_produce(producer, r->to, RD_KAFKA_PARTITION_UA, m->key, m->key_len,
                         m->payload, m->len, NULL, NULL);
        if (m)
            rd_kafka_message_destroy(m);
        rd_kafka_poll(producer, 0);
    }
    rd_kafka_consumer_close(consumer);
    rd_kafka_destroy(consumer);
    rd_kafka_flush(producer, 5000);
    rd_kafka_destroy(producer);
    return NULL;
}

/* ---- sending */

static int send_one(bench_t *b, run_t *run, int64_t k, int64_t seq, int64_t stamp_us)
{
    eddy_obs_t obs;
    const void *val;
    size_t len;

    memset(&obs, 0, sizeof(obs));
    snprintf(obs.series_id, sizeof(obs.series_id), "%s%" PRId64, b->prefix, k);
    obs.seq = seq;
    obs.event_time_ms = seq * 60000;
    snprintf(obs.input, sizeof(obs.input), "t%" PRId64, seq);
    obs.value = 100.0 + (double)k + 10.0 * sin(2.0 * M_PI * (double)(seq % 12) / 12.0);
    obs.produced_at_us = stamp_us;
    if (eddy_codec_encode_obs(b->codec, &obs, &val, &len))
        return -1;
    if (eddy_produce(b->producer, run->in_topic, RD_KAFKA_PARTITION_UA, obs.series_id,
                     strlen(obs.series_id), val, len, NULL, NULL))
        return -1;
    rd_kafka_poll(b->producer, 0);
    return 0;
}

/* Sends seq 0 of every series and waits for all their answers: the stages
 * have started and own their partitions. */
static int prime(bench_t *b, run_t *run)
{
    int64_t deadline = now_us() + conf.ready_ms * 1000;

    for (int64_t k = 0; k < conf.series; k++)
        if (send_one(b, run, k, 0, now_us()))
            return -1;
    eddy_produce_flush(b->producer, 1);
    while ((int64_t)atomic_load(&run->primed_pub) < conf.series) {
        if (now_us() > deadline || eddy_loop_stopping()) {
            eddy_log_error("no answer from the pipeline: is it running?",
                           "run=%s input=%s output=%s answered=%" PRIu64 " of=%" PRId64
                           " waited_ms=%" PRId64,
                           run->name, run->in_topic, run->out_topic,
                           (uint64_t)atomic_load(&run->primed_pub), conf.series,
                           conf.ready_ms);
            return -1;
        }
        rd_kafka_poll(b->producer, 10);
    }
    return 0;
}

/* Sends the measured records: open loop at --rate (each stamped with its
 * intended time, however late it goes out), or flat out. */
static int send_all(bench_t *b, run_t *run)
{
    int64_t t0 = now_us() + 1000;
    double step_us = conf.rate > 0 ? 1e6 / conf.rate : 0;

    run->first_send_us = t0;
    for (int64_t i = 0; i < b->n && !eddy_loop_stopping(); i++) {
        int64_t due = t0 + (int64_t)((double)i * step_us), now = now_us();

        if (step_us > 0 && due - now > 50) {
            usleep((useconds_t)(due - now));
            now = now_us();
        }
        if (send_one(b, run, i % conf.series, 1 + i / conf.series,
                     step_us > 0 ? due : now))
            return -1;
        run->sent++;
    }
    eddy_produce_flush(b->producer, 1);
    return 0;
}

/* ---- one run */

static int run_measure(bench_t *b, run_t *run)
{
    char group[96];
    receiver_t r = {.b = b, .run = run};
    char errstr[256];
    pthread_t th;
    int rc;

    snprintf(group, sizeof(group), "%s%s", b->prefix, run->name);
    if (!(run->hist = eddy_hist_new()) || !(run->seen = calloc((size_t)b->n, 1)) ||
        !(r.codec = eddy_codec_new(errstr, sizeof(errstr))) ||
        !(r.consumer = consumer_new(b, group, run->out_topic))) {
        eddy_codec_destroy(r.codec);
        return -1;
    }
    atomic_init(&run->primed_pub, 0);
    atomic_init(&run->sender_done, 0);
    atomic_init(&run->send_end_us, 0);
    pthread_create(&th, NULL, receive, &r);
    rc = prime(b, run) || send_all(b, run) ? -1 : 0;
    atomic_store(&run->send_end_us, now_us());
    atomic_store(&run->sender_done, 1);
    pthread_join(th, NULL);
    rd_kafka_consumer_close(r.consumer);
    rd_kafka_destroy(r.consumer);
    eddy_codec_destroy(r.codec);
    return rc;
}

static int run_passthrough(bench_t *b, run_t *run)
{
    relay_t r = {.b = b, .from = run->in_topic, .to = run->out_topic};
    pthread_t th;
    int rc;

    atomic_init(&r.stop, 0);
    pthread_create(&th, NULL, relay, &r);
    rc = run_measure(b, run);
    atomic_store(&r.stop, 1);
    pthread_join(th, NULL);
    return rc || r.rc ? -1 : 0;
}

/* ---- results */

static const struct {
    const char *key;
    double q;
} quantiles[] = {
    {"p50", 0.5}, {"p90", 0.9}, {"p99", 0.99}, {"p99.9", 0.999}, {"max", 1}};
#define N_QUANTILES (sizeof(quantiles) / sizeof(quantiles[0]))

static void run_figures(const bench_t *b, const run_t *run, eddy_slo_figures_t *f)
{
    double secs = (double)(run->last_recv_us - run->first_send_us) / 1e6;

    memset(f, 0, sizeof(*f));
    f->success = b->n > 0 ? (double)run->received / (double)b->n : 0;
    f->throughput = run->received > 0 && secs > 0 ? (double)run->received / secs : 0;
    for (size_t i = 0; i < N_QUANTILES; i++)
        f->latency_us[i] = eddy_hist_quantile(run->hist, quantiles[i].q);
}

static void print_row(const run_t *run, const eddy_slo_figures_t *f)
{
    printf("%-12s %9" PRIu64 " %9" PRIu64 " %8.4f %12.1f", run->name, run->sent,
           run->received, f->success, f->throughput);
    for (size_t i = 0; i < N_QUANTILES; i++)
        printf(" %9.2f", f->latency_us[i] / 1000.0);
    printf("\n");
}

static json_t *run_json(const run_t *run, const eddy_slo_figures_t *f)
{
    json_t *lat = json_object();

    for (size_t i = 0; i < N_QUANTILES; i++)
        json_object_set_new(lat, quantiles[i].key,
                            json_real(f->latency_us[i] / 1000.0));
    return json_pack("{s:s, s:s, s:s, s:I, s:I, s:f, s:f, s:o}", "name", run->name,
                     "input", run->in_topic, "output", run->out_topic, "sent",
                     (json_int_t)run->sent, "received", (json_int_t)run->received,
                     "success", f->success, "throughput_per_s", f->throughput,
                     "latency_ms", lat);
}

static void print_header(const bench_t *b)
{
    if (conf.rate > 0)
        printf("eddy-bench: %" PRId64 " observations over %" PRId64
               " series at %.0f/s, open loop\n",
               b->n, conf.series, conf.rate);
    else
        printf("eddy-bench: %" PRId64 " observations over %" PRId64
               " series, flat out\n",
               b->n, conf.series);
    printf("latency: answer read back (read_committed) minus the record's intended "
           "send time; percentiles within %.0f%%\n\n",
           EDDY_HIST_RELATIVE_ERROR * 100);
    printf("%-12s %9s %9s %8s %12s", "run", "sent", "received", "success", "records/s");
    for (size_t i = 0; i < N_QUANTILES; i++)
        printf(" %7s ms", quantiles[i].key);
    printf("\n");
}

/* Prints and returns the ratios of PIPE to PASS (JSON object). */
static json_t *ratios(const eddy_slo_figures_t *pipe, const eddy_slo_figures_t *pass)
{
    double tp = pass->throughput > 0 ? pipe->throughput / pass->throughput : 0;
    double p50 =
        pass->latency_us[0] > 0 ? pipe->latency_us[0] / pass->latency_us[0] : 0;
    double p99 =
        pass->latency_us[2] > 0 ? pipe->latency_us[2] / pass->latency_us[2] : 0;

    printf("\npipeline / pass-through: throughput %.2f, p50 latency %.1fx, p99 latency "
           "%.1fx\n",
           tp, p50, p99);
    return json_pack("{s:f, s:f, s:f}", "throughput", tp, "p50", p50, "p99", p99);
}

static int write_json(json_t *doc)
{
    if (!conf.json)
        return 0;
    if (json_dump_file(doc, conf.json, JSON_INDENT(2) | JSON_SORT_KEYS)) {
        eddy_log_error("cannot write the JSON results", "path=\"%s\"", conf.json);
        return -1;
    }
    return 0;
}

/* Prints the runs, checks the objective; returns the exit code. */
static int report(const bench_t *b, const run_t *pipe, const run_t *pass,
                  const eddy_slo_t *slo)
{
    eddy_slo_figures_t fp, fr;
    char missed[512] = "";
    json_t *doc, *runs = json_array();
    int met = 1;

    run_figures(b, pipe, &fp);
    print_header(b);
    print_row(pipe, &fp);
    json_array_append_new(runs, run_json(pipe, &fp));
    doc = json_pack("{s:s, s:f, s:I, s:I, s:f, s:o}", "run_id", b->run_id, "rate",
                    conf.rate, "count", (json_int_t)b->n, "series",
                    (json_int_t)conf.series, "histogram_relative_error",
                    EDDY_HIST_RELATIVE_ERROR, "runs", runs);
    if (pass) {
        run_figures(b, pass, &fr);
        print_row(pass, &fr);
        json_array_append_new(runs, run_json(pass, &fr));
        json_object_set_new(doc, "ratio", ratios(&fp, &fr));
    }
    if (slo) {
        met = eddy_slo_check(slo, &fp, missed, sizeof(missed));
        printf("\nSLO %s: %s%s\n", conf.slo, met ? "met" : "MISSED: ", missed);
        json_object_set_new(doc, "slo",
                            json_pack("{s:s, s:b, s:s}", "objective", conf.slo, "met",
                                      met, "missed", missed));
    }
    met = write_json(doc) ? 0 : met;
    json_decref(doc);
    return met ? 0 : 1;
}

/* ---- main */

static int bench_open(bench_t *b)
{
    char errstr[512];
    rd_kafka_conf_t *kc;

    snprintf(b->run_id, sizeof(b->run_id), "%lx%04x", (unsigned long)(now_us() / 1000),
             (unsigned)getpid() & 0xffff);
    snprintf(b->prefix, sizeof(b->prefix), "bench-%s-", b->run_id);
    b->n = conf.count > 0  ? conf.count
           : conf.rate > 0 ? (int64_t)(conf.rate * (double)conf.duration_ms / 1000.0)
                           : 100000;
    if (!(b->codec = eddy_codec_new(errstr, sizeof(errstr))) ||
        !(kc = eddy_kafka_conf_new(b->opts, "eddy-bench", errstr, sizeof(errstr)))) {
        eddy_log_error("cannot start", "error=\"%s\"", errstr);
        return -1;
    }
    eddy_produce_conf(kc, &b->dr);
    if (eddy_kafka_conf_default(kc, b->opts, "linger.ms", "1", errstr,
                                sizeof(errstr)) ||
        !(b->producer = eddy_kafka_producer_new(kc, errstr, sizeof(errstr))) ||
        eddy_kafka_check_reachable(b->producer,
                                   eddy_opts_common_conf(b->opts)->bootstrap, 10000,
                                   errstr, sizeof(errstr))) {
        eddy_log_error("cannot start", "error=\"%s\"", errstr);
        return -1;
    }
    return 0;
}

static void run_free(run_t *run)
{
    eddy_hist_destroy(run->hist);
    free(run->seen);
}

int main(int argc, char **argv)
{
    eddy_common_conf_t common;
    bench_t b = {0};
    eddy_slo_t slo;
    char pin[96], pout[96], errstr[256];
    run_t pipe = {.name = "pipeline"};
    run_t pass = {.name = "passthrough"};
    int rc;

    if (!(b.opts = eddy_program_init(&bench_def, &common, argc, argv, &rc)))
        return rc;
    if (conf.slo && eddy_slo_parse(conf.slo, &slo, errstr, sizeof(errstr))) {
        fprintf(stderr, "eddy-bench: --slo '%s': %s\n", conf.slo, errstr);
        eddy_opts_destroy((eddy_opts_t *)b.opts);
        return 2;
    }
    eddy_signals_install();
    rc = 3;
    if (bench_open(&b))
        goto out;
    pipe.in_topic = conf.topic, pipe.out_topic = conf.output;
    snprintf(pin, sizeof(pin), "%spassthrough-in", b.prefix);
    snprintf(pout, sizeof(pout), "%spassthrough-out", b.prefix);
    pass.in_topic = pin, pass.out_topic = pout;
    if (run_measure(&b, &pipe) || (conf.passthrough && run_passthrough(&b, &pass)))
        goto out;
    rc = report(&b, &pipe, conf.passthrough ? &pass : NULL, conf.slo ? &slo : NULL);
out:
    run_free(&pipe);
    run_free(&pass);
    if (b.producer)
        rd_kafka_destroy(b.producer);
    eddy_codec_destroy(b.codec);
    eddy_opts_destroy((eddy_opts_t *)b.opts);
    return rc;
}
