/* util/ksum.h: a compensated running sum (Neumaier 1974, "Rundungsfehleranalyse
 * einiger Verfahren zur Summation endlicher Summen"), so that means over long
 * streams keep their digits: the value is sum + c. Start with {0, 0}. */
#ifndef EDDY_UTIL_KSUM_H
#define EDDY_UTIL_KSUM_H

#include <math.h>

typedef struct eddy_ksum_s {
    double sum, c; /* the running sum and its lost low-order part */
} eddy_ksum_t;

/* Adds V to K. */
static inline void eddy_ksum_add(eddy_ksum_t *k, double v)
{
    double t = k->sum + v;

    k->c += fabs(k->sum) >= fabs(v) ? (k->sum - t) + v : (v - t) + k->sum;
    k->sum = t;
}

/* The compensated value of K. */
static inline double eddy_ksum_get(const eddy_ksum_t *k)
{
    return k->sum + k->c;
}

#endif
