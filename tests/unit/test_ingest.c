/* test_ingest.c: input lines to Observations (producers/ingest/ingest_core.h)
 * — CSV with and without a header, column order, series_id column, both JSON
 * shapes, per-series seq, bad rows and their messages, blank/comment lines,
 * CRLF, event time parsing, and every line of the extended dataset; CSV
 * dialects (BOM, RFC 4180 quotes, ';' and tab), header spellings and the
 * column options, numbers refused with their cause, times in CSV and JSON,
 * text that is not UTF-8, and records split on CR, CRLF and LF.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ingest_core.h"

#define NOW_US     1700000000123456LL
#define ET_1949_01 (-662688000000LL)

static char err[512];
static eddy_obs_t obs;

static eddy_row_result_t parse(eddy_ingest_parser_t *p, const char *line)
{
    err[0] = '\0';
    return eddy_ingest_parse_line(p, line, strlen(line), NOW_US, &obs, err,
                                  sizeof(err));
}

static void expect_ok(eddy_ingest_parser_t *p, const char *line, const char *series,
                      int64_t seq, double value)
{
    eddy_row_result_t r = parse(p, line);
    if (r != EDDY_ROW_OK)
        fail_msg("'%s': result %d (%s)", line, r, err);
    assert_string_equal(obs.series_id, series);
    assert_int_equal(obs.seq, seq);
    assert_true(obs.value == value);
    assert_int_equal(obs.produced_at_us, NOW_US);
}

/* A bad row whose message contains every NEEDLE (NULL-terminated). */
static void expect_bad(eddy_ingest_parser_t *p, const char *line, ...)
{
    va_list ap;
    const char *needle;
    eddy_row_result_t r = parse(p, line);

    if (r != EDDY_ROW_BAD)
        fail_msg("'%s': result %d, expected a bad row", line, r);
    assert_true(err[0] != '\0');
    va_start(ap, line);
    while ((needle = va_arg(ap, const char *)))
        if (!strstr(err, needle))
            fail_msg("'%s': message '%s' does not name '%s'", line, err, needle);
    va_end(ap);
}

#define LINE_CAP 8192

/* Writes PREFIX, N copies of C, then SUFFIX into LINE (LINE_CAP bytes) and
 * returns LINE: the over-long fields of the bad rows. */
static const char *long_line(char *line, const char *prefix, char c, size_t n,
                             const char *suffix)
{
    size_t len = strlen(prefix);

    assert_true(len + n + strlen(suffix) < LINE_CAP);
    memcpy(line, prefix, len);
    memset(line + len, c, n);
    strcpy(line + len + n, suffix);
    return line;
}

static eddy_ingest_parser_t *parser(const char *series, int64_t seq_start)
{
    eddy_ingest_parser_t *p = eddy_ingest_parser_new(series, seq_start, 100);
    assert_non_null(p);
    return p;
}

static void test_csv_header(void **state)
{
    (void)state;
    eddy_ingest_parser_t *p = parser("airpassengers", 0);

    assert_int_equal(parse(p, "input,target"), EDDY_ROW_SKIP);
    expect_ok(p, "1949-01,112", "airpassengers", 0, 112.0);
    assert_string_equal(obs.input, "1949-01");
    assert_int_equal(obs.event_time_ms, ET_1949_01);
    expect_ok(p, "1949-02,118.5", "airpassengers", 1, 118.5);
    expect_ok(p, " 1949-03 , -1e3 ", "airpassengers", 2, -1000.0);
    assert_string_equal(obs.input, "1949-03");
    /* a second header later is a data row with a bad target */
    expect_bad(p, "input,target", "'target'", NULL);
    eddy_ingest_parser_destroy(p);
}

static void test_csv_no_header(void **state)
{
    (void)state;
    eddy_ingest_parser_t *p = parser("s", 0);

    expect_ok(p, "1949-01,112", "s", 0, 112.0);
    assert_int_equal(obs.event_time_ms, ET_1949_01);
    /* once data was seen, a header-looking row is data */
    expect_bad(p, "target,input", "not a number", NULL);
    /* a label that is not a time is refused, never stamped with the clock */
    expect_bad(p, "t42,7", "'t42'", "not a time", "--time-format", NULL);
    eddy_ingest_parser_destroy(p);

    /* ... unless the input is declared a label: --time-column none */
    p = parser("s", 0);
    eddy_ingest_format_t f = {.time_column = "none"};
    assert_int_equal(eddy_ingest_parser_set_format(p, &f, err, sizeof(err)), 0);
    expect_ok(p, "t42,7", "s", 0, 7.0);
    assert_string_equal(obs.input, "t42");
    assert_int_equal(obs.event_time_ms, NOW_US / 1000);
    eddy_ingest_parser_destroy(p);
}

