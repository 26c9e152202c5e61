/* model.c: the model registry — name lookup, parameter parsing, seeding,
 * snapshot framing and the generic parts of the eddy_model_* interface.
 *
 * Snapshot: a util/snapshot.h frame of kind "EMDL" (magic, version, length,
 * CRC-32C) whose payload is, little-endian:
 *   u32 name length, name bytes (no NUL)
 *   u32 n_features (the lags the caller passes, before any differencing)
 *   u64 seed
 *   u32 n_params, n_params x f64 (in the model's parameter order; fewer
 *       than the model has now: the missing trailing ones take defaults)
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

#define EDDY_MODEL_OPS_REF(name) &eddy_##name##_ops,
static const eddy_model_ops_t *const registry[] = {EDDY_MODEL_LIST(EDDY_MODEL_OPS_REF)};

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

#define EDDY_MODEL_NAME_TEXT(name) ", " #name
const char *eddy_model_names(void)
{
    return &EDDY_MODEL_LIST(EDDY_MODEL_NAME_TEXT)[2]; /* without the first ", " */
}

int eddy_model_count(void)
{
    return (int)N_MODELS;
}

const char *eddy_model_name_at(int i)
{
    return i >= 0 && i < (int)N_MODELS ? registry[i]->name : NULL;
}

const eddy_opt_t *eddy_model_params(const char *name)
{
    const eddy_model_ops_t *ops = find_ops(name);
    return ops ? ops->params : NULL;
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

/* The defaults of OPS's parameters overridden by PARAMS ("k=v,k=v"). */
static int parse_params(const eddy_model_ops_t *ops, const char *params, double *vals,
                        char *err, size_t err_size)
{
    eddy_model_params_t p;
    char owner[EDDY_NAME_MAX + 16];

    snprintf(owner, sizeof(owner), "model '%s'", ops->name);
    if (eddy_opts_defaults(ops->params, &p) ||
        eddy_opts_load_kv(ops->params, &p, params, owner, err, err_size))
        return -1;
    if (ops->check && ops->check(p.v, err, err_size) != 0)
        return -1;
    memcpy(vals, p.v, sizeof(p.v));
    return 0;
}

/* The slot of OPS's parameter KEY, or -1 when it has none. */
static int param_slot(const eddy_model_ops_t *ops, const char *key)
{
    for (int i = 0; i < ops->n_params; i++)
        if (strcmp(ops->params[i].name, key) == 0)
            return i;
    return -1;
}

/* The differencing VALS ask of OPS (diff.c): regular and seasonal lags. */
static void diff_of(const eddy_model_ops_t *ops, const double *vals, int *d, int *sd)
{
    int i = param_slot(ops, "diff"), j = param_slot(ops, "seasonal_diff");
    *d = i >= 0 ? (int)vals[i] : 0;
    *sd = j >= 0 ? (int)vals[j] : 0;
}

/* 0 when N_LAGS lags leave the model at least one differenced lag. */
static int check_diff(const eddy_model_ops_t *ops, const double *vals, int n_lags,
                      char *err, size_t err_size)
{
    int d, sd;
    diff_of(ops, vals, &d, &sd);
    if (n_lags - d - sd >= 1)
        return 0;
    set_err(err, err_size,
            "model '%s': diff=%d and seasonal_diff=%d need at least %d lags, got %d "
            "(raise eddy-features/eddy-learn --lags)",
            ops->name, d, sd, d + sd + 1, n_lags);
    return -1;
}

static eddy_model_t *create(const eddy_model_ops_t *ops, int n_lags, const double *vals,
                            uint64_t seed)
{
    eddy_model_t *m = calloc(1, sizeof(*m));
    if (!m)
        return NULL;
    m->ops = ops;
    m->n_lags = n_lags;
    diff_of(ops, vals, &m->diff, &m->sdiff);
    m->n_features = n_lags - m->diff - m->sdiff;
    m->differenced = m->diff || m->sdiff;
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
    if (parse_params(ops, params, vals, errstr, errstr_size) != 0 ||
        check_diff(ops, vals, n_features, errstr, errstr_size) != 0)
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
    return model->n_lags;
}

double eddy_model_predict(eddy_model_t *model, const double *x)
{
    if (__builtin_expect(!model->differenced, 1))
        return model->ops->predict(model, x);
    double z[EDDY_MODEL_MAX_FEATURES];
    eddy_diff_apply(model, x, 0.0, z);
    return eddy_diff_integrate(model, x, model->ops->predict(model, z));
}

void eddy_model_learn(eddy_model_t *model, const double *x, double y)
{
    if (__builtin_expect(!model->differenced, 1)) {
        model->ops->learn(model, x, y);
        return;
    }
    double z[EDDY_MODEL_MAX_FEATURES];
    double zy = eddy_diff_apply(model, x, y, z);
    model->ops->learn(model, z, zy);
}

void eddy_model_forecast(eddy_model_t *model, const double *x_next, double *out, int h)
{
    if (h <= 0)
        return;
    if (model->ops->forecast) {
        model->ops->forecast(model, out, h);
        return;
    }
    if (model->ops->forecast_at) {
        for (int k = 0; k < h; k++)
            out[k] = model->ops->forecast_at(model->state, k);
        return;
    }
    double x[EDDY_MODEL_MAX_FEATURES];
    int n = model->n_lags;
    memcpy(x, x_next, (size_t)n * sizeof(double));
    for (int k = 0; k < h; k++) {
        out[k] = eddy_model_predict(model, x);
        memmove(x + 1, x, (size_t)(n - 1) * sizeof(double));
        x[0] = out[k];
    }
}

const char *eddy_model_trouble(const eddy_model_t *model)
{
    return model->ops->trouble ? model->ops->trouble(model) : NULL;
}

int eddy_model_save(const eddy_model_t *model, eddy_buf_t *out)
{
    const eddy_model_ops_t *ops = model->ops;
    size_t at = eddy_snapshot_begin(out, MODEL_SNAPSHOT_MAGIC, MODEL_SNAPSHOT_VERSION);

    eddy_buf_put_u32(out, (uint32_t)strlen(ops->name));
    eddy_buf_append(out, ops->name, strlen(ops->name));
    eddy_buf_put_u32(out, (uint32_t)model->n_lags);
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

    eddy_model_params_t defaults;
    *nf = eddy_read_u32(r);
    *seed = eddy_read_u64(r);
    np = eddy_read_u32(r);
    /* a snapshot from before a model gained trailing parameters (diff,
     * seasonal_diff) has fewer: those take their defaults */
    if (r->err || *nf < 1 || *nf > EDDY_MODEL_MAX_FEATURES ||
        np > (uint32_t)ops->n_params || eddy_opts_defaults(ops->params, &defaults)) {
        set_err(errstr, errstr_size, "snapshot of '%s' has an invalid header", name);
        return -1;
    }
    memcpy(vals, defaults.v, sizeof(defaults.v));
    eddy_read_f64s(r, vals, np);
    for (uint32_t i = 0; i < (uint32_t)ops->n_params && !r->err; i++) {
        const eddy_opt_t *d = &ops->params[i];
        if (!eddy_opt_in_bounds(d, vals[i])) {
            set_err(errstr, errstr_size,
                    "snapshot of '%s': parameter '%s' out of range", name, d->name);
            return -1;
        }
    }
    if (r->err) {
        set_err(errstr, errstr_size, "snapshot of '%s' truncated in its parameters",
                name);
        return -1;
    }
    if ((ops->check && ops->check(vals, cerr, sizeof(cerr)) != 0) ||
        check_diff(ops, vals, (int)*nf, cerr, sizeof(cerr)) != 0) {
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
