/* amf.c: `amf` — Aggregated Mondrian Forest regressor, River
 * forest.AMFRegressor(n_estimators=10, step=1.0, use_aggregation=True) on the
 * raw lags (Mourtada, Gaïffas & Scornet 2021).
 *
 * Each tree is a Mondrian tree grown online. A node keeps the bounding box of
 * the samples it has seen, the running mean of their targets, an aggregation
 * weight (minus step times the cumulative squared loss / 2 of its mean, updated
 * before the mean learns the sample) and log_weight_tree (the context-tree
 * weighting sum of its subtree). Learning one sample walks down from the root:
 * at each node, if the sample lies outside the node's box by a total extension
 * E, a split time node.time + Exp(E) is drawn and, when it comes before the
 * children's time (always, for a leaf), the node is split there on a feature
 * drawn proportionally to its extension, at a threshold uniform between the
 * box and the sample; the sample then goes into a fresh leaf. Otherwise the
 * node is updated and the walk follows threshold. log_weight_tree is then
 * recomputed from the reached leaf up to the root. A tree predicts the leaf's
 * mean blended upwards with each ancestor's mean by its aggregation weight;
 * the forest averages its trees.
 *
 * The arithmetic follows River 0.26.1's Rust kernel (rust_src/mondrian.rs)
 * operation for operation; the feature draw walks the features in River's
 * order (sorted names: in_1, in_10, ..., in_15, in_2, ...). The random draws
 * come from one xoshiro256** stream per tree (each seeded from the model seed)
 * instead of Python's Mersenne Twister, so eddy equals River in distribution,
 * not draw for draw.
 *
 * Memory: a tree has 1 + 2 * (splits) nodes, each 88 bytes plus two
 * n_features-double rows (its bounding box): 328 bytes with 15 lags. A split
 * happens only when a sample falls outside a node's box, so growth depends on
 * the data, but on 15-dimensional lag vectors nearly every sample leaves
 * some box: on airpassengers every tree grows by exactly 2 nodes per sample
 * (River's trees too: 287 nodes after 144 samples, 1487 after 744), and a
 * stationary periodic series reaches the default cap after ~2050 samples. `max_nodes`
 * (default 4096) caps each tree as River's max_nodes does: once a tree holds max_nodes
 * nodes nothing splits any more (it may end at max_nodes + 1), while the existing nodes
 * keep learning their means, boxes and weights. A capped tree with 15 lags takes
 * about 1.35 MB, a capped default forest about 13 MB per (model, series); lower
 * max_nodes for many series. Nodes are allocated in chunks of 64, never moved.
 */
#include "model_internal.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { P_N, P_STEP, P_AGG, P_MAXN, P_DIFF, P_SDIFF, N_P };

static const eddy_opt_t amf_params[N_P + 1] = {
    EDDY_PARAM_INT(P_N, "n_estimators", 10, 1, 100, "number of trees"),
    EDDY_PARAM_NUM(P_STEP, "step", 1.0, 0.0, 1e6,
                   "step size of the aggregation weights"),
    EDDY_PARAM_INT(P_AGG, "use_aggregation", 1, 0, 1,
                   "aggregate predictions along the path (0/1)"),
    EDDY_PARAM_INT(P_MAXN, "max_nodes", 4096, 1, 1048576,
                   "node cap per tree: no split beyond it"),
    EDDY_PARAM_DIFF_ROWS(P_DIFF, P_SDIFF),
    EDDY_OPT_TABLE_END};

#define NONE ((int32_t)-1)

typedef struct {
    int32_t parent, left, right, feature;
    uint64_t n_samples;
    uint8_t is_leaf;
    double time, threshold, weight, lwt, mean;
    double clwt[2]; /* a branch's copy of its children's lwt (not saved) */
} amf_node_t;

/* Nodes live in chunks of CHUNK, never moved: a growing tree allocates
 * chunks rather than copying (and re-faulting) ever larger arrays. */
