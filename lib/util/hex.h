/* util/hex.h: lower-case hexadecimal of bytes (dumps of undecodable records,
 * Avro bytes/fixed values in JSON). */
#ifndef EDDY_CORE_HEX_H
#define EDDY_CORE_HEX_H

#include <stddef.h>

#include "util/buf.h"

/* Writes the 2 * N hex digits of the N bytes at IN to OUT, then a NUL: OUT
 * must hold 2 * N + 1 bytes. Returns 2 * N. */
size_t eddy_hex_encode(char *out, const void *in, size_t n);

/* Appends the hex of at most MAX of the N bytes at IN to BUF, then "..." when
 * N > MAX. Returns 0, or -1 once allocation has failed. */
int eddy_hex_append(eddy_buf_t *buf, const void *in, size_t n, size_t max);

#endif
