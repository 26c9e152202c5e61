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

static const eddy_opt_t my_opts[] = {
    {"count", 'n', EDDY_OPT_INT, "1", "a count"},
    {"name", 0, EDDY_OPT_STRING, "dflt", "a name"},
    {"ratio", 0, EDDY_OPT_DOUBLE, "0.5", "a ratio"},
    {"flag", 0, EDDY_OPT_BOOL, "true", "a flag"},
    {"quiet", 'q', EDDY_OPT_BOOL, "false", "another flag"},
    {"interval", 0, EDDY_OPT_DURATION, "2s", "a duration"},
    {"param", 0, EDDY_OPT_MULTI, NULL, "k=v"},
    EDDY_OPT_TABLE_END};

static const eddy_opt_t *const tables[] = {eddy_opts_common, my_opts, NULL};

static const char *const env_names[] = {
    "EDDY_COUNT",    "EDDY_NAME",   "EDDY_RATIO",     "EDDY_FLAG",     "EDDY_QUIET",
    "EDDY_INTERVAL", "EDDY_CONFIG", "EDDY_BOOTSTRAP", "EDDY_LOG_LEVEL"};

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

/* Parses ARGV (NULL-terminated) with stderr captured into CAPTURED. */
static eddy_opts_t *parse_v(int *code, const char *const *argv)
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
    o = eddy_opts_parse("eddy-test", "[options]", "Testing.", tables, argc, args, code);
    fflush(stderr);
    dup2(saved, STDERR_FILENO);
    close(saved);
    rewind(tmp);
    size_t n = fread(captured, 1, sizeof(captured) - 1, tmp);
    captured[n] = '\0';
    fclose(tmp);
    return o;
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
    assert_int_equal(eddy_opts_int(o, "count"), 1);
    assert_string_equal(eddy_opts_str(o, "name"), "dflt");
    assert_true(eddy_opts_double(o, "ratio") == 0.5);
    assert_int_equal(eddy_opts_bool(o, "flag"), 1);
    assert_int_equal(eddy_opts_bool(o, "quiet"), 0);
    assert_int_equal(eddy_opts_duration_ms(o, "interval"), 2000);
    assert_string_equal(eddy_opts_str(o, "bootstrap"), "127.0.0.1:9092");
    assert_null(eddy_opts_str(o, "config"));
    assert_null(eddy_opts_str(o, "no-such-option"));
    assert_int_equal(eddy_opts_multi(o, "X", &vals), 0);
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
    assert_int_equal(eddy_opts_int(o, "count"), 5);
    assert_string_equal(eddy_opts_str(o, "name"), "from-config");
    assert_true(eddy_opts_double(o, "ratio") == 0.25);
    assert_int_equal(eddy_opts_duration_ms(o, "interval"), 2000);
    eddy_opts_destroy(o);

    /* env over config */
    setenv("EDDY_COUNT", "6", 1);
    setenv("EDDY_LOG_LEVEL", "debug", 1); /* dashes become underscores */
    o = PARSE(&code, "--config", config_path);
    assert_non_null(o);
    assert_int_equal(eddy_opts_int(o, "count"), 6);
    assert_string_equal(eddy_opts_str(o, "name"), "from-config");
    assert_string_equal(eddy_opts_str(o, "log-level"), "debug");
    eddy_opts_destroy(o);

    /* argv over env over config, in every spelling */
    o = PARSE(&code, "--config", config_path, "--count=7");
    assert_int_equal(eddy_opts_int(o, "count"), 7);
    eddy_opts_destroy(o);
    o = PARSE(&code, "--count", "8", "--config", config_path);
    assert_int_equal(eddy_opts_int(o, "count"), 8);
    eddy_opts_destroy(o);
    o = PARSE(&code, "-n9", "--config", config_path);
    assert_int_equal(eddy_opts_int(o, "count"), 9);
    eddy_opts_destroy(o);
    o = PARSE(&code, "-n", "10");
    assert_int_equal(eddy_opts_int(o, "count"), 10);
    eddy_opts_destroy(o);
    /* the last of several argv values wins */
    o = PARSE(&code, "--count=1", "--count=2");
    assert_int_equal(eddy_opts_int(o, "count"), 2);
    eddy_opts_destroy(o);

    /* the config file may itself come from the environment */
    setenv("EDDY_CONFIG", config_path, 1);
    unsetenv("EDDY_COUNT");
    o = parse_v(&code, (const char *const[]){NULL});
    assert_non_null(o);
    assert_int_equal(eddy_opts_int(o, "count"), 5);
    eddy_opts_destroy(o);

    /* an empty environment variable is ignored */
    setenv("EDDY_NAME", "", 1);
    o = parse_v(&code, (const char *const[]){NULL});
    assert_string_equal(eddy_opts_str(o, "name"), "from-config");
    eddy_opts_destroy(o);
}

