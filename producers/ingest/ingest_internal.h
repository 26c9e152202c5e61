/* ingest_internal.h: the parser's parts, shared by ingest_core.c (the
 * parser, its errors, JSON lines) and ingest_csv.c (the CSV layout and
 * fields). Not for use outside producers/ingest. */
#ifndef EDDY_INGEST_INTERNAL_H
#define EDDY_INGEST_INTERNAL_H

#include <csv.h>

#include "ingest_core.h"
#include "util/series.h"

#define LINE_MAX_BYTES 4096 /* longest record, without its line ending */
#define MAX_COLS       16
#define HEADER_TEXT    160

/* The CSV side's state: written only by ingest_csv.c. */
typedef struct eddy_csv_s {
    struct csv_parser lib;
    char delimiter;  /* set, or decided from the first row */
    int header_seen; /* the layout is decided */
    int had_header;  /* ... by a header row */
    int col_time, col_input, col_value, col_series, n_cols; /* -1: none */
    char header[HEADER_TEXT]; /* the header row, for messages */
    char fieldbuf[LINE_MAX_BYTES + MAX_COLS + 1];
    char *fields[MAX_COLS]; /* the current row's fields, in fieldbuf */
    int n_fields, n_rows, overflow;
    size_t used;
} eddy_csv_t;

struct eddy_ingest_parser_s {
    char default_series[EDDY_SERIES_ID_MAX + 1];
    int64_t seq_start;
    eddy_ingest_format_t fmt;
    int started;  /* a first non-blank record was seen (BOM) */
    char *errstr; /* of the current call */
    size_t errstr_size;
    eddy_ingest_fault_t fault; /* of the last refused row */
    eddy_csv_t csv;
    eddy_series_t *seqs;
};

/* The input,target layout, nothing decided yet. Returns 0 or -1 (libcsv). */
int eddy_csv_init(eddy_csv_t *c, char delimiter);
void eddy_csv_free(eddy_csv_t *c);
/* One CSV record (blank lines and comments already skipped). */
eddy_row_result_t eddy_csv_parse(eddy_ingest_parser_t *p, const char *line, size_t len,
                                 int64_t now_us, eddy_obs_t *obs);

/* Records FAULT and the formatted message in the caller's errstr; returns
 * EDDY_ROW_BAD. */
eddy_row_result_t eddy_ingest_refuse(eddy_ingest_parser_t *p, eddy_ingest_fault_t fault,
                                     const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Checks of text: OK, or BAD after eddy_ingest_refuse. */
eddy_row_result_t eddy_ingest_check_series(eddy_ingest_parser_t *p, const char *id);
eddy_row_result_t eddy_ingest_check_utf8(eddy_ingest_parser_t *p, const char *what,
                                         const char *text);
/* The next seq of SERIES (counted from --seq-start). */
eddy_row_result_t eddy_ingest_next_seq(eddy_ingest_parser_t *p, const char *series,
                                       int64_t *seq);
/* TEXT as the event time under the parser's time options; WHERE ("in
 * column 'ds' (field 1):") goes into the message. */
eddy_row_result_t eddy_ingest_set_time(eddy_ingest_parser_t *p, const char *text,
                                       const char *where, int64_t *ms);

#endif
