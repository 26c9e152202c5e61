/* util/fsum.c: exactly rounded mean (see fsum.h for the method and source). */
#include "util/fsum.h"

#include <math.h>

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

/* Sign of SUM - N * M where M = Q + H is a midpoint (H half the gap from Q
 * to its neighbour, a power of two or its negative). */
static int side_of_midpoint(const expansion_t *sum, double n, double q, double h)
{
    expansion_t e = *sum;
    double qn = q * n;
    exp_add(&e, -qn);
    exp_add(&e, -fma(q, n, -qn));
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

double eddy_mean_exact(const double *v, size_t n)
{
    if (n == 0)
        return NAN;
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
    if (fabs(q) < 0x1p-1020 || fabs(q) > 0x1p1000)
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
