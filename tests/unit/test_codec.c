/* test_codec.c: the Confluent-framed Avro codec (lib/codec/codec.h) —
 * bit-exact round trips, every framing and decoding error for crafted input
 * (each with a message), truncation at every length, and decoding records
 * written with evolved writer schemas by field name.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <avro.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "avro_bytes.h"
#include "codec/codec.h"
#include "samples.h"

#define ET_1949_01 (-662688000000LL)

/* ---- helpers */

static eddy_codec_t *codec_new(void)
{
    char err[256] = "";
    eddy_codec_t *c = eddy_codec_new(err, sizeof(err));
    if (!c)
        fail_msg("eddy_codec_new: %s", err);
    return c;
}

static int setup(void **state)
{
    *state = codec_new();
    return 0;
}

static int teardown(void **state)
{
    eddy_codec_destroy(*state);
    return 0;
}

/* The message of the last error decode_as saw. */
static char last_err[512];

/* Decodes BUF as TYPE into static storage; asserts the error/errstr contract:
 * OK leaves errstr alone, any error fills a non-empty message (kept in
 * last_err). */
static eddy_codec_err_t decode_as(eddy_codec_t *c, eddy_rec_type_t type,
                                  const void *buf, size_t len)
{
    static eddy_any_record_t rec;
    eddy_codec_err_t rc;

    last_err[0] = '\0';
    rc = eddy_codec_decode(c, type, buf, len, &rec, last_err, sizeof(last_err));
    if (rc != EDDY_CODEC_OK && last_err[0] == '\0')
        fail_msg("error %s (type %s, %zu bytes) left errstr empty",
                 eddy_codec_err_name(rc), eddy_rec_type_name(type), len);
    return rc;
}

static void fill_string(char *dst, size_t n, char c)
{
    memset(dst, c, n);
    dst[n] = '\0';
}

/* Asserts that A and B, records of TYPE, are equal (doubles bit for bit). */
static void assert_same(eddy_rec_type_t type, const void *a, const void *b)
{
    char what[128];
    if (record_diff(type, a, b, what, sizeof(what)))
        fail_msg("%s", what);
}

/* Encodes REC of TYPE into DST (a copy: the codec reuses its buffer). */
static size_t encode_rec(eddy_codec_t *c, eddy_rec_type_t type, const void *rec,
                         uint8_t *dst, size_t cap)
{
    const void *out;
    size_t len;

    assert_int_equal(eddy_codec_encode(c, type, rec, &out, &len), EDDY_CODEC_OK);
    assert_true(len <= cap);
    memcpy(dst, out, len);
    return len;
}

/* Encodes REC of TYPE and decodes it again (decode_as). */
static eddy_codec_err_t reencode(eddy_codec_t *c, eddy_rec_type_t type, const void *rec)
{
    static uint8_t buf[65536];
    size_t len = encode_rec(c, type, rec, buf, sizeof(buf));
    return decode_as(c, type, buf, len);
}

/* A FeatureVector (seq 7, target 1.5) up to its lags, then REST: the lags
 * and available_lags as a spec of avro_bytes.h. */
static void bb_fv(bb_t *bb, const char *series, const char *rest)
{
    bb_record(bb, EDDY_SCHEMA_ID_FEATURES, "s%s l7 l%lld l99 d1.5 %s", series,
              (long long)ET_1949_01, rest);
}

/* A crafted record and the error it must give. */
typedef struct {
    eddy_rec_type_t type;
    const char *spec; /* after the frame of TYPE's built-in id */
    eddy_codec_err_t err;
} crafted_t;

static void check_crafted(eddy_codec_t *c, const crafted_t *cases, size_t n)
{
    static bb_t bb;

    for (size_t i = 0; i < n; i++) {
        const eddy_record_desc_t *d = eddy_record_desc(cases[i].type);
        if (d->type == EDDY_REC_FEATURES)
            bb_fv(&bb, "x", cases[i].spec);
        else
            bb_record(&bb, d->builtin_id, "%s", cases[i].spec);
        if (decode_as(c, d->type, bb.b, bb.n) != cases[i].err)
            fail_msg("%s '%s': not %s", d->type_name, cases[i].spec,
                     eddy_codec_err_name(cases[i].err));
    }
}

/* ---- every record type through its table */

/* The largest bound of any string or array: samples up to it fill them all. */
static int largest_bound(void)
{
    int max = 0;
    for (int t = 0; t < EDDY_REC__COUNT; t++)
        for (int i = 0; i < eddy_record_desc((eddy_rec_type_t)t)->n_fields; i++)
            if (eddy_record_desc((eddy_rec_type_t)t)->fields[i].bound > max)
                max = eddy_record_desc((eddy_rec_type_t)t)->fields[i].bound;
    return max;
}

/* Samples of every size, from empty strings and arrays to all at their
 * bounds, with the extremes of every number (-0.0, subnormals, INT64_MIN),
 * decode to themselves, twice over garbage (the codec's reused Avro value
 * must not keep the previous record's items). */
static void test_roundtrip(void **state)
{
    eddy_codec_t *c = *state;
    static uint8_t buf[65536];
    static eddy_any_record_t rec, back;
    char err[256] = "";

    for (int t = 0; t < EDDY_REC__COUNT; t++)
        for (int n = 0; n <= largest_bound(); n++) {
            eddy_rec_type_t type = (eddy_rec_type_t)t;
            sample_record(type, n, &rec);
            size_t len = encode_rec(c, type, &rec, buf, sizeof(buf));
            assert_int_equal(buf[0], 0);
            assert_int_equal(buf[4], eddy_record_desc(type)->builtin_id);
            for (int again = 0; again < 2; again++) {
                memset(&back, 0x5a + again, sizeof(back));
                assert_int_equal(
                    eddy_codec_decode(c, type, buf, len, &back, err, sizeof(err)),
                    EDDY_CODEC_OK);
                assert_same(type, &rec, &back);
            }
        }
}

/* An array count past its bound, or negative, refuses to encode. */
static void test_encode_bounds(void **state)
{
    static eddy_any_record_t rec;
    const void *out;
    size_t len;

    for (int t = 0; t < EDDY_REC__COUNT; t++) {
        const eddy_record_desc_t *d = eddy_record_desc((eddy_rec_type_t)t);
        for (int i = 0; i < d->n_fields; i++) {
            const eddy_field_t *f = &d->fields[i];
            if (!eddy_field_is_array(f->kind))
                continue;
            sample_record(d->type, 1, &rec);
            *eddy_field_count(f, &rec) = f->bound + 1;
            assert_int_equal(eddy_codec_encode(*state, d->type, &rec, &out, &len),
                             EDDY_CODEC_ERR_ENCODE);
            *eddy_field_count(f, &rec) = -1;
            assert_int_equal(eddy_codec_encode(*state, d->type, &rec, &out, &len),
                             EDDY_CODEC_ERR_ENCODE);
        }
    }
    assert_int_equal(eddy_codec_encode(*state, EDDY_REC__COUNT, &rec, &out, &len),
                     EDDY_CODEC_ERR_ENCODE);
}

/* The kind a table line must have for a schema field's Avro TYPE; -1 for
 * a type no table kind maps to. */
