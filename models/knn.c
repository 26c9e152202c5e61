/* knn.c: `knn` — River preprocessing.StandardScaler() |
 * neighbors.KNNRegressor(n_neighbors=5,
 *                        engine=neighbors.LazySearch(window_size=1000)).
 *
 * Exact search over a FIFO window of standardized points. As in the River
 * pipeline each point is stored scaled with the statistics current when it was
 * learned, while a query is scaled with the current statistics. Neighbours are
 * ordered by Euclidean distance, ties by window position (oldest first); an
 * exact match (distance 0) predicts that neighbour's target; otherwise the
 * mean of the k targets; an empty window predicts 0.
 */
#include "model_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

enum { P_K, P_WINDOW, N_P };

static const eddy_param_def_t knn_params[N_P] = {
    {"k", 5, 1, 1000, 1, "number of neighbours"},
    {"window_size", 1000, 1, 100000, 1, "FIFO window of remembered points"},
};

typedef struct {
    int n, k, cap;
    int size, head; /* ring buffer: oldest point at head */
    eddy_scaler_t scaler;
    double *pts; /* cap * n scaled points */
    double *ys;  /* cap targets */
    double *q;   /* scratch: the scaled query */
    double *best_d;
    int *best_i; /* window positions (0 = oldest) of the current k best */
} knn_state_t;

static void knn_free(eddy_model_t *m)
{
    knn_state_t *s = m->state;
    if (!s)
        return;
    eddy_scaler_free(&s->scaler);
    free(s->pts);
    free(s->ys);
    free(s->q);
    free(s->best_d);
    free(s->best_i);
    free(s);
    m->state = NULL;
}

static int knn_init(eddy_model_t *m)
{
    knn_state_t *s = calloc(1, sizeof(*s));
    if (!s)
        return -1;
    m->state = s;
    s->n = m->n_features;
    s->k = (int)m->params[P_K];
    s->cap = (int)m->params[P_WINDOW];
    s->pts = malloc((size_t)s->cap * (size_t)s->n * sizeof(double));
    s->ys = malloc((size_t)s->cap * sizeof(double));
    s->q = malloc((size_t)s->n * sizeof(double));
    s->best_d = malloc((size_t)s->k * sizeof(double));
    s->best_i = malloc((size_t)s->k * sizeof(int));
    if (!s->pts || !s->ys || !s->q || !s->best_d || !s->best_i ||
        eddy_scaler_init(&s->scaler, s->n) != 0) {
        knn_free(m);
        return -1;
    }
    return 0;
}

static const double *point(const knn_state_t *s, int pos)
{
    return s->pts + (size_t)((s->head + pos) % s->cap) * (size_t)s->n;
}

/* Distance as River's Rust kernel: sum of squares in feature order, sqrt. */
static double dist(const double *a, const double *b, int n)
{
    double total = 0.0;
    for (int i = 0; i < n; i++)
        total += (a[i] - b[i]) * (a[i] - b[i]);
    return sqrt(total);
}

static double knn_predict(eddy_model_t *m, const double *x)
{
    knn_state_t *s = m->state;
    if (s->size == 0)
        return 0.0;
    eddy_scaler_transform(&s->scaler, x, s->q);
    int nb = 0;
    /* insertion into a sorted list of k; strict '<' keeps older points first */
    for (int pos = 0; pos < s->size; pos++) {
        double d = dist(s->q, point(s, pos), s->n);
        if (nb == s->k && !(d < s->best_d[nb - 1]))
            continue;
        int j = nb < s->k ? nb++ : nb - 1;
        while (j > 0 && d < s->best_d[j - 1]) {
            s->best_d[j] = s->best_d[j - 1];
            s->best_i[j] = s->best_i[j - 1];
            j--;
        }
        s->best_d[j] = d;
        s->best_i[j] = pos;
    }
    if (s->best_d[0] == 0.0)
        return s->ys[(s->head + s->best_i[0]) % s->cap];
    /* Neumaier-compensated sum: Python's statistics.mean is exact */
    double sum = 0.0, c = 0.0;
    for (int j = 0; j < nb; j++) {
        double v = s->ys[(s->head + s->best_i[j]) % s->cap], t = sum + v;
        c += fabs(sum) >= fabs(v) ? (sum - t) + v : (v - t) + sum;
        sum = t;
    }
    return (sum + c) / nb;
}

static void knn_learn(eddy_model_t *m, const double *x, double y)
{
    knn_state_t *s = m->state;
    eddy_scaler_learn(&s->scaler, x);
    int slot;
    if (s->size < s->cap) {
        slot = (s->head + s->size) % s->cap;
        s->size++;
    } else {
        slot = s->head;
        s->head = (s->head + 1) % s->cap;
    }
    eddy_scaler_transform(&s->scaler, x, s->pts + (size_t)slot * (size_t)s->n);
    s->ys[slot] = y;
}

static void knn_save(eddy_wbuf_t *w, const eddy_model_t *m)
{
    const knn_state_t *s = m->state;
    eddy_scaler_save(w, &s->scaler);
    eddy_w_u32(w, (uint32_t)s->size);
    for (int pos = 0; pos < s->size; pos++) {
        eddy_w_f64s(w, point(s, pos), (size_t)s->n);
        eddy_w_f64(w, s->ys[(s->head + pos) % s->cap]);
    }
}

static int knn_load(eddy_rbuf_t *r, eddy_model_t *m)
{
    knn_state_t *s = m->state;
    eddy_scaler_load(r, &s->scaler);
    s->size = (int)eddy_r_count(r, (uint32_t)s->cap);
    s->head = 0;
    for (int pos = 0; pos < s->size && !r->err; pos++) {
        eddy_r_f64s(r, s->pts + (size_t)pos * (size_t)s->n, (size_t)s->n);
        s->ys[pos] = eddy_r_f64(r);
    }
    return r->err ? -1 : 0;
}

const eddy_model_ops_t eddy_knn_ops = {
    "knn",
    "k-nearest-neighbours regressor, exact search over a FIFO window of standardized "
    "lags; River StandardScaler() | KNNRegressor(n_neighbors=5, "
    "engine=LazySearch(window_size=1000)); params k=5 window_size=1000",
    knn_params,
    N_P,
    NULL,
    knn_init,
    knn_free,
    knn_predict,
    knn_learn,
    NULL,
    knn_save,
    knn_load,
};
