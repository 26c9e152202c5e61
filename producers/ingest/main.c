/* eddy-ingest: CSV / JSON lines / a synthetic generator -> Observations. */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "codec/codec.h"
#include "ingest_core.h"
#include "runtime/kafka.h"
#include "util/log.h"
#include "runtime/loop.h"
#include "runtime/produce.h"
#include "util/reason.h"
#include "runtime/registry.h"
#include "runtime/stage.h"

typedef struct ingest_conf_s {
    const char *topic, *series_id;
    int64_t seq_start;
    double rate;
    int64_t interval_ms;
    const char *deadletter_topic;
    int64_t synthetic_series, synthetic_count, max_series;
} ingest_conf_t;

static const eddy_opt_t ingest_opts[] = {
    EDDY_OPT(ingest_conf_t, STR, topic, "topic", 't', "observations",
             "topic of Observation records"),
    EDDY_OPT(ingest_conf_t, STR, series_id, "series-id", 's', NULL,
             "series of rows that name none (default: the file's name without "
             "extension, 'default' on stdin)"),
    EDDY_OPT(ingest_conf_t, INT, seq_start, "seq-start", 0, "0",
             "first per-series sequence number"),
    EDDY_OPT(ingest_conf_t, DOUBLE, rate, "rate", 'r', "0",
             "records per second (0: as fast as possible)", .min = 0,
             .max = EDDY_OPT_NO_MAX),
    EDDY_OPT(ingest_conf_t, DURATION, interval_ms, "interval", 0, NULL,
             "pause between records (instead of --rate)"),
    EDDY_OPT(ingest_conf_t, STR, deadletter_topic, "deadletter-topic", 0, "deadletter",
             "topic receiving bad rows"),
    EDDY_OPT(ingest_conf_t, INT, synthetic_series, "synthetic-series", 0, "0",
             "generate this many synthetic seasonal series instead of reading input",
             .min = 0, .max = EDDY_OPT_NO_MAX),
    EDDY_OPT(ingest_conf_t, INT, synthetic_count, "synthetic-count", 0, "1000",
             "synthetic observations per series", .min = 0, .max = EDDY_OPT_NO_MAX),
    EDDY_OPT(ingest_conf_t, INT, max_series, "max-series", 0, "1000000",
             "distinct series accepted from the input", .min = 1,
             .max = EDDY_OPT_NO_MAX),
    EDDY_OPT_TABLE_END};

static ingest_conf_t conf;

static const eddy_stage_def_t ingest_def = {
    EDDY_STAGE_NAME("ingest"),
    .usage = "[options] [FILE...|-]",
    .summary =
        "Publishes Observations keyed by series_id from CSV files (the seed's "
        "input,target format), JSON lines on stdin, or a synthetic generator. Bad "
        "rows go to the dead-letter topic; exits 0 at the end of input once "
        "everything is delivered.",
    .input_type = -1,
    .output_type = EDDY_REC_OBSERVATION,
    .opts = ingest_opts,
    .conf = &conf,
    .output_topic = &conf.topic,
};

typedef struct ingest_s {
    const eddy_opts_t *opts;
    rd_kafka_t *producer;
    eddy_codec_t *codec;
    const char *topic;
    const char *dlq_topic;
    int64_t pause_us;
    int64_t next_send_us;
    uint64_t sent, bad;
    eddy_delivery_t dr; /* delivery reports of the producer */
} ingest_t;

static void pace(ingest_t *in)
{
    int64_t now;

    if (in->pause_us <= 0)
        return;
    now = eddy_now_us();
    if (in->next_send_us > now) {
        while (in->next_send_us > (now = eddy_now_us()) && !eddy_loop_stopping()) {
            int64_t left = in->next_send_us - now;
            rd_kafka_poll(in->producer, 0);
            usleep((useconds_t)(left > 100000 ? 100000 : left));
        }
    }
    in->next_send_us = (in->next_send_us ? in->next_send_us : now) + in->pause_us;
}

