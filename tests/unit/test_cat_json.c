/* test_cat_json.c: eddy-cat's JSON for each record type (sinks/cat/cat_json.h).
 * The expected lines were captured from eddy-cat before its rendering was
 * driven by the record tables: the shape (field names, order, numbers) is
 * what scripts reading eddy-cat's output rely on. A new field shows up here
 * (and in the hex of an error object): capture the lines again then.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cat_json.h"
#include "samples.h"

static int setup(void **state)
{
    char err[256] = "";
    if (!(*state = eddy_codec_new(err, sizeof(err))))
        fail_msg("eddy_codec_new: %s", err);
    return 0;
}

static int teardown(void **state)
{
    eddy_codec_destroy(*state);
    return 0;
}

/* Encodes REC of TYPE and asserts eddy-cat's line for it, with the lags as
 * an array and as in_N names (WANT_NAMED; NULL: the same as WANT). A NULL
 * WANT expects no object at all. */
static void assert_cat(eddy_codec_t *c, eddy_rec_type_t type, const void *rec,
                       const char *want, const char *want_named)
{
    const void *out;
    size_t len;

    assert_int_equal(eddy_codec_encode(c, type, rec, &out, &len), EDDY_CODEC_OK);
    for (int lag_names = 0; lag_names < 2; lag_names++) {
        const char *expect = lag_names && want_named ? want_named : want;
        json_t *o = eddy_cat_value_json(c, out, len, lag_names, NULL);
        char *line = o ? json_dumps(o, JSON_COMPACT | JSON_REAL_PRECISION(17)) : NULL;

        if (!expect)
            assert_null(o);
        else
            assert_string_equal(line, expect);
        free(line);
        json_decref(o);
    }
}

static void test_records(void **state)
{
    static const struct {
        eddy_rec_type_t type;
        int n;
        const char *want, *want_named; /* NULL want_named: the same as want */
    } cases[] = {
        {EDDY_REC_OBSERVATION, 0,
         "{\"series_id\":\"airpassengers\",\"seq\":0,\"event_time\":-662688000000,\""
         "input\":\"1949-01\",\"value\":112.0,\"produced_at\":1700000000123456}",
         NULL},
        {EDDY_REC_FEATURES, 0,
         "{\"series_id\":\"s-0\",\"seq\":1234567890123,\"event_time\":-662688000000,"
         "\"produced_at\":-1,\"target\":0.10000000000000001,\"available_lags\":0,\"l"
         "ags\":[]}",
         "{\"series_id\":\"s-0\",\"seq\":1234567890123,\"event_time\":-662688000000,"
         "\"produced_at\":-1,\"target\":0.10000000000000001,\"available_lags\":0,\"f"
         "eatures\":{}}"},
        {EDDY_REC_FEATURES, 3,
         "{\"series_id\":\"s-3\",\"seq\":1234567890123,\"event_time\":-662688000000,"
         "\"produced_at\":-1,\"target\":0.10000000000000001,\"available_lags\":1,\"l"
         "ags\":[-0.033333333333333333,3.666666666666667,70.0]}",
         "{\"series_id\":\"s-3\",\"seq\":1234567890123,\"event_time\":-662688000000,"
         "\"produced_at\":-1,\"target\":0.10000000000000001,\"available_lags\":1,\"f"
         "eatures\":{\"in_1\":-0.033333333333333333,\"in_2\":3.666666666666667,\"in_"
         "3\":70.0}}"},
        {EDDY_REC_PREDICTION, 0,
         "{\"series_id\":\"p\",\"seq\":9223372036854775807,\"event_time\":-662688000"
         "000,\"produced_at\":-9223372036854775808,\"model\":\"holt_winters\",\"mode"
         "l_version\":42,\"prediction\":-0.0,\"target\":4.9406564584124654e-324,\"pr"
         "edicted_at\":1700000000999999,\"forecast\":[]}",
         NULL},
        {EDDY_REC_PREDICTION, 3,
         "{\"series_id\":\"p\",\"seq\":9223372036854775807,\"event_time\":-662688000"
         "000,\"produced_at\":-9223372036854775808,\"model\":\"holt_winters\",\"mode"
         "l_version\":42,\"prediction\":-0.0,\"target\":4.9406564584124654e-324,\"pr"
         "edicted_at\":1700000000999999,\"forecast\":[0.33333333333333331,-0.75,-1.8"
         "]}",
         NULL},
    };
    static eddy_any_record_t rec;

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        sample_reference(cases[i].type, cases[i].n, &rec);
        assert_cat(*state, cases[i].type, &rec, cases[i].want, cases[i].want_named);
    }
}

