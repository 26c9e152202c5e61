/* util/opts.h: one declarative option table per program.
 *
 * Precedence: command line > environment (EDDY_<NAME>, dashes as
 * underscores, upper case) > --config FILE > the table's default.
 * `--help` and the README's option tables (--help-markdown) are generated
 * from the tables; an unknown option is an error. `-X key=value` (repeatable)
 * collects librdkafka properties, passed through untouched.
 */
#ifndef EDDY_RT_OPTS_H
#define EDDY_RT_OPTS_H

#include <stdint.h>

typedef enum {
    EDDY_OPT_STRING,
    EDDY_OPT_INT,
    EDDY_OPT_DOUBLE,
    EDDY_OPT_BOOL,     /* --name, --no-name, or --name=true|false */
    EDDY_OPT_DURATION, /* 250ms, 2s, 5m, 1h */
    EDDY_OPT_MULTI,    /* repeatable, e.g. -X k=v, --param k=v */
    EDDY_OPT__END
} eddy_opt_type_t;

typedef struct eddy_opt_s {
    const char *name; /* long name, without the dashes */
    char shortname;   /* 0 for none */
    eddy_opt_type_t type;
    const char *def; /* default as text; NULL for none */
    const char *help;
} eddy_opt_t;

#define EDDY_OPT_TABLE_END                                                             \
    {                                                                                  \
        NULL, 0, EDDY_OPT__END, NULL, NULL                                             \
    }

/* Options every Kafka program has (bootstrap, -X, logging, config file). */
extern const eddy_opt_t eddy_opts_common[];

typedef struct eddy_opts_s eddy_opts_t;

/* Parses ARGV against the NULL-terminated list of TABLES. On --help or an
 * error returns NULL and sets *EXIT_CODE (0 for help, 2 for a usage error,
 * whose message names the option, the value and the expected form).
 * USAGE is the line after the program name (e.g. "[options] [FILE...]"). */
eddy_opts_t *eddy_opts_parse(const char *prog, const char *usage, const char *summary,
                             const eddy_opt_t *const *tables, int argc, char **argv,
                             int *exit_code);

void eddy_opts_destroy(eddy_opts_t *opts);

const char *eddy_opts_str(const eddy_opts_t *opts, const char *name);
long long eddy_opts_int(const eddy_opts_t *opts, const char *name);
double eddy_opts_double(const eddy_opts_t *opts, const char *name);
int eddy_opts_bool(const eddy_opts_t *opts, const char *name);
int64_t eddy_opts_duration_ms(const eddy_opts_t *opts, const char *name);

/* Values of a MULTI option in the order given; returns their count. */
int eddy_opts_multi(const eddy_opts_t *opts, const char *name,
                    const char *const **values);

/* Positional arguments. */
int eddy_opts_args(const eddy_opts_t *opts, const char *const **args);

/* Parses a duration ("250ms", "2s", "1.5m", "1h"); -1 on error. */
int64_t eddy_duration_parse_ms(const char *text);

#endif