/* Sends OBS at its turn of --rate, stamped produced_at at the send (not
 * before the pause, which would add up to one interval to every latency
 * measured from it). */
static int send_obs(ingest_t *in, eddy_obs_t *obs)
{
    const void *val;
    size_t len;

    pace(in);
    obs->produced_at_us = eddy_now_us();
    if (eddy_codec_encode_obs(in->codec, obs, &val, &len))
        return -1;
    if (eddy_produce(in->producer, in->topic, RD_KAFKA_PARTITION_UA, obs->series_id,
                     strlen(obs->series_id), val, len, NULL, NULL))
        return -1;
    rd_kafka_poll(in->producer, 0);
    in->sent++;
    return 0;
}

static void bad_row(ingest_t *in, const char *file, long line, const char *text,
                    size_t len, const char *why)
{
    eddy_dlq_source_t src = {file, -1, line};

    in->bad++;
    fprintf(stderr, "eddy-ingest: %s:%ld: %s (row: '%.*s'); row sent to topic '%s'\n",
            file, line, why, (int)(len > 80 ? 80 : len), text, in->dlq_topic);
    eddy_kafka_deadletter(in->producer, in->dlq_topic, "ingest",
                          eddy_reason_name(EDDY_REASON_BAD_ROW), why, &src, NULL, 0,
                          text, len, NULL);
}

static int ingest_stream(ingest_t *in, FILE *f, const char *name, const char *series)
{
    eddy_ingest_parser_t *p =
        eddy_ingest_parser_new(series, conf.seq_start, (size_t)conf.max_series);
    char *line = NULL, errstr[512];
    size_t cap = 0;
    ssize_t n;
    long lineno = 0;
    eddy_obs_t obs;
    int rc = 0;

    if (!p)
        return -1;
    while (!eddy_loop_stopping() && (n = getline(&line, &cap, f)) >= 0) {
        lineno++;
        switch (eddy_ingest_parse_line(p, line, (size_t)n, eddy_now_us(), &obs, errstr,
                                       sizeof(errstr))) {
        case EDDY_ROW_OK:
            if (send_obs(in, &obs))
                rc = -1;
            break;
        case EDDY_ROW_BAD:
            while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
                n--;
            bad_row(in, name, lineno, line, (size_t)n, errstr);
            break;
        default:
            break;
        }
        if (rc)
            break;
    }
    free(line);
    eddy_ingest_parser_destroy(p);
    return rc;
}

/* Deterministic seasonal series: trend + 12-step season + noise from a
 * per-series LCG, so tests get the same stream every run. */
static int ingest_synthetic(ingest_t *in)
{
    long long n_series = conf.synthetic_series;
    long long count = conf.synthetic_count;
    eddy_obs_t obs;

    memset(&obs, 0, sizeof(obs));
    for (long long t = 0; t < count && !eddy_loop_stopping(); t++)
        for (long long s = 0; s < n_series; s++) {
            uint64_t r = (uint64_t)(s * 1000003 + t) * 6364136223846793005ULL +
                         1442695040888963407ULL;
            snprintf(obs.series_id, sizeof(obs.series_id), "synthetic-%04lld", s);
            obs.seq = t;
            obs.event_time_ms = t * 86400000LL;
            snprintf(obs.input, sizeof(obs.input), "t%lld", t);
            obs.value = 100.0 + (double)s + 0.5 * (double)t +
                        10.0 * sin(2.0 * M_PI * (double)(t % 12) / 12.0) +
                        (double)(r >> 40) / (double)(1ULL << 24);
            obs.produced_at_us = eddy_now_us();
            if (send_obs(in, &obs))
                return -1;
        }
    return 0;
}

/* The series name for a file: its base name without extension. */
static void series_from_path(const char *path, char *out, size_t size)
{
    const char *base = strrchr(path, '/');
    const char *dot;

    base = base ? base + 1 : path;
    dot = strrchr(base, '.');
    snprintf(out, size, "%.*s",
             (int)(dot && dot != base ? dot - base : (long)strlen(base)), base);
}