static int kind_of_avro(const json_t *type)
{
    const char *t =
        json_string_value(json_is_object(type) ? json_object_get(type, "type") : type);

    if (!t)
        return -1;
    if (!strcmp(t, "array"))
        switch (kind_of_avro(json_object_get(type, "items"))) {
        case EDDY_FIELD_DOUBLE:
            return EDDY_FIELD_DOUBLES;
        case EDDY_FIELD_LONG:
            return EDDY_FIELD_LONGS;
        default:
            return -1;
        }
    return !strcmp(t, "string")   ? EDDY_FIELD_STRING
           : !strcmp(t, "long")   ? EDDY_FIELD_LONG
           : !strcmp(t, "int")    ? EDDY_FIELD_INT
           : !strcmp(t, "double") ? EDDY_FIELD_DOUBLE
                                  : -1;
}

/* The schema field of FIELDS named NAME, or NULL. */
static json_t *schema_field(json_t *fields, const char *name)
{
    size_t i;
    json_t *f;

    json_array_foreach(
        fields, i,
        f) if (!strcmp(json_string_value(json_object_get(f, "name")), name)) return f;
    return NULL;
}

/* The tables of codec/records.h and schemas/<name>.avsc cannot drift: each
 * table line is a field of the compiled-in schema with a matching Avro type,
 * and each schema field has its line. */
static void test_tables_match_schemas(void **state)
{
    (void)state;
    for (int t = 0; t < EDDY_REC__COUNT; t++) {
        const eddy_record_desc_t *d = eddy_record_desc((eddy_rec_type_t)t);
        json_t *root = json_loads(eddy_codec_schema_json(d->type), 0, NULL);
        json_t *fields = json_object_get(root, "fields"), *sf;
        size_t k;

        assert_non_null(root);
        assert_string_equal(json_string_value(json_object_get(root, "name")),
                            d->avro_name);
        for (int i = 0; i < d->n_fields; i++) {
            const eddy_field_t *f = &d->fields[i];
            int kind = f->kind == EDDY_FIELD_FINITE ? EDDY_FIELD_DOUBLE : (int)f->kind;
            if (!(sf = schema_field(fields, f->name)))
                fail_msg("%s: table field %s is not in the schema", d->avro_name,
                         f->name);
            if (kind_of_avro(json_object_get(sf, "type")) != kind)
                fail_msg("%s: field %s: the table's kind does not match the schema's "
                         "type",
                         d->avro_name, f->name);
        }
        json_array_foreach(fields, k, sf)
        {
            const char *name = json_string_value(json_object_get(sf, "name"));
            int found = 0;
            for (int i = 0; i < d->n_fields; i++)
                found |= !strcmp(d->fields[i].name, name);
            if (!found)
                fail_msg("%s: schema field %s has no table line", d->avro_name, name);
        }
        json_decref(root);
    }
}

/* The crafted-record builder matches the encoder byte for byte (so the
 * crafted error cases below are one mutation away from a valid record). */
static void test_builder_matches_encoder(void **state)
{
    eddy_codec_t *c = *state;
    static uint8_t buf[4096];
    static bb_t bb;
    eddy_fv_t f;

    sample_fv(&f, 2);
    snprintf(f.series_id, sizeof(f.series_id), "x");
    f.seq = 7;
    f.produced_at_us = 99;
    f.target = 1.5;
    f.lags[0] = 3.0;
    f.lags[1] = -4.0;
    f.available_lags = 2;
    size_t len = encode_rec(c, EDDY_REC_FEATURES, &f, buf, sizeof(buf));
    bb_fv(&bb, "x", "l2 d3 d-4 l0 l2");
    assert_int_equal(bb.n, len);
    assert_memory_equal(bb.b, buf, len);
}

static void test_set_id_and_peek(void **state)
{
    eddy_codec_t *c = *state;
    static uint8_t buf[4096];
    eddy_obs_t o, d;
    char err[256] = "";
    int32_t id = 0;

    assert_int_equal(eddy_codec_type_of(c, EDDY_SCHEMA_ID_OBSERVATION),
                     EDDY_REC_OBSERVATION);
    assert_int_equal(eddy_codec_type_of(c, EDDY_SCHEMA_ID_FEATURES), EDDY_REC_FEATURES);
    assert_int_equal(eddy_codec_type_of(c, EDDY_SCHEMA_ID_PREDICTION),
                     EDDY_REC_PREDICTION);
    assert_int_equal(eddy_codec_type_of(c, 77), -1);

    assert_int_equal(eddy_codec_set_id(c, EDDY_REC_OBSERVATION, 0x01020304), 0);
    sample_obs(&o);
    size_t len = encode_rec(c, EDDY_REC_OBSERVATION, &o, buf, sizeof(buf));
    assert_int_equal(eddy_codec_peek_id(buf, len, &id), EDDY_CODEC_OK);
    assert_int_equal(id, 0x01020304);
    assert_memory_equal(buf, "\x00\x01\x02\x03\x04", 5);
    assert_int_equal(eddy_codec_decode_obs(c, buf, len, &d, err, sizeof(err)),
                     EDDY_CODEC_OK);
    assert_same(EDDY_REC_OBSERVATION, &o, &d);
    /* an id already used by another type cannot be taken */
    assert_int_equal(eddy_codec_set_id(c, EDDY_REC_FEATURES, 0x01020304), -1);
    /* the built-in id is still accepted on decode */
    buf[1] = buf[2] = buf[3] = 0;
    buf[4] = EDDY_SCHEMA_ID_OBSERVATION;
    assert_int_equal(eddy_codec_decode_obs(c, buf, len, &d, err, sizeof(err)),
                     EDDY_CODEC_OK);

    assert_int_equal(eddy_codec_peek_id(buf, 0, &id), EDDY_CODEC_ERR_EMPTY);
    assert_int_equal(eddy_codec_peek_id(NULL, 5, &id), EDDY_CODEC_ERR_EMPTY);
    assert_int_equal(eddy_codec_peek_id(buf, 4, &id), EDDY_CODEC_ERR_SHORT_FRAME);
    assert_string_equal(eddy_codec_err_name(EDDY_CODEC_ERR_SHORT_FRAME), "short_frame");
    assert_string_equal(eddy_codec_err_name(EDDY_CODEC_ERR__COUNT), "unknown");
    assert_string_equal(eddy_codec_err_name((eddy_codec_err_t)-1), "unknown");
    assert_non_null(
        strstr(eddy_codec_schema_json(EDDY_REC_FEATURES), "available_lags"));
    assert_null(eddy_codec_schema_json(EDDY_REC__COUNT));
}

/* ---- framing errors */

