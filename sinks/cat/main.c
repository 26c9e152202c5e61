/* eddy-cat: any eddy topic as JSON lines on stdout (a console consumer). */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cat_json.h"
#include "codec/codec.h"
#include "runtime/kafka.h"
#include "util/log.h"
#include "runtime/loop.h"
#include "runtime/registry.h"
#include "runtime/stage.h"

typedef struct cat_conf_s {
    const char *topic, *from;
    int64_t count;
    int follow, meta, lag_names;
    const char *reader_schema;
} cat_conf_t;

static const eddy_opt_t cat_opts[] = {
    EDDY_OPT(cat_conf_t, STR, topic, "topic", 't', "predictions", "topic to read"),
    EDDY_OPT(cat_conf_t, STR, from, "from", 'f', "beginning",
             "where to start: beginning or end", .choices = "beginning|end"),
    EDDY_OPT(cat_conf_t, INT, count, "count", 'n', "0",
             "stop after this many records (0: no limit)", .min = 0,
             .max = EDDY_OPT_NO_MAX),
    EDDY_OPT(cat_conf_t, BOOL, follow, "follow", 'F', "false",
             "keep waiting for new records at the end"),
    EDDY_OPT(cat_conf_t, BOOL, meta, "meta", 'm', "false",
             "add key, partition, offset, timestamp and headers to each line"),
    EDDY_OPT(cat_conf_t, BOOL, lag_names, "lag-names", 0, "false",
             "print features as in_1..in_N fields"),
    EDDY_OPT(cat_conf_t, STR, reader_schema, "reader-schema", 0, NULL,
             "project every record onto this Avro record schema (FILE): its fields, "
             "missing ones filled with its defaults"),
    EDDY_OPT_TABLE_END};

static cat_conf_t conf;
static eddy_cat_stats_t stats; /* what could not be shown as it was */

static const eddy_stage_def_t cat_def = {
    EDDY_STAGE_NAME("cat"),
    .summary =
        "Reads an eddy topic (observations, features, predictions, scores, forecasts, "
        "model-events, deadletter) "
        "and prints one JSON object per record on stdout, decoding by schema id.",
    .input_type = -1,
    .output_type = -1,
    .opts = cat_opts,
    .conf = &conf,
    .input_topic = &conf.topic,
};

static json_t *headers_json(const rd_kafka_message_t *m)
{
    rd_kafka_headers_t *hdrs = NULL;
    json_t *o = json_object();
    const char *name;
    const void *val;
    size_t size;

    if (rd_kafka_message_headers(m, &hdrs))
        return o;
    for (size_t i = 0; !rd_kafka_header_get_all(hdrs, i, &name, &val, &size); i++)
        json_object_set_new(
            o, name, val ? eddy_cat_string_json(val, size, &stats) : json_null());
    return o;
}

static json_t *reader_schema; /* --reader-schema, parsed */

static void print_record(eddy_codec_t *codec, const rd_kafka_message_t *m)
{
    int meta = conf.meta;
    rd_kafka_headers_t *h = NULL;
    const void *v;
    size_t sz;
    /* A dead letter (an eddy.error header) keeps the original bytes, empty
     * ones included: shown decoded when possible and always in hex. */
    int is_dlq = !rd_kafka_message_headers(m, &h) &&
                 !rd_kafka_header_get_last(h, "eddy.error", &v, &sz);
    json_t *o;
    char *line;

    if (m->payload && m->len > 0 && reader_schema && !is_dlq) {
        o = eddy_cat_project_json(codec, m->payload, m->len, reader_schema);
    } else if (m->payload && m->len > 0) {
        o = eddy_cat_value_json(codec, m->payload, m->len, conf.lag_names, &stats);
    } else {
        o = json_object();
        json_object_set_new(o, "value", json_null());
    }
    if (is_dlq && !json_object_get(o, "hex")) {
        char *hex = eddy_cat_hex(m->payload, m->len, 4096);
        json_object_set_new(o, "hex", json_string(hex ? hex : ""));
        free(hex);
    }
    if (meta || is_dlq) {
        json_t *wrap = json_object();
        json_object_set_new(wrap, "key",
                            m->key ? eddy_cat_string_json(m->key, m->key_len, &stats)
                                   : json_null());
        json_object_set_new(wrap, "partition", json_integer(m->partition));
        json_object_set_new(wrap, "offset", json_integer(m->offset));
        json_object_set_new(wrap, "timestamp",
                            json_integer(rd_kafka_message_timestamp(m, NULL)));
        json_object_set_new(wrap, "headers", headers_json(m));
        json_object_set_new(wrap, "value", o);
        o = wrap;
    }
    if (o && (line = json_dumps(o, JSON_COMPACT | JSON_REAL_PRECISION(17)))) {
        puts(line);
        free(line);
    } else {
        fprintf(stderr, "%s: out of memory rendering %s [%d] offset %" PRId64 "\n",
                cat_def.program, rd_kafka_topic_name(m->rkt), (int)m->partition,
                m->offset);
        stats.undecodable++;
    }
    json_decref(o);
}

