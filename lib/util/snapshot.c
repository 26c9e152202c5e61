/* util/snapshot.c: snapshot frames (see snapshot.h). */
#include "util/snapshot.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "util/bytes.h"

#define CRC32C_POLY 0x82f63b78u /* Castagnoli, bit-reversed */
#define CHECKED     12          /* header bytes under the checksum */

static uint32_t crc_table[256];
static pthread_once_t crc_once = PTHREAD_ONCE_INIT;

static void crc_table_init(void)
{
    for (uint32_t i = 0; i < 256; i++) {
        uint32_t c = i;
        for (int k = 0; k < 8; k++)
            c = c & 1 ? (c >> 1) ^ CRC32C_POLY : c >> 1;
        crc_table[i] = c;
    }
}

uint32_t eddy_crc32c(uint32_t crc, const void *p, size_t n)
{
    const uint8_t *b = p;

    pthread_once(&crc_once, crc_table_init);
    crc = ~crc;
    for (size_t i = 0; i < n; i++)
        crc = crc_table[(crc ^ b[i]) & 0xff] ^ (crc >> 8);
    return ~crc;
}

static uint32_t frame_crc(const uint8_t *frame, size_t payload_len)
{
    uint32_t crc = eddy_crc32c(0, frame, CHECKED);
    return eddy_crc32c(crc, frame + EDDY_SNAPSHOT_HEADER, payload_len);
}

size_t eddy_snapshot_begin(eddy_buf_t *out, const char *magic, uint32_t version)
{
    size_t at = out->len;

    eddy_buf_append(out, magic, 4);
    eddy_buf_put_u32(out, version);
    eddy_buf_put_u64(out, 0); /* length and checksum, filled by _end */
    return at;
}

int eddy_snapshot_end(eddy_buf_t *out, size_t at)
{
    uint8_t *frame = (uint8_t *)out->data + at;
    size_t plen;

    if (out->failed || out->len < at + EDDY_SNAPSHOT_HEADER)
        return -1;
    plen = out->len - at - EDDY_SNAPSHOT_HEADER;
    if (plen > EDDY_SNAPSHOT_MAX_PAYLOAD)
        return -1;
    eddy_put_le(frame + 8, plen, 4);
    eddy_put_le(frame + 12, frame_crc(frame, plen), 4);
    return 0;
}

int eddy_snapshot_write(eddy_buf_t *out, const char *magic, uint32_t version,
                        const void *payload, size_t len)
{
    size_t at = eddy_snapshot_begin(out, magic, version);

    eddy_buf_append(out, payload, len);
    return eddy_snapshot_end(out, at);
}

/* MAGIC's 4 bytes printable: letters as they are, others as \xNN. */
static const char *show_magic(const uint8_t *m, char out[17])
{
    char *o = out;

    for (int i = 0; i < 4; i++)
        o += m[i] >= 0x20 && m[i] < 0x7f && m[i] != '"' && m[i] != '\\'
                 ? sprintf(o, "%c", m[i])
                 : sprintf(o, "\\x%02x", m[i]);
    return out;
}

static eddy_snapshot_err_t fail(eddy_snapshot_err_t err, char *errstr, size_t size,
                                const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static eddy_snapshot_err_t fail(eddy_snapshot_err_t err, char *errstr, size_t size,
                                const char *fmt, ...)
{
    va_list ap;

    if (errstr && size) {
        va_start(ap, fmt);
        vsnprintf(errstr, size, fmt, ap);
        va_end(ap);
    }
    return err;
}

eddy_snapshot_err_t eddy_snapshot_read(const void *buf, size_t len, const char *magic,
                                       uint32_t version, const uint8_t **payload,
                                       size_t *payload_len, char *errstr,
                                       size_t errstr_size)
{
    const uint8_t *f = buf;
    char want[17], got[17];
    uint64_t plen;
    uint32_t v, stored, computed;

    show_magic((const uint8_t *)magic, want);
    if (!f || len < EDDY_SNAPSHOT_HEADER)
        return fail(EDDY_SNAPSHOT_ETRUNC, errstr, errstr_size,
                    "%s snapshot truncated: %zu bytes, its header alone is %d", want,
                    f ? len : 0, EDDY_SNAPSHOT_HEADER);
    if (memcmp(f, magic, 4))
        return fail(EDDY_SNAPSHOT_EMAGIC, errstr, errstr_size,
                    "not a %s snapshot: magic \"%s\", expected \"%s\"", want,
                    show_magic(f, got), want);
    if ((v = (uint32_t)eddy_get_le(f + 4, 4)) != version)
        return fail(EDDY_SNAPSHOT_EVERSION, errstr, errstr_size,
                    "%s snapshot: version %u, expected %u", want, v, version);
    plen = eddy_get_le(f + 8, 4);
    if (plen != len - EDDY_SNAPSHOT_HEADER)
        return fail(EDDY_SNAPSHOT_ELENGTH, errstr, errstr_size,
                    "%s snapshot: header says %llu payload bytes, %zu present", want,
                    (unsigned long long)plen, len - EDDY_SNAPSHOT_HEADER);
    stored = (uint32_t)eddy_get_le(f + 12, 4);
    if ((computed = frame_crc(f, (size_t)plen)) != stored)
        return fail(EDDY_SNAPSHOT_ECHECKSUM, errstr, errstr_size,
                    "%s snapshot: checksum 0x%08x, computed 0x%08x (damaged bytes)",
                    want, stored, computed);
    *payload = f + EDDY_SNAPSHOT_HEADER;
    *payload_len = (size_t)plen;
    return EDDY_SNAPSHOT_OK;
}

eddy_snapshot_err_t eddy_snapshot_open(eddy_reader_t *r, const void *buf, size_t len,
                                       const char *magic, uint32_t version,
                                       char *errstr, size_t errstr_size)
{
    eddy_snapshot_err_t rc;

    *r = (eddy_reader_t){NULL, 0, 0, 0};
    rc = eddy_snapshot_read(buf, len, magic, version, &r->buf, &r->len, errstr,
                            errstr_size);
    r->err = rc != EDDY_SNAPSHOT_OK;
    return rc;
}

const char *eddy_snapshot_strerror(eddy_snapshot_err_t err)
{
    static const char *const names[] = {
        [EDDY_SNAPSHOT_OK] = "ok",          [EDDY_SNAPSHOT_ETRUNC] = "truncated",
        [EDDY_SNAPSHOT_EMAGIC] = "magic",   [EDDY_SNAPSHOT_EVERSION] = "version",
        [EDDY_SNAPSHOT_ELENGTH] = "length", [EDDY_SNAPSHOT_ECHECKSUM] = "checksum",
    };

    return (unsigned)err < sizeof(names) / sizeof(names[0]) ? names[err] : "unknown";
}
