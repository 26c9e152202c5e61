/* features_internal.h: the features core's state, shared by its files
 * (features_core.c: processing; features_state.c: snapshots and metrics). */
#ifndef EDDY_FEATURES_INTERNAL_H
#define EDDY_FEATURES_INTERNAL_H

#include <stdint.h>

#include "features_core.h"
#include "util/series.h"

typedef struct lag_s {
    double value;
    int64_t time_ms; /* its event time, when TIME_KNOWN */
    int time_known;  /* 0 for lags restored from a version-1 state */
} lag_t;

typedef struct history_s {
    int64_t next_seq;     /* the dense step number of the next accepted record */
    int64_t last_time_ms; /* the last accepted event time, when TIME_KNOWN */
    int time_known;       /* 0 when new, or restored from a version-1 state */
    eddy_anchor_t anchor; /* shared by every event time so far, or NONE */
    eddy_step_t step;     /* inferred so far ({0, 0}: not yet) */
    eddy_features_counts_t counts; /* in memory only */
    int count;                     /* lags remembered, saturating at n_lags */
    int head;                      /* ring index of the most recent */
    lag_t lag[];
} history_t;

struct eddy_features_s {
    int n_lags;
    eddy_step_t frequency; /* {0, 0}: inferred per series */
    eddy_features_counts_t totals;
    eddy_series_t *series;
};

/* A series' empty history for N_LAGS lags, or NULL when out of memory;
 * freed with free(). */
history_t *eddy_history_new(int n_lags);

#endif