/* On stderr: what was not shown as it was, when anything. */
static void print_stats(long long seen)
{
    if (!stats.nonfinite && !stats.escaped && !stats.undecodable)
        return;
    fprintf(stderr,
            "%s: %lld records printed; %llu numbers not finite (printed as null "
            "with a *_nonfinite field), %llu strings not UTF-8 (bad bytes printed as "
            "\\xNN), %llu records not decodable (printed as an error object with "
            "their bytes in hex)\n",
            cat_def.program, seen, stats.nonfinite, stats.escaped, stats.undecodable);
}

static int assign_all(rd_kafka_t *rk, const char *topic, int64_t start, int *n_parts)
{
    const struct rd_kafka_metadata *md = NULL;
    rd_kafka_topic_t *rkt = rd_kafka_topic_new(rk, topic, NULL);
    rd_kafka_topic_partition_list_t *parts;
    rd_kafka_resp_err_t err = rd_kafka_metadata(rk, 0, rkt, &md, 10000);
    int rc = -1;

    rd_kafka_topic_destroy(rkt);
    if (err || md->topic_cnt != 1 || md->topics[0].err) {
        fprintf(stderr, "%s: cannot read topic '%s': %s\n", cat_def.program, topic,
                rd_kafka_err2str(err ? err
                                 : md->topic_cnt
                                     ? md->topics[0].err
                                     : RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART));
        goto out;
    }
    parts = rd_kafka_topic_partition_list_new(md->topics[0].partition_cnt);
    for (int i = 0; i < md->topics[0].partition_cnt; i++)
        rd_kafka_topic_partition_list_add(parts, topic, md->topics[0].partitions[i].id)
            ->offset = start;
    *n_parts = parts->cnt;
    rc = rd_kafka_assign(rk, parts) ? -1 : 0;
    rd_kafka_topic_partition_list_destroy(parts);
out:
    if (md)
        rd_kafka_metadata_destroy(md);
    return rc;
}

int main(int argc, char **argv)
{
    eddy_common_conf_t common;
    eddy_codec_t *codec = NULL;
    rd_kafka_conf_t *conf_k = NULL;
    rd_kafka_t *rk = NULL;
    char errstr[512];
    long long seen = 0;
    int rc, n_parts = 0, n_eof = 0;
    eddy_opts_t *opts = eddy_program_init(&cat_def, &common, argc, argv, &rc);

    if (!opts)
        return rc;
    rc = 1;
    eddy_signals_install();
    if (!(codec = eddy_codec_new(errstr, sizeof(errstr))) ||
        !(conf_k =
              eddy_kafka_conf_new(opts, cat_def.program, errstr, sizeof(errstr))) ||
        rd_kafka_conf_set(conf_k, "group.id", cat_def.program, errstr,
                          sizeof(errstr)) ||
        rd_kafka_conf_set(conf_k, "enable.partition.eof", "true", errstr,
                          sizeof(errstr)) ||
        rd_kafka_conf_set(conf_k, "enable.auto.commit", "false", errstr,
                          sizeof(errstr))) {
        fprintf(stderr, "%s: %s\n", cat_def.program, errstr);
        goto out;
    }
    if (conf.reader_schema) {
        json_error_t jerr;
        const char *file = conf.reader_schema;
        if (!(reader_schema = json_load_file(file, 0, &jerr)) ||
            !json_is_array(json_object_get(reader_schema, "fields"))) {
            fprintf(stderr, "%s: --reader-schema %s: %s\n", cat_def.program, file,
                    reader_schema ? "not an Avro record schema (no \"fields\")"
                                  : jerr.text);
            rc = 2;
            goto out;
        }
    }
    if ((rc = eddy_registry_attach(codec, opts, cat_def.program, NULL, -1)))
        goto out;
    rc = 1;
    if (!(rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf_k, errstr, sizeof(errstr)))) {
        fprintf(stderr, "%s: %s\n", cat_def.program, errstr);
        goto out;
    }
    conf_k = NULL;
    rd_kafka_poll_set_consumer(rk);
    if (eddy_kafka_check_reachable(rk, common.bootstrap, 10000, errstr,
                                   sizeof(errstr))) {
        fprintf(stderr, "%s: %s\n", cat_def.program, errstr);
        goto out;
    }
    if (assign_all(rk, conf.topic,
                   strcmp(conf.from, "end") ? RD_KAFKA_OFFSET_BEGINNING
                                            : RD_KAFKA_OFFSET_END,
                   &n_parts))
        goto out;
    while (!eddy_loop_stopping() && (conf.count == 0 || seen < conf.count) &&
           (conf.follow || n_eof < n_parts)) {
        rd_kafka_message_t *m = rd_kafka_consumer_poll(rk, 200);
        if (!m)
            continue;
        if (m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF)
            n_eof++;
        else if (m->err)
            eddy_log_warn("consumer error", "error=\"%s\"", rd_kafka_message_errstr(m));
        else {
            print_record(codec, m);
            seen++;
        }
        rd_kafka_message_destroy(m);
    }
    fflush(stdout);
    print_stats(seen);
    rc = 0;
out:
    if (conf_k)
        rd_kafka_conf_destroy(conf_k);
    if (rk) {
        rd_kafka_consumer_close(rk);
        rd_kafka_destroy(rk);
    }
    eddy_codec_destroy(codec);
    json_decref(reader_schema);
    eddy_opts_destroy(opts);
    return rc;
}
