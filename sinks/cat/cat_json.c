#include "cat_json.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codec/fields.h"
#include "util/hex.h"
#include "util/utf8.h"

char *eddy_cat_hex(const void *buf, size_t len, size_t max)
{
    eddy_buf_t hex = EDDY_BUF_INIT;

    if (eddy_hex_append(&hex, buf, len, max) || !hex.data) {
        eddy_buf_free(&hex);
        return len == 0 ? strdup("") : NULL;
    }
    return hex.data;
}

static json_t *error_json(const char *reason, const char *detail, const void *buf,
                          size_t len)
{
    char *hex = eddy_cat_hex(buf, len, 4096);
    json_t *o = json_pack("{s:s, s:s, s:I, s:s}", "error", reason, "detail", detail,
                          "bytes", (json_int_t)len, "hex", hex ? hex : "");
    free(hex);
    return o;
}

json_t *eddy_cat_string_json(const char *s, size_t n, eddy_cat_stats_t *stats)
{
    eddy_buf_t b = EDDY_BUF_INIT;
    json_t *j;

    if (eddy_utf8_valid(s, n))
        return json_stringn(s, n);
    for (size_t i = 0; i < n;) {
        size_t at = eddy_utf8_invalid_at(s + i, n - i);
        eddy_buf_append(&b, s + i, at);
        if (i + at < n)
            eddy_buf_printf(&b, "\\x%02X", (unsigned char)s[i + at]);
        i += at + 1;
    }
    j = b.failed ? NULL : json_stringn(b.data ? b.data : "", b.len);
    eddy_buf_free(&b);
    if (stats)
        stats->escaped++;
    return j;
}

static const char *nonfinite_name(double v)
{
    return isnan(v) ? "NaN" : v > 0 ? "Inf" : "-Inf";
}

/* Sets O's field NAME_SUFFIX to V. */
static void set_suffixed(json_t *o, const char *name, const char *suffix, json_t *v)
{
    char key[96];

    snprintf(key, sizeof(key), "%s_%s", name, suffix);
    json_object_set_new(o, key, v);
}

/* V, or null when not finite (then O's NAME_nonfinite names it). */
static json_t *number_json(json_t *o, const char *name, double v, eddy_cat_stats_t *st)
{
    if (isfinite(v))
        return json_real(v);
    set_suffixed(o, name, "nonfinite", json_string(nonfinite_name(v)));
    if (st)
        st->nonfinite++;
    return json_null();
}

static json_t *doubles_json(json_t *o, const char *name, const double *v, int n,
                            eddy_cat_stats_t *st)
{
    json_t *a = json_array(), *bad = NULL;

    for (int i = 0; i < n; i++) {
        char idx[16];
        if (isfinite(v[i])) {
            json_array_append_new(a, json_real(v[i]));
            continue;
        }
        json_array_append_new(a, json_null());
        if (!bad)
            bad = json_object();
        snprintf(idx, sizeof(idx), "%d", i);
        json_object_set_new(bad, idx, json_string(nonfinite_name(v[i])));
        if (st)
            st->nonfinite++;
    }
    if (bad)
        set_suffixed(o, name, "nonfinite", bad);
    return a;
}

static json_t *longs_json(const int64_t *v, int n)
{
    json_t *a = json_array();
    for (int i = 0; i < n; i++)
        json_array_append_new(a, json_integer((json_int_t)v[i]));
    return a;
}

/* A feature vector's lags as {"in_1": ..., "in_N": ...} (finite: decoding
 * checks them). */
static json_t *lag_names_json(const double *v, int n)
{
    json_t *o = json_object();
    for (int i = 0; i < n; i++) {
        char name[16];
        snprintf(name, sizeof(name), "in_%d", i + 1);
        json_object_set_new(o, name, json_real(v[i]));
    }
    return o;
}

/* Field F of REC as JSON, its markers (NAME_nonfinite, NAME_invalid_utf8)
 * set on O; NULL only when out of memory. */
