#include "avro_bytes.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void bb_raw(bb_t *bb, const void *p, size_t n)
{
    if (n > sizeof(bb->b) - bb->n) {
        fprintf(stderr, "bb_raw: %zu more bytes do not fit\n", n);
        abort();
    }
    memcpy(bb->b + bb->n, p, n);
    bb->n += n;
}

void bb_byte(bb_t *bb, uint8_t v)
{
    bb_raw(bb, &v, 1);
}

void bb_frame(bb_t *bb, int32_t id)
{
    bb->n = 0;
    bb_byte(bb, 0);
    for (int shift = 24; shift >= 0; shift -= 8)
        bb_byte(bb, (uint8_t)((uint32_t)id >> shift));
}

void bb_long(bb_t *bb, int64_t v)
{
    uint64_t u = ((uint64_t)v << 1) ^ (uint64_t)(v >> 63);
    while (u >= 0x80) {
        bb_byte(bb, (uint8_t)(u | 0x80));
        u >>= 7;
    }
    bb_byte(bb, (uint8_t)u);
}

/* N little-endian bytes of U. */
static void bb_le(bb_t *bb, uint64_t u, int n)
{
    for (int i = 0; i < n; i++)
        bb_byte(bb, (uint8_t)(u >> (8 * i)));
}

void bb_double(bb_t *bb, double d)
{
    uint64_t u;
    memcpy(&u, &d, 8);
    bb_le(bb, u, 8);
}

void bb_float(bb_t *bb, float f)
{
    uint32_t u;
    memcpy(&u, &f, 4);
    bb_le(bb, u, 4);
}

void bb_str(bb_t *bb, const char *s)
{
    bb_long(bb, (int64_t)strlen(s));
    bb_raw(bb, s, strlen(s));
}
