/* util/buf.h: a growable text buffer (HTTP bodies, Prometheus text, JSON). */
#ifndef EDDY_CORE_BUF_H
#define EDDY_CORE_BUF_H

#include <stddef.h>

typedef struct eddy_buf_s {
    char *data; /* always NUL-terminated once anything was appended */
    size_t len;
    size_t cap;
    int failed; /* set when an allocation failed; later appends are no-ops */
} eddy_buf_t;

#define EDDY_BUF_INIT                                                                  \
    {                                                                                  \
        NULL, 0, 0, 0                                                                  \
    }

/* Appends formatted text. Returns 0, or -1 once allocation has failed. */
int eddy_buf_printf(eddy_buf_t *buf, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

int eddy_buf_append(eddy_buf_t *buf, const char *s, size_t n);

/* Empties the buffer, keeping its memory. */
void eddy_buf_reset(eddy_buf_t *buf);

/* Frees the memory; the buffer may be reused afterwards. */
void eddy_buf_free(eddy_buf_t *buf);

#endif