static void test_csv_column_order(void **state)
{
    (void)state;
    eddy_ingest_parser_t *p = parser("s", 0);

    assert_int_equal(parse(p, "target,input"), EDDY_ROW_SKIP);
    expect_ok(p, "112,1949-01", "s", 0, 112.0);
    assert_string_equal(obs.input, "1949-01");
    assert_int_equal(obs.event_time_ms, ET_1949_01);
    expect_bad(p, "1949-02,118", "1949-02", NULL);
    eddy_ingest_parser_destroy(p);

    /* "value" is accepted for target; no input column at all */
    p = parser("s", 0);
    assert_int_equal(parse(p, "value"), EDDY_ROW_SKIP);
    expect_ok(p, "3.5", "s", 0, 3.5);
    assert_string_equal(obs.input, "");
    assert_int_equal(obs.event_time_ms, NOW_US / 1000);
    expect_bad(p, "1949-01,3", "expected 1 columns", "found 2", NULL);
    eddy_ingest_parser_destroy(p);
}

static void test_csv_header_without_target(void **state)
{
    (void)state;
    eddy_ingest_parser_t *p = parser("s", 0);

    expect_bad(p, "input,amount", "target", NULL);
    /* the parser must stay usable (and never index a missing column) */
    expect_ok(p, "1949-01,5", "s", 0, 5.0);
    eddy_ingest_parser_destroy(p);

    p = parser("s", 0);
    expect_bad(p, "series_id,input", "target", NULL);
    expect_ok(p, "1949-01,5", "s", 0, 5.0);
    eddy_ingest_parser_destroy(p);
}

static void test_csv_series_column(void **state)
{
    (void)state;
    eddy_ingest_parser_t *p = parser("default", 10);

    assert_int_equal(parse(p, "input,series_id,target"), EDDY_ROW_SKIP);
    expect_ok(p, "1949-01,a,1", "a", 10, 1.0);
    expect_ok(p, "1949-01,b,2", "b", 10, 2.0);
    expect_ok(p, "1949-02,a,3", "a", 11, 3.0);
    expect_ok(p, "1949-03,a,4", "a", 12, 4.0);
    expect_ok(p, "1949-02,b,5", "b", 11, 5.0);
    /* empty series id (spaces trimmed away) */
    expect_bad(p, "1949-04, ,6", "series_id", NULL);
    expect_bad(p, "1949-04,a,6,7", "expected 3 columns", "found 4", NULL);
    /* a bad row does not consume a seq */
    expect_ok(p, "1949-04,a,6", "a", 13, 6.0);
    eddy_ingest_parser_destroy(p);
}

static void test_seq_start(void **state)
{
    (void)state;
    eddy_ingest_parser_t *p = parser("s", 1000);

    expect_ok(p, "1949-01,1", "s", 1000, 1.0);
    expect_ok(p, "1949-02,1", "s", 1001, 1.0);
    expect_ok(p, "{\"series_id\":\"t\",\"value\":1}", "t", 1000, 1.0);
    expect_ok(p, "{\"value\":2}", "s", 1002, 2.0);
    /* an explicit seq is taken as is and does not move the counter */
    expect_ok(p, "{\"value\":3,\"seq\":5}", "s", 5, 3.0);
    expect_ok(p, "1949-03,4", "s", 1003, 4.0);
    eddy_ingest_parser_destroy(p);

    p = parser("s", -3);
    expect_ok(p, "1949-01,1", "s", -3, 1.0);
    eddy_ingest_parser_destroy(p);
}

static void test_series_cap(void **state)
{
    (void)state;
    eddy_ingest_parser_t *p = eddy_ingest_parser_new("s", 0, 2);

    expect_ok(p, "{\"series_id\":\"a\",\"value\":1}", "a", 0, 1.0);
    expect_ok(p, "{\"series_id\":\"b\",\"value\":1}", "b", 0, 1.0);
    expect_bad(p, "{\"series_id\":\"c\",\"value\":1}", "too many series", "2", NULL);
    expect_ok(p, "{\"series_id\":\"a\",\"value\":1}", "a", 1, 1.0);
    eddy_ingest_parser_destroy(p);
}

