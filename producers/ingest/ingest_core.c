#include "ingest_core.h"

#include <ctype.h>
#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/series.h"

#define LINE_MAX_BYTES 4096

typedef struct seq_s {
    int64_t next;
} seq_t;

struct eddy_ingest_parser_s {
    char default_series[EDDY_SERIES_ID_MAX + 1];
    int64_t seq_start;
    int header_seen;
    int col_input, col_target, col_series, n_cols;
    eddy_series_t *seqs;
};

eddy_ingest_parser_t *eddy_ingest_parser_new(const char *default_series,
                                             int64_t seq_start, size_t max_series)
{
    eddy_ingest_parser_t *p = calloc(1, sizeof(*p));

    if (!p)
        return NULL;
    snprintf(p->default_series, sizeof(p->default_series), "%s", default_series);
    p->seq_start = seq_start;
    p->col_input = 0;
    p->col_target = 1;
    p->col_series = -1;
    p->n_cols = 2;
    if (!(p->seqs = eddy_series_new(max_series, free))) {
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
    free(p);
}

/* Howard Hinnant's days-from-civil: days since 1970-01-01 of a proleptic
 * Gregorian date, valid for any year. */
static int64_t days_from_civil(int64_t y, int m, int d)
{
    int64_t era, yoe, doy, doe;

    y -= m <= 2;
    era = (y >= 0 ? y : y - 399) / 400;
    yoe = y - era * 400;
    doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

static int read_digits(const char **s, int n, int *out)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (!isdigit((unsigned char)(*s)[i]))
            return -1;
        v = v * 10 + ((*s)[i] - '0');
    }
    *s += n;
    *out = v;
    return 0;
}

int eddy_parse_event_time(const char *text, int64_t *ms)
{
    static const int mdays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    const char *s = text;
    int y, mo = 1, d = 1, h = 0, mi = 0, sec = 0;

    if (read_digits(&s, 4, &y))
        return -1;
    if (*s == '-') {
        s++;
        if (read_digits(&s, 2, &mo) || mo < 1 || mo > 12)
            return -1;
        if (*s == '-') {
            s++;
            if (read_digits(&s, 2, &d) || d < 1 || d > mdays[mo - 1] ||
                (mo == 2 && d == 29 && (y % 4 || (y % 100 == 0 && y % 400))))
                return -1;
            if (*s == 'T' || *s == ' ') {
                s++;
                if (read_digits(&s, 2, &h) || *s++ != ':' || read_digits(&s, 2, &mi) ||
                    h > 23 || mi > 59)
                    return -1;
                if (*s == ':') {
                    s++;
                    if (read_digits(&s, 2, &sec) || sec > 60)
                        return -1;
                }
                if (*s == 'Z')
                    s++;
            }
        }
    }
    if (*s)
        return -1;
    *ms = ((days_from_civil(y, mo, d) * 24 + h) * 60 + mi) * 60000LL + sec * 1000LL;
    return 0;
}

static int check_series(const char *id, char *errstr, size_t errstr_size)
{
    size_t n = strlen(id);

    if (n == 0 || n > EDDY_SERIES_ID_MAX) {
        snprintf(errstr, errstr_size, "series_id '%.40s' must be 1..%d bytes", id,
                 EDDY_SERIES_ID_MAX);
        return -1;
    }
    for (const char *c = id; *c; c++)
        if ((unsigned char)*c < 0x20) {
            snprintf(errstr, errstr_size,
                     "series_id '%.40s' contains a control character", id);
            return -1;
        }
    return 0;
}

static int next_seq(eddy_ingest_parser_t *p, const char *series, int64_t *seq,
                    char *errstr, size_t errstr_size)
{
    seq_t *s = eddy_series_get(p->seqs, series);

    if (!s) {
        if (!(s = malloc(sizeof(*s))))
            return -1;
        s->next = p->seq_start;
        if (eddy_series_put(p->seqs, series, s)) {
            free(s);
            snprintf(errstr, errstr_size, "too many series (max %zu)",
                     eddy_series_cap(p->seqs));
            return -1;
        }
    }
    *seq = s->next++;
    return 0;
}

