/* avro_bytes.h: a tiny Avro binary writer for hand-made records in tests
 * and the fuzz corpus, malformed ones included: a Confluent frame, then
 * zigzag varints, doubles, floats and strings exactly as given. */
#ifndef EDDY_TEST_AVRO_BYTES_H
#define EDDY_TEST_AVRO_BYTES_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

typedef struct {
    uint8_t b[16384];
    size_t n;
} bb_t;

/* Appends N raw bytes; aborts when BB is full. */
void bb_raw(bb_t *bb, const void *p, size_t n);
void bb_byte(bb_t *bb, uint8_t v);
/* Starts BB over with the 5-byte frame of schema ID. */
void bb_frame(bb_t *bb, int32_t id);
/* An Avro long or int (zigzag varint). */
void bb_long(bb_t *bb, int64_t v);
void bb_double(bb_t *bb, double d);
void bb_float(bb_t *bb, float f);
/* An Avro string: its length, then its bytes. */
void bb_str(bb_t *bb, const char *s);

/* Appends the values of a spec, printf-formatted from FMT: tokens separated
 * by spaces, each a letter and its value: lN a long (or int), dX a double,
 * fX a float, sTEXT a string ("s" alone: empty), rTEXT raw bytes, xHH..
 * raw bytes in hex. Example: "sairpassengers l0 d112.5". Aborts on a token
 * it does not know. */
void bb_spec(bb_t *bb, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Starts BB over with the frame of schema ID, then appends the spec. */
void bb_record(bb_t *bb, int32_t id, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif
