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

typedef struct eddy_stage_def_s {
    const char *name;    /* stage name in logs and metrics: "features" */
    const char *program; /* executable: "eddy-features" */
    const char *usage;   /* --help's line after the program name */
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
    const char *const *log_level;
    int no_common; /* without bootstrap, -X, --config... (eddy-broker) */
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

/* The options of MAPS as a JSON array (as --describe lists them); the
 * caller owns the result. */
json_t *eddy_stage_opts_json(const eddy_opt_map_t *maps);

#endif
