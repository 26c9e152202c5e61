/* ingest_core.h: turning input records into Observations, pure.
 *
 * Accepts, record by record and mixed freely:
 *   - CSV (RFC 4180, parsed by libcsv): quoted fields (a quote inside one is
 *     doubled; a quoted field may span lines), ',' ';' or tab delimiters
 *     (detected from the first row, or set), a UTF-8 byte-order mark at the
 *     start stripped. The first row is a header when it names a value column
 *     in a common spelling (input,target / ds,y / unique_id,ds,y /
 *     Month,#Passengers / date,value / series_id,input,value ...; any case)
 *     or the columns named by eddy_ingest_format_t; a first row of two fields
 *     whose first is a time or second a number is data in the input,target
 *     layout. Any other first row is refused with the header found and the
 *     options that name the columns.
 *   - JSON objects: {"series_id": "s", "value": 1.5} or
 *     {"input": "1949-01", "target": 112}, with optional "seq" (integer >= 0)
 *     and "event_time" (a time string, or an epoch number in --time-unit,
 *     milliseconds by default).
 * Event time: the time column's text (or JSON "event_time", else "input")
 * parsed by util/timeparse.h; text that is not a time is refused, never
 * replaced by the clock. Rows of a file without a time column (and JSON
 * lines with neither field) get the time of ingest.
 * Values: one complete decimal number; a decimal comma, a thousands
 * separator, trailing text or an empty field is refused with the cause.
 * Text (series id, input) must be UTF-8.
 * seq counts per series from --seq-start unless a JSON line gives one.
 */
#ifndef EDDY_INGEST_CORE_H
#define EDDY_INGEST_CORE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#include "codec/records.h"
#include "util/reason.h"
#include "util/timeparse.h"

typedef struct eddy_ingest_parser_s eddy_ingest_parser_t;

typedef enum {
    EDDY_ROW_OK = 0, /* OBS is filled */
    EDDY_ROW_SKIP,   /* blank line, comment or header */
    EDDY_ROW_BAD     /* ERRSTR says which value is wrong and why */
} eddy_row_result_t;

/* How to read CSV columns and times; every string is borrowed and must
 * outlive the parser. A column is a header name (any case) or a 1-based
 * index; NULL finds it by its spelling in the header. time_column "none":
 * no time column (rows get the time of ingest). */
typedef struct eddy_ingest_format_s {
    char delimiter; /* ',', ';' or '\t'; 0: detected from the first row */
    const char *time_column, *value_column, *series_column;
    eddy_time_opts_t time; /* --time-format / --time-unit */
} eddy_ingest_format_t;

/* DEFAULT_SERIES is used for rows that name none. NULL when out of memory. */
eddy_ingest_parser_t *eddy_ingest_parser_new(const char *default_series,
                                             int64_t seq_start, size_t max_series);
void eddy_ingest_parser_destroy(eddy_ingest_parser_t *p);

/* Sets the format (copied; its strings borrowed) before the first line.
 * Returns 0, or -1 with ERRSTR naming the bad setting. */
int eddy_ingest_parser_set_format(eddy_ingest_parser_t *p,
                                  const eddy_ingest_format_t *format, char *errstr,
                                  size_t errstr_size);

/* Parses one record (without its line ending; a quoted CSV field may hold
 * newlines). NOW_US stamps produced_at and is the event time of rows
 * without a time column. */
eddy_row_result_t eddy_ingest_parse_line(eddy_ingest_parser_t *p, const char *line,
                                         size_t len, int64_t now_us, eddy_obs_t *obs,
                                         char *errstr, size_t errstr_size);

/* Why a row is refused, one row each: the fault's stable name (counted and
 * printed once per kind by eddy-ingest) and its dead-letter reason
 * (util/reason.h). */
