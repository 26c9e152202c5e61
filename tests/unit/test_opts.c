/* test_opts.c: option parsing (lib/util/opts.h) — precedence argv > env >
 * config file > default, unknown options, bad values, -X, --no-flag, and
 * config-file keys with a dot becoming librdkafka properties.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util/opts.h"

typedef struct my_conf_s {
    int64_t count;
    const char *name;
    double ratio;
    int flag, quiet;
    int64_t interval_ms;
    eddy_opt_list_t param;
} my_conf_t;

static const eddy_opt_t my_opts[] = {
    EDDY_OPT(my_conf_t, INT, count, "count", 'n', "1", "a count"),
    EDDY_OPT(my_conf_t, STR, name, "name", 0, "dflt", "a name"),
    EDDY_OPT(my_conf_t, DOUBLE, ratio, "ratio", 0, "0.5", "a ratio"),
    EDDY_OPT(my_conf_t, BOOL, flag, "flag", 0, "true", "a flag"),
    EDDY_OPT(my_conf_t, BOOL, quiet, "quiet", 'q', "false", "another flag"),
    EDDY_OPT(my_conf_t, DURATION, interval_ms, "interval", 0, "2s", "a duration"),
    EDDY_OPT(my_conf_t, LIST, param, "param", 0, NULL, "k=v"),
    EDDY_OPT_TABLE_END};

static my_conf_t my;
static eddy_common_conf_t common;
static const eddy_opt_map_t tables[] = {
    {eddy_opts_common, &common}, {my_opts, &my}, {NULL, NULL}};
static const eddy_opts_prog_t prog = {"eddy-test", "[options]", "Testing."};

static const char *const env_names[] = {
    "EDDY_COUNT",    "EDDY_NAME",   "EDDY_RATIO",     "EDDY_FLAG",      "EDDY_QUIET",
    "EDDY_INTERVAL", "EDDY_CONFIG", "EDDY_BOOTSTRAP", "EDDY_LOG_LEVEL", "EDDY_LAGS"};

static char captured[8192];
static char config_path[64];

static int setup(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(env_names) / sizeof(env_names[0]); i++)
        unsetenv(env_names[i]);
    config_path[0] = '\0';
    return 0;
}

static int teardown(void **state)
{
    setup(state);
    if (config_path[0])
        unlink(config_path);
    return 0;
}

static void write_config(const char *text)
{
    snprintf(config_path, sizeof(config_path), "/tmp/eddy-test-opts-XXXXXX");
    int fd = mkstemp(config_path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
    close(fd);
}

/* Parses ARGV (NULL-terminated) against MAPS with stderr captured into
 * CAPTURED. */
static eddy_opts_t *parse_maps(const eddy_opt_map_t *maps, int *code,
                               const char *const *argv)
{
    char *args[64];
    int argc = 0;
    FILE *tmp = tmpfile();
    int saved = dup(STDERR_FILENO);
    eddy_opts_t *o;

    args[argc++] = (char *)"eddy-test";
    while (*argv)
        args[argc++] = (char *)*argv++;
    args[argc] = NULL;
    assert_non_null(tmp);
    fflush(stderr);
    dup2(fileno(tmp), STDERR_FILENO);
    o = eddy_opts_parse(&prog, maps, argc, args, code);
    fflush(stderr);
    dup2(saved, STDERR_FILENO);
    close(saved);
    rewind(tmp);
    size_t n = fread(captured, 1, sizeof(captured) - 1, tmp);
    captured[n] = '\0';
    fclose(tmp);
    return o;
}

static eddy_opts_t *parse_v(int *code, const char *const *argv)
{
    memset(&my, 0x5a, sizeof(my)); /* every field must be written */
    memset(&common, 0x5a, sizeof(common));
    return parse_maps(tables, code, argv);
}

/* A refused parse: OPTS is NULL, *CODE is 2 (a usage error; CODE NULL: not
 * checked) and the captured message names every NEEDLE (NULL-terminated). */
