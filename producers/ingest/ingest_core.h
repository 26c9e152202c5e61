/* ingest_core.h: turning input lines into Observations, pure.
 *
 * Accepts, line by line and mixed freely:
 *   - CSV in the seed's format: a header "input,target" (columns may come in
 *     any order; an optional series_id column overrides --series-id), then
 *     rows such as "1949-01,112". Without a header, input,target is assumed.
 *   - JSON objects: {"series_id": "s", "value": 1.5} (the feature service's
 *     shape) or {"input": "1949-01", "target": 112} (the ingestion
 *     service's), with optional "seq" and "event_time".
 * seq counts per series from --seq-start unless a JSON line gives one.
 */
#ifndef EDDY_INGEST_CORE_H
#define EDDY_INGEST_CORE_H

#include <stddef.h>
#include <stdint.h>

#include "codec/records.h"

typedef struct eddy_ingest_parser_s eddy_ingest_parser_t;

typedef enum {
    EDDY_ROW_OK = 0, /* OBS is filled */
    EDDY_ROW_SKIP,   /* blank line, comment or header */
    EDDY_ROW_BAD     /* ERRSTR says which value is wrong and why */
} eddy_row_result_t;

/* DEFAULT_SERIES is used for rows that name none. */
eddy_ingest_parser_t *eddy_ingest_parser_new(const char *default_series,
                                             int64_t seq_start, size_t max_series);
void eddy_ingest_parser_destroy(eddy_ingest_parser_t *p);

/* Parses one line (without its newline). NOW_US stamps produced_at and is
 * the event time of rows whose input is not a date. */
eddy_row_result_t eddy_ingest_parse_line(eddy_ingest_parser_t *p, const char *line,
                                         size_t len, int64_t now_us, eddy_obs_t *obs,
                                         char *errstr, size_t errstr_size);

/* Parses a date such as 1949, 1949-01, 1949-01-31, 1949-01-31T12:00:00Z
 * into milliseconds since the epoch (UTC). Returns 0, or -1 if TEXT is not
 * such a date. */
int eddy_parse_event_time(const char *text, int64_t *ms);

#endif
