/* cat_json.h: eddy records as JSON objects (for eddy-cat). */
#ifndef EDDY_CAT_JSON_H
#define EDDY_CAT_JSON_H

#include <jansson.h>
#include <stddef.h>

#include "codec/codec.h"

/* What could not be shown as it was, counted over a run (eddy-cat prints
 * the counts on stderr at exit). */
typedef struct eddy_cat_stats_s {
    unsigned long long nonfinite;   /* NaN/Inf numbers, shown as null */
    unsigned long long escaped;     /* strings not UTF-8, bad bytes shown as \xNN */
    unsigned long long undecodable; /* records shown as an error object + hex */
} eddy_cat_stats_t;

/* Decodes a framed value of any known record type into a new JSON object.
 * With LAG_NAMES, feature lags are printed as in_1..in_N fields (the seed's
 * shape) instead of an array. A number that is not finite is printed as
 * null with a field NAME_nonfinite naming it ("NaN", "Inf", "-Inf"; for an
 * array an object from index to name); a string that is not UTF-8 with each
 * bad byte as the text \xNN and a field NAME_invalid_utf8: true. On failure
 * returns an object describing the error with a hex dump of the bytes. Never
 * NULL unless out of memory. STATS (may be NULL) counts what was not shown
 * as it was. The caller owns the result. */
json_t *eddy_cat_value_json(eddy_codec_t *codec, const void *buf, size_t len,
                            int lag_names, eddy_cat_stats_t *stats);

/* N bytes at S as a JSON string: as they are when UTF-8, else with each
 * byte of an ill-formed sequence as the four characters \xNN (counted in
 * STATS, which may be NULL). The caller owns the result. */
json_t *eddy_cat_string_json(const char *s, size_t n, eddy_cat_stats_t *stats);

/* Decodes a framed value by its writer's schema (any record, eddy's or not)
 * and projects it onto READER (a parsed Avro record schema): the reader's
 * fields in its order, each from the writer's field of the same name or,
 * when the writer has none, the reader's declared default. Without a
 * default that is an error object, as are undecodable bytes. Top-level
 * fields only: nested records are copied as the writer wrote them. */
json_t *eddy_cat_project_json(eddy_codec_t *codec, const void *buf, size_t len,
                              const json_t *reader);

/* Lower-case hex of BUF (at most MAX bytes, then "..."); caller frees. */
char *eddy_cat_hex(const void *buf, size_t len, size_t max);

#endif