#define CHUNK_SHIFT 6
#define CHUNK       (1 << CHUNK_SHIFT)

typedef struct {
    amf_node_t nodes[CHUNK];
    double box[]; /* CHUNK rows of 2 n: each node's box, minima then maxima */
} amf_chunk_t;

typedef struct {
    eddy_rng_t rng;
    uint64_t iteration; /* samples learned */
    int32_t root, n_nodes, cap, n_chunks, chunks_cap;
    amf_chunk_t **chunks;
} amf_tree_t;

static amf_node_t *ND(const amf_tree_t *t, int32_t i)
{
    return &t->chunks[i >> CHUNK_SHIFT]->nodes[i & (CHUNK - 1)];
}

typedef struct {
    int n, n_trees, use_agg;
    int32_t max_nodes;
    double step;
    int *order;    /* feature indices in River's (name-sorted) order */
    int32_t *walk; /* scratch: each tree's current node while learning */
    int *full;     /* scratch: each tree's "no more splits" while learning */
    double *ext;   /* scratch: extension per feature */
    int *ext_f;    /* scratch: features with a positive extension */
    double *cum;   /* scratch: cumulative weights */
    amf_tree_t *trees;
} amf_state_t;

static double *box_lo(const amf_state_t *s, const amf_tree_t *t, int32_t i)
{
    return t->chunks[i >> CHUNK_SHIFT]->box +
           (size_t)(i & (CHUNK - 1)) * 2 * (size_t)s->n;
}

static void tree_free(amf_tree_t *t)
{
    for (int32_t c = 0; c < t->n_chunks; c++)
        free(t->chunks[c]);
    free(t->chunks);
    t->chunks = NULL;
    t->n_chunks = t->chunks_cap = t->cap = 0;
}

/* Grows T to room for at least NEED nodes; 0 or -1 (T unchanged but maybe
 * with more room). */
static int tree_reserve(amf_tree_t *t, int32_t need, int n)
{
    while (t->cap < need) {
        if (t->n_chunks == t->chunks_cap) {
            int32_t cc = t->chunks_cap ? 2 * t->chunks_cap : 4;
            amf_chunk_t **nc = realloc(t->chunks, (size_t)cc * sizeof(*nc));
            if (!nc)
                return -1;
            t->chunks = nc;
            t->chunks_cap = cc;
        }
        amf_chunk_t *c = malloc(sizeof(amf_chunk_t) +
                                (size_t)CHUNK * 2 * (size_t)n * sizeof(double));
        if (!c)
            return -1;
        t->chunks[t->n_chunks++] = c;
        t->cap += CHUNK;
    }
    return 0;
}

static void node_reset(amf_node_t *nd, int32_t parent, double time)
{
    memset(nd, 0, sizeof(*nd));
    nd->parent = parent;
    nd->left = nd->right = NONE;
    nd->feature = 0;
    nd->is_leaf = 1;
    nd->time = time;
}

static void amf_free(eddy_model_t *m)
{
    amf_state_t *s = m->state;
    if (s->trees)
        for (int i = 0; i < s->n_trees; i++)
            tree_free(&s->trees[i]);
    free(s->trees);
    free(s->order);
    free(s->ext_f);
    free(s->walk);
    free(s->full);
    free(s->cum);
}

static int name_cmp(const void *a, const void *b)
{
    char na[16], nb[16];
    snprintf(na, sizeof(na), "in_%d", *(const int *)a + 1);
    snprintf(nb, sizeof(nb), "in_%d", *(const int *)b + 1);
    return strcmp(na, nb);
}

