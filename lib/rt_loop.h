/* rt_loop.h: the one consume -> process -> produce -> commit loop.
 *
 * Every Kafka stage is this loop around a pure core. A stage supplies its
 * input topic, a process() callback and optional metrics / HTTP routes;
 * nothing else about Kafka appears in a stage's folder.
 *
 * Per batch (bounded by --batch-size records and --batch-time): poll,
 * process each record (bad ones go to the dead-letter topic with the reason
 * in headers), flush the produced outputs, then commit the input offsets.
 * Offsets are committed only after every output of the batch is
 * acknowledged, so a crash repeats records and never loses one
 * (at-least-once); stages skip repeated records by their per-series seq.
 * SIGINT/SIGTERM finish the batch, commit, close the consumer, flush the
 * producer and return 0.
 */
#ifndef EDDY_RT_LOOP_H
#define EDDY_RT_LOOP_H

#include <stddef.h>
#include <stdint.h>

#include "core_buf.h"
#include "rt_opts.h"

/* One input record, as the loop hands it to a stage. */
typedef struct eddy_msg_s {
    const void *key;
    size_t key_len;
    const void *value;
    size_t value_len;
    const char *topic;
    int32_t partition;
    int64_t offset;
    int64_t timestamp_ms; /* Kafka record timestamp */
} eddy_msg_t;

typedef struct eddy_emit_s eddy_emit_t;

/* Produces one output record (copied) from within process(). Returns 0, or
 * -1 when the producer refused it (the loop then stops without committing). */
int eddy_emit(eddy_emit_t *emit, const char *topic, const void *key, size_t key_len,
              const void *value, size_t value_len);

/* Counts a record the stage deliberately skipped (e.g. a duplicate). */
void eddy_emit_skip(eddy_emit_t *emit, const char *reason);

typedef struct eddy_stage_s {
    const char *name; /* "features", "learn", "metrics" */
    const char *input_topic;
    const char *group;        /* consumer group id */
    const char *default_http; /* listen address when --http is not given */
    int from_beginning;       /* read every assigned partition from its start
                                 (a sink rebuilding in-memory aggregates) */
    void *ctx;
    /* Processes one record. Returns NULL, or a short dead-letter reason
     * ("decode:truncated", "series_cap") with a human message in ERRSTR;
     * the loop then dead-letters the record and goes on. */
    const char *(*process)(void *ctx, const eddy_msg_t *msg, eddy_emit_t *emit,
                           char *errstr, size_t errstr_size);
    /* Appends the stage's own Prometheus families (optional). */
    void (*metrics)(void *ctx, eddy_buf_t *out);
    /* Extra HTTP routes (optional): returns a status, or 0 for "not mine". */
    int (*http)(void *ctx, const char *path, eddy_buf_t *body,
                const char **content_type);
} eddy_stage_t;

/* Options of every looping stage (group, batching, dead letters, HTTP). */
extern const eddy_opt_t eddy_loop_opts[];

/* Runs STAGE until SIGINT/SIGTERM (or --exit-idle). Returns the process
 * exit code: 0 after a clean shutdown, 1 on a fatal Kafka error. */
int eddy_loop_run(const eddy_stage_t *stage, const eddy_opts_t *opts);

/* Installs the SIGINT/SIGTERM handlers; eddy_loop_stopping() tells whether
 * one arrived. For programs that do not run the loop (ingest). */
void eddy_signals_install(void);
int eddy_loop_stopping(void);

/* Parses the command line of a program against OWN, the common options and
 * (when WITH_LOOP) the loop's options, and sets up logging for STAGE.
 * Returns NULL with *RC set on --help (0) or a usage error (2). */
eddy_opts_t *eddy_program_init(const char *prog, const char *stage, const char *usage,
                               const char *summary, const eddy_opt_t *own,
                               int with_loop, int argc, char **argv, int *rc);

#endif
