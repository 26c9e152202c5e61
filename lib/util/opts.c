/* util/opts.c: loading option maps (command line, environment, config
 * file, defaults) into the structs they are bound to. */
#include "util/opts.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/opts_internal.h"

const eddy_opt_t eddy_opts_common[] = {
    EDDY_OPT(eddy_common_conf_t, STR, bootstrap, "bootstrap", 'b', "127.0.0.1:9092",
             "Kafka bootstrap servers (host:port[,host:port])"),
    EDDY_OPT(eddy_common_conf_t, LIST, kafka_props, "X", 'X', NULL,
             "librdkafka property key=value, passed through untouched (repeatable): "
             "security.protocol, sasl.*, ssl.*, ..."),
    EDDY_OPT(eddy_common_conf_t, STR, config, "config", 'c', NULL,
             "read options from FILE: lines of name=value; a name with a dot is a "
             "librdkafka property"),
    EDDY_OPT(eddy_common_conf_t, STR, log_level, "log-level", 0, "info",
             "error, warn, info or debug", .choices = "error|warn|info|debug"),
    EDDY_OPT(
        eddy_common_conf_t, STR, schema_registry, "schema-registry", 0, NULL,
        "Schema Registry URL (http://host:port): the schema written is registered "
        "as TOPIC-value, writer schemas are fetched by id (default: built-in ids)"),
    EDDY_OPT_TABLE_END};

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

static int is_bounded(const eddy_opt_t *opt)
{
    return opt->min < opt->max;
}

int eddy_opt_in_bounds(const eddy_opt_t *opt, double v)
{
    if ((opt->flags & EDDY_OPT_WHOLE) && v != floor(v))
        return 0;
    if (opt->type == EDDY_OPT_INT && opt->size == sizeof(int) &&
        (v < INT_MIN || v > INT_MAX))
        return 0;
    return !is_bounded(opt) || (v >= opt->min && v <= opt->max);
}

/* What a value of OPT must be, e.g. "an integer in [1, 256]". */
static void describe_expected(const eddy_opt_t *opt, char *out, size_t size)
{
    const char *what = opt->type == EDDY_OPT_INT || (opt->flags & EDDY_OPT_WHOLE)
                           ? "an integer"
                       : opt->type == EDDY_OPT_DURATION ? "a duration"
                                                        : "a number";
    const char *unit = opt->type == EDDY_OPT_DURATION ? " ms" : "";

    if (!is_bounded(opt) && opt->type == EDDY_OPT_INT && opt->size == sizeof(int))
        snprintf(out, size, "%s in [%d, %d]", what, INT_MIN, INT_MAX);
    else if (!is_bounded(opt))
        snprintf(out, size, "%s", what);
    else if (opt->max >= EDDY_OPT_NO_MAX)
        snprintf(out, size, "%s >= %.15g%s", what, opt->min, unit);
    else
        snprintf(out, size, "%s in [%.15g, %.15g]%s", what, opt->min, opt->max, unit);
}

static int choice_ok(const char *choices, const char *v)
{
    size_t n = strlen(v);

    for (const char *c = choices; c && *c;) {
        const char *bar = strchr(c, '|');
        size_t len = bar ? (size_t)(bar - c) : strlen(c);
        if (len == n && !strncmp(c, v, n))
            return 1;
        c = bar ? bar + 1 : c + len;
    }
    return 0;
}

/* "one of error, warn, info, debug" for "error|warn|info|debug". */
static void describe_choices(const char *choices, char *out, size_t size)
{
    size_t used = (size_t)snprintf(out, size, "one of ");

    for (const char *c = choices; *c && used + 3 < size; c++) {
        if (*c == '|') {
            out[used++] = ',';
            out[used++] = ' ';
        } else {
            out[used++] = *c;
        }
    }
    out[used < size ? used : size - 1] = '\0';
}

/* Parses TEXT into OUT per OPT's type; -1 with EXPECT on a bad value. */
static int parse_text(const eddy_opt_t *opt, const char *text, opt_value_t *out,
                      char *expect, size_t expect_size)
{
    char *end;
    int b;

    switch (opt->type) {
    case EDDY_OPT_INT:
        errno = 0;
        out->i = strtoll(text, &end, 10);
        if (errno || end == text || *end) {
            snprintf(expect, expect_size, "an integer");
            return -1;
        }
        out->d = (double)out->i;
        break;
    case EDDY_OPT_DOUBLE:
        if ((opt->flags & EDDY_OPT_WHOLE) && opt->min == 0 && opt->max == 1 &&
            (!strcmp(text, "true") || !strcmp(text, "false"))) {
            out->d = !strcmp(text, "true");
            break;
        }
        errno = 0;
        out->d = strtod(text, &end);
        if (errno || end == text || *end || !isfinite(out->d)) {
            snprintf(expect, expect_size, "a number");
            return -1;
        }
        break;
    case EDDY_OPT_BOOL:
        if ((b = bool_parse(text)) < 0) {
            snprintf(expect, expect_size, "true or false");
            return -1;
        }
        out->i = b;
        return 0;
    case EDDY_OPT_DURATION:
        if ((out->i = eddy_duration_parse_ms(text)) < 0) {
            snprintf(expect, expect_size, "a duration such as 250ms, 2s, 5m or 1h");
            return -1;
        }
        out->d = (double)out->i;
        break;
    case EDDY_OPT_MULTI:
        if (!strchr(text, '=')) {
            snprintf(expect, expect_size, "key=value");
            return -1;
        }
        return 0;
    default:
        if (opt->choices && !choice_ok(opt->choices, text)) {
            describe_choices(opt->choices, expect, expect_size);
            return -1;
        }
        out->s = text;
        return 0;
    }
    if (!eddy_opt_in_bounds(opt, out->d)) {
        describe_expected(opt, expect, expect_size);
        return -1;
    }
    return 0;
}

