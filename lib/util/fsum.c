/* util/fsum.c: exactly rounded mean (see fsum.h for the method and source). */
#include "util/fsum.h"

#include <math.h>
#include <stdint.h>
#include <string.h>

/* Non-overlapping partials of a double expansion, increasing magnitude. The
 * exponent range of doubles bounds a non-overlapping expansion to about
 * 2098 / 53 + 1 = 41 parts; 64 leaves room. */
#define PARTS_MAX 64

typedef struct {
    int n;
    int lossy; /* an intermediate overflowed: the value is approximate */
    double p[PARTS_MAX];
} expansion_t;

/* Adds X exactly (Shewchuk's grow-expansion, Two-Sum, zeros dropped). */
static void exp_add(expansion_t *e, double x)
{
    int i = 0;
    for (int j = 0; j < e->n; j++) {
        double y = e->p[j];
        if (fabs(x) < fabs(y)) {
            double t = x;
            x = y;
            y = t;
        }
        double hi = x + y, lo = y - (hi - x);
        if (lo != 0.0)
            e->p[i++] = lo;
        x = hi;
    }
    if (!isfinite(x))
        e->lossy = 1;
    if (i < PARTS_MAX)
        e->p[i++] = x;
    else
        e->lossy = 1;
    e->n = i;
}

/* The rounding error of A * B, exactly (Dekker's TwoProduct with Veltkamp's
 * split: no fma, which is a slow library call on baseline x86-64). Exact
 * while |a|, |b| < 2^996 and the product does not underflow. */
static double prod_err(double a, double b, double p)
{
    const double split = 134217729.0; /* 2^27 + 1 */
    double ca = split * a, ah = ca - (ca - a), al = a - ah;
    double cb = split * b, bh = cb - (cb - b), bl = b - bh;
    return ((ah * bh - p) + ah * bl + al * bh) + al * bl;
}

/* Sign of the expansion's exact value: that of its largest part. */
static int exp_sign(const expansion_t *e)
{
    for (int j = e->n - 1; j >= 0; j--)
        if (e->p[j] != 0.0)
            return e->p[j] > 0.0 ? 1 : -1;
    return 0;
}

/* The expansion rounded to a double (within one ULP; exact at the last step
 * is not needed: the caller corrects the quotient). */
static double exp_approx(const expansion_t *e)
{
    double s = 0.0;
    for (int j = 0; j < e->n; j++)
        s += e->p[j];
    return s;
}

/* OUT = SUM - N * Q, exactly (as an expansion). */
static void residual(const expansion_t *sum, double n, double q, expansion_t *out)
{
    out->n = sum->n;
    out->lossy = 0;
    memcpy(out->p, sum->p, (size_t)sum->n * sizeof(double));
    double qn = q * n;
    exp_add(out, -qn);
    exp_add(out, -prod_err(q, n, qn));
}

/* Sign of SUM - N * M where M = Q + H is a midpoint (H half the gap from Q
 * to its neighbour, a power of two or its negative). */
static int side_of_midpoint(const expansion_t *sum, double n, double q, double h)
{
    expansion_t e;
    residual(sum, n, q, &e);
    exp_add(&e, -(h * n));
    return exp_sign(&e);
}

/* 1 when Q's significand is even (ties go there). */
static int is_even(double q)
{
    int ex;
    double m = frexp(q, &ex);
    double scaled = ldexp(m, 53);
    return fmod(scaled, 2.0) == 0.0;
}

/* One step towards DIR (+1 up, -1 down) when the exact quotient lies past the
 * midpoint on that side (or on it, with the neighbour even). */
static int should_move(const expansion_t *sum, double n, double q, int dir)
{
    double nb = nextafter(q, dir > 0 ? INFINITY : -INFINITY);
    double h = (nb - q) / 2.0;
    if (h == 0.0 || !isfinite(nb))
        return 0;
    int side = side_of_midpoint(sum, n, q, h) * dir;
    return side > 0 || (side == 0 && !is_even(q) && is_even(nb));
}

