/* util/drift.h: drift detection on a stream of numbers (a champion's
 * residuals), pure: Page-Hinkley and ADWIN.
 *
 * Page-Hinkley test (Page 1954, "Continuous inspection schemes"; Hinkley
 * 1971), as River's drift.PageHinkley (River 0.26.1) with its defaults
 * (eddy_ph_default): for each x, the running mean m of the values since the
 * last reset is updated, then, with d = x - m,
 *   inc = alpha * inc + d - delta      min_inc = min(min_inc, inc)
 *   dec = alpha * dec + d + delta      max_dec = max(max_dec, dec)
 * (min_inc starts at +inf, max_dec at -1, as River's); once min_instances
 * values were seen, a drift is detected when inc - min_inc > threshold
 * (mode up or both) or max_dec - dec > threshold (down or both). The update
 * after a detection starts from a reset state. tests/golden/drift-page-
 * hinkley.csv holds River's detections on a fixed sequence; test_drift.c
 * compares them index by index.
 */
#ifndef EDDY_UTIL_DRIFT_H
#define EDDY_UTIL_DRIFT_H

#include <stdint.h>

#include "util/buf.h"
#include "util/bytes.h"

typedef enum { EDDY_PH_BOTH = 0, EDDY_PH_UP, EDDY_PH_DOWN } eddy_ph_mode_t;

typedef struct eddy_ph_conf_s {
    int64_t min_instances; /* 30 */
    double delta;          /* 0.005 */
    double threshold;      /* 50 */
    double alpha;          /* 1 - 0.0001 */
    eddy_ph_mode_t mode;   /* both */
} eddy_ph_conf_t;

/* The state (zeroed then eddy_ph_reset, or restored field by field). */
typedef struct eddy_ph_s {
    int64_t n;
    double mean, inc, dec, min_inc, max_dec;
    int detected; /* the last update detected a drift */
} eddy_ph_t;

/* River's defaults. */
eddy_ph_conf_t eddy_ph_default(void);

/* A fresh state. */
void eddy_ph_reset(eddy_ph_t *ph);

/* Adds X (finite); returns 1 when it makes a drift detected. */
int eddy_ph_update(const eddy_ph_conf_t *conf, eddy_ph_t *ph, double x);

/* ADWIN, adaptive windowing (Bifet & Gavalda 2007, "Learning from
 * Time-Changing Data with Adaptive Windowing", SIAM SDM; the ADWIN2
 * exponential histogram), as River's drift.ADWIN (River 0.26.1, computed
 * in River's Rust core) with its defaults (eddy_adwin_default): delta
 * 0.002, clock 32, max_buckets 5, min_window_length 5, grace_period 10.
 *
 * The window is kept as buckets: level i holds up to max_buckets buckets of
 * 2^i values each (their sum and their sum of squared deviations), oldest
 * first; a level that reaches max_buckets + 1 merges its two oldest into
 * one bucket of the next level. Each value updates the window's width,
 * total and variance (sum of squared deviations, streaming). Every `clock`
 * values, once the width exceeds grace_period, every split of the window
 * at a bucket boundary into an old part W0 (n0 values) and a recent W1
 * (n1), both at least min_window_length long, is tested, oldest split
 * first: with
 *   d' = ln(2 ln(width) / delta),  m = 1/(n0 - mwl + 1) + 1/(n1 - mwl + 1),
 *   eps = sqrt(2 m (variance / width) d') + 2/3 d' m,
 * |mean(W0) - mean(W1)| > eps is a change: the oldest bucket is dropped and
 * the splits are tested again, until none is a change. A drift is detected
 * when any change was found. As River's detector, the update after a
 * detection starts from an empty window. The arithmetic follows River's
 * order step by step, so the width, total and variance match River's bit
 * for bit (tests/golden/drift-adwin*.csv, test_drift.c).
 *
 * The state is bounded: EDDY_ADWIN_LEVELS levels of at most
 * EDDY_ADWIN_SLOTS - 1 buckets at rest (a window of up to about
 * max_buckets * 2^32 values; past that the oldest bucket is dropped). */
#define EDDY_ADWIN_LEVELS 32
#define EDDY_ADWIN_SLOTS  8 /* max_buckets + 1 at most */

typedef struct eddy_adwin_conf_s {
    double delta;          /* 0.002, in (0, 1) */
    int clock;             /* 32, >= 1: test every clock values */
    int max_buckets;       /* 5, 1..EDDY_ADWIN_SLOTS - 1 */
    int min_window_length; /* 5, >= 1 */
    int grace_period;      /* 10, >= 0 */
} eddy_adwin_conf_t;

/* The state (eddy_adwin_reset, zeroed, or eddy_adwin_load). */
typedef struct eddy_adwin_s {
    int64_t width;    /* values in the window */
    int64_t tick;     /* values since the last reset */
    double total;     /* their sum */
    double variance;  /* their sum of squared deviations from the mean */
    int32_t detected; /* the last update detected a drift */
    int32_t n_levels; /* levels in use, >= 1 (0: zeroed, an empty window) */
    int32_t count[EDDY_ADWIN_LEVELS];
    double sum[EDDY_ADWIN_LEVELS][EDDY_ADWIN_SLOTS]; /* oldest first */
    double var[EDDY_ADWIN_LEVELS][EDDY_ADWIN_SLOTS];
} eddy_adwin_t;

/* River's defaults. */
eddy_adwin_conf_t eddy_adwin_default(void);

/* An empty window. */
void eddy_adwin_reset(eddy_adwin_t *a);

/* Adds X (finite) under CONF (valid, as above); returns 1 when it makes a
 * drift detected (the window then holds the values after the change). */
int eddy_adwin_update(const eddy_adwin_conf_t *conf, eddy_adwin_t *a, double x);

/* The mean of the window (River's `estimation`; 0 when empty). */
double eddy_adwin_estimation(const eddy_adwin_t *a);

/* Appends A to OUT, little-endian (util/bytes.h), only the levels in use:
 *   u64 width, tick; f64 total, variance; u32 detected, n_levels;
 *   n_levels x (u32 count; count x (f64 sum, f64 var))
 * at most 40 + 32 x (4 + 7 x 16) = 3,752 bytes (with River's max_buckets 5,
 * 40 + 32 x (4 + 5 x 16)). */
void eddy_adwin_save(const eddy_adwin_t *a, eddy_buf_t *out);

/* Reads A from R; fails R (r->err) on a damaged state: a count or level
 * out of bounds, a width that is not the buckets' sizes added up, or a
 * non-finite number. */
void eddy_adwin_load(eddy_adwin_t *a, eddy_reader_t *r);

#endif
