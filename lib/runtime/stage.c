/* runtime/stage.c: the start-up every program shares and the one main of
 * the looping stages; the loop's options. */
#include "runtime/stage.h"

#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "runtime/registry.h"
#include "util/log.h"
#include "util/prom.h"
#include "util/reason.h"

typedef eddy_loop_conf_t L;

const eddy_opt_t eddy_loop_opts[] = {
    EDDY_OPT(L, STR, group, "group", 'g', NULL,
             "consumer group id (default: eddy-<stage>)"),
    EDDY_OPT(L, STR, deadletter_topic, "deadletter-topic", 0, "deadletter",
             "topic receiving records that cannot be processed"),
    EDDY_OPT(L, STR, http, "http", 0, NULL,
             "listen address of /metrics, /healthz, /readyz (host:port; port 0 picks "
             "one; 'off' disables; default: the stage's own port on 0.0.0.0)"),
    EDDY_OPT(L, INT, batch_size, "batch-size", 0, "5000",
             "records per batch (one transaction / commit)", .min = 1, .max = 1000000),
    EDDY_OPT(L, DURATION, batch_time_ms, "batch-time", 0, "100ms",
             "longest time a batch stays open", .min = 1, .max = EDDY_OPT_NO_MAX),
    EDDY_OPT(
        L, BOOL, exactly_once, "exactly-once", 0, "true",
        "batches are Kafka transactions with a state changelog (--no-exactly-once: "
        "at-least-once commits)"),
    EDDY_OPT(L, STR, transactional_id, "transactional-id", 0, NULL,
             "stable id of this replica's transactional producer (default: "
             "<group>-<hostname>; replicas on one host need distinct ids)"),
    EDDY_OPT(L, STR, state_topic, "state-topic", 0, NULL,
             "compacted changelog of per-series state (default: <group>-state)"),
    EDDY_OPT(L, INT, max_value_bytes, "max-value-bytes", 0, "1048576",
             "larger input values are dead-lettered (value_too_large) without being "
             "decoded",
             .min = 1, .max = EDDY_OPT_NO_MAX),
    EDDY_OPT(L, DURATION, exit_idle_ms, "exit-idle", 0, NULL,
             "exit 0 after this long without input (for batch jobs and tests); the "
             "time spent restoring state does not count"),
    EDDY_OPT(L, INT, batch_linger_us, "batch-linger-us", 0, "200",
             "a batch commits once no record is ready this many microseconds after "
             "its last one (the input is drained); under load --batch-size or "
             "--batch-time closes it first",
             .min = 0, .max = 100000),
    EDDY_OPT(L, INT, txn_producers, "transactional-producers", 0, "2",
             "exactly-once: transactional producers used in turn, one batch each "
             "(ids <transactional-id>, <transactional-id>.1, ...), so a batch never "
             "waits for the broker to finish the previous one's commit; 1: one "
             "producer",
             .min = 1, .max = EDDY_LOOP_TXN_PRODUCERS_MAX),
    EDDY_OPT(L, INT, checkpoint_records, "checkpoint-records", 0, "100",
             "exactly-once: write a series' snapshot to the changelog after this many "
             "of its records (1: every batch); a restore replays the input since",
             .min = 1, .max = EDDY_OPT_NO_MAX),
    EDDY_OPT(L, DURATION, checkpoint_interval_ms, "checkpoint-interval", 0, "10s",
             "exactly-once: or write it this long after the first record it lacks "
             "(keep the input longer than this plus any downtime: a restore needs it)",
             .min = 1, .max = EDDY_OPT_NO_MAX),
    EDDY_OPT_TABLE_END};

/* DEF's own options, the common ones (unless it has none) and the loop's
 * (when LOOP is given), in --help's order, into MAPS[4]. */
static void stage_maps(const eddy_stage_def_t *def, eddy_common_conf_t *common,
                       eddy_loop_conf_t *loop, eddy_opt_map_t *maps)
{
    int n = 0;

    maps[n++] = (eddy_opt_map_t){def->opts, def->conf};
    if (!def->no_common)
        maps[n++] = (eddy_opt_map_t){eddy_opts_common, common};
    if (loop)
        maps[n++] = (eddy_opt_map_t){eddy_loop_opts, loop};
    maps[n] = (eddy_opt_map_t){NULL, NULL};
}

