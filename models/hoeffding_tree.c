/* hoeffding_tree.c: `hoeffding_tree` — River preprocessing.StandardScaler() |
 * tree.HoeffdingTreeRegressor() with its defaults: grace_period 200,
 * delta 1e-7, tau 0.05, variance-reduction merit (min_samples_split 5),
 * merit pre-pruning, adaptive leaves (target mean vs. a LinearRegression leaf
 * model, chosen by the faded squared error with decay 0.95, children inherit
 * the parent's leaf model and errors), and the TEBST splitter: an extended
 * binary search tree per feature over values rounded to 1 decimal, with
 * FIMT-DD's pruning of bad split points after a failed split attempt.
 * River's memory manager (max_size 500 MB, checked every 1e6 samples) never
 * acts at eddy's scale and is not implemented.
 */
#include "model_internal.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum {
    P_GRACE,
    P_DELTA,
    P_TAU,
    P_MSS,
    P_DECAY,
    P_MAXD,
    P_DIGITS,
    P_DIFF,
    P_SDIFF,
    N_P
};

static const eddy_opt_t ht_params[N_P + 1] = {
    EDDY_PARAM_INT(P_GRACE, "grace_period", 200, 1, 1e9,
                   "samples a leaf sees between split attempts"),
    EDDY_PARAM_NUM(P_DELTA, "delta", 1e-7, 1e-300, 1,
                   "significance of the Hoeffding bound"),
    EDDY_PARAM_NUM(P_TAU, "tau", 0.05, 0, 1, "tie-breaking threshold"),
    EDDY_PARAM_INT(P_MSS, "min_samples_split", 5, 1, 1e9,
                   "smallest child a split may make"),
    EDDY_PARAM_NUM(P_DECAY, "model_selector_decay", 0.95, 0, 1,
                   "fading of the leaf predictors' errors"),
    EDDY_PARAM_INT(P_MAXD, "max_depth", 0, 0, 1000, "deepest leaf (0: unlimited)"),
    EDDY_PARAM_INT(P_DIGITS, "digits", 1, 0, 10, "decimals kept by the TEBST splitter"),
    EDDY_PARAM_DIFF_ROWS(P_DIFF, P_SDIFF),
    EDDY_OPT_TABLE_END};

#define MAX_LOAD_DEPTH 2000

/* River's stats.Var (ddof 1) with its Mean: weight n, mean, sum of squares S */
typedef struct {
    double n, mean, s;
} var_t;

typedef struct ebst_s {
    double att;
    var_t est; /* targets of every value <= att in this node's subtree */
    struct ebst_s *left, *right;
} ebst_t;

typedef struct htnode_s {
    int is_leaf;
    /* branch */
    int feature;
    double threshold;
    struct htnode_s *child[2];
    /* leaf */
    var_t stats;
    int depth, active;
    double last_split, fmse_mean, fmse_model;
    eddy_glm_t glm;
    ebst_t **splitters; /* n_features roots, NULL when the leaf is inactive */
} htnode_t;

typedef struct {
    int n;
    eddy_scaler_t scaler;
    htnode_t *root;
    double *xs; /* scratch: scaled features */
} ht_state_t;

/* a split candidate (River's BranchFactory) */
typedef struct {
    double merit;
    int feature; /* -1: the null split */
    double threshold;
    var_t left, right;
} cand_t;

/* Python's float ** 2 is C pow(); keep GCC from folding it into d * d */
static double sq(double d)
{
    volatile double two = 2.0;
    return pow(d, two);
}

/* ---- stats.Var ---- */

static void var_update(var_t *v, double x, double w)
{
    double old = v->mean;
    v->n += w;
    v->mean += (w / v->n) * (x - v->mean);
    v->s += w * (x - old) * (x - v->mean);
}

static double var_get(const var_t *v)
{
    return v->n > 1 ? v->s / (v->n - 1) : 0.0;
}