static int amf_init(eddy_model_t *m)
{
    amf_state_t *s = m->state;
    s->n = m->n_features;
    s->n_trees = (int)m->params[P_N];
    s->step = m->params[P_STEP];
    s->use_agg = m->params[P_AGG] != 0.0;
    s->max_nodes = (int32_t)m->params[P_MAXN];
    s->order = malloc((size_t)s->n * sizeof(int));
    s->ext_f = malloc((size_t)s->n * sizeof(int));
    s->walk = malloc((size_t)s->n_trees * sizeof(int32_t));
    s->full = malloc((size_t)s->n_trees * sizeof(int));
    s->cum = malloc((size_t)s->n * sizeof(double));
    s->trees = calloc((size_t)s->n_trees, sizeof(*s->trees));
    if (!s->order || !s->ext_f || !s->walk || !s->full || !s->cum || !s->trees)
        return -1;
    for (int i = 0; i < s->n; i++)
        s->order[i] = i;
    qsort(s->order, (size_t)s->n, sizeof(int), name_cmp);
    /* River draws each tree's seed from the forest's generator */
    eddy_rng_t forest;
    eddy_rng_seed(&forest, m->seed);
    for (int i = 0; i < s->n_trees; i++) {
        amf_tree_t *t = &s->trees[i];
        eddy_rng_seed(&t->rng, eddy_rng_next(&forest));
        if (tree_reserve(t, 1, s->n) != 0)
            return -1;
        t->root = 0;
        t->n_nodes = 1;
        node_reset(ND(t, 0), NONE, 0.0);
    }
    return 0;
}

/* River's update_downwards: box, count, weight (mean before the update), mean */
static void node_update(const amf_state_t *s, amf_tree_t *t, int32_t i, const double *x,
                        double y, int do_weight)
{
    amf_node_t *nd = ND(t, i);
    double *lo = box_lo(s, t, i), *hi = lo + s->n;
    if (nd->n_samples == 0) {
        memcpy(lo, x, (size_t)s->n * sizeof(double));
        memcpy(hi, x, (size_t)s->n * sizeof(double));
    } else {
        /* River: if x < lo, lo = x; elif x > hi, hi = x (lo <= hi) */
        for (int f = 0; f < s->n; f++) {
            lo[f] = x[f] < lo[f] ? x[f] : lo[f];
            hi[f] = x[f] > hi[f] ? x[f] : hi[f];
        }
    }
    nd->n_samples++;
    if (do_weight && s->use_agg) {
        double r = nd->mean - y;
        double loss = r * r / 2.0;
        nd->weight = nd->weight - s->step * loss;
    }
    nd->mean += (1.0 / (double)nd->n_samples) * (y - nd->mean);
}

typedef double v2d __attribute__((vector_size(16)));
typedef long long v2i __attribute__((vector_size(16)));

/* per lane a > b ? a : b, without a branch (b when either is nan) */
static v2d vmax(v2d a, v2d b)
{
    v2i m = a > b;
    return (v2d)(((v2i)a & m) | ((v2i)b & ~m));
}

/* River's extension of one feature: lo - x if x < lo, x - hi if x > hi, else
 * +0 (lo <= hi: at most one of the two is positive; a nan x has none). Two
 * features per call, branch-free (a compare-and-branch here mispredicts). */
static v2d ext2(v2d lo, v2d hi, v2d x)
{
    const v2d zero = {0.0, 0.0};
    return vmax(x - hi, vmax(lo - x, zero));
}

/* River's range extension sum: the extensions added in feature order (the
 * +0 ones change nothing in a sum >= +0). */
static double ext_sum(const amf_state_t *s, const amf_tree_t *t, int32_t i,
                      const double *x)
{
    if (ND(t, i)->n_samples == 0)
        return 0.0; /* River: empty box dicts, no extension */
    const int n = s->n;
    const double *lo = box_lo(s, t, i), *hi = lo + n;
    double sum = 0.0;
    int f = 0;
    for (; f + 2 <= n; f += 2) {
        v2d l, h, xv;
        memcpy(&l, lo + f, sizeof(l));
        memcpy(&h, hi + f, sizeof(h));
        memcpy(&xv, x + f, sizeof(xv));
        v2d d = ext2(l, h, xv);
        sum += d[0];
        sum += d[1];
    }
    if (f < n) {
        v2d l = {lo[f], 0.0}, h = {hi[f], 0.0}, xv = {x[f], 0.0};
        sum += ext2(l, h, xv)[0];
    }
    return sum;
}