/* Parses ARGV against DEF's maps; sets up logging. */
static eddy_opts_t *program_parse(const eddy_stage_def_t *def,
                                  eddy_common_conf_t *common, eddy_loop_conf_t *loop,
                                  int argc, char **argv, int *rc)
{
    eddy_opts_prog_t prog = {def->program, def->usage ? def->usage : "[options]",
                             def->summary};
    eddy_opt_map_t maps[4];
    int level;
    eddy_opts_t *opts;

    stage_maps(def, common, loop, maps);
    if (!(opts = eddy_opts_parse(&prog, maps, argc, argv, rc)))
        return NULL;
    level = eddy_log_level_parse(def->log_level ? *def->log_level : common->log_level);
    eddy_log_init(def->name, (eddy_log_level_t)level);
    return opts;
}

/* {"topic", "record"} of an input or output, and "compacted": true for a
 * compacted output. */
static json_t *describe_io(const char *const *topic, int type, int compacted)
{
    json_t *o;

    if (!topic || type < 0)
        return json_null();
    o = json_pack("{s:s, s:s}", "topic", *topic, "record",
                  eddy_rec_type_name((eddy_rec_type_t)type));
    if (o && compacted)
        json_object_set_new(o, "compacted", json_true());
    return o;
}

/* DEF's further outputs as an array of describe_io objects. */
static json_t *describe_extra(const eddy_stage_def_t *def)
{
    json_t *a = json_array();

    for (int i = 0; a && i < EDDY_STAGE_EXTRA_MAX && def->extra_outputs[i].topic; i++)
        json_array_append_new(a, describe_io(def->extra_outputs[i].topic,
                                             def->extra_outputs[i].type,
                                             def->extra_outputs[i].compacted));
    return a;
}

json_t *eddy_stage_opts_json(const eddy_opt_map_t *maps)
{
    eddy_buf_t buf = EDDY_BUF_INIT;
    json_t *a;

    eddy_opts_describe_json(maps, &buf);
    a = buf.data ? json_loads(buf.data, 0, NULL) : NULL;
    eddy_buf_free(&buf);
    return a ? a : json_array();
}

/* Prints DEF as JSON on stdout (--describe); GROUP is NULL for a program
 * without a consumer group. */
static void describe(const eddy_stage_def_t *def, const char *group, int loops)
{
    eddy_loop_conf_t loop;
    eddy_common_conf_t common;
    eddy_opt_map_t maps[4];
    json_t *o;

    stage_maps(def, &common, loops ? &loop : NULL, maps);
    o = json_pack(
        "{s:s, s:s, s:o, s:o, s:o, s:o, s:o}", "program", def->program, "stage",
        def->name, "http_port",
        def->http_port ? json_integer(def->http_port) : json_null(), "group",
        group ? json_string(group) : json_null(), "input",
        describe_io(def->input_topic, def->input_type, 0), "output",
        describe_io(def->output_topic, def->output_type, def->output_compacted),
        "options", eddy_stage_opts_json(maps));
    if (o && def->extra_outputs[0].topic)
        json_object_set_new(o, "extra_outputs", describe_extra(def));
    if (o && def->describe)
        def->describe(o);
    if (o)
        json_dumpf(o, stdout, JSON_COMPACT);
    putchar('\n');
    json_decref(o);
}

eddy_opts_t *eddy_program_init(const eddy_stage_def_t *def, eddy_common_conf_t *common,
                               int argc, char **argv, int *rc)
{
    eddy_opts_t *opts = program_parse(def, common, NULL, argc, argv, rc);

    if (opts && eddy_opts_describing(opts)) {
        describe(def, NULL, 0);
        eddy_opts_destroy(opts);
        *rc = 0;
        return NULL;
    }
    return opts;
}

const char *eddy_stage_decode_rec(eddy_codec_t *codec, eddy_rec_type_t type,
                                  const eddy_msg_t *msg, void *rec, char *errstr,
                                  size_t errstr_size)
{
    eddy_codec_err_t err = eddy_codec_decode(codec, type, msg->value, msg->value_len,
                                             rec, errstr, errstr_size);

    return err ? eddy_codec_err_reason(err) : NULL;
}

