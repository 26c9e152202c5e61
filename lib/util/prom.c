/* util/prom.c: Prometheus text format 0.0.4 writer (see prom.h). */
#include "util/prom.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PROM_DEFAULT_CAP 4096
#define PROM_ERRSTR_MAX  160

struct eddy_prom_buf_s {
    eddy_buf_t own;   /* the text, unless written over a caller's buffer */
    eddy_buf_t *text; /* &own or the caller's */
    int error;
    char errstr[PROM_ERRSTR_MAX];
    /* Family currently open (an index into families, or -1). */
    long open;
    eddy_prom_type_t open_type;
    /* Names of every family opened since the last reset. */
    char **families;
    size_t n_families;
    size_t cap_families;
};

static int prom_fail(eddy_prom_buf_t *b, int code, const char *fmt, ...)
{
    if (b->error != EDDY_PROM_OK) {
        return b->error;
    }
    b->error = code;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(b->errstr, sizeof b->errstr, fmt, ap);
    va_end(ap);
    return code;
}

/* A writer over TEXT (NULL: its own text, starting with CAP bytes). */
static eddy_prom_buf_t *prom_new(eddy_buf_t *text, size_t cap)
{
    eddy_prom_buf_t *b = calloc(1, sizeof *b);
    if (b == NULL) {
        return NULL;
    }
    b->text = text != NULL ? text : &b->own;
    b->open = -1;
    if (eddy_buf_reserve(b->text, cap) != 0) { /* data is never NULL */
        eddy_prom_buf_destroy(b);
        return NULL;
    }
    return b;
}

eddy_prom_buf_t *eddy_prom_buf_new(size_t initial_cap)
{
    return prom_new(NULL, initial_cap > 0 ? initial_cap : PROM_DEFAULT_CAP);
}

eddy_prom_buf_t *eddy_prom_buf_over(eddy_buf_t *out)
{
    return prom_new(out, 0);
}

static void prom_clear_families(eddy_prom_buf_t *b)
{
    for (size_t i = 0; i < b->n_families; i++) {
        free(b->families[i]);
    }
    b->n_families = 0;
    b->open = -1;
}

void eddy_prom_buf_destroy(eddy_prom_buf_t *buf)
{
    if (buf == NULL) {
        return;
    }
    prom_clear_families(buf);
    free(buf->families);
    eddy_buf_free(&buf->own);
    free(buf);
}

void eddy_prom_buf_reset(eddy_prom_buf_t *buf)
{
    prom_clear_families(buf);
    eddy_buf_reset(buf->text);
    buf->error = EDDY_PROM_OK;
    buf->errstr[0] = '\0';
}

const char *eddy_prom_buf_data(const eddy_prom_buf_t *buf)
{
    return buf->text->data;
}

size_t eddy_prom_buf_len(const eddy_prom_buf_t *buf)
{
    return buf->text->len;
}

int eddy_prom_buf_error(const eddy_prom_buf_t *buf)
{
    return buf->error;
}

const char *eddy_prom_buf_errstr(const eddy_prom_buf_t *buf)
{
    return buf->errstr;
}

const char *eddy_prom_strerror(int code)
{
    switch (code) {
    case EDDY_PROM_OK:
        return "success";
    case EDDY_PROM_ENOMEM:
        return "out of memory";
    case EDDY_PROM_EINVAL:
        return "invalid argument";
    case EDDY_PROM_EDUP:
        return "metric family written twice";
    case EDDY_PROM_ESTATE:
        return "sample outside a matching metric family";
    default:
        return "unknown error";
    }
}

static int prom_put(eddy_prom_buf_t *b, const char *s, size_t n)
{
    if (b->error != EDDY_PROM_OK) {
        return b->error;
    }
    if (eddy_buf_append(b->text, s, n) != 0) {
        return prom_fail(b, EDDY_PROM_ENOMEM, "out of memory growing the buffer");
    }
    return EDDY_PROM_OK;
}

static int prom_puts(eddy_prom_buf_t *b, const char *s)
{
    return prom_put(b, s, strlen(s));
}