static void test_framing_errors(void **state)
{
    eddy_codec_t *c = *state;
    static uint8_t buf[4096];
    eddy_obs_t o;

    sample_obs(&o);
    size_t len = encode_rec(c, EDDY_REC_OBSERVATION, &o, buf, sizeof(buf));

    for (int t = 0; t < EDDY_REC__COUNT; t++) {
        assert_int_equal(decode_as(c, (eddy_rec_type_t)t, buf, 0),
                         EDDY_CODEC_ERR_EMPTY);
        assert_int_equal(decode_as(c, (eddy_rec_type_t)t, NULL, 0),
                         EDDY_CODEC_ERR_EMPTY);
        for (size_t n = 1; n < EDDY_FRAME_HEADER; n++)
            assert_int_equal(decode_as(c, (eddy_rec_type_t)t, buf, n),
                             EDDY_CODEC_ERR_SHORT_FRAME);
    }
    /* wrong type: an observation read as features and as a prediction */
    assert_int_equal(decode_as(c, EDDY_REC_FEATURES, buf, len),
                     EDDY_CODEC_ERR_WRONG_TYPE);
    assert_int_equal(decode_as(c, EDDY_REC_PREDICTION, buf, len),
                     EDDY_CODEC_ERR_WRONG_TYPE);
    assert_int_equal(decode_as(c, EDDY_REC_OBSERVATION, buf, len), EDDY_CODEC_OK);

    /* bad magic */
    buf[0] = 0x7b; /* '{': someone wrote JSON */
    assert_int_equal(decode_as(c, EDDY_REC_OBSERVATION, buf, len),
                     EDDY_CODEC_ERR_MAGIC);
    buf[0] = 0;

    /* unknown schema ids */
    buf[4] = 99;
    assert_int_equal(decode_as(c, EDDY_REC_OBSERVATION, buf, len),
                     EDDY_CODEC_ERR_UNKNOWN_SCHEMA);
    buf[1] = 0xff;
    buf[4] = 0xff; /* id -1 */
    assert_int_equal(decode_as(c, EDDY_REC_OBSERVATION, buf, len),
                     EDDY_CODEC_ERR_UNKNOWN_SCHEMA);
    buf[1] = 0;
    buf[4] = 0;
    assert_int_equal(decode_as(c, EDDY_REC_OBSERVATION, buf, len),
                     EDDY_CODEC_ERR_UNKNOWN_SCHEMA);
}

/* Cutting a valid record anywhere must give an error, never a crash. */
static void check_truncations(eddy_codec_t *c, eddy_rec_type_t type, const uint8_t *buf,
                              size_t len)
{
    assert_int_equal(decode_as(c, type, buf, len), EDDY_CODEC_OK);
    for (size_t n = 0; n < len; n++) {
        /* a heap copy of exactly N bytes, so ASan sees any over-read */
        uint8_t *cut = malloc(n ? n : 1);
        assert_non_null(cut);
        memcpy(cut, buf, n);
        eddy_codec_err_t rc = decode_as(c, type, cut, n);
        if (n == 0)
            assert_int_equal(rc, EDDY_CODEC_ERR_EMPTY);
        else if (n < EDDY_FRAME_HEADER)
            assert_int_equal(rc, EDDY_CODEC_ERR_SHORT_FRAME);
        else
            assert_int_equal(rc, EDDY_CODEC_ERR_TRUNCATED);
        free(cut);
    }
}

static void test_truncated_everywhere(void **state)
{
    eddy_codec_t *c = *state;
    static uint8_t buf[8192];
    eddy_obs_t o;
    eddy_fv_t f;
    eddy_pred_t p;
    size_t len;

    sample_obs(&o);
    len = encode_rec(c, EDDY_REC_OBSERVATION, &o, buf, sizeof(buf));
    check_truncations(c, EDDY_REC_OBSERVATION, buf, len);

    sample_fv(&f, 15);
    fill_string(f.series_id, 200, 'k'); /* a two-byte length varint */
    len = encode_rec(c, EDDY_REC_FEATURES, &f, buf, sizeof(buf));
    check_truncations(c, EDDY_REC_FEATURES, buf, len);
    sample_fv(&f, 0);
    len = encode_rec(c, EDDY_REC_FEATURES, &f, buf, sizeof(buf));
    check_truncations(c, EDDY_REC_FEATURES, buf, len);

    sample_pred(&p, 12);
    len = encode_rec(c, EDDY_REC_PREDICTION, &p, buf, sizeof(buf));
    check_truncations(c, EDDY_REC_PREDICTION, buf, len);
}

static void test_trailing_bytes(void **state)
{
    eddy_codec_t *c = *state;
    static uint8_t buf[8192];
    eddy_fv_t f;

    sample_fv(&f, 3);
    size_t len = encode_rec(c, EDDY_REC_FEATURES, &f, buf, sizeof(buf) - 1);
    buf[len] = 0;
    assert_int_equal(decode_as(c, EDDY_REC_FEATURES, buf, len + 1),
                     EDDY_CODEC_ERR_TRAILING);
}

/* ---- crafted bodies */

static void test_bad_varint(void **state)
{
    static const crafted_t cases[] = {
        /* an 11-byte varint as the series_id length */
        {EDDY_REC_OBSERVATION, "x80808080808080808080 x00 rpadding-padding-padding",
         EDDY_CODEC_ERR_BAD_VARINT},
        /* a 10-byte varint whose last byte overflows 64 bits */
        {EDDY_REC_OBSERVATION, "xffffffffffffffffff x7f rpadding-padding-padding",
         EDDY_CODEC_ERR_BAD_VARINT},
        /* available_lags (an Avro int) beyond INT32_MAX */
        {EDDY_REC_FEATURES, "l0 l2147483648", EDDY_CODEC_ERR_BAD_VARINT},
    };
    check_crafted(*state, cases, sizeof(cases) / sizeof(cases[0]));
}

static void test_negative_lengths(void **state)
{
    static const crafted_t cases[] = {
        /* negative string length (zigzag -1) */
        {EDDY_REC_OBSERVATION, "l-1 r0123456789abcdef0123456789",
         EDDY_CODEC_ERR_BAD_LENGTH},
        /* a very negative one (would reach malloc in avro-c) */
        {EDDY_REC_OBSERVATION, "l-9223372036854775808 r0123456789abcdef0123456789",
         EDDY_CODEC_ERR_BAD_LENGTH},
        /* a negative string length in the second string field */
        {EDDY_REC_OBSERVATION, "ss l0 l0 l-5 r0123456789abcdef",
         EDDY_CODEC_ERR_BAD_LENGTH},
    };
    check_crafted(*state, cases, sizeof(cases) / sizeof(cases[0]));
}

