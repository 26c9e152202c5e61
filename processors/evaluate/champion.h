/* champion.h: the champion of one series, chosen among its models from
 * their rolling errors; pure (no I/O, no clock, no allocation).
 *
 * Every model scored on a series is a candidate. The champion is the model
 * whose forecast is served. At each step (a record of one model, the
 * "stepped" one) the caller passes a view of every model on the series:
 * its rolling error (metric at one horizon over the last `window` scored
 * pairs), how many pairs that window holds, whether it passes the
 * contract gate, and whether it has stepped at the stepped record's step
 * (aligned). Errors are only compared between aligned models: a challenger
 * is compared with the champion at step s once, when the later of the two
 * steps at s. The evaluator (evaluate_core.h) steps every model of a step
 * together, in one order, once all of them have reached it, from each
 * model's window ending at that step, so the learners' pace does not
 * change the decisions. eddy_champ_step then applies, in order:
 *
 *   contract gate   a model whose last contract_n records were not all
 *                   finite (or were fallback-marked) fails it: a
 *                   gate_failure event on the transition, its streak reset.
 *                   A champion that fails it is replaced at once by the
 *                   contract-passing model with the lowest error (most
 *                   scored first); while no model passes, nothing is
 *                   served (eddy_champ_serving).
 *   initial         a series starts with the default champion (conf
 *                   default_model) as soon as it has a passing record;
 *                   until then the first passing model serves
 *                   provisionally and the default takes over when it
 *                   appears (an "initial" event each time).
 *   pin             a pinned model is the champion whatever the scores,
 *                   until unpinned (eddy_champ_pin); no automatic change.
 *   revert          a promoted champion whose error exceeds the error of
 *                   the model it replaced by the margin (err > (1 + margin)
 *                   * replaced_err), on `consecutive` compared steps in a
 *                   row, both with a full window, is replaced by it again.
 *   promotion       a challenger passing the contract and coverage gates
 *                   (its window full, and the champion's) whose error is
 *                   below (1 - margin) * champion_err on `consecutive` of
 *                   its own steps in a row (hysteresis) becomes the
 *                   champion; the replaced model is remembered for revert.
 *
 * Every change is an event (eddy_champ_event_t) carrying the errors that
 * decided it. Drift: the champion's one-step residuals feed two detectors
 * (util/drift.h, River's defaults), Page-Hinkley and ADWIN, both restarted
 * whenever the champion changes and after every drift event; a detection by
 * either (or both at one step) is one drift event naming the detector(s);
 * the window used for this series is then `drift_window` until `window`
 * more steps of the champion have been scored, so a better challenger can
 * take over quickly.
 */
#ifndef EDDY_EVALUATE_CHAMPION_H
#define EDDY_EVALUATE_CHAMPION_H

#include <stdint.h>

#include "codec/records.h"
#include "util/buf.h"
#include "util/bytes.h"
#include "util/drift.h"

#define EDDY_CHAMP_CANDIDATES_MAX 64 /* models per series */
#define EDDY_CHAMP_EVENTS_MAX     3  /* events one step can make */
#define EDDY_CHAMP_COMBINE_MAX    8  /* models one served forecast combines */

typedef enum {
    EDDY_CHAMP_MASE = 0,
    EDDY_CHAMP_MAE,
    EDDY_CHAMP_RMSE
} eddy_champ_metric_t;

typedef struct eddy_champ_conf_s {
    eddy_champ_metric_t metric; /* rolling error compared (default MAE) */
    int horizon;                /* h compared, 1..H (default 1) */
    int window;                 /* steps in the window (default 240) */
    int drift_window;           /* the window after a drift (default 8) */
    double margin;              /* relative, 0..1 (default 0.05) */
    int consecutive;            /* K steps in a row (default 8) */
    int contract_n;             /* last N records finite (default 5) */
    char default_model[EDDY_MODEL_NAME_MAX + 1]; /* default "holt_winters_auto";
                                                    "": the first */
    eddy_ph_conf_t drift;    /* Page-Hinkley on the champion's residuals (River's
                                defaults, util/drift.h) */
    eddy_adwin_conf_t adwin; /* ADWIN on the same residuals (River's defaults;
                                clock 0: the defaults, eddy_evaluator_new) */
    /* The served forecast (evaluate_core.h, "Combination"): the champion's
       forecast shrunk toward a combination of the models that erred least
       lately. */
    double combine_share; /* the combination's weight, 0..1 (default 0.3; 0:
                             the champion's forecast alone) */
    int combine_k;        /* models combined, 1..EDDY_CHAMP_COMBINE_MAX (default 2) */
    int combine_window;   /* steps of their recent error (default 8) */
    double combine_power; /* weights (lowest error / error)^power (default 4) */
} eddy_champ_conf_t;

/* One model of the series at this step. */
typedef struct eddy_champ_view_s {
    const char *model;
    double err;      /* rolling error over the series' current window */
    int64_t n;       /* scored pairs in that window */
    int contract_ok; /* passes the contract gate */
    int aligned;     /* its window ends at the stepped record's step */
} eddy_champ_view_t;

typedef enum {
    EDDY_CHAMP_EV_INITIAL = 0,
    EDDY_CHAMP_EV_PROMOTION,
    EDDY_CHAMP_EV_REVERT,
    EDDY_CHAMP_EV_PIN,
    EDDY_CHAMP_EV_UNPIN,
    EDDY_CHAMP_EV_DRIFT,
    EDDY_CHAMP_EV_GATE_FAILURE
} eddy_champ_kind_t;

