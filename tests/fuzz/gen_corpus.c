/* gen_corpus.c: writes the fuzz_codec seed corpus (valid framed records of
 * every type and writer the fuzz target knows) into the directory given.
 * Usage: eddy_fuzz_gen_corpus tests/fuzz/corpus/fuzz_codec
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codec/codec.h"

static const char *dir;

static void put(const char *name, const void *buf, size_t len)
{
    char path[4096];
    FILE *f;

    snprintf(path, sizeof(path), "%s/%s", dir, name);
    if (!(f = fopen(path, "wb")) || fwrite(buf, 1, len, f) != len || fclose(f)) {
        perror(path);
        exit(1);
    }
}

/* A tiny Avro binary builder for hand-made records. */
typedef struct {
    uint8_t b[4096];
    size_t n;
} bb_t;

static void bb_byte(bb_t *bb, uint8_t v)
{
    bb->b[bb->n++] = v;
}

static void bb_frame(bb_t *bb, int32_t id)
{
    bb->n = 0;
    bb_byte(bb, 0);
    for (int s = 24; s >= 0; s -= 8)
        bb_byte(bb, (uint8_t)((uint32_t)id >> s));
}

static void bb_long(bb_t *bb, int64_t v)
{
    uint64_t u = ((uint64_t)v << 1) ^ (uint64_t)(v >> 63);
    while (u >= 0x80) {
        bb_byte(bb, (uint8_t)(u | 0x80));
        u >>= 7;
    }
    bb_byte(bb, (uint8_t)u);
}

static void bb_raw(bb_t *bb, const void *p, size_t n)
{
    memcpy(bb->b + bb->n, p, n);
    bb->n += n;
}

static void bb_str(bb_t *bb, const char *s)
{
    bb_long(bb, (int64_t)strlen(s));
    bb_raw(bb, s, strlen(s));
}

static void bb_double(bb_t *bb, double d)
{
    uint64_t u;
    memcpy(&u, &d, 8);
    for (int i = 0; i < 8; i++)
        bb_byte(bb, (uint8_t)(u >> (8 * i)));
}

static void bb_float(bb_t *bb, float f)
{
    uint32_t u;
    memcpy(&u, &f, 4);
    for (int i = 0; i < 4; i++)
        bb_byte(bb, (uint8_t)(u >> (8 * i)));
}

