/* knn.c: `knn` — River preprocessing.StandardScaler() |
 * neighbors.KNNRegressor(n_neighbors=5,
 *                        engine=neighbors.LazySearch(window_size=1000)).
 *
 * Exact search over a FIFO window of standardized points. As in the River
 * pipeline each point is stored scaled with the statistics current when it was
 * learned, while a query is scaled with the current statistics. Neighbours are
 * ordered by Euclidean distance, ties by window position (oldest first); an
 * exact match (distance 0) predicts that neighbour's target; otherwise the
 * mean of the k targets, exactly rounded like River's statistics.mean
 * (util/fsum.h); an empty window predicts 0.
 */
#include "model_internal.h"
#include "util/fsum.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

enum { P_K, P_WINDOW, P_DIFF, P_SDIFF, N_P };

static const eddy_opt_t knn_params[N_P + 1] = {
    EDDY_PARAM_INT(P_K, "k", 5, 1, 1000, "number of neighbours"),
    EDDY_PARAM_INT(P_WINDOW, "window_size", 1000, 1, 100000,
                   "FIFO window of remembered points"),
    EDDY_PARAM_DIFF_ROWS(P_DIFF, P_SDIFF), EDDY_OPT_TABLE_END};

/* Points are stored in blocks of LANES slots, feature-major inside a block
 * (pts[((slot / LANES) * n + i) * LANES + slot % LANES]), so the distance
 * loop reads LANES points' feature i with one contiguous load. */
#define LANES 4

typedef struct {
    int n, k, cap;
    int size, head; /* ring buffer: oldest point at head */
    eddy_scaler_t scaler;
    double *pts;     /* ceil(cap / LANES) blocks of n * LANES scaled values */
    double *ys;      /* cap targets */
    double *q;       /* scratch: the scaled query */
    double *row;     /* scratch: one scaled point */
    double *best_d;  /* distances of the current k best, ascending */
    double *best_d2; /* their squared sums */
    double *best_y;  /* scratch: their targets, for the mean */
    int *best_i;     /* window positions (0 = oldest) of the current k best */
} knn_state_t;

static void knn_free(eddy_model_t *m)
{
    knn_state_t *s = m->state;
    eddy_scaler_free(&s->scaler);
    free(s->pts);
    free(s->ys);
    free(s->q);
    free(s->row);
    free(s->best_d);
    free(s->best_d2);
    free(s->best_y);
    free(s->best_i);
}

static int knn_init(eddy_model_t *m)
{
    knn_state_t *s = m->state;
    s->n = m->n_features;
    s->k = (int)m->params[P_K];
    s->cap = (int)m->params[P_WINDOW];
    size_t blocks = ((size_t)s->cap + LANES - 1) / LANES;
    s->pts = malloc(blocks * (size_t)s->n * LANES * sizeof(double));
    s->ys = malloc((size_t)s->cap * sizeof(double));
    s->q = malloc((size_t)s->n * sizeof(double));
    s->row = malloc((size_t)s->n * sizeof(double));
    s->best_d = malloc((size_t)s->k * sizeof(double));
    s->best_d2 = malloc((size_t)s->k * sizeof(double));
    s->best_y = malloc((size_t)s->k * sizeof(double));
    s->best_i = malloc((size_t)s->k * sizeof(int));
    if (!s->pts || !s->ys || !s->q || !s->row || !s->best_d || !s->best_d2 ||
        !s->best_y || !s->best_i || eddy_scaler_init(&s->scaler, s->n) != 0)
        return -1;
    return 0;
}

static double *at(const knn_state_t *s, int slot, int i)
{
    return s->pts + ((size_t)(slot / LANES) * (size_t)s->n + (size_t)i) * LANES +
           (size_t)(slot % LANES);
}

/* Offers the point at window position POS with squared distance TOTAL to the
 * sorted best list of NB (<= k) entries; returns the new NB. River orders by
 * the Euclidean distance sqrt(sum of squares in feature order); a point
 * enters only if its distance is strictly smaller than the k-th best (so
 * older points win ties). sqrt is monotonic, so a squared sum >= the k-th
 * best's squared sum can never enter and is rejected without its sqrt. Two
 * squared sums that differ can round to the same distance: entering points
 * are therefore compared on the sqrt, as River does. */
static int offer(knn_state_t *s, int nb, double total, int pos)
{
    const int k = s->k;
    double *bd = s->best_d, *bd2 = s->best_d2;
    int *bi = s->best_i;
    if (nb == k && total >= bd2[k - 1])
        return nb;
    double dist = sqrt(total);
    if (nb == k && !(dist < bd[nb - 1]))
        return nb;
    int j = nb < k ? nb++ : nb - 1;
    while (j > 0 && dist < bd[j - 1]) {
        bd[j] = bd[j - 1];
        bd2[j] = bd2[j - 1];
        bi[j] = bi[j - 1];
        j--;
    }
    bd[j] = dist;
    bd2[j] = total;
    bi[j] = pos;
    return nb;
}

static double dist2(const knn_state_t *s, int slot)
{
    double total = 0.0;
    for (int i = 0; i < s->n; i++) {
        double d = s->q[i] - *at(s, slot, i);
        total += d * d;
    }
    return total;
}

typedef double v2d __attribute__((vector_size(16)));

/* Offers slots [A, B), holding window positions POS, POS + 1, ..., in order.
 * Whole blocks go four points at a time in two SSE2 vectors: each lane sums
 * its own point's squares in feature order from 0.0 (no fused multiply-add),
 * so every sum is bit-identical to the scalar loop in dist2. */
