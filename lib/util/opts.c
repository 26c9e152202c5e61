#include "util/opts.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define OPTS_MAX  64
#define MULTI_MAX 128

const eddy_opt_t eddy_opts_common[] = {
    {"bootstrap", 'b', EDDY_OPT_STRING, "127.0.0.1:9092",
     "Kafka bootstrap servers (host:port[,host:port])"},
    {"X", 'X', EDDY_OPT_MULTI, NULL,
     "librdkafka property key=value, passed through untouched (repeatable): "
     "security.protocol, sasl.*, ssl.*, ..."},
    {"config", 'c', EDDY_OPT_STRING, NULL,
     "read options from FILE: lines of name=value; a name with a dot is a "
     "librdkafka property"},
    {"log-level", 0, EDDY_OPT_STRING, "info", "error, warn, info or debug"},
    {"schema-registry", 0, EDDY_OPT_STRING, NULL,
     "Schema Registry URL (http://host:port): the schema written is registered "
     "as TOPIC-value, writer schemas are fetched by id (default: built-in ids)"},
    EDDY_OPT_TABLE_END};

typedef struct slot_s {
    const eddy_opt_t *opt;
    const char *value; /* points into argv, env or owned storage */
    int source;        /* 0 default, 1 config, 2 env, 3 argv */
} slot_t;

struct eddy_opts_s {
    slot_t slots[OPTS_MAX];
    int n_slots;
    const char *multi[MULTI_MAX];
    const char *multi_name[MULTI_MAX];
    int n_multi;
    const char *args[MULTI_MAX];
    int n_args;
    char *owned[OPTS_MAX + MULTI_MAX]; /* strings read from the config file */
    int n_owned;
};

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

int64_t eddy_duration_parse_ms(const char *text)
{
    char *end;
    double v;

    errno = 0;
    v = strtod(text, &end);
    if (errno || end == text || !isfinite(v) || v < 0)
        return -1;
    if (!strcmp(end, "ms"))
        return (int64_t)v;
    if (!strcmp(end, "s"))
        return (int64_t)(v * 1e3);
    if (!strcmp(end, "m"))
        return (int64_t)(v * 60e3);
    if (!strcmp(end, "h"))
        return (int64_t)(v * 3600e3);
    return -1;
}

static int bool_parse(const char *v)
{
    if (!strcmp(v, "true") || !strcmp(v, "1") || !strcmp(v, "yes") || !strcmp(v, "on"))
        return 1;
    if (!strcmp(v, "false") || !strcmp(v, "0") || !strcmp(v, "no") || !strcmp(v, "off"))
        return 0;
    return -1;
}

/* Checks VALUE against the option's type; prints a usage error naming both. */
static int check_value(const char *prog, const eddy_opt_t *opt, const char *value,
                       const char *where)
{
    char *end;
    const char *expect = NULL;

    switch (opt->type) {
    case EDDY_OPT_INT:
        errno = 0;
        (void)strtoll(value, &end, 10);
        if (errno || end == value || *end)
            expect = "an integer";
        break;
    case EDDY_OPT_DOUBLE:
        errno = 0;
        (void)strtod(value, &end);
        if (errno || end == value || *end)
            expect = "a number";
        break;
    case EDDY_OPT_BOOL:
        if (bool_parse(value) < 0)
            expect = "true or false";
        break;
    case EDDY_OPT_DURATION:
        if (eddy_duration_parse_ms(value) < 0)
            expect = "a duration such as 250ms, 2s, 5m or 1h";
        break;
    case EDDY_OPT_MULTI:
        if (!strchr(value, '='))
            expect = "key=value";
        break;
    default:
        break;
    }
    if (!expect)
        return 0;
    fprintf(stderr, "%s: invalid value '%s' for --%s%s: expected %s\n", prog, value,
            opt->name, where, expect);
    return -1;
}

static int set_value(eddy_opts_t *opts, const char *prog, slot_t *slot,
                     const char *value, int source, const char *where)
{
    if (check_value(prog, slot->opt, value, where))
        return -1;
    if (slot->opt->type == EDDY_OPT_MULTI) {
        if (opts->n_multi == MULTI_MAX) {
            fprintf(stderr, "%s: too many --%s values (max %d)\n", prog,
                    slot->opt->name, MULTI_MAX);
            return -1;
        }
        opts->multi_name[opts->n_multi] = slot->opt->name;
        opts->multi[opts->n_multi++] = value;
        return 0;
    }
    if (source >= slot->source) {
        slot->value = value;
        slot->source = source;
    }
    return 0;
}

