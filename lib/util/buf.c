#include "util/buf.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/bytes.h"

static int reserve(eddy_buf_t *buf, size_t extra)
{
    size_t need = buf->len + extra + 1;
    char *p;

    if (buf->failed)
        return -1;
    if (need <= buf->cap)
        return 0;
    if (extra > SIZE_MAX / 4 - buf->len) {
        buf->failed = 1;
        return -1;
    }
    size_t cap = buf->cap ? buf->cap : 256;
    while (cap < need)
        cap *= 2;
    if (!(p = realloc(buf->data, cap))) {
        buf->failed = 1;
        return -1;
    }
    buf->data = p;
    buf->cap = cap;
    return 0;
}

int eddy_buf_reserve(eddy_buf_t *buf, size_t extra)
{
    if (reserve(buf, extra))
        return -1;
    buf->data[buf->len] = '\0';
    return 0;
}

int eddy_buf_append(eddy_buf_t *buf, const void *p, size_t n)
{
    if (reserve(buf, n))
        return -1;
    if (n)
        memcpy(buf->data + buf->len, p, n);
    buf->len += n;
    buf->data[buf->len] = '\0';
    return 0;
}

int eddy_buf_printf(eddy_buf_t *buf, const char *fmt, ...)
{
    va_list ap;
    int n;

    va_start(ap, fmt);
    n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0 || reserve(buf, (size_t)n))
        return -1;
    va_start(ap, fmt);
    vsnprintf(buf->data + buf->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    buf->len += (size_t)n;
    return 0;
}

static int put_le(eddy_buf_t *buf, uint64_t v, int n)
{
    uint8_t b[8];

    eddy_put_le(b, v, n);
    return eddy_buf_append(buf, b, (size_t)n);
}

int eddy_buf_put_u8(eddy_buf_t *buf, uint8_t v)
{
    return put_le(buf, v, 1);
}

int eddy_buf_put_u32(eddy_buf_t *buf, uint32_t v)
{
    return put_le(buf, v, 4);
}

int eddy_buf_put_u64(eddy_buf_t *buf, uint64_t v)
{
    return put_le(buf, v, 8);
}

int eddy_buf_put_f64(eddy_buf_t *buf, double v)
{
    uint64_t bits;

    memcpy(&bits, &v, sizeof(bits));
    return put_le(buf, bits, 8);
}

int eddy_buf_put_f64s(eddy_buf_t *buf, const double *v, size_t n)
{
    if (n > SIZE_MAX / 16 || reserve(buf, n * 8))
        return -1;
    for (size_t i = 0; i < n; i++)
        eddy_buf_put_f64(buf, v[i]);
    return 0;
}

void eddy_buf_reset(eddy_buf_t *buf)
{
    buf->len = 0;
    buf->failed = 0;
    if (buf->data)
        buf->data[0] = '\0';
}

void eddy_buf_free(eddy_buf_t *buf)
{
    free(buf->data);
    buf->data = NULL;
    buf->len = buf->cap = 0;
    buf->failed = 0;
}

int eddy_grow(void *items_p, size_t n, size_t *cap, size_t size, size_t first)
{
    size_t new_cap = *cap ? *cap * 2 : first;
    void *items, *p;

    if (n < *cap)
        return 0;
    memcpy(&items, items_p, sizeof(items));
    if (new_cap > SIZE_MAX / size || !(p = realloc(items, new_cap * size)))
        return -1;
    memcpy(items_p, &p, sizeof(p));
    *cap = new_cap;
    return 0;
}
