/* ingest_csv.c: CSV records (RFC 4180 through libcsv), the layout decided
 * from the first row (header spellings, the --*-column options), numbers. */
#include "ingest_internal.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

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

/* The input,target layout, used until (and unless) a first row decides. */
static void default_layout(eddy_csv_t *c)
{
    c->col_time = c->col_input = 0;
    c->col_value = 1;
    c->col_series = -1;
    c->n_cols = 2;
    snprintf(c->header, sizeof(c->header), "input,target");
}

int eddy_csv_init(eddy_csv_t *c, char delimiter)
{
    memset(c, 0, sizeof(*c));
    c->delimiter = delimiter;
    default_layout(c);
    return csv_init(&c->lib, CSV_STRICT | CSV_STRICT_FINI) ? -1 : 0;
}

void eddy_csv_free(eddy_csv_t *c)
{
    csv_free(&c->lib);
}

int eddy_ingest_parser_saw_header(const eddy_ingest_parser_t *p)
{
    return p->csv.had_header;
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
        return eddy_ingest_refuse(
            p, EDDY_FAULT_EMPTY_VALUE,
            "%s is empty (field %d): a missing value is refused (fill or "
            "drop the row)",
            name, field);
    if (!strcasecmp(t, "nan") || !strncasecmp(t, "inf", 3))
        return eddy_ingest_refuse(
            p, EDDY_FAULT_NOT_FINITE,
            "%s '%s' is not finite (field %d): NaN and Inf are refused", name, text,
            field);
    if (n && text[n] == ',' && (thousands_grouped(text) || memchr(text, '.', n)))
        return eddy_ingest_refuse(
            p, EDDY_FAULT_THOUSANDS_SEPARATOR,
            "%s '%s' is not a number (field %d): a thousands separator (or a "
            "decimal comma)? write it without separators, with '.' as the "
            "decimal point",
            name, text, field);
    if (n && text[n] == ',' &&
        strspn(text + n + 1, "0123456789") == strlen(text + n + 1))
        return eddy_ingest_refuse(
            p, EDDY_FAULT_DECIMAL_COMMA,
            "%s '%s' is not a number (field %d): a decimal comma? write '.' as "
            "the decimal point (%.*s.%s)",
            name, text, field, (int)n, text, text + n + 1);
    if (n)
        return eddy_ingest_refuse(
            p, EDDY_FAULT_TRAILING_TEXT,
            "%s '%s' is not a number (field %d): trailing text '%s' after "
            "%.*s (units belong in the header)",
            name, text, field, text + n, (int)n, text);
    return eddy_ingest_refuse(p, EDDY_FAULT_NOT_A_NUMBER,
                              "%s '%s' is not a number (field %d)", name, text, field);
}

/* The header name of column COL (0-based) into OUT. */
static const char *column_name(const eddy_ingest_parser_t *p, int col, char *out,
                               size_t size)
{
    const char *h = p->csv.header;

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
        return eddy_ingest_refuse(
            p, EDDY_FAULT_OUT_OF_RANGE,
            "%s '%s' is out of range (field %d): not finite as a double", name, text,
            col + 1);
    return EDDY_ROW_OK;
}

/* --- CSV fields through libcsv --- */

static void on_field(void *s, size_t len, void *data)
{
    eddy_ingest_parser_t *p = data;

    if (p->csv.n_rows > 0 || p->csv.n_fields == MAX_COLS ||
        p->csv.used + len + 1 > sizeof(p->csv.fieldbuf)) {
        p->csv.overflow = 1;
        return;
    }
    p->csv.fields[p->csv.n_fields++] = p->csv.fieldbuf + p->csv.used;
    if (len)
        memcpy(p->csv.fieldbuf + p->csv.used, s, len);
    p->csv.fieldbuf[p->csv.used + len] = '\0';
    p->csv.used += len + 1;
}