static void test_json_shapes(void **state)
{
    (void)state;
    eddy_ingest_parser_t *p = parser("dflt", 0);

    expect_ok(p, "{\"series_id\": \"sensor-1\", \"value\": 1.5}", "sensor-1", 0, 1.5);
    assert_string_equal(obs.input, "");
    assert_int_equal(obs.event_time_ms, NOW_US / 1000);
    expect_ok(p, "{\"input\": \"1949-01\", \"target\": 112}", "dflt", 0, 112.0);
    assert_string_equal(obs.input, "1949-01");
    assert_int_equal(obs.event_time_ms, ET_1949_01);
    expect_ok(p, "  {\"series_id\":\"sensor-1\",\"value\":-2}  ", "sensor-1", 1, -2.0);
    /* event_time as a number or a date overrides the input */
    expect_ok(p, "{\"value\":1,\"event_time\":-5}", "dflt", 1, 1.0);
    assert_int_equal(obs.event_time_ms, -5);
    expect_ok(p,
              "{\"input\":\"x\",\"value\":1,\"event_time\":\"2010-12-31T23:59:59Z\"}",
              "dflt", 2, 1.0);
    assert_int_equal(obs.event_time_ms, 1293839999000LL);
    assert_string_equal(obs.input, "x");
    eddy_ingest_parser_destroy(p);
}

static void test_bad_rows(void **state)
{
    (void)state;
    eddy_ingest_parser_t *p = parser("s", 0);
    char line[LINE_CAP];

    expect_bad(p, "1949-01,abc", "'abc'", "not a number", NULL);
    expect_bad(p, "1949-01,12abc", "'12abc'", NULL);
    expect_bad(p, "1949-01,nan", "'nan'", "not finite", NULL);
    expect_bad(p, "1949-01,NaN", "'NaN'", NULL);
    expect_bad(p, "1949-01,inf", "'inf'", NULL);
    expect_bad(p, "1949-01,-Infinity", "'-Infinity'", NULL);
    expect_bad(p, "1949-01,1e999", "'1e999'", NULL);
    expect_bad(p, "1949-01,1,2", "expected 2 columns", "found 3", NULL);
    expect_bad(p, "1949-01", "expected 2 columns", "found 1", NULL);
    expect_bad(p, "a,b,c,d,e,f,g,h,i,j,k,l,m,n,o,p,q", "too many columns", NULL);
    expect_bad(p, long_line(line, "", 'x', 64, ",1"), "input", "xxxxxxxx", "63", NULL);
    expect_bad(p, long_line(line, "", '9', 5000, ""), "5000", NULL);

    expect_bad(p, "{\"series_id\":\"\",\"value\":1}", "series_id", NULL);
    expect_bad(p, long_line(line, "{\"series_id\":\"", 'q', 256, "\",\"value\":1}"),
               "series_id", "255", NULL);
    expect_bad(p, "{\"series_id\":\"a\\u0001b\",\"value\":1}", "control", NULL);
    expect_bad(p, "{\"series_id\":7,\"value\":1}", "series_id", NULL);
    expect_bad(p, "{\"value\":1", "invalid JSON", NULL);
    expect_bad(p, "{value:1}", "invalid JSON", NULL);
    expect_bad(p, "{\"value\":1}{\"value\":2}", "invalid JSON", NULL);
    expect_bad(p, "{\"value\":1,\"value\":2}", "invalid JSON", NULL);
    expect_bad(p, "[1, 2]", "not an object", NULL);
    expect_bad(p, "[{\"value\":1}]", "not an object", NULL);
    expect_bad(p, "{\"series_id\":\"a\"}", "neither", NULL);
    expect_bad(p, "{\"value\":\"12\"}", "must be a number", NULL);
    expect_bad(p, "{\"value\":1,\"seq\":-1}", "seq", NULL);
    expect_bad(p, "{\"value\":1,\"seq\":1.5}", "seq", NULL);
    expect_bad(p, "{\"value\":1,\"input\":3}", "input", NULL);
    expect_bad(p, long_line(line, "{\"value\":1,\"input\":\"", 'i', 64, "\"}"), "input",
               "63", NULL);
    expect_bad(p, "{\"value\":1,\"event_time\":\"1949-13\"}", "event_time", NULL);
    expect_bad(p, "{\"value\":1,\"event_time\":true}", "event_time", NULL);
    /* a NUL inside the line */
    assert_int_equal(
        eddy_ingest_parse_line(p, "1949-01,1\0x", 11, NOW_US, &obs, err, sizeof(err)),
        EDDY_ROW_BAD);
    assert_non_null(strstr(err, "NUL"));

    /* none of these consumed a seq */
    expect_ok(p, "1949-01,1", "s", 0, 1.0);
    eddy_ingest_parser_destroy(p);
}