static void test_array_blocks(void **state)
{
    eddy_codec_t *c = *state;
    static bb_t bb;
    eddy_fv_t f;
    char err[256] = "", rest[64];
    static const crafted_t cases[] = {
        /* negative count with a negative block size */
        {EDDY_REC_FEATURES, "l-2 l-16 d10 d20 l0 l2", EDDY_CODEC_ERR_BAD_LENGTH},
        /* negative count whose block size is past the end */
        {EDDY_REC_FEATURES, "l-2 l1000 d10 d20 l0 l2", EDDY_CODEC_ERR_TRUNCATED},
        /* INT64_MIN as a count cannot be negated */
        {EDDY_REC_FEATURES, "l-9223372036854775808 l16 d10 d20 l0 l2",
         EDDY_CODEC_ERR_BAD_LENGTH},
        /* huge counts, positive and negative */
        {EDDY_REC_FEATURES, "l9223372036854775807 d10", EDDY_CODEC_ERR_TOO_LARGE},
        {EDDY_REC_FEATURES, "l-1099511627776 l8 d10", EDDY_CODEC_ERR_TOO_LARGE},
        /* count promises more items than there are bytes */
        {EDDY_REC_FEATURES, "l100 d1", EDDY_CODEC_ERR_TRUNCATED},
    };

    /* a negative count announces a block size: valid Avro, decodes */
    bb_fv(&bb, "blocks", "l-2 l16 d10 d20 l1 d30 l0 l3");
    assert_int_equal(eddy_codec_decode_fv(c, bb.b, bb.n, &f, err, sizeof(err)),
                     EDDY_CODEC_OK);
    assert_int_equal(f.n_lags, 3);
    assert_true(f.lags[0] == 10.0 && f.lags[1] == 20.0 && f.lags[2] == 30.0);
    assert_string_equal(f.series_id, "blocks");
    assert_int_equal(f.seq, 7);
    assert_int_equal(f.event_time_ms, ET_1949_01);

    check_crafted(c, cases, sizeof(cases) / sizeof(cases[0]));

    /* many small blocks adding up past the walk's bound */
    bb_fv(&bb, "x", "l30000 n8 l30000 n8 l30000");
    assert_int_not_equal(decode_as(c, EDDY_REC_FEATURES, bb.b, bb.n), EDDY_CODEC_OK);

    /* well-formed, but more lags than a FeatureVector may carry */
    snprintf(rest, sizeof(rest), "l%d n%d l0 l1", EDDY_LAGS_MAX + 1, EDDY_LAGS_MAX + 1);
    bb_fv(&bb, "x", rest);
    assert_int_equal(decode_as(c, EDDY_REC_FEATURES, bb.b, bb.n),
                     EDDY_CODEC_ERR_TOO_LARGE);
}

static void test_string_bounds(void **state)
{
    eddy_codec_t *c = *state;
    static bb_t bb;
    static char big[EDDY_SERIES_ID_MAX + 2];

    /* series_id of 256 bytes: valid Avro, beyond the record bound */
    fill_string(big, EDDY_SERIES_ID_MAX + 1, 'b');
    bb_record(&bb, EDDY_SCHEMA_ID_OBSERVATION, "s%s l1 l2 s1949-01 d3 l4", big);
    assert_int_equal(decode_as(c, EDDY_REC_OBSERVATION, bb.b, bb.n),
                     EDDY_CODEC_ERR_TOO_LARGE);
    assert_non_null(strstr(last_err, "series_id"));
    assert_non_null(strstr(last_err, "256"));

    /* input of 64 bytes */
    big[EDDY_INPUT_MAX + 1] = '\0';
    bb_record(&bb, EDDY_SCHEMA_ID_OBSERVATION, "ss l1 l2 s%s d3 l4", big);
    assert_int_equal(decode_as(c, EDDY_REC_OBSERVATION, bb.b, bb.n),
                     EDDY_CODEC_ERR_TOO_LARGE);
    assert_non_null(strstr(last_err, "input"));

    /* a string with an embedded NUL */
    bb_record(&bb, EDDY_SCHEMA_ID_OBSERVATION, "l3 x610062 l1 l2 s1949-01 d3 l4");
    assert_int_equal(decode_as(c, EDDY_REC_OBSERVATION, bb.b, bb.n),
                     EDDY_CODEC_ERR_INVALID);

    /* a string longer than the walk allows at all (1 MiB + 1) */
    bb_record(&bb, EDDY_SCHEMA_ID_OBSERVATION, "l%d rshort", (1 << 20) + 1);
    assert_int_equal(decode_as(c, EDDY_REC_OBSERVATION, bb.b, bb.n),
                     EDDY_CODEC_ERR_TRUNCATED);

    /* model name over its bound in a prediction */
    big[EDDY_MODEL_NAME_MAX + 1] = '\0';
    bb_record(&bb, EDDY_SCHEMA_ID_PREDICTION, "ss l1 l2 l3 s%s l0 d1 d2 l0 l5 s", big);
    assert_int_equal(decode_as(c, EDDY_REC_PREDICTION, bb.b, bb.n),
                     EDDY_CODEC_ERR_TOO_LARGE);
    assert_non_null(strstr(last_err, "model"));

    /* forecast over its bound */
    bb_record(&bb, EDDY_SCHEMA_ID_PREDICTION,
              "ss l1 l2 l3 slinear l0 d1 d2 l%d n%d l0 l5 s", EDDY_FORECAST_MAX + 1,
              EDDY_FORECAST_MAX + 1);
    assert_int_equal(decode_as(c, EDDY_REC_PREDICTION, bb.b, bb.n),
                     EDDY_CODEC_ERR_TOO_LARGE);
}

static void test_not_finite(void **state)
{
    eddy_codec_t *c = *state;
    eddy_obs_t o;
    eddy_fv_t f;
    eddy_pred_t p;

    sample_obs(&o);
    o.value = NAN;
    assert_int_equal(reencode(c, EDDY_REC_OBSERVATION, &o), EDDY_CODEC_ERR_NOT_FINITE);
    assert_non_null(strstr(last_err, "value"));
    o.value = -INFINITY;
    assert_int_equal(reencode(c, EDDY_REC_OBSERVATION, &o), EDDY_CODEC_ERR_NOT_FINITE);

    sample_fv(&f, 4);
    f.target = INFINITY;
    assert_int_equal(reencode(c, EDDY_REC_FEATURES, &f), EDDY_CODEC_ERR_NOT_FINITE);
    assert_non_null(strstr(last_err, "target"));
    sample_fv(&f, 4);
    f.lags[3] = NAN;
    assert_int_equal(reencode(c, EDDY_REC_FEATURES, &f), EDDY_CODEC_ERR_NOT_FINITE);
    assert_non_null(strstr(last_err, "in_4"));

    sample_pred(&p, 2);
    p.target = NAN;
    assert_int_equal(reencode(c, EDDY_REC_PREDICTION, &p), EDDY_CODEC_ERR_NOT_FINITE);
}

static void test_invalid_available_lags(void **state)
{
    eddy_codec_t *c = *state;
    eddy_fv_t f;

    sample_fv(&f, 5);
    f.available_lags = 6;
    assert_int_equal(reencode(c, EDDY_REC_FEATURES, &f), EDDY_CODEC_ERR_INVALID);
    assert_non_null(strstr(last_err, "available_lags 6"));
    f.available_lags = -1;
    assert_int_equal(reencode(c, EDDY_REC_FEATURES, &f), EDDY_CODEC_ERR_INVALID);
    f.available_lags = 5; /* the upper bound itself is fine */
    assert_int_equal(reencode(c, EDDY_REC_FEATURES, &f), EDDY_CODEC_OK);
}

/* ---- schema evolution */

static const char *const obs_v2 =
    "{\"type\":\"record\",\"name\":\"Observation\",\"namespace\":\"io.eddy\","
    "\"fields\":["
    "{\"name\":\"series_id\",\"type\":\"string\"},"
    "{\"name\":\"seq\",\"type\":\"long\"},"
    "{\"name\":\"event_time\",\"type\":{\"type\":\"long\","
    "\"logicalType\":\"timestamp-millis\"}},"
    "{\"name\":\"input\",\"type\":\"string\"},"
    "{\"name\":\"value\",\"type\":\"double\"},"
    "{\"name\":\"produced_at\",\"type\":{\"type\":\"long\","
    "\"logicalType\":\"timestamp-micros\"}},"
    "{\"name\":\"unit\",\"type\":\"string\",\"default\":\"\"}]}";

