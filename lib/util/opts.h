/* util/opts.h: typed option maps bound to struct fields.
 *
 * A program describes its options once, as tables of eddy_opt_t rows: the
 * name, short name, type, default, bounds, help and the field the value is
 * written to (offsetof into the program's config struct, checked at compile
 * time by the EDDY_FIELD_* binders: a misspelt field or one of the wrong C
 * type does not compile). eddy_opts_parse loads every table into its struct
 * in one call, by precedence: command line > environment (EDDY_<NAME>,
 * dashes as underscores, upper case) > --config FILE > the table's default.
 * A value of the wrong type or outside the bounds is rejected with a message
 * naming the option, the value, where it came from and what is allowed.
 *
 * `--help` and the README's option tables (--help-markdown) are generated
 * from the tables; an unknown option is an error. `-X key=value`
 * (repeatable) collects librdkafka properties, passed through untouched.
 *
 * Models use the same rows for their hyperparameters (eddy_opts_load_kv:
 * "k=v,k=v" checked against the model's map with its bounds).
 */
#ifndef EDDY_RT_OPTS_H
#define EDDY_RT_OPTS_H

#include <stddef.h>
#include <stdint.h>

#include "util/buf.h"

typedef enum {
    EDDY_OPT_STRING,   /* field: const char * (NULL when unset, no default) */
    EDDY_OPT_INT,      /* field: int or int64_t */
    EDDY_OPT_DOUBLE,   /* field: double */
    EDDY_OPT_BOOL,     /* field: int 0/1; --name, --no-name, --name=true|false */
    EDDY_OPT_DURATION, /* field: int64_t ms (-1 when unset); 250ms, 2s, 5m, 1h */
    EDDY_OPT_MULTI,    /* field: eddy_opt_list_t; repeatable, -X k=v, --param k=v */
    EDDY_OPT__END
} eddy_opt_type_t;

/* A MULTI option's values, in the order given. The strings and the array
 * belong to the eddy_opts_t that loaded them. */
typedef struct eddy_opt_list_s {
    int n;
    const char *const *values;
} eddy_opt_list_t;

/* A DOUBLE that must hold a whole number (integer model parameters, kept
 * as doubles); bounded to 0..1 it also accepts true and false. */
#define EDDY_OPT_WHOLE 0x1u

/* Upper bound meaning "no upper bound" (with .min set). */
#define EDDY_OPT_NO_MAX 1e300

typedef struct eddy_opt_s {
    const char *name; /* long name, without the dashes; NULL ends a table */
    char shortname;   /* 0 for none */
    eddy_opt_type_t type;
    size_t offset;   /* the field written, set by an EDDY_FIELD_* binder */
    size_t size;     /* sizeof the field (tells int from int64_t) */
    const char *def; /* default as text (as --help shows it); NULL for none */
    /* Inclusive bounds of INT, DOUBLE and DURATION (in ms) values, checked
     * when min < max. An int field is always kept within int's range. */
    double min, max;
    const char *choices; /* STRING: the allowed values, "a|b|c"; NULL: any */
    unsigned flags;      /* EDDY_OPT_WHOLE */
    const char *help;
} eddy_opt_t;

/* Field binders: `.type` and `.offset` of a row, from the struct type T and
 * its field F, whose C type must match the option type. */
#define EDDY_FIELD_(T, f, kind, ...)                                                   \
    .type = (kind), .offset = _Generic(((T *)0)->f, __VA_ARGS__),                      \
    .size = sizeof(((T *)0)->f)
#define EDDY_FIELD_STR(T, f)                                                           \
    EDDY_FIELD_(T, f, EDDY_OPT_STRING, const char * : offsetof(T, f))
#define EDDY_FIELD_INT(T, f)                                                           \
    EDDY_FIELD_(T, f, EDDY_OPT_INT, int : offsetof(T, f), int64_t : offsetof(T, f))
#define EDDY_FIELD_DOUBLE(T, f)                                                        \
    EDDY_FIELD_(T, f, EDDY_OPT_DOUBLE, double : offsetof(T, f))
#define EDDY_FIELD_BOOL(T, f) EDDY_FIELD_(T, f, EDDY_OPT_BOOL, int : offsetof(T, f))
#define EDDY_FIELD_DURATION(T, f)                                                      \
    EDDY_FIELD_(T, f, EDDY_OPT_DURATION, int64_t : offsetof(T, f))
#define EDDY_FIELD_LIST(T, f)                                                          \
    EDDY_FIELD_(T, f, EDDY_OPT_MULTI, eddy_opt_list_t : offsetof(T, f))

