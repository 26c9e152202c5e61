/* util/bytes.h: fixed-width little-endian integers in byte buffers (independent
 * of the host's byte order), and a bounds-checked reader of them for state
 * snapshots. util/buf.h writes the same encodings (eddy_buf_put_*). */
#ifndef EDDY_CORE_BYTES_H
#define EDDY_CORE_BYTES_H

#include <stddef.h>
#include <stdint.h>

/* Writes the low N bytes of V at P, least significant first. */
static inline void eddy_put_le(uint8_t *p, uint64_t v, int n)
{
    for (int i = 0; i < n; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

/* Reads N bytes at P, least significant first. */
static inline uint64_t eddy_get_le(const uint8_t *p, int n)
{
    uint64_t v = 0;
    for (int i = 0; i < n; i++)
        v |= (uint64_t)p[i] << (8 * i);
    return v;
}

/* A reader over LEN borrowed bytes. Errors are sticky: a read past the end
 * (or a value the caller finds invalid: it may set err itself) sets err,
 * and every later read returns zeros. Start one with
 * eddy_reader_t r = {buf, len, 0, 0}. */
typedef struct eddy_reader_s {
    const uint8_t *buf;
    size_t len, pos;
    int err;
} eddy_reader_t;

/* 1 when at least N more bytes can be read (guards allocations sized by a
 * count read from the data). */
int eddy_read_has(const eddy_reader_t *r, size_t n);
/* Copies N bytes to P (zeros on error). Returns 0 or -1. */
int eddy_read_bytes(eddy_reader_t *r, void *p, size_t n);
uint8_t eddy_read_u8(eddy_reader_t *r);
uint32_t eddy_read_u32(eddy_reader_t *r);
uint64_t eddy_read_u64(eddy_reader_t *r);
double eddy_read_f64(eddy_reader_t *r);
/* N doubles into V. */
void eddy_read_f64s(eddy_reader_t *r, double *v, size_t n);
/* A u32 count; fails the reader unless it is <= MAX. */
uint32_t eddy_read_count(eddy_reader_t *r, uint32_t max);

#endif
