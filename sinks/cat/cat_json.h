/* cat_json.h: eddy records as JSON objects (for eddy-cat). */
#ifndef EDDY_CAT_JSON_H
#define EDDY_CAT_JSON_H

#include <jansson.h>
#include <stddef.h>

#include "core_codec.h"

/* Decodes a framed value of any known record type into a new JSON object.
 * With LAG_NAMES, feature lags are printed as in_1..in_N fields (the seed's
 * shape) instead of an array. On failure returns an object describing the
 * error with a hex dump of the bytes. The caller owns the result. */
json_t *eddy_cat_value_json(eddy_codec_t *codec, const void *buf, size_t len,
                            int lag_names);

/* Lower-case hex of BUF (at most MAX bytes, then "..."); caller frees. */
char *eddy_cat_hex(const void *buf, size_t len, size_t max);

#endif
