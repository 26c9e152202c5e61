/* avro_bytes.h: a tiny Avro binary writer for hand-made records in tests
 * and the fuzz corpus, malformed ones included: a Confluent frame, then
 * zigzag varints, doubles, floats and strings exactly as given. */
#ifndef EDDY_TEST_AVRO_BYTES_H
#define EDDY_TEST_AVRO_BYTES_H

#include <stddef.h>
#include <stdint.h>

typedef struct {
    uint8_t b[16384];
    size_t n;
} bb_t;

/* Starts BB over with the 5-byte frame of schema ID, then appends the values
 * of a spec, printf-formatted from FMT: tokens separated by spaces, each a
 * letter and its value: lN a long (or int, a zigzag varint), dX a double, fX
 * a float, nN the N doubles 0, 1, .., N - 1 (array items), sTEXT a string
 * ("s" alone: empty), rTEXT raw bytes, xHH.. raw bytes in hex. Example:
 * "sairpassengers l0 d112.5". Aborts on a token it does not know or when
 * BB is full. */
void bb_record(bb_t *bb, int32_t id, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif
