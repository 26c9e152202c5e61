#include "util/drift.h"

#include <math.h>
#include <string.h>

eddy_ph_conf_t eddy_ph_default(void)
{
    eddy_ph_conf_t c = {.min_instances = 30,
                        .delta = 0.005,
                        .threshold = 50.0,
                        .alpha = 1.0 - 0.0001,
                        .mode = EDDY_PH_BOTH};
    return c;
}

void eddy_ph_reset(eddy_ph_t *ph)
{
    ph->n = 0;
    ph->mean = 0.0;
    ph->inc = ph->dec = 0.0;
    ph->min_inc = INFINITY;
    ph->max_dec = -1.0; /* River's starting value */
    ph->detected = 0;
}

int eddy_ph_update(const eddy_ph_conf_t *conf, eddy_ph_t *ph, double x)
{
    double d, up, down;

    if (ph->detected)
        eddy_ph_reset(ph);
    ph->n++;
    ph->mean += (1.0 / (double)ph->n) * (x - ph->mean);
    d = x - ph->mean;
    ph->inc = conf->alpha * ph->inc + d - conf->delta;
    ph->dec = conf->alpha * ph->dec + d + conf->delta;
    if (ph->inc < ph->min_inc)
        ph->min_inc = ph->inc;
    if (ph->dec > ph->max_dec)
        ph->max_dec = ph->dec;
    if (ph->n < conf->min_instances)
        return 0;
    up = ph->inc - ph->min_inc;
    down = ph->max_dec - ph->dec;
    ph->detected = conf->mode == EDDY_PH_UP ? up > conf->threshold
                   : conf->mode == EDDY_PH_DOWN
                       ? down > conf->threshold
                       : up > conf->threshold || down > conf->threshold;
    return ph->detected;
}

/* ---- ADWIN (see drift.h; Bifet & Gavalda 2007, River's drift.ADWIN) ---- */

eddy_adwin_conf_t eddy_adwin_default(void)
{
    eddy_adwin_conf_t c = {.delta = 0.002,
                           .clock = 32,
                           .max_buckets = 5,
                           .min_window_length = 5,
                           .grace_period = 10};
    return c;
}

void eddy_adwin_reset(eddy_adwin_t *a)
{
    memset(a, 0, sizeof(*a));
    a->n_levels = 1;
}

double eddy_adwin_estimation(const eddy_adwin_t *a)
{
    return a->width > 0 ? a->total / (double)a->width : 0.0;
}

/* Values in one bucket of LEVEL. */
static double bucket_size(int level)
{
    return (double)((uint64_t)1 << level);
}

static void level_push(eddy_adwin_t *a, int level, double sum, double var)
{
    int k = a->count[level]++;

    a->sum[level][k] = sum;
    a->var[level][k] = var;
}

/* Drops the N oldest buckets of LEVEL. */
static void level_drop(eddy_adwin_t *a, int level, int n)
{
    int left = a->count[level] - n;

    memmove(a->sum[level], a->sum[level] + n, (size_t)left * sizeof(double));
    memmove(a->var[level], a->var[level] + n, (size_t)left * sizeof(double));
    for (int k = left; k < a->count[level]; k++)
        a->sum[level][k] = a->var[level][k] = 0.0; /* as a reset state's */
    a->count[level] = left;
}

/* Drops the oldest bucket of the window (the first of the top level). */
static void drop_oldest(eddy_adwin_t *a)
{
    int top = a->n_levels - 1;
    double n = bucket_size(top), u = a->sum[top][0], v = a->var[top][0];
    double mu = u / n, mu_window, dw;

    a->width -= (int64_t)n;
    a->total -= u;
    dw = (double)a->width;
    mu_window = a->total / dw;
    a->variance -= v + n * dw * (mu - mu_window) * (mu - mu_window) / (n + dw);
    level_drop(a, top, 1);
    if (a->count[top] == 0 && top > 0)
        a->n_levels--;
}

/* Merges full levels upwards, from level 0. */
static void compress(const eddy_adwin_conf_t *conf, eddy_adwin_t *a)
{
    for (int i = 0; a->count[i] == conf->max_buckets + 1; i++) {
        double n1 = bucket_size(i), t0 = a->sum[i][0], t1 = a->sum[i][1];
        double mu1 = t0 / n1, mu2 = t1 / n1;
        double v12 = a->var[i][0] + a->var[i][1] + n1 * 0.5 * (mu1 - mu2) * (mu1 - mu2);

        if (i + 1 == EDDY_ADWIN_LEVELS) { /* the bound (drift.h) */
            drop_oldest(a);
            return;
        }
        if (i + 1 == a->n_levels)
            a->n_levels++;
        level_push(a, i + 1, t0 + t1, v12);
        level_drop(a, i, 2);
    }
}