static void expect_refused(const eddy_opts_t *opts, const int *code, ...)
{
    va_list ap;
    const char *needle;

    assert_null(opts);
    if (code)
        assert_int_equal(*code, 2);
    va_start(ap, code);
    while ((needle = va_arg(ap, const char *)))
        if (!strstr(captured, needle))
            fail_msg("message '%s' does not name '%s'", captured, needle);
    va_end(ap);
}

#define PARSE(code, ...) parse_v(code, (const char *const[]){__VA_ARGS__, NULL})

static void test_defaults(void **state)
{
    (void)state;
    int code = -1;
    eddy_opts_t *o = parse_v(&code, (const char *const[]){NULL});
    const char *const *vals;

    assert_non_null(o);
    assert_int_equal(code, 0);
    assert_int_equal(my.count, 1);
    assert_string_equal(my.name, "dflt");
    assert_true(my.ratio == 0.5);
    assert_int_equal(my.flag, 1);
    assert_int_equal(my.quiet, 0);
    assert_int_equal(my.interval_ms, 2000);
    assert_string_equal(common.bootstrap, "127.0.0.1:9092");
    assert_null(common.config);
    /* a misspelt option name cannot be looked up any more: fields are bound
     * at compile time (tests/unit/compile_fail checks that it does not build) */
    assert_int_equal(common.kafka_props.n, 0);
    assert_int_equal(my.param.n, 0);
    assert_int_equal(eddy_opts_args(o, &vals), 0);
    eddy_opts_destroy(o);
}

static void test_precedence(void **state)
{
    (void)state;
    int code = -1;
    eddy_opts_t *o;

    write_config("# comment\n\n  count = 5 \nname=from-config\nratio=0.25\n");

    /* config over default */
    o = PARSE(&code, "--config", config_path);
    assert_non_null(o);
    assert_int_equal(my.count, 5);
    assert_string_equal(my.name, "from-config");
    assert_true(my.ratio == 0.25);
    assert_int_equal(my.interval_ms, 2000);
    eddy_opts_destroy(o);

    /* env over config */
    setenv("EDDY_COUNT", "6", 1);
    setenv("EDDY_LOG_LEVEL", "debug", 1); /* dashes become underscores */
    o = PARSE(&code, "--config", config_path);
    assert_non_null(o);
    assert_int_equal(my.count, 6);
    assert_string_equal(my.name, "from-config");
    assert_string_equal(common.log_level, "debug");
    eddy_opts_destroy(o);

    /* argv over env over config, in every spelling */
    o = PARSE(&code, "--config", config_path, "--count=7");
    assert_int_equal(my.count, 7);
    eddy_opts_destroy(o);
    o = PARSE(&code, "--count", "8", "--config", config_path);
    assert_int_equal(my.count, 8);
    eddy_opts_destroy(o);
    o = PARSE(&code, "-n9", "--config", config_path);
    assert_int_equal(my.count, 9);
    eddy_opts_destroy(o);
    o = PARSE(&code, "-n", "10");
    assert_int_equal(my.count, 10);
    eddy_opts_destroy(o);
    /* the last of several argv values wins */
    o = PARSE(&code, "--count=1", "--count=2");
    assert_int_equal(my.count, 2);
    eddy_opts_destroy(o);

    /* the config file may itself come from the environment */
    setenv("EDDY_CONFIG", config_path, 1);
    unsetenv("EDDY_COUNT");
    o = parse_v(&code, (const char *const[]){NULL});
    assert_non_null(o);
    assert_int_equal(my.count, 5);
    eddy_opts_destroy(o);

    /* an empty environment variable is ignored */
    setenv("EDDY_NAME", "", 1);
    o = parse_v(&code, (const char *const[]){NULL});
    assert_string_equal(my.name, "from-config");
    eddy_opts_destroy(o);
}

