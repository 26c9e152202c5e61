/* test_utf8.c: the UTF-8 validator (util/utf8.h) against the well-formed
 * ranges of Unicode Table 3-7 and the ill-formed sequences around them. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "util/reason.h"
#include "util/utf8.h"

#define VALID(lit) eddy_utf8_valid(lit, sizeof(lit) - 1)

static void test_well_formed(void **state)
{
    (void)state;
    assert_true(eddy_utf8_valid(NULL, 0));
    assert_true(VALID("plain ascii, 123"));
    assert_true(VALID("caf\xc3\xa9"));      /* U+00E9 */
    assert_true(VALID("\xe2\x82\xac"));     /* U+20AC */
    assert_true(VALID("\xed\x9f\xbf"));     /* U+D7FF, below surrogates */
    assert_true(VALID("\xee\x80\x80"));     /* U+E000, above surrogates */
    assert_true(VALID("\xf0\x9f\x98\x80")); /* U+1F600 */
    assert_true(VALID("\xf4\x8f\xbf\xbf")); /* U+10FFFF */
    assert_true(VALID("\xef\xbb\xbf"
                      "ds,y")); /* a BOM is a valid U+FEFF */
    assert_true(VALID("a\0b")); /* U+0000 */
}

static void test_ill_formed(void **state)
{
    (void)state;
    assert_false(VALID("Z\xfcrich"));        /* Latin-1 u-umlaut */
    assert_false(VALID("\x80"));             /* lone continuation */
    assert_false(VALID("\xc0\xaf"));         /* overlong '/' */
    assert_false(VALID("\xc1\xbf"));         /* overlong */
    assert_false(VALID("\xe0\x9f\xbf"));     /* overlong 3-byte */
    assert_false(VALID("\xed\xa0\x80"));     /* surrogate U+D800 */
    assert_false(VALID("\xf0\x8f\xbf\xbf")); /* overlong 4-byte */
    assert_false(VALID("\xf4\x90\x80\x80")); /* U+110000 */
    assert_false(VALID("\xf5\x80\x80\x80")); /* no such lead byte */
    assert_false(VALID("\xff"));
    assert_false(VALID("caf\xc3"));      /* truncated at the end */
    assert_false(VALID("\xe2\x82"));     /* truncated 3-byte */
    assert_false(VALID("\xe2\x28\xa1")); /* bad continuation */
}

static void test_invalid_at(void **state)
{
    (void)state;
    assert_int_equal(eddy_utf8_invalid_at("abc", 3), 3);
    assert_int_equal(eddy_utf8_invalid_at("ab\xe9z", 4), 2);
    assert_int_equal(eddy_utf8_invalid_at("\xc3\xa9\xc3", 3), 2);
    assert_string_equal(eddy_reason_name(EDDY_REASON_INVALID_UTF8), "invalid_utf8");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_well_formed),
        cmocka_unit_test(test_ill_formed),
        cmocka_unit_test(test_invalid_at),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