static void insert(const eddy_adwin_conf_t *conf, eddy_adwin_t *a, double x)
{
    double w, inc = 0.0;

    level_push(a, 0, x, 0.0);
    w = (double)++a->width;
    if (w > 1.0) {
        double d = x - a->total / (w - 1.0);
        inc = (w - 1.0) * d * d / w;
    }
    a->variance += inc;
    a->total += x;
    compress(conf, a);
}

/* |DIFF| of the two parts' means beyond the bound for sizes N0, N1. */
static int cut(const eddy_adwin_conf_t *conf, const eddy_adwin_t *a, double n0,
               double n1, double diff)
{
    double w = (double)a->width, mwl = (double)conf->min_window_length;
    double dp = log(2.0 * log(w) / conf->delta);
    double m = 1.0 / (n0 - mwl + 1.0) + 1.0 / (n1 - mwl + 1.0);
    double eps = sqrt(2.0 * m * (a->variance / w) * dp) + 2.0 / 3.0 * dp * m;

    return fabs(diff) > eps;
}

/* Tests every split, oldest first; drops the oldest bucket and returns 1 at
 * the first change, else 0. */
static int cut_once(const eddy_adwin_conf_t *conf, eddy_adwin_t *a)
{
    double n0 = 0.0, n1 = (double)a->width, u0 = 0.0, u1 = a->total;
    double mwl = (double)conf->min_window_length;

    for (int i = a->n_levels - 1; i >= 0; i--) {
        double size = bucket_size(i);
        for (int k = 0; k < a->count[i]; k++) {
            n0 += size;
            n1 -= size;
            u0 += a->sum[i][k];
            u1 -= a->sum[i][k];
            if (i == 0 && k == a->count[i] - 1)
                return 0; /* W1 would be empty */
            if (n1 >= mwl && n0 >= mwl && cut(conf, a, n0, n1, u0 / n0 - u1 / n1)) {
                drop_oldest(a);
                return 1;
            }
        }
    }
    return 0;
}

int eddy_adwin_update(const eddy_adwin_conf_t *conf, eddy_adwin_t *a, double x)
{
    int change = 0;

    if (a->detected || a->n_levels == 0)
        eddy_adwin_reset(a);
    insert(conf, a, x);
    a->tick++;
    if (a->tick % conf->clock == 0 && a->width > conf->grace_period)
        while (a->width > 0 && cut_once(conf, a))
            change = 1;
    a->detected = change;
    return change;
}

void eddy_adwin_save(const eddy_adwin_t *a, eddy_buf_t *out)
{
    eddy_buf_put_u64(out, (uint64_t)a->width);
    eddy_buf_put_u64(out, (uint64_t)a->tick);
    eddy_buf_put_f64(out, a->total);
    eddy_buf_put_f64(out, a->variance);
    eddy_buf_put_u32(out, (uint32_t)a->detected);
    eddy_buf_put_u32(out, (uint32_t)a->n_levels);
    for (int i = 0; i < a->n_levels; i++) {
        eddy_buf_put_u32(out, (uint32_t)a->count[i]);
        for (int k = 0; k < a->count[i]; k++) {
            eddy_buf_put_f64(out, a->sum[i][k]);
            eddy_buf_put_f64(out, a->var[i][k]);
        }
    }
}

/* Reads the buckets of level I; returns the values they hold. */
static uint64_t load_level(eddy_adwin_t *a, int i, eddy_reader_t *r)
{
    a->count[i] = (int32_t)eddy_read_count(r, EDDY_ADWIN_SLOTS - 1);
    for (int k = 0; !r->err && k < a->count[i]; k++) {
        a->sum[i][k] = eddy_read_f64(r);
        a->var[i][k] = eddy_read_f64(r);
        if (!isfinite(a->sum[i][k]) || !isfinite(a->var[i][k]))
            r->err = 1;
    }
    return r->err ? 0 : (uint64_t)a->count[i] << i;
}

void eddy_adwin_load(eddy_adwin_t *a, eddy_reader_t *r)
{
    uint64_t held = 0;

    eddy_adwin_reset(a);
    a->width = (int64_t)eddy_read_u64(r);
    a->tick = (int64_t)eddy_read_u64(r);
    a->total = eddy_read_f64(r);
    a->variance = eddy_read_f64(r);
    a->detected = (int32_t)eddy_read_count(r, 1);
    a->n_levels = (int32_t)eddy_read_count(r, EDDY_ADWIN_LEVELS);
    for (int i = 0; !r->err && i < a->n_levels; i++)
        held += load_level(a, i, r);
    if (!r->err && (a->tick < 0 || held != (uint64_t)a->width || !isfinite(a->total) ||
                    !isfinite(a->variance)))
        r->err = 1;
}