/* exp(x), skipping libm's underflow path (errno, a slow call): below -746
 * the correctly rounded exp is +0, which glibc returns too. */
static double exp_(double x)
{
    return x < -746.0 ? 0.0 : exp(x);
}

/* River's log((exp(a) + exp(b)) / 2): max + log(1/2) + log1p(exp(-|a - b|)).
 * Weights are minus cumulative squared losses, usually far apart: when
 * a - b < -40 and |max + log(1/2)| >= 1, log1p(exp(d)) < 4.3e-18 is less
 * than half an ULP of the sum, which is then max + log(1/2) exactly, with or
 * without the call. */
static double log_sum_2_exp(double a, double b)
{
    const double log_half = -0.6931471805599453; /* -LN_2 */
    double d = a > b ? b - a : a - b, s = (a > b ? a : b) + log_half;
    if (d < -40.0 && fabs(s) >= 1.0)
        return s;
    return s + log1p(exp(d));
}

/* random.choices(sorted features, extensions) and the threshold draw */
static int draw_feature(amf_state_t *s, amf_tree_t *t, int32_t i, const double *x)
{
    const double *lo = box_lo(s, t, i), *hi = lo + s->n;
    int k = 0;
    double acc = 0.0;
    for (int j = 0; j < s->n; j++) {
        int f = s->order[j];
        v2d l = {lo[f], 0.0}, h = {hi[f], 0.0}, xv = {x[f], 0.0};
        double d = ext2(l, h, xv)[0];
        /* only positive extensions are candidates (no branch: the slot is
         * overwritten unless k moves on) */
        acc += d;
        s->ext_f[k] = f;
        s->cum[k] = acc;
        k += d > 0.0;
    }
    /* bisect_right(cum, u * total, 0, k - 1) */
    double u = eddy_rng_uniform(&t->rng) * s->cum[k - 1];
    int a = 0, b = k - 1;
    while (a < b) {
        int mid = (a + b) / 2;
        if (u < s->cum[mid])
            b = mid;
        else
            a = mid + 1;
    }
    return s->ext_f[a];
}

/* Splits node I at SPLIT_TIME on FEATURE/THRESHOLD (River's _split; a split
 * leaf keeps its index as the new branch). Returns the fresh leaf's index. */
static int32_t split_node(const amf_state_t *s, amf_tree_t *t, int32_t i,
                          double split_time, double threshold, int feature,
                          int right_ext)
{
    size_t n = (size_t)s->n;
    int32_t copy = t->n_nodes, fresh = t->n_nodes + 1;
    t->n_nodes += 2;
    amf_node_t *nd = ND(t, i), *c = ND(t, copy);
    /* the copy takes the node's statistics and box; a former branch's copy
     * also takes its split and children */
    *c = *nd;
    c->parent = i;
    c->time = split_time;
    memcpy(box_lo(s, t, copy), box_lo(s, t, i), 2 * n * sizeof(double));
    if (!nd->is_leaf) {
        ND(t, c->left)->parent = copy;
        ND(t, c->right)->parent = copy;
    }
    node_reset(ND(t, fresh), i, split_time);
    nd->is_leaf = 0;
    nd->feature = feature;
    nd->threshold = threshold;
    nd->left = right_ext ? copy : fresh;
    nd->right = right_ext ? fresh : copy;
    nd->clwt[right_ext ? 0 : 1] = c->lwt;
    nd->clwt[right_ext ? 1 : 0] = 0.0; /* the fresh leaf's */
    return fresh;
}