static void test_skip_and_crlf(void **state)
{
    (void)state;
    eddy_ingest_parser_t *p = parser("s", 0);

    assert_int_equal(parse(p, ""), EDDY_ROW_SKIP);
    assert_int_equal(parse(p, "   \t "), EDDY_ROW_SKIP);
    assert_int_equal(parse(p, "\r"), EDDY_ROW_SKIP);
    assert_int_equal(parse(p, "# a comment, with, commas"), EDDY_ROW_SKIP);
    assert_int_equal(parse(p, "   # indented comment"), EDDY_ROW_SKIP);
    assert_int_equal(parse(p, "input,target\r\n"), EDDY_ROW_SKIP);
    expect_ok(p, "1949-01,112\r\n", "s", 0, 112.0);
    assert_string_equal(obs.input, "1949-01");
    expect_ok(p, "1949-02,118\r", "s", 1, 118.0);
    expect_ok(p, "{\"value\":3}\r\n", "s", 2, 3.0);
    /* len is honoured: bytes after it are not part of the line */
    assert_int_equal(eddy_ingest_parse_line(p, "1949-03,7,garbage", 9, NOW_US, &obs,
                                            err, sizeof(err)),
                     EDDY_ROW_OK);
    assert_true(obs.value == 7.0);
    eddy_ingest_parser_destroy(p);
}

static void test_event_time(void **state)
{
    (void)state;
    int64_t ms = 0;
    static const struct {
        const char *text;
        int64_t ms;
    } good[] = {
        {"1949-01", -662688000000LL},
        {"1949", -662688000000LL},
        {"1949-01-01", -662688000000LL},
        {"1970-01-01T00:00:00Z", 0},
        {"2010-12-31T23:59:59Z", 1293839999000LL},
        {"2010-12-31 23:59", 1293839940000LL},
        {"1969-12-31T23:59:59", -1000},
        {"2000-03", 951868800000LL},
        {"0000-01", -62167219200000LL},
        /* Feb 29 only in leap years (2000 is one, 1900 is not: see bad) */
        {"2000-02-29", 951782400000LL},
        {"1948-02-29", -689212800000LL},
        {"1949-12-31", -631238400000LL},
    };
    for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++)
        if (eddy_parse_event_time(good[i].text, &ms) != 0 || ms != good[i].ms)
            fail_msg("'%s': %lld, expected %lld", good[i].text, (long long)ms,
                     (long long)good[i].ms);

    ms = 12345;
    static const char *const bad[] = {
        "1949-02-29",
        "1900-02-29",
        "1949-02-30",
        "1949-04-31",
        "1949-13",
        "1949-00",
        "1949-1",
        "1949-01-00",
        "1949-01-32",
        "49-01",
        "1949/01",
        "1949-01-",
        "1949-01x",
        "",
        "abcd",
        "1949-01-31T24:00",
        "1949-01-31T23:60",
        "1949-01-31T23:59:61",
        "1949-01-31T12",
        "1949-01-31T12:0",
        "1949-01-31T",
        "1949-01-31T12:00:00Zx",
        " 1949",
        "19490",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        if (eddy_parse_event_time(bad[i], &ms) != -1)
            fail_msg("'%s' accepted as %lld", bad[i], (long long)ms);
    assert_int_equal(ms, 12345); /* untouched on error */
}

static void test_dataset(void **state)
{
    (void)state;
    const char *dir = getenv("EDDY_SOURCE_DIR");
    char path[4096], line[8192];
    FILE *f;
    int ok = 0, skip = 0, bad = 0;
    int64_t last_et = INT64_MIN;

    if (!dir)
        dir = ".";
    snprintf(path, sizeof(path), "%s/data/airpassengers-extended.csv", dir);
    f = fopen(path, "r");
    if (!f)
        fail_msg("cannot open %s (set EDDY_SOURCE_DIR)", path);
    eddy_ingest_parser_t *p = parser("airpassengers", 0);
    while (fgets(line, sizeof(line), f)) {
        switch (parse(p, line)) {
        case EDDY_ROW_OK:
            assert_int_equal(obs.seq, ok);
            assert_true(obs.event_time_ms > last_et); /* monthly, increasing */
            assert_true(obs.value > 0);
            last_et = obs.event_time_ms;
            if (ok == 0) {
                assert_string_equal(obs.input, "1949-01");
                assert_int_equal(obs.event_time_ms, ET_1949_01);
                assert_true(obs.value == 112.0);
            }
            ok++;
            break;
        case EDDY_ROW_SKIP:
            skip++;
            break;
        default:
            fail_msg("line %d '%s': %s", ok + skip + bad + 1, line, err);
            bad++;
        }
    }
    fclose(f);
    eddy_ingest_parser_destroy(p);
    assert_int_equal(ok, 744);
    assert_int_equal(skip, 1);
    assert_int_equal(bad, 0);
    assert_int_equal(last_et, 1291161600000LL); /* 2010-12-01 */
}

static eddy_ingest_parser_t *parser_with(const char *series, eddy_ingest_format_t f)
{
    eddy_ingest_parser_t *p = parser(series, 0);
    assert_int_equal(eddy_ingest_parser_set_format(p, &f, err, sizeof(err)), 0);
    return p;
}