static void on_row(int c, void *data)
{
    (void)c;
    ((eddy_ingest_parser_t *)data)->csv.n_rows++;
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

    if (!p->csv.delimiter)
        p->csv.delimiter = detect_delimiter(line, len);
    csv_set_delim(&p->csv.lib, (unsigned char)p->csv.delimiter);
    if (p->csv.delimiter == '\t')
        csv_set_space_func(&p->csv.lib, is_space_only);
    p->csv.n_fields = p->csv.n_rows = p->csv.overflow = 0;
    p->csv.used = 0;
    bad = csv_parse(&p->csv.lib, line, len, on_field, on_row, p) != len;
    bad |= csv_fini(&p->csv.lib, on_field, on_row, p) != 0;
    if (bad)
        return eddy_ingest_refuse(
            p, EDDY_FAULT_CSV_QUOTES,
            "malformed CSV quoting: a quoted field must end with its quote "
            "before the next delimiter, and a quote inside it is doubled "
            "(\"a \"\"b\"\"\") (RFC 4180)");
    if (p->csv.n_rows > 1)
        return eddy_ingest_refuse(p, EDDY_FAULT_CSV_ROWS,
                                  "line holds more than one CSV row");
    if (p->csv.overflow)
        return eddy_ingest_refuse(p, EDDY_FAULT_TOO_MANY_COLUMNS,
                                  "too many columns (more than %d)", MAX_COLS);
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

    p->csv.header[0] = '\0';
    for (int i = 0; i < n && o < sizeof(p->csv.header); i++)
        o += (size_t)snprintf(p->csv.header + o, sizeof(p->csv.header) - o, "%s%s",
                              i ? "," : "", fields[i]);
}

