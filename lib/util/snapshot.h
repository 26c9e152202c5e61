/* util/snapshot.h: the one framing of every state snapshot (models, the
 * features and learner stages' per-series state, the changelog record).
 *
 * A frame is a 16-byte header then the payload, little-endian:
 *   offset 0   magic     4 bytes naming the kind of state ("EMDL", ...)
 *   offset 4   version   u32, of the payload's layout for that kind
 *   offset 8   length    u32, payload bytes that follow the header
 *   offset 12  checksum  u32, CRC-32C (Castagnoli) of bytes 0..11 and the payload
 * Frames nest: a payload may hold its own header fields (say a partition and
 * an offset) and then another frame.
 *
 * Writing: eddy_snapshot_write() frames a payload held in memory; or
 * eddy_snapshot_begin(), append the payload to the same buffer (any
 * eddy_buf_* call, nested frames included), then eddy_snapshot_end().
 * Reading: eddy_snapshot_read() (or eddy_snapshot_open(), which also starts
 * a util/bytes.h reader over the payload) checks, in this order, the size of the
 * header, the magic, the version, the length against the bytes given and
 * the checksum, and names the first check that failed with what it expected
 * and what it found. It never reads past the length given.
 */
#ifndef EDDY_CORE_SNAPSHOT_H
#define EDDY_CORE_SNAPSHOT_H

#include <stddef.h>
#include <stdint.h>

#include "util/buf.h"
#include "util/bytes.h"

#define EDDY_SNAPSHOT_HEADER 16
/* Largest payload a frame holds (the length is a u32). */
#define EDDY_SNAPSHOT_MAX_PAYLOAD 0xffffffffu

typedef enum {
    EDDY_SNAPSHOT_OK = 0,
    EDDY_SNAPSHOT_ETRUNC,   /* fewer bytes than a header */
    EDDY_SNAPSHOT_EMAGIC,   /* another kind of state (or not a frame at all) */
    EDDY_SNAPSHOT_EVERSION, /* a payload layout this build does not read */
    EDDY_SNAPSHOT_ELENGTH,  /* payload truncated, or bytes after it */
    EDDY_SNAPSHOT_ECHECKSUM /* damaged bytes */
} eddy_snapshot_err_t;

/* CRC-32C of N bytes at P continuing from CRC (0 to start): the checksum of
 * iSCSI, ext4 and Kafka's record batches. */
uint32_t eddy_crc32c(uint32_t crc, const void *p, size_t n);

/* Appends to OUT a header for a frame of kind MAGIC (4 bytes, not
 * NUL-terminated) and VERSION, with the length and checksum left for
 * eddy_snapshot_end(). Returns the header's offset in OUT (pass it to
 * eddy_snapshot_end); a failed allocation shows in out->failed. */
size_t eddy_snapshot_begin(eddy_buf_t *out, const char *magic, uint32_t version);

/* Closes the frame whose header is at offset AT of OUT: everything appended
 * since eddy_snapshot_begin() is its payload. Fills in the length and the
 * checksum. Returns 0, or -1 when OUT failed an allocation or the payload is
 * larger than EDDY_SNAPSHOT_MAX_PAYLOAD. */
int eddy_snapshot_end(eddy_buf_t *out, size_t at);

/* Appends one whole frame of kind MAGIC and VERSION around the LEN bytes at
 * PAYLOAD. Returns 0 or -1 (as eddy_snapshot_end). */
int eddy_snapshot_write(eddy_buf_t *out, const char *magic, uint32_t version,
                        const void *payload, size_t len);

/* Checks that the LEN bytes at BUF are exactly one frame of kind MAGIC and
 * VERSION. On success points *PAYLOAD into BUF (borrowed) and sets
 * *PAYLOAD_LEN. Otherwise returns the failed check and writes to ERRSTR
 * (when not NULL) what it expected and what it found, e.g.
 * "EMDL snapshot: version 7, expected 1". */
eddy_snapshot_err_t eddy_snapshot_read(const void *buf, size_t len, const char *magic,
                                       uint32_t version, const uint8_t **payload,
                                       size_t *payload_len, char *errstr,
                                       size_t errstr_size);

/* eddy_snapshot_read, then *R reads the payload (from its start). */
eddy_snapshot_err_t eddy_snapshot_open(eddy_reader_t *r, const void *buf, size_t len,
                                       const char *magic, uint32_t version,
                                       char *errstr, size_t errstr_size);

/* Static name of a check ("ok", "truncated", "magic", "version", "length",
 * "checksum"). */
const char *eddy_snapshot_strerror(eddy_snapshot_err_t err);

#endif
