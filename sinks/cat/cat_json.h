/* cat_json.h: eddy records as JSON objects (for eddy-cat). */
#ifndef EDDY_CAT_JSON_H
#define EDDY_CAT_JSON_H

#include <jansson.h>
#include <stddef.h>

#include "codec/codec.h"

/* Decodes a framed value of any known record type into a new JSON object.
 * With LAG_NAMES, feature lags are printed as in_1..in_N fields (the seed's
 * shape) instead of an array. On failure returns an object describing the
 * error with a hex dump of the bytes; NULL when a decoded field has no JSON
 * form (a NaN prediction). The caller owns the result. */
json_t *eddy_cat_value_json(eddy_codec_t *codec, const void *buf, size_t len,
                            int lag_names);

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