static void test_unknown_option(void **state)
{
    (void)state;
    int code = -1;

    assert_null(PARSE(&code, "--bogus=1"));
    assert_int_equal(code, 2);
    assert_non_null(strstr(captured, "unknown option '--bogus'"));
    code = -1;
    assert_null(PARSE(&code, "-Z"));
    assert_int_equal(code, 2);
    assert_non_null(strstr(captured, "'-Z'"));
    /* --no- only for booleans */
    assert_null(PARSE(&code, "--no-count"));
    assert_non_null(strstr(captured, "no-count"));
    /* an option at the end without its value */
    code = -1;
    assert_null(PARSE(&code, "--name"));
    assert_int_equal(code, 2);
    assert_non_null(strstr(captured, "--name needs a value"));
    /* unknown names in the config file */
    write_config("count=3\ncolour=blue\n");
    assert_null(PARSE(&code, "--config", config_path));
    assert_int_equal(code, 2);
    assert_non_null(strstr(captured, "colour"));
    assert_non_null(strstr(captured, ":2"));
    unlink(config_path);
    write_config("just words\n");
    assert_null(PARSE(&code, "--config", config_path));
    assert_non_null(strstr(captured, "name=value"));
    assert_null(PARSE(&code, "--config", "/nonexistent/eddy.conf"));
    assert_non_null(strstr(captured, "/nonexistent/eddy.conf"));
}

static void test_bad_values(void **state)
{
    (void)state;
    int code = -1;

    assert_null(PARSE(&code, "--count=abc"));
    assert_int_equal(code, 2);
    assert_non_null(strstr(captured, "'abc'"));
    assert_non_null(strstr(captured, "--count"));
    assert_non_null(strstr(captured, "integer"));
    assert_null(PARSE(&code, "--count=12x"));
    assert_null(PARSE(&code, "--count="));
    assert_null(PARSE(&code, "--count=99999999999999999999999"));
    assert_null(PARSE(&code, "--ratio=half"));
    assert_non_null(strstr(captured, "a number"));
    assert_null(PARSE(&code, "--flag=maybe"));
    assert_non_null(strstr(captured, "true or false"));
    assert_null(PARSE(&code, "--interval=5"));
    assert_non_null(strstr(captured, "duration"));
    assert_null(PARSE(&code, "--interval=5x"));
    assert_null(PARSE(&code, "--interval=-1s"));
    assert_null(PARSE(&code, "--interval=nanms"));
    assert_null(PARSE(&code, "--param=novalue"));
    assert_non_null(strstr(captured, "key=value"));

    setenv("EDDY_COUNT", "seven", 1);
    assert_null(PARSE(&code, "--name=x"));
    assert_int_equal(code, 2);
    assert_non_null(strstr(captured, "EDDY_COUNT"));
    unsetenv("EDDY_COUNT");

    write_config("interval=soon\n");
    assert_null(PARSE(&code, "--config", config_path));
    assert_non_null(strstr(captured, "'soon'"));

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
    assert_int_equal(eddy_opts_multi(o, "X", &vals), 3);
    assert_string_equal(vals[0], "acks=all");
    assert_string_equal(vals[1], "linger.ms=5");
    assert_string_equal(vals[2], "client.id=a=b");
    assert_int_equal(eddy_opts_multi(o, "param", &vals), 2);
    assert_string_equal(vals[0], "l2=1");
    assert_string_equal(vals[1], "lr=0.1");
    assert_int_equal(eddy_opts_multi(o, "nothing", &vals), 0);
    eddy_opts_destroy(o);

    assert_null(PARSE(&code, "-X", "acks"));
    assert_non_null(strstr(captured, "'acks'"));
    assert_non_null(strstr(captured, "key=value"));
}

static void test_bools(void **state)
{
    (void)state;
    int code = -1;
    eddy_opts_t *o;

    o = PARSE(&code, "--no-flag", "--quiet");
    assert_non_null(o);
    assert_int_equal(eddy_opts_bool(o, "flag"), 0);
    assert_int_equal(eddy_opts_bool(o, "quiet"), 1);
    eddy_opts_destroy(o);
    o = PARSE(&code, "--flag=false", "-q");
    assert_int_equal(eddy_opts_bool(o, "flag"), 0);
    assert_int_equal(eddy_opts_bool(o, "quiet"), 1);
    eddy_opts_destroy(o);
    o = PARSE(&code, "--flag=no", "--quiet=off");
    assert_int_equal(eddy_opts_bool(o, "flag"), 0);
    assert_int_equal(eddy_opts_bool(o, "quiet"), 0);
    eddy_opts_destroy(o);
    /* --no-flag on the command line beats the environment */
    setenv("EDDY_FLAG", "true", 1);
    setenv("EDDY_QUIET", "yes", 1);
    o = PARSE(&code, "--no-flag");
    assert_int_equal(eddy_opts_bool(o, "flag"), 0);
    assert_int_equal(eddy_opts_bool(o, "quiet"), 1);
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
    assert_string_equal(eddy_opts_str(o, "bootstrap"), "broker:9093");
    assert_int_equal(eddy_opts_multi(o, "X", &vals), 3);
    assert_string_equal(vals[0], "acks=all");
    assert_string_equal(vals[1], "security.protocol=SASL_SSL");
    assert_string_equal(vals[2], "sasl.jaas.config=a b = c");
    eddy_opts_destroy(o);

    /* argv still beats the file for ordinary options */
    o = PARSE(&code, "-b", "cli:1", "--config", config_path);
    assert_string_equal(eddy_opts_str(o, "bootstrap"), "cli:1");
    eddy_opts_destroy(o);
}

static void test_args_and_help(void **state)
{
    (void)state;
    int code = -1;
    const char *const *args;
    eddy_opts_t *o = PARSE(&code, "a.csv", "-", "--count=3", "--", "--count=4", "-x");

    assert_non_null(o);
    assert_int_equal(eddy_opts_int(o, "count"), 3);
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
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