/* A row: option NM (short name SH, 0 for none) of kind KIND (STR, INT,
 * DOUBLE, BOOL, DURATION, LIST) written to field F of struct T, default DFLT
 * (text, or NULL), help TEXT; then any of .min, .max, .choices, .flags. */
#define EDDY_OPT(T, KIND, f, nm, sh, dflt, text, ...)                                  \
    {                                                                                  \
        .name = (nm), .shortname = (sh), EDDY_FIELD_##KIND(T, f), .def = (dflt),       \
        .help = (text), __VA_ARGS__                                                    \
    }

#define EDDY_OPT_TABLE_END                                                             \
    {                                                                                  \
        .name = NULL, .type = EDDY_OPT__END                                            \
    }

/* One table and the struct its rows write. A list of maps ends with
 * {NULL, NULL}. */
typedef struct eddy_opt_map_s {
    const eddy_opt_t *opts;
    void *conf;
} eddy_opt_map_t;

/* Options every Kafka program has, bound to eddy_common_conf_t. */
typedef struct eddy_common_conf_s {
    const char *bootstrap;
    eddy_opt_list_t kafka_props; /* -X key=value and config-file keys with a dot */
    const char *config;
    const char *log_level;
    const char *schema_registry;
} eddy_common_conf_t;

extern const eddy_opt_t eddy_opts_common[];

/* What --help says about a program. */
typedef struct eddy_opts_prog_s {
    const char *name;    /* "eddy-learn" */
    const char *usage;   /* the line after the name: "[options] [FILE...]" */
    const char *summary; /* one paragraph */
} eddy_opts_prog_t;

typedef struct eddy_opts_s eddy_opts_t;

/* Loads ARGV into the structs of MAPS (every field is written: given value
 * or default). Returns the parse state, which owns the strings and lists
 * the structs point to (keep it until they are no longer used), or NULL
 * with *EXIT_CODE set: 0 after --help / --help-markdown (printed on
 * stdout), 2 after a usage error (printed on stderr, prefixed with the
 * program name: the option, the value, its source and what is allowed). */
eddy_opts_t *eddy_opts_parse(const eddy_opts_prog_t *prog, const eddy_opt_map_t *maps,
                             int argc, char **argv, int *exit_code);

/* Frees OPTS (NULL is a no-op); strings in the loaded structs die with it. */
void eddy_opts_destroy(eddy_opts_t *opts);

/* The common options' struct when eddy_opts_common was among the maps,
 * else NULL (librdkafka clients take bootstrap and -X from it). */
const eddy_common_conf_t *eddy_opts_common_conf(const eddy_opts_t *opts);

/* 1 when --describe was given (the program prints what it is and exits). */
int eddy_opts_describing(const eddy_opts_t *opts);

/* Positional arguments, in order; returns their count. */
int eddy_opts_args(const eddy_opts_t *opts, const char *const **args);

/* Writes every field of TABLE in CONF with its default. Returns 0, or -1
 * when a default does not parse (a bug in the table). */
int eddy_opts_defaults(const eddy_opt_t *table, void *conf);

/* Parses TEXT as OPT's type, checks the bounds and writes OPT's field in
 * CONF (a STRING field points at TEXT itself). Returns 0, or -1 with what
 * was expected in EXPECT ("an integer in [1, 256]"). */
int eddy_opt_store(const eddy_opt_t *opt, void *conf, const char *text, char *expect,
                   size_t expect_size);

/* 1 when V lies within OPT's bounds (and is whole when OPT says so). */
int eddy_opt_in_bounds(const eddy_opt_t *opt, double v);

/* Loads "key=value[,key=value...]" (blanks around items ignored; NULL or ""
 * loads nothing) over CONF, which should hold the defaults already. OWNER
 * names the table's user in messages ("model 'ridge'"). Returns 0, or -1
 * with ERRSTR naming an unknown key (and the known ones), a key without a
 * value, one given twice, or a bad value (and the allowed range). */
int eddy_opts_load_kv(const eddy_opt_t *table, void *conf, const char *text,
                      const char *owner, char *errstr, size_t errstr_size);

/* Appends the options of MAPS as a JSON array of {name, short, type,
 * default, min, max, choices, env, help} objects (for --describe). */
void eddy_opts_describe_json(const eddy_opt_map_t *maps, eddy_buf_t *out);

/* Parses a duration ("250ms", "2s", "1.5m", "1h"); -1 on error. */
int64_t eddy_duration_parse_ms(const char *text);

#endif