static void var_iadd(var_t *a, const var_t *b)
{
    double s = a->s + b->s + sq(a->mean - b->mean) * a->n * b->n / (a->n + b->n);
    double old_n = a->n;
    a->n += b->n;
    a->mean = (old_n * a->mean + b->n * b->mean) / a->n;
    a->s = s;
}

static void var_isub(var_t *a, const var_t *b)
{
    double old_n = a->n;
    a->n -= b->n;
    if (a->n > 0) {
        a->mean = (old_n * a->mean - b->n * b->mean) / a->n;
    } else {
        a->n = 0.0;
        a->mean = 0.0;
    }
    a->s = a->s - b->s - sq(a->mean - b->mean) * a->n * b->n / (a->n + b->n);
}

/* ---- variance-reduction merit ---- */

static double merit_of_split(const var_t *pre, const var_t *l, const var_t *r,
                             double mss)
{
    if (!(l->n >= mss && r->n >= mss))
        return 0.0;
    double vr = var_get(pre);
    vr -= l->n / pre->n * var_get(l);
    vr -= r->n / pre->n * var_get(r);
    return vr;
}

/* ---- E-BST ---- */

static void ebst_free(ebst_t *root)
{
    /* iterative: a BST of a trending series is a long chain */
    while (root) {
        if (root->left) {
            ebst_t *l = root->left;
            root->left = l->right;
            l->right = root;
            root = l;
        } else {
            ebst_t *next = root->right;
            free(root);
            root = next;
        }
    }
}

static ebst_t *ebst_node(double att, double y)
{
    ebst_t *e = calloc(1, sizeof(*e));
    if (e) {
        e->att = att;
        var_update(&e->est, y, 1.0);
    }
    return e;
}

static void ebst_insert(ebst_t **root, double att, double y)
{
    ebst_t **slot = root;
    while (*slot) {
        ebst_t *cur = *slot;
        if (att == cur->att) {
            var_update(&cur->est, y, 1.0);
            return;
        }
        if (att < cur->att) {
            var_update(&cur->est, y, 1.0);
            slot = &cur->left;
        } else {
            slot = &cur->right;
        }
    }
    *slot = ebst_node(att, y); /* out of memory: the value is just not observed */
}

typedef struct {
    ebst_t **v;
    int *op;
    size_t len, cap;
} stack_t;

static int push(stack_t *st, int op, ebst_t *e)
{
    if (st->len == st->cap) {
        size_t cap = st->cap ? st->cap * 2 : 64;
        ebst_t **nv = realloc(st->v, cap * sizeof(*nv));
        if (!nv)
            return -1;
        st->v = nv;
        int *no = realloc(st->op, cap * sizeof(*no));
        if (!no)
            return -1;
        st->op = no;
        st->cap = cap;
    }
    st->v[st->len] = e;
    st->op[st->len++] = op;
    return 0;
}

static void stack_free(stack_t *st)
{
    free(st->v);
    free(st->op);
}

enum { OP_DESCEND, OP_ADD, OP_SUB, OP_PROCESS };

/* River's in-order search for the best threshold of one feature */
static void ebst_best(ebst_t *root, const var_t *pre, int feature, double mss,
                      cand_t *c)
{
    c->merit = -INFINITY;
    c->feature = -1;
    if (!root)
        return;
    var_t aux = {0, 0, 0};
    stack_t st = {0};
    if (push(&st, OP_DESCEND, root) != 0)
        goto out;
    while (st.len) {
        st.len--;
        int op = st.op[st.len];
        ebst_t *e = st.v[st.len];
        if (op == OP_DESCEND) {
            if (e->right && (push(&st, OP_SUB, e) || push(&st, OP_DESCEND, e->right) ||
                             push(&st, OP_ADD, e)))
                goto out;
            if (push(&st, OP_PROCESS, e) || (e->left && push(&st, OP_DESCEND, e->left)))
                goto out;
        } else if (op == OP_ADD) {
            var_iadd(&aux, &e->est);
        } else if (op == OP_SUB) {
            var_isub(&aux, &e->est);
        } else {
            var_t l = e->est, r = *pre;
            var_iadd(&l, &aux);
            var_isub(&r, &l);
            double merit = merit_of_split(pre, &l, &r, mss);
            if (merit > c->merit) {
                c->merit = merit;
                c->feature = feature;
                c->threshold = e->att;
                c->left = l;
                c->right = r;
            }
        }
    }
out:
    stack_free(&st);
}