static const char *const obs_reordered =
    "{\"type\":\"record\",\"name\":\"Observation\",\"namespace\":\"io.eddy\","
    "\"fields\":["
    "{\"name\":\"value\",\"type\":\"double\"},"
    "{\"name\":\"produced_at\",\"type\":\"long\"},"
    "{\"name\":\"input\",\"type\":\"string\"},"
    "{\"name\":\"note\",\"type\":{\"type\":\"array\",\"items\":\"string\"}},"
    "{\"name\":\"event_time\",\"type\":\"long\"},"
    "{\"name\":\"series_id\",\"type\":\"string\"},"
    "{\"name\":\"seq\",\"type\":\"int\"}]}";

/* An older writer without input and produced_at: defaults are filled. */
static const char *const obs_v0 =
    "{\"type\":\"record\",\"name\":\"Observation\",\"namespace\":\"io.eddy\","
    "\"fields\":["
    "{\"name\":\"series_id\",\"type\":\"string\"},"
    "{\"name\":\"seq\",\"type\":\"long\"},"
    "{\"name\":\"event_time\",\"type\":\"long\"},"
    "{\"name\":\"value\",\"type\":\"float\"}]}";

static void set_field(avro_value_t *rec, const char *name, const eddy_obs_t *o)
{
    avro_value_t f;

    if (avro_value_get_by_name(rec, name, &f, NULL))
        return; /* the writer has no such field */
    if (!strcmp(name, "series_id"))
        assert_int_equal(avro_value_set_string(&f, o->series_id), 0);
    else if (!strcmp(name, "input"))
        assert_int_equal(avro_value_set_string(&f, o->input), 0);
    else if (!strcmp(name, "unit"))
        assert_int_equal(avro_value_set_string(&f, "passengers"), 0);
    else if (!strcmp(name, "value"))
        assert_int_equal(avro_value_get_type(&f) == AVRO_FLOAT
                             ? avro_value_set_float(&f, (float)o->value)
                             : avro_value_set_double(&f, o->value),
                         0);
    else if (!strcmp(name, "note")) {
        avro_value_t item;
        assert_int_equal(avro_value_append(&f, &item, NULL), 0);
        assert_int_equal(avro_value_set_string(&item, "hello"), 0);
    } else {
        int64_t v = !strcmp(name, "seq")           ? o->seq
                    : !strcmp(name, "event_time")  ? o->event_time_ms
                    : !strcmp(name, "produced_at") ? o->produced_at_us
                                                   : 0;
        assert_int_equal(avro_value_get_type(&f) == AVRO_INT32
                             ? avro_value_set_int(&f, (int32_t)v)
                             : avro_value_set_long(&f, v),
                         0);
    }
}

/* Writes O with avro-c's generic API under SCHEMA_JSON, framed with ID. */
static size_t avro_write_obs(const char *schema_json, int32_t id, const eddy_obs_t *o,
                             uint8_t *buf, size_t cap)
{
    static const char *const names[] = {"series_id", "seq",   "event_time",
                                        "input",     "value", "produced_at",
                                        "unit",      "note"};
    avro_schema_t schema;
    avro_value_iface_t *iface;
    avro_value_t rec;
    avro_writer_t w;
    size_t size;

    assert_int_equal(
        avro_schema_from_json_length(schema_json, strlen(schema_json), &schema), 0);
    iface = avro_generic_class_from_schema(schema);
    assert_non_null(iface);
    assert_int_equal(avro_generic_value_new(iface, &rec), 0);
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
        set_field(&rec, names[i], o);
    assert_int_equal(avro_value_sizeof(&rec, &size), 0);
    assert_true(size + 5 <= cap);
    buf[0] = 0;
    buf[1] = (uint8_t)((uint32_t)id >> 24);
    buf[2] = (uint8_t)((uint32_t)id >> 16);
    buf[3] = (uint8_t)((uint32_t)id >> 8);
    buf[4] = (uint8_t)id;
    w = avro_writer_memory((const char *)buf + 5, (int64_t)size);
    assert_int_equal(avro_value_write(w, &rec), 0);
    avro_writer_free(w);
    avro_value_decref(&rec);
    avro_value_iface_decref(iface);
    avro_schema_decref(schema);
    return size + 5;
}

static void test_evolved_writer(void **state)
{
    eddy_codec_t *c = *state;
    static uint8_t buf[4096];
    char err[256] = "";
    eddy_obs_t o, d;
    size_t len;

    sample_obs(&o);
    o.seq = 41;
    o.value = 0.1;

    assert_int_equal(
        eddy_codec_add_writer(c, EDDY_REC_OBSERVATION, 100, obs_v2, err, sizeof(err)),
        0);
    assert_int_equal(eddy_codec_type_of(c, 100), EDDY_REC_OBSERVATION);
    len = avro_write_obs(obs_v2, 100, &o, buf, sizeof(buf));
    memset(&d, 0x33, sizeof(d));
    assert_int_equal(eddy_codec_decode_obs(c, buf, len, &d, err, sizeof(err)),
                     EDDY_CODEC_OK);
    assert_same(EDDY_REC_OBSERVATION, &o, &d);
    /* the same bytes under the v1 id: the extra field is trailing garbage */
    buf[4] = EDDY_SCHEMA_ID_OBSERVATION;
    assert_int_equal(decode_as(c, EDDY_REC_OBSERVATION, buf, len),
                     EDDY_CODEC_ERR_TRAILING);
    /* the v2 writer registered for observations is not a feature vector */
    buf[4] = 100;
    assert_int_equal(decode_as(c, EDDY_REC_FEATURES, buf, len),
                     EDDY_CODEC_ERR_WRONG_TYPE);

    /* fields in another order, an int seq and an unknown array field */
    assert_int_equal(eddy_codec_add_writer(c, EDDY_REC_OBSERVATION, 101, obs_reordered,
                                           err, sizeof(err)),
                     0);
    len = avro_write_obs(obs_reordered, 101, &o, buf, sizeof(buf));
    memset(&d, 0x44, sizeof(d));
    assert_int_equal(eddy_codec_decode_obs(c, buf, len, &d, err, sizeof(err)),
                     EDDY_CODEC_OK);
    assert_same(EDDY_REC_OBSERVATION, &o, &d);
    check_truncations(c, EDDY_REC_OBSERVATION, buf, len);

    /* an older writer: missing fields get defaults, float promotes */
    assert_int_equal(
        eddy_codec_add_writer(c, EDDY_REC_OBSERVATION, 102, obs_v0, err, sizeof(err)),
        0);
    o.value = 2.5;
    len = avro_write_obs(obs_v0, 102, &o, buf, sizeof(buf));
    memset(&d, 0x55, sizeof(d));
    assert_int_equal(eddy_codec_decode_obs(c, buf, len, &d, err, sizeof(err)),
                     EDDY_CODEC_OK);
    assert_string_equal(d.series_id, o.series_id);
    assert_int_equal(d.seq, o.seq);
    assert_int_equal(d.event_time_ms, o.event_time_ms);
    assert_string_equal(d.input, "");
    assert_int_equal(d.produced_at_us, 0);
    assert_true(d.value == 2.5);

    /* encoding with an evolved writer writes its id and its layout */
    assert_int_equal(eddy_codec_set_id(c, EDDY_REC_OBSERVATION, 100), 0);
    o.value = 7.0;
    len = encode_rec(c, EDDY_REC_OBSERVATION, &o, buf, sizeof(buf));
    assert_int_equal(buf[4], 100);
    assert_int_equal(eddy_codec_decode_obs(c, buf, len, &d, err, sizeof(err)),
                     EDDY_CODEC_OK);
    assert_same(EDDY_REC_OBSERVATION, &o, &d);

    /* add_writer errors */
    err[0] = '\0';
    assert_int_equal(
        eddy_codec_add_writer(c, EDDY_REC_OBSERVATION, 100, obs_v2, err, sizeof(err)),
        -1);
    assert_non_null(strstr(err, "100"));
    err[0] = '\0';
    assert_int_equal(eddy_codec_add_writer(c, EDDY_REC_OBSERVATION, 103, "{not json",
                                           err, sizeof(err)),
                     -1);
    assert_true(err[0] != '\0');
    err[0] = '\0';
    assert_int_equal(eddy_codec_add_writer(c, EDDY_REC_OBSERVATION, 104, "\"string\"",
                                           err, sizeof(err)),
                     -1);
    assert_non_null(strstr(err, "record"));
}

