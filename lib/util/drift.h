/* util/drift.h: drift detection on a stream of numbers (a champion's
 * residuals), pure.
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

#endif
