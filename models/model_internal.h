/* model_internal.h: what the registry (model.c) shares with each model file.
 *
 * Not installed and not for callers outside models/: the public interface is
 * eddy_model.h. Every model file defines one `const eddy_model_ops_t` and the
 * registry table in model.c lists them.
 */
#ifndef EDDY_MODEL_INTERNAL_H
#define EDDY_MODEL_INTERNAL_H

#include "eddy_model.h"
#include "util/buf.h"
#include "util/bytes.h"
#include "util/opts.h"

#include <stddef.h>
#include <stdint.h>

#define EDDY_MODEL_MAX_PARAMS 10

/* Hyperparameters are option rows (util/opts.h) bound to one slot of
 * eddy_model_params_t, so `--param k=v` is checked against the model's map
 * with its bounds by the same code as every program option. Every value is
 * held as a double; integer parameters are EDDY_OPT_WHOLE. A table lists
 * the slots in order (the snapshot stores them so) and ends with
 * EDDY_OPT_TABLE_END. */
typedef struct eddy_model_params_s {
    double v[EDDY_MODEL_MAX_PARAMS];
} eddy_model_params_t;

#define EDDY_PARAM_(idx, key, dflt, lo, hi, fl, text)                                  \
    {                                                                                  \
        .name = (key), EDDY_FIELD_DOUBLE(eddy_model_params_t, v[idx]), .def = #dflt,   \
        .min = (lo), .max = (hi), .flags = (fl), .help = (text)                        \
    }
/* A real-valued parameter in slot IDX, default DFLT, within [LO, HI]. */
#define EDDY_PARAM_NUM(idx, key, dflt, lo, hi, text)                                   \
    EDDY_PARAM_(idx, key, dflt, lo, hi, 0u, text)
/* An integer parameter (0..1 ones also take true/false). */
#define EDDY_PARAM_INT(idx, key, dflt, lo, hi, text)                                   \
    EDDY_PARAM_(idx, key, dflt, lo, hi, EDDY_OPT_WHOLE, text)

/* Snapshots are written with util/buf.h (eddy_buf_put_*) and read back with
 * util/bytes.h (eddy_reader_t, eddy_read_*): little-endian, fixed width. */

/* ---- small seeded PRNG (xoshiro256**, seeded by splitmix64) ---- */

typedef struct {
    uint64_t s[4];
} eddy_rng_t;

void eddy_rng_seed(eddy_rng_t *rng, uint64_t seed);
uint64_t eddy_rng_next(eddy_rng_t *rng);
/* Uniform in [0, 1) with 53 random bits. */
double eddy_rng_uniform(eddy_rng_t *rng);
/* Exponential with rate LAMBDA (> 0). */
double eddy_rng_exp(eddy_rng_t *rng, double lambda);
/* Poisson(LAMBDA) by Knuth's product method (fine for small lambda). */
int eddy_rng_poisson(eddy_rng_t *rng, double lambda);
void eddy_rng_save(eddy_buf_t *w, const eddy_rng_t *rng);
void eddy_rng_load(eddy_reader_t *r, eddy_rng_t *rng);

/* pow(v, 0.5), bit for bit, mostly without calling pow: sqrt(v) when the
 * exact root lies within 3/8 ULP of it (glibc's pow is accurate to 0.54 ULP,
 * so it must round to the same double), pow otherwise (about a quarter of
 * the time, and for v <= 2^-960, v >= 2^1000, 0, inf, nan). */
double eddy_pow_half(double v);

/* Python's round(v, digits): the double nearest to v rounded to DIGITS
 * decimals (ties to even on v's exact value), as printf("%.*f") then strtod
 * give it, without either for |v * 10^digits| < 2^50 (0 <= digits <= 15). */
double eddy_round_digits(double v, int digits);

/* ---- River's StandardScaler (Welford, population variance) ---- */

typedef struct {
    int n;
    double count; /* same for every feature: lag vectors are dense */
    double *mean;
    double *var;
    double *sd; /* pow(var, 0.5), recomputed by learn: transform needs no pow */
} eddy_scaler_t;

int eddy_scaler_init(eddy_scaler_t *s, int n);
void eddy_scaler_free(eddy_scaler_t *s);
void eddy_scaler_learn(eddy_scaler_t *s, const double *x);
void eddy_scaler_transform(const eddy_scaler_t *s, const double *x, double *out);
/* learn(x) then transform(x) in one pass (what every pipeline does). */
void eddy_scaler_learn_transform(eddy_scaler_t *s, const double *x, double *out);
void eddy_scaler_save(eddy_buf_t *w, const eddy_scaler_t *s);
void eddy_scaler_load(eddy_reader_t *r, eddy_scaler_t *s);
int eddy_scaler_copy(eddy_scaler_t *dst, const eddy_scaler_t *src);
/* One feature's share of learn: feature I learns XI as its C-th value (C
 * counts that feature's values: River keeps a count per feature, which
 * differs between features only when some are absent from early samples,
 * as in snarimax; S->count is then unused). */
void eddy_scaler_learn_at(eddy_scaler_t *s, int i, double xi, double c);
/* One feature's share of transform: XI standardized, 0 while its variance is 0. */
double eddy_scaler_transform_at(const eddy_scaler_t *s, int i, double xi);

/* ---- River's LinearRegression (SGD, squared loss, optional l2 / l1) ---- */

typedef struct {
    double lr, intercept_lr, l2, l1, clip;
} eddy_glm_params_t;

typedef struct {
    int n;
    eddy_glm_params_t p;
    double intercept;
    double max_cum_l1;
    double *w;
    double *cum_l1;
} eddy_glm_t;