/* ---- the wire format, byte for byte: the hex was captured from the codec
 * before it was driven by the record tables. Only a schema change may change
 * it (a new field is new bytes): then capture it again, on purpose. */

static void assert_encodes_to(eddy_codec_t *c, eddy_rec_type_t type, const void *rec,
                              const char *hex)
{
    static char got[2 * 4096 + 1];
    const void *out;
    size_t len;

    assert_int_equal(eddy_codec_encode(c, type, rec, &out, &len), EDDY_CODEC_OK);
    assert_true(2 * len < sizeof(got));
    for (size_t i = 0; i < len; i++)
        snprintf(got + 2 * i, 3, "%02x", ((const uint8_t *)out)[i]);
    got[2 * len] = '\0';
    assert_string_equal(got, hex);
}

static void test_wire_golden(void **state)
{
    eddy_codec_t *c = *state;
    static const struct {
        eddy_rec_type_t type;
        int n; /* lags or forecast items of the reference sample */
        const char *hex;
    } golden[] = {
        {EDDY_REC_OBSERVATION, 0,
         "00000000011a61697270617373656e6765727300ff9fc3b4c9260e313934392d303100000000"
         "00005c408089818283898506"},
        {EDDY_REC_FEATURES, 0,
         "000000000206732d309693d89fee47ff9fc3b4c926019a9999999999b93f0000"},
        {EDDY_REC_FEATURES, 3,
         "000000000206732d339693d89fee47ff9fc3b4c926019a9999999999b93f06111111111111a1"
         "bf5655555555550d4000000000008051400002"},
        {EDDY_REC_FEATURES, 17,
         "000000000208732d31379693d89fee47ff9fc3b4c926019a9999999999b93f22111111111111"
         "a1bf5655555555550d40000000000080514056555555552590c05455555555b1ca4000000000"
         "80c0044155555555b5063fc1abaaaaaafe91764100000080df17b041aaaaaaca9f99e6c1abaa"
         "aa42c25a1f42000000fd6d895542aaaa6a34ab588dc25555dd1378dbc3420000b67066b7fa42"
         "55955e3dcae131c356455e9131d567430010"},
        {EDDY_REC_PREDICTION, 0,
         "00000000050270feffffffffffffffff01ff9fc3b4c926ffffffffffffffffff0118686f6c74"
         "5f77696e74657273540000000000000080010000000000000000fe88ec828389850600"},
        {EDDY_REC_PREDICTION, 3,
         "00000000050270feffffffffffffffff01ff9fc3b4c926ffffffffffffffffff0118686f6c74"
         "5f77696e74657273540000000000000080010000000000000006555555555555d53f00000000"
         "0000e8bfcdccccccccccfcbf00fe88ec828389850600"},
    };
    static const char *const fv_reordered =
        "{\"type\":\"record\",\"name\":\"FeatureVector\",\"fields\":["
        "{\"name\":\"available_lags\",\"type\":\"long\"},"
        "{\"name\":\"lags\",\"type\":{\"type\":\"array\",\"items\":\"double\"}},"
        "{\"name\":\"seq\",\"type\":\"int\"},"
        "{\"name\":\"series_id\",\"type\":\"string\"}]}";
    static eddy_any_record_t rec;
    char err[256] = "";

    for (size_t i = 0; i < sizeof(golden) / sizeof(golden[0]); i++) {
        sample_reference(golden[i].type, golden[i].n, &rec);
        assert_encodes_to(c, golden[i].type, &rec, golden[i].hex);
    }
    /* maximum lengths, extreme numbers */
    sample_obs(&rec.obs);
    fill_string(rec.obs.series_id, EDDY_SERIES_ID_MAX, 'S');
    fill_string(rec.obs.input, EDDY_INPUT_MAX, 'I');
    rec.obs.seq = INT64_MAX;
    rec.obs.event_time_ms = INT64_MIN;
    rec.obs.value = -1.7976931348623157e308;
    rec.obs.produced_at_us = INT64_MIN + 1;
    assert_encodes_to(
        c, EDDY_REC_OBSERVATION, &rec,
        "0000000001fe0353535353535353535353535353535353535353535353535353535353535353"
        "5353535353535353535353535353535353535353535353535353535353535353535353535353"
        "5353535353535353535353535353535353535353535353535353535353535353535353535353"
        "5353535353535353535353535353535353535353535353535353535353535353535353535353"
        "5353535353535353535353535353535353535353535353535353535353535353535353535353"
        "5353535353535353535353535353535353535353535353535353535353535353535353535353"
        "53535353535353535353535353535353535353535353535353535353535353535353feffffff"
        "ffffffffff01ffffffffffffffffff017e494949494949494949494949494949494949494949"
        "4949494949494949494949494949494949494949494949494949494949494949494949494949"
        "49494949ffffffffffffeffffdffffffffffffffff01");
    /* numbers the encoder writes as they are */
    sample_pred(&rec.pred, 2);
    rec.pred.prediction = NAN;
    rec.pred.forecast[1] = INFINITY;
    assert_encodes_to(
        c, EDDY_REC_PREDICTION, &rec,
        "00000000050270feffffffffffffffff01ff9fc3b4c926ffffffffffffffffff0118686f6c74"
        "5f77696e7465727354000000000000f87f010000000000000004555555555555d53f00000000"
        "0000f07f00fe88ec828389850600");

    /* evolved writers: a field of theirs we lack, fields in another order */
    assert_int_equal(
        eddy_codec_add_writer(c, EDDY_REC_OBSERVATION, 100, obs_v2, err, sizeof(err)),
        0);
    assert_int_equal(eddy_codec_set_id(c, EDDY_REC_OBSERVATION, 100), 0);
    sample_obs(&rec.obs);
    assert_encodes_to(
        c, EDDY_REC_OBSERVATION, &rec,
        "00000000641a61697270617373656e6765727300ff9fc3b4c9260e313934392d303100000000"
        "00005c40808981828389850600");
    assert_int_equal(eddy_codec_add_writer(c, EDDY_REC_FEATURES, 120, fv_reordered, err,
                                           sizeof(err)),
                     0);
    assert_int_equal(eddy_codec_set_id(c, EDDY_REC_FEATURES, 120), 0);
    sample_fv(&rec.fv, 3);
    rec.fv.seq = 77;
    assert_encodes_to(
        c, EDDY_REC_FEATURES, &rec,
        "00000000780206111111111111a1bf5655555555550d400000000000805140009a0106732d33");
}

