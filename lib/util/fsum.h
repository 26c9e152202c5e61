/* util/fsum.h: the exactly rounded mean of doubles, as Python's
 * statistics.mean returns it (exact rational sum / n, rounded once to the
 * nearest double, ties to even).
 *
 * Method: the sum is accumulated without error as a non-overlapping expansion
 * of doubles (Shewchuk, "Adaptive Precision Floating-Point Arithmetic and Fast
 * Robust Geometric Predicates", Discrete Comput. Geom. 18, 1997: Two-Sum
 * grow-expansion with zero elimination, the algorithm of Python's math.fsum).
 * The quotient is then rounded correctly: a candidate q = fl(sum / n) is moved
 * to its neighbour while the exact sum lies beyond n times the midpoint between
 * them, the sign of (sum - n * midpoint) being read exactly from the expansion
 * (n * q is split exactly with fma, n * half-ULP is exact).
 */
#ifndef EDDY_UTIL_FSUM_H
#define EDDY_UTIL_FSUM_H

#include <stddef.h>

/* The mean of V[0..N-1] correctly rounded (N >= 1; N = 0 gives NaN). An exact
 * zero sum gives +0.0. Non-finite values give what the plain sum / n gives
 * (NaN or infinity: Python raises there). Exact for finite values of any
 * magnitude below 2^1000 whose mean is normal (|mean| >= 2^-1020); beyond
 * that range the result is sum / n from the exact sum rounded once (within
 * one ULP). V is borrowed; no allocation, O(N) time for bounded exponent
 * spread. */
double eddy_mean_exact(const double *v, size_t n);

#endif
