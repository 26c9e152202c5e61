/* model_common.c: pieces shared by several models — the seeded PRNG, River's
 * StandardScaler and LinearRegression.
 *
 * The scaler and the linear model follow River 0.26's order of floating-point
 * operations exactly (see tests/golden), so results are bit-comparable.
 */
#include "model_internal.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- PRNG: xoshiro256** seeded through splitmix64 ---- */

static uint64_t splitmix64(uint64_t *x)
{
    uint64_t z = (*x += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

void eddy_rng_seed(eddy_rng_t *rng, uint64_t seed)
{
    uint64_t x = seed;
    for (int i = 0; i < 4; i++)
        rng->s[i] = splitmix64(&x);
}

static uint64_t rotl(uint64_t x, int k)
{
    return (x << k) | (x >> (64 - k));
}

uint64_t eddy_rng_next(eddy_rng_t *rng)
{
    uint64_t *s = rng->s;
    uint64_t result = rotl(s[1] * 5, 7) * 9;
    uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return result;
}

double eddy_rng_uniform(eddy_rng_t *rng)
{
    return (double)(eddy_rng_next(rng) >> 11) * 0x1.0p-53;
}

double eddy_rng_exp(eddy_rng_t *rng, double lambda)
{
    return -log1p(-eddy_rng_uniform(rng)) / lambda;
}

int eddy_rng_poisson(eddy_rng_t *rng, double lambda)
{
    double limit = exp(-lambda), p = 1.0;
    int k = 0;
    do {
        k++;
        p *= eddy_rng_uniform(rng);
    } while (p > limit && k < 1000);
    return k - 1;
}

void eddy_rng_save(eddy_buf_t *w, const eddy_rng_t *rng)
{
    for (int i = 0; i < 4; i++)
        eddy_buf_put_u64(w, rng->s[i]);
}

void eddy_rng_load(eddy_reader_t *r, eddy_rng_t *rng)
{
    for (int i = 0; i < 4; i++)
        rng->s[i] = eddy_read_u64(r);
    if (!(rng->s[0] | rng->s[1] | rng->s[2] | rng->s[3]))
        r->err = 1; /* the all-zero state is a fixed point */
}

/* ---- pow(v, 0.5) ---- */

double eddy_pow_half(double v)
{
    /* outside this range the residual below could under- or overflow */
    if (!(v > 0x1p-960 && v < 0x1p1000))
        return pow(v, 0.5);
    double s = sqrt(v);
    uint64_t bits;
    memcpy(&bits, &s, 8);
    if ((bits & 0xfffffffffffffull) == 0)
        return pow(v, 0.5); /* a power of two: the ULP below is half */
    /* r = s * s - v, exactly enough: Veltkamp split of s, hi * hi - v is exact
     * (Sterbenz), the other products are exact and the two roundings are far
     * below the 1/8 ULP margin */
    double c = s * 134217729.0; /* 2^27 + 1 */
    double hi = c - (c - s), lo = s - hi;
    double r = ((hi * hi - v) + 2.0 * hi * lo) + lo * lo;
    /* sqrt(v) - s = -r / (sqrt(v) + s), about -r / (2 s); one ULP of s is
     * 2^(unbiased exponent - 52), i.e. biased exponent - 52 as a double */
    uint64_t ubits = ((bits >> 52) - 52) << 52;
    double ulp;
    memcpy(&ulp, &ubits, 8);
    if (fabs(r) <= 0.75 * s * ulp)
        return s;
    return pow(v, 0.5);
}

/* ---- round(v, digits) ---- */

static double round_digits_slow(double v, int digits)
{
    char buf[512];
    snprintf(buf, sizeof(buf), "%.*f", digits, v);
    return strtod(buf, NULL);
}

double eddy_round_digits(double v, int digits)
{
    static const double pow10[] = {1e0, 1e1, 1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                                   1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15};
    if (digits < 0 || digits > 15)
        return round_digits_slow(v, digits);
    double b = pow10[digits], p = v * b;
    /* Dekker's exact product v * b = p + e needs no under/overflow; p - r
     * below is exact for |p| < 2^52 */
    if (!(fabs(p) < 0x1p50) || (v != 0.0 && fabs(v) < 0x1p-900))
        return round_digits_slow(v, digits);
    double c = 134217729.0 * v, vh = c - (c - v), vl = v - vh;
    c = 134217729.0 * b;
    double bh = c - (c - b), bl = b - bh;
    double e = ((vh * bh - p) + vh * bl + vl * bh) + vl * bl;
    /* K: the integer nearest to v * b exactly, ties to even. r is nearest to
     * p (ties to even); only p exactly halfway can move with e. */
    double r = nearbyint(p), k = r;
    if (p - r == 0.5 && e > 0.0)
        k = r + 1.0;
    else if (p - r == -0.5 && e < 0.0)
        k = r - 1.0;
    /* the decimal K / 10^digits read back: one correctly rounded division */
    return k / b;
}

/* ---- StandardScaler ---- */

int eddy_scaler_init(eddy_scaler_t *s, int n)
{
    s->n = n;
    s->count = 0;
    s->mean = calloc((size_t)n, sizeof(double));
    s->var = calloc((size_t)n, sizeof(double));
    s->sd = calloc((size_t)n, sizeof(double));
    if (!s->mean || !s->var || !s->sd) {
        eddy_scaler_free(s);
        return -1;
    }
    return 0;
}

void eddy_scaler_free(eddy_scaler_t *s)
{
    free(s->mean);
    free(s->var);
    free(s->sd);
    s->mean = s->var = s->sd = NULL;
}

/* River computes var**0.5, i.e. C pow(var, 0.5), which is not always sqrt(var)
 * (glibc's pow can round the other way near a midpoint): keep pow, but once
 * per learn rather than per transform. */
void eddy_scaler_learn_at(eddy_scaler_t *s, int i, double xi, double c)
{
    double old = s->mean[i], mean = old + (xi - old) / c;
    double var = s->var[i] + ((xi - old) * (xi - mean) - s->var[i]) / c;
    s->mean[i] = mean;
    s->var[i] = var;
    s->sd[i] = eddy_pow_half(var);
}

double eddy_scaler_transform_at(const eddy_scaler_t *s, int i, double xi)
{
    return s->var[i] != 0.0 ? (xi - s->mean[i]) / s->sd[i] : 0.0;
}

void eddy_scaler_learn(eddy_scaler_t *s, const double *x)
{
    s->count += 1.0;
    for (int i = 0; i < s->n; i++)
        eddy_scaler_learn_at(s, i, x[i], s->count);
}

void eddy_scaler_transform(const eddy_scaler_t *s, const double *x, double *out)
{
    for (int i = 0; i < s->n; i++)
        out[i] = eddy_scaler_transform_at(s, i, x[i]);
}

void eddy_scaler_learn_transform(eddy_scaler_t *s, const double *x, double *out)
{
    s->count += 1.0;
    for (int i = 0; i < s->n; i++) {
        eddy_scaler_learn_at(s, i, x[i], s->count);
        out[i] = eddy_scaler_transform_at(s, i, x[i]);
    }
}

void eddy_scaler_save(eddy_buf_t *w, const eddy_scaler_t *s)
{
    eddy_buf_put_f64(w, s->count);
    eddy_buf_put_f64s(w, s->mean, (size_t)s->n);
    eddy_buf_put_f64s(w, s->var, (size_t)s->n);
}

void eddy_scaler_load(eddy_reader_t *r, eddy_scaler_t *s)
{
    s->count = eddy_read_f64(r);
    if (!(s->count >= 0 && s->count <= 9007199254740992.0) ||
        s->count != floor(s->count))
        r->err = 1;
    eddy_read_f64s(r, s->mean, (size_t)s->n);
    eddy_read_f64s(r, s->var, (size_t)s->n);
    for (int i = 0; i < s->n; i++)
        s->sd[i] = eddy_pow_half(s->var[i]);
}

int eddy_scaler_copy(eddy_scaler_t *dst, const eddy_scaler_t *src)
{
    if (eddy_scaler_init(dst, src->n) != 0)
        return -1;
    dst->count = src->count;
    memcpy(dst->mean, src->mean, (size_t)src->n * sizeof(double));
    memcpy(dst->var, src->var, (size_t)src->n * sizeof(double));
    memcpy(dst->sd, src->sd, (size_t)src->n * sizeof(double));
    return 0;
}

/* ---- LinearRegression (River linear_model.LinearRegression, squared loss) ---- */

int eddy_glm_init(eddy_glm_t *g, int n, const eddy_glm_params_t *p)
{
    g->n = n;
    g->p = *p;
    g->intercept = 0.0;
    g->max_cum_l1 = 0.0;
    g->w = calloc((size_t)n, sizeof(double));
    g->cum_l1 = calloc((size_t)n, sizeof(double));
    if (!g->w || !g->cum_l1) {
        eddy_glm_free(g);
        return -1;
    }
    return 0;
}

void eddy_glm_free(eddy_glm_t *g)
{
    free(g->w);
    free(g->cum_l1);
    g->w = g->cum_l1 = NULL;
}

double eddy_glm_predict(const eddy_glm_t *g, const double *x)
{
    double total = 0.0;
    for (int i = 0; i < g->n; i++)
        total += g->w[i] * x[i];
    return total + g->intercept;
}

void eddy_glm_learn(eddy_glm_t *g, const double *x, double y, double sw)
{
    const eddy_glm_params_t *p = &g->p;
    double lg = 2.0 * (eddy_glm_predict(g, x) - y);
    lg *= sw;
    if (lg > p->clip)
        lg = p->clip;
    if (lg < -p->clip)
        lg = -p->clip;
    g->intercept -= p->intercept_lr * lg;
    if (p->l2 != 0.0) {
        for (int i = 0; i < g->n; i++) {
            double gi = lg * x[i] + p->l2 * g->w[i];
            g->w[i] -= p->lr * gi;
        }
    } else {
        for (int i = 0; i < g->n; i++)
            g->w[i] -= p->lr * (lg * x[i]);
    }
    if (p->l1 != 0.0) {
        /* River's cumulative L1 penalty (Tsuruoka et al. 2009) */
        g->max_cum_l1 = g->max_cum_l1 + p->l1 * p->lr;
        for (int j = 0; j < g->n; j++) {
            double t = g->w[j];
            if (t > 0)
                g->w[j] = fmax(0.0, t - (g->max_cum_l1 + g->cum_l1[j]));
            else if (t < 0)
                g->w[j] = fmin(0.0, t + (g->max_cum_l1 - g->cum_l1[j]));
            g->cum_l1[j] = g->cum_l1[j] + (g->w[j] - t);
        }
    }
}

void eddy_glm_save(eddy_buf_t *w, const eddy_glm_t *g)
{
    eddy_buf_put_f64(w, g->intercept);
    eddy_buf_put_f64(w, g->max_cum_l1);
    eddy_buf_put_f64s(w, g->w, (size_t)g->n);
    eddy_buf_put_f64s(w, g->cum_l1, (size_t)g->n);
}

void eddy_glm_load(eddy_reader_t *r, eddy_glm_t *g)
{
    g->intercept = eddy_read_f64(r);
    g->max_cum_l1 = eddy_read_f64(r);
    eddy_read_f64s(r, g->w, (size_t)g->n);
    eddy_read_f64s(r, g->cum_l1, (size_t)g->n);
}

int eddy_glm_copy(eddy_glm_t *dst, const eddy_glm_t *src)
{
    if (eddy_glm_init(dst, src->n, &src->p) != 0)
        return -1;
    dst->intercept = src->intercept;
    dst->max_cum_l1 = src->max_cum_l1;
    memcpy(dst->w, src->w, (size_t)src->n * sizeof(double));
    memcpy(dst->cum_l1, src->cum_l1, (size_t)src->n * sizeof(double));
    return 0;
}
