/* serve.h: eddy-metrics serves each series' served forecast and champion
 * history, from eddy-evaluate's `forecasts` (compacted) and `model-events`
 * topics, each read whole from its start, read_committed, outside the
 * sink's group (runtime/tail.h): every replica answers for every series,
 * from committed records only, also while partitions move.
 *
 *   GET /forecast?series=X   the latest Forecast of X (JSON, as eddy-cat
 *                            prints it); 404 naming X when it has none,
 *                            400 without ?series=
 *   GET /champion/X          {"series", "forecast", "events": the last
 *                            EDDY_SERVE_EVENTS ModelEvents of X, oldest
 *                            first}; 404 naming X when unknown
 *
 * A thread of its own follows both topics (polling every 20 ms when idle)
 * and keeps the raw records under a lock that is never held across network
 * I/O: a request never waits for the broker, and answers from the records
 * committed so far while partitions move or the broker is away.
 */
#ifndef EDDY_METRICS_SERVE_H
#define EDDY_METRICS_SERVE_H

#include <stddef.h>

#include "codec/codec.h"
#include "util/buf.h"
#include "util/opts.h"
#include "util/prom.h"

#define EDDY_SERVE_EVENTS 20 /* events kept per series */

typedef struct eddy_serve_s eddy_serve_t;

/* Follows FORECASTS and EVENTS (either NULL: not read) with the program's
 * Kafka options OPTS, decoding with CODEC (borrowed); at most MAX_SERIES
 * series. NULL with ERRSTR on failure. */
eddy_serve_t *eddy_serve_new(const eddy_opts_t *opts, eddy_codec_t *codec,
                             const char *forecasts, const char *events,
                             size_t max_series, char *errstr, size_t errstr_size);

/* Frees S; NULL is a no-op. */
void eddy_serve_destroy(eddy_serve_t *s);

/* Appends to P (HTTP thread) the gauge
 *   eddy_series_champion_info{series, model} 1
 * for each series with a served forecast: its champion, as the latest
 * Forecast names it. */
void eddy_serve_metrics(eddy_serve_t *s, eddy_prom_buf_t *p);

/* The routes above for PATH (HTTP thread): the status, or 0 when PATH is
 * not one of them. */
int eddy_serve_http(eddy_serve_t *s, const char *path, eddy_buf_t *body,
                    const char **ctype);

#endif
