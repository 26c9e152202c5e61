/* runtime/stage.h: a stage is a pure core plus one definition.
 *
 * A program states once what it is: its names, default HTTP port, input
 * and output records and topics, its options bound to its config struct,
 * and the callbacks that build its core. eddy_stage_main does every step
 * the looping stages share (options, logging, --describe, codec and Schema
 * Registry, the loop, teardown); programs with their own main (eddy-ingest,
 * eddy-cat, eddy-broker) share the options, logging and --describe through
 * eddy_program_init.
 *
 * `--describe` prints the definition as JSON (program, stage, port, group,
 * topics, options, and what the stage adds: eddy-learn its models); deploy/
 * is generated from it.
 */
#ifndef EDDY_RT_STAGE_H
#define EDDY_RT_STAGE_H

#include <jansson.h>

#include "codec/codec.h"
#include "runtime/loop.h"
#include "util/buf.h"
#include "util/opts.h"

/* eddy_stage_def_t.start's "done, exit 0 without running" (--list-models). */
#define EDDY_STAGE_DONE (-1)

/* A definition's name and program, "eddy-" STAGE_NAME (a string literal). */
#define EDDY_STAGE_NAME(stage_name) .name = stage_name, .program = "eddy-" stage_name

/* A further output of a stage: written with eddy_emit (any topic goes into
 * the batch's transaction); declared so that --describe, deploy/, the
 * registry and the loop (which creates it compacted) know it. */
typedef struct eddy_stage_output_s {
    const char *const *topic; /* a field of CONF; NULL ends the list */
    int type;                 /* eddy_rec_type_t written */
    int compacted;            /* a compacted table (latest record per key) */
} eddy_stage_output_t;

typedef struct eddy_stage_def_s {
    const char *name;    /* stage name in logs and metrics: "features" */
    const char *program; /* executable: "eddy-features" */
    const char *usage;   /* --help's line after the program name; NULL: "[options]" */
    const char *summary; /* --help's paragraph (the README quotes it) */
    int http_port;       /* default port of /metrics, /healthz, /readyz; 0: none */
    int input_type;      /* eddy_rec_type_t read, -1: none */
    int output_type;     /* eddy_rec_type_t written, -1: none */
    /* The program's own options, bound to CONF. */
    const eddy_opt_t *opts;
    void *conf;
    /* Fields of CONF (NULL: none): the topics read and written, the suffix
     * of the default group ("eddy-<name>[-<suffix>]") and, for a program
     * without the common options, its --log-level. */
    const char *const *input_topic;
    const char *const *output_topic;
    const char *const *group_suffix;
    const char *const *group_suffix_fallback; /* used when group_suffix is
                                                 NULL or empty */
    const char *const *log_level;
    int output_compacted; /* the output topic is a compacted table (latest
                             record per key): the loop creates it so */
    int no_common;        /* without bootstrap, -X, --config... (eddy-broker) */
    /* Further outputs (up to EDDY_STAGE_EXTRA_MAX; {NULL} or none: only the
     * output above). */
    eddy_stage_output_t extra_outputs[EDDY_STAGE_EXTRA_MAX];
    /* The loop's callbacks and their ctx (a looping stage); eddy_stage_main
     * fills in the name, input topic, group and default HTTP address. */
    eddy_stage_t loop;
    /* Adds the stage's own members to its --describe object (optional). */
    void (*describe)(json_t *description);
    /* Builds the core from CONF into LOOP's ctx; STAGE is the copy of LOOP
     * that runs (start may adjust it, e.g. from_beginning). CODEC is the
     * program's, alive until stop. Returns 0 to run the loop,
     * EDDY_STAGE_DONE to exit 0 at once, or an exit code with ERRSTR
     * filled: 2 for a bad configuration, 1 for a failure. */
    int (*start)(eddy_stage_t *stage, eddy_codec_t *codec, char *errstr,
                 size_t errstr_size);
    /* Frees what start built (called whenever start was). */
    void (*stop)(eddy_stage_t *stage);
} eddy_stage_def_t;