static eddy_row_result_t no_header(eddy_ingest_parser_t *p, char **fields, int n,
                                   const char *what)
{
    char found[HEADER_TEXT];

    remember_header(p, fields, n);
    snprintf(found, sizeof(found), "%s", p->csv.header);
    /* Back to the default layout: rows must never index a missing column. */
    default_layout(&p->csv);
    p->csv.header_seen = 0;
    return eddy_ingest_refuse(
        p, EDDY_FAULT_HEADER,
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

    p->csv.col_value = find_spelling(fields, n, value_names, -1);
    p->csv.col_series = find_spelling(fields, n, series_names, p->csv.col_value);
    p->csv.col_time = find_spelling(fields, n, time_names, p->csv.col_value);
    for (int i = 0; i < n; i++)
        any |= name_rank(fields[i], time_names) >= 0 ||
               name_rank(fields[i], series_names) >= 0 || p->csv.col_value == i;
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
    p->csv.col_time = p->csv.col_value = p->csv.col_series = -1;
    if (header)
        spelt_header(p, fields, n);
    else if (n == 2)
        p->csv.col_time = 0, p->csv.col_value = 1; /* the input,target layout */
    p->csv.had_header = header;
    const char *specs[3] = {f->value_column, f->time_column, f->series_column};
    const char *opt[3] = {"--value-column", "--time-column", "--series-column"};
    int *cols[3] = {&p->csv.col_value, &p->csv.col_time, &p->csv.col_series};
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
    if (p->csv.col_value < 0)
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

    p->csv.header_seen = 1;
    p->csv.n_cols = n;
    if (f->time_column || f->value_column || f->series_column)
        r = flagged_header(p, fields, n);
    else if (spelt_header(p, fields, n) && p->csv.col_value >= 0)
        r = EDDY_ROW_SKIP, p->csv.had_header = 1;
    else if (p->csv.col_value >= 0 || p->csv.col_time >= 0 || p->csv.col_series >= 0)
        return no_header(
            p, fields, n,
            "CSV header has no value column ('target', 'y', 'value', ...)");
    else if (n == 2 &&
             (number_prefix(fields[1]) == strlen(fields[1]) ||
              !eddy_time_parse(fields[0], strlen(fields[0]), &f->time, &ms, NULL, 0))) {
        p->csv.col_time = 0;
        p->csv.col_value = 1;
        p->csv.col_series = -1;
        r = EDDY_ROW_OK;
    } else {
        return no_header(p, fields, n, "no recognisable CSV header");
    }
    if (r == EDDY_ROW_BAD)
        return r;
    if (f->time_column && !strcasecmp(f->time_column, "none"))
        p->csv.col_time = -1;
    if (p->csv.had_header)
        p->csv.col_input = find_spelling(fields, n, input_name, -1);
    else
        p->csv.col_input = n == 2 && p->csv.col_value == 1 ? 0 : -1;
    if (p->csv.col_input < 0)
        p->csv.col_input = p->csv.col_time;
    if (p->csv.had_header)
        remember_header(p, fields, n);
    else
        snprintf(p->csv.header, sizeof(p->csv.header), "input,target");
    return r;
}

/* Column COL's TEXT as the event time. */
static eddy_row_result_t csv_time(eddy_ingest_parser_t *p, const char *text, int col,
                                  int64_t *ms)
{
    char where[96], name[64];

    snprintf(where, sizeof(where),
             "in column '%s' (field %d):", column_name(p, col, name, sizeof(name)),
             col + 1);
    return eddy_ingest_set_time(p, text, where, ms);
}

static eddy_row_result_t csv_data(eddy_ingest_parser_t *p, int64_t now_us,
                                  eddy_obs_t *obs)
{
    char **fields = p->csv.fields;
    const char *series, *input, *hint = "";

    if (p->csv.n_fields != p->csv.n_cols) {
        if (p->csv.n_fields > p->csv.n_cols && p->csv.delimiter == ',')
            hint = "; a comma inside an unquoted number (1,5 or 1,234) splits it: "
                   "quote the field, or use --delimiter ';'";
        return eddy_ingest_refuse(p, EDDY_FAULT_COLUMN_COUNT,
                                  "expected %d columns (%s), found %d%s", p->csv.n_cols,
                                  p->csv.header, p->csv.n_fields, hint);
    }
    series = p->csv.col_series >= 0 ? fields[p->csv.col_series] : p->default_series;
    if (eddy_ingest_check_series(p, series) ||
        parse_number(p, fields[p->csv.col_value], p->csv.col_value, &obs->value))
        return EDDY_ROW_BAD;
    input = p->csv.col_input >= 0 ? fields[p->csv.col_input] : "";
    if (strlen(input) > EDDY_INPUT_MAX)
        return eddy_ingest_refuse(p, EDDY_FAULT_INPUT_TOO_LONG,
                                  "input '%.20s...' is longer than %d bytes", input,
                                  EDDY_INPUT_MAX);
    if (eddy_ingest_check_utf8(p, "input", input))
        return EDDY_ROW_BAD;
    obs->event_time_ms = now_us / 1000;
    if (p->csv.col_time >= 0 &&
        csv_time(p, fields[p->csv.col_time], p->csv.col_time, &obs->event_time_ms))
        return EDDY_ROW_BAD;
    snprintf(obs->series_id, sizeof(obs->series_id), "%s", series);
    snprintf(obs->input, sizeof(obs->input), "%s", input);
    if (eddy_ingest_next_seq(p, series, &obs->seq))
        return EDDY_ROW_BAD;
    obs->produced_at_us = now_us;
    return EDDY_ROW_OK;
}

eddy_row_result_t eddy_csv_parse(eddy_ingest_parser_t *p, const char *line, size_t len,
                                 int64_t now_us, eddy_obs_t *obs)
{
    eddy_row_result_t r;

    if (split_csv(p, line, len))
        return EDDY_ROW_BAD;
    if (!p->csv.header_seen &&
        (r = first_row(p, p->csv.fields, p->csv.n_fields)) != EDDY_ROW_OK)
        return r;
    return csv_data(p, now_us, obs);
}
