/* eddy-ingest: CSV / JSON lines / a synthetic generator -> Observations. */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
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
#include "util/utf8.h"

typedef struct ingest_conf_s {
    const char *topic, *series_id;
    int64_t seq_start;
    double rate;
    int64_t interval_ms;
    const char *deadletter_topic;
    int64_t synthetic_series, synthetic_count, max_series;
    const char *delimiter, *time_column, *value_column, *series_column;
    const char *time_format, *time_unit;
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
    EDDY_OPT(
        ingest_conf_t, STR, delimiter, "delimiter", 0, "auto",
        "CSV field delimiter: comma, semicolon, tab, or auto (the most frequent of "
        "them outside quotes in the first row)",
        .choices = "auto|comma|semicolon|tab"),
    EDDY_OPT(ingest_conf_t, STR, time_column, "time-column", 0, NULL,
             "CSV column of the event time: a header name or a 1-based index; 'none': "
             "rows get the time of ingest (default: found by its header spelling)"),
    EDDY_OPT(ingest_conf_t, STR, value_column, "value-column", 0, NULL,
             "CSV column of the value: a header name or a 1-based index (default: "
             "target, y, value, #Passengers ...)"),
    EDDY_OPT(ingest_conf_t, STR, series_column, "series-column", 0, NULL,
             "CSV column of the series id: a header name or a 1-based index (default: "
             "series_id, unique_id, series, id ...; none: --series-id)"),
    EDDY_OPT(
        ingest_conf_t, STR, time_format, "time-format", 0, NULL,
        "strptime(3) format of event times that are not ISO 8601 or epoch numbers, "
        "e.g. '%b %Y' or '%d/%m/%Y %H:%M %z'"),
    EDDY_OPT(ingest_conf_t, STR, time_unit, "time-unit", 0, "auto",
             "unit of epoch-number event times: s, ms, us, ns, or auto (9-10 digits "
             "are seconds, 12-13 milliseconds; JSON numbers milliseconds)",
             .choices = "auto|s|ms|us|ns"),
    EDDY_OPT_TABLE_END};

static ingest_conf_t conf;