/* One node of a tree's learning walk (River's go_downwards loop body) at
 * *CUR: either splits it (the sample goes into a fresh leaf) or updates it
 * and moves *CUR to the child on the sample's side. Returns the leaf the
 * sample ended in, or NONE while the walk goes on. */
static int32_t walk_step(amf_state_t *s, amf_tree_t *t, int32_t *curp, int full,
                         const double *x, double y)
{
    int32_t cur = *curp;
    amf_node_t *nd = ND(t, cur);
    double split_time = 0.0;
    double sum = full ? 0.0 : ext_sum(s, t, cur, x);
    if (sum > 0.0) {
        double r = eddy_rng_uniform(&t->rng);
        if (nd->is_leaf) {
            split_time = nd->time + -log(1.0 - r) / sum;
        } else {
            /* a branch splits only if time + Exp draw < its children's time.
             * -log(1 - r) >= r, so when time + r / sum is already well past
             * the children's time the split cannot happen: skip the log.
             * r >= (gap + 1e-6 child_time) sum gives time + -log(1 - r) / sum
             * >= child_time (1 + ~1e-6), far beyond the roundings and log's
             * error; no division needed */
            double child_time = ND(t, nd->left)->time;
            if (r < (child_time - nd->time + 1e-6 * child_time) * sum) {
                double cand = nd->time + -log(1.0 - r) / sum;
                if (cand < child_time)
                    split_time = cand;
            }
        }
    }
    if (split_time > 0.0) {
        int f = draw_feature(s, t, cur, x);
        double lo = box_lo(s, t, cur)[f], hi = box_lo(s, t, cur)[s->n + f];
        int right_ext = x[f] > hi;
        double thr = right_ext ? hi + (x[f] - hi) * eddy_rng_uniform(&t->rng)
                               : x[f] + (lo - x[f]) * eddy_rng_uniform(&t->rng);
        int32_t leaf = split_node(s, t, cur, split_time, thr, f, right_ext);
        node_update(s, t, cur, x, y, 1);
        node_update(s, t, leaf, x, y, 0);
        return leaf;
    }
    node_update(s, t, cur, x, y, 1);
    if (nd->is_leaf)
        return cur;
    *curp = x[nd->feature] <= nd->threshold ? nd->left : nd->right;
    return NONE;
}

/* River's go_upwards from LEAF (skipped on a tree's first sample). */
static void walk_up(const amf_state_t *s, amf_tree_t *t, int32_t leaf)
{
    if (s->use_agg)
        for (int32_t i = leaf; i != NONE; i = ND(t, i)->parent) {
            amf_node_t *nd = ND(t, i);
            nd->lwt = nd->is_leaf
                          ? nd->weight
                          : log_sum_2_exp(nd->weight, nd->clwt[0] + nd->clwt[1]);
            if (nd->parent != NONE) {
                amf_node_t *p = ND(t, nd->parent);
                p->clwt[p->left == i ? 0 : 1] = nd->lwt;
            }
        }
}

/* Every tree learns the sample (River's learn_one of each tree in turn). */
static void amf_learn(eddy_model_t *m, const double *x, double y)
{
    amf_state_t *s = m->state;
    for (int k = 0; k < s->n_trees; k++) {
        amf_tree_t *t = &s->trees[k];
        if (t->iteration == 0) { /* River: the first sample only fills the root */
            node_update(s, t, t->root, x, y, 0);
            t->iteration++;
            s->walk[k] = NONE;
            continue;
        }
        /* at most one split per sample: make room for it first */
        s->full[k] =
            t->n_nodes >= s->max_nodes || tree_reserve(t, t->n_nodes + 2, s->n) != 0;
        s->walk[k] = t->root;
    }
    for (int k = 0; k < s->n_trees; k++) {
        if (s->walk[k] == NONE)
            continue;
        amf_tree_t *t = &s->trees[k];
        int32_t leaf;
        while ((leaf = walk_step(s, t, &s->walk[k], s->full[k], x, y)) == NONE)
            ;
        walk_up(s, t, leaf);
        t->iteration++;
    }
}