/* Half the smaller gap from Q (normal, > 0 in magnitude) to its neighbours:
 * ULP / 2, or ULP / 4 when Q is a power of two (the gap below halves). */
static double half_gap(double q)
{
    uint64_t bits;
    memcpy(&bits, &q, sizeof(bits));
    uint64_t exp = (bits >> 52) & 0x7ff;
    if (exp <= 54)
        return 0.0; /* 2^-969 and below: the caller takes the exact path */
    uint64_t ubits = (exp - 53) << 52; /* 2^(e - 53): half an ULP */
    double h;
    memcpy(&h, &ubits, sizeof(h));
    return (bits & 0xfffffffffffffull) == 0 ? h / 2 : h;
}

/* 1 when Q = fl(SUM / N) is certainly the correctly rounded quotient: the
 * exact residual SUM - N * Q (an expansion, its value within a relative
 * 2^-50 of its parts' plain sum) is well inside N times half the gap. */
static int clearly_rounded(const expansion_t *sum, double n, double q)
{
    expansion_t r;
    residual(sum, n, q, &r);
    return fabs(exp_approx(&r)) < n * half_gap(q) * 0.75;
}

/* The fast path: Sum2 of Ogita, Rump & Oishi ("Accurate sum and dot
 * product", SIAM J. Sci. Comput. 26, 2005): s + c with c the floating sum of
 * the Two-Sum errors (exact sum S = s + sum of errors). Returns 1 with *OUT
 * set when q = fl((s + c) / n) is certainly S / n correctly rounded: the
 * residual S - n q, computed as ((s - n q) - err(n q)) + c, is below n times
 * half the gap around q by more than the bound on c's error and the
 * residual's own rounding ((n + 4) 2^-52 times the magnitudes involved). */
static int mean_fast(const double *v, size_t n, double *out)
{
    double s = 0.0, c = 0.0, a = 0.0;
    for (size_t i = 0; i < n; i++) {
        double t = s + v[i], bb = t - s;
        double lo = (s - (t - bb)) + (v[i] - bb);
        s = t;
        c += lo;
        a += fabs(lo);
    }
    double dn = (double)n, q = (s + c) / dn;
    if (!isfinite(s)) {
        *out = s / dn; /* a NaN or infinity in V (or an overflow) */
        return 1;
    }
    /* s + c rounds once before the division: q may be an ULP off; one
     * correction by the residual (q += r / n) nearly always lands */
    for (int step = 0; step < 2; step++) {
        if (q == 0.0 || !(fabs(q) >= 0x1p-1000 && fabs(q) <= 0x1p1000))
            return 0;
        double qn = q * dn, qlo = prod_err(q, dn, qn), d = s - qn;
        double r = (d - qlo) + c;
        double bound = (dn + 4.0) * 0x1p-52 * (a + fabs(c) + fabs(qlo) + fabs(d));
        if (fabs(r) + bound < dn * half_gap(q)) {
            *out = q;
            return 1;
        }
        q = q + r / dn;
    }
    return 0;
}

double eddy_mean_exact(const double *v, size_t n)
{
    if (n == 0)
        return NAN;
    double fast;
    if (mean_fast(v, n, &fast))
        return fast;
    expansion_t sum = {.n = 0, .lossy = 0};
    double plain = 0.0;
    for (size_t i = 0; i < n; i++) {
        plain += v[i];
        exp_add(&sum, v[i]);
    }
    if (!isfinite(plain) || sum.lossy)
        return plain / (double)n;
    if (exp_sign(&sum) == 0)
        return 0.0;
    double dn = (double)n, q = exp_approx(&sum) / dn;
    if (fabs(q) < 0x1p-1020 || fabs(q) > 0x1p1000 || clearly_rounded(&sum, dn, q))
        return q;
    for (int guard = 0; guard < 8; guard++) {
        if (should_move(&sum, dn, q, 1))
            q = nextafter(q, INFINITY);
        else if (should_move(&sum, dn, q, -1))
            q = nextafter(q, -INFINITY);
        else
            break;
    }
    return q;
}