static const eddy_stage_def_t ingest_def = {
    EDDY_STAGE_NAME("ingest"),
    .usage = "[options] [FILE...|-]",
    .summary =
        "Publishes Observations keyed by series_id from CSV files (RFC 4180, a "
        "header such as input,target, ds,y or unique_id,ds,y), JSON lines, or a "
        "synthetic generator. Bad rows go to the dead-letter topic; exits 0 at the "
        "end of input once everything is delivered, non-zero for an empty input.",
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
    eddy_ingest_format_t format;
    struct {
        uint64_t n;
        char first[96];             /* file:line of the first */
    } faults[EDDY_FAULT_COUNT + 1]; /* refused rows by kind (+ unknown) */
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

/* TEXT on stderr, bytes that are not UTF-8 as \xNN (at most 80 bytes). */
static void print_row(const char *text, size_t len)
{
    int valid = eddy_utf8_valid(text, len);

    for (size_t i = 0; i < len && i < 80; i++) {
        unsigned char c = (unsigned char)text[i];
        if (c < 0x20 || c == 0x7f || (c >= 0x80 && !valid))
            fprintf(stderr, "\\x%02x", c);
        else
            fputc(c, stderr);
    }
}

/* Dead-letters a refused row (with FAULT's reason), counts it by FAULT and
 * prints the first of each kind; the rest are summed up at the end. */
static void bad_row(ingest_t *in, const char *file, long line, const char *text,
                    size_t len, const char *why, eddy_ingest_fault_t fault)
{
    eddy_dlq_source_t src = {file, -1, line};
    eddy_reason_t reason = eddy_ingest_fault_reason(fault);
    int k = (int)fault >= 0 && fault < EDDY_FAULT_COUNT ? (int)fault : EDDY_FAULT_COUNT;

    in->bad++;
    if (in->faults[k].n++ == 0) {
        snprintf(in->faults[k].first, sizeof(in->faults[k].first), "%s:%ld", file,
                 line);
        fprintf(stderr, "eddy-ingest: %s:%ld: %s (row: '", file, line, why);
        print_row(text, len);
        fprintf(stderr,
                "'); row sent to topic '%s' with reason %s (more rows of this kind "
                "are counted, not printed)\n",
                in->dlq_topic, eddy_reason_name(reason));
    }
    eddy_kafka_deadletter(in->producer, in->dlq_topic, 0, "ingest",
                          eddy_reason_name(reason), why, &src, NULL, 0, text, len,
                          NULL);
}

/* One line per kind of refused row that occurred more than once. */
static void bad_row_summary(const ingest_t *in)
{
    for (int i = 0; i <= EDDY_FAULT_COUNT; i++)
        if (in->faults[i].n > 1)
            fprintf(stderr,
                    "eddy-ingest: %" PRIu64 " rows refused as %s (the first at %s)\n",
                    in->faults[i].n, eddy_ingest_fault_name((eddy_ingest_fault_t)i),
                    in->faults[i].first);
}

/* Non-zero (with a message) when NAME gave no row at all: an empty input or
 * one with only a header is a mistake, not a success with sent=0. */
static int check_not_empty(const char *name, long records, uint64_t ok, uint64_t bad,
                           int header)
{
    if (ok > 0)
        return 0;
    if (bad > 0)
        eddy_log_error("no row of the input was accepted: see the refused rows above",
                       "path=\"%s\" bad_rows=%" PRIu64, name, bad);
    else if (records == 0)
        eddy_log_error("empty input: no rows",
                       "path=\"%s\" fix=\"give a CSV file with "
                       "a header and data rows, or JSON lines\"",
                       name);
    else if (header)
        eddy_log_error("input has a header but no data rows", "path=\"%s\"", name);
    else
        eddy_log_error("input has only blank or comment lines", "path=\"%s\"", name);
    return -1;
}

static int ingest_stream(ingest_t *in, FILE *f, const char *name, const char *series)
{
    eddy_ingest_parser_t *p =
        eddy_ingest_parser_new(series, conf.seq_start, (size_t)conf.max_series);
    char *line = NULL, errstr[768];
    size_t cap = 0;
    ssize_t n = -1;
    long lineno = 0, start, records = 0;
    uint64_t ok = 0, bad = 0;
    eddy_obs_t obs;
    int rc = 0;

    if (!p)
        return -1;
    if (eddy_ingest_parser_set_format(p, &in->format, errstr, sizeof(errstr))) {
        fprintf(stderr, "eddy-ingest: %s\n", errstr);
        eddy_ingest_parser_destroy(p);
        return -1;
    }
    while (!eddy_loop_stopping() &&
           (start = lineno + 1, n = eddy_ingest_read_record(f, &line, &cap, &lineno)) >=
               0) {
        records += n > 0;
        switch (eddy_ingest_parse_line(p, line, (size_t)n, eddy_now_us(), &obs, errstr,
                                       sizeof(errstr))) {
        case EDDY_ROW_OK:
            ok++;
            if (send_obs(in, &obs))
                rc = -1;
            break;
        case EDDY_ROW_BAD:
            bad++;
            bad_row(in, name, start, line, (size_t)n, errstr,
                    eddy_ingest_last_fault(p));
            /* every row would be read in the wrong layout */
            if (eddy_ingest_last_fault(p) == EDDY_FAULT_HEADER && ok == 0) {
                eddy_log_error("stopped reading: the CSV header names no usable "
                               "columns",
                               "path=\"%s\"", name);
                rc = -1;
            }
            break;
        default:
            break;
        }
        if (rc)
            break;
    }
    if (!rc && n == -2) {
        eddy_log_error("cannot read input", "path=\"%s\" line=%ld error=\"%s\"", name,
                       lineno + 1, strerror(errno));
        rc = -1;
    }
    if (!rc && !eddy_loop_stopping())
        rc = check_not_empty(name, records, ok, bad, eddy_ingest_parser_saw_header(p));
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
        struct stat st;
        FILE *f;
        int rc;

        if (!is_stdin && !stat(args[i], &st) && S_ISDIR(st.st_mode)) {
            eddy_log_error("input is a directory, not a file",
                           "path=\"%s\" fix=\"name the files in it, e.g. %s/*.csv\"",
                           args[i], args[i]);
            return -1;
        }
        if (!(f = is_stdin ? stdin : fopen(args[i], "r"))) {
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

/* The CSV/time options as a parser format; -1 (with a message) when one is
 * not usable. */
static int format_from_conf(eddy_ingest_format_t *f)
{
    const char *d = conf.delimiter;

    memset(f, 0, sizeof(*f));
    f->delimiter = !strcmp(d, "tab")         ? '\t'
                   : !strcmp(d, "comma")     ? ','
                   : !strcmp(d, "semicolon") ? ';'
                                             : 0; /* auto */
    f->time_column = conf.time_column;
    f->value_column = conf.value_column;
    f->series_column = conf.series_column;
    f->time.format = conf.time_format;
    if (eddy_time_unit_from_name(conf.time_unit, &f->time.unit)) {
        fprintf(stderr, "eddy-ingest: --time-unit '%s' is not auto, s, ms, us or ns\n",
                conf.time_unit);
        return -1;
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
    if (format_from_conf(&in.format))
        goto out;
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
    bad_row_summary(&in);
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