#define EDDY_INGEST_FAULTS(X)                                                          \
    X(HEADER, "header", BAD_ROW)             /* no usable CSV header */                \
    X(COLUMN_COUNT, "column_count", BAD_ROW) /* fields != header's */                  \
    X(TOO_MANY_COLUMNS, "too_many_columns", BAD_ROW)                                   \
    X(CSV_QUOTES, "csv_quotes", BAD_ROW) /* not RFC 4180 quoting */                    \
    X(CSV_ROWS, "csv_rows", BAD_ROW)     /* a record of several rows */                \
    X(LINE_TOO_LONG, "line_too_long", BAD_ROW)                                         \
    X(NUL, "nul", BAD_ROW)                                                             \
    X(EMPTY_VALUE, "empty_value", BAD_ROW)                                             \
    X(NOT_A_NUMBER, "not_a_number", BAD_ROW)                                           \
    X(DECIMAL_COMMA, "decimal_comma", BAD_ROW)                                         \
    X(THOUSANDS_SEPARATOR, "thousands_separator", BAD_ROW)                             \
    X(TRAILING_TEXT, "trailing_text", BAD_ROW) /* "12kg" */                            \
    X(NOT_FINITE, "not_finite", BAD_ROW)       /* NaN, Inf */                          \
    X(OUT_OF_RANGE, "out_of_range", BAD_ROW)   /* 1e999 */                             \
    X(BAD_TIME, "bad_time", BAD_ROW)           /* not a time */                        \
    X(SERIES_ID, "series_id", BAD_ROW)         /* empty, too long, control chars */    \
    X(INPUT_TOO_LONG, "input_too_long", BAD_ROW)                                       \
    X(JSON, "json", BAD_ROW)               /* not a JSON object */                     \
    X(JSON_FIELDS, "json_fields", BAD_ROW) /* neither value nor target */              \
    X(SEQ, "seq", BAD_ROW)                                                             \
    X(TOO_MANY_SERIES, "too_many_series", SERIES_CAP)                                  \
    X(NOMEM, "nomem", NOMEM)                                                           \
    X(INVALID_UTF8, "invalid_utf8", INVALID_UTF8)

typedef enum eddy_ingest_fault_e {
#define EDDY_INGEST_FAULT_ENUM(id, name, reason) EDDY_FAULT_##id,
    EDDY_INGEST_FAULTS(EDDY_INGEST_FAULT_ENUM)
#undef EDDY_INGEST_FAULT_ENUM
        EDDY_FAULT_COUNT
} eddy_ingest_fault_t;

/* The fault's name ("decimal_comma") and dead-letter reason; "bad_row" and
 * BAD_ROW outside the table. */
const char *eddy_ingest_fault_name(eddy_ingest_fault_t fault);
eddy_reason_t eddy_ingest_fault_reason(eddy_ingest_fault_t fault);

/* After EDDY_ROW_BAD: the fault (EDDY_FAULT_COUNT when none), its name and
 * its dead-letter reason. */
eddy_ingest_fault_t eddy_ingest_last_fault(const eddy_ingest_parser_t *p);
const char *eddy_ingest_last_kind(const eddy_ingest_parser_t *p);
eddy_reason_t eddy_ingest_last_reason(const eddy_ingest_parser_t *p);

/* 1 once a CSV header row was recognised (for "header but no data"). */
int eddy_ingest_parser_saw_header(const eddy_ingest_parser_t *p);

/* Parses a time with the automatic rules of util/timeparse.h (NUL-terminated
 * TEXT) into milliseconds since the epoch (UTC). Returns 0, or -1. */
int eddy_parse_event_time(const char *text, int64_t *ms);

/* Reads the next record of F into *BUF (grown as needed, NUL-terminated,
 * owned by the caller; free it): up to an LF, CRLF or lone CR outside CSV
 * quotes (a newline inside quotes is kept as LF; quotes are not tracked in
 * JSON lines, nor past 4096 bytes so one stray quote cannot swallow a
 * file). *LINE counts physical lines read so far; the record starts on the
 * line it had + 1. Returns the record's length, -1 at end of input, or -2
 * when the input cannot be read or memory runs out (errno says which). */
ssize_t eddy_ingest_read_record(FILE *f, char **buf, size_t *cap, long *line);

#endif