typedef struct {
    ebst_t *node, *parent;
    int is_left, phase, aux_added;
} frame_t;

/* FIMT-DD pruning as River's EBSTSplitter.remove_bad_splits */
static void ebst_prune(ebst_t **root, const var_t *pre, double mss, double ratio,
                       double vr, double e)
{
    if (!*root)
        return;
    var_t aux = {0, 0, 0};
    size_t cap = 64, len = 0;
    frame_t *st = malloc(cap * sizeof(*st));
    if (!st)
        return;
    st[len++] = (frame_t){*root, NULL, 1, 0, 0};
    int child_bad = 0;
    while (len) {
        frame_t *f = &st[len - 1];
        ebst_t *node = f->node;
        if (len + 1 >= cap) {
            frame_t *ns = realloc(st, cap * 2 * sizeof(*st));
            if (!ns)
                break;
            st = ns;
            cap *= 2;
            f = &st[len - 1];
        }
        if (f->phase == 0) {
            f->phase = 1;
            if (node->left) {
                st[len++] = (frame_t){node->left, node, 1, 0, 0};
                continue;
            }
            child_bad = 1;
            continue;
        }
        if (f->phase == 1) {
            if (!child_bad) {
                len--;
                child_bad = 0;
                continue;
            }
            f->phase = 2;
            if (node->right) {
                var_iadd(&aux, &node->est);
                f->aux_added = 1;
                st[len++] = (frame_t){node->right, node, 0, 0, 0};
                continue;
            }
            child_bad = 1;
            continue;
        }
        if (f->aux_added)
            var_isub(&aux, &node->est);
        frame_t done = *f;
        len--;
        if (child_bad) {
            var_t l = node->est, r = *pre;
            var_iadd(&l, &aux);
            var_isub(&r, &l);
            double merit = merit_of_split(pre, &l, &r, mss);
            if (merit / vr < ratio - 2 * e) {
                /* River drops the node with its (already bad) children */
                if (!done.parent)
                    *root = NULL;
                else if (done.is_left)
                    done.parent->left = NULL;
                else
                    done.parent->right = NULL;
                ebst_free(node);
                child_bad = 1;
                continue;
            }
        }
        child_bad = 0;
    }
    free(st);
}

/* ---- tree nodes ---- */

static void node_free(htnode_t *nd, int n)
{
    if (!nd)
        return;
    if (!nd->is_leaf) {
        node_free(nd->child[0], n);
        node_free(nd->child[1], n);
    } else {
        if (nd->splitters)
            for (int f = 0; f < n; f++)
                ebst_free(nd->splitters[f]);
        free(nd->splitters);
        eddy_glm_free(&nd->glm);
    }
    free(nd);
}

/* A new active leaf; PARENT (a leaf) gives its leaf model and errors. */
static htnode_t *leaf_new(int n, const var_t *stats, const htnode_t *parent)
{
    htnode_t *nd = calloc(1, sizeof(*nd));
    if (!nd)
        return NULL;
    nd->is_leaf = 1;
    nd->active = 1;
    nd->splitters = calloc((size_t)n, sizeof(ebst_t *));
    eddy_glm_params_t gp = {0.01, 0.01, 0.0, 0.0, 1e12};
    int rc = parent ? eddy_glm_copy(&nd->glm, &parent->glm)
                    : eddy_glm_init(&nd->glm, n, &gp);
    if (!nd->splitters || rc != 0) {
        free(nd->splitters);
        if (rc == 0)
            eddy_glm_free(&nd->glm);
        free(nd);
        return NULL;
    }
    if (stats)
        nd->stats = *stats;
    nd->last_split = nd->stats.n;
    if (parent) {
        nd->depth = parent->depth + 1;
        nd->fmse_mean = parent->fmse_mean;
        nd->fmse_model = parent->fmse_model;
    }
    return nd;
}