/* The whole life of a looping stage (DEF has loop and start). Returns the process
 * exit code: 0 (also after --help or --describe), 1 on a failure, 2 on a
 * usage error. */
int eddy_stage_main(const eddy_stage_def_t *def, int argc, char **argv);

/* Start-up of a program with its own main: loads DEF's options and (unless
 * DEF->no_common) the common ones into *COMMON, sets up logging and
 * answers --describe. Returns the parsed options (the caller destroys
 * them), or NULL with *RC set: 0 after --help or --describe, 2 on a usage
 * error. */
eddy_opts_t *eddy_program_init(const eddy_stage_def_t *def, eddy_common_conf_t *common,
                               int argc, char **argv, int *rc);

/* The running program's options (bootstrap, -X...), for a stage's start()
 * that opens Kafka clients of its own through lib/runtime (runtime/tail.h);
 * NULL outside eddy_stage_main. */
const eddy_opts_t *eddy_stage_opts(void);

/* From a stage's process(): decodes MSG's value, a framed record of TYPE,
 * into REC (the struct of TYPE). Returns NULL, or the codec's dead-letter
 * reason ("decode:<name>", eddy_codec_err_reason) with ERRSTR filled. */
const char *eddy_stage_decode_rec(eddy_codec_t *codec, eddy_rec_type_t type,
                                  const eddy_msg_t *msg, void *rec, char *errstr,
                                  size_t errstr_size);

/* From a stage's process(): encodes REC (the struct of TYPE) with CODEC and
 * emits it to TOPIC keyed by SERIES_ID. Returns NULL, or the dead-letter
 * reason "encode" (util/reason.h) with ERRSTR filled when REC does not
 * encode. */
const char *eddy_stage_emit_rec(eddy_emit_t *emit, eddy_codec_t *codec,
                                eddy_rec_type_t type, const void *rec,
                                const char *topic, const char *series_id, char *errstr,
                                size_t errstr_size);

/* Writes the gauge family NAME (HELP) with one sample VALUE to OUT through
 * the Prometheus writer (util/prom.h): a stage's own metrics() callback.
 * Failures leave OUT's sticky error set. */
void eddy_stage_gauge(eddy_buf_t *out, const char *name, const char *help,
                      double value);

/* Defines the loop's per-series state callbacks PREFIX_save, PREFIX_load
 * and PREFIX_drop (static) of a stage whose ctx, a CTX_T, holds its core in
 * member FIELD: each forwards to CORE_save, CORE_load and CORE_drop, the
 * state functions of a stage core (core first, then as eddy_stage_t's
 * state_save, state_load, state_drop). EDDY_STAGE_STATE(PREFIX) names them
 * in the definition's .loop. */
#define EDDY_STAGE_STATE_CALLBACKS(prefix, ctx_t, field, core)                         \
    static int prefix##_save(void *arg, const char *series_id, eddy_buf_t *out)        \
    {                                                                                  \
        return core##_save(((ctx_t *)arg)->field, series_id, out);                     \
    }                                                                                  \
    static int prefix##_load(void *arg, const char *series_id, const void *buf,        \
                             size_t len, char *errstr, size_t errstr_size)             \
    {                                                                                  \
        return core##_load(((ctx_t *)arg)->field, series_id, buf, len, errstr,         \
                           errstr_size);                                               \
    }                                                                                  \
    static void prefix##_drop(void *arg, const char *series_id)                        \
    {                                                                                  \
        core##_drop(((ctx_t *)arg)->field, series_id);                                 \
    }
#define EDDY_STAGE_STATE(prefix)                                                       \
    .state_save = prefix##_save, .state_load = prefix##_load,                          \
    .state_drop = prefix##_drop

/* The options of MAPS as a JSON array (as --describe lists them); the
 * caller owns the result. */
json_t *eddy_stage_opts_json(const eddy_opt_map_t *maps);

#endif