static double tree_predict(const amf_state_t *s, const amf_tree_t *t, const double *x)
{
    int32_t i = t->root;
    while (!ND(t, i)->is_leaf)
        i = x[ND(t, i)->feature] <= ND(t, i)->threshold ? ND(t, i)->left
                                                        : ND(t, i)->right;
    double pred = ND(t, i)->mean;
    if (!s->use_agg)
        return pred;
    for (i = ND(t, i)->parent; i != NONE; i = ND(t, i)->parent) {
        const amf_node_t *nd = ND(t, i);
        double d = nd->weight - nd->lwt;
        /* d < -100: half_w < 2^-145, so 1 - half_w is 1 and a term
         * |half_w * mean| < |pred| * 2^-54 (under half an ULP of pred) leaves
         * pred unchanged: skip the exp */
        if (d < -100.0 && fabs(nd->mean) * 0x1p-140 < fabs(pred) * 0x1p-54)
            continue;
        double w = exp_(d);
        double half_w = 0.5 * w;
        pred = half_w * nd->mean + (1.0 - half_w) * pred;
    }
    return pred;
}

static double amf_predict(eddy_model_t *m, const double *x)
{
    amf_state_t *s = m->state;
    if (s->trees[0].iteration == 0)
        return 0.0; /* River returns None before the first sample */
    double sum = 0.0;
    for (int i = 0; i < s->n_trees; i++)
        sum += tree_predict(s, &s->trees[i], x);
    return sum / s->n_trees;
}

/* Payload per tree: rng, u64 iteration, u32 n_nodes, u32 root, then per node
 * u8 is_leaf, u32 parent (0xffffffff: none), u64 n_samples, f64 time, weight,
 * log_weight_tree, mean, [branch: u32 feature, f64 threshold, u32 left,
 * u32 right], n f64 box minimum, n f64 box maximum. */
static void amf_save(eddy_buf_t *w, const eddy_model_t *m)
{
    const amf_state_t *s = m->state;
    for (int k = 0; k < s->n_trees; k++) {
        const amf_tree_t *t = &s->trees[k];
        eddy_rng_save(w, &t->rng);
        eddy_buf_put_u64(w, t->iteration);
        eddy_buf_put_u32(w, (uint32_t)t->n_nodes);
        eddy_buf_put_u32(w, (uint32_t)t->root);
        for (int32_t i = 0; i < t->n_nodes; i++) {
            const amf_node_t *nd = ND(t, i);
            eddy_buf_put_u8(w, nd->is_leaf);
            eddy_buf_put_u32(w, (uint32_t)nd->parent);
            eddy_buf_put_u64(w, nd->n_samples);
            eddy_buf_put_f64(w, nd->time);
            eddy_buf_put_f64(w, nd->weight);
            eddy_buf_put_f64(w, nd->lwt);
            eddy_buf_put_f64(w, nd->mean);
            if (!nd->is_leaf) {
                eddy_buf_put_u32(w, (uint32_t)nd->feature);
                eddy_buf_put_f64(w, nd->threshold);
                eddy_buf_put_u32(w, (uint32_t)nd->left);
                eddy_buf_put_u32(w, (uint32_t)nd->right);
            }
            eddy_buf_put_f64s(w, box_lo(s, t, i), 2 * (size_t)s->n);
        }
    }
}

/* The nodes must form one tree rooted at ROOT: every node reached exactly
 * once, each child's parent its branch. Fills each branch's copies of its
 * children's log_weight_tree. */