void opt_write(const eddy_opt_t *opt, void *conf, const opt_value_t *v)
{
    char *field = (char *)conf + opt->offset;

    switch (opt->type) {
    case EDDY_OPT_STRING:
        memcpy(field, &v->s, sizeof(v->s));
        break;
    case EDDY_OPT_INT:
    case EDDY_OPT_BOOL:
    case EDDY_OPT_DURATION:
        if (opt->size == sizeof(int)) {
            int i = (int)v->i;
            memcpy(field, &i, sizeof(i));
        } else {
            memcpy(field, &v->i, sizeof(v->i));
        }
        break;
    case EDDY_OPT_DOUBLE:
        memcpy(field, &v->d, sizeof(v->d));
        break;
    case EDDY_OPT_MULTI:
        memcpy(field, &v->list, sizeof(v->list));
        break;
    default:
        break;
    }
}

int opt_check(const eddy_opt_t *opt, const char *text, opt_value_t *out, char *expect,
              size_t expect_size)
{
    return parse_text(opt, text, out, expect, expect_size);
}

int eddy_opt_store(const eddy_opt_t *opt, void *conf, const char *text, char *expect,
                   size_t expect_size)
{
    opt_value_t v = {0};

    if (parse_text(opt, text, &v, expect, expect_size))
        return -1;
    opt_write(opt, conf, &v);
    return 0;
}

/* The value of an option that is neither given nor defaulted. */
void opt_unset(const eddy_opt_t *opt, opt_value_t *v)
{
    memset(v, 0, sizeof(*v));
    if (opt->type == EDDY_OPT_DURATION)
        v->i = -1;
}

int eddy_opts_defaults(const eddy_opt_t *table, void *conf)
{
    char expect[128];

    for (const eddy_opt_t *o = table; o->name; o++) {
        opt_value_t v;
        opt_unset(o, &v);
        if (o->def && o->type != EDDY_OPT_MULTI &&
            parse_text(o, o->def, &v, expect, sizeof(expect)))
            return -1;
        opt_write(o, conf, &v);
    }
    return 0;
}

const eddy_opt_t *opt_find(const eddy_opt_t *table, const char *name, size_t len)
{
    for (const eddy_opt_t *o = table; o->name; o++)
        if (strlen(o->name) == len && !strncmp(o->name, name, len))
            return o;
    return NULL;
}

/* "lr, intercept_lr, l2" for messages. */
static void list_names(const eddy_opt_t *table, char *buf, size_t size)
{
    size_t used = 0;

    snprintf(buf, size, "none");
    for (const eddy_opt_t *o = table; o->name && used < size; o++) {
        int k = snprintf(buf + used, size - used, "%s%s", used ? ", " : "", o->name);
        if (k < 0)
            break;
        used += (size_t)k;
    }
}

static void trim(const char **b, const char **e)
{
    while (*b < *e && isspace((unsigned char)**b))
        (*b)++;
    while (*e > *b && isspace((unsigned char)(*e)[-1]))
        (*e)--;
}

/* Loads one "key=value" item [B, E) of eddy_opts_load_kv. */
static int load_item(const eddy_opt_t *table, void *conf, const char *b, const char *e,
                     unsigned long long *given, const char *owner, char *errstr,
                     size_t errstr_size)
{
    const char *eq = memchr(b, '=', (size_t)(e - b));
    const char *kb = b, *ke = eq ? eq : e, *vb = eq ? eq + 1 : e, *ve = e;
    const eddy_opt_t *o;
    char value[64], expect[128], known[256];
    size_t vlen, idx;

    trim(&kb, &ke);
    trim(&vb, &ve);
    if (!(o = opt_find(table, kb, (size_t)(ke - kb)))) {
        list_names(table, known, sizeof(known));
        snprintf(errstr, errstr_size, "unknown parameter '%.*s' for %s (known: %s)",
                 (int)(ke - kb), kb, owner, known);
        return -1;
    }
    idx = (size_t)(o - table);
    if (!eq) {
        snprintf(errstr, errstr_size, "parameter '%s' of %s needs a value (%s=...)",
                 o->name, owner, o->name);
        return -1;
    }
    if (idx < 64 && (*given & (1ull << idx))) {
        snprintf(errstr, errstr_size, "parameter '%s' of %s is given twice", o->name,
                 owner);
        return -1;
    }
    *given |= idx < 64 ? 1ull << idx : 0;
    vlen = (size_t)(ve - vb);
    if (o->type == EDDY_OPT_STRING || o->type == EDDY_OPT_MULTI ||
        vlen >= sizeof(value) ||
        (memcpy(value, vb, vlen), value[vlen] = '\0',
         eddy_opt_store(o, conf, value, expect, sizeof(expect)))) {
        describe_expected(o, expect, sizeof(expect));
        snprintf(errstr, errstr_size,
                 "bad value '%.*s' for parameter '%s' of %s: expected %s (%s)",
                 (int)vlen, vb, o->name, owner, expect, o->help);
        return -1;
    }
    return 0;
}

int eddy_opts_load_kv(const eddy_opt_t *table, void *conf, const char *text,
                      const char *owner, char *errstr, size_t errstr_size)
{
    unsigned long long given = 0;

    for (const char *p = text; p && *p;) {
        const char *end = strchr(p, ',');
        const char *b = p, *e;

        end = end ? end : p + strlen(p);
        e = end;
        trim(&b, &e);
        if (b < e && load_item(table, conf, b, e, &given, owner, errstr, errstr_size))
            return -1;
        p = *end ? end + 1 : end;
    }
    return 0;
}
