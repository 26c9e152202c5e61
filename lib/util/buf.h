/* util/buf.h: the one growable byte buffer: text (HTTP bodies, Prometheus
 * text, JSON) and binary (state snapshots, little-endian fixed-width); and
 * the growth of arrays (eddy_grow). */
#ifndef EDDY_CORE_BUF_H
#define EDDY_CORE_BUF_H

#include <stddef.h>
#include <stdint.h>

typedef struct eddy_buf_s {
    char *data; /* malloc'ed; always NUL-terminated once anything was appended */
    size_t len;
    size_t cap;
    int failed; /* sticky: an allocation failed; later appends are no-ops */
} eddy_buf_t;

#define EDDY_BUF_INIT                                                                  \
    {                                                                                  \
        NULL, 0, 0, 0                                                                  \
    }

/* Appends formatted text. Returns 0, or -1 once allocation has failed. */
int eddy_buf_printf(eddy_buf_t *buf, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Appends N bytes at P (text or binary). Returns 0, or -1 once allocation
 * has failed. */
int eddy_buf_append(eddy_buf_t *buf, const void *p, size_t n);

/* Little-endian fixed-width appends (util/bytes.h reads them back); doubles
 * are stored bit-exact. Each returns 0, or -1 once allocation has failed. */
int eddy_buf_put_u8(eddy_buf_t *buf, uint8_t v);
int eddy_buf_put_u32(eddy_buf_t *buf, uint32_t v);
int eddy_buf_put_u64(eddy_buf_t *buf, uint64_t v);
int eddy_buf_put_f64(eddy_buf_t *buf, double v);
/* N doubles from V. */
int eddy_buf_put_f64s(eddy_buf_t *buf, const double *v, size_t n);

/* Makes room for EXTRA more bytes without further allocation; afterwards
 * data is non-NULL and NUL-terminated. Returns 0, or -1 once allocation
 * has failed. */
int eddy_buf_reserve(eddy_buf_t *buf, size_t extra);

/* Empties the buffer, keeping its memory (and clearing the failure). */
void eddy_buf_reset(eddy_buf_t *buf);

/* Frees the memory; the buffer may be reused afterwards. */
void eddy_buf_free(eddy_buf_t *buf);

/* Makes room for one more item in a growable array of N items of SIZE
 * bytes: ITEMS_P points to the array's pointer (any item type; NULL before
 * the first call) and CAP to its capacity in items. When N == *CAP the
 * array is reallocated to twice *CAP items (FIRST when *CAP is 0). Returns
 * 0, or -1 when out of memory (the array and *CAP are then unchanged). */
int eddy_grow(void *items_p, size_t n, size_t *cap, size_t size, size_t first);

#endif
