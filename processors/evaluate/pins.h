/* pins.h: the operator's pins in force, from the Control commands of the
 * `control` topic applied in order; pure.
 *
 *   pin X M     series X is pinned to model M
 *   pin * M     every series is pinned to M (earlier per-series pins are
 *               removed: the latest command wins)
 *   unpin X     X's own pin is removed (a pin of * still holds for X)
 *   unpin *     every pin is removed
 *
 * eddy_pins_for(X) is X's own pin, else the pin of *, else none.
 */
#ifndef EDDY_EVALUATE_PINS_H
#define EDDY_EVALUATE_PINS_H

#include <stddef.h>

#include "codec/records.h"

typedef struct eddy_pin_s {
    char model[EDDY_MODEL_NAME_MAX + 1];
    char reason[EDDY_TEXT_MAX + 1]; /* "operator NAME: REASON" */
} eddy_pin_t;

typedef struct eddy_pins_s eddy_pins_t;

/* A table of at most MAX pinned series (and *); NULL when out of memory. */
eddy_pins_t *eddy_pins_new(size_t max);

/* Frees P; NULL is a no-op. */
void eddy_pins_destroy(eddy_pins_t *p);

/* Applies CMD. Returns 0, or -1 with ERRSTR naming what is wrong (command
 * not pin/unpin, empty series, pin without a model, the table full, out of
 * memory); P is then unchanged. */
int eddy_pins_apply(eddy_pins_t *p, const eddy_control_t *cmd, char *errstr,
                    size_t errstr_size);

/* The pin in force for SERIES_ID (borrowed until the next apply), or NULL. */
const eddy_pin_t *eddy_pins_for(const eddy_pins_t *p, const char *series_id);

/* The reason of the last unpin command for SERIES_ID (its own, else the
 * last unpin of *), "operator NAME: REASON", as the unpin event carries
 * it; NULL when none is known. Borrowed until the next apply. */
const char *eddy_pins_unpin_reason(const eddy_pins_t *p, const char *series_id);

/* Calls FN(ARG, SERIES_ID, PIN) for every pin ("*" included). */
void eddy_pins_foreach(const eddy_pins_t *p,
                       void (*fn)(void *arg, const char *series_id,
                                  const eddy_pin_t *pin),
                       void *arg);

#endif
