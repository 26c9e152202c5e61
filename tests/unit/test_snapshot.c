/* test_snapshot.c: the one snapshot framing (util/snapshot.h): round trips,
 * nesting, and every truncation and every flipped byte refused with the check
 * that failed named, expected against found. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "util/bytes.h"
#include "util/snapshot.h"

static const char payload[] = "a payload of some forty bytes, or so....";

static void frame(eddy_buf_t *w)
{
    size_t before = w->len;
    assert_int_equal(eddy_snapshot_write(w, "TEST", 3, payload, sizeof(payload)), 0);
    assert_int_equal(w->len - before, EDDY_SNAPSHOT_HEADER + sizeof(payload));
}

/* Fixture: *state is a buffer holding one frame of payload. */
static int setup_frame(void **state)
{
    eddy_buf_t *w = calloc(1, sizeof(*w));
    frame(w);
    *state = w;
    return 0;
}

static int teardown_frame(void **state)
{
    eddy_buf_free(*state);
    free(*state);
    return 0;
}

static eddy_snapshot_err_t read_frame(const void *buf, size_t len, char *err,
                                      size_t err_size)
{
    const uint8_t *p = NULL;
    size_t n = 0;
    eddy_snapshot_err_t rc =
        eddy_snapshot_read(buf, len, "TEST", 3, &p, &n, err, err_size);
    if (rc == EDDY_SNAPSHOT_OK) {
        assert_int_equal(n, sizeof(payload));
        assert_memory_equal(p, payload, n);
    }
    return rc;
}

static void test_crc32c(void **state)
{
    (void)state;
    /* the check value of CRC-32C (RFC 3720, appendix B.4) */
    assert_int_equal(eddy_crc32c(0, "123456789", 9), 0xe3069283u);
    assert_int_equal(eddy_crc32c(eddy_crc32c(0, "1234", 4), "56789", 5), 0xe3069283u);
    assert_int_equal(eddy_crc32c(0, "", 0), 0);
}

static void test_roundtrip(void **state)
{
    eddy_buf_t *w = *state;
    char err[256];

    assert_memory_equal(w->data, "TEST", 4);
    assert_int_equal(eddy_get_le((uint8_t *)w->data + 4, 4), 3);
    assert_int_equal(eddy_get_le((uint8_t *)w->data + 8, 4), sizeof(payload));
    assert_int_equal(read_frame(w->data, w->len, err, sizeof(err)), EDDY_SNAPSHOT_OK);
}

/* A frame built in place, with a header and another frame inside (what the
 * changelog does: partition and offset, then the stage's own frame). */
static void test_nested(void **state)
{
    eddy_buf_t w = EDDY_BUF_INIT;
    eddy_reader_t r;
    const uint8_t *inner;
    size_t inner_len;
    char err[256];

    (void)state;
    eddy_buf_append(&w, "junk before", 11);
    size_t at = eddy_snapshot_begin(&w, "OUTR", 1);
    eddy_buf_put_u32(&w, 7);
    eddy_buf_put_u64(&w, 123456789012ull);
    frame(&w);
    assert_int_equal(eddy_snapshot_end(&w, at), 0);
    assert_int_equal(
        eddy_snapshot_open(&r, w.data + 11, w.len - 11, "OUTR", 1, err, sizeof(err)),
        EDDY_SNAPSHOT_OK);
    assert_int_equal(eddy_read_u32(&r), 7);
    assert_int_equal(eddy_read_u64(&r), 123456789012ull);
    assert_int_equal(eddy_snapshot_read(r.buf + r.pos, r.len - r.pos, "TEST", 3, &inner,
                                        &inner_len, err, sizeof(err)),
                     EDDY_SNAPSHOT_OK);
    assert_memory_equal(inner, payload, sizeof(payload));
    /* a reader over a refused frame reads nothing */
    assert_int_equal(eddy_snapshot_open(&r, w.data, w.len, "OUTR", 1, err, sizeof(err)),
                     EDDY_SNAPSHOT_EMAGIC);
    assert_int_equal(eddy_read_u32(&r), 0);
    assert_int_equal(r.err, 1);
    eddy_buf_free(&w);
}