static json_t *field_json(json_t *o, const eddy_field_t *f, const void *rec,
                          eddy_cat_stats_t *st)
{
    const void *p = eddy_field_cptr(f, rec);

    switch (f->kind) {
    case EDDY_FIELD_STRING:
        if (!eddy_utf8_valid(p, strlen(p)))
            set_suffixed(o, f->name, "invalid_utf8", json_true());
        return eddy_cat_string_json(p, strlen(p), st);
    case EDDY_FIELD_LONG:
        return json_integer((json_int_t) * (const int64_t *)p);
    case EDDY_FIELD_INT:
        return json_integer(*(const int *)p);
    case EDDY_FIELD_DOUBLE:
    case EDDY_FIELD_FINITE:
        return number_json(o, f->name, *(const double *)p, st);
    case EDDY_FIELD_DOUBLES:
        return doubles_json(o, f->name, p, eddy_field_ccount(f, rec), st);
    case EDDY_FIELD_LONGS:
        return longs_json(p, eddy_field_ccount(f, rec));
    }
    return NULL;
}

/* A decoded record as an object: its fields by their Avro names, the
 * arrays last (the shape eddy-cat has always printed); NULL when out of
 * memory. */
static json_t *record_json(const eddy_record_desc_t *d, const void *rec, int lag_names,
                           eddy_cat_stats_t *st)
{
    json_t *o = json_object();

    for (int arrays = 0; arrays < 2; arrays++)
        for (int i = 0; i < d->n_fields; i++) {
            const eddy_field_t *f = &d->fields[i];
            int named = lag_names && d->type == EDDY_REC_FEATURES;
            json_t *v;

            if (eddy_field_is_array(f->kind) != arrays)
                continue;
            v = arrays && named
                    ? lag_names_json(eddy_field_cptr(f, rec), eddy_field_ccount(f, rec))
                    : field_json(o, f, rec, st);
            if (!v) {
                json_decref(o);
                return NULL;
            }
            json_object_set_new(o, arrays && named ? "features" : f->name, v);
        }
    return o;
}

static json_t *value_json(eddy_codec_t *codec, const void *buf, size_t len,
                          int lag_names, eddy_cat_stats_t *stats)
{
    static eddy_any_record_t rec;
    char errstr[512] = "";
    int32_t id = 0;
    eddy_codec_err_t err = eddy_codec_peek_id(buf, len, &id);
    json_t *o;
    int type;

    if (err)
        return error_json(eddy_codec_err_name(err), "not a Confluent-framed record",
                          buf, len);
    type = eddy_codec_resolve(codec, id, errstr, sizeof(errstr));
    if (type < 0)
        return error_json("unknown_schema", errstr, buf, len);
    if (type == EDDY_REC__COUNT) {
        /* not one of eddy's records: shown as its writer wrote it */
        if ((err = eddy_codec_decode_json(codec, buf, len, &o, NULL, errstr,
                                          sizeof(errstr))))
            return error_json(eddy_codec_err_name(err), errstr, buf, len);
        return o;
    }
    /* a string that is not UTF-8 is checked last: the record is complete */
    if ((err = eddy_codec_decode(codec, (eddy_rec_type_t)type, buf, len, &rec, errstr,
                                 sizeof(errstr))) &&
        err != EDDY_CODEC_ERR_INVALID_UTF8)
        return error_json(eddy_codec_err_name(err), errstr, buf, len);
    return record_json(eddy_record_desc((eddy_rec_type_t)type), &rec, lag_names, stats);
}

json_t *eddy_cat_value_json(eddy_codec_t *codec, const void *buf, size_t len,
                            int lag_names, eddy_cat_stats_t *stats)
{
    json_t *o = value_json(codec, buf, len, lag_names, stats);

    if (stats && (!o || json_object_get(o, "error")))
        stats->undecodable++;
    return o;
}

json_t *eddy_cat_project_json(eddy_codec_t *codec, const void *buf, size_t len,
                              const json_t *reader)
{
    char errstr[512] = "";
    json_t *rec = NULL, *out, *field;
    eddy_codec_err_t err;
    size_t i;

    if ((err = eddy_codec_decode_json(codec, buf, len, &rec, NULL, errstr,
                                      sizeof(errstr))))
        return error_json(eddy_codec_err_name(err), errstr, buf, len);
    out = json_object();
    json_array_foreach(json_object_get(reader, "fields"), i, field)
    {
        const char *name = json_string_value(json_object_get(field, "name"));
        json_t *v = name ? json_object_get(rec, name) : NULL;

        if (!v)
            v = json_object_get(field, "default");
        if (!v) {
            snprintf(errstr, sizeof(errstr),
                     "reader field '%s' is not in the writer's schema and has no "
                     "default",
                     name ? name : "?");
            json_decref(out);
            json_decref(rec);
            return error_json("missing_field", errstr, buf, len);
        }
        json_object_set(out, name, v);
    }
    json_decref(rec);
    return out;
}