int main(int argc, char **argv)
{
    char err[256];
    eddy_codec_t *c;
    const void *out;
    size_t len;
    static eddy_obs_t o;
    static eddy_fv_t f;
    static eddy_pred_t p;
    static bb_t bb;

    if (argc != 2) {
        fprintf(stderr, "usage: %s DIR\n", argv[0]);
        return 2;
    }
    dir = argv[1];
    if (!(c = eddy_codec_new(err, sizeof(err)))) {
        fprintf(stderr, "%s\n", err);
        return 1;
    }

    snprintf(o.series_id, sizeof(o.series_id), "airpassengers");
    o.seq = 0;
    o.event_time_ms = -662688000000LL;
    snprintf(o.input, sizeof(o.input), "1949-01");
    o.value = 112.0;
    o.produced_at_us = 1700000000123456LL;
    eddy_codec_encode_obs(c, &o, &out, &len);
    put("obs-airpassengers", out, len);
    memset(o.series_id, 's', EDDY_SERIES_ID_MAX);
    memset(o.input, 'i', EDDY_INPUT_MAX);
    o.value = -0.0;
    eddy_codec_encode_obs(c, &o, &out, &len);
    put("obs-max-strings", out, len);

    static const int lags[] = {0, 1, 15};
    for (size_t k = 0; k < sizeof(lags) / sizeof(lags[0]); k++) {
        char name[32];
        memset(&f, 0, sizeof(f));
        snprintf(f.series_id, sizeof(f.series_id), "airpassengers");
        f.seq = 20;
        f.event_time_ms = -662688000000LL;
        f.target = 126.0;
        f.n_lags = lags[k];
        f.available_lags = lags[k];
        for (int i = 0; i < f.n_lags; i++)
            f.lags[i] = 100.0 + i;
        eddy_codec_encode_fv(c, &f, &out, &len);
        snprintf(name, sizeof(name), "fv-%d-lags", lags[k]);
        put(name, out, len);
    }

    memset(&p, 0, sizeof(p));
    snprintf(p.series_id, sizeof(p.series_id), "airpassengers");
    snprintf(p.model, sizeof(p.model), "linear");
    p.seq = 5;
    p.model_version = 5;
    p.prediction = 118.5;
    p.target = 121.0;
    p.n_forecast = 12;
    for (int i = 0; i < p.n_forecast; i++)
        p.forecast[i] = 120.0 + i;
    p.predicted_at_us = 1700000000999999LL;
    eddy_codec_encode_pred(c, &p, &out, &len);
    put("pred-12-forecast", out, len);
    p.n_forecast = 0;
    p.prediction = NAN;
    eddy_codec_encode_pred(c, &p, &out, &len);
    put("pred-nan-prediction", out, len);

    /* features with a negative block count (and its byte size) */
    bb_frame(&bb, EDDY_SCHEMA_ID_FEATURES);
    bb_str(&bb, "blocks");
    bb_long(&bb, 7);
    bb_long(&bb, 0);
    bb_long(&bb, 0);
    bb_double(&bb, 1.5);
    bb_long(&bb, -2);
    bb_long(&bb, 16);
    bb_double(&bb, 1.0);
    bb_double(&bb, 2.0);
    bb_long(&bb, 0);
    bb_long(&bb, 2);
    put("fv-negative-block", bb.b, bb.n);

    /* observation v2 (id 100): one more string at the end */
    bb_frame(&bb, 100);
    bb_str(&bb, "s");
    bb_long(&bb, 1);
    bb_long(&bb, 2);
    bb_str(&bb, "1949-02");
    bb_double(&bb, 118.0);
    bb_long(&bb, 3);
    bb_str(&bb, "passengers");
    put("obs-v2-id100", bb.b, bb.n);

    /* observation reordered (id 101) */
    bb_frame(&bb, 101);
    bb_double(&bb, 118.0);
    bb_str(&bb, "1949-02");
    bb_long(&bb, 1);
    bb_str(&bb, "s");
    bb_long(&bb, 2);
    put("obs-reordered-id101", bb.b, bb.n);

    /* every Avro type (id 110) */
    bb_frame(&bb, 110);
    bb_str(&bb, "s");
    bb_byte(&bb, 1);
    bb_float(&bb, 2.5f);
    bb_str(&bb, "raw");
    bb_raw(&bb, "FIX4", 4);
    bb_long(&bb, 2);
    bb_long(&bb, 2);
    bb_str(&bb, "union");
    bb_long(&bb, 1);
    bb_str(&bb, "k");
    bb_long(&bb, 5);
    bb_long(&bb, 0);
    bb_long(&bb, 1);
    bb_long(&bb, 1);
    bb_long(&bb, 2);
    bb_long(&bb, 0);
    bb_long(&bb, 3);
    put("obs-all-types-id110", bb.b, bb.n);

    /* features with float lags (id 120) */
    bb_frame(&bb, 120);
    bb_str(&bb, "s");
    bb_float(&bb, 1.0f);
    bb_long(&bb, 2);
    bb_float(&bb, 3.0f);
    bb_float(&bb, 4.0f);
    bb_long(&bb, 0);
    bb_long(&bb, 2);
    put("fv-float-lags-id120", bb.b, bb.n);

    /* prediction with a map forecast (id 130) */
    bb_frame(&bb, 130);
    bb_str(&bb, "linear");
    bb_double(&bb, 1.0);
    bb_long(&bb, 1);
    bb_str(&bb, "k");
    bb_long(&bb, 1);
    bb_double(&bb, 2.0);
    bb_long(&bb, 0);
    bb_long(&bb, 0);
    bb_str(&bb, "s");
    put("pred-map-id130", bb.b, bb.n);

    eddy_codec_destroy(c);
    return 0;
}
