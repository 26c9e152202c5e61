/* util/err.h: the one error type of the runtime.
 *
 * A function that can fail fills an eddy_err_t the caller owns and returns
 * -1; the class says what the caller may do about it:
 *
 *   RETRIABLE  call again (a timeout, a coordinator moving)
 *   ABORT      the batch cannot be committed: abort it and replay it
 *   FATAL      stop; the exit code tells a supervisor whether to restart:
 *              EDDY_EXIT_CONFIG when the error says a setting is wrong
 *              (err.config: restarting would fail the same way),
 *              EDDY_EXIT_TEMPFAIL otherwise (restarting may help)
 *
 * The message says what failed, with what value, and what to do.
 */
#ifndef EDDY_UTIL_ERR_H
#define EDDY_UTIL_ERR_H

/* Every class with its name, one row each. */
#define EDDY_ERR_CLASSES(X)                                                            \
    X(OK, "ok")                                                                        \
    X(RETRIABLE, "retriable")                                                          \
    X(ABORT, "abort")                                                                  \
    X(FATAL, "fatal")

typedef enum eddy_err_class_e {
#define EDDY_ERR_CLASS_ENUM(id, name) EDDY_ERR_##id,
    EDDY_ERR_CLASSES(EDDY_ERR_CLASS_ENUM)
#undef EDDY_ERR_CLASS_ENUM
} eddy_err_class_t;

/* Exit codes of a stage that stopped on a fatal error (sysexits.h). */
#define EDDY_EXIT_TEMPFAIL 75 /* EX_TEMPFAIL: transient; a restart may help */
#define EDDY_EXIT_CONFIG   78 /* EX_CONFIG: a setting is wrong; fix it first */

typedef struct eddy_err_s {
    eddy_err_class_t cls;
    int code; /* the failing library's code (an rd_kafka_resp_err_t), or 0 */
    char msg[512];
    int config; /* 1: a setting is wrong (exit EDDY_EXIT_CONFIG); set after
                   eddy_err_set, which clears it */
} eddy_err_t;

#define EDDY_ERR_INIT                                                                  \
    {                                                                                  \
        EDDY_ERR_OK, 0, "", 0                                                          \
    }

/* Fills ERR (NULL is allowed: the error is then dropped) and returns -1, so
 * that `return eddy_err_set(err, ...);` reads as the failure it is. */
int eddy_err_set(eddy_err_t *err, eddy_err_class_t cls, int code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Resets ERR to EDDY_ERR_OK. */
void eddy_err_clear(eddy_err_t *err);

/* "ok", "retriable", "abort" or "fatal"; "unknown" outside the table. */
const char *eddy_err_class_name(eddy_err_class_t cls);

#endif
