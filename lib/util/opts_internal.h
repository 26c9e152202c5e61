/* util/opts_internal.h: what opts.c (values), opts_parse.c (the layers)
 * and opts_doc.c (--help, Markdown, JSON) share. Not for other callers. */
#ifndef EDDY_UTIL_OPTS_INTERNAL_H
#define EDDY_UTIL_OPTS_INTERNAL_H

#include "util/opts.h"

#define OPTS_MAX  64
#define MULTI_MAX 128

/* A parsed value, before it is written to its field. */
typedef struct opt_value_s {
    const char *s;
    int64_t i;
    double d;
    eddy_opt_list_t list;
} opt_value_t;

enum { SRC_DEFAULT, SRC_CONFIG, SRC_ENV, SRC_ARGV };

typedef struct slot_s {
    const eddy_opt_t *opt;
    void *conf;        /* the struct its field is in */
    const char *value; /* points into argv, env or owned storage */
    int source;        /* SRC_* of VALUE */
} slot_t;

struct eddy_opts_s {
    slot_t slots[OPTS_MAX];
    int n_slots;
    const char *multi[MULTI_MAX]; /* MULTI values in the order given */
    int multi_slot[MULTI_MAX];    /* the slot each belongs to */
    int n_multi;
    const char *lists[MULTI_MAX]; /* the same, grouped per slot (the fields' lists) */
    const char *args[MULTI_MAX];
    int n_args;
    char *owned[OPTS_MAX + MULTI_MAX]; /* strings read from the config file */
    int n_owned;
    const eddy_common_conf_t *common;
    int describe;
};

/* opts.c */
int opt_check(const eddy_opt_t *opt, const char *text, opt_value_t *out, char *expect,
              size_t expect_size);
void opt_write(const eddy_opt_t *opt, void *conf, const opt_value_t *v);
void opt_unset(const eddy_opt_t *opt, opt_value_t *v);
const eddy_opt_t *opt_find(const eddy_opt_t *table, const char *name, size_t len);

/* opts_doc.c */
void opts_print_help(const eddy_opts_prog_t *prog, const eddy_opts_t *opts);
void opts_print_markdown(const eddy_opts_t *opts);
/* "EDDY_LOG_LEVEL" for "log-level". */
void opts_env_name(const eddy_opt_t *opt, char *out, size_t size);

#endif
