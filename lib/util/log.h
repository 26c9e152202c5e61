/* util/log.h: one logger for every stage: logfmt lines on stderr.
 *
 *   ts=2026-11-25T10:00:00.123Z level=info stage=learn msg="started" model=linear
 *
 * The level is checked before anything is formatted. librdkafka's own log
 * lines are routed here by eddy_log_rdkafka_cb (set on every client).
 */
#ifndef EDDY_RT_LOG_H
#define EDDY_RT_LOG_H

#include <stdint.h>

typedef enum {
    EDDY_LOG_ERROR = 3,
    EDDY_LOG_WARN = 4,
    EDDY_LOG_INFO = 6,
    EDDY_LOG_DEBUG = 7
} eddy_log_level_t;

/* Sets the stage name written in every line and the minimum level. */
void eddy_log_init(const char *stage, eddy_log_level_t level);

/* Parses "error|warn|info|debug"; returns -1 on anything else. */
int eddy_log_level_parse(const char *name);

int eddy_log_enabled(eddy_log_level_t level);

/* Writes one line: MSG is quoted; KV_FMT (may be NULL) formats further
 * logfmt pairs, e.g. "topic=%s partition=%d". */
void eddy_log(eddy_log_level_t level, const char *msg, const char *kv_fmt, ...)
    __attribute__((format(printf, 3, 4)));

#define eddy_log_error(msg, ...) eddy_log(EDDY_LOG_ERROR, msg, __VA_ARGS__)
#define eddy_log_warn(msg, ...)  eddy_log(EDDY_LOG_WARN, msg, __VA_ARGS__)
#define eddy_log_info(msg, ...)  eddy_log(EDDY_LOG_INFO, msg, __VA_ARGS__)
#define eddy_log_debug(msg, ...) eddy_log(EDDY_LOG_DEBUG, msg, __VA_ARGS__)

/* A rate limit for a line that may repeat once per record or event: the
 * first is written, then at most one per interval, each carrying the count
 * of those held back in between. Not thread-safe: one per thread or lock. */
typedef struct eddy_ratelimit_s {
    int64_t next_ms;     /* monotonic time of the next line allowed (0: now) */
    uint64_t suppressed; /* held back since the last line written */
} eddy_ratelimit_t;

/* 1 when a line may be written now, INTERVAL_MS after the last one; then
 * *SUPPRESSED is the count held back since (and the count restarts). 0 when
 * the line is held back (counted). */
int eddy_ratelimit(eddy_ratelimit_t *rl, int64_t interval_ms, uint64_t *suppressed);

/* librdkafka log callback (rd_kafka_conf_set_log_cb); the void * is the
 * rd_kafka_t, kept opaque so this header needs no librdkafka. */
void eddy_log_rdkafka_cb(const void *rk, int level, const char *fac, const char *buf);

#endif