/* A bad row of KIND (eddy_ingest_last_kind) whose message names NEEDLE. */
static void expect_kind(eddy_ingest_parser_t *p, const char *line, const char *kind,
                        const char *needle)
{
    expect_bad(p, line, needle, NULL);
    assert_string_equal(eddy_ingest_last_kind(p), kind);
}

static void test_csv_dialects(void **state)
{
    (void)state;
    /* a UTF-8 byte-order mark before the header, a multi-series header */
    eddy_ingest_parser_t *p = parser("s", 0);
    assert_int_equal(parse(p, "\xef\xbb\xbfseries_id,input,value"), EDDY_ROW_SKIP);
    expect_ok(p, "store-1,2024-01,120", "store-1", 0, 120.0);
    assert_int_equal(obs.event_time_ms, 1704067200000LL);
    eddy_ingest_parser_destroy(p);

    /* RFC 4180 quotes: removed, a quoted number, a doubled quote, a
     * delimiter and a newline inside quotes */
    p = parser("s", 0);
    assert_int_equal(parse(p, "\"input\",\"target\""), EDDY_ROW_SKIP);
    expect_ok(p, "\"2024-01\",112.0", "s", 0, 112.0);
    assert_string_equal(obs.input, "2024-01");
    assert_int_equal(obs.event_time_ms, 1704067200000LL);
    expect_ok(p, "\"2024-03\",\"132.0\"", "s", 1, 132.0);
    eddy_ingest_parser_destroy(p);
    p = parser("s", 0);
    assert_int_equal(parse(p, "series_id,ds,y,note"), EDDY_ROW_SKIP);
    expect_ok(p, "\"a \"\"b\"\", c\",2024-01,1,", "a \"b\", c", 0, 1.0);
    expect_ok(p, "b,2024-01,2,\"two\nlines\"", "b", 0, 2.0);
    expect_kind(p, "\"open,2024-01,1,", "csv_quotes", "RFC 4180");
    expect_kind(p, "\"a\"b,2024-01,1,", "csv_quotes", "quot");
    eddy_ingest_parser_destroy(p);

    /* ';' detected from the header, then a decimal comma is refused */
    p = parser("s", 0);
    assert_int_equal(parse(p, "date;value"), EDDY_ROW_SKIP);
    expect_ok(p, "2024-01;1.5", "s", 0, 1.5);
    expect_kind(p, "2024-02;1,5", "decimal_comma", "'1,5'");
    eddy_ingest_parser_destroy(p);
    /* ';' wins a tie with ',' in a headerless first row */
    p = parser("s", 0);
    expect_kind(p, "2024-01;1,5", "decimal_comma", "1.5");
    eddy_ingest_parser_destroy(p);
    /* tab detected; spaces trimmed, tabs are the delimiter */
    p = parser("s", 0);
    assert_int_equal(parse(p, "ds\ty"), EDDY_ROW_SKIP);
    expect_ok(p, "2024-01\t 7 ", "s", 0, 7.0);
    eddy_ingest_parser_destroy(p);
    /* --delimiter set: more commas than semicolons would pick ',' */
    p = parser("s", 0);
    assert_int_equal(parse(p, "ds;y;a,b,c,d"), EDDY_ROW_BAD);
    eddy_ingest_parser_destroy(p);
    p = parser_with("s", (eddy_ingest_format_t){.delimiter = ';'});
    assert_int_equal(parse(p, "ds;y;a,b,c,d"), EDDY_ROW_SKIP);
    expect_ok(p, "2024-01;3;w,x,y,z", "s", 0, 3.0);
    eddy_ingest_parser_destroy(p);
    p = parser("s", 0);
    eddy_ingest_format_t bad = {.delimiter = '|'};
    assert_int_equal(eddy_ingest_parser_set_format(p, &bad, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "'|'"));
    eddy_ingest_parser_destroy(p);
}