static void test_unknown_option(void **state)
{
    (void)state;
    int code = -1;

    expect_refused(PARSE(&code, "--bogus=1"), &code, "unknown option '--bogus'", NULL);
    code = -1;
    expect_refused(PARSE(&code, "-Z"), &code, "'-Z'", NULL);
    /* --no- only for booleans */
    expect_refused(PARSE(&code, "--no-count"), NULL, "no-count", NULL);
    /* an option at the end without its value */
    code = -1;
    expect_refused(PARSE(&code, "--name"), &code, "--name needs a value", NULL);
    /* unknown names in the config file */
    write_config("count=3\ncolour=blue\n");
    expect_refused(PARSE(&code, "--config", config_path), &code, "colour", ":2", NULL);
    unlink(config_path);
    write_config("just words\n");
    expect_refused(PARSE(&code, "--config", config_path), NULL, "name=value", NULL);
    expect_refused(PARSE(&code, "--config", "/nonexistent/eddy.conf"), NULL,
                   "/nonexistent/eddy.conf", NULL);
}

static void test_bad_values(void **state)
{
    (void)state;
    int code = -1;

    expect_refused(PARSE(&code, "--count=abc"), &code, "'abc'", "--count", "integer",
                   NULL);
    assert_null(PARSE(&code, "--count=12x"));
    assert_null(PARSE(&code, "--count="));
    assert_null(PARSE(&code, "--count=99999999999999999999999"));
    expect_refused(PARSE(&code, "--ratio=half"), NULL, "a number", NULL);
    expect_refused(PARSE(&code, "--flag=maybe"), NULL, "true or false", NULL);
    expect_refused(PARSE(&code, "--interval=5"), NULL, "duration", NULL);
    assert_null(PARSE(&code, "--interval=5x"));
    assert_null(PARSE(&code, "--interval=-1s"));
    assert_null(PARSE(&code, "--interval=nanms"));
    expect_refused(PARSE(&code, "--param=novalue"), NULL, "key=value", NULL);

    setenv("EDDY_COUNT", "seven", 1);
    expect_refused(PARSE(&code, "--name=x"), &code, "EDDY_COUNT", NULL);
    unsetenv("EDDY_COUNT");

    write_config("interval=soon\n");
    expect_refused(PARSE(&code, "--config", config_path), NULL, "'soon'", NULL);

    assert_int_equal(eddy_duration_parse_ms("250ms"), 250);
    assert_int_equal(eddy_duration_parse_ms("2s"), 2000);
    assert_int_equal(eddy_duration_parse_ms("1.5m"), 90000);
    assert_int_equal(eddy_duration_parse_ms("5m"), 300000);
    assert_int_equal(eddy_duration_parse_ms("1h"), 3600000);
    assert_int_equal(eddy_duration_parse_ms("0s"), 0);
    assert_int_equal(eddy_duration_parse_ms("5"), -1);
    assert_int_equal(eddy_duration_parse_ms("s"), -1);
    assert_int_equal(eddy_duration_parse_ms(""), -1);
    assert_int_equal(eddy_duration_parse_ms("2 s"), -1);
    assert_int_equal(eddy_duration_parse_ms("2sec"), -1);
    assert_int_equal(eddy_duration_parse_ms("infs"), -1);
}

static void test_multi(void **state)
{
    (void)state;
    int code = -1;
    const char *const *vals;
    eddy_opts_t *o = PARSE(&code, "-X", "acks=all", "-Xlinger.ms=5", "--param", "l2=1",
                           "--X=client.id=a=b", "--param=lr=0.1");

    assert_non_null(o);
    vals = common.kafka_props.values;
    assert_int_equal(common.kafka_props.n, 3);
    assert_string_equal(vals[0], "acks=all");
    assert_string_equal(vals[1], "linger.ms=5");
    assert_string_equal(vals[2], "client.id=a=b");
    vals = my.param.values;
    assert_int_equal(my.param.n, 2);
    assert_string_equal(vals[0], "l2=1");
    assert_string_equal(vals[1], "lr=0.1");
    eddy_opts_destroy(o);

    expect_refused(PARSE(&code, "-X", "acks"), NULL, "'acks'", "key=value", NULL);
}

