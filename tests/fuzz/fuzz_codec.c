/* fuzz_codec.c: libFuzzer target for the codec's decode boundary.
 *
 * Every input is decoded as an Observation, a FeatureVector and a Prediction
 * (the schema id in bytes 1-4 picks the writer; the fuzzer learns the ids
 * from the seed corpus). Besides the built-in writers the codec knows a few
 * evolved ones, including a schema using every Avro type, so the walk that
 * guards avro-c sees unions, maps, enums, fixed, bytes, booleans and a
 * recursive record. Invariants checked:
 *   - an error always comes with a non-empty message;
 *   - whatever decodes satisfies the record bounds, re-encodes, decodes again
 *     to the identical struct (bit for bit), and re-encodes to identical bytes.
 */
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codec/codec.h"
#include "fuzz_common.h"

static const char *const extra_writers[][2] = {
    /* observation v2: one field added at the end */
    {"100", "{\"type\":\"record\",\"name\":\"Observation\",\"fields\":["
            "{\"name\":\"series_id\",\"type\":\"string\"},{\"name\":\"seq\",\"type\":"
            "\"long\"},"
            "{\"name\":\"event_time\",\"type\":\"long\"},{\"name\":\"input\",\"type\":"
            "\"string\"},"
            "{\"name\":\"value\",\"type\":\"double\"},{\"name\":\"produced_at\","
            "\"type\":\"long\"},"
            "{\"name\":\"unit\",\"type\":\"string\",\"default\":\"\"}]}"},
    /* observation, fields reordered, seq as int */
    {"101",
     "{\"type\":\"record\",\"name\":\"Observation\",\"fields\":["
     "{\"name\":\"value\",\"type\":\"double\"},{\"name\":\"input\",\"type\":\"string\"}"
     ","
     "{\"name\":\"seq\",\"type\":\"int\"},{\"name\":\"series_id\",\"type\":\"string\"},"
     "{\"name\":\"event_time\",\"type\":\"long\"}]}"},
    /* every Avro type, a recursive record included */
    {"110",
     "{\"type\":\"record\",\"name\":\"Observation\",\"fields\":["
     "{\"name\":\"series_id\",\"type\":\"string\"},"
     "{\"name\":\"flag\",\"type\":\"boolean\"},"
     "{\"name\":\"value\",\"type\":\"float\"},"
     "{\"name\":\"raw\",\"type\":\"bytes\"},"
     "{\"name\":\"fx\",\"type\":{\"type\":\"fixed\",\"name\":\"F4\",\"size\":4}},"
     "{\"name\":\"e\",\"type\":{\"type\":\"enum\",\"name\":\"E\",\"symbols\":[\"A\","
     "\"B\",\"C\"]}},"
     "{\"name\":\"u\",\"type\":[\"null\",\"int\",\"string\",\"double\"]},"
     "{\"name\":\"m\",\"type\":{\"type\":\"map\",\"values\":\"long\"}},"
     "{\"name\":\"list\",\"type\":{\"type\":\"record\",\"name\":\"Node\",\"fields\":["
     "{\"name\":\"v\",\"type\":\"int\"},{\"name\":\"next\",\"type\":[\"null\",\"Node\"]"
     "}]}},"
     "{\"name\":\"seq\",\"type\":\"int\"}]}"},
    /* features with float lags and a long available_lags */
    {"120", "{\"type\":\"record\",\"name\":\"FeatureVector\",\"fields\":["
            "{\"name\":\"series_id\",\"type\":\"string\"},{\"name\":\"target\","
            "\"type\":\"float\"},"
            "{\"name\":\"lags\",\"type\":{\"type\":\"array\",\"items\":\"float\"}},"
            "{\"name\":\"available_lags\",\"type\":\"long\"}]}"},
    /* features with string lags: must be refused, never crash */
    {"121", "{\"type\":\"record\",\"name\":\"FeatureVector\",\"fields\":["
            "{\"name\":\"series_id\",\"type\":\"string\"},"
            "{\"name\":\"lags\",\"type\":{\"type\":\"array\",\"items\":\"string\"}}]}"},
    /* prediction with a map of arrays where the forecast would be */
    {"130", "{\"type\":\"record\",\"name\":\"Prediction\",\"fields\":["
            "{\"name\":\"model\",\"type\":\"string\"},{\"name\":\"target\",\"type\":"
            "\"double\"},"
            "{\"name\":\"forecast\",\"type\":{\"type\":\"map\",\"values\":"
            "{\"type\":\"array\",\"items\":\"double\"}}},"
            "{\"name\":\"series_id\",\"type\":\"string\"}]}"},
};