/* ---- schema evolution: Prediction gained `fallback` under a new id (5);
 * its records from before (id 3) decode with the reader default. */

/* Prediction frames of the reference samples with 0 and 3 forecast items,
 * as f7ad474's codec wrote them (its test_wire_golden): id 3, no fallback. */
static const struct {
    int n;
    const char *hex;
} pred_v1_golden[] = {
    {0, "00000000030270feffffffffffffffff01ff9fc3b4c926ffffffffffffffffff0118686f6c74"
        "5f77696e74657273540000000000000080010000000000000000fe88ec8283898506"},
    {3, "00000000030270feffffffffffffffff01ff9fc3b4c926ffffffffffffffffff0118686f6c74"
        "5f77696e74657273540000000000000080010000000000000006555555555555d53f00000000"
        "0000e8bfcdccccccccccfcbf00fe88ec8283898506"},
};

static size_t from_hex(const char *hex, uint8_t *dst, size_t cap)
{
    size_t n = strlen(hex) / 2;
    unsigned byte;

    assert_true(n <= cap);
    for (size_t i = 0; i < n; i++) {
        assert_int_equal(sscanf(hex + 2 * i, "%2x", &byte), 1);
        dst[i] = (uint8_t)byte;
    }
    return n;
}

static void test_prediction_v1(void **state)
{
    eddy_codec_t *c = *state;
    static eddy_any_record_t want, got;
    static uint8_t buf[1024];
    char err[256] = "";
    int32_t id = 0;

    assert_int_equal(EDDY_SCHEMA_ID_PREDICTION, 5);
    assert_int_equal(EDDY_SCHEMA_ID_PREDICTION_V1, 3);
    for (size_t i = 0; i < sizeof(pred_v1_golden) / sizeof(pred_v1_golden[0]); i++) {
        size_t len = from_hex(pred_v1_golden[i].hex, buf, sizeof(buf));

        sample_reference(EDDY_REC_PREDICTION, pred_v1_golden[i].n, &want);
        assert_string_equal(want.pred.fallback, "");
        /* id 3 decodes, fallback from the reader default, the rest as written */
        memset(&got, 'x', sizeof(got));
        assert_int_equal(
            eddy_codec_decode_pred(c, buf, len, &got.pred, err, sizeof(err)),
            EDDY_CODEC_OK);
        assert_same(EDDY_REC_PREDICTION, &want, &got);
        /* an id names one layout: v1 bytes under id 5, v2 bytes under id 3 */
        buf[4] = EDDY_SCHEMA_ID_PREDICTION;
        assert_int_equal(decode_as(c, EDDY_REC_PREDICTION, buf, len),
                         EDDY_CODEC_ERR_TRUNCATED);
        buf[4] = EDDY_SCHEMA_ID_PREDICTION_V1;
        buf[len] = 0; /* an empty fallback */
        assert_int_equal(decode_as(c, EDDY_REC_PREDICTION, buf, len + 1),
                         EDDY_CODEC_ERR_TRAILING);
        /* the current encoder writes id 5: the same bytes and the fallback */
        len = encode_rec(c, EDDY_REC_PREDICTION, &want, buf, sizeof(buf));
        assert_int_equal(eddy_codec_peek_id(buf, len, &id), EDDY_CODEC_OK);
        assert_int_equal(id, 5);
        assert_int_equal(len, strlen(pred_v1_golden[i].hex) / 2 + 1);
    }
    /* the codec writes the old layout when asked for id 3 (the fuzz corpus) */
    assert_int_equal(eddy_codec_set_id(c, EDDY_REC_PREDICTION, 3), 0);
    sample_reference(EDDY_REC_PREDICTION, 3, &want);
    snprintf(want.pred.fallback, sizeof(want.pred.fallback), "nonfinite");
    assert_encodes_to(c, EDDY_REC_PREDICTION, &want, pred_v1_golden[1].hex);
}

/* Forecast version 1 (id 6, before the combination fields): what a
 * previous eddy-evaluate wrote still decodes, the combination empty; the
 * current encoder writes id 9 with both fields. */
static void test_forecast_v1(void **state)
{
    eddy_codec_t *c = *state;
    static eddy_any_record_t want, got;
    static uint8_t buf[65536];
    char err[256] = "";
    int32_t id = 0;
    size_t len;

    assert_int_equal(EDDY_SCHEMA_ID_FORECAST, 9);
    assert_int_equal(EDDY_SCHEMA_ID_FORECAST_V1, 6);
    sample_record(EDDY_REC_FORECAST, 3, &want);
    snprintf(want.forecast.combination, sizeof(want.forecast.combination),
             "holt_winters_auto/rls");
    want.forecast.n_combination_weights = 2;
    want.forecast.combination_weights[0] = 0.8;
    want.forecast.combination_weights[1] = 0.2;
    len = encode_rec(c, EDDY_REC_FORECAST, &want, buf, sizeof(buf));
    assert_int_equal(eddy_codec_peek_id(buf, len, &id), EDDY_CODEC_OK);
    assert_int_equal(id, 9);
    assert_int_equal(
        eddy_codec_decode(c, EDDY_REC_FORECAST, buf, len, &got, err, sizeof(err)),
        EDDY_CODEC_OK);
    assert_same(EDDY_REC_FORECAST, &want, &got);
    /* written as version 1: everything but the combination, read back empty */
    assert_int_equal(eddy_codec_set_id(c, EDDY_REC_FORECAST, 6), 0);
    len = encode_rec(c, EDDY_REC_FORECAST, &want, buf, sizeof(buf));
    assert_int_equal(eddy_codec_peek_id(buf, len, &id), EDDY_CODEC_OK);
    assert_int_equal(id, 6);
    memset(&got, 'x', sizeof(got));
    assert_int_equal(
        eddy_codec_decode(c, EDDY_REC_FORECAST, buf, len, &got, err, sizeof(err)),
        EDDY_CODEC_OK);
    assert_string_equal(got.forecast.combination, "");
    assert_int_equal(got.forecast.n_combination_weights, 0);
    want.forecast.combination[0] = '\0';
    want.forecast.n_combination_weights = 0;
    assert_same(EDDY_REC_FORECAST, &want, &got);
}

/* Every built-in writer: ids unique and ascending (the order
 * register-schemas.sh follows), its schema a record of its type, known to
 * the codec under its id; each type's current id among them. */