static void print_help(const char *prog, const char *usage, const char *summary,
                       eddy_opts_t *opts)
{
    printf("Usage: %s %s\n\n%s\n\nOptions:\n", prog, usage, summary);
    for (int i = 0; i < opts->n_slots; i++) {
        const eddy_opt_t *o = opts->slots[i].opt;
        char left[64], env[64];
        size_t j;

        if (o->shortname && strlen(o->name) == 1)
            snprintf(left, sizeof(left), "-%c key=value", o->shortname);
        else if (o->shortname)
            snprintf(left, sizeof(left), "-%c, --%s", o->shortname, o->name);
        else
            snprintf(left, sizeof(left), "    --%s", o->name);
        printf("  %-28s %s", left, o->help);
        if (o->def)
            printf(" (default: %s)", o->def);
        if (o->type != EDDY_OPT_MULTI) {
            snprintf(env, sizeof(env), "EDDY_%s", o->name);
            for (j = 0; env[j]; j++)
                env[j] = env[j] == '-' ? '_' : (char)toupper((unsigned char)env[j]);
            printf(" [%s]", env);
        }
        printf("\n");
    }
    printf("  %-28s %s\n", "-h, --help", "show this help and exit");
    printf("  %-28s %s\n", "    --help-markdown",
           "print the options as a Markdown table");
}

static void print_markdown(eddy_opts_t *opts)
{
    printf("| option | default | description |\n|---|---|---|\n");
    for (int i = 0; i < opts->n_slots; i++) {
        const eddy_opt_t *o = opts->slots[i].opt;
        if (strlen(o->name) == 1)
            printf("| `-%s key=value` | | %s |\n", o->name, o->help);
        else
            printf("| `--%s` | %s%s%s | %s |\n", o->name, o->def ? "`" : "",
                   o->def ? o->def : "", o->def ? "`" : "", o->help);
    }
}

static int read_config(eddy_opts_t *opts, const char *prog, const char *path)
{
    FILE *f = fopen(path, "r");
    char line[1024];
    int lineno = 0;

    if (!f) {
        fprintf(stderr, "%s: cannot read config file '%s': %s\n", prog, path,
                strerror(errno));
        return -1;
    }
    while (fgets(line, sizeof(line), f)) {
        char *key = line, *eq, *val, *end;
        slot_t *slot;
        char where[300];

        lineno++;
        while (isspace((unsigned char)*key))
            key++;
        if (!*key || *key == '#')
            continue;
        if (!(eq = strchr(key, '='))) {
            fprintf(stderr, "%s: %s:%d: expected name=value, got '%s'\n", prog, path,
                    lineno, key);
            goto err;
        }
        *eq = '\0';
        val = eq + 1;
        for (end = eq; end > key && isspace((unsigned char)end[-1]); end--)
            end[-1] = '\0';
        while (isspace((unsigned char)*val))
            val++;
        for (end = val + strlen(val); end > val && isspace((unsigned char)end[-1]);
             end--)
            end[-1] = '\0';
        if (opts->n_owned == (int)(sizeof(opts->owned) / sizeof(opts->owned[0])))
            goto err;
        snprintf(where, sizeof(where), " (%s:%d)", path, lineno);
        if (strchr(key, '.')) {
            size_t n = strlen(key) + strlen(val) + 2;
            char *kv = malloc(n);
            if (!kv)
                goto err;
            snprintf(kv, n, "%s=%s", key, val);
            opts->owned[opts->n_owned++] = kv;
            if (set_value(opts, prog, slot_find(opts, "X"), kv, 1, where))
                goto err;
            continue;
        }
        if (!(slot = slot_find(opts, key))) {
            fprintf(stderr, "%s: %s:%d: unknown option '%s' (see --help)\n", prog, path,
                    lineno, key);
            goto err;
        }
        if (!(opts->owned[opts->n_owned] = strdup(val)))
            goto err;
        if (set_value(opts, prog, slot, opts->owned[opts->n_owned++], 1, where))
            goto err;
    }
    fclose(f);
    return 0;
err:
    fclose(f);
    return -1;
}

static void apply_env(eddy_opts_t *opts, const char *prog, int *bad)
{
    for (int i = 0; i < opts->n_slots; i++) {
        char env[80];
        const char *v;
        size_t j;

        if (opts->slots[i].opt->type == EDDY_OPT_MULTI)
            continue;
        snprintf(env, sizeof(env), "EDDY_%s", opts->slots[i].opt->name);
        for (j = 0; env[j]; j++)
            env[j] = env[j] == '-' ? '_' : (char)toupper((unsigned char)env[j]);
        if ((v = getenv(env)) && *v) {
            char where[128];
            snprintf(where, sizeof(where), " (from environment variable %s)", env);
            if (set_value(opts, prog, &opts->slots[i], v, 2, where))
                *bad = 1;
        }
    }
}