static int tree_link(amf_tree_t *t, uint8_t *seen)
{
    int32_t stack_top = 0, reached = 0;
    int32_t *stack = malloc((size_t)t->n_nodes * sizeof(int32_t));
    if (!stack)
        return -1;
    memset(seen, 0, (size_t)t->n_nodes);
    int ok = ND(t, t->root)->parent == NONE;
    stack[stack_top++] = t->root;
    seen[t->root] = 1;
    while (ok && stack_top > 0) {
        amf_node_t *nd = ND(t, stack[--stack_top]);
        int32_t self = stack[stack_top];
        reached++;
        if (nd->is_leaf)
            continue;
        int32_t ch[2] = {nd->left, nd->right};
        for (int c = 0; c < 2 && ok; c++) {
            if (seen[ch[c]] || ND(t, ch[c])->parent != self) {
                ok = 0;
                break;
            }
            nd->clwt[c] = ND(t, ch[c])->lwt;
            seen[ch[c]] = 1;
            stack[stack_top++] = ch[c];
        }
    }
    free(stack);
    return ok && reached == t->n_nodes ? 0 : -1;
}

static int amf_load(eddy_reader_t *r, eddy_model_t *m)
{
    amf_state_t *s = m->state;
    size_t n = (size_t)s->n;
    /* fixed bytes of a node, without its optional branch fields */
    size_t node_min = 1 + 4 + 8 + 4 * 8 + 2 * n * 8;
    for (int k = 0; k < s->n_trees && !r->err; k++) {
        amf_tree_t *t = &s->trees[k];
        eddy_rng_load(r, &t->rng);
        t->iteration = eddy_read_u64(r);
        uint32_t nn = eddy_read_count(r, (uint32_t)s->max_nodes + 1);
        uint32_t root = eddy_read_u32(r);
        if (r->err || nn < 1 || nn % 2 == 0 || root >= nn ||
            !eddy_read_has(r, (size_t)nn * node_min) ||
            tree_reserve(t, (int32_t)nn, s->n) != 0)
            return -1;
        t->n_nodes = (int32_t)nn;
        t->root = (int32_t)root;
        for (uint32_t i = 0; i < nn && !r->err; i++) {
            amf_node_t *nd = ND(t, i);
            node_reset(nd, NONE, 0.0);
            uint8_t is_leaf = eddy_read_u8(r);
            uint32_t parent = eddy_read_u32(r);
            nd->n_samples = eddy_read_u64(r);
            nd->time = eddy_read_f64(r);
            nd->weight = eddy_read_f64(r);
            nd->lwt = eddy_read_f64(r);
            nd->mean = eddy_read_f64(r);
            if (is_leaf > 1 || (parent != 0xffffffffu && parent >= nn))
                r->err = 1;
            nd->is_leaf = is_leaf;
            nd->parent = parent == 0xffffffffu ? NONE : (int32_t)parent;
            if (!is_leaf) {
                uint32_t f = eddy_read_u32(r);
                nd->threshold = eddy_read_f64(r);
                uint32_t left = eddy_read_u32(r), right = eddy_read_u32(r);
                if (f >= n || left >= nn || right >= nn)
                    r->err = 1;
                nd->feature = (int32_t)f;
                nd->left = (int32_t)left;
                nd->right = (int32_t)right;
            }
            eddy_read_f64s(r, box_lo(s, t, (int32_t)i), 2 * n);
            if (!(nd->time >= 0.0) || (t->iteration == 0) != (nd->n_samples == 0))
                r->err = 1;
        }
        if (r->err)
            return -1;
        uint8_t *seen = malloc(nn);
        int bad = !seen || tree_link(t, seen) != 0;
        free(seen);
        if (bad)
            return -1;
    }
    return r->err ? -1 : 0;
}

const eddy_model_ops_t eddy_amf_ops = {EDDY_MODEL_OPS(
    amf, "amf", amf_params,
    "Aggregated Mondrian Forest regressor on raw lags, seeded; River "
    "forest.AMFRegressor(n_estimators=10, step=1.0, use_aggregation=True, seed=...)")};