static int parse_number(const char *text, double *v, char *errstr, size_t errstr_size)
{
    char *end;

    errno = 0;
    *v = strtod(text, &end);
    while (end && isspace((unsigned char)*end))
        end++;
    if (end == text || *end || errno == ERANGE) {
        snprintf(errstr, errstr_size, "target '%s' is not a number", text);
        return -1;
    }
    if (!isfinite(*v)) {
        snprintf(errstr, errstr_size,
                 "target '%s' is not finite: NaN and Inf are refused", text);
        return -1;
    }
    return 0;
}

static void set_input(eddy_obs_t *obs, const char *input, int64_t now_us)
{
    snprintf(obs->input, sizeof(obs->input), "%s", input);
    if (eddy_parse_event_time(input, &obs->event_time_ms))
        obs->event_time_ms = now_us / 1000;
}

/* Splits a CSV line on commas (no quoting: the format has no commas in
 * values). Trims spaces. Returns the field count or -1 when too many. */
static int split_csv(char *line, char **fields, int max)
{
    int n = 0;
    char *save = NULL;

    for (char *f = strtok_r(line, ",", &save); f; f = strtok_r(NULL, ",", &save)) {
        char *end;
        if (n == max)
            return -1;
        while (isspace((unsigned char)*f))
            f++;
        for (end = f + strlen(f); end > f && isspace((unsigned char)end[-1]); end--)
            end[-1] = '\0';
        fields[n++] = f;
    }
    return n;
}

static eddy_row_result_t parse_header(eddy_ingest_parser_t *p, char **fields, int n,
                                      char *errstr, size_t errstr_size)
{
    p->col_input = p->col_target = p->col_series = -1;
    for (int i = 0; i < n; i++) {
        if (!strcmp(fields[i], "input"))
            p->col_input = i;
        else if (!strcmp(fields[i], "target") || !strcmp(fields[i], "value"))
            p->col_target = i;
        else if (!strcmp(fields[i], "series_id"))
            p->col_series = i;
    }
    p->n_cols = n;
    p->header_seen = 1;
    if (p->col_target < 0) {
        /* Back to the default layout: rows must never index column -1. */
        p->col_input = 0;
        p->col_target = 1;
        p->col_series = -1;
        p->n_cols = 2;
        p->header_seen = 0;
        snprintf(
            errstr, errstr_size,
            "CSV header has no 'target' (or 'value') column: expected input,target");
        return EDDY_ROW_BAD;
    }
    return EDDY_ROW_SKIP;
}

static eddy_row_result_t parse_csv(eddy_ingest_parser_t *p, char *line, int64_t now_us,
                                   eddy_obs_t *obs, char *errstr, size_t errstr_size)
{
    char *fields[16];
    int n = split_csv(line, fields, 16);
    const char *series;

    if (n < 0) {
        snprintf(errstr, errstr_size, "too many columns (more than 16)");
        return EDDY_ROW_BAD;
    }
    if (!p->header_seen && n > 0 &&
        (!strcmp(fields[0], "input") || !strcmp(fields[0], "target") ||
         !strcmp(fields[0], "series_id") || !strcmp(fields[0], "value")))
        return parse_header(p, fields, n, errstr, errstr_size);
    p->header_seen = 1;
    if (n != p->n_cols) {
        snprintf(errstr, errstr_size, "expected %d columns (input,target), found %d",
                 p->n_cols, n);
        return EDDY_ROW_BAD;
    }
    series = p->col_series >= 0 ? fields[p->col_series] : p->default_series;
    if (check_series(series, errstr, errstr_size) ||
        parse_number(fields[p->col_target], &obs->value, errstr, errstr_size))
        return EDDY_ROW_BAD;
    if (p->col_input >= 0 && strlen(fields[p->col_input]) > EDDY_INPUT_MAX) {
        snprintf(errstr, errstr_size, "input '%.20s...' is longer than %d bytes",
                 fields[p->col_input], EDDY_INPUT_MAX);
        return EDDY_ROW_BAD;
    }
    snprintf(obs->series_id, sizeof(obs->series_id), "%s", series);
    if (next_seq(p, series, &obs->seq, errstr, errstr_size))
        return EDDY_ROW_BAD;
    set_input(obs, p->col_input >= 0 ? fields[p->col_input] : "", now_us);
    obs->produced_at_us = now_us;
    return EDDY_ROW_OK;
}

