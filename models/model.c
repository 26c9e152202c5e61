/* model.c: the model registry — name lookup, parameter parsing, seeding,
 * snapshot framing and the generic parts of the eddy_model_* interface.
 *
 * Snapshot: a util/snapshot.h frame of kind "EMDL" (magic, version, length,
 * CRC-32C) whose payload is, little-endian:
 *   u32 name length, name bytes (no NUL)
 *   u32 n_features
 *   u64 seed
 *   u32 n_params, n_params x f64 (in the model's parameter order)
 *   the model-specific state (ops->save), up to the end of the payload
 * Restore checks the frame, each of these and the model's own payload checks,
 * and never reads past the given length.
 */
#include "model_internal.h"
#include "util/snapshot.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MODEL_SNAPSHOT_MAGIC   "EMDL"
#define MODEL_SNAPSHOT_VERSION 1u
#define EDDY_NAME_MAX          64

/* Keep in the order of eddy_model_names(). */
/* clang-format off */
static const eddy_model_ops_t *const registry[] = {
    &eddy_linear_ops,
    &eddy_ridge_ops,
    &eddy_lasso_ops,
    &eddy_knn_ops,
    &eddy_snaive_ops,
    &eddy_holt_winters_ops,
    &eddy_rls_ops,
    &eddy_bagging_ops,
    &eddy_hoeffding_tree_ops,
    &eddy_amf_ops,
};
/* clang-format on */

#define N_MODELS (sizeof(registry) / sizeof(registry[0]))

static void set_err(char *err, size_t n, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void set_err(char *err, size_t n, const char *fmt, ...)
{
    if (!err || n == 0)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, n, fmt, ap);
    va_end(ap);
}

static const eddy_model_ops_t *find_ops(const char *name)
{
    if (!name)
        return NULL;
    for (size_t i = 0; i < N_MODELS; i++)
        if (strcmp(registry[i]->name, name) == 0)
            return registry[i];
    return NULL;
}

const char *eddy_model_names(void)
{
    return "linear, ridge, lasso, knn, snaive, holt_winters, rls, bagging, "
           "hoeffding_tree, amf";
}

const char *eddy_model_describe(const char *name)
{
    const eddy_model_ops_t *ops = find_ops(name);
    return ops ? ops->describe : NULL;
}

int eddy_model_exists(const char *name)
{
    return find_ops(name) != NULL;
}

static uint64_t fnv1a(uint64_t h, const void *p, size_t n)
{
    const uint8_t *b = p;
    for (size_t i = 0; i < n; i++) {
        h ^= b[i];
        h *= 1099511628211ull;
    }
    return h;
}

#define FNV_OFFSET 14695981039346656037ull

uint64_t eddy_model_seed(const char *model_name, const char *series_id)
{
    const char *m = model_name ? model_name : "";
    const char *s = series_id ? series_id : "";
    uint64_t h = fnv1a(FNV_OFFSET, m, strlen(m));
    uint8_t sep = 0xff; /* cannot occur in UTF-8, so ("ab","c") != ("a","bc") */
    h = fnv1a(h, &sep, 1);
    h = fnv1a(h, s, strlen(s));
    /* splitmix64 finaliser: spread FNV's weak low bits */
    h ^= h >> 30;
    h *= 0xbf58476d1ce4e5b9ull;
    h ^= h >> 27;
    h *= 0x94d049bb133111ebull;
    h ^= h >> 31;
    return h;
}

/* "lr, intercept_lr, l2" for error messages */
static void list_keys(const eddy_model_ops_t *ops, char *buf, size_t n)
{
    size_t used = 0;
    buf[0] = '\0';
    if (ops->n_params == 0) {
        snprintf(buf, n, "none");
        return;
    }
    for (int i = 0; i < ops->n_params && used < n; i++) {
        int k =
            snprintf(buf + used, n - used, "%s%s", i ? ", " : "", ops->params[i].key);
        if (k < 0)
            break;
        used += (size_t)k;
    }
}

static int parse_value(const eddy_param_def_t *d, const char *s, double *out)
{
    if (d->is_int && d->min == 0 && d->max == 1) {
        if (strcmp(s, "true") == 0) {
            *out = 1;
            return 0;
        }
        if (strcmp(s, "false") == 0) {
            *out = 0;
            return 0;
        }
    }
    if (*s == '\0')
        return -1;
    char *end = NULL;
    errno = 0;
    double v = strtod(s, &end);
    if (errno != 0 || end == s || *end != '\0' || !isfinite(v))
        return -1;
    if (d->is_int && v != floor(v))
        return -1;
    if (v < d->min || v > d->max)
        return -1;
    *out = v;
    return 0;
}

static void trim(const char **b, const char **e)
{
    while (*b < *e && isspace((unsigned char)**b))
        (*b)++;
    while (*e > *b && isspace((unsigned char)(*e)[-1]))
        (*e)--;
}