static void test_bools(void **state)
{
    (void)state;
    int code = -1;
    eddy_opts_t *o;

    o = PARSE(&code, "--no-flag", "--quiet");
    assert_non_null(o);
    assert_int_equal(my.flag, 0);
    assert_int_equal(my.quiet, 1);
    eddy_opts_destroy(o);
    o = PARSE(&code, "--flag=false", "-q");
    assert_int_equal(my.flag, 0);
    assert_int_equal(my.quiet, 1);
    eddy_opts_destroy(o);
    o = PARSE(&code, "--flag=no", "--quiet=off");
    assert_int_equal(my.flag, 0);
    assert_int_equal(my.quiet, 0);
    eddy_opts_destroy(o);
    /* --no-flag on the command line beats the environment */
    setenv("EDDY_FLAG", "true", 1);
    setenv("EDDY_QUIET", "yes", 1);
    o = PARSE(&code, "--no-flag");
    assert_int_equal(my.flag, 0);
    assert_int_equal(my.quiet, 1);
    eddy_opts_destroy(o);
    /* a boolean does not take the next argument as its value */
    o = PARSE(&code, "--quiet", "file.csv");
    const char *const *args;
    assert_int_equal(eddy_opts_args(o, &args), 1);
    assert_string_equal(args[0], "file.csv");
    eddy_opts_destroy(o);
}

static void test_config_kafka_keys(void **state)
{
    (void)state;
    int code = -1;
    const char *const *vals;
    eddy_opts_t *o;

    write_config("bootstrap = broker:9093\n"
                 "security.protocol = SASL_SSL\n"
                 "sasl.jaas.config=a b = c\n"
                 "# ssl.ca.location=/ignored\n");
    o = PARSE(&code, "-X", "acks=all", "--config", config_path);
    assert_non_null(o);
    assert_string_equal(common.bootstrap, "broker:9093");
    vals = common.kafka_props.values;
    assert_int_equal(common.kafka_props.n, 3);
    assert_string_equal(vals[0], "acks=all");
    assert_string_equal(vals[1], "security.protocol=SASL_SSL");
    assert_string_equal(vals[2], "sasl.jaas.config=a b = c");
    eddy_opts_destroy(o);

    /* argv still beats the file for ordinary options */
    o = PARSE(&code, "-b", "cli:1", "--config", config_path);
    assert_string_equal(common.bootstrap, "cli:1");
    eddy_opts_destroy(o);
}

static void test_args_and_help(void **state)
{
    (void)state;
    int code = -1;
    const char *const *args;
    eddy_opts_t *o = PARSE(&code, "a.csv", "-", "--count=3", "--", "--count=4", "-x");

    assert_non_null(o);
    assert_int_equal(my.count, 3);
    assert_int_equal(eddy_opts_args(o, &args), 4);
    assert_string_equal(args[0], "a.csv");
    assert_string_equal(args[1], "-");
    assert_string_equal(args[2], "--count=4");
    assert_string_equal(args[3], "-x");
    eddy_opts_destroy(o);

    /* --help: NULL with exit code 0 (stdout silenced for the test) */
    fflush(stdout);
    int saved = dup(STDOUT_FILENO);
    FILE *devnull = fopen("/dev/null", "w");
    assert_non_null(devnull);
    dup2(fileno(devnull), STDOUT_FILENO);
    code = -1;
    o = PARSE(&code, "--count=3", "--help");
    fflush(stdout);
    dup2(saved, STDOUT_FILENO);
    close(saved);
    fclose(devnull);
    assert_null(o);
    assert_int_equal(code, 0);
}

/* Bounds, choices and int fields: a separate map so the tests above keep
 * their unbounded options. */
typedef struct bounded_conf_s {
    int lags;
    int64_t big;
    double rate;
    int64_t wait_ms;
    const char *from;
    double whole;
} bounded_conf_t;

