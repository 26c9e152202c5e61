/* test_buf.c: the growable buffer (text and little-endian appends), the
 * bounds-checked reader of util/bytes.h and the hex encoder. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "util/buf.h"
#include "util/bytes.h"
#include "util/hex.h"

static void test_text(void **state)
{
    eddy_buf_t b = EDDY_BUF_INIT;

    (void)state;
    assert_int_equal(eddy_buf_printf(&b, "%s=%d", "n", 42), 0);
    assert_int_equal(eddy_buf_append(&b, ";", 1), 0);
    assert_string_equal(b.data, "n=42;");
    for (int i = 0; i < 1000; i++)
        eddy_buf_printf(&b, "%04d", i);
    assert_int_equal(b.len, 5 + 4000);
    assert_memory_equal(b.data + b.len - 4, "0999", 4);
    eddy_buf_reset(&b);
    assert_int_equal(b.len, 0);
    assert_string_equal(b.data, "");
    eddy_buf_free(&b);
    assert_null(b.data);
}

static void test_little_endian(void **state)
{
    eddy_buf_t b = EDDY_BUF_INIT;
    static const uint8_t want[] = {0xab, 0x04, 0x03, 0x02, 0x01, 0x08, 0x07,
                                   0x06, 0x05, 0x04, 0x03, 0x02, 0x01};
    double v[2] = {-0.0, 1.0 / 3.0}, back[2];

    (void)state;
    eddy_buf_put_u8(&b, 0xab);
    eddy_buf_put_u32(&b, 0x01020304u);
    eddy_buf_put_u64(&b, 0x0102030405060708ull);
    assert_memory_equal(b.data, want, sizeof(want));
    eddy_buf_put_f64(&b, 2.5);
    eddy_buf_put_f64s(&b, v, 2);

    eddy_reader_t r = {(const uint8_t *)b.data, b.len, 0, 0};
    assert_int_equal(eddy_read_u8(&r), 0xab);
    assert_int_equal(eddy_read_u32(&r), 0x01020304u);
    assert_int_equal(eddy_read_u64(&r), 0x0102030405060708ull);
    assert_true(eddy_read_f64(&r) == 2.5);
    eddy_read_f64s(&r, back, 2);
    assert_memory_equal(back, v, sizeof(v)); /* bit-exact, the sign of zero too */
    assert_int_equal(r.pos, r.len);
    assert_int_equal(r.err, 0);
    eddy_buf_free(&b);
}

static void test_reader_bounds(void **state)
{
    static const uint8_t bytes[] = {5, 0, 0, 0, 1, 2, 3};
    uint8_t out[4] = {9, 9, 9, 9};

    (void)state;
    eddy_reader_t r = {bytes, sizeof(bytes), 0, 0};
    assert_int_equal(eddy_read_count(&r, 4), 0); /* 5 > 4 */
    assert_int_equal(r.err, 1);
    assert_int_equal(eddy_read_u8(&r), 0); /* sticky */

    eddy_reader_t s = {bytes, sizeof(bytes), 0, 0};
    assert_int_equal(eddy_read_count(&s, 5), 5);
    assert_true(eddy_read_has(&s, 3));
    assert_false(eddy_read_has(&s, 4));
    assert_int_equal(eddy_read_bytes(&s, out, 4), -1); /* only 3 left */
    assert_memory_equal(out, "\0\0\0\0", 4);
    assert_int_equal(eddy_read_u32(&s), 0);
    assert_int_equal(s.err, 1);
}

static void test_hex(void **state)
{
    eddy_buf_t b = EDDY_BUF_INIT;
    char out[9];

    (void)state;
    assert_int_equal(eddy_hex_encode(out, "\x00\x7f\xab\xff", 4), 8);
    assert_string_equal(out, "007fabff");
    assert_int_equal(eddy_hex_encode(out, "", 0), 0);
    assert_string_equal(out, "");
    assert_int_equal(eddy_hex_append(&b, "\x01\x02\x03", 3, 2), 0);
    assert_string_equal(b.data, "0102...");
    eddy_buf_reset(&b);
    assert_int_equal(eddy_hex_append(&b, "", 0, 2), 0);
    assert_string_equal(b.data, "");
    eddy_buf_free(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_text),
        cmocka_unit_test(test_little_endian),
        cmocka_unit_test(test_reader_bounds),
        cmocka_unit_test(test_hex),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
