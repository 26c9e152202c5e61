/* util/bytes.h: fixed-width little-endian integers in byte buffers, for the
 * state snapshots (independent of the host's byte order). */
#ifndef EDDY_CORE_BYTES_H
#define EDDY_CORE_BYTES_H

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

#endif