static const eddy_opt_t bounded_opts[] = {
    EDDY_OPT(bounded_conf_t, INT, lags, "lags", 0, "15", "1..256", .min = 1,
             .max = 256),
    EDDY_OPT(bounded_conf_t, INT, big, "big", 0, "1", "at least 1", .min = 1,
             .max = EDDY_OPT_NO_MAX),
    EDDY_OPT(bounded_conf_t, DOUBLE, rate, "rate", 0, "0", "0..1", .min = 0, .max = 1),
    EDDY_OPT(bounded_conf_t, DURATION, wait_ms, "wait", 0, NULL, "10ms..1m", .min = 10,
             .max = 60000),
    EDDY_OPT(bounded_conf_t, STR, from, "from", 0, "beginning", "beginning or end",
             .choices = "beginning|end"),
    EDDY_OPT(bounded_conf_t, DOUBLE, whole, "whole", 0, "1", "0 or 1", .min = 0,
             .max = 1, .flags = EDDY_OPT_WHOLE),
    EDDY_OPT_TABLE_END};

static bounded_conf_t bounded;

static const eddy_opt_map_t bounded_maps[] = {
    {eddy_opts_common, &common}, {bounded_opts, &bounded}, {NULL, NULL}};

#define PARSE_B(code, ...)                                                             \
    parse_maps(bounded_maps, code, (const char *const[]){__VA_ARGS__, NULL})

static void test_bounds(void **state)
{
    (void)state;
    int code = -1;
    eddy_opts_t *o = PARSE_B(&code, "--lags=256", "--big=9000000000", "--rate=1",
                             "--wait=1m", "--from=end", "--whole=true");

    assert_non_null(o);
    assert_int_equal(bounded.lags, 256);
    assert_true(bounded.big == 9000000000LL);
    assert_true(bounded.rate == 1.0);
    assert_int_equal(bounded.wait_ms, 60000);
    assert_string_equal(bounded.from, "end");
    assert_true(bounded.whole == 1.0);
    eddy_opts_destroy(o);

    /* a duration without a default is -1 */
    o = PARSE_B(&code, "--lags=1");
    assert_int_equal(bounded.wait_ms, -1);
    assert_int_equal(bounded.lags, 1);
    eddy_opts_destroy(o);

    /* out of range: the option, the value, the source and the range */
    expect_refused(PARSE_B(&code, "--lags=257"), &code, "--lags", "'257'",
                   "command line", "[1, 256]", NULL);
    assert_null(PARSE_B(&code, "--lags=0"));
    expect_refused(PARSE_B(&code, "--big=0"), NULL, ">= 1", NULL);
    expect_refused(PARSE_B(&code, "--rate=1.5"), NULL, "[0, 1]", NULL);
    expect_refused(PARSE_B(&code, "--wait=5ms"), NULL, "[10, 60000] ms", NULL);
    expect_refused(PARSE_B(&code, "--from=middle"), NULL, "one of beginning, end",
                   NULL);
    expect_refused(PARSE_B(&code, "--whole=0.5"), NULL, "an integer", NULL);

    /* an int field keeps to int's range even without bounds of its own */
    setenv("EDDY_LAGS", "99999999999", 1);
    expect_refused(PARSE_B(&code, "--rate=0"), NULL, "EDDY_LAGS", NULL);
    unsetenv("EDDY_LAGS");
}

static void test_bounds_config_source(void **state)
{
    (void)state;
    int code = -1;

    write_config("# bounds\nlags=300\n");
    expect_refused(PARSE_B(&code, "--config", config_path), &code, "'300'", ":2)",
                   "[1, 256]", NULL);
}