/* One decision. MODEL is the champion after it (for gate_failure: the model
 * that failed), PREVIOUS the champion before it ("" none). */
typedef struct eddy_champ_event_s {
    eddy_champ_kind_t kind;
    char model[EDDY_MODEL_NAME_MAX + 1];
    char previous[EDDY_MODEL_NAME_MAX + 1];
    double model_err, previous_err; /* their rolling errors (0: unknown) */
    int64_t model_n, previous_n;    /* pairs in their windows */
    int window;                     /* the window in force */
    int64_t seq;           /* the step decided (set by the evaluator; 0 here) */
    int64_t event_time_ms; /* of that step (set by the evaluator) */
    char reason[256];
    unsigned detectors; /* drift: the detectors that fired (EDDY_CHAMP_DET_*) */
} eddy_champ_event_t;

/* The drift detectors, as bits of eddy_champ_event_t.detectors. */
#define EDDY_CHAMP_DET_PH    1u /* Page-Hinkley */
#define EDDY_CHAMP_DET_ADWIN 2u /* ADWIN */
#define EDDY_CHAMP_DETECTORS 2  /* how many */

/* "page_hinkley", "adwin" for detector I (0..EDDY_CHAMP_DETECTORS - 1), the
 * value of the metrics' `detector` label. */
const char *eddy_champ_detector_label(int i);

typedef struct eddy_champ_cand_s {
    char model[EDDY_MODEL_NAME_MAX + 1];
    int32_t streak;      /* steps in a row beating the champion */
    int32_t contract_ok; /* last contract state seen */
} eddy_champ_cand_t;

/* The selection state of one series (zeroed: no champion yet). */
typedef struct eddy_champ_s {
    char champion[EDDY_MODEL_NAME_MAX + 1];
    char replaced[EDDY_MODEL_NAME_MAX + 1]; /* what a promotion replaced */
    char pinned[EDDY_MODEL_NAME_MAX + 1];
    char before_pin[EDDY_MODEL_NAME_MAX + 1]; /* the champion an unpin restores */
    int32_t provisional;   /* serving before the default model appeared */
    int32_t revert_streak; /* champion steps in a row worse than replaced */
    int32_t drift_left;    /* champion steps left on drift_window */
    int32_t n_cand;
    eddy_champ_cand_t cand[EDDY_CHAMP_CANDIDATES_MAX];
    eddy_ph_t ph;       /* on the current champion's residuals (n 0: fresh) */
    eddy_adwin_t adwin; /* on the same residuals (zeroed: fresh) */
} eddy_champ_t;

/* The defaults above. */
eddy_champ_conf_t eddy_champ_conf_default(void);

/* "mase", "mae", "rmse"; eddy_champ_metric_parse returns -1 when unknown. */
const char *eddy_champ_metric_name(eddy_champ_metric_t m);
int eddy_champ_metric_parse(const char *name, eddy_champ_metric_t *m);

/* "initial", "promotion", "revert", "pin", "unpin", "drift", "gate_failure". */
const char *eddy_champ_kind_name(eddy_champ_kind_t k);

/* The window in force for ST (conf window, or drift_window after a drift). */
int eddy_champ_window(const eddy_champ_conf_t *conf, const eddy_champ_t *st);

/* One step (see the top of this file): VIEWS[0..N) every model on the
 * series, VIEWS[STEPPED] the one whose record arrived. Writes up to
 * EDDY_CHAMP_EVENTS_MAX - 1 events to OUT; returns how many (0..2), or -1 when
 * a new model would pass EDDY_CHAMP_CANDIDATES_MAX (ST unchanged). */
int eddy_champ_step(const eddy_champ_conf_t *conf, eddy_champ_t *st,
                    const eddy_champ_view_t *views, int n, int stepped,
                    eddy_champ_event_t *out);

/* Pins MODEL ("" or NULL: unpins) with the operator's REASON; fills OUT,
 * the pin or unpin event. An unpin restores the champion the first pin
 * replaced (the automatic choice stood still while pinned). Returns 1 when the event
 * changed something, 0 for a no-op (pin of the pinned model, unpin when none). */
int eddy_champ_pin(eddy_champ_t *st, const char *model, const char *reason,
                   eddy_champ_event_t *out);

/* Starts the shortened window after a drift detected on the champion's
 * residuals; fills OUT (a drift event naming DETECTOR). */
void eddy_champ_drift(const eddy_champ_conf_t *conf, eddy_champ_t *st,
                      const char *detector, eddy_champ_event_t *out);

/* Adds the champion's one-step RESIDUAL of its latest step (y - yhat,
 * finite; the evaluator divides it by the series' MASE scale, and feeds
 * nothing while that scale is 0) to both drift detectors (restarted whenever
 * the champion changes and after a drift event). On a detection by either
 * starts the drift window and fills OUT (reason naming "Page-Hinkley",
 * "ADWIN" or both; detectors set): returns 1, else 0. */
int eddy_champ_residual(const eddy_champ_conf_t *conf, eddy_champ_t *st,
                        double residual, eddy_champ_event_t *out);

/* Counts one scored step of the champion (ends the drift window). */
void eddy_champ_champion_stepped(eddy_champ_t *st);

/* 1 when ST's champion may be served (it is set and passes the contract). */
int eddy_champ_serving(const eddy_champ_t *st);

/* Appends ST to OUT (util/bytes.h little-endian; see champion.c). */
void eddy_champ_save(const eddy_champ_t *st, eddy_buf_t *out);

/* Reads ST from R; fails R (r->err) on a damaged state. */
void eddy_champ_load(eddy_champ_t *st, eddy_reader_t *r);

#endif
