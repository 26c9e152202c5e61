/* page.h: eddy-metrics' state and its HTTP routes beyond /metrics: the
 * status page (Chart.js, served from the Debian package's file), its JSON
 * (jansson) and the leaderboards. */
#ifndef EDDY_METRICS_PAGE_H
#define EDDY_METRICS_PAGE_H

#include "codec/codec.h"
#include "ledger_core.h"
#include "metrics_core.h"
#include "serve.h"
#include "util/buf.h"

/* The sink: its cores and decoding buffers (owned by main.c). */
typedef struct sink_s {
    eddy_codec_t *codec;
    eddy_metrics_t *metrics;  /* legacy ml_model_* families */
    eddy_ledger_t *ledger;    /* points, scores, ranking, eddy_* families */
    const char *scores_topic; /* NULL: scores not read */
    const char *chart_js;     /* path of Chart.js (UMD) */
    eddy_serve_t *serve;      /* /forecast, /champion/X (NULL: off) */
    eddy_pred_t pred;
    eddy_score_t score;
    eddy_ledger_score_t lscore;
    int warned_horizons; /* logged once: a Score with more than EDDY_LEDGER_MAX_H */
} sink_t;

/* The loop's http callback (HTTP thread, under the stage lock): "/" and
 * "/series/<name>" (the page), "/chart.js", "/api/series",
 * "/api/series/<name>", "/leaderboard", "/leaderboard.txt", "/forecasts", and
 * serve.h's "/forecast?series=X" and "/champion/<name>".
 * Returns the HTTP status, or 0 for a path that is not the sink's. */
int eddy_page_http(void *arg, const char *path, eddy_buf_t *body, const char **ctype);

/* The HTML of the status page (static). */
extern const char eddy_page_html[];

#endif