static const eddy_rec_type_t extra_types[] = {
    EDDY_REC_OBSERVATION, EDDY_REC_OBSERVATION, EDDY_REC_OBSERVATION,
    EDDY_REC_FEATURES,    EDDY_REC_FEATURES,    EDDY_REC_PREDICTION};

static eddy_codec_t *codec;
static int verbose; /* EDDY_FUZZ_VERBOSE=1: print each decode's outcome */

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void codec_free(void)
{
    eddy_codec_destroy(codec);
    codec = NULL;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    char err[512];

    (void)argc;
    (void)argv;
    verbose = getenv("EDDY_FUZZ_VERBOSE") != NULL;
    if (!(codec = eddy_codec_new(err, sizeof(err)))) {
        fprintf(stderr, "eddy_codec_new: %s\n", err);
        abort();
    }
    for (size_t i = 0; i < sizeof(extra_types) / sizeof(extra_types[0]); i++)
        if (eddy_codec_add_writer(codec, extra_types[i], atoi(extra_writers[i][0]),
                                  extra_writers[i][1], err, sizeof(err))) {
            fprintf(stderr, "add_writer %s: %s\n", extra_writers[i][0], err);
            abort();
        }
    atexit(codec_free);
    return 0;
}

static void check_error(eddy_codec_err_t rc, const char *err)
{
    FUZZ_CHECK(rc > EDDY_CODEC_OK && rc < EDDY_CODEC_ERR__COUNT, "rc %d", (int)rc);
    FUZZ_CHECK(err[0] != '\0', "error %s without a message", eddy_codec_err_name(rc));
    FUZZ_CHECK(strlen(err) < 512, "unterminated message");
    if (verbose)
        fprintf(stderr, "  %s: %s\n", eddy_codec_err_name(rc), err);
}

/* Copies the codec's output: the next encode reuses its buffer. */
static size_t take(const void *out, size_t len, uint8_t **copy)
{
    *copy = malloc(len);
    FUZZ_CHECK(*copy != NULL, "oom");
    memcpy(*copy, out, len);
    return len;
}

static void same_obs(const eddy_obs_t *a, const eddy_obs_t *b)
{
    FUZZ_CHECK(!strcmp(a->series_id, b->series_id) && a->seq == b->seq &&
                   a->event_time_ms == b->event_time_ms &&
                   !strcmp(a->input, b->input) && fuzz_same_bits(a->value, b->value) &&
                   a->produced_at_us == b->produced_at_us,
               "observation round trip differs");
}

static void fuzz_obs(const uint8_t *data, size_t size)
{
    static eddy_obs_t a, b;
    char err[512] = "";
    const void *out;
    size_t len, len2;
    uint8_t *enc;

    eddy_codec_err_t rc =
        eddy_codec_decode_obs(codec, data, size, &a, err, sizeof(err));
    if (rc) {
        check_error(rc, err);
        return;
    }
    FUZZ_CHECK(strlen(a.series_id) <= EDDY_SERIES_ID_MAX, "series_id");
    FUZZ_CHECK(strlen(a.input) <= EDDY_INPUT_MAX, "input");
    FUZZ_CHECK(isfinite(a.value), "value %g", a.value);
    FUZZ_CHECK(eddy_codec_encode_obs(codec, &a, &out, &len) == EDDY_CODEC_OK, "encode");
    len = take(out, len, &enc);
    rc = eddy_codec_decode_obs(codec, enc, len, &b, err, sizeof(err));
    FUZZ_CHECK(rc == EDDY_CODEC_OK, "re-decode: %s", err);
    same_obs(&a, &b);
    if (verbose)
        fprintf(stderr, "  ok: decoded as obs\n");
    FUZZ_CHECK(eddy_codec_encode_obs(codec, &b, &out, &len2) == EDDY_CODEC_OK,
               "encode");
    FUZZ_CHECK(len2 == len && !memcmp(out, enc, len), "re-encode differs");
    free(enc);
}

static void same_fv(const eddy_fv_t *a, const eddy_fv_t *b)
{
    FUZZ_CHECK(!strcmp(a->series_id, b->series_id) && a->seq == b->seq &&
                   a->event_time_ms == b->event_time_ms &&
                   a->produced_at_us == b->produced_at_us &&
                   fuzz_same_bits(a->target, b->target) && a->n_lags == b->n_lags &&
                   a->available_lags == b->available_lags,
               "features round trip differs");
    for (int i = 0; i < a->n_lags; i++)
        FUZZ_CHECK(fuzz_same_bits(a->lags[i], b->lags[i]), "lag %d differs", i);
}

