#include "ingest_core.h"

#include <csv.h>
#include <ctype.h>
#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "util/series.h"
#include "util/utf8.h"

#define LINE_MAX_BYTES 4096
#define MAX_COLS       16
#define HEADER_TEXT    160

typedef struct seq_s {
    int64_t next;
} seq_t;

struct eddy_ingest_parser_s {
    char default_series[EDDY_SERIES_ID_MAX + 1];
    int64_t seq_start;
    eddy_ingest_format_t fmt;
    int started;     /* a first non-blank record was seen (BOM, delimiter) */
    int header_seen; /* the layout is decided */
    int had_header;  /* ... by a header row */
    int col_time, col_input, col_value, col_series, n_cols;
    char header[HEADER_TEXT]; /* the header row, for messages */
    char *errstr;             /* of the current call */
    size_t errstr_size;
    eddy_reason_t reason;
    const char *kind;
    struct csv_parser csv;
    char fieldbuf[LINE_MAX_BYTES + MAX_COLS + 1];
    char *fields[MAX_COLS];
    int n_fields, n_rows, overflow;
    size_t used;
    eddy_series_t *seqs;
};

/* Header spellings, most specific first; compared ignoring case. */
static const char *const time_names[] = {
    "ds",   "date", "timestamp", "datetime", "date_time", "time", "event_time", "month",
    "week", "day",  "period",    "quarter",  "year",      "dt",   "input",      NULL};
static const char *const value_names[] = {
    "target", "y",      "value", "values",      "#passengers", "passengers",
    "sales",  "demand", "count", "observation", "quantity",    NULL};
static const char *const input_name[] = {"input", NULL};
static const char *const series_names[] = {"series_id", "unique_id", "series", "id",
                                           "item_id",   "sensor_id", "key",    NULL};

static int is_space_only(unsigned char c)
{
    return c == ' ';
}

eddy_ingest_parser_t *eddy_ingest_parser_new(const char *default_series,
                                             int64_t seq_start, size_t max_series)
{
    eddy_ingest_parser_t *p = calloc(1, sizeof(*p));

    if (!p)
        return NULL;
    snprintf(p->default_series, sizeof(p->default_series), "%s", default_series);
    p->seq_start = seq_start;
    p->col_time = p->col_input = 0;
    p->col_value = 1;
    p->col_series = -1;
    p->n_cols = 2;
    snprintf(p->header, sizeof(p->header), "input,target");
    if (csv_init(&p->csv, CSV_STRICT | CSV_STRICT_FINI)) {
        free(p);
        return NULL;
    }
    if (!(p->seqs = eddy_series_new(max_series, free))) {
        csv_free(&p->csv);
        free(p);
        return NULL;
    }
    return p;
}

void eddy_ingest_parser_destroy(eddy_ingest_parser_t *p)
{
    if (!p)
        return;
    eddy_series_destroy(p->seqs);
    csv_free(&p->csv);
    free(p);
}

int eddy_ingest_parser_set_format(eddy_ingest_parser_t *p,
                                  const eddy_ingest_format_t *format, char *errstr,
                                  size_t errstr_size)
{
    char d = format->delimiter;

    if (d && d != ',' && d != ';' && d != '\t') {
        snprintf(errstr, errstr_size, "delimiter '%c' is not ',', ';' or a tab", d);
        return -1;
    }
    p->fmt = *format;
    return 0;
}

eddy_reason_t eddy_ingest_last_reason(const eddy_ingest_parser_t *p)
{
    return p->reason;
}

const char *eddy_ingest_last_kind(const eddy_ingest_parser_t *p)
{
    return p->kind ? p->kind : "bad_row";
}

int eddy_ingest_parser_saw_header(const eddy_ingest_parser_t *p)
{
    return p->had_header;
}

int eddy_parse_event_time(const char *text, int64_t *ms)
{
    return eddy_time_parse(text, strlen(text), NULL, ms, NULL, 0);
}