static int prom_putc(eddy_prom_buf_t *b, char c)
{
    return prom_put(b, &c, 1);
}

size_t eddy_prom_format_double(double v, char *out)
{
    if (isnan(v)) {
        memcpy(out, "NaN", 4);
        return 3;
    }
    if (isinf(v)) {
        memcpy(out, v > 0 ? "+Inf" : "-Inf", 5);
        return 4;
    }
    int n = 0;
    for (int prec = 15; prec <= 17; prec++) {
        n = snprintf(out, EDDY_PROM_DOUBLE_MAX, "%.*g", prec, v);
        if (prec == 17 || strtod(out, NULL) == v) {
            break;
        }
    }
    return n > 0 ? (size_t)n : 0;
}

static int prom_put_double(eddy_prom_buf_t *b, double v)
{
    char tmp[EDDY_PROM_DOUBLE_MAX];
    size_t n = eddy_prom_format_double(v, tmp);
    return prom_put(b, tmp, n);
}

static int prom_is_metric_name(const char *s)
{
    if (s == NULL || *s == '\0') {
        return 0;
    }
    for (const char *p = s; *p != '\0'; p++) {
        char c = *p;
        int alpha =
            (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':';
        int digit = c >= '0' && c <= '9';
        if (!alpha && !(digit && p != s)) {
            return 0;
        }
    }
    return 1;
}

static int prom_is_label_name(const char *s)
{
    if (s == NULL || *s == '\0' || (s[0] == '_' && s[1] == '_')) {
        return 0;
    }
    for (const char *p = s; *p != '\0'; p++) {
        char c = *p;
        int alpha = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
        int digit = c >= '0' && c <= '9';
        if (!alpha && !(digit && p != s)) {
            return 0;
        }
    }
    return 1;
}

/* 1 when S is well-formed UTF-8 (no overlongs, no surrogates, <= U+10FFFF). */
static int prom_is_utf8(const char *s)
{
    if (s == NULL) {
        return 0;
    }
    const unsigned char *p = (const unsigned char *)s;
    while (*p != 0) {
        unsigned char c = *p;
        size_t n;
        unsigned long cp;
        if (c < 0x80) {
            p++;
            continue;
        } else if (c >= 0xC2 && c <= 0xDF) {
            n = 1;
            cp = c & 0x1Fu;
        } else if (c >= 0xE0 && c <= 0xEF) {
            n = 2;
            cp = c & 0x0Fu;
        } else if (c >= 0xF0 && c <= 0xF4) {
            n = 3;
            cp = c & 0x07u;
        } else {
            return 0;
        }
        for (size_t i = 1; i <= n; i++) {
            if ((p[i] & 0xC0u) != 0x80u) {
                return 0;
            }
            cp = (cp << 6) | (p[i] & 0x3Fu);
        }
        if ((n == 2 && cp < 0x800) || (n == 3 && (cp < 0x10000 || cp > 0x10FFFF)) ||
            (cp >= 0xD800 && cp <= 0xDFFF)) {
            return 0;
        }
        p += n + 1;
    }
    return 1;
}

int eddy_prom_valid_label_value(const char *s)
{
    return prom_is_utf8(s);
}

static int prom_put_escaped(eddy_prom_buf_t *b, const char *s, int escape_quote)
{
    const char *run = s;
    for (const char *p = s; *p != '\0'; p++) {
        const char *rep = NULL;
        if (*p == '\\') {
            rep = "\\\\";
        } else if (*p == '\n') {
            rep = "\\n";
        } else if (*p == '"' && escape_quote) {
            rep = "\\\"";
        }
        if (rep != NULL) {
            prom_put(b, run, (size_t)(p - run));
            prom_puts(b, rep);
            run = p + 1;
        }
    }
    return prom_put(b, run, strlen(run));
}

static const char *prom_type_name(eddy_prom_type_t type)
{
    switch (type) {
    case EDDY_PROM_COUNTER:
        return "counter";
    case EDDY_PROM_GAUGE:
        return "gauge";
    case EDDY_PROM_HISTOGRAM:
        return "histogram";
    case EDDY_PROM_UNTYPED:
        return "untyped";
    }
    return NULL;
}

int eddy_prom_family(eddy_prom_buf_t *buf, const char *name, eddy_prom_type_t type,
                     const char *help)
{
    if (buf->error != EDDY_PROM_OK) {
        return buf->error;
    }
    const char *tname = prom_type_name(type);
    if (tname == NULL) {
        return prom_fail(buf, EDDY_PROM_EINVAL, "unknown metric type %d", (int)type);
    }
    if (!prom_is_metric_name(name)) {
        return prom_fail(buf, EDDY_PROM_EINVAL, "invalid metric name \"%.64s\"",
                         name != NULL ? name : "(null)");
    }
    size_t nlen = strlen(name);
    if (type == EDDY_PROM_COUNTER &&
        (nlen < 6 || strcmp(name + nlen - 6, "_total") != 0)) {
        return prom_fail(buf, EDDY_PROM_EINVAL, "counter \"%.64s\" must end in _total",
                         name);
    }
    if (help != NULL && !prom_is_utf8(help)) {
        return prom_fail(buf, EDDY_PROM_EINVAL, "HELP of \"%.64s\" is not UTF-8", name);
    }
    for (size_t i = 0; i < buf->n_families; i++) {
        if (strcmp(buf->families[i], name) == 0) {
            return prom_fail(buf, EDDY_PROM_EDUP,
                             "metric family \"%.64s\" written twice", name);
        }
    }
    if (eddy_grow(&buf->families, buf->n_families, &buf->cap_families,
                  sizeof(*buf->families), 16) != 0) {
        return prom_fail(buf, EDDY_PROM_ENOMEM, "out of memory");
    }
    char *copy = malloc(nlen + 1);
    if (copy == NULL) {
        return prom_fail(buf, EDDY_PROM_ENOMEM, "out of memory");
    }
    memcpy(copy, name, nlen + 1);
    buf->families[buf->n_families] = copy;
    buf->open = (long)buf->n_families;
    buf->open_type = type;
    buf->n_families++;

    if (help != NULL) {
        prom_puts(buf, "# HELP ");
        prom_puts(buf, name);
        prom_putc(buf, ' ');
        prom_put_escaped(buf, help, 0);
        prom_putc(buf, '\n');
    }
    prom_puts(buf, "# TYPE ");
    prom_puts(buf, name);
    prom_putc(buf, ' ');
    prom_puts(buf, tname);
    return prom_putc(buf, '\n');
}

static int prom_check_labels(eddy_prom_buf_t *b, const eddy_prom_label_t *labels,
                             size_t n_labels)
{
    if (n_labels > 0 && labels == NULL) {
        return prom_fail(b, EDDY_PROM_EINVAL, "labels is NULL");
    }
    for (size_t i = 0; i < n_labels; i++) {
        if (!prom_is_label_name(labels[i].name)) {
            return prom_fail(b, EDDY_PROM_EINVAL, "invalid label name \"%.64s\"",
                             labels[i].name != NULL ? labels[i].name : "(null)");
        }
        if (labels[i].value == NULL || !prom_is_utf8(labels[i].value)) {
            return prom_fail(b, EDDY_PROM_EINVAL,
                             "value of label \"%.64s\" is NULL or not UTF-8",
                             labels[i].name);
        }
    }
    return EDDY_PROM_OK;
}

/* Writes NAME SUFFIX {labels[, le="LE"]} VALUE\n; labels already checked. */
static int prom_line(eddy_prom_buf_t *b, const char *suffix,
                     const eddy_prom_label_t *labels, size_t n_labels, const char *le,
                     double value)
{
    prom_puts(b, b->families[b->open]);
    if (suffix != NULL) {
        prom_puts(b, suffix);
    }
    if (n_labels > 0 || le != NULL) {
        prom_putc(b, '{');
        for (size_t i = 0; i < n_labels; i++) {
            if (i > 0) {
                prom_putc(b, ',');
            }
            prom_puts(b, labels[i].name);
            prom_puts(b, "=\"");
            prom_put_escaped(b, labels[i].value, 1);
            prom_putc(b, '"');
        }
        if (le != NULL) {
            if (n_labels > 0) {
                prom_putc(b, ',');
            }
            prom_puts(b, "le=\"");
            prom_puts(b, le);
            prom_putc(b, '"');
        }
        prom_putc(b, '}');
    }
    prom_putc(b, ' ');
    prom_put_double(b, value);
    return prom_putc(b, '\n');
}

int eddy_prom_sample(eddy_prom_buf_t *buf, const eddy_prom_label_t *labels,
                     size_t n_labels, double value)
{
    if (buf->error != EDDY_PROM_OK) {
        return buf->error;
    }
    if (buf->open < 0 || buf->open_type == EDDY_PROM_HISTOGRAM) {
        return prom_fail(buf, EDDY_PROM_ESTATE,
                         "plain sample needs an open counter, gauge or untyped family");
    }
    int rc = prom_check_labels(buf, labels, n_labels);
    if (rc != EDDY_PROM_OK) {
        return rc;
    }
    return prom_line(buf, NULL, labels, n_labels, NULL, value);
}

int eddy_prom_histogram(eddy_prom_buf_t *buf, const eddy_prom_label_t *labels,
                        size_t n_labels, const double *bounds, size_t n_bounds,
                        const uint64_t *counts, double sum)
{
    if (buf->error != EDDY_PROM_OK) {
        return buf->error;
    }
    if (buf->open < 0 || buf->open_type != EDDY_PROM_HISTOGRAM) {
        return prom_fail(buf, EDDY_PROM_ESTATE,
                         "histogram needs an open histogram family");
    }
    int rc = prom_check_labels(buf, labels, n_labels);
    if (rc != EDDY_PROM_OK) {
        return rc;
    }
    if (counts == NULL || (n_bounds > 0 && bounds == NULL)) {
        return prom_fail(buf, EDDY_PROM_EINVAL, "histogram bounds or counts is NULL");
    }
    for (size_t i = 0; i < n_labels; i++) {
        if (strcmp(labels[i].name, "le") == 0) {
            return prom_fail(buf, EDDY_PROM_EINVAL,
                             "histogram labels must not include le");
        }
    }
    for (size_t i = 0; i < n_bounds; i++) {
        if (!isfinite(bounds[i]) || (i > 0 && !(bounds[i] > bounds[i - 1]))) {
            return prom_fail(buf, EDDY_PROM_EINVAL,
                             "histogram bounds must be finite and strictly increasing");
        }
    }
    uint64_t cumulative = 0;
    char le[EDDY_PROM_DOUBLE_MAX];
    for (size_t i = 0; i < n_bounds; i++) {
        cumulative += counts[i];
        eddy_prom_format_double(bounds[i], le);
        prom_line(buf, "_bucket", labels, n_labels, le, (double)cumulative);
    }
    cumulative += counts[n_bounds];
    prom_line(buf, "_bucket", labels, n_labels, "+Inf", (double)cumulative);
    prom_line(buf, "_sum", labels, n_labels, NULL, sum);
    return prom_line(buf, "_count", labels, n_labels, NULL, (double)cumulative);
}

const double eddy_prom_latency_bounds[EDDY_PROM_LATENCY_BOUNDS] = {
    0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
    0.05,   0.1,     0.25,   0.5,   1,      2.5,   5,    10};

void eddy_prom_latency_observe(eddy_prom_latency_t *h, double seconds)
{
    size_t b = 0;

    if (!(seconds > 0))
        seconds = 0;
    while (b < EDDY_PROM_LATENCY_BOUNDS && seconds > eddy_prom_latency_bounds[b])
        b++;
    h->counts[b]++;
    h->sum += seconds;
}

int eddy_prom_latency_write(eddy_prom_buf_t *buf, const eddy_prom_label_t *labels,
                            size_t n_labels, const eddy_prom_latency_t *h)
{
    return eddy_prom_histogram(buf, labels, n_labels, eddy_prom_latency_bounds,
                               EDDY_PROM_LATENCY_BOUNDS, h->counts, h->sum);
}