static int parse_params(const eddy_model_ops_t *ops, const char *params, double *vals,
                        char *err, size_t err_size)
{
    int given[EDDY_MODEL_MAX_PARAMS] = {0};
    char keys[256];
    for (int i = 0; i < ops->n_params; i++)
        vals[i] = ops->params[i].def;
    if (!params)
        return 0;
    const char *p = params;
    while (*p) {
        const char *end = strchr(p, ',');
        if (!end)
            end = p + strlen(p);
        const char *kb = p, *ke = end;
        trim(&kb, &ke);
        if (kb == ke) { /* empty item: allow "", trailing comma */
            p = *end ? end + 1 : end;
            continue;
        }
        const char *eq = memchr(kb, '=', (size_t)(ke - kb));
        const char *vb = eq ? eq + 1 : ke, *ve = ke;
        const char *kend = eq ? eq : ke;
        trim(&kb, &kend);
        trim(&vb, &ve);
        int klen = (int)(kend - kb);
        int idx = -1;
        for (int i = 0; i < ops->n_params; i++)
            if (strlen(ops->params[i].key) == (size_t)klen &&
                strncmp(ops->params[i].key, kb, (size_t)klen) == 0)
                idx = i;
        if (idx < 0) {
            list_keys(ops, keys, sizeof(keys));
            set_err(err, err_size,
                    "unknown parameter '%.*s' for model '%s' (known: %s)", klen, kb,
                    ops->name, keys);
            return -1;
        }
        const eddy_param_def_t *d = &ops->params[idx];
        if (!eq) {
            set_err(err, err_size,
                    "parameter '%s' of model '%s' needs a value (%s=...)", d->key,
                    ops->name, d->key);
            return -1;
        }
        if (given[idx]) {
            set_err(err, err_size, "parameter '%s' of model '%s' is given twice",
                    d->key, ops->name);
            return -1;
        }
        given[idx] = 1;
        char vbuf[64];
        size_t vlen = (size_t)(ve - vb);
        if (vlen >= sizeof(vbuf) || (memcpy(vbuf, vb, vlen), vbuf[vlen] = '\0',
                                     parse_value(d, vbuf, &vals[idx]) != 0)) {
            set_err(err, err_size,
                    "bad value '%.*s' for parameter '%s' of model '%s': expected %s in "
                    "[%g, %g] (%s)",
                    (int)vlen, vb, d->key, ops->name,
                    d->is_int ? "an integer" : "a number", d->min, d->max, d->help);
            return -1;
        }
        p = *end ? end + 1 : end;
    }
    if (ops->check && ops->check(vals, err, err_size) != 0)
        return -1;
    return 0;
}

static eddy_model_t *create(const eddy_model_ops_t *ops, int n_features,
                            const double *vals, uint64_t seed)
{
    eddy_model_t *m = calloc(1, sizeof(*m));
    if (!m)
        return NULL;
    m->ops = ops;
    m->n_features = n_features;
    m->seed = seed;
    for (int i = 0; i < ops->n_params; i++)
        m->params[i] = vals[i];
    if (!(m->state = calloc(1, ops->state_size)) || ops->init(m) != 0) {
        eddy_model_destroy(m);
        return NULL;
    }
    return m;
}

eddy_model_t *eddy_model_new(const char *name, int n_features, const char *params,
                             uint64_t seed, char *errstr, size_t errstr_size)
{
    const eddy_model_ops_t *ops = find_ops(name);
    if (!ops) {
        set_err(errstr, errstr_size, "unknown model '%s' (known: %s)",
                name ? name : "(null)", eddy_model_names());
        return NULL;
    }
    if (n_features == 0)
        n_features = EDDY_MODEL_DEFAULT_FEATURES;
    if (n_features < 1 || n_features > EDDY_MODEL_MAX_FEATURES) {
        set_err(errstr, errstr_size, "model '%s': n_features %d is outside 1..%d",
                ops->name, n_features, EDDY_MODEL_MAX_FEATURES);
        return NULL;
    }
    double vals[EDDY_MODEL_MAX_PARAMS];
    if (parse_params(ops, params, vals, errstr, errstr_size) != 0)
        return NULL;
    eddy_model_t *m = create(ops, n_features, vals, seed);
    if (!m)
        set_err(errstr, errstr_size, "model '%s': out of memory", ops->name);
    return m;
}

void eddy_model_destroy(eddy_model_t *model)
{
    if (!model)
        return;
    if (model->state)
        model->ops->free_state(model);
    free(model->state);
    free(model);
}

const char *eddy_model_name(const eddy_model_t *model)
{
    return model->ops->name;
}

int eddy_model_n_features(const eddy_model_t *model)
{
    return model->n_features;
}

double eddy_model_predict(eddy_model_t *model, const double *x)
{
    return model->ops->predict(model, x);
}

void eddy_model_learn(eddy_model_t *model, const double *x, double y)
{
    model->ops->learn(model, x, y);
}

