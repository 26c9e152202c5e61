/* util/opts_parse.c: the layers of eddy_opts_parse (command line,
 * environment, config file, defaults), then one write into the structs. */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/opts_internal.h"
#include "util/version.h"

static slot_t *slot_find(eddy_opts_t *opts, const char *name)
{
    for (int i = 0; i < opts->n_slots; i++)
        if (!strcmp(opts->slots[i].opt->name, name))
            return &opts->slots[i];
    return NULL;
}

static slot_t *slot_find_short(eddy_opts_t *opts, char c)
{
    for (int i = 0; i < opts->n_slots; i++)
        if (opts->slots[i].opt->shortname == c)
            return &opts->slots[i];
    return NULL;
}

static const char *source_name(int source)
{
    return source == SRC_ARGV ? " (command line)" : "";
}

/* Records VALUE for SLOT from SOURCE (WHERE says where, for messages)
 * after checking its type and bounds. */
static int set_value(eddy_opts_t *opts, const char *prog, slot_t *slot,
                     const char *value, int source, const char *where)
{
    char expect[128];
    opt_value_t v;

    if (opt_check(slot->opt, value, &v, expect, sizeof(expect))) {
        fprintf(stderr, "%s: invalid value '%s' for --%s%s: expected %s\n", prog, value,
                slot->opt->name, *where ? where : source_name(source), expect);
        return -1;
    }
    if (slot->opt->type == EDDY_OPT_MULTI) {
        if (opts->n_multi == MULTI_MAX) {
            fprintf(stderr, "%s: too many --%s values (max %d)\n", prog,
                    slot->opt->name, MULTI_MAX);
            return -1;
        }
        opts->multi_slot[opts->n_multi] = (int)(slot - opts->slots);
        opts->multi[opts->n_multi++] = value;
        return 0;
    }
    if (source >= slot->source) {
        slot->value = value;
        slot->source = source;
    }
    return 0;
}

/* Splits a config-file line into KEY and VALUE (trimmed, in place);
 * returns 0 for a blank or comment line, 1 for a pair, -1 otherwise. */
static int config_line(char *line, char **key, char **val)
{
    char *eq, *end;

    *key = line;
    while (isspace((unsigned char)**key))
        (*key)++;
    if (!**key || **key == '#')
        return 0;
    if (!(eq = strchr(*key, '=')))
        return -1;
    *eq = '\0';
    *val = eq + 1;
    for (end = eq; end > *key && isspace((unsigned char)end[-1]); end--)
        end[-1] = '\0';
    while (isspace((unsigned char)**val))
        (*val)++;
    for (end = *val + strlen(*val); end > *val && isspace((unsigned char)end[-1]);
         end--)
        end[-1] = '\0';
    return 1;
}

/* Keeps a copy of a config-file value for the life of OPTS. */
static const char *own(eddy_opts_t *opts, const char *key, const char *val)
{
    size_t n = (key ? strlen(key) + 1 : 0) + strlen(val) + 1;
    char *s;

    if (opts->n_owned == (int)(sizeof(opts->owned) / sizeof(opts->owned[0])) ||
        !(s = malloc(n)))
        return NULL;
    if (key)
        snprintf(s, n, "%s=%s", key, val);
    else
        snprintf(s, n, "%s", val);
    return opts->owned[opts->n_owned++] = s;
}

static int config_pair(eddy_opts_t *opts, const char *prog, const char *key,
                       const char *val, const char *path, int lineno)
{
    /* a key with a dot is a librdkafka property: it joins the -X list */
    int kafka = strchr(key, '.') != NULL;
    slot_t *slot = slot_find(opts, kafka ? "X" : key);
    const char *value;
    char where[300];

    if (!slot) {
        fprintf(stderr, "%s: %s:%d: unknown option '%s' (see --help)\n", prog, path,
                lineno, key);
        return -1;
    }
    if (!(value = own(opts, kafka ? key : NULL, val))) {
        fprintf(stderr, "%s: out of memory\n", prog);
        return -1;
    }
    snprintf(where, sizeof(where), " (%s:%d)", path, lineno);
    return set_value(opts, prog, slot, value, SRC_CONFIG, where);
}