static eddy_row_result_t parse_json(eddy_ingest_parser_t *p, const char *line,
                                    size_t len, int64_t now_us, eddy_obs_t *obs,
                                    char *errstr, size_t errstr_size)
{
    json_error_t jerr;
    json_t *root = json_loadb(line, len, JSON_REJECT_DUPLICATES, &jerr), *v;
    const char *series = p->default_series;
    eddy_row_result_t res = EDDY_ROW_BAD;

    if (!root) {
        snprintf(errstr, errstr_size, "invalid JSON at column %d: %s", jerr.column,
                 jerr.text);
        return EDDY_ROW_BAD;
    }
    if (!json_is_object(root)) {
        snprintf(errstr, errstr_size, "JSON line is not an object");
        goto out;
    }
    if ((v = json_object_get(root, "series_id"))) {
        if (!json_is_string(v)) {
            snprintf(errstr, errstr_size, "series_id must be a string");
            goto out;
        }
        series = json_string_value(v);
    }
    if (check_series(series, errstr, errstr_size))
        goto out;
    if (!(v = json_object_get(root, "value")) &&
        !(v = json_object_get(root, "target"))) {
        snprintf(errstr, errstr_size,
                 "JSON line has neither \"value\" nor \"target\": expected "
                 "{\"series_id\":\"s\",\"value\":1.5} or "
                 "{\"input\":\"1949-01\",\"target\":112}");
        goto out;
    }
    if (!json_is_number(v)) {
        snprintf(errstr, errstr_size, "value/target must be a number");
        goto out;
    }
    obs->value = json_number_value(v);
    if (!isfinite(obs->value)) {
        snprintf(errstr, errstr_size, "value %g is not finite", obs->value);
        goto out;
    }
    snprintf(obs->series_id, sizeof(obs->series_id), "%s", series);
    v = json_object_get(root, "input");
    if (v && (!json_is_string(v) || strlen(json_string_value(v)) > EDDY_INPUT_MAX)) {
        snprintf(errstr, errstr_size, "input must be a string of at most %d bytes",
                 EDDY_INPUT_MAX);
        goto out;
    }
    set_input(obs, v ? json_string_value(v) : "", now_us);
    if ((v = json_object_get(root, "event_time"))) {
        if (json_is_integer(v))
            obs->event_time_ms = json_integer_value(v);
        else if (!json_is_string(v) ||
                 eddy_parse_event_time(json_string_value(v), &obs->event_time_ms)) {
            snprintf(
                errstr, errstr_size,
                "event_time must be epoch milliseconds or a date such as 1949-01-31");
            goto out;
        }
    }
    /* Last: a rejected line must not use up a sequence number. */
    if ((v = json_object_get(root, "seq"))) {
        if (!json_is_integer(v) || json_integer_value(v) < 0) {
            snprintf(errstr, errstr_size, "seq must be a non-negative integer");
            goto out;
        }
        obs->seq = json_integer_value(v);
    } else if (next_seq(p, series, &obs->seq, errstr, errstr_size)) {
        goto out;
    }
    obs->produced_at_us = now_us;
    res = EDDY_ROW_OK;
out:
    json_decref(root);
    return res;
}

eddy_row_result_t eddy_ingest_parse_line(eddy_ingest_parser_t *p, const char *line,
                                         size_t len, int64_t now_us, eddy_obs_t *obs,
                                         char *errstr, size_t errstr_size)
{
    char buf[LINE_MAX_BYTES];
    size_t i = 0;

    while (len > 0 && (line[len - 1] == '\r' || line[len - 1] == '\n' ||
                       isspace((unsigned char)line[len - 1])))
        len--;
    while (i < len && isspace((unsigned char)line[i]))
        i++;
    if (i == len || line[i] == '#')
        return EDDY_ROW_SKIP;
    if (len - i >= sizeof(buf)) {
        snprintf(errstr, errstr_size, "line of %zu bytes is longer than %zu", len - i,
                 sizeof(buf) - 1);
        return EDDY_ROW_BAD;
    }
    if (memchr(line + i, '\0', len - i)) {
        snprintf(errstr, errstr_size, "line contains a NUL byte");
        return EDDY_ROW_BAD;
    }
    memset(obs, 0, sizeof(*obs));
    if (line[i] == '{' || line[i] == '[')
        return parse_json(p, line + i, len - i, now_us, obs, errstr, errstr_size);
    memcpy(buf, line + i, len - i);
    buf[len - i] = '\0';
    return parse_csv(p, buf, now_us, obs, errstr, errstr_size);
}
