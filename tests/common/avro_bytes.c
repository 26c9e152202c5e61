#include "avro_bytes.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void bb_raw(bb_t *bb, const void *p, size_t n)
{
    if (n > sizeof(bb->b) - bb->n) {
        fprintf(stderr, "bb_raw: %zu more bytes do not fit\n", n);
        abort();
    }
    memcpy(bb->b + bb->n, p, n);
    bb->n += n;
}

static void bb_byte(bb_t *bb, uint8_t v)
{
    bb_raw(bb, &v, 1);
}

static void bb_frame(bb_t *bb, int32_t id)
{
    bb->n = 0;
    bb_byte(bb, 0);
    for (int shift = 24; shift >= 0; shift -= 8)
        bb_byte(bb, (uint8_t)((uint32_t)id >> shift));
}

static void bb_long(bb_t *bb, int64_t v)
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

static void bb_double(bb_t *bb, double d)
{
    uint64_t u;
    memcpy(&u, &d, 8);
    bb_le(bb, u, 8);
}

static void bb_float(bb_t *bb, float f)
{
    uint32_t u;
    memcpy(&u, &f, 4);
    bb_le(bb, u, 4);
}

static void bb_str(bb_t *bb, const char *s)
{
    bb_long(bb, (int64_t)strlen(s));
    bb_raw(bb, s, strlen(s));
}

static void bad_spec(const char *tok)
{
    fprintf(stderr, "bb_spec: bad token '%s'\n", tok);
    abort();
}

static void bb_hex(bb_t *bb, const char *hex)
{
    for (; hex[0] && hex[1]; hex += 2) {
        unsigned v;
        if (sscanf(hex, "%2x", &v) != 1)
            bad_spec(hex);
        bb_byte(bb, (uint8_t)v);
    }
    if (*hex)
        bad_spec(hex);
}

static void bb_token(bb_t *bb, const char *tok)
{
    char *end = NULL;

    switch (tok[0]) {
    case 'l':
        bb_long(bb, strtoll(tok + 1, &end, 10));
        break;
    case 'd':
        bb_double(bb, strtod(tok + 1, &end));
        break;
    case 'f':
        bb_float(bb, strtof(tok + 1, &end));
        break;
    case 'n':
        for (long long i = 0, n = strtoll(tok + 1, &end, 10); i < n; i++)
            bb_double(bb, (double)i);
        break;
    case 's':
        bb_str(bb, tok + 1);
        return;
    case 'r':
        bb_raw(bb, tok + 1, strlen(tok + 1));
        return;
    case 'x':
        bb_hex(bb, tok + 1);
        return;
    }
    if (!end || end == tok + 1 || *end)
        bad_spec(tok);
}

static void bb_vspec(bb_t *bb, const char *fmt, va_list ap)
{
    static char spec[65536];
    char *tok, *save = NULL;

    if (vsnprintf(spec, sizeof(spec), fmt, ap) >= (int)sizeof(spec))
        bad_spec(fmt);
    for (tok = strtok_r(spec, " ", &save); tok; tok = strtok_r(NULL, " ", &save))
        bb_token(bb, tok);
}

void bb_record(bb_t *bb, int32_t id, const char *fmt, ...)
{
    va_list ap;
    bb_frame(bb, id);
    va_start(ap, fmt);
    bb_vspec(bb, fmt, ap);
    va_end(ap);
}