static void test_every_truncation(void **state)
{
    eddy_buf_t *w = *state;
    char err[256];

    for (size_t cut = 0; cut < w->len; cut++) {
        char *exact = malloc(cut ? cut : 1); /* ASan catches a read past CUT */
        memcpy(exact, w->data, cut);
        err[0] = '\0';
        eddy_snapshot_err_t rc = read_frame(exact, cut, err, sizeof(err));
        assert_int_equal(rc, cut < EDDY_SNAPSHOT_HEADER ? EDDY_SNAPSHOT_ETRUNC
                                                        : EDDY_SNAPSHOT_ELENGTH);
        assert_non_null(strstr(err, "TEST"));
        free(exact);
    }
    assert_int_equal(read_frame(w->data, 7, err, sizeof(err)), EDDY_SNAPSHOT_ETRUNC);
    assert_string_equal(err,
                        "TEST snapshot truncated: 7 bytes, its header alone is 16");
    assert_int_equal(read_frame(w->data, w->len - 1, err, sizeof(err)),
                     EDDY_SNAPSHOT_ELENGTH);
    assert_string_equal(err, "TEST snapshot: header says 41 payload bytes, 40 present");
    assert_int_equal(read_frame(NULL, 0, err, sizeof(err)), EDDY_SNAPSHOT_ETRUNC);
}

/* The check a flip of byte I must fail. */
static eddy_snapshot_err_t expected_for(size_t i)
{
    if (i < 4)
        return EDDY_SNAPSHOT_EMAGIC;
    if (i < 8)
        return EDDY_SNAPSHOT_EVERSION;
    if (i < 12)
        return EDDY_SNAPSHOT_ELENGTH;
    return EDDY_SNAPSHOT_ECHECKSUM;
}

static void test_every_flipped_byte(void **state)
{
    eddy_buf_t *w = *state;
    char err[256];

    for (size_t i = 0; i < w->len; i++) {
        for (int bit = 0; bit < 8; bit++) {
            w->data[i] ^= (char)(1 << bit);
            err[0] = '\0';
            assert_int_equal(read_frame(w->data, w->len, err, sizeof(err)),
                             expected_for(i));
            assert_true(err[0] != '\0');
            w->data[i] ^= (char)(1 << bit);
        }
    }
    assert_int_equal(read_frame(w->data, w->len, err, sizeof(err)), EDDY_SNAPSHOT_OK);
}

static void test_messages(void **state)
{
    eddy_buf_t *w = *state;
    const uint8_t *p;
    size_t n;
    char err[256];

    assert_int_equal(
        eddy_snapshot_read(w->data, w->len, "EMDL", 3, &p, &n, err, sizeof(err)),
        EDDY_SNAPSHOT_EMAGIC);
    assert_string_equal(err, "not a EMDL snapshot: magic \"TEST\", expected \"EMDL\"");
    w->data[0] = '\x01';
    read_frame(w->data, w->len, err, sizeof(err));
    assert_string_equal(err,
                        "not a TEST snapshot: magic \"\\x01EST\", expected \"TEST\"");
    w->data[0] = 'T';
    assert_int_equal(
        eddy_snapshot_read(w->data, w->len, "TEST", 4, &p, &n, err, sizeof(err)),
        EDDY_SNAPSHOT_EVERSION);
    assert_string_equal(err, "TEST snapshot: version 3, expected 4");
    w->data[w->len - 1] ^= 1;
    assert_int_equal(read_frame(w->data, w->len, err, sizeof(err)),
                     EDDY_SNAPSHOT_ECHECKSUM);
    assert_non_null(strstr(err, "TEST snapshot: checksum 0x"));
    assert_non_null(strstr(err, ", computed 0x"));
    assert_string_equal(eddy_snapshot_strerror(EDDY_SNAPSHOT_ECHECKSUM), "checksum");
    /* bytes after the frame are refused too */
    w->data[w->len - 1] ^= 1;
    eddy_buf_append(w, "x", 1);
    assert_int_equal(read_frame(w->data, w->len, err, sizeof(err)),
                     EDDY_SNAPSHOT_ELENGTH);
}

static void test_failed_buffer(void **state)
{
    eddy_buf_t w = EDDY_BUF_INIT;

    (void)state;
    size_t at = eddy_snapshot_begin(&w, "TEST", 1);
    w.failed = 1; /* as after a failed allocation */
    assert_int_equal(eddy_snapshot_end(&w, at), -1);
    eddy_buf_free(&w);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_crc32c),
        cmocka_unit_test_setup_teardown(test_roundtrip, setup_frame, teardown_frame),
        cmocka_unit_test(test_nested),
        cmocka_unit_test_setup_teardown(test_every_truncation, setup_frame,
                                        teardown_frame),
        cmocka_unit_test_setup_teardown(test_every_flipped_byte, setup_frame,
                                        teardown_frame),
        cmocka_unit_test_setup_teardown(test_messages, setup_frame, teardown_frame),
        cmocka_unit_test(test_failed_buffer),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
