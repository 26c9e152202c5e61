#include "util/bytes.h"

#include <string.h>

int eddy_read_has(const eddy_reader_t *r, size_t n)
{
    return !r->err && r->pos <= r->len && r->len - r->pos >= n;
}

int eddy_read_bytes(eddy_reader_t *r, void *p, size_t n)
{
    if (!eddy_read_has(r, n)) {
        r->err = 1;
        if (n)
            memset(p, 0, n);
        return -1;
    }
    if (n)
        memcpy(p, r->buf + r->pos, n);
    r->pos += n;
    return 0;
}

static uint64_t read_le(eddy_reader_t *r, int n)
{
    if (!eddy_read_has(r, (size_t)n)) {
        r->err = 1;
        return 0;
    }
    r->pos += (size_t)n;
    return eddy_get_le(r->buf + r->pos - n, n);
}

uint8_t eddy_read_u8(eddy_reader_t *r)
{
    return (uint8_t)read_le(r, 1);
}

uint32_t eddy_read_u32(eddy_reader_t *r)
{
    return (uint32_t)read_le(r, 4);
}

uint64_t eddy_read_u64(eddy_reader_t *r)
{
    return read_le(r, 8);
}

double eddy_read_f64(eddy_reader_t *r)
{
    uint64_t bits = read_le(r, 8);
    double v;

    memcpy(&v, &bits, sizeof(v));
    return v;
}

void eddy_read_f64s(eddy_reader_t *r, double *v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        v[i] = eddy_read_f64(r);
}

uint32_t eddy_read_count(eddy_reader_t *r, uint32_t max)
{
    uint32_t v = eddy_read_u32(r);

    if (v > max) {
        r->err = 1;
        return 0;
    }
    return v;
}