static int read_config(eddy_opts_t *opts, const char *prog, const char *path)
{
    FILE *f = fopen(path, "r");
    char line[1024], *key, *val;
    int lineno = 0, rc = 0, kind;

    if (!f) {
        fprintf(stderr, "%s: cannot read config file '%s': %s\n", prog, path,
                strerror(errno));
        return -1;
    }
    while (!rc && fgets(line, sizeof(line), f)) {
        lineno++;
        kind = config_line(line, &key, &val);
        if (kind < 0) {
            fprintf(stderr, "%s: %s:%d: expected name=value, got '%s'\n", prog, path,
                    lineno, key);
            rc = -1;
        } else if (kind > 0) {
            rc = config_pair(opts, prog, key, val, path, lineno);
        }
    }
    fclose(f);
    return rc;
}

static int apply_env(eddy_opts_t *opts, const char *prog)
{
    int bad = 0;

    for (int i = 0; i < opts->n_slots; i++) {
        char env[80], where[128];
        const char *v;

        if (opts->slots[i].opt->type == EDDY_OPT_MULTI)
            continue;
        opts_env_name(opts->slots[i].opt, env, sizeof(env));
        if ((v = getenv(env)) && *v) {
            snprintf(where, sizeof(where), " (from environment variable %s)", env);
            if (set_value(opts, prog, &opts->slots[i], v, SRC_ENV, where))
                bad = 1;
        }
    }
    return bad ? -1 : 0;
}

/* Finds the slot of a command-line option A ("--name[=v]", "-n[v]");
 * sets *VALUE to an inline value. NULL after printing an error. */
static slot_t *argv_slot(eddy_opts_t *opts, const char *prog, const char *a,
                         const char **value, int *negated)
{
    char name[64];
    const char *eq;
    slot_t *slot;
    size_t n;

    *negated = 0;
    if (a[1] != '-') {
        if (!(slot = slot_find_short(opts, a[1])))
            fprintf(stderr, "%s: unknown option '%s' (see --help)\n", prog, a);
        *value = a[2] ? a + 2 : NULL;
        return slot;
    }
    eq = strchr(a + 2, '=');
    n = eq ? (size_t)(eq - (a + 2)) : strlen(a + 2);
    snprintf(name, sizeof(name), "%.*s", (int)n, a + 2);
    *value = eq ? eq + 1 : NULL;
    if (!(slot = slot_find(opts, name)) && !strncmp(name, "no-", 3) && !*value) {
        /* only a boolean has a --no- form */
        slot_t *neg = slot_find(opts, name + 3);
        if (neg && neg->opt->type == EDDY_OPT_BOOL) {
            *negated = 1;
            return neg;
        }
    }
    if (!slot)
        fprintf(stderr, "%s: unknown option '--%s' (see --help)\n", prog, name);
    return slot;
}

/* One option of the command line at ARGV[*I]; returns 0, 1 when the
 * program is to exit 0 (--help, --version), -1 on an error. */
static int argv_option(eddy_opts_t *opts, const eddy_opts_prog_t *prog, int argc,
                       char **argv, int *i)
{
    const char *a = argv[*i], *value;
    slot_t *slot;
    int negated;

    if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
        opts_print_help(prog, opts);
        return 1;
    }
    if (!strcmp(a, "--version")) {
        printf("%s %s\n", prog->name, eddy_version());
        return 1;
    }
    if (!strcmp(a, "--help-markdown")) {
        opts_print_markdown(opts);
        return 1;
    }
    if (!strcmp(a, "--describe")) {
        opts->describe = 1;
        return 0;
    }
    if (!(slot = argv_slot(opts, prog->name, a, &value, &negated)))
        return -1;
    if (negated)
        value = "false";
    if (!value && slot->opt->type == EDDY_OPT_BOOL)
        value = "true";
    if (!value) {
        if (*i + 1 >= argc) {
            fprintf(stderr, "%s: option --%s needs a value\n", prog->name,
                    slot->opt->name);
            return -1;
        }
        value = argv[++*i];
    }
    return set_value(opts, prog->name, slot, value, SRC_ARGV, "");
}