eddy_opts_t *eddy_opts_parse(const char *prog, const char *usage, const char *summary,
                             const eddy_opt_t *const *tables, int argc, char **argv,
                             int *exit_code)
{
    eddy_opts_t *opts = calloc(1, sizeof(*opts));
    const char *config = NULL;
    int bad = 0;

    *exit_code = 2;
    if (!opts)
        return NULL;
    for (int t = 0; tables[t]; t++)
        for (const eddy_opt_t *o = tables[t]; o->name; o++) {
            if (opts->n_slots == OPTS_MAX)
                goto err;
            opts->slots[opts->n_slots].opt = o;
            opts->slots[opts->n_slots++].value = o->def;
        }

    /* Command line first into slots with the highest source rank. */
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *value = NULL;
        char name[64];
        slot_t *slot;

        if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            print_help(prog, usage, summary, opts);
            *exit_code = 0;
            goto err;
        }
        if (!strcmp(a, "--help-markdown")) {
            print_markdown(opts);
            *exit_code = 0;
            goto err;
        }
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
        if (a[1] != '-') {
            if (!(slot = slot_find_short(opts, a[1]))) {
                fprintf(stderr, "%s: unknown option '%s' (see --help)\n", prog, a);
                goto err;
            }
            value = a[2] ? a + 2 : NULL;
        } else {
            const char *eq = strchr(a + 2, '=');
            size_t n = eq ? (size_t)(eq - (a + 2)) : strlen(a + 2);
            snprintf(name, sizeof(name), "%.*s", (int)n, a + 2);
            value = eq ? eq + 1 : NULL;
            slot = slot_find(opts, name);
            if (!slot && !strncmp(name, "no-", 3) && !value) {
                /* only a boolean has a --no- form; keep SLOT NULL otherwise */
                slot_t *neg = slot_find(opts, name + 3);
                if (neg && neg->opt->type == EDDY_OPT_BOOL) {
                    set_value(opts, prog, neg, "false", 3, "");
                    continue;
                }
            }
            if (!slot) {
                fprintf(stderr, "%s: unknown option '--%s' (see --help)\n", prog, name);
                goto err;
            }
        }
        if (!value && slot->opt->type == EDDY_OPT_BOOL)
            value = "true";
        if (!value) {
            if (i + 1 >= argc) {
                fprintf(stderr, "%s: option --%s needs a value\n", prog,
                        slot->opt->name);
                goto err;
            }
            value = argv[++i];
        }
        if (set_value(opts, prog, slot, value, 3, ""))
            goto err;
    }
    apply_env(opts, prog, &bad);
    if (bad)
        goto err;
    if ((config = eddy_opts_str(opts, "config")) && read_config(opts, prog, config))
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

const char *eddy_opts_str(const eddy_opts_t *opts, const char *name)
{
    slot_t *slot = slot_find((eddy_opts_t *)opts, name);
    return slot ? slot->value : NULL;
}

long long eddy_opts_int(const eddy_opts_t *opts, const char *name)
{
    const char *v = eddy_opts_str(opts, name);
    return v ? strtoll(v, NULL, 10) : 0;
}

double eddy_opts_double(const eddy_opts_t *opts, const char *name)
{
    const char *v = eddy_opts_str(opts, name);
    return v ? strtod(v, NULL) : 0.0;
}

int eddy_opts_bool(const eddy_opts_t *opts, const char *name)
{
    const char *v = eddy_opts_str(opts, name);
    return v ? bool_parse(v) == 1 : 0;
}

int64_t eddy_opts_duration_ms(const eddy_opts_t *opts, const char *name)
{
    const char *v = eddy_opts_str(opts, name);
    return v ? eddy_duration_parse_ms(v) : -1;
}

int eddy_opts_multi(const eddy_opts_t *opts, const char *name,
                    const char *const **values)
{
    static _Thread_local const char *found[MULTI_MAX];
    int n = 0;

    for (int i = 0; i < opts->n_multi; i++)
        if (!strcmp(opts->multi_name[i], name))
            found[n++] = opts->multi[i];
    *values = found;
    return n;
}

int eddy_opts_args(const eddy_opts_t *opts, const char *const **args)
{
    *args = opts->args;
    return opts->n_args;
}
