/* util/log.h: one logger for every stage: logfmt lines on stderr.
 *
 *   ts=2026-11-25T10:00:00.123Z level=info stage=learn msg="started" model=linear
 *
 * The level is checked before anything is formatted. librdkafka's own log
 * lines are routed here by eddy_log_rdkafka_cb (set on every client).
 */
#ifndef EDDY_RT_LOG_H
#define EDDY_RT_LOG_H

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

/* librdkafka log callback (rd_kafka_conf_set_log_cb); the void * is the
 * rd_kafka_t, kept opaque so this header needs no librdkafka. */
void eddy_log_rdkafka_cb(const void *rk, int level, const char *fac, const char *buf);

#endif