static int parse_argv(eddy_opts_t *opts, const eddy_opts_prog_t *prog, int argc,
                      char **argv)
{
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        int rc;

        if (!strcmp(a, "--")) {
            while (++i < argc && opts->n_args < MULTI_MAX)
                opts->args[opts->n_args++] = argv[i];
            break;
        }
        if (a[0] != '-' || !strcmp(a, "-")) {
            if (opts->n_args < MULTI_MAX)
                opts->args[opts->n_args++] = a;
            continue;
        }
        if ((rc = argv_option(opts, prog, argc, argv, &i)))
            return rc;
    }
    return 0;
}

static int add_slots(eddy_opts_t *opts, const eddy_opt_map_t *maps)
{
    for (const eddy_opt_map_t *m = maps; m->opts; m++) {
        if (m->opts == eddy_opts_common)
            opts->common = m->conf;
        for (const eddy_opt_t *o = m->opts; o->name; o++) {
            if (opts->n_slots == OPTS_MAX)
                return -1;
            opts->slots[opts->n_slots].opt = o;
            opts->slots[opts->n_slots].conf = m->conf;
            opts->slots[opts->n_slots++].value = o->def;
        }
    }
    return 0;
}

/* Writes every slot's winning value (or default) into its field. */
static int store_all(eddy_opts_t *opts, const char *prog)
{
    int used = 0;

    for (int i = 0; i < opts->n_slots; i++) {
        slot_t *s = &opts->slots[i];
        opt_value_t v;
        char expect[128];

        opt_unset(s->opt, &v);
        if (s->opt->type == EDDY_OPT_MULTI) {
            v.list.values = opts->lists + used;
            for (int j = 0; j < opts->n_multi; j++)
                if (opts->multi_slot[j] == i)
                    opts->lists[used + v.list.n++] = opts->multi[j];
            used += v.list.n;
        } else if (s->value &&
                   opt_check(s->opt, s->value, &v, expect, sizeof(expect))) {
            fprintf(stderr, "%s: invalid default '%s' for --%s: expected %s\n", prog,
                    s->value, s->opt->name, expect);
            return -1;
        }
        opt_write(s->opt, s->conf, &v);
    }
    return 0;
}

eddy_opts_t *eddy_opts_parse(const eddy_opts_prog_t *prog, const eddy_opt_map_t *maps,
                             int argc, char **argv, int *exit_code)
{
    eddy_opts_t *opts = calloc(1, sizeof(*opts));
    slot_t *config;
    int rc;

    *exit_code = 2;
    if (!opts || add_slots(opts, maps))
        goto err;
    if ((rc = parse_argv(opts, prog, argc, argv))) {
        *exit_code = rc > 0 ? 0 : 2;
        goto err;
    }
    if (apply_env(opts, prog->name))
        goto err;
    config = slot_find(opts, "config");
    if (config && config->value && read_config(opts, prog->name, config->value))
        goto err;
    if (store_all(opts, prog->name))
        goto err;
    *exit_code = 0;
    return opts;
err:
    eddy_opts_destroy(opts);
    return NULL;
}

void eddy_opts_destroy(eddy_opts_t *opts)
{
    if (!opts)
        return;
    for (int i = 0; i < opts->n_owned; i++)
        free(opts->owned[i]);
    free(opts);
}

const eddy_common_conf_t *eddy_opts_common_conf(const eddy_opts_t *opts)
{
    return opts->common;
}

int eddy_opts_describing(const eddy_opts_t *opts)
{
    return opts->describe;
}

int eddy_opts_args(const eddy_opts_t *opts, const char *const **args)
{
    *args = opts->args;
    return opts->n_args;
}
