#include "cat_json.h"

#include <stdio.h>
#include <stdlib.h>

static json_t *doubles(const double *v, int n)
{
    json_t *a = json_array();
    for (int i = 0; i < n; i++)
        json_array_append_new(a, json_real(v[i]));
    return a;
}

char *eddy_cat_hex(const void *buf, size_t len, size_t max)
{
    const unsigned char *b = buf;
    size_t n = len > max ? max : len;
    char *s = malloc(n * 2 + 4);

    if (!s)
        return NULL;
    for (size_t i = 0; i < n; i++)
        sprintf(s + 2 * i, "%02x", b[i]);
    sprintf(s + 2 * n, "%s", len > max ? "..." : "");
    return s;
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

json_t *eddy_cat_value_json(eddy_codec_t *codec, const void *buf, size_t len,
                            int lag_names)
{
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
    if (type == EDDY_REC_OBSERVATION) {
        eddy_obs_t obs;
        if ((err =
                 eddy_codec_decode_obs(codec, buf, len, &obs, errstr, sizeof(errstr))))
            return error_json(eddy_codec_err_name(err), errstr, buf, len);
        return json_pack("{s:s, s:I, s:I, s:s, s:f, s:I}", "series_id", obs.series_id,
                         "seq", (json_int_t)obs.seq, "event_time",
                         (json_int_t)obs.event_time_ms, "input", obs.input, "value",
                         obs.value, "produced_at", (json_int_t)obs.produced_at_us);
    }
    if (type == EDDY_REC_FEATURES) {
        static eddy_fv_t fv;
        if ((err = eddy_codec_decode_fv(codec, buf, len, &fv, errstr, sizeof(errstr))))
            return error_json(eddy_codec_err_name(err), errstr, buf, len);
        o = json_pack("{s:s, s:I, s:I, s:I, s:f, s:i}", "series_id", fv.series_id,
                      "seq", (json_int_t)fv.seq, "event_time",
                      (json_int_t)fv.event_time_ms, "produced_at",
                      (json_int_t)fv.produced_at_us, "target", fv.target,
                      "available_lags", fv.available_lags);
        if (lag_names) {
            json_t *feats = json_object();
            for (int i = 0; i < fv.n_lags; i++) {
                char name[16];
                snprintf(name, sizeof(name), "in_%d", i + 1);
                json_object_set_new(feats, name, json_real(fv.lags[i]));
            }
            json_object_set_new(o, "features", feats);
        } else {
            json_object_set_new(o, "lags", doubles(fv.lags, fv.n_lags));
        }
        return o;
    }
    if (type == EDDY_REC_PREDICTION) {
        static eddy_pred_t p;
        if ((err = eddy_codec_decode_pred(codec, buf, len, &p, errstr, sizeof(errstr))))
            return error_json(eddy_codec_err_name(err), errstr, buf, len);
        o = json_pack("{s:s, s:I, s:I, s:I, s:s, s:I, s:f, s:f, s:I}", "series_id",
                      p.series_id, "seq", (json_int_t)p.seq, "event_time",
                      (json_int_t)p.event_time_ms, "produced_at",
                      (json_int_t)p.produced_at_us, "model", p.model, "model_version",
                      (json_int_t)p.model_version, "prediction", p.prediction, "target",
                      p.target, "predicted_at", (json_int_t)p.predicted_at_us);
        json_object_set_new(o, "forecast", doubles(p.forecast, p.n_forecast));
        return o;
    }
    snprintf(errstr, sizeof(errstr), "schema id %d is not known", (int)id);
    return error_json("unknown_schema", errstr, buf, len);
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