static void leaf_deactivate(htnode_t *leaf, int n)
{
    if (!leaf->splitters)
        return;
    for (int f = 0; f < n; f++)
        ebst_free(leaf->splitters[f]);
    free(leaf->splitters);
    leaf->splitters = NULL;
    leaf->active = 0;
}

static void attempt_split(eddy_model_t *m, htnode_t **slot)
{
    ht_state_t *s = m->state;
    htnode_t *leaf = *slot;
    double mss = m->params[P_MSS];
    cand_t c[EDDY_MODEL_MAX_FEATURES + 1];
    int nc = 0;
    c[nc++] = (cand_t){-INFINITY, -1, 0, {0, 0, 0}, {0, 0, 0}}; /* merit pre-pruning */
    for (int f = 0; f < s->n; f++) {
        ebst_best(leaf->splitters[f], &leaf->stats, f, mss, &c[nc]);
        /* stable insertion sort by merit, as Python's list.sort */
        cand_t t = c[nc];
        int j = nc++;
        while (j > 0 && t.merit < c[j - 1].merit) {
            c[j] = c[j - 1];
            j--;
        }
        c[j] = t;
    }
    const cand_t *best = &c[nc - 1], *second = &c[nc - 2];
    double hb =
        sqrt((1.0 * 1.0 * log(1.0 / m->params[P_DELTA])) / (2.0 * leaf->stats.n));
    if (best->merit > 0.0 &&
        (second->merit / best->merit < 1 - hb || hb < m->params[P_TAU])) {
        if (best->feature < 0) {
            leaf_deactivate(leaf, s->n);
            return;
        }
        htnode_t *br = calloc(1, sizeof(*br));
        htnode_t *l = leaf_new(s->n, &best->left, leaf);
        htnode_t *r = leaf_new(s->n, &best->right, leaf);
        if (!br || !l || !r) { /* out of memory: keep the leaf, try again later */
            free(br);
            node_free(l, s->n);
            node_free(r, s->n);
            return;
        }
        br->feature = best->feature;
        br->threshold = best->threshold;
        br->child[0] = l;
        br->child[1] = r;
        *slot = br;
        node_free(leaf, s->n);
    } else if (best->merit > 0 && second->merit > 0) {
        double ratio = second->merit / best->merit;
        for (int f = 0; f < s->n; f++)
            ebst_prune(&leaf->splitters[f], &leaf->stats, mss, ratio, best->merit, hb);
    }
}

static htnode_t **find_leaf(htnode_t **slot, const double *xs)
{
    while (!(*slot)->is_leaf) {
        htnode_t *b = *slot;
        slot = &b->child[xs[b->feature] <= b->threshold ? 0 : 1];
    }
    return slot;
}

/* ---- the model ---- */

static void ht_free(eddy_model_t *m)
{
    ht_state_t *s = m->state;
    node_free(s->root, s->n);
    eddy_scaler_free(&s->scaler);
    free(s->xs);
}

static int ht_init(eddy_model_t *m)
{
    ht_state_t *s = m->state;
    s->n = m->n_features;
    s->xs = calloc((size_t)s->n, sizeof(double));
    if (!s->xs || eddy_scaler_init(&s->scaler, s->n) != 0)
        return -1;
    return 0;
}

static double ht_predict(eddy_model_t *m, const double *x)
{
    ht_state_t *s = m->state;
    if (!s->root)
        return 0.0;
    eddy_scaler_transform(&s->scaler, x, s->xs);
    const htnode_t *leaf = *find_leaf(&s->root, s->xs);
    if (leaf->fmse_mean < leaf->fmse_model)
        return leaf->stats.mean;
    return eddy_glm_predict(&leaf->glm, s->xs);
}