void eddy_model_forecast(eddy_model_t *model, const double *x_next, double *out, int h)
{
    if (h <= 0)
        return;
    if (model->ops->forecast_at) {
        for (int k = 0; k < h; k++)
            out[k] = model->ops->forecast_at(model->state, k);
        return;
    }
    double x[EDDY_MODEL_MAX_FEATURES];
    int n = model->n_features;
    memcpy(x, x_next, (size_t)n * sizeof(double));
    for (int k = 0; k < h; k++) {
        out[k] = model->ops->predict(model, x);
        memmove(x + 1, x, (size_t)(n - 1) * sizeof(double));
        x[0] = out[k];
    }
}

int eddy_model_save(const eddy_model_t *model, eddy_buf_t *out)
{
    const eddy_model_ops_t *ops = model->ops;
    size_t at = eddy_snapshot_begin(out, MODEL_SNAPSHOT_MAGIC, MODEL_SNAPSHOT_VERSION);

    eddy_buf_put_u32(out, (uint32_t)strlen(ops->name));
    eddy_buf_append(out, ops->name, strlen(ops->name));
    eddy_buf_put_u32(out, (uint32_t)model->n_features);
    eddy_buf_put_u64(out, model->seed);
    eddy_buf_put_u32(out, (uint32_t)ops->n_params);
    eddy_buf_put_f64s(out, model->params, (size_t)ops->n_params);
    ops->save(out, model);
    return eddy_snapshot_end(out, at);
}

int eddy_model_snapshot(const eddy_model_t *model, uint8_t **buf, size_t *len)
{
    eddy_buf_t w = EDDY_BUF_INIT;

    if (eddy_model_save(model, &w)) {
        eddy_buf_free(&w);
        return -1;
    }
    *buf = (uint8_t *)w.data;
    *len = w.len;
    return 0;
}

/* The model's name in R's header: its ops, or NULL with ERRSTR filled. */
static const eddy_model_ops_t *restore_ops(eddy_reader_t *r, char *name, char *errstr,
                                           size_t errstr_size)
{
    const eddy_model_ops_t *ops;
    uint32_t nlen = eddy_read_count(r, EDDY_NAME_MAX);

    eddy_read_bytes(r, name, nlen);
    if (r->err) {
        set_err(errstr, errstr_size, "snapshot truncated in header");
        return NULL;
    }
    name[nlen] = '\0';
    if (!(ops = find_ops(name)))
        set_err(errstr, errstr_size, "snapshot is of unknown model '%s'", name);
    return ops;
}

/* Reads and checks n_features, seed and the parameters of OPS from R. */
static int restore_settings(eddy_reader_t *r, const eddy_model_ops_t *ops, uint32_t *nf,
                            uint64_t *seed, double *vals, char *errstr,
                            size_t errstr_size)
{
    const char *name = ops->name;
    char cerr[256];
    uint32_t np;

    *nf = eddy_read_u32(r);
    *seed = eddy_read_u64(r);
    np = eddy_read_u32(r);
    if (r->err || *nf < 1 || *nf > EDDY_MODEL_MAX_FEATURES ||
        np != (uint32_t)ops->n_params) {
        set_err(errstr, errstr_size, "snapshot of '%s' has an invalid header", name);
        return -1;
    }
    eddy_read_f64s(r, vals, np);
    for (uint32_t i = 0; i < np && !r->err; i++) {
        const eddy_param_def_t *d = &ops->params[i];
        if (!(vals[i] >= d->min && vals[i] <= d->max) ||
            (d->is_int && vals[i] != floor(vals[i]))) {
            set_err(errstr, errstr_size,
                    "snapshot of '%s': parameter '%s' out of range", name, d->key);
            return -1;
        }
    }
    if (r->err) {
        set_err(errstr, errstr_size, "snapshot of '%s' truncated in its parameters",
                name);
        return -1;
    }
    if (ops->check && ops->check(vals, cerr, sizeof(cerr)) != 0) {
        set_err(errstr, errstr_size, "snapshot of '%s': %s", name, cerr);
        return -1;
    }
    return 0;
}

eddy_model_t *eddy_model_restore(const uint8_t *buf, size_t len, char *errstr,
                                 size_t errstr_size)
{
    eddy_reader_t r;
    char name[EDDY_NAME_MAX + 1];
    double vals[EDDY_MODEL_MAX_PARAMS];
    uint32_t nf;
    uint64_t seed;
    const eddy_model_ops_t *ops;
    eddy_model_t *m;

    if (eddy_snapshot_open(&r, buf, len, MODEL_SNAPSHOT_MAGIC, MODEL_SNAPSHOT_VERSION,
                           errstr, errstr_size))
        return NULL;
    if (!(ops = restore_ops(&r, name, errstr, errstr_size)) ||
        restore_settings(&r, ops, &nf, &seed, vals, errstr, errstr_size))
        return NULL;
    if (!(m = create(ops, (int)nf, vals, seed))) {
        set_err(errstr, errstr_size, "restoring '%s': out of memory", name);
        return NULL;
    }
    if (ops->load(&r, m) != 0 || r.err || r.pos != r.len) {
        set_err(errstr, errstr_size, "snapshot of '%s' has an invalid state payload",
                name);
        eddy_model_destroy(m);
        return NULL;
    }
    return m;
}