static int scan(knn_state_t *s, int a, int b, int pos, int nb)
{
    const int n = s->n;
    const double *q = s->q;
    for (; a < b && a % LANES; a++)
        nb = offer(s, nb, dist2(s, a), pos++);
    for (; a + 2 * LANES <= b; a += 2 * LANES) {
        /* two blocks: four independent vector chains */
        const double *b0 = s->pts + (size_t)(a / LANES) * (size_t)n * LANES;
        const double *b1 = b0 + (size_t)n * LANES;
        v2d t0 = {0.0, 0.0}, t1 = {0.0, 0.0}, t2 = {0.0, 0.0}, t3 = {0.0, 0.0};
        for (int i = 0; i < n; i++) {
            v2d qi = {q[i], q[i]}, p0, p1, p2, p3;
            memcpy(&p0, b0 + (size_t)i * LANES, sizeof(p0));
            memcpy(&p1, b0 + (size_t)i * LANES + 2, sizeof(p1));
            memcpy(&p2, b1 + (size_t)i * LANES, sizeof(p2));
            memcpy(&p3, b1 + (size_t)i * LANES + 2, sizeof(p3));
            v2d d0 = qi - p0, d1 = qi - p1, d2 = qi - p2, d3 = qi - p3;
            t0 += d0 * d0;
            t1 += d1 * d1;
            t2 += d2 * d2;
            t3 += d3 * d3;
        }
        nb = offer(s, nb, t0[0], pos);
        nb = offer(s, nb, t0[1], pos + 1);
        nb = offer(s, nb, t1[0], pos + 2);
        nb = offer(s, nb, t1[1], pos + 3);
        nb = offer(s, nb, t2[0], pos + 4);
        nb = offer(s, nb, t2[1], pos + 5);
        nb = offer(s, nb, t3[0], pos + 6);
        nb = offer(s, nb, t3[1], pos + 7);
        pos += 2 * LANES;
    }
    for (; a + LANES <= b; a += LANES) {
        const double *blk = s->pts + (size_t)(a / LANES) * (size_t)n * LANES;
        v2d t01 = {0.0, 0.0}, t23 = {0.0, 0.0};
        for (int i = 0; i < n; i++) {
            v2d qi = {q[i], q[i]}, p01, p23;
            memcpy(&p01, blk + (size_t)i * LANES, sizeof(p01));
            memcpy(&p23, blk + (size_t)i * LANES + 2, sizeof(p23));
            v2d d01 = qi - p01, d23 = qi - p23;
            t01 += d01 * d01;
            t23 += d23 * d23;
        }
        nb = offer(s, nb, t01[0], pos);
        nb = offer(s, nb, t01[1], pos + 1);
        nb = offer(s, nb, t23[0], pos + 2);
        nb = offer(s, nb, t23[1], pos + 3);
        pos += LANES;
    }
    for (; a < b; a++)
        nb = offer(s, nb, dist2(s, a), pos++);
    return nb;
}

static double knn_predict(eddy_model_t *m, const double *x)
{
    knn_state_t *s = m->state;
    if (s->size == 0)
        return 0.0;
    eddy_scaler_transform(&s->scaler, x, s->q);
    /* window positions in age order: slots [head, cap) then [0, head) */
    int first = s->size < s->cap - s->head ? s->size : s->cap - s->head;
    int nb = scan(s, s->head, s->head + first, 0, 0);
    nb = scan(s, 0, s->size - first, first, nb);
    if (s->best_d[0] == 0.0)
        return s->ys[(s->head + s->best_i[0]) % s->cap];
    /* River's statistics.mean: exactly rounded */
    for (int j = 0; j < nb; j++)
        s->best_y[j] = s->ys[(s->head + s->best_i[j]) % s->cap];
    return eddy_mean_exact(s->best_y, (size_t)nb);
}

static void put_row(knn_state_t *s, int slot, const double *row)
{
    for (int i = 0; i < s->n; i++)
        *at(s, slot, i) = row[i];
}

static void knn_learn(eddy_model_t *m, const double *x, double y)
{
    knn_state_t *s = m->state;
    int slot;
    if (s->size < s->cap) {
        slot = (s->head + s->size) % s->cap;
        s->size++;
    } else {
        slot = s->head;
        s->head = (s->head + 1) % s->cap;
    }
    eddy_scaler_learn_transform(&s->scaler, x, s->row);
    put_row(s, slot, s->row);
    s->ys[slot] = y;
}

static void knn_save(eddy_buf_t *w, const eddy_model_t *m)
{
    const knn_state_t *s = m->state;
    eddy_scaler_save(w, &s->scaler);
    eddy_buf_put_u32(w, (uint32_t)s->size);
    for (int pos = 0; pos < s->size; pos++) {
        int slot = (s->head + pos) % s->cap;
        for (int i = 0; i < s->n; i++)
            eddy_buf_put_f64(w, *at(s, slot, i));
        eddy_buf_put_f64(w, s->ys[slot]);
    }
}

static int knn_load(eddy_reader_t *r, eddy_model_t *m)
{
    knn_state_t *s = m->state;
    eddy_scaler_load(r, &s->scaler);
    s->size = (int)eddy_read_count(r, (uint32_t)s->cap);
    s->head = 0;
    for (int pos = 0; pos < s->size && !r->err; pos++) {
        eddy_read_f64s(r, s->row, (size_t)s->n);
        put_row(s, pos, s->row);
        s->ys[pos] = eddy_read_f64(r);
    }
    return r->err ? -1 : 0;
}

const eddy_model_ops_t eddy_knn_ops = {
    EDDY_MODEL_OPS(knn, "knn", knn_params,
                   "k-nearest-neighbours regressor, exact search over a FIFO window of "
                   "standardized lags; River StandardScaler() | "
                   "KNNRegressor(n_neighbors=5, engine=LazySearch(window_size=1000))")};