static int run(ingest_t *in)
{
    const char *const *args;
    int n_args = eddy_opts_args(in->opts, &args);
    const char *stdin_only[] = {"-"};
    char series[EDDY_SERIES_ID_MAX + 1];

    if (conf.synthetic_series > 0)
        return ingest_synthetic(in);
    if (n_args == 0) {
        args = stdin_only;
        n_args = 1;
    }
    for (int i = 0; i < n_args && !eddy_loop_stopping(); i++) {
        int is_stdin = !strcmp(args[i], "-");
        FILE *f = is_stdin ? stdin : fopen(args[i], "r");
        int rc;

        if (!f) {
            eddy_log_error("cannot open input", "path=\"%s\" error=\"%s\"", args[i],
                           strerror(errno));
            return -1;
        }
        if (conf.series_id)
            snprintf(series, sizeof(series), "%s", conf.series_id);
        else if (is_stdin)
            snprintf(series, sizeof(series), "default");
        else
            series_from_path(args[i], series, sizeof(series));
        rc = ingest_stream(in, f, is_stdin ? "<stdin>" : args[i], series);
        if (!is_stdin)
            fclose(f);
        if (rc)
            return rc;
    }
    return 0;
}

int main(int argc, char **argv)
{
    eddy_common_conf_t common;
    ingest_t in = {0};
    rd_kafka_conf_t *conf_k;
    char errstr[512];
    int rc;
    eddy_opts_t *opts = eddy_program_init(&ingest_def, &common, argc, argv, &rc);

    if (!opts)
        return rc;
    in.opts = opts;
    in.topic = conf.topic;
    in.dlq_topic = conf.deadletter_topic;
    in.pause_us = conf.interval_ms >= 0 ? conf.interval_ms * 1000
                  : conf.rate > 0       ? (int64_t)(1e6 / conf.rate)
                                        : 0;
    rc = 1;
    eddy_signals_install();
    if (!(in.codec = eddy_codec_new(errstr, sizeof(errstr))) ||
        !(conf_k =
              eddy_kafka_conf_new(opts, ingest_def.program, errstr, sizeof(errstr)))) {
        fprintf(stderr, "eddy-ingest: %s\n", errstr);
        goto out;
    }
    if ((rc = eddy_registry_attach(in.codec, opts, ingest_def.program, in.topic,
                                   EDDY_REC_OBSERVATION))) {
        rd_kafka_conf_destroy(conf_k);
        goto out;
    }
    rc = 1;
    eddy_produce_conf(conf_k, &in.dr);
    /* librdkafka's 5 ms linger would be most of a record's end-to-end
     * latency at low rates; 1 ms still batches at high ones (-X overrides). */
    if (eddy_kafka_conf_default(conf_k, opts, "linger.ms", "1", errstr,
                                sizeof(errstr))) {
        fprintf(stderr, "eddy-ingest: %s\n", errstr);
        rd_kafka_conf_destroy(conf_k);
        goto out;
    }
    if (!(in.producer = eddy_kafka_producer_new(conf_k, errstr, sizeof(errstr)))) {
        fprintf(stderr, "eddy-ingest: %s\n", errstr);
        goto out;
    }
    if (eddy_kafka_check_reachable(in.producer, common.bootstrap, 10000, errstr,
                                   sizeof(errstr))) {
        fprintf(stderr, "eddy-ingest: %s\n", errstr);
        goto out;
    }
    if (run(&in) == 0)
        rc = 0;
    eddy_produce_flush(in.producer, 1);
    if (in.dr.failed)
        rc = 1;
    eddy_log_info("done",
                  "sent=%" PRIu64 " bad_rows=%" PRIu64 " failed=%" PRIu64 " topic=%s",
                  in.sent, in.bad, in.dr.failed, in.topic);
out:
    if (in.producer) {
        rd_kafka_flush(in.producer, 5000);
        rd_kafka_destroy(in.producer);
    }
    eddy_codec_destroy(in.codec);
    eddy_opts_destroy(opts);
    return rc;
}
