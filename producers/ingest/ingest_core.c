#include "ingest_internal.h"

#include <ctype.h>
#include <jansson.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "util/utf8.h"

typedef struct seq_s {
    int64_t next;
} seq_t;

static const struct {
    const char *name;
    eddy_reason_t reason;
} faults[] = {
#define EDDY_INGEST_FAULT_ROW(id, name, reason)                                        \
    [EDDY_FAULT_##id] = {name, EDDY_REASON_##reason},
    EDDY_INGEST_FAULTS(EDDY_INGEST_FAULT_ROW)
#undef EDDY_INGEST_FAULT_ROW
};

eddy_ingest_parser_t *eddy_ingest_parser_new(const char *default_series,
                                             int64_t seq_start, size_t max_series)
{
    eddy_ingest_parser_t *p = calloc(1, sizeof(*p));

    if (!p)
        return NULL;
    snprintf(p->default_series, sizeof(p->default_series), "%s", default_series);
    p->seq_start = seq_start;
    p->fault = EDDY_FAULT_COUNT;
    if (eddy_csv_init(&p->csv, 0)) {
        free(p);
        return NULL;
    }
    if (!(p->seqs = eddy_series_new(max_series, free))) {
        eddy_csv_free(&p->csv);
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
    eddy_csv_free(&p->csv);
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
    p->csv.delimiter = d;
    return 0;
}

const char *eddy_ingest_fault_name(eddy_ingest_fault_t fault)
{
    return (int)fault >= 0 && fault < EDDY_FAULT_COUNT ? faults[fault].name : "bad_row";
}

eddy_reason_t eddy_ingest_fault_reason(eddy_ingest_fault_t fault)
{
    return (int)fault >= 0 && fault < EDDY_FAULT_COUNT ? faults[fault].reason
                                                       : EDDY_REASON_BAD_ROW;
}

eddy_ingest_fault_t eddy_ingest_last_fault(const eddy_ingest_parser_t *p)
{
    return p->fault;
}

eddy_reason_t eddy_ingest_last_reason(const eddy_ingest_parser_t *p)
{
    return eddy_ingest_fault_reason(p->fault);
}

const char *eddy_ingest_last_kind(const eddy_ingest_parser_t *p)
{
    return eddy_ingest_fault_name(p->fault);
}

int eddy_parse_event_time(const char *text, int64_t *ms)
{
    return eddy_time_parse(text, strlen(text), NULL, ms, NULL, 0);
}

eddy_row_result_t eddy_ingest_refuse(eddy_ingest_parser_t *p, eddy_ingest_fault_t fault,
                                     const char *fmt, ...)
{
    va_list ap;

    p->fault = fault;
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

eddy_row_result_t eddy_ingest_check_utf8(eddy_ingest_parser_t *p, const char *what,
                                         const char *text)
{
    size_t len = strlen(text), at = eddy_utf8_invalid_at(text, len);
    char shown[64];

    if (at == len)
        return EDDY_ROW_OK;
    return eddy_ingest_refuse(
        p, EDDY_FAULT_INVALID_UTF8,
        "%s '%s' is not UTF-8 (byte 0x%02x at offset %zu): re-encode the "
        "input as UTF-8, e.g. iconv -f latin1 -t utf-8",
        what, printable(text, shown, sizeof(shown)), (unsigned char)text[at], at);
}

eddy_row_result_t eddy_ingest_check_series(eddy_ingest_parser_t *p, const char *id)
{
    size_t n = strlen(id);

    if (n == 0 || n > EDDY_SERIES_ID_MAX)
        return eddy_ingest_refuse(p, EDDY_FAULT_SERIES_ID,
                                  "series_id '%.40s' must be 1..%d bytes", id,
                                  EDDY_SERIES_ID_MAX);
    for (const char *c = id; *c; c++)
        if ((unsigned char)*c < 0x20)
            return eddy_ingest_refuse(p, EDDY_FAULT_SERIES_ID,
                                      "series_id '%.40s' contains a control character",
                                      id);
    return eddy_ingest_check_utf8(p, "series_id", id);
}

eddy_row_result_t eddy_ingest_next_seq(eddy_ingest_parser_t *p, const char *series,
                                       int64_t *seq)
{
    seq_t *s = eddy_series_get(p->seqs, series);

    if (!s) {
        if (!(s = malloc(sizeof(*s))))
            return eddy_ingest_refuse(p, EDDY_FAULT_NOMEM, "out of memory");
        s->next = p->seq_start;
        if (eddy_series_put(p->seqs, series, s)) {
            free(s);
            return eddy_ingest_refuse(p, EDDY_FAULT_TOO_MANY_SERIES,
                                      "too many series (max %zu)",
                                      eddy_series_cap(p->seqs));
        }
    }
    *seq = s->next++;
    return EDDY_ROW_OK;
}

eddy_row_result_t eddy_ingest_set_time(eddy_ingest_parser_t *p, const char *text,
                                       const char *where, int64_t *ms)
{
    char why[400];

    if (eddy_time_parse(text, strlen(text), &p->fmt.time, ms, why, sizeof(why)))
        return eddy_ingest_refuse(p, EDDY_FAULT_BAD_TIME, "event time %s %s", where,
                                  why);
    return EDDY_ROW_OK;
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
            return eddy_ingest_refuse(p, EDDY_FAULT_BAD_TIME, "event_time %s", why);
        return EDDY_ROW_OK;
    }
    if (v && json_is_string(v))
        return eddy_ingest_set_time(p, json_string_value(v), "in \"event_time\":", ms);
    if (v)
        return eddy_ingest_refuse(
            p, EDDY_FAULT_BAD_TIME,
            "event_time must be a time string such as 2024-03-01T00:00:00Z or "
            "epoch milliseconds (a number in --time-unit)");
    if (*input && !(p->fmt.time_column && !strcasecmp(p->fmt.time_column, "none")))
        return eddy_ingest_set_time(p, input, "in \"input\":", ms);
    return EDDY_ROW_OK;
}

static eddy_row_result_t json_fields(eddy_ingest_parser_t *p, json_t *root,
                                     int64_t now_us, eddy_obs_t *obs)
{
    json_t *v;
    const char *series = p->default_series, *input = "";

    if ((v = json_object_get(root, "series_id"))) {
        if (!json_is_string(v))
            return eddy_ingest_refuse(p, EDDY_FAULT_SERIES_ID,
                                      "series_id must be a string");
        series = json_string_value(v);
    }
    if (eddy_ingest_check_series(p, series))
        return EDDY_ROW_BAD;
    if (!(v = json_object_get(root, "value")) && !(v = json_object_get(root, "target")))
        return eddy_ingest_refuse(
            p, EDDY_FAULT_JSON_FIELDS,
            "JSON line has neither \"value\" nor \"target\": expected "
            "{\"series_id\":\"s\",\"value\":1.5} or "
            "{\"input\":\"1949-01\",\"target\":112}");
    if (!json_is_number(v))
        return eddy_ingest_refuse(p, EDDY_FAULT_NOT_A_NUMBER,
                                  "value/target must be a number");
    obs->value = json_number_value(v);
    if (!isfinite(obs->value))
        return eddy_ingest_refuse(p, EDDY_FAULT_NOT_FINITE, "value %g is not finite",
                                  obs->value);
    if ((v = json_object_get(root, "input"))) {
        if (!json_is_string(v) || strlen(json_string_value(v)) > EDDY_INPUT_MAX)
            return eddy_ingest_refuse(p, EDDY_FAULT_INPUT_TOO_LONG,
                                      "input must be a string of at most %d bytes",
                                      EDDY_INPUT_MAX);
        input = json_string_value(v);
    }
    if (json_time(p, root, input, now_us, &obs->event_time_ms))
        return EDDY_ROW_BAD;
    snprintf(obs->series_id, sizeof(obs->series_id), "%s", series);
    snprintf(obs->input, sizeof(obs->input), "%s", input);
    /* Last: a rejected line must not use up a sequence number. */
    if ((v = json_object_get(root, "seq"))) {
        if (!json_is_integer(v) || json_integer_value(v) < 0)
            return eddy_ingest_refuse(p, EDDY_FAULT_SEQ,
                                      "seq must be a non-negative integer");
        obs->seq = json_integer_value(v);
    } else if (eddy_ingest_next_seq(p, series, &obs->seq)) {
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
        return eddy_ingest_refuse(
            p, EDDY_FAULT_INVALID_UTF8,
            "JSON line is not UTF-8 (byte 0x%02x at column %zu): re-encode "
            "the input as UTF-8, e.g. iconv -f latin1 -t utf-8",
            (unsigned char)line[at], at + 1);
    }
    if (!(root = json_loadb(line, len, JSON_REJECT_DUPLICATES, &jerr)))
        return eddy_ingest_refuse(p, EDDY_FAULT_JSON, "invalid JSON at column %d: %s",
                                  jerr.column, jerr.text);
    if (!json_is_object(root))
        res = eddy_ingest_refuse(p, EDDY_FAULT_JSON, "JSON line is not an object");
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
    p->fault = EDDY_FAULT_COUNT;
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
        return eddy_ingest_refuse(p, EDDY_FAULT_LINE_TOO_LONG,
                                  "line of %zu bytes is longer than %d", len - i,
                                  LINE_MAX_BYTES - 1);
    if (memchr(line + i, '\0', len - i))
        return eddy_ingest_refuse(p, EDDY_FAULT_NUL, "line contains a NUL byte");
    memset(obs, 0, sizeof(*obs));
    if (line[i] == '{' || line[i] == '[')
        return parse_json(p, line + i, len - i, now_us, obs);
    return eddy_csv_parse(p, line + i, len - i, now_us, obs);
}