int eddy_glm_init(eddy_glm_t *g, int n, const eddy_glm_params_t *p);
void eddy_glm_free(eddy_glm_t *g);
double eddy_glm_predict(const eddy_glm_t *g, const double *x);
/* One SGD step with sample weight SW (River's `w`). */
void eddy_glm_learn(eddy_glm_t *g, const double *x, double y, double sw);
void eddy_glm_save(eddy_buf_t *w, const eddy_glm_t *g);
void eddy_glm_load(eddy_reader_t *r, eddy_glm_t *g);
int eddy_glm_copy(eddy_glm_t *dst, const eddy_glm_t *src);

/* ---- differencing (diff.c): parameters `diff` and `seasonal_diff` ---- */

#define EDDY_DIFF_MAX    2
#define EDDY_DIFF_LEVELS (EDDY_DIFF_MAX + 2)

/* The two parameter rows, in slots ID (diff) and IS (seasonal_diff), that
 * every regression model on lags ends its table with; the registry finds
 * them by name and differences for the model (its ops never see it). */
#define EDDY_PARAM_DIFF_ROWS(id, is)                                                   \
    EDDY_PARAM_INT(id, "diff", 0, 0, EDDY_DIFF_MAX,                                    \
                   "regular differences of the target and lags (integrated back)"),    \
        EDDY_PARAM_INT(is, "seasonal_diff", 0, 0, 255,                                 \
                       "seasonal difference lag, e.g. 12 (0: none)")

/* Fills Z (m->n_features values) with the differenced lags of X (m->n_lags
 * values) and returns the differenced target Y. */
double eddy_diff_apply(const eddy_model_t *m, const double *x, double y, double *z);
/* The prediction ZHAT of the differenced target integrated back with X's
 * lags: the prediction of y. */
double eddy_diff_integrate(const eddy_model_t *m, const double *x, double zhat);

/* ---- the model object and its vtable ---- */

typedef struct eddy_model_ops_s eddy_model_ops_t;

struct eddy_model_s {
    const eddy_model_ops_t *ops;
    int n_lags;      /* lag features the caller passes */
    int n_features;  /* what the model's ops see: n_lags - sdiff - diff */
    int diff;        /* regular differences (0..EDDY_DIFF_MAX), diff.c */
    int sdiff;       /* seasonal difference lag (0: none), diff.c */
    int differenced; /* diff or sdiff: predict and learn go through diff.c */
    uint64_t seed;
    double params[EDDY_MODEL_MAX_PARAMS];
    void *state;
};

struct eddy_model_ops_s {
    const char *name;
    const char *describe;
    const eddy_opt_t *params; /* N_PARAMS rows and EDDY_OPT_TABLE_END */
    int n_params;
    /* Optional cross-parameter check; returns 0 or -1 with ERR filled. */
    int (*check)(const double *params, char *err, size_t err_size);
    /* Bytes of the model's state struct: the registry allocates it zeroed
     * as m->state before init and frees it after free_state. */
    size_t state_size;
    /* Fills m->state for a fresh model (params, n_features, seed set),
     * allocating what it holds. Returns 0, or -1 (free_state then runs). */
    int (*init)(eddy_model_t *m);
    /* Frees what init allocated in m->state (any of it may still be NULL). */
    void (*free_state)(eddy_model_t *m);
    double (*predict)(eddy_model_t *m, const double *x);
    void (*learn)(eddy_model_t *m, const double *x, double y);
    /* For models of the target alone (lags ignored): the forecast K steps
     * after the last learned target (0: the next step) from m->state. NULL:
     * the generic recursive forecast (predict, shift into in_1). */
    double (*forecast_at)(const void *state, int k);
    /* For models of the target alone whose forecast is a recursion (each
     * step feeds the next): OUT gets the next H forecasts at once, the model
     * left unchanged (its scratch space may be used). NULL: forecast_at or
     * the generic recursive forecast. */
    void (*forecast)(eddy_model_t *m, double *out, int h);
    /* Optional: NULL while the model is well, else why it predicts its
     * fallback (a static string). */
    const char *(*trouble)(const eddy_model_t *m);
    void (*save)(eddy_buf_t *w, const eddy_model_t *m);
    /* Fills m->state (already init'ed fresh) from R; -1 on invalid data. */
    int (*load)(eddy_reader_t *r, eddy_model_t *m);
};

/* The entries every model has, named by one convention: a model with prefix
 * P defines P_state_t, P_init, P_free, P_predict, P_learn, P_save and P_load,
 * and a parameter table PARAMS of N_P entries. Optional entries (.check,
 * .forecast_at) follow the macro:
 *   const eddy_model_ops_t eddy_rls_ops = {
 *       EDDY_MODEL_OPS(rls, "rls", rls_params, "...")};
 */
#define EDDY_MODEL_OPS(P, NAME, PARAMS, DESCRIBE)                                      \
    .name = NAME, .describe = DESCRIBE, .params = PARAMS, .n_params = N_P,             \
    .state_size = sizeof(P##_state_t), .init = P##_init, .free_state = P##_free,       \
    .predict = P##_predict, .learn = P##_learn, .save = P##_save, .load = P##_load

/* Every model, in the order of eddy_model_names(): the one list. */
/* clang-format off */
#define EDDY_MODEL_LIST(X) \
    X(linear) \
    X(ridge) \
    X(lasso) \
    X(knn) \
    X(snaive) \
    X(holt_winters) \
    X(rls) \
    X(bagging) \
    X(hoeffding_tree) \
    X(amf) \
    X(snaive_drift) \
    X(holt_winters_auto) \
    X(snarimax)
/* clang-format on */

#define EDDY_MODEL_DECLARE_OPS(name) extern const eddy_model_ops_t eddy_##name##_ops;
EDDY_MODEL_LIST(EDDY_MODEL_DECLARE_OPS)

#endif