/* The line eddy-cat prints for REC of TYPE (the caller frees it), its
 * counts added to ST. */
static char *cat_line(eddy_codec_t *c, eddy_rec_type_t type, const void *rec,
                      eddy_cat_stats_t *st)
{
    const void *out;
    size_t len;
    json_t *o;
    char *line;

    assert_int_equal(eddy_codec_encode(c, type, rec, &out, &len), EDDY_CODEC_OK);
    o = eddy_cat_value_json(c, out, len, 0, st);
    assert_non_null(o);
    line = json_dumps(o, JSON_COMPACT | JSON_REAL_PRECISION(17));
    json_decref(o);
    return line;
}

/* A record the codec refuses is an error object with its bytes; a NaN or
 * infinite prediction is shown as null with a field naming the value, and
 * counted. */
static void test_not_shown(void **state)
{
    static eddy_any_record_t rec;

    sample_obs(&rec.obs);
    rec.obs.value = NAN;
    assert_cat(
        *state, EDDY_REC_OBSERVATION, &rec,
        "{\"error\":\"not_finite\",\"detail\":\"value is nan: only finite numbers a"
        "re accepted\",\"bytes\":50,\"hex\":\"00000000011a61697270617373656e6765727"
        "300ff9fc3b4c9260e313934392d3031000000000000f87f8089818283898506\"}",
        NULL);
    sample_pred(&rec.pred, 2);
    rec.pred.prediction = NAN;
    rec.pred.forecast[1] = INFINITY;
    eddy_cat_stats_t st = {0};
    char *line = cat_line(*state, EDDY_REC_PREDICTION, &rec, &st);
    assert_non_null(strstr(line, "\"prediction\":null,"));
    assert_non_null(strstr(line, "\"prediction_nonfinite\":\"NaN\""));
    assert_non_null(strstr(line, ",null]"));
    assert_non_null(strstr(line, "\"forecast_nonfinite\":{\"1\":\"Inf\"}"));
    assert_int_equal(st.nonfinite, 2);
    assert_int_equal(st.escaped + st.undecodable, 0);
    free(line);
    rec.pred.prediction = -INFINITY;
    rec.pred.forecast[1] = 1.5;
    line = cat_line(*state, EDDY_REC_PREDICTION, &rec, &st);
    assert_non_null(strstr(line, "\"prediction_nonfinite\":\"-Inf\""));
    assert_null(strstr(line, "forecast_nonfinite"));
    free(line);
}

/* A series id in Latin-1 ("caf\xe9"): the codec refuses it (invalid_utf8,
 * naming the field and offset) but eddy-cat shows the record with the byte
 * escaped, a marker, and counts it. */
static void test_invalid_utf8(void **state)
{
    static eddy_any_record_t rec, back;
    eddy_cat_stats_t st = {0};
    const void *out;
    size_t len;
    char err[512] = "", *line;

    sample_obs(&rec.obs);
    snprintf(rec.obs.series_id, sizeof(rec.obs.series_id), "caf\xe9-s\xc3\xa9rie");
    assert_int_equal(eddy_codec_encode(*state, EDDY_REC_OBSERVATION, &rec, &out, &len),
                     EDDY_CODEC_OK);
    assert_int_equal(eddy_codec_decode(*state, EDDY_REC_OBSERVATION, out, len, &back,
                                       err, sizeof(err)),
                     EDDY_CODEC_ERR_INVALID_UTF8);
    assert_string_equal(eddy_codec_err_reason(EDDY_CODEC_ERR_INVALID_UTF8),
                        "invalid_utf8");
    assert_non_null(strstr(err, "field series_id is not UTF-8: byte 0xE9 at offset 3"));
    line = cat_line(*state, EDDY_REC_OBSERVATION, &rec, &st);
    assert_non_null(strstr(line, "\"series_id\":\"caf\\\\xE9-s\u00e9rie\""));
    assert_non_null(strstr(line, "\"series_id_invalid_utf8\":true"));
    assert_int_equal(st.escaped, 1);
    free(line);
    json_t *j = eddy_cat_string_json("a\xff\xfe"
                                     "b",
                                     4, &st);
    assert_string_equal(json_string_value(j), "a\\xFF\\xFEb");
    json_decref(j);
    assert_int_equal(st.escaped, 2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_records, setup, teardown),
        cmocka_unit_test_setup_teardown(test_not_shown, setup, teardown),
        cmocka_unit_test_setup_teardown(test_invalid_utf8, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