static void test_header_spellings(void **state)
{
    (void)state;
    static const struct {
        const char *header, *row, *series, *input;
        double value;
        int64_t et;
    } cases[] = {
        {"ds,y", "2024-01-01,3", "s", "2024-01-01", 3, 1704067200000LL},
        {"unique_id,ds,y", "u1,2024-01-01,3", "u1", "2024-01-01", 3, 1704067200000LL},
        {"Month,#Passengers", "1949-01,112", "s", "1949-01", 112, ET_1949_01},
        {"date,value", "2024-01-01,3", "s", "2024-01-01", 3, 1704067200000LL},
        {"timestamp,value", "1704067200,3", "s", "1704067200", 3, 1704067200000LL},
        {"time,value", "2024-01-01 00:00,3", "s", "2024-01-01 00:00", 3,
         1704067200000LL},
        {"series_id,input,value", "a,1949-01,4", "a", "1949-01", 4, ET_1949_01},
        {"DS,Y", "2024-01-01,3", "s", "2024-01-01", 3, 1704067200000LL},
        {"y,unique_id,ds", "3,u1,2024-01-01", "u1", "2024-01-01", 3, 1704067200000LL},
        /* a time column and an input label */
        {"input,date,target", "x1,2024-01-01,3", "s", "x1", 3, 1704067200000LL},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        eddy_ingest_parser_t *p = parser("s", 0);
        if (parse(p, cases[i].header) != EDDY_ROW_SKIP)
            fail_msg("header '%s' not recognised: %s", cases[i].header, err);
        assert_true(eddy_ingest_parser_saw_header(p));
        expect_ok(p, cases[i].row, cases[i].series, 0, cases[i].value);
        assert_string_equal(obs.input, cases[i].input);
        assert_int_equal(obs.event_time_ms, cases[i].et);
        eddy_ingest_parser_destroy(p);
    }

    /* no recognisable header: the header found and the options, once */
    eddy_ingest_parser_t *p = parser("s", 0);
    expect_bad(p, "when,amount,who", "'when,amount,who'", "--time-column",
               "--value-column", "--series-column", NULL);
    assert_string_equal(eddy_ingest_last_kind(p), "header");
    assert_false(eddy_ingest_parser_saw_header(p));
    eddy_ingest_parser_destroy(p);
}

static void test_column_options(void **state)
{
    (void)state;
    /* by name (any case) */
    eddy_ingest_parser_t *p =
        parser_with("s", (eddy_ingest_format_t){.time_column = "When",
                                                .value_column = "amount",
                                                .series_column = "who"});
    assert_int_equal(parse(p, "when,amount,who"), EDDY_ROW_SKIP);
    expect_ok(p, "2024-01,5,w1", "w1", 0, 5.0);
    assert_int_equal(obs.event_time_ms, 1704067200000LL);
    eddy_ingest_parser_destroy(p);

    /* by 1-based index: a header is told from data by its value field */
    p = parser_with("s",
                    (eddy_ingest_format_t){.time_column = "3", .value_column = "1"});
    assert_int_equal(parse(p, "kg,note,day"), EDDY_ROW_SKIP);
    expect_ok(p, "5,hello,2024-01-01", "s", 0, 5.0);
    assert_int_equal(obs.event_time_ms, 1704067200000LL);
    eddy_ingest_parser_destroy(p);
    p = parser_with("s",
                    (eddy_ingest_format_t){.time_column = "2", .value_column = "1"});
    expect_ok(p, "5,2024-01-01", "s", 0, 5.0);
    assert_int_equal(obs.event_time_ms, 1704067200000LL);
    eddy_ingest_parser_destroy(p);

    /* a named column the header lacks; an index past the row */
    p = parser_with("s", (eddy_ingest_format_t){.value_column = "sales"});
    expect_bad(p, "ds,y", "--value-column 'sales'", "'ds,y'", NULL);
    eddy_ingest_parser_destroy(p);
    p = parser_with("s", (eddy_ingest_format_t){.value_column = "4"});
    expect_bad(p, "ds,y", "--value-column '4'", NULL);
    eddy_ingest_parser_destroy(p);

    /* --time-column none: the time of ingest, the column kept as input */
    p = parser_with("s", (eddy_ingest_format_t){.time_column = "none"});
    assert_int_equal(parse(p, "input,target"), EDDY_ROW_SKIP);
    expect_ok(p, "Jan 1949,5", "s", 0, 5.0);
    assert_string_equal(obs.input, "Jan 1949");
    assert_int_equal(obs.event_time_ms, NOW_US / 1000);
    eddy_ingest_parser_destroy(p);
}

static void test_number_refusals(void **state)
{
    (void)state;
    eddy_ingest_parser_t *p = parser("s", 0);

    assert_int_equal(parse(p, "ds,y"), EDDY_ROW_SKIP);
    expect_kind(p, "2024-01,\"1,5\"", "decimal_comma", "decimal comma");
    expect_kind(p, "2024-01,\"1,234\"", "thousands_separator", "thousands separator");
    expect_kind(p, "2024-01,\"-12,345,678.5\"", "thousands_separator",
                "'-12,345,678.5'");
    expect_kind(p, "2024-01,12kg", "trailing_text", "trailing text 'kg' after 12");
    expect_kind(p, "2024-01,1.5.2", "trailing_text", "'.2'");
    expect_kind(p, "2024-01,0x10", "trailing_text", "'x10'");
    expect_kind(p, "2024-01,", "empty_value", "empty");
    expect_kind(p, "2024-01,\"\"", "empty_value", "empty");
    expect_kind(p, "2024-01,abc", "not_a_number", "'abc'");
    expect_kind(p, "2024-01,-inf", "not_finite", "not finite");
    expect_kind(p, "2024-01,1e999", "out_of_range", "out of range");
    /* every refusal names the column and field */
    expect_bad(p, "2024-01,12kg", "y '12kg'", "(field 2)", NULL);
    expect_kind(p, "2024-01,1,5", "column_count", "quote the field");
    /* what is one complete number is read as that number */
    expect_ok(p, "2024-01,+1.5e3", "s", 0, 1500.0);
    expect_ok(p, "2024-01,.5", "s", 1, 0.5);
    expect_ok(p, "2024-01,-7.", "s", 2, -7.0);
    eddy_ingest_parser_destroy(p);
}

