#include "hist.h"

#include <math.h>
#include <stdlib.h>

#define HIST_GROWTH 1.02 /* upper / lower bound of a bucket */
#define HIST_MIN_US 1.0
#define HIST_MAX_US 1e9

struct eddy_hist_s {
    int n_buckets;
    double log_growth;
    uint64_t count;
    double max;
    uint64_t *buckets;
};

eddy_hist_t *eddy_hist_new(void)
{
    eddy_hist_t *h = calloc(1, sizeof(*h));

    if (!h)
        return NULL;
    h->log_growth = log(HIST_GROWTH);
    h->n_buckets = (int)ceil(log(HIST_MAX_US / HIST_MIN_US) / h->log_growth) + 1;
    if (!(h->buckets = calloc((size_t)h->n_buckets, sizeof(*h->buckets)))) {
        free(h);
        return NULL;
    }
    return h;
}

void eddy_hist_destroy(eddy_hist_t *h)
{
    if (!h)
        return;
    free(h->buckets);
    free(h);
}

void eddy_hist_add(eddy_hist_t *h, double us)
{
    int b;

    if (!(us >= HIST_MIN_US))
        us = HIST_MIN_US;
    if (us > HIST_MAX_US)
        us = HIST_MAX_US;
    b = (int)(log(us / HIST_MIN_US) / h->log_growth);
    h->buckets[b < h->n_buckets ? b : h->n_buckets - 1]++;
    h->count++;
    if (us > h->max)
        h->max = us;
}

uint64_t eddy_hist_count(const eddy_hist_t *h)
{
    return h->count;
}

double eddy_hist_quantile(const eddy_hist_t *h, double q)
{
    uint64_t rank, seen = 0;

    if (h->count == 0)
        return 0;
    if (q >= 1)
        return h->max;
    rank = (uint64_t)ceil(q * (double)h->count);
    if (rank < 1)
        rank = 1;
    for (int b = 0; b < h->n_buckets; b++)
        if ((seen += h->buckets[b]) >= rank) {
            double mid = HIST_MIN_US * exp(((double)b + 0.5) * h->log_growth);
            return mid < h->max ? mid : h->max;
        }
    return h->max;
}
