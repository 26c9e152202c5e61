#include "util/log.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>

static char log_stage[32] = "eddy";
static eddy_log_level_t log_level = EDDY_LOG_INFO;
static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;

void eddy_log_init(const char *stage, eddy_log_level_t level)
{
    snprintf(log_stage, sizeof(log_stage), "%s", stage);
    log_level = level;
}

/* Every level with its name (--log-level's values, the lines' level=). */
static const struct {
    const char *name;
    eddy_log_level_t level;
} levels[] = {{"error", EDDY_LOG_ERROR},
              {"warn", EDDY_LOG_WARN},
              {"info", EDDY_LOG_INFO},
              {"debug", EDDY_LOG_DEBUG}};

int eddy_log_level_parse(const char *name)
{
    for (size_t i = 0; i < sizeof(levels) / sizeof(levels[0]); i++)
        if (!strcmp(name, levels[i].name))
            return (int)levels[i].level;
    return -1;
}

int eddy_log_enabled(eddy_log_level_t level)
{
    return level <= log_level;
}

static const char *level_name(eddy_log_level_t level)
{
    for (size_t i = 0; i < sizeof(levels) / sizeof(levels[0]); i++)
        if (levels[i].level == level)
            return levels[i].name;
    return "debug";
}

/* Writes S as a logfmt quoted value: backslash and quote escaped, control
 * characters (including newlines from librdkafka) shown as \n or spaces. */
static void put_quoted(FILE *f, const char *s)
{
    fputc('"', f);
    for (; *s; s++) {
        if (*s == '"' || *s == '\\')
            fputc('\\', f), fputc(*s, f);
        else if (*s == '\n')
            fputs("\\n", f);
        else if ((unsigned char)*s < 0x20)
            fputc(' ', f);
        else
            fputc(*s, f);
    }
    fputc('"', f);
}

static void vlog(eddy_log_level_t level, const char *msg, const char *kv_fmt,
                 va_list ap)
{
    struct timeval tv;
    struct tm tm;
    char ts[32];

    gettimeofday(&tv, NULL);
    gmtime_r(&tv.tv_sec, &tm);
    strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%S", &tm);
    pthread_mutex_lock(&log_lock);
    fprintf(stderr, "ts=%s.%03dZ level=%s stage=%s msg=", ts, (int)(tv.tv_usec / 1000),
            level_name(level), log_stage);
    put_quoted(stderr, msg);
    if (kv_fmt && *kv_fmt) {
        fputc(' ', stderr);
        vfprintf(stderr, kv_fmt, ap);
    }
    fputc('\n', stderr);
    fflush(stderr);
    pthread_mutex_unlock(&log_lock);
}

void eddy_log(eddy_log_level_t level, const char *msg, const char *kv_fmt, ...)
{
    va_list ap;

    if (!eddy_log_enabled(level))
        return;
    va_start(ap, kv_fmt);
    vlog(level, msg, kv_fmt, ap);
    va_end(ap);
}

void eddy_log_rdkafka_cb(const void *rk, int level, const char *fac, const char *buf)
{
    eddy_log_level_t l = level <= 3   ? EDDY_LOG_ERROR
                         : level == 4 ? EDDY_LOG_WARN
                         : level <= 6 ? EDDY_LOG_INFO
                                      : EDDY_LOG_DEBUG;
    (void)rk;
    if (eddy_log_enabled(l))
        eddy_log(l, buf, "component=rdkafka facility=%s", fac);
}

int eddy_ratelimit(eddy_ratelimit_t *rl, int64_t interval_ms, uint64_t *suppressed)
{
    struct timespec ts;
    int64_t now_ms;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    now_ms = (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
    if (rl->next_ms != 0 && now_ms < rl->next_ms) {
        rl->suppressed++;
        return 0;
    }
    *suppressed = rl->suppressed;
    rl->suppressed = 0;
    rl->next_ms = now_ms + (interval_ms > 0 ? interval_ms : 1);
    return 1;
}