static void ht_learn(eddy_model_t *m, const double *x, double y)
{
    ht_state_t *s = m->state;
    eddy_scaler_learn_transform(&s->scaler, x, s->xs);
    if (!s->root && !(s->root = leaf_new(s->n, NULL, NULL)))
        return;
    htnode_t **slot = find_leaf(&s->root, s->xs);
    htnode_t *leaf = *slot;
    double decay = m->params[P_DECAY];
    double pred_model = eddy_glm_predict(&leaf->glm, s->xs);
    leaf->fmse_mean = decay * leaf->fmse_mean + sq(y - leaf->stats.mean);
    leaf->fmse_model = decay * leaf->fmse_model + sq(y - pred_model);
    var_update(&leaf->stats, y, 1.0);
    if (leaf->splitters)
        for (int f = 0; f < s->n; f++)
            ebst_insert(&leaf->splitters[f],
                        eddy_round_digits(s->xs[f], (int)m->params[P_DIGITS]), y);
    eddy_glm_learn(&leaf->glm, s->xs, y, 1.0);
    if (!leaf->splitters)
        return;
    int max_depth = (int)m->params[P_MAXD];
    if (max_depth > 0 && leaf->depth >= max_depth) {
        leaf_deactivate(leaf, s->n);
        return;
    }
    if (leaf->stats.n - leaf->last_split >= m->params[P_GRACE]) {
        double seen = leaf->stats.n;
        attempt_split(m, slot);
        if (*slot == leaf)
            leaf->last_split = seen;
    }
}

/* ---- snapshot ---- */

static void var_save(eddy_buf_t *w, const var_t *v)
{
    eddy_buf_put_f64(w, v->n);
    eddy_buf_put_f64(w, v->mean);
    eddy_buf_put_f64(w, v->s);
}

static void var_load(eddy_reader_t *r, var_t *v)
{
    v->n = eddy_read_f64(r);
    v->mean = eddy_read_f64(r);
    v->s = eddy_read_f64(r);
    if (!(v->n >= 0))
        r->err = 1;
}

/* pre-order; a flag byte per node says which children follow */
static void ebst_save(eddy_buf_t *w, const ebst_t *root)
{
    stack_t st = {0};
    eddy_buf_put_u8(w, root ? 1 : 0);
    if (root && push(&st, 0, (ebst_t *)root) != 0)
        w->failed = 1;
    while (st.len && !w->failed) {
        const ebst_t *e = st.v[--st.len];
        eddy_buf_put_f64(w, e->att);
        var_save(w, &e->est);
        eddy_buf_put_u8(w, (uint8_t)((e->left ? 1 : 0) | (e->right ? 2 : 0)));
        if ((e->right && push(&st, 0, e->right)) || (e->left && push(&st, 0, e->left)))
            w->failed = 1;
    }
    stack_free(&st);
}

static void ebst_load(eddy_reader_t *r, ebst_t **root)
{
    /* the stack holds the slots still to fill, in pre-order */
    size_t cap = 64, len = 0;
    ebst_t ***st = malloc(cap * sizeof(*st));
    if (!st) {
        r->err = 1;
        return;
    }
    if (eddy_read_u8(r))
        st[len++] = root;
    while (len && !r->err) {
        ebst_t **slot = st[--len];
        ebst_t *e = calloc(1, sizeof(*e));
        if (!e) {
            r->err = 1;
            break;
        }
        *slot = e;
        e->att = eddy_read_f64(r);
        var_load(r, &e->est);
        uint8_t flags = eddy_read_u8(r);
        if (flags > 3) {
            r->err = 1;
            break;
        }
        if (len + 2 > cap) {
            ebst_t ***ns = realloc(st, cap * 2 * sizeof(*st));
            if (!ns) {
                r->err = 1;
                break;
            }
            st = ns;
            cap *= 2;
        }
        if (flags & 2)
            st[len++] = &e->right;
        if (flags & 1)
            st[len++] = &e->left;
    }
    free(st);
}