static void test_defaults_and_store(void **state)
{
    (void)state;
    char expect[128];

    memset(&bounded, 0, sizeof(bounded));
    assert_int_equal(eddy_opts_defaults(bounded_opts, &bounded), 0);
    assert_int_equal(bounded.lags, 15);
    assert_int_equal(bounded.wait_ms, -1);
    assert_string_equal(bounded.from, "beginning");
    assert_int_equal(
        eddy_opt_store(&bounded_opts[0], &bounded, "20", expect, sizeof(expect)), 0);
    assert_int_equal(bounded.lags, 20);
    assert_int_equal(
        eddy_opt_store(&bounded_opts[0], &bounded, "2000", expect, sizeof(expect)), -1);
    assert_string_equal(expect, "an integer in [1, 256]");
    assert_int_equal(bounded.lags, 20);
    assert_true(eddy_opt_in_bounds(&bounded_opts[2], 0.5));
    assert_false(eddy_opt_in_bounds(&bounded_opts[2], -0.5));
    assert_false(eddy_opt_in_bounds(&bounded_opts[5], 0.5));
}

/* The "k=v,k=v" form models take their parameters in. */
static void test_load_kv(void **state)
{
    (void)state;
    char err[512] = "";

    eddy_opts_defaults(bounded_opts, &bounded);
    assert_int_equal(eddy_opts_load_kv(bounded_opts, &bounded, " lags = 3 , rate=0.25,",
                                       "thing 'x'", err, sizeof(err)),
                     0);
    assert_int_equal(bounded.lags, 3);
    assert_true(bounded.rate == 0.25);
    assert_int_equal(
        eddy_opts_load_kv(bounded_opts, &bounded, NULL, "x", err, sizeof(err)), 0);
    assert_int_equal(eddy_opts_load_kv(bounded_opts, &bounded, "lagz=3", "thing 'x'",
                                       err, sizeof(err)),
                     -1);
    assert_non_null(strstr(err, "unknown parameter 'lagz' for thing 'x'"));
    assert_non_null(strstr(err, "known: lags, big, rate"));
    assert_int_equal(
        eddy_opts_load_kv(bounded_opts, &bounded, "lags=999", "x", err, sizeof(err)),
        -1);
    assert_non_null(strstr(err, "bad value '999' for parameter 'lags'"));
    assert_non_null(strstr(err, "[1, 256]"));
    assert_int_equal(
        eddy_opts_load_kv(bounded_opts, &bounded, "lags", "x", err, sizeof(err)), -1);
    assert_non_null(strstr(err, "needs a value"));
    assert_int_equal(eddy_opts_load_kv(bounded_opts, &bounded, "lags=2,lags=3", "x",
                                       err, sizeof(err)),
                     -1);
    assert_non_null(strstr(err, "given twice"));
}

static void test_describe_json(void **state)
{
    (void)state;
    static const eddy_opt_map_t maps[] = {{bounded_opts, &bounded}, {NULL, NULL}};
    eddy_buf_t out = EDDY_BUF_INIT;

    eddy_opts_describe_json(maps, &out);
    assert_non_null(out.data);
    assert_int_equal(out.data[0], '[');
    assert_non_null(strstr(out.data,
                           "{\"name\":\"lags\",\"short\":null,\"type\":\"int\","
                           "\"default\":\"15\",\"min\":1,\"max\":256,"
                           "\"env\":\"EDDY_LAGS\",\"help\":\"1..256\"}"));
    assert_non_null(strstr(out.data, "\"choices\":\"beginning|end\""));
    eddy_buf_free(&out);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_defaults, setup, teardown),
        cmocka_unit_test_setup_teardown(test_precedence, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unknown_option, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bad_values, setup, teardown),
        cmocka_unit_test_setup_teardown(test_multi, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bools, setup, teardown),
        cmocka_unit_test_setup_teardown(test_config_kafka_keys, setup, teardown),
        cmocka_unit_test_setup_teardown(test_args_and_help, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bounds, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bounds_config_source, setup, teardown),
        cmocka_unit_test_setup_teardown(test_defaults_and_store, setup, teardown),
        cmocka_unit_test_setup_teardown(test_load_kv, setup, teardown),
        cmocka_unit_test_setup_teardown(test_describe_json, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