const char *eddy_stage_emit_rec(eddy_emit_t *emit, eddy_codec_t *codec,
                                eddy_rec_type_t type, const void *rec,
                                const char *topic, const char *series_id, char *errstr,
                                size_t errstr_size)
{
    const void *out;
    size_t out_len;

    if (eddy_codec_encode(codec, type, rec, &out, &out_len)) {
        snprintf(errstr, errstr_size, "cannot encode the %s record",
                 eddy_rec_type_name(type));
        return eddy_reason_name(EDDY_REASON_ENCODE);
    }
    eddy_emit(emit, topic, series_id, strlen(series_id), out, out_len);
    return NULL;
}

void eddy_stage_gauge(eddy_buf_t *out, const char *name, const char *help, double value)
{
    eddy_prom_buf_t *p = eddy_prom_buf_over(out);

    if (!p) {
        out->failed = 1;
        return;
    }
    eddy_prom_family(p, name, EDDY_PROM_GAUGE, help);
    eddy_prom_sample(p, NULL, 0, value);
    eddy_prom_buf_destroy(p);
}

/* The consumer group: --group, else eddy-<stage>[-<suffix>]. */
static const char *stage_group(const eddy_stage_def_t *def,
                               const eddy_loop_conf_t *loop, char *buf, size_t size)
{
    if (loop->group)
        return loop->group;
    if (def->group_suffix && *def->group_suffix && **def->group_suffix)
        snprintf(buf, size, "eddy-%s-%s", def->name, *def->group_suffix);
    else if (def->group_suffix_fallback && *def->group_suffix_fallback)
        snprintf(buf, size, "eddy-%s-%s", def->name, *def->group_suffix_fallback);
    else
        snprintf(buf, size, "eddy-%s", def->name);
    return buf;
}

static const eddy_opts_t *running_opts;

const eddy_opts_t *eddy_stage_opts(void)
{
    return running_opts;
}

/* Everything between the options and the loop: core, codec, registry. */
static int stage_run(const eddy_stage_def_t *def, eddy_stage_t *stage,
                     eddy_codec_t *codec, eddy_loop_conf_t *loop,
                     const eddy_opts_t *opts)
{
    char errstr[1024], http[32];
    int rc;

    running_opts = opts;
    if ((rc = def->start(stage, codec, errstr, sizeof(errstr)))) {
        if (rc == 2)
            fprintf(stderr, "%s: %s\n", def->program, errstr);
        else if (rc > 0)
            eddy_log_error("cannot start", "error=\"%s\"", errstr);
        return rc == EDDY_STAGE_DONE ? 0 : rc;
    }
    if ((rc = eddy_registry_attach(codec, opts, def->program,
                                   def->output_topic ? *def->output_topic : NULL,
                                   def->output_type)))
        return rc;
    for (int i = 0, n = 0; i < EDDY_STAGE_EXTRA_MAX && def->extra_outputs[i].topic;
         i++) {
        const eddy_stage_output_t *x = &def->extra_outputs[i];
        if ((rc = eddy_registry_attach(codec, opts, def->program, *x->topic, x->type)))
            return rc;
        if (x->compacted)
            stage->extra_compacted[n++] = *x->topic;
    }
    snprintf(http, sizeof(http), "0.0.0.0:%d", def->http_port);
    stage->name = def->name;
    stage->input_topic = *def->input_topic;
    stage->group = loop->group;
    stage->default_http = http;
    if (def->output_compacted && def->output_topic)
        stage->compacted_topic = *def->output_topic;
    return eddy_loop_run(stage, loop, opts);
}

int eddy_stage_main(const eddy_stage_def_t *def, int argc, char **argv)
{
    eddy_common_conf_t common;
    eddy_loop_conf_t loop;
    eddy_stage_t stage = def->loop;
    eddy_codec_t *codec = NULL;
    char errstr[512], group[256];
    int rc;
    eddy_opts_t *opts = program_parse(def, &common, &loop, argc, argv, &rc);

    if (!opts)
        return rc;
    loop.group = stage_group(def, &loop, group, sizeof(group));
    loop.bootstrap = common.bootstrap;
    if (eddy_opts_describing(opts)) {
        describe(def, loop.group, 1);
        rc = 0;
    } else if (!(codec = eddy_codec_new(errstr, sizeof(errstr)))) {
        eddy_log_error("cannot start", "error=\"%s\"", errstr);
        rc = 1;
    } else {
        rc = stage_run(def, &stage, codec, &loop, opts);
        if (def->stop)
            def->stop(&stage);
    }
    eddy_codec_destroy(codec);
    eddy_opts_destroy(opts);
    return rc;
}
