/* test_model_knn.c: the `knn` model (blocked storage, squared-distance
 * pruning, four-lane distance sums) against a naive reference — every
 * distance by sqrt, a stable sort (ties: oldest first), River's rules for an
 * exact match and the mean — bit for bit, on series full of exact ties and
 * with windows that wrap at every alignment. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "eddy_model.h"
#include "model_internal.h"

#define MAX_N   16
#define MAX_WIN 64
#define STEPS   400

typedef struct {
    int n, k, cap, size; /* points[0] is the oldest */
    eddy_scaler_t sc;
    double pts[MAX_WIN][MAX_N], ys[MAX_WIN];
} ref_t;

static double ref_predict(ref_t *r, const double *x)
{
    if (r->size == 0)
        return 0.0;
    double q[MAX_N], d[MAX_WIN] = {0};
    int idx[MAX_WIN] = {0};
    eddy_scaler_transform(&r->sc, x, q);
    for (int p = 0; p < r->size; p++) {
        double t = 0.0;
        for (int i = 0; i < r->n; i++)
            t += (q[i] - r->pts[p][i]) * (q[i] - r->pts[p][i]);
        d[p] = sqrt(t);
        idx[p] = p;
    }
    /* insertion sort: stable, so equal distances keep the oldest first */
    for (int a = 1; a < r->size; a++)
        for (int b = a; b > 0 && d[idx[b]] < d[idx[b - 1]]; b--) {
            int tmp = idx[b];
            idx[b] = idx[b - 1];
            idx[b - 1] = tmp;
        }
    int nb = r->size < r->k ? r->size : r->k;
    if (d[idx[0]] == 0.0)
        return r->ys[idx[0]];
    double sum = 0.0, c = 0.0;
    for (int j = 0; j < nb; j++) {
        double v = r->ys[idx[j]], t = sum + v;
        c += fabs(sum) >= fabs(v) ? (sum - t) + v : (v - t) + sum;
        sum = t;
    }
    return (sum + c) / nb;
}

static void ref_learn(ref_t *r, const double *x, double y)
{
    if (r->size == r->cap) {
        memmove(r->pts[0], r->pts[1], sizeof(r->pts[0]) * (size_t)(r->cap - 1));
        memmove(r->ys, r->ys + 1, sizeof(double) * (size_t)(r->cap - 1));
        r->size--;
    }
    eddy_scaler_learn(&r->sc, x);
    eddy_scaler_transform(&r->sc, x, r->pts[r->size]);
    r->ys[r->size++] = y;
}

/* integer series with short periods: many identical lag vectors (distance
 * 0) and many equal distances */
static double series(int kind, int t)
{
    switch (kind) {
    case 0:
        return (double)(t % 5);
    case 1:
        return (double)((t * 7) % 11 < 5 ? 1 : 3);
    default:
        return 100.0 + (double)(t % 12) * 3.0 + (double)(t / 48);
    }
}

static void check(int n, int k, int win, int kind)
{
    char params[64], err[256];
    snprintf(params, sizeof(params), "k=%d,window_size=%d", k, win);
    eddy_model_t *m = eddy_model_new("knn", n, params, 1, err, sizeof(err));
    if (!m)
        fail_msg("%s", err);
    static ref_t r;
    memset(&r, 0, sizeof(r));
    r.n = n;
    r.k = k;
    r.cap = win;
    assert_int_equal(eddy_scaler_init(&r.sc, n), 0);
    double ys[STEPS], x[MAX_N];
    for (int t = 0; t < STEPS; t++) {
        ys[t] = series(kind, t);
        for (int i = 1; i <= n; i++)
            x[i - 1] = i <= t ? ys[t - i] : 0.0;
        double got = eddy_model_predict(m, x), want = ref_predict(&r, x);
        if (memcmp(&got, &want, sizeof(double)) != 0)
            fail_msg(
                "n=%d k=%d window=%d series %d step %d: eddy %.17g, reference %.17g", n,
                k, win, kind, t, got, want);
        eddy_model_learn(m, x, ys[t]);
        ref_learn(&r, x, ys[t]);
    }
    eddy_scaler_free(&r.sc);
    eddy_model_destroy(m);
}

static void test_knn_reference(void **state)
{
    (void)state;
    static const int ns[] = {1, 3, 15, 16};
    static const int ks[] = {1, 3, 5, 9};
    static const int wins[] = {1, 2, 5, 7, 8, 9, 13, 16, 33, 64};
    for (size_t a = 0; a < 4; a++)
        for (size_t b = 0; b < 4; b++)
            for (size_t c = 0; c < sizeof(wins) / sizeof(wins[0]); c++)
                for (int kind = 0; kind < 3; kind++)
                    check(ns[a], ks[b], wins[c], kind);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_knn_reference),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