static void test_csv_times(void **state)
{
    (void)state;
    eddy_ingest_parser_t *p = parser("s", 0);

    assert_int_equal(parse(p, "input,target"), EDDY_ROW_SKIP);
    expect_ok(p, "2024-03-01T01:00:00+01:00,11", "s", 0, 11.0);
    assert_int_equal(obs.event_time_ms, 1709251200000LL);
    expect_ok(p, "1709251200123,1", "s", 1, 1.0);
    assert_int_equal(obs.event_time_ms, 1709251200123LL);
    expect_kind(p, "Jan 1949,112", "bad_time", "--time-format");
    expect_bad(p, "1/1/1949,112", "'1/1/1949'", "column 'input' (field 1)", NULL);
    eddy_ingest_parser_destroy(p);

    p = parser_with("s",
                    (eddy_ingest_format_t){.time = {"%b %Y", EDDY_TIME_UNIT_AUTO}});
    assert_int_equal(parse(p, "Month,#Passengers"), EDDY_ROW_SKIP);
    expect_ok(p, "Jan 1949,112", "s", 0, 112.0);
    assert_int_equal(obs.event_time_ms, ET_1949_01);
    expect_kind(p, "1949-02,118", "bad_time", "'%b %Y'");
    eddy_ingest_parser_destroy(p);

    p = parser_with("s", (eddy_ingest_format_t){.time = {NULL, EDDY_TIME_UNIT_S}});
    assert_int_equal(parse(p, "timestamp,value"), EDDY_ROW_SKIP);
    expect_ok(p, "86400,1", "s", 0, 1.0);
    assert_int_equal(obs.event_time_ms, 86400000LL);
    eddy_ingest_parser_destroy(p);
}

static void test_json_times(void **state)
{
    (void)state;
    eddy_ingest_parser_t *p = parser("s", 0);

    expect_ok(p, "{\"event_time\":\"2024-03-01T01:00:00+01:00\",\"value\":1}", "s", 0,
              1.0);
    assert_int_equal(obs.event_time_ms, 1709251200000LL);
    expect_ok(p, "{\"event_time\":\"1709251200\",\"value\":1}", "s", 1, 1.0);
    assert_int_equal(obs.event_time_ms, 1709251200000LL);
    expect_ok(p, "{\"event_time\":1709251200000,\"value\":1}", "s", 2, 1.0);
    assert_int_equal(obs.event_time_ms, 1709251200000LL);
    /* the same strings are refused in JSON as in CSV, never the clock */
    expect_kind(p, "{\"input\":\"t42\",\"value\":1}", "bad_time", "\"input\"");
    expect_kind(p, "{\"event_time\":\"Jan 1949\",\"value\":1}", "bad_time", "ISO 8601");
    eddy_ingest_parser_destroy(p);

    p = parser_with("s", (eddy_ingest_format_t){.time = {NULL, EDDY_TIME_UNIT_S}});
    expect_ok(p, "{\"event_time\":86400,\"value\":1}", "s", 0, 1.0);
    assert_int_equal(obs.event_time_ms, 86400000LL);
    eddy_ingest_parser_destroy(p);
}