static void node_save(eddy_buf_t *w, const htnode_t *nd, int n)
{
    eddy_buf_put_u8(w, (uint8_t)nd->is_leaf);
    if (!nd->is_leaf) {
        eddy_buf_put_u32(w, (uint32_t)nd->feature);
        eddy_buf_put_f64(w, nd->threshold);
        node_save(w, nd->child[0], n);
        node_save(w, nd->child[1], n);
        return;
    }
    var_save(w, &nd->stats);
    eddy_buf_put_u32(w, (uint32_t)nd->depth);
    eddy_buf_put_f64(w, nd->last_split);
    eddy_buf_put_f64(w, nd->fmse_mean);
    eddy_buf_put_f64(w, nd->fmse_model);
    eddy_glm_save(w, &nd->glm);
    eddy_buf_put_u8(w, nd->splitters ? 1 : 0);
    if (nd->splitters)
        for (int f = 0; f < n; f++)
            ebst_save(w, nd->splitters[f]);
}

static htnode_t *node_load(eddy_reader_t *r, int n, int depth)
{
    uint8_t is_leaf = eddy_read_u8(r);
    if (r->err || is_leaf > 1 || depth > MAX_LOAD_DEPTH) {
        r->err = 1;
        return NULL;
    }
    if (!is_leaf) {
        htnode_t *br = calloc(1, sizeof(*br));
        if (!br) {
            r->err = 1;
            return NULL;
        }
        br->feature = (int)eddy_read_u32(r);
        br->threshold = eddy_read_f64(r);
        if (br->feature < 0 || br->feature >= n)
            r->err = 1;
        if (!r->err)
            br->child[0] = node_load(r, n, depth + 1);
        if (!r->err)
            br->child[1] = node_load(r, n, depth + 1);
        if (r->err) {
            node_free(br, n);
            return NULL;
        }
        return br;
    }
    htnode_t *nd = leaf_new(n, NULL, NULL);
    if (!nd) {
        r->err = 1;
        return NULL;
    }
    var_load(r, &nd->stats);
    nd->depth = (int)eddy_read_u32(r);
    nd->last_split = eddy_read_f64(r);
    nd->fmse_mean = eddy_read_f64(r);
    nd->fmse_model = eddy_read_f64(r);
    eddy_glm_load(r, &nd->glm);
    uint8_t active = eddy_read_u8(r);
    if (nd->depth < 0 || active > 1)
        r->err = 1;
    if (!active) {
        leaf_deactivate(nd, n);
    } else {
        for (int f = 0; f < n && !r->err; f++)
            ebst_load(r, &nd->splitters[f]);
    }
    if (r->err) {
        node_free(nd, n);
        return NULL;
    }
    return nd;
}

static void ht_save(eddy_buf_t *w, const eddy_model_t *m)
{
    const ht_state_t *s = m->state;
    eddy_scaler_save(w, &s->scaler);
    eddy_buf_put_u8(w, s->root ? 1 : 0);
    if (s->root)
        node_save(w, s->root, s->n);
}

static int ht_load(eddy_reader_t *r, eddy_model_t *m)
{
    ht_state_t *s = m->state;
    eddy_scaler_load(r, &s->scaler);
    uint8_t has_root = eddy_read_u8(r);
    if (has_root > 1)
        return -1;
    if (has_root && !r->err)
        s->root = node_load(r, s->n, 0);
    return r->err ? -1 : 0;
}

const eddy_model_ops_t eddy_hoeffding_tree_ops = {
    EDDY_MODEL_OPS(ht, "hoeffding_tree", ht_params,
                   "Hoeffding tree regressor with adaptive (mean / linear) leaves and "
                   "TEBST splitter on standardized lags; River StandardScaler() | "
                   "HoeffdingTreeRegressor()")};