static void test_builtin_writers(void **state)
{
    eddy_codec_t *c = *state;
    int n, current = 0;
    const eddy_builtin_writer_t *bw = eddy_builtin_writers(&n);

    assert_true(n >= EDDY_REC__COUNT);
    for (int i = 0; i < n; i++) {
        const eddy_record_desc_t *d = eddy_record_desc(bw[i].type);
        json_t *root = json_loads(bw[i].schema_json, 0, NULL);

        assert_non_null(d);
        assert_true(i == 0 || bw[i].id > bw[i - 1].id);
        assert_non_null(root);
        assert_string_equal(json_string_value(json_object_get(root, "name")),
                            d->avro_name);
        json_decref(root);
        assert_int_equal(eddy_codec_type_of(c, bw[i].id), bw[i].type);
        current += bw[i].id == d->builtin_id;
    }
    assert_int_equal(current, EDDY_REC__COUNT);
}

/* A writer whose lags are ints (a legal Avro promotion to double) and one
 * whose lags are strings: the first decodes, the second is an error with a
 * message, never a crash. */
static void test_evolved_lag_types(void **state)
{
    eddy_codec_t *c = *state;
    static bb_t bb;
    char err[256] = "";
    eddy_fv_t f;
    static const char *const fv_long_lags =
        "{\"type\":\"record\",\"name\":\"FeatureVector\",\"fields\":["
        "{\"name\":\"series_id\",\"type\":\"string\"},"
        "{\"name\":\"lags\",\"type\":{\"type\":\"array\",\"items\":\"long\"}},"
        "{\"name\":\"available_lags\",\"type\":\"int\"}]}";
    static const char *const fv_string_lags =
        "{\"type\":\"record\",\"name\":\"FeatureVector\",\"fields\":["
        "{\"name\":\"series_id\",\"type\":\"string\"},"
        "{\"name\":\"lags\",\"type\":{\"type\":\"array\",\"items\":\"string\"}},"
        "{\"name\":\"available_lags\",\"type\":\"int\"}]}";

    assert_int_equal(eddy_codec_add_writer(c, EDDY_REC_FEATURES, 200, fv_long_lags, err,
                                           sizeof(err)),
                     0);
    assert_int_equal(eddy_codec_add_writer(c, EDDY_REC_FEATURES, 201, fv_string_lags,
                                           err, sizeof(err)),
                     0);
    bb_record(&bb, 200, "sints l2 l5 l-6 l0 l2");
    assert_int_equal(eddy_codec_decode_fv(c, bb.b, bb.n, &f, err, sizeof(err)),
                     EDDY_CODEC_OK);
    assert_int_equal(f.n_lags, 2);
    assert_true(f.lags[0] == 5.0 && f.lags[1] == -6.0);
    assert_true(f.target == 0.0);

    bb_record(&bb, 201, "sstrings l1 s5 l0 l1");
    assert_int_not_equal(decode_as(c, EDDY_REC_FEATURES, bb.b, bb.n), EDDY_CODEC_OK);
}

/* A Score is never NaN: an array item that is not finite is refused with
 * its name and index. Its arrays of long take int items (a legal Avro
 * promotion) and refuse double ones with a message. */
static void test_score_arrays(void **state)
{
    eddy_codec_t *c = *state;
    static bb_t bb;
    static eddy_score_t sc;
    char err[256] = "";
    static const char *const score_int_windows =
        "{\"type\":\"record\",\"name\":\"Score\",\"fields\":["
        "{\"name\":\"model\",\"type\":\"string\"},"
        "{\"name\":\"windows\",\"type\":{\"type\":\"array\",\"items\":\"int\"}}]}";
    static const char *const score_double_windows =
        "{\"type\":\"record\",\"name\":\"Score\",\"fields\":["
        "{\"name\":\"model\",\"type\":\"string\"},"
        "{\"name\":\"windows\",\"type\":{\"type\":\"array\",\"items\":\"double\"}}]}";

    sample_record(EDDY_REC_SCORE, 3, &sc);
    assert_int_equal(reencode(c, EDDY_REC_SCORE, &sc), EDDY_CODEC_OK);
    sc.rolling_mase[2] = NAN;
    assert_int_equal(reencode(c, EDDY_REC_SCORE, &sc), EDDY_CODEC_ERR_NOT_FINITE);
    assert_non_null(strstr(last_err, "rolling_mase item 2"));

    assert_int_equal(eddy_codec_add_writer(c, EDDY_REC_SCORE, 210, score_int_windows,
                                           err, sizeof(err)),
                     0);
    assert_int_equal(eddy_codec_add_writer(c, EDDY_REC_SCORE, 211, score_double_windows,
                                           err, sizeof(err)),
                     0);
    bb_record(&bb, 210, "slinear l3 l5 l10 l20 l0");
    memset(&sc, 0x5a, sizeof(sc));
    assert_int_equal(decode_as(c, EDDY_REC_SCORE, bb.b, bb.n), EDDY_CODEC_OK);
    assert_int_equal(
        eddy_codec_decode(c, EDDY_REC_SCORE, bb.b, bb.n, &sc, err, sizeof(err)),
        EDDY_CODEC_OK);
    assert_string_equal(sc.model, "linear");
    assert_int_equal(sc.n_windows, 3);
    assert_true(sc.windows[0] == 5 && sc.windows[1] == 10 && sc.windows[2] == 20);
    assert_int_equal(sc.n_mae, 0);
    bb_record(&bb, 211, "slinear l1 d5 l0");
    assert_int_equal(decode_as(c, EDDY_REC_SCORE, bb.b, bb.n), EDDY_CODEC_ERR_INVALID);
    assert_non_null(strstr(last_err, "int or long"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_score_arrays, setup, teardown),
        cmocka_unit_test_setup_teardown(test_roundtrip, setup, teardown),
        cmocka_unit_test_setup_teardown(test_encode_bounds, setup, teardown),
        cmocka_unit_test(test_tables_match_schemas),
        cmocka_unit_test_setup_teardown(test_builder_matches_encoder, setup, teardown),
        cmocka_unit_test_setup_teardown(test_set_id_and_peek, setup, teardown),
        cmocka_unit_test_setup_teardown(test_framing_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_truncated_everywhere, setup, teardown),
        cmocka_unit_test_setup_teardown(test_trailing_bytes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bad_varint, setup, teardown),
        cmocka_unit_test_setup_teardown(test_negative_lengths, setup, teardown),
        cmocka_unit_test_setup_teardown(test_array_blocks, setup, teardown),
        cmocka_unit_test_setup_teardown(test_string_bounds, setup, teardown),
        cmocka_unit_test_setup_teardown(test_not_finite, setup, teardown),
        cmocka_unit_test_setup_teardown(test_invalid_available_lags, setup, teardown),
        cmocka_unit_test_setup_teardown(test_evolved_writer, setup, teardown),
        cmocka_unit_test_setup_teardown(test_evolved_lag_types, setup, teardown),
        cmocka_unit_test_setup_teardown(test_wire_golden, setup, teardown),
        cmocka_unit_test_setup_teardown(test_prediction_v1, setup, teardown),
        cmocka_unit_test_setup_teardown(test_forecast_v1, setup, teardown),
        cmocka_unit_test_setup_teardown(test_builtin_writers, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
