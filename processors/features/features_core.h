/* features_core.h: lag features, pure.
 *
 * Semantics (the seed's): in_1 is the most recent PREVIOUS value of the
 * series, in_N the oldest; lags not yet seen are 0.0; there are always
 * exactly N lags; the current value is never among its own features.
 * State is per series, bounded by a cap on the number of series.
 */
#ifndef EDDY_FEATURES_CORE_H
#define EDDY_FEATURES_CORE_H

#include <stddef.h>

#include "util/buf.h"
#include "codec/records.h"

typedef struct eddy_features_s eddy_features_t;

typedef enum {
    EDDY_FEATURES_OK = 0,
    EDDY_FEATURES_DUPLICATE,  /* seq not after the series' last: already seen */
    EDDY_FEATURES_SERIES_CAP, /* a new series beyond --max-series */
    EDDY_FEATURES_NOMEM
} eddy_features_result_t;

/* N_LAGS in 1..EDDY_LAGS_MAX. Returns NULL on a bad N or no memory. */
eddy_features_t *eddy_features_new(int n_lags, size_t max_series);
void eddy_features_destroy(eddy_features_t *f);

/* Turns OBS into FV (lags from before OBS), then remembers OBS's value. */
eddy_features_result_t eddy_features_process(eddy_features_t *f, const eddy_obs_t *obs,
                                             eddy_fv_t *fv);

/* State of one series as a util/snapshot.h frame "EFTR" appended to OUT
 * (which the caller owns and frees); little-endian, doubles bit-exact.
 * Returns 0, 1 when the series is unknown, -1 when out of memory. */
int eddy_features_save(const eddy_features_t *f, const char *series_id,
                       eddy_buf_t *out);

/* Replaces the series' state by saved bytes. Returns 0, or -1 with ERRSTR
 * when BUF is not a valid state for this N: a damaged or truncated frame is
 * named by the check it failed (never reads past LEN). */
int eddy_features_load(eddy_features_t *f, const char *series_id, const void *buf,
                       size_t len, char *errstr, size_t errstr_size);

/* Forgets a series (its partition moved to another replica). */
void eddy_features_drop(eddy_features_t *f, const char *series_id);

size_t eddy_features_series_count(const eddy_features_t *f);

#endif
