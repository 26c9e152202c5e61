/* test_model_numeric.c: the fast numeric helpers of models/model_common.c
 * against their slow definitions, bit for bit: eddy_pow_half vs C's
 * pow(v, 0.5) (River's StandardScaler computes var**0.5), on random doubles
 * and on the hard cases where sqrt(v) lies next to a rounding midpoint (there
 * pow and sqrt do differ); eddy_round_digits vs printf("%.*f") + strtod
 * (Python's round(v, digits)), on random values and exact ties. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model_internal.h"

static uint64_t rng_state = 88172645463325252ull;

static uint64_t next(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state;
}

static void check(double v, long *sqrt_differs)
{
    double want = pow(v, 0.5), got = eddy_pow_half(v);
    if (memcmp(&want, &got, sizeof(double)) != 0)
        fail_msg("eddy_pow_half(%a) = %a, pow = %a", v, got, want);
    if (sqrt(v) != want)
        (*sqrt_differs)++;
}

static void test_pow_half(void **state)
{
    (void)state;
    long differs = 0;
    static const double special[] = {0.0,      -0.0,     1.0,
                                     4.0,      2.0,      0x1p-1074,
                                     0x1p-960, 0x1p1000, 1.7976931348623157e308,
                                     -1.0,     INFINITY};
    for (size_t i = 0; i < sizeof(special) / sizeof(special[0]); i++)
        check(special[i], &differs);
    check(NAN, &differs);
    for (long i = 0; i < 2000000; i++) {
        /* any positive double */
        uint64_t u = next() >> 1;
        double v;
        memcpy(&v, &u, 8);
        if (!isnan(v))
            check(v, &differs);
        /* v close to m^2 for a midpoint m between two doubles */
        uint64_t mant = (next() >> 11) | (1ull << 52);
        long double mm = (long double)mant + 0.5L;
        v = ldexp((double)(mm * mm), (int)(next() % 200) - 200);
        check(v, &differs);
        /* variances of the size the scalers see */
        check((double)(next() >> 11) * 0x1p-40, &differs);
    }
    printf("# sqrt(v) != pow(v, 0.5) in %ld of 6000000 cases\n", differs);
    assert_true(differs > 0); /* the hard cases do exercise the pow fallback */
}

static void check_round(double v, int digits)
{
    char buf[512];
    snprintf(buf, sizeof(buf), "%.*f", digits, v);
    double want = strtod(buf, NULL), got = eddy_round_digits(v, digits);
    if (memcmp(&want, &got, sizeof(double)) != 0)
        fail_msg("eddy_round_digits(%a, %d) = %a, printf/strtod = %a", v, digits, got,
                 want);
}

static void test_round_digits(void **state)
{
    (void)state;
    static const double special[] = {
        0.0,    -0.0,   0.25,      -0.25, 0.75, -0.75, 0.05, -0.05, 0.049, 1e300,
        -1e300, 1e-300, 0x1p-1074, 1e15,  1e16, 2.5,   -2.5, 0.35,  4.45};
    for (int d = 0; d <= 16; d++)
        for (size_t i = 0; i < sizeof(special) / sizeof(special[0]); i++)
            check_round(special[i], d);
    check_round(INFINITY, 1);
    check_round(-INFINITY, 1);
    for (long i = 0; i < 200000; i++) {
        int d = (int)(next() % 4);
        /* dyadic values: every exact tie j / 2^s */
        double v =
            (double)((int64_t)(next() % 20001) - 10000) / (double)(1 << (next() % 12));
        check_round(v, d);
        /* standardized features: mostly within a few units */
        v = ((double)(next() >> 11) * 0x1p-53 - 0.5) * 16.0;
        check_round(v, 1);
        /* any scale */
        uint64_t u = next();
        memcpy(&v, &u, 8);
        if (!isnan(v))
            check_round(v, (int)(next() % 17));
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pow_half),
        cmocka_unit_test(test_round_digits),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
