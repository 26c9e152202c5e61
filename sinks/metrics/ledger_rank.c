/* ledger_rank.c: ranking on common records (see ledger_core.h). Uses the
 * ledger's public views only. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "ledger_core.h"

/* Most models ranked together. */
#define RANK_MAX_MODELS 64

/* 1 when P holds SEQ. */
static int has_seq(const eddy_ledger_pair_t *p, int64_t seq)
{
    size_t pos;

    return eddy_ledger_seq_search(p->points, p->n_points, seq, &pos);
}

/* The point of P at SEQ (P holds it). */
static const eddy_ledger_point_t *at_seq(const eddy_ledger_pair_t *p, int64_t seq)
{
    size_t pos = 0;

    eddy_ledger_seq_search(p->points, p->n_points, seq, &pos);
    return &p->points[pos];
}

/* MAE and RMSE of each of the NV pairs V on the seqs all of them hold; the
 * count into *N and the mean absolute one-step change of the actuals on
 * those records into *SCALE (NaN with fewer than 2). */
static void common_errors(const eddy_ledger_pair_t *v, size_t nv, double *mae,
                          double *rmse, uint64_t *n, double *scale)
{
    double sa[RANK_MAX_MODELS] = {0}, sq[RANK_MAX_MODELS] = {0}, naive = 0, prev = 0;

    *n = 0;
    for (size_t k = 0; nv && k < v[0].n_points; k++) {
        int64_t seq = v[0].points[k].seq;
        size_t m = 1;
        while (m < nv && has_seq(&v[m], seq))
            m++;
        if (m < nv)
            continue;
        for (m = 0; m < nv; m++) {
            const eddy_ledger_point_t *pt = at_seq(&v[m], seq);
            double e = pt->actual - pt->prediction;
            sa[m] += fabs(e);
            sq[m] += e * e;
        }
        if (*n)
            naive += fabs(v[0].points[k].actual - prev);
        prev = v[0].points[k].actual;
        (*n)++;
    }
    for (size_t m = 0; m < nv; m++) {
        mae[m] = *n ? sa[m] / (double)*n : NAN;
        rmse[m] = *n ? sqrt(sq[m] / (double)*n) : NAN;
    }
    *scale = *n > 1 ? naive / (double)(*n - 1) : NAN;
}

static int row_before(const eddy_ledger_rank_t *a, const eddy_ledger_rank_t *b)
{
    if (a->failing != b->failing)
        return b->failing;
    if (!a->failing && a->mae != b->mae) {
        if (isnan(a->mae) || isnan(b->mae))
            return isnan(b->mae);
        return a->mae < b->mae;
    }
    return strcmp(a->model, b->model) < 0;
}

static int row_cmp(const void *a, const void *b)
{
    return row_before(b, a) - row_before(a, b);
}

/* Sorts ROWS and numbers the ranked ones. */
static size_t finish(eddy_ledger_rank_t *rows, size_t n, eddy_ledger_rank_t *out,
                     size_t cap)
{
    int rank = 0;

    qsort(rows, n, sizeof(*rows), row_cmp);
    for (size_t i = 0; i < n; i++)
        rows[i].rank = rows[i].failing || isnan(rows[i].mae) ? 0 : ++rank;
    n = n < cap ? n : cap;
    memcpy(out, rows, n * sizeof(*rows));
    return n;
}

static size_t rank_series(const eddy_ledger_t *l, const char *series,
                          eddy_ledger_rank_t *out, size_t cap)
{
    eddy_ledger_pair_t v[RANK_MAX_MODELS] = {0};
    eddy_ledger_rank_t rows[RANK_MAX_MODELS];
    double mae[RANK_MAX_MODELS], rmse[RANK_MAX_MODELS], scale;
    size_t nv = 0, nf = 0, nm = eddy_ledger_model_count(l);
    uint64_t n;
    eddy_ledger_model_t mv;

    for (size_t i = 0; i < nm && nv + nf < RANK_MAX_MODELS; i++) {
        eddy_ledger_pair_t p;
        if (eddy_ledger_model(l, i, &mv) || eddy_ledger_find(l, mv.model, series, &p) ||
            !p.n_points)
            continue;
        if (p.failing)
            rows[RANK_MAX_MODELS - 1 - nf++] = (eddy_ledger_rank_t){.model = p.model,
                                                                    .failing = 1,
                                                                    .n = p.n_points,
                                                                    .mae = NAN,
                                                                    .rmse = NAN};
        else
            v[nv++] = p;
    }
    common_errors(v, nv, mae, rmse, &n, &scale);
    for (size_t m = 0; m < nv; m++)
        rows[m] = (eddy_ledger_rank_t){
            .model = v[m].model, .n = n, .mae = mae[m], .rmse = rmse[m]};
    memmove(&rows[nv], &rows[RANK_MAX_MODELS - nf], nf * sizeof(*rows));
    return finish(rows, nv + nf, out, cap);
}

/* Adds each ranked model's scaled MAE on SERIES to ACC; 1 when counted. */
static int overall_series(const eddy_ledger_t *l, const char *series,
                          const eddy_ledger_rank_t *rows, size_t nr, double *acc)
{
    eddy_ledger_pair_t v[RANK_MAX_MODELS] = {0};
    double mae[RANK_MAX_MODELS], rmse[RANK_MAX_MODELS], scale;
    size_t nv = 0;
    uint64_t n;

    for (size_t m = 0; m < nr; m++) {
        if (rows[m].failing)
            continue;
        if (eddy_ledger_find(l, rows[m].model, series, &v[nv]) || !v[nv].n_points)
            return 0; /* not a common series */
        nv++;
    }
    common_errors(v, nv, mae, rmse, &n, &scale);
    if (!nv || !(scale > 0))
        return 0;
    for (size_t m = 0, k = 0; m < nr; m++)
        if (!rows[m].failing)
            acc[m] += mae[k++] / scale;
    return 1;
}

static size_t rank_overall(const eddy_ledger_t *l, eddy_ledger_rank_t *out, size_t cap)
{
    eddy_ledger_rank_t rows[RANK_MAX_MODELS];
    double acc[RANK_MAX_MODELS] = {0};
    size_t nr = 0, ns, used = 0, nm = eddy_ledger_model_count(l);
    const char **names;
    eddy_ledger_model_t mv;

    for (size_t i = 0; i < nm && nr < RANK_MAX_MODELS; i++) {
        if (eddy_ledger_model(l, i, &mv))
            continue;
        rows[nr++] =
            (eddy_ledger_rank_t){.model = mv.model, .failing = mv.failing, .rmse = NAN};
    }
    ns = eddy_ledger_series_names(l, NULL, 0);
    if (ns && (names = malloc(ns * sizeof(*names)))) {
        eddy_ledger_series_names(l, names, ns);
        for (size_t s = 0; s < ns; s++)
            used += (size_t)overall_series(l, names[s], rows, nr, acc);
        free(names);
    }
    for (size_t m = 0; m < nr; m++) {
        rows[m].n = used;
        rows[m].mae = rows[m].failing || !used ? NAN : acc[m] / (double)used;
    }
    return finish(rows, nr, out, cap);
}

size_t eddy_ledger_rank(const eddy_ledger_t *l, const char *series,
                        eddy_ledger_rank_t *out, size_t cap)
{
    return series ? rank_series(l, series, out, cap) : rank_overall(l, out, cap);
}
