#include "samples.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#define ET_1949_01 (-662688000000LL)

void sample_obs(eddy_obs_t *o)
{
    memset(o, 0, sizeof(*o));
    snprintf(o->series_id, sizeof(o->series_id), "airpassengers");
    o->seq = 0;
    o->event_time_ms = ET_1949_01;
    snprintf(o->input, sizeof(o->input), "1949-01");
    o->value = 112.0;
    o->produced_at_us = 1700000000123456LL;
}

/* Item I of a sample array: signs, fractions and magnitudes that vary. */
static double sample_item(int i)
{
    return (i % 3 == 0 ? -1.0 : 1.0) * (i + 0.1) / 3.0 * pow(10, i % 17);
}

void sample_fv(eddy_fv_t *f, int n_lags)
{
    memset(f, 0, sizeof(*f));
    snprintf(f->series_id, sizeof(f->series_id), "s-%d", n_lags);
    f->seq = 1234567890123LL;
    f->event_time_ms = ET_1949_01;
    f->produced_at_us = -1;
    f->target = 0.1;
    f->n_lags = n_lags;
    f->available_lags = n_lags / 2;
    for (int i = 0; i < n_lags; i++)
        f->lags[i] = sample_item(i);
}

void sample_pred(eddy_pred_t *p, int n_forecast)
{
    memset(p, 0, sizeof(*p));
    snprintf(p->series_id, sizeof(p->series_id), "p");
    p->seq = INT64_MAX;
    p->event_time_ms = ET_1949_01;
    p->produced_at_us = INT64_MIN;
    snprintf(p->model, sizeof(p->model), "holt_winters");
    p->model_version = 42;
    p->prediction = -0.0;
    p->target = 5e-324; /* smallest subnormal */
    p->n_forecast = n_forecast;
    for (int i = 0; i < n_forecast; i++)
        p->forecast[i] = 1.0 / (i + 3.0) - i;
    p->predicted_at_us = 1700000000999999LL;
}

void sample_reference(eddy_rec_type_t type, int n, eddy_any_record_t *rec)
{
    if (type == EDDY_REC_OBSERVATION)
        sample_obs(&rec->obs);
    else if (type == EDDY_REC_FEATURES)
        sample_fv(&rec->fv, n);
    else
        sample_pred(&rec->pred, n);
}

static int min_int(int a, int b)
{
    return a < b ? a : b;
}

/* The shortest array REC of D can hold, or N when it has none. */
static int shortest(const eddy_record_desc_t *d, int n)
{
    for (int i = 0; i < d->n_fields; i++)
        if (eddy_field_is_array(d->fields[i].kind))
            n = min_int(n, d->fields[i].bound);
    return n;
}

static void sample_field(const eddy_record_desc_t *d, int i, int n, void *rec)
{
    static const int64_t longs[] = {
        0, -1, 1, INT64_MAX, INT64_MIN, INT64_MIN + 1, ET_1949_01, 1234567890123LL};
    static const double doubles[] = {0.1,   -0.0,  5e-324, -1.7976931348623157e308,
                                     112.0, 1e300, -2.5,   0.0};
    const eddy_field_t *f = &d->fields[i];
    void *p = eddy_field_ptr(f, rec);
    int k = (n + i) % 8, len = min_int(n, f->bound);

    switch (f->kind) {
    case EDDY_FIELD_STRING:
        memset(p, 'a' + i % 26, (size_t)len);
        ((char *)p)[len] = '\0';
        break;
    case EDDY_FIELD_LONG:
        *(int64_t *)p = longs[k];
        break;
    case EDDY_FIELD_INT:
        *(int *)p = shortest(d, n) / 2;
        break;
    case EDDY_FIELD_DOUBLE:
    case EDDY_FIELD_FINITE:
        *(double *)p = doubles[k];
        break;
    case EDDY_FIELD_DOUBLES:
        *eddy_field_count(f, rec) = len;
        for (int j = 0; j < len; j++)
            ((double *)p)[j] = sample_item(j + n);
        break;
    case EDDY_FIELD_LONGS:
        *eddy_field_count(f, rec) = len;
        for (int j = 0; j < len; j++)
            ((int64_t *)p)[j] = longs[(j + n) % 8];
        break;
    }
}

void sample_record(eddy_rec_type_t type, int n, void *rec)
{
    const eddy_record_desc_t *d = eddy_record_desc(type);

    memset(rec, 0, d->size);
    for (int i = 0; i < d->n_fields; i++)
        sample_field(d, i, n, rec);
}

static int same_bits(double a, double b)
{
    return memcmp(&a, &b, sizeof(double)) == 0;
}

/* Whether field F is the same in A and B. */
static int field_same(const eddy_field_t *f, const void *a, const void *b)
{
    const void *pa = eddy_field_cptr(f, a), *pb = eddy_field_cptr(f, b);

    switch (f->kind) {
    case EDDY_FIELD_STRING:
        return !strcmp(pa, pb);
    case EDDY_FIELD_LONG:
        return *(const int64_t *)pa == *(const int64_t *)pb;
    case EDDY_FIELD_INT:
        return *(const int *)pa == *(const int *)pb;
    case EDDY_FIELD_DOUBLE:
    case EDDY_FIELD_FINITE:
        return same_bits(*(const double *)pa, *(const double *)pb);
    case EDDY_FIELD_DOUBLES:
        if (eddy_field_ccount(f, a) != eddy_field_ccount(f, b))
            return 0;
        for (int j = 0; j < eddy_field_ccount(f, a); j++)
            if (!same_bits(((const double *)pa)[j], ((const double *)pb)[j]))
                return 0;
        return 1;
    case EDDY_FIELD_LONGS:
        return eddy_field_ccount(f, a) == eddy_field_ccount(f, b) &&
               !memcmp(pa, pb, sizeof(int64_t) * (size_t)eddy_field_ccount(f, a));
    }
    return 0;
}

int record_diff(eddy_rec_type_t type, const void *a, const void *b, char *what,
                size_t what_size)
{
    const eddy_record_desc_t *d = eddy_record_desc(type);

    for (int i = 0; i < d->n_fields; i++)
        if (!field_same(&d->fields[i], a, b)) {
            snprintf(what, what_size, "%s: field %s differs", d->type_name,
                     d->fields[i].name);
            return -1;
        }
    return 0;
}

/* Whether field F of REC keeps its bound and is finite where it must be. */
static int field_ok(const eddy_field_t *f, const void *rec)
{
    const void *p = eddy_field_cptr(f, rec);

    switch (f->kind) {
    case EDDY_FIELD_STRING:
        return strnlen(p, (size_t)f->bound + 1) <= (size_t)f->bound;
    case EDDY_FIELD_FINITE:
        return isfinite(*(const double *)p);
    case EDDY_FIELD_DOUBLES:
    case EDDY_FIELD_LONGS:
        return eddy_field_ccount(f, rec) >= 0 && eddy_field_ccount(f, rec) <= f->bound;
    default:
        return 1;
    }
}

int record_check(eddy_rec_type_t type, const void *rec, char *what, size_t what_size)
{
    const eddy_record_desc_t *d = eddy_record_desc(type);

    for (int i = 0; i < d->n_fields; i++)
        if (!field_ok(&d->fields[i], rec)) {
            snprintf(what, what_size, "%s: field %s breaks its bound", d->type_name,
                     d->fields[i].name);
            return -1;
        }
    if (d->validate && d->validate(rec, what, what_size) != EDDY_CODEC_OK)
        return -1;
    return 0;
}