static void test_invalid_utf8(void **state)
{
    (void)state;
    eddy_ingest_parser_t *p = parser("s", 0);

    assert_int_equal(parse(p, "series_id,input,value"), EDDY_ROW_SKIP);
    expect_bad(p, "Z\xfcrich,2024-01,1", "not UTF-8", "0xfc", "Z\\xfcrich", NULL);
    assert_int_equal(eddy_ingest_last_reason(p), EDDY_REASON_INVALID_UTF8);
    assert_string_equal(eddy_ingest_last_kind(p), "invalid_utf8");
    expect_ok(p, "Z\xc3\xbcrich,2024-01,1", "Z\xc3\xbcrich", 0, 1.0);
    assert_int_equal(eddy_ingest_last_reason(p), EDDY_REASON_BAD_ROW);
    eddy_ingest_parser_destroy(p);

    p = parser("s", 0);
    assert_int_equal(parse(p, "series_id,input,value"), EDDY_ROW_SKIP);
    expect_bad(p, "a,caf\xe9,1", "input", "not UTF-8", NULL);
    assert_int_equal(eddy_ingest_last_reason(p), EDDY_REASON_INVALID_UTF8);
    expect_bad(p, "{\"series_id\":\"Z\xfc\",\"value\":1}", "not UTF-8", "column 16",
               NULL);
    assert_int_equal(eddy_ingest_last_reason(p), EDDY_REASON_INVALID_UTF8);
    eddy_ingest_parser_destroy(p);

    /* a default series (from a file name) that is not UTF-8 */
    p = parser("caf\xe9", 0);
    expect_bad(p, "{\"value\":1}", "series_id", "not UTF-8", NULL);
    eddy_ingest_parser_destroy(p);
}

/* Every record of TEXT with its starting line. */
static void expect_records(const char *text, size_t len, const char *const *want,
                           const long *lines, int n)
{
    FILE *f = fmemopen((void *)text, len, "r");
    char *buf = NULL;
    size_t cap = 0;
    long line = 0;
    int i = 0;
    ssize_t got;

    assert_non_null(f);
    for (long start = 1; (got = eddy_ingest_read_record(f, &buf, &cap, &line)) >= 0;
         start = line + 1, i++) {
        if (i >= n)
            fail_msg("extra record '%s'", buf);
        assert_int_equal(got, strlen(want[i]));
        assert_string_equal(buf, want[i]);
        assert_int_equal(start, lines[i]);
    }
    assert_int_equal(i, n);
    free(buf);
    fclose(f);
}

static void test_read_record(void **state)
{
    (void)state;
    static const char cr[] = "Month,#Passengers\r1949-01,112\r1949-02,118\r";
    static const char *const cr_want[] = {"Month,#Passengers", "1949-01,112",
                                          "1949-02,118"};
    static const long cr_lines[] = {1, 2, 3};
    expect_records(cr, sizeof(cr) - 1, cr_want, cr_lines, 3);

    static const char mixed[] = "a,b\r\n\r\n\"x\r\ny\",1\n{\"v\":\"\\\"\"}\nlast";
    static const char *const mixed_want[] = {"a,b", "", "\"x\ny\",1",
                                             "{\"v\":\"\\\"\"}", "last"};
    static const long mixed_lines[] = {1, 2, 3, 5, 6};
    expect_records(mixed, sizeof(mixed) - 1, mixed_want, mixed_lines, 5);

    expect_records("", 0, NULL, NULL, 0);
}

static void test_fault_table(void **state)
{
    (void)state;
    for (int i = 0; i < EDDY_FAULT_COUNT; i++) {
        const char *name = eddy_ingest_fault_name((eddy_ingest_fault_t)i);
        assert_true(name[0] != '\0');
        assert_string_not_equal(eddy_reason_name(eddy_ingest_fault_reason(i)),
                                "unknown");
        for (int j = 0; j < i; j++)
            assert_string_not_equal(name,
                                    eddy_ingest_fault_name((eddy_ingest_fault_t)j));
    }
    assert_string_equal(eddy_ingest_fault_name(EDDY_FAULT_COUNT), "bad_row");
    assert_int_equal(eddy_ingest_fault_reason(EDDY_FAULT_INVALID_UTF8),
                     EDDY_REASON_INVALID_UTF8);
    assert_int_equal(eddy_ingest_fault_reason(EDDY_FAULT_TOO_MANY_SERIES),
                     EDDY_REASON_SERIES_CAP);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_csv_header),
        cmocka_unit_test(test_csv_no_header),
        cmocka_unit_test(test_csv_column_order),
        cmocka_unit_test(test_csv_header_without_target),
        cmocka_unit_test(test_csv_series_column),
        cmocka_unit_test(test_seq_start),
        cmocka_unit_test(test_series_cap),
        cmocka_unit_test(test_json_shapes),
        cmocka_unit_test(test_bad_rows),
        cmocka_unit_test(test_skip_and_crlf),
        cmocka_unit_test(test_event_time),
        cmocka_unit_test(test_dataset),
        cmocka_unit_test(test_csv_dialects),
        cmocka_unit_test(test_header_spellings),
        cmocka_unit_test(test_column_options),
        cmocka_unit_test(test_number_refusals),
        cmocka_unit_test(test_csv_times),
        cmocka_unit_test(test_json_times),
        cmocka_unit_test(test_invalid_utf8),
        cmocka_unit_test(test_read_record),
        cmocka_unit_test(test_fault_table),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