/* Records why the current row is refused; returns EDDY_ROW_BAD. */
static eddy_row_result_t refuse(eddy_ingest_parser_t *p, const char *kind,
                                const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static eddy_row_result_t refuse(eddy_ingest_parser_t *p, const char *kind,
                                const char *fmt, ...)
{
    va_list ap;

    p->kind = kind;
    va_start(ap, fmt);
    vsnprintf(p->errstr, p->errstr_size, fmt, ap);
    va_end(ap);
    return EDDY_ROW_BAD;
}

/* TEXT as it may be printed: bytes outside printable ASCII as \xNN, cut to
 * about 40 bytes. */
static const char *printable(const char *text, char *out, size_t size)
{
    size_t o = 0;

    for (const unsigned char *c = (const unsigned char *)text; *c && o + 5 < size;
         c++) {
        if (o >= 40) {
            memcpy(out + o, "...", 3);
            o += 3;
            break;
        }
        if (*c >= 0x20 && *c < 0x7f)
            out[o++] = (char)*c;
        else
            o += (size_t)snprintf(out + o, size - o, "\\x%02x", *c);
    }
    out[o] = '\0';
    return out;
}

static eddy_row_result_t check_utf8(eddy_ingest_parser_t *p, const char *what,
                                    const char *text)
{
    size_t len = strlen(text), at = eddy_utf8_invalid_at(text, len);
    char shown[64];

    if (at == len)
        return EDDY_ROW_OK;
    p->reason = EDDY_REASON_INVALID_UTF8;
    return refuse(p, "invalid_utf8",
                  "%s '%s' is not UTF-8 (byte 0x%02x at offset %zu): re-encode the "
                  "input as UTF-8, e.g. iconv -f latin1 -t utf-8",
                  what, printable(text, shown, sizeof(shown)), (unsigned char)text[at],
                  at);
}

static eddy_row_result_t check_series(eddy_ingest_parser_t *p, const char *id)
{
    size_t n = strlen(id);

    if (n == 0 || n > EDDY_SERIES_ID_MAX)
        return refuse(p, "series_id", "series_id '%.40s' must be 1..%d bytes", id,
                      EDDY_SERIES_ID_MAX);
    for (const char *c = id; *c; c++)
        if ((unsigned char)*c < 0x20)
            return refuse(p, "series_id",
                          "series_id '%.40s' contains a control character", id);
    return check_utf8(p, "series_id", id);
}

static eddy_row_result_t next_seq(eddy_ingest_parser_t *p, const char *series,
                                  int64_t *seq)
{
    seq_t *s = eddy_series_get(p->seqs, series);

    if (!s) {
        if (!(s = malloc(sizeof(*s))))
            return refuse(p, "nomem", "out of memory");
        s->next = p->seq_start;
        if (eddy_series_put(p->seqs, series, s)) {
            free(s);
            return refuse(p, "too_many_series", "too many series (max %zu)",
                          eddy_series_cap(p->seqs));
        }
    }
    *seq = s->next++;
    return EDDY_ROW_OK;
}

/* The length of the decimal number at S ([+-]digits[.digits][e[+-]digits],
 * at least one mantissa digit), 0 when there is none. */
static size_t number_prefix(const char *s)
{
    size_t i = (*s == '+' || *s == '-'), digits = 0, j;

    while (isdigit((unsigned char)s[i]))
        i++, digits++;
    if (s[i] == '.')
        for (i++; isdigit((unsigned char)s[i]); i++)
            digits++;
    if (!digits)
        return 0;
    if (s[i] == 'e' || s[i] == 'E') {
        j = i + 1 + (s[i + 1] == '+' || s[i + 1] == '-');
        if (isdigit((unsigned char)s[j])) {
            while (isdigit((unsigned char)s[j]))
                j++;
            i = j;
        }
    }
    return i;
}

/* 1 when TEXT is digits with ',' every 3 digits ("1,234" or "12,345.5"). */
static int thousands_grouped(const char *s)
{
    size_t lead = strspn(s + (*s == '-'), "0123456789");
    const char *c = s + (*s == '-') + lead;

    if (lead < 1 || lead > 3 || *c != ',')
        return 0;
    while (*c == ',' && strspn(c + 1, "0123456789") >= 3 &&
           !isdigit((unsigned char)c[4]))
        c += 4;
    return *c == '\0' ||
           (*c == '.' && c[1] && strspn(c + 1, "0123456789") == strlen(c + 1));
}

/* Why TEXT, in column NAME (field FIELD), is not one complete number:
 * the kind and the likely cause. */
static eddy_row_result_t refuse_number(eddy_ingest_parser_t *p, const char *text,
                                       const char *name, int field)
{
    size_t n = number_prefix(text);
    const char *t = text + (*text == '+' || *text == '-');

    if (*text == '\0')
        return refuse(p, "empty_value",
                      "%s is empty (field %d): a missing value is refused (fill or "
                      "drop the row)",
                      name, field);
    if (!strcasecmp(t, "nan") || !strncasecmp(t, "inf", 3))
        return refuse(p, "not_finite",
                      "%s '%s' is not finite (field %d): NaN and Inf are refused", name,
                      text, field);
    if (n && text[n] == ',' && (thousands_grouped(text) || memchr(text, '.', n)))
        return refuse(p, "thousands_separator",
                      "%s '%s' is not a number (field %d): a thousands separator (or a "
                      "decimal comma)? write it without separators, with '.' as the "
                      "decimal point",
                      name, text, field);
    if (n && text[n] == ',' &&
        strspn(text + n + 1, "0123456789") == strlen(text + n + 1))
        return refuse(
            p, "decimal_comma",
            "%s '%s' is not a number (field %d): a decimal comma? write '.' as "
            "the decimal point (%.*s.%s)",
            name, text, field, (int)n, text, text + n + 1);
    if (n)
        return refuse(p, "trailing_text",
                      "%s '%s' is not a number (field %d): trailing text '%s' after "
                      "%.*s (units belong in the header)",
                      name, text, field, text + n, (int)n, text);
    return refuse(p, "not_a_number", "%s '%s' is not a number (field %d)", name, text,
                  field);
}

/* The header name of column COL (0-based) into OUT. */
static const char *column_name(const eddy_ingest_parser_t *p, int col, char *out,
                               size_t size)
{
    const char *h = p->header;

    for (int i = 0; i < col && h; i++)
        if ((h = strchr(h, ',')))
            h++;
    snprintf(out, size, "%.*s", h ? (int)strcspn(h, ",") : 0, h ? h : "");
    return out;
}

/* Column COL's TEXT as one complete decimal number into *V. */
static eddy_row_result_t parse_number(eddy_ingest_parser_t *p, const char *text,
                                      int col, double *v)
{
    size_t n = number_prefix(text);
    char name[64];

    column_name(p, col, name, sizeof(name));
    if (n == 0 || text[n] != '\0')
        return refuse_number(p, text, name, col + 1);
    errno = 0;
    *v = strtod(text, NULL);
    if (errno == ERANGE || !isfinite(*v))
        return refuse(p, "out_of_range",
                      "%s '%s' is out of range (field %d): not finite as a double",
                      name, text, col + 1);
    return EDDY_ROW_OK;
}

/* --- CSV fields through libcsv --- */

static void on_field(void *s, size_t len, void *data)
{
    eddy_ingest_parser_t *p = data;

    if (p->n_rows > 0 || p->n_fields == MAX_COLS ||
        p->used + len + 1 > sizeof(p->fieldbuf)) {
        p->overflow = 1;
        return;
    }
    p->fields[p->n_fields++] = p->fieldbuf + p->used;
    if (len)
        memcpy(p->fieldbuf + p->used, s, len);
    p->fieldbuf[p->used + len] = '\0';
    p->used += len + 1;
}

static void on_row(int c, void *data)
{
    (void)c;
    ((eddy_ingest_parser_t *)data)->n_rows++;
}

/* The delimiter of the first row: the most frequent of ',', ';' and tab
 * outside quotes (';' wins a tie with ',': "2024-01;1,5"). */
static char detect_delimiter(const char *line, size_t len)
{
    size_t comma = 0, semi = 0, tab = 0;
    int quoted = 0;

    for (size_t i = 0; i < len; i++) {
        if (line[i] == '"')
            quoted = !quoted;
        else if (!quoted)
            comma += line[i] == ',', semi += line[i] == ';', tab += line[i] == '\t';
    }
    if (tab && tab >= comma && tab >= semi)
        return '\t';
    if (semi && semi >= comma)
        return ';';
    return ',';
}

static eddy_row_result_t split_csv(eddy_ingest_parser_t *p, const char *line,
                                   size_t len)
{
    int bad;

    if (!p->fmt.delimiter)
        p->fmt.delimiter = detect_delimiter(line, len);
    csv_set_delim(&p->csv, (unsigned char)p->fmt.delimiter);
    if (p->fmt.delimiter == '\t')
        csv_set_space_func(&p->csv, is_space_only);
    p->n_fields = p->n_rows = p->overflow = 0;
    p->used = 0;
    bad = csv_parse(&p->csv, line, len, on_field, on_row, p) != len;
    bad |= csv_fini(&p->csv, on_field, on_row, p) != 0;
    if (bad)
        return refuse(p, "csv_quotes",
                      "malformed CSV quoting: a quoted field must end with its quote "
                      "before the next delimiter, and a quote inside it is doubled "
                      "(\"a \"\"b\"\"\") (RFC 4180)");
    if (p->n_rows > 1)
        return refuse(p, "csv_rows", "line holds more than one CSV row");
    if (p->overflow)
        return refuse(p, "too_many_columns", "too many columns (more than %d)",
                      MAX_COLS);
    return EDDY_ROW_OK;
}

/* --- the header --- */

static int name_rank(const char *field, const char *const *names)
{
    for (int i = 0; names[i]; i++)
        if (!strcasecmp(field, names[i]))
            return i;
    return -1;
}

/* The column of FIELDS spelt as one of NAMES (the most specific), or -1. */
static int find_spelling(char **fields, int n, const char *const *names, int skip)
{
    int best = -1, best_rank = 1 << 20;

    for (int i = 0; i < n; i++) {
        int r = name_rank(fields[i], names);
        if (r >= 0 && r < best_rank && i != skip)
            best = i, best_rank = r;
    }
    return best;
}

static int is_index(const char *s)
{
    return *s && strspn(s, "0123456789") == strlen(s);
}

/* Resolves a --*-column SPEC against the first row (a header when
 * IS_HEADER): its 0-based column, -1 when none, -2 when not found. */
static int resolve_column(const char *spec, char **fields, int n, int is_header)
{
    if (is_index(spec)) {
        long i = strtol(spec, NULL, 10);
        return i >= 1 && i <= n ? (int)i - 1 : -2;
    }
    if (!strcasecmp(spec, "none"))
        return -1;
    for (int i = 0; is_header && i < n; i++)
        if (!strcasecmp(fields[i], spec))
            return i;
    return -2;
}

static void remember_header(eddy_ingest_parser_t *p, char **fields, int n)
{
    size_t o = 0;

    p->header[0] = '\0';
    for (int i = 0; i < n && o < sizeof(p->header); i++)
        o += (size_t)snprintf(p->header + o, sizeof(p->header) - o, "%s%s",
                              i ? "," : "", fields[i]);
}

static eddy_row_result_t no_header(eddy_ingest_parser_t *p, char **fields, int n,
                                   const char *what)
{
    char found[HEADER_TEXT];

    /* Back to the default layout: rows must never index a missing column. */
    p->col_time = p->col_input = 0;
    p->col_value = 1;
    p->col_series = -1;
    p->n_cols = 2;
    p->header_seen = 0;
    remember_header(p, fields, n);
    snprintf(found, sizeof(found), "%s", p->header);
    snprintf(p->header, sizeof(p->header), "input,target");
    return refuse(p, "header",
                  "%s: found '%s'; use a header such as input,target, ds,y, "
                  "unique_id,ds,y, date,value or series_id,input,value (a 'target' or "
                  "'value' column), or name the columns with --time-column, "
                  "--value-column and --series-column (a name or a 1-based index)",
                  what, found);
}

/* Spelt header: the columns by name; 1 when it was one. */
static int spelt_header(eddy_ingest_parser_t *p, char **fields, int n)
{
    int any = 0;

    p->col_value = find_spelling(fields, n, value_names, -1);
    p->col_series = find_spelling(fields, n, series_names, p->col_value);
    p->col_time = find_spelling(fields, n, time_names, p->col_value);
    for (int i = 0; i < n; i++)
        any |= name_rank(fields[i], time_names) >= 0 ||
               name_rank(fields[i], series_names) >= 0 || p->col_value == i;
    return any;
}

/* The first row with --*-column options: a header when a name is used or
 * the value field is not a number. */
static eddy_row_result_t flagged_header(eddy_ingest_parser_t *p, char **fields, int n)
{
    const eddy_ingest_format_t *f = &p->fmt;
    int named = (f->time_column && !is_index(f->time_column) &&
                 strcasecmp(f->time_column, "none")) ||
                (f->value_column && !is_index(f->value_column)) ||
                (f->series_column && !is_index(f->series_column) &&
                 strcasecmp(f->series_column, "none"));
    int header, vcol;

    if (!named && f->value_column) {
        vcol = resolve_column(f->value_column, fields, n, 0);
        header = vcol >= 0 && number_prefix(fields[vcol]) != strlen(fields[vcol]);
    } else {
        header = named || spelt_header(p, fields, n);
    }
    p->col_time = p->col_value = p->col_series = -1;
    if (header)
        spelt_header(p, fields, n);
    else if (n == 2)
        p->col_time = 0, p->col_value = 1; /* the input,target layout */
    p->had_header = header;
    const char *specs[3] = {f->value_column, f->time_column, f->series_column};
    const char *opt[3] = {"--value-column", "--time-column", "--series-column"};
    int *cols[3] = {&p->col_value, &p->col_time, &p->col_series};
    for (int i = 0; i < 3; i++) {
        if (!specs[i])
            continue;
        *cols[i] = resolve_column(specs[i], fields, n, header);
        if (*cols[i] == -2 || (i == 0 && *cols[i] < 0)) {
            char what[96];
            snprintf(what, sizeof(what), "%s '%s' is not a column of the first row",
                     opt[i], specs[i]);
            return no_header(p, fields, n, what);
        }
    }
    if (p->col_value < 0)
        return no_header(p, fields, n, "no value column: set --value-column");
    return header ? EDDY_ROW_SKIP : EDDY_ROW_OK;
}

/* Decides the layout from the first CSV row: SKIP for a header, OK when the
 * row is data, BAD when it is neither. */
static eddy_row_result_t first_row(eddy_ingest_parser_t *p, char **fields, int n)
{
    const eddy_ingest_format_t *f = &p->fmt;
    eddy_row_result_t r;
    int64_t ms;

    p->header_seen = 1;
    p->n_cols = n;
    if (f->time_column || f->value_column || f->series_column)
        r = flagged_header(p, fields, n);
    else if (spelt_header(p, fields, n) && p->col_value >= 0)
        r = EDDY_ROW_SKIP, p->had_header = 1;
    else if (p->col_value >= 0 || p->col_time >= 0 || p->col_series >= 0)
        return no_header(
            p, fields, n,
            "CSV header has no value column ('target', 'y', 'value', ...)");
    else if (n == 2 &&
             (number_prefix(fields[1]) == strlen(fields[1]) ||
              !eddy_time_parse(fields[0], strlen(fields[0]), &f->time, &ms, NULL, 0))) {
        p->col_time = 0;
        p->col_value = 1;
        p->col_series = -1;
        r = EDDY_ROW_OK;
    } else {
        return no_header(p, fields, n, "no recognisable CSV header");
    }
    if (r == EDDY_ROW_BAD)
        return r;
    if (f->time_column && !strcasecmp(f->time_column, "none"))
        p->col_time = -1;
    if (p->had_header)
        p->col_input = find_spelling(fields, n, input_name, -1);
    else
        p->col_input = n == 2 && p->col_value == 1 ? 0 : -1;
    if (p->col_input < 0)
        p->col_input = p->col_time;
    if (p->had_header)
        remember_header(p, fields, n);
    else
        snprintf(p->header, sizeof(p->header), "input,target");
    return r;
}

/* --- rows --- */

static eddy_row_result_t set_time(eddy_ingest_parser_t *p, const char *text,
                                  const char *where, int64_t *ms)
{
    char why[400];

    if (eddy_time_parse(text, strlen(text), &p->fmt.time, ms, why, sizeof(why)))
        return refuse(p, "bad_time", "event time %s %s", where, why);
    return EDDY_ROW_OK;
}

/* Column COL's TEXT as the event time. */
static eddy_row_result_t csv_time(eddy_ingest_parser_t *p, const char *text, int col,
                                  int64_t *ms)
{
    char where[96], name[64];

    snprintf(where, sizeof(where),
             "in column '%s' (field %d):", column_name(p, col, name, sizeof(name)),
             col + 1);
    return set_time(p, text, where, ms);
}

static eddy_row_result_t csv_data(eddy_ingest_parser_t *p, int64_t now_us,
                                  eddy_obs_t *obs)
{
    char **fields = p->fields;
    const char *series, *input, *hint = "";

    if (p->n_fields != p->n_cols) {
        if (p->n_fields > p->n_cols && p->fmt.delimiter == ',')
            hint = "; a comma inside an unquoted number (1,5 or 1,234) splits it: "
                   "quote the field, or use --delimiter ';'";
        return refuse(p, "column_count", "expected %d columns (%s), found %d%s",
                      p->n_cols, p->header, p->n_fields, hint);
    }
    series = p->col_series >= 0 ? fields[p->col_series] : p->default_series;
    if (check_series(p, series) ||
        parse_number(p, fields[p->col_value], p->col_value, &obs->value))
        return EDDY_ROW_BAD;
    input = p->col_input >= 0 ? fields[p->col_input] : "";
    if (strlen(input) > EDDY_INPUT_MAX)
        return refuse(p, "input_too_long", "input '%.20s...' is longer than %d bytes",
                      input, EDDY_INPUT_MAX);
    if (check_utf8(p, "input", input))
        return EDDY_ROW_BAD;
    obs->event_time_ms = now_us / 1000;
    if (p->col_time >= 0 &&
        csv_time(p, fields[p->col_time], p->col_time, &obs->event_time_ms))
        return EDDY_ROW_BAD;
    snprintf(obs->series_id, sizeof(obs->series_id), "%s", series);
    snprintf(obs->input, sizeof(obs->input), "%s", input);
    if (next_seq(p, series, &obs->seq))
        return EDDY_ROW_BAD;
    obs->produced_at_us = now_us;
    return EDDY_ROW_OK;
}

static eddy_row_result_t parse_csv(eddy_ingest_parser_t *p, const char *line,
                                   size_t len, int64_t now_us, eddy_obs_t *obs)
{
    eddy_row_result_t r;

    if (split_csv(p, line, len))
        return EDDY_ROW_BAD;
    if (!p->header_seen && (r = first_row(p, p->fields, p->n_fields)) != EDDY_ROW_OK)
        return r;
    return csv_data(p, now_us, obs);
}

/* --- JSON lines --- */

static eddy_row_result_t json_time(eddy_ingest_parser_t *p, json_t *root,
                                   const char *input, int64_t now_us, int64_t *ms)
{
    json_t *v = json_object_get(root, "event_time");
    eddy_time_unit_t unit = p->fmt.time.unit;

    *ms = now_us / 1000;
    if (v && json_is_integer(v)) {
        char num[32];
        snprintf(num, sizeof(num), "%" JSON_INTEGER_FORMAT, json_integer_value(v));
        eddy_time_opts_t o = {NULL,
                              unit == EDDY_TIME_UNIT_AUTO ? EDDY_TIME_UNIT_MS : unit};
        char why[300];
        if (eddy_time_parse(num, strlen(num), &o, ms, why, sizeof(why)))
            return refuse(p, "bad_time", "event_time %s", why);
        return EDDY_ROW_OK;
    }
    if (v && json_is_string(v))
        return set_time(p, json_string_value(v), "in \"event_time\":", ms);
    if (v)
        return refuse(
            p, "bad_time",
            "event_time must be a time string such as 2024-03-01T00:00:00Z or "
            "epoch milliseconds (a number in --time-unit)");
    if (*input && !(p->fmt.time_column && !strcasecmp(p->fmt.time_column, "none")))
        return set_time(p, input, "in \"input\":", ms);
    return EDDY_ROW_OK;
}

static eddy_row_result_t json_fields(eddy_ingest_parser_t *p, json_t *root,
                                     int64_t now_us, eddy_obs_t *obs)
{
    json_t *v;
    const char *series = p->default_series, *input = "";

    if ((v = json_object_get(root, "series_id"))) {
        if (!json_is_string(v))
            return refuse(p, "series_id", "series_id must be a string");
        series = json_string_value(v);
    }
    if (check_series(p, series))
        return EDDY_ROW_BAD;
    if (!(v = json_object_get(root, "value")) && !(v = json_object_get(root, "target")))
        return refuse(p, "json_fields",
                      "JSON line has neither \"value\" nor \"target\": expected "
                      "{\"series_id\":\"s\",\"value\":1.5} or "
                      "{\"input\":\"1949-01\",\"target\":112}");
    if (!json_is_number(v))
        return refuse(p, "not_a_number", "value/target must be a number");
    obs->value = json_number_value(v);
    if (!isfinite(obs->value))
        return refuse(p, "not_finite", "value %g is not finite", obs->value);
    if ((v = json_object_get(root, "input"))) {
        if (!json_is_string(v) || strlen(json_string_value(v)) > EDDY_INPUT_MAX)
            return refuse(p, "input_too_long",
                          "input must be a string of at most %d bytes", EDDY_INPUT_MAX);
        input = json_string_value(v);
    }
    if (json_time(p, root, input, now_us, &obs->event_time_ms))
        return EDDY_ROW_BAD;
    snprintf(obs->series_id, sizeof(obs->series_id), "%s", series);
    snprintf(obs->input, sizeof(obs->input), "%s", input);
    /* Last: a rejected line must not use up a sequence number. */
    if ((v = json_object_get(root, "seq"))) {
        if (!json_is_integer(v) || json_integer_value(v) < 0)
            return refuse(p, "seq", "seq must be a non-negative integer");
        obs->seq = json_integer_value(v);
    } else if (next_seq(p, series, &obs->seq)) {
        return EDDY_ROW_BAD;
    }
    obs->produced_at_us = now_us;
    return EDDY_ROW_OK;
}

static eddy_row_result_t parse_json(eddy_ingest_parser_t *p, const char *line,
                                    size_t len, int64_t now_us, eddy_obs_t *obs)
{
    json_error_t jerr;
    json_t *root;
    eddy_row_result_t res;
    size_t at = eddy_utf8_invalid_at(line, len);

    if (at < len) {
        p->reason = EDDY_REASON_INVALID_UTF8;
        return refuse(p, "invalid_utf8",
                      "JSON line is not UTF-8 (byte 0x%02x at column %zu): re-encode "
                      "the input as UTF-8, e.g. iconv -f latin1 -t utf-8",
                      (unsigned char)line[at], at + 1);
    }
    if (!(root = json_loadb(line, len, JSON_REJECT_DUPLICATES, &jerr)))
        return refuse(p, "json", "invalid JSON at column %d: %s", jerr.column,
                      jerr.text);
    if (!json_is_object(root))
        res = refuse(p, "json", "JSON line is not an object");
    else
        res = json_fields(p, root, now_us, obs);
    json_decref(root);
    return res;
}

eddy_row_result_t eddy_ingest_parse_line(eddy_ingest_parser_t *p, const char *line,
                                         size_t len, int64_t now_us, eddy_obs_t *obs,
                                         char *errstr, size_t errstr_size)
{
    size_t i = 0;

    p->errstr = errstr;
    p->errstr_size = errstr_size;
    p->reason = EDDY_REASON_BAD_ROW;
    p->kind = NULL;
    if (!p->started && len >= 3 && !memcmp(line, "\xef\xbb\xbf", 3))
        line += 3, len -= 3;
    while (len > 0 && isspace((unsigned char)line[len - 1]))
        len--;
    while (i < len && isspace((unsigned char)line[i]))
        i++;
    if (i == len || line[i] == '#')
        return EDDY_ROW_SKIP;
    p->started = 1;
    if (len - i > LINE_MAX_BYTES - 1)
        return refuse(p, "line_too_long", "line of %zu bytes is longer than %d",
                      len - i, LINE_MAX_BYTES - 1);
    if (memchr(line + i, '\0', len - i))
        return refuse(p, "nul", "line contains a NUL byte");
    memset(obs, 0, sizeof(*obs));
    if (line[i] == '{' || line[i] == '[')
        return parse_json(p, line + i, len - i, now_us, obs);
    return parse_csv(p, line + i, len - i, now_us, obs);
}

/* 1 when the record so far starts (after a BOM and spaces) like JSON. */
static int starts_json(const char *buf, size_t len)
{
    size_t i = len >= 3 && !memcmp(buf, "\xef\xbb\xbf", 3) ? 3 : 0;

    while (i < len && isspace((unsigned char)buf[i]))
        i++;
    return i < len && (buf[i] == '{' || buf[i] == '[');
}

static int append(char **buf, size_t *cap, size_t len, char c)
{
    if (len + 2 > *cap) {
        size_t n = *cap ? *cap * 2 : 256;
        char *b = realloc(*buf, n);
        if (!b)
            return -1;
        *buf = b;
        *cap = n;
    }
    (*buf)[len] = c;
    (*buf)[len + 1] = '\0';
    return 0;
}

ssize_t eddy_ingest_read_record(FILE *f, char **buf, size_t *cap, long *line)
{
    size_t len = 0;
    int c, quoted = 0, json = -1, any = 0;

    if (append(buf, cap, 0, '\0'))
        return -1;
    while ((c = getc(f)) != EOF) {
        any = 1;
        if (c == '\r' || c == '\n') {
            if (c == '\r' && (c = getc(f)) != '\n' && c != EOF)
                ungetc(c, f);
            ++*line;
            if (!quoted)
                return (ssize_t)len;
            c = '\n';
        } else if (c == '"' && len < LINE_MAX_BYTES) {
            if (json < 0)
                json = starts_json(*buf, len);
            quoted ^= !json;
        } else if (quoted && len >= LINE_MAX_BYTES) {
            quoted = 0; /* one stray quote must not swallow the file */
        }
        if (append(buf, cap, len++, (char)c))
            return -1;
    }
    if (!any)
        return -1;
    ++*line;
    return (ssize_t)len;
}