static void fuzz_fv(const uint8_t *data, size_t size)
{
    static eddy_fv_t a, b;
    char err[512] = "";
    const void *out;
    size_t len, len2;
    uint8_t *enc;

    eddy_codec_err_t rc = eddy_codec_decode_fv(codec, data, size, &a, err, sizeof(err));
    if (rc) {
        check_error(rc, err);
        return;
    }
    FUZZ_CHECK(strlen(a.series_id) <= EDDY_SERIES_ID_MAX, "series_id");
    FUZZ_CHECK(a.n_lags >= 0 && a.n_lags <= EDDY_LAGS_MAX, "n_lags %d", a.n_lags);
    FUZZ_CHECK(a.available_lags >= 0 && a.available_lags <= a.n_lags, "available");
    FUZZ_CHECK(isfinite(a.target), "target");
    for (int i = 0; i < a.n_lags; i++)
        FUZZ_CHECK(isfinite(a.lags[i]), "lag %d", i);
    FUZZ_CHECK(eddy_codec_encode_fv(codec, &a, &out, &len) == EDDY_CODEC_OK, "encode");
    len = take(out, len, &enc);
    rc = eddy_codec_decode_fv(codec, enc, len, &b, err, sizeof(err));
    FUZZ_CHECK(rc == EDDY_CODEC_OK, "re-decode: %s", err);
    same_fv(&a, &b);
    if (verbose)
        fprintf(stderr, "  ok: decoded as fv\n");
    FUZZ_CHECK(eddy_codec_encode_fv(codec, &b, &out, &len2) == EDDY_CODEC_OK, "encode");
    FUZZ_CHECK(len2 == len && !memcmp(out, enc, len), "re-encode differs");
    free(enc);
}

static void same_pred(const eddy_pred_t *a, const eddy_pred_t *b)
{
    FUZZ_CHECK(
        !strcmp(a->series_id, b->series_id) && a->seq == b->seq &&
            a->event_time_ms == b->event_time_ms &&
            a->produced_at_us == b->produced_at_us && !strcmp(a->model, b->model) &&
            a->model_version == b->model_version &&
            fuzz_same_bits(a->prediction, b->prediction) &&
            fuzz_same_bits(a->target, b->target) && a->n_forecast == b->n_forecast &&
            a->predicted_at_us == b->predicted_at_us,
        "prediction round trip differs");
    for (int i = 0; i < a->n_forecast; i++)
        FUZZ_CHECK(fuzz_same_bits(a->forecast[i], b->forecast[i]), "forecast %d", i);
}

static void fuzz_pred(const uint8_t *data, size_t size)
{
    static eddy_pred_t a, b;
    char err[512] = "";
    const void *out;
    size_t len, len2;
    uint8_t *enc;

    eddy_codec_err_t rc =
        eddy_codec_decode_pred(codec, data, size, &a, err, sizeof(err));
    if (rc) {
        check_error(rc, err);
        return;
    }
    FUZZ_CHECK(strlen(a.series_id) <= EDDY_SERIES_ID_MAX, "series_id");
    FUZZ_CHECK(strlen(a.model) <= EDDY_MODEL_NAME_MAX, "model");
    FUZZ_CHECK(a.n_forecast >= 0 && a.n_forecast <= EDDY_FORECAST_MAX, "n_forecast");
    FUZZ_CHECK(eddy_codec_encode_pred(codec, &a, &out, &len) == EDDY_CODEC_OK,
               "encode");
    len = take(out, len, &enc);
    rc = eddy_codec_decode_pred(codec, enc, len, &b, err, sizeof(err));
    FUZZ_CHECK(rc == EDDY_CODEC_OK, "re-decode: %s", err);
    same_pred(&a, &b);
    if (verbose)
        fprintf(stderr, "  ok: decoded as pred\n");
    FUZZ_CHECK(eddy_codec_encode_pred(codec, &b, &out, &len2) == EDDY_CODEC_OK,
               "encode");
    FUZZ_CHECK(len2 == len && !memcmp(out, enc, len), "re-encode differs");
    free(enc);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* An exact-size heap copy, so ASan sees any read past the end. */
    uint8_t *buf = malloc(size ? size : 1);
    int32_t id;

    if (!buf)
        return 0;
    memcpy(buf, data, size);
    if (eddy_codec_peek_id(buf, size, &id) == EDDY_CODEC_OK)
        (void)eddy_codec_type_of(codec, id);
    fuzz_obs(buf, size);
    fuzz_fv(buf, size);
    fuzz_pred(buf, size);
    free(buf);
    return 0;
}
