/* hw_core.h: one Holt-Winters state (River time_series.HoltWinters, see
 * holt_winters.c), shared by `holt_winters` and `holt_winters_auto`. Internal
 * to models/. */
#ifndef EDDY_HW_CORE_H
#define EDDY_HW_CORE_H

#include "model_internal.h"

/* a bounded deque like Python's deque(maxlen=cap); at(-1) is the newest */
typedef struct {
    int cap, len, head;
    double *v;
} dq_t;

typedef struct {
    double alpha, beta, gamma;
    int s, mult, k;
    int n_first, initialized;
    int refused;   /* multiplicative on a target <= 0: predicts `last` */
    double *first; /* the first k targets (the latest k while guarded) */
    double *diffs; /* scratch: k - 1 first differences */
    double last;   /* last target, for the pre-initialisation fallback */
    uint64_t n_seen;
    dq_t level, trend, season;
} hw_state_t;

/* Allocates S for the given smoothing (each in [0, 1]), season length
 * (0: none; with a season beta must be > 0) and form. Returns 0 or -1 (then
 * eddy_hw_core_free). */
int eddy_hw_core_init(hw_state_t *s, double alpha, double beta, double gamma,
                      int season, int mult);
void eddy_hw_core_free(hw_state_t *s);
/* Learns target Y (River's learn_one, with eddy's guards). */
void eddy_hw_core_learn(hw_state_t *s, double y);
/* The forecast H steps after the last target (0: the next); the last target
 * (0 before any) before initialisation or once refused. */
double eddy_hw_core_at(const hw_state_t *s, int h);
/* 1 when S forecasts from its components (initialised, not refused). */
int eddy_hw_core_ready(const hw_state_t *s);
void eddy_hw_core_save(eddy_buf_t *w, const hw_state_t *s);
/* Reads what eddy_hw_core_save wrote into S (init'ed with the same
 * settings); -1 on invalid data. */
int eddy_hw_core_load(eddy_reader_t *r, hw_state_t *s);

#endif
