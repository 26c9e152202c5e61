/* util/opts_doc.c: what the option tables say about themselves: --help,
 * --help-markdown (the README's tables) and JSON (--describe). */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "util/opts_internal.h"

void opts_env_name(const eddy_opt_t *opt, char *out, size_t size)
{
    snprintf(out, size, "EDDY_%s", opt->name);
    for (size_t j = 0; out[j]; j++)
        out[j] = out[j] == '-' ? '_' : (char)toupper((unsigned char)out[j]);
}

/* ", 1..256" or ", at least 1" after the help of a bounded number. */
static void range_text(const eddy_opt_t *o, char *out, size_t size)
{
    const char *unit = o->type == EDDY_OPT_DURATION ? "ms" : "";

    out[0] = '\0';
    if (!(o->min < o->max) || o->type == EDDY_OPT_STRING || o->type == EDDY_OPT_BOOL)
        return;
    if (o->max >= EDDY_OPT_NO_MAX)
        snprintf(out, size, ", at least %.15g%s", o->min, unit);
    else
        snprintf(out, size, ", %.15g%s..%.15g%s", o->min, unit, o->max, unit);
}

void opts_print_help(const eddy_opts_prog_t *prog, const eddy_opts_t *opts)
{
    printf("Usage: %s %s\n\n%s\n\nOptions:\n", prog->name, prog->usage, prog->summary);
    for (int i = 0; i < opts->n_slots; i++) {
        const eddy_opt_t *o = opts->slots[i].opt;
        char left[64], env[64], range[64];

        range_text(o, range, sizeof(range));
        if (o->shortname && strlen(o->name) == 1)
            snprintf(left, sizeof(left), "-%c key=value", o->shortname);
        else if (o->shortname)
            snprintf(left, sizeof(left), "-%c, --%s", o->shortname, o->name);
        else
            snprintf(left, sizeof(left), "    --%s", o->name);
        printf("  %-28s %s%s", left, o->help, range);
        if (o->def)
            printf(" (default: %s)", o->def);
        if (o->type != EDDY_OPT_MULTI) {
            opts_env_name(o, env, sizeof(env));
            printf(" [%s]", env);
        }
        printf("\n");
    }
    printf("  %-28s %s\n", "-h, --help", "show this help and exit");
    printf("  %-28s %s\n", "    --version",
           "print the program's name and version and exit");
    printf("  %-28s %s\n", "    --help-markdown",
           "print the options as a Markdown table");
    printf("  %-28s %s\n", "    --describe",
           "print what the program is (JSON: topics, group, port, options) and exit");
}

void opts_print_markdown(const eddy_opts_t *opts)
{
    printf("| option | default | description |\n|---|---|---|\n");
    for (int i = 0; i < opts->n_slots; i++) {
        const eddy_opt_t *o = opts->slots[i].opt;
        char range[64];

        range_text(o, range, sizeof(range));
        if (strlen(o->name) == 1)
            printf("| `-%s key=value` | | %s |\n", o->name, o->help);
        else
            printf("| `--%s` | %s%s%s | %s%s |\n", o->name, o->def ? "`" : "",
                   o->def ? o->def : "", o->def ? "`" : "", o->help, range);
    }
}

/* Appends S as a JSON string (or null). */
static void json_str(eddy_buf_t *out, const char *s)
{
    if (!s) {
        eddy_buf_printf(out, "null");
        return;
    }
    eddy_buf_append(out, "\"", 1);
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\')
            eddy_buf_printf(out, "\\%c", c);
        else if (c < 0x20)
            eddy_buf_printf(out, "\\u%04x", c);
        else
            eddy_buf_append(out, s, 1);
    }
    eddy_buf_append(out, "\"", 1);
}

static const char *type_name(eddy_opt_type_t t)
{
    static const char *const names[] = {"string", "int",      "double",
                                        "bool",   "duration", "multi"};
    return t < EDDY_OPT__END ? names[t] : "?";
}

static void json_opt(eddy_buf_t *out, const eddy_opt_t *o)
{
    char env[80], shortname[2] = {o->shortname, 0};

    eddy_buf_printf(out, "{\"name\":");
    json_str(out, o->name);
    eddy_buf_printf(out, ",\"short\":");
    json_str(out, o->shortname ? shortname : NULL);
    eddy_buf_printf(out, ",\"type\":\"%s\",\"default\":", type_name(o->type));
    json_str(out, o->def);
    if (o->min < o->max)
        eddy_buf_printf(out, ",\"min\":%.17g,\"max\":%.17g", o->min, o->max);
    if (o->choices) {
        eddy_buf_printf(out, ",\"choices\":");
        json_str(out, o->choices);
    }
    opts_env_name(o, env, sizeof(env));
    eddy_buf_printf(out, ",\"env\":");
    json_str(out, o->type == EDDY_OPT_MULTI ? NULL : env);
    eddy_buf_printf(out, ",\"help\":");
    json_str(out, o->help);
    eddy_buf_printf(out, "}");
}

void eddy_opts_describe_json(const eddy_opt_map_t *maps, eddy_buf_t *out)
{
    int n = 0;

    eddy_buf_printf(out, "[");
    for (const eddy_opt_map_t *m = maps; m->opts; m++)
        for (const eddy_opt_t *o = m->opts; o->name; o++) {
            if (n++)
                eddy_buf_printf(out, ",");
            json_opt(out, o);
        }
    eddy_buf_printf(out, "]");
}
