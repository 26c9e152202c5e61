/* gen_corpus.c: writes the fuzz_codec seed corpus (valid framed records of
 * every type and writer the fuzz target knows, the older built-in writers
 * too) into the directory given.
 * Usage: eddy_fuzz_gen_corpus tests/fuzz/corpus/fuzz_codec
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "avro_bytes.h"
#include "codec/codec.h"
#include "samples.h"

/* Records of the evolved writers fuzz_codec.c adds (under these ids), as
 * specs of avro_bytes.h. */
static const struct {
    const char *name;
    int32_t id;
    const char *spec;
} handmade[] = {
    /* features with a negative block count (and its byte size) */
    {"fv-negative-block", EDDY_SCHEMA_ID_FEATURES,
     "sblocks l7 l0 l0 d1.5 l-2 l16 d1 d2 l0 l2"},
    /* observation v2: one more string at the end */
    {"obs-v2-id100", 100, "ss l1 l2 s1949-02 d118 l3 spassengers"},
    {"obs-reordered-id101", 101, "d118 s1949-02 l1 ss l2"},
    /* every Avro type */
    {"obs-all-types-id110", 110,
     "ss x01 f2.5 sraw rFIX4 l2 l2 sunion l1 sk l5 l0 l1 l1 l2 l0 l3"},
    {"fv-float-lags-id120", 120, "ss f1 l2 f3 f4 l0 l2"},
    /* a map where the forecast would be */
    {"pred-map-id130", 130, "slinear d1 l1 sk l1 d2 l0 l0 ss"},
};

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

/* Encodes REC of TYPE and writes it as NAME. */
static void put_record(eddy_codec_t *c, eddy_rec_type_t type, const void *rec,
                       const char *name)
{
    const void *out;
    size_t len;

    if (eddy_codec_encode(c, type, rec, &out, &len)) {
        fprintf(stderr, "%s: does not encode\n", name);
        exit(1);
    }
    put(name, out, len);
}

int main(int argc, char **argv)
{
    static const int sizes[] = {0, 1, 15, EDDY_LAGS_MAX};
    static eddy_any_record_t rec;
    static bb_t bb;
    char err[256], name[64];
    eddy_codec_t *c;

    if (argc != 2) {
        fprintf(stderr, "usage: %s DIR\n", argv[0]);
        return 2;
    }
    dir = argv[1];
    if (!(c = eddy_codec_new(err, sizeof(err)))) {
        fprintf(stderr, "%s\n", err);
        return 1;
    }
    /* every type from its table: empty, small, and all at their bounds */
    for (int t = 0; t < EDDY_REC__COUNT; t++)
        for (size_t k = 0; k < sizeof(sizes) / sizeof(sizes[0]); k++) {
            sample_record((eddy_rec_type_t)t, sizes[k], &rec);
            snprintf(name, sizeof(name), "%s-%d",
                     eddy_rec_type_name((eddy_rec_type_t)t), sizes[k]);
            put_record(c, (eddy_rec_type_t)t, &rec, name);
        }
    /* Predictions as builds before `fallback` wrote them: the older built-in
     * writer (id 3), which the codec writes when asked for its id */
    if (eddy_codec_set_id(c, EDDY_REC_PREDICTION, EDDY_SCHEMA_ID_PREDICTION_V1)) {
        fprintf(stderr, "no built-in writer %d\n", EDDY_SCHEMA_ID_PREDICTION_V1);
        return 1;
    }
    for (size_t k = 0; k < sizeof(sizes) / sizeof(sizes[0]); k++) {
        sample_record(EDDY_REC_PREDICTION, sizes[k], &rec);
        snprintf(name, sizeof(name), "prediction-v1-id%d-%d",
                 EDDY_SCHEMA_ID_PREDICTION_V1, sizes[k]);
        put_record(c, EDDY_REC_PREDICTION, &rec, name);
    }
    eddy_codec_set_id(c, EDDY_REC_PREDICTION, EDDY_SCHEMA_ID_PREDICTION);
    /* a NaN prediction is valid (only the target must be finite) */
    sample_pred(&rec.pred, 12);
    rec.pred.prediction = NAN;
    put_record(c, EDDY_REC_PREDICTION, &rec, "pred-nan-prediction");

    for (size_t i = 0; i < sizeof(handmade) / sizeof(handmade[0]); i++) {
        bb_record(&bb, handmade[i].id, "%s", handmade[i].spec);
        put(handmade[i].name, bb.b, bb.n);
    }
    eddy_codec_destroy(c);
    return 0;
}
