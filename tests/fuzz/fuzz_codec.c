/* fuzz_codec.c: libFuzzer target for the codec's decode boundary.
 *
 * Every input is decoded as an Observation, a FeatureVector and a Prediction
 * (the schema id in bytes 1-4 picks the writer; the fuzzer learns the ids
 * from the seed corpus). Besides the built-in writers the codec knows a few
 * evolved ones, including a schema using every Avro type, so the walk that
 * guards avro-c sees unions, maps, enums, fixed, bytes, booleans and a
 * recursive record. Invariants checked:
 *   - an error always comes with a non-empty message;
 *   - whatever decodes satisfies the record bounds and invariants (checked
 *     through the record tables), re-encodes, decodes again to the identical
 *     struct (bit for bit), and re-encodes to identical bytes.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codec/codec.h"
#include "fuzz_common.h"
#include "samples.h"

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

/* Decodes DATA as TYPE; whatever decodes must keep the record's promises
 * and survive encode, decode, encode unchanged. */
static void fuzz_type(eddy_rec_type_t type, const uint8_t *data, size_t size)
{
    static eddy_any_record_t a, b;
    char err[512] = "", what[512] = "";
    const void *out;
    size_t len, len2;
    uint8_t *enc;

    eddy_codec_err_t rc =
        eddy_codec_decode(codec, type, data, size, &a, err, sizeof(err));
    if (rc) {
        check_error(rc, err);
        return;
    }
    FUZZ_CHECK(record_check(type, &a, what, sizeof(what)) == 0, "%s", what);
    FUZZ_CHECK(eddy_codec_encode(codec, type, &a, &out, &len) == EDDY_CODEC_OK,
               "encode");
    len = take(out, len, &enc);
    rc = eddy_codec_decode(codec, type, enc, len, &b, err, sizeof(err));
    FUZZ_CHECK(rc == EDDY_CODEC_OK, "re-decode: %s", err);
    FUZZ_CHECK(record_diff(type, &a, &b, what, sizeof(what)) == 0, "round trip: %s",
               what);
    if (verbose)
        fprintf(stderr, "  ok: decoded as %s\n", eddy_rec_type_name(type));
    FUZZ_CHECK(eddy_codec_encode(codec, type, &b, &out, &len2) == EDDY_CODEC_OK,
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
    for (int t = 0; t < EDDY_REC__COUNT; t++)
        fuzz_type((eddy_rec_type_t)t, buf, size);
    free(buf);
    return 0;
}
