/* pins.c: the pins in force (see pins.h). */
#include "pins.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/series.h"

struct eddy_pins_s {
    size_t max;
    eddy_series_t *map;    /* series id or "*" -> eddy_pin_t */
    eddy_series_t *unpins; /* series id or "*" -> the last unpin's reason */
};

eddy_pins_t *eddy_pins_new(size_t max)
{
    eddy_pins_t *p = calloc(1, sizeof(*p));

    if (!p || !(p->map = eddy_series_new(max + 1, free)) ||
        !(p->unpins = eddy_series_new(max + 1, free))) {
        if (p)
            eddy_series_destroy(p->map);
        free(p);
        return NULL;
    }
    p->max = max;
    return p;
}

void eddy_pins_destroy(eddy_pins_t *p)
{
    if (!p)
        return;
    eddy_series_destroy(p->map);
    eddy_series_destroy(p->unpins);
    free(p);
}

/* Replaces the table *MAP by an empty one for P->max + 1 entries. */
static int map_clear(const eddy_pins_t *p, eddy_series_t **map)
{
    eddy_series_t *fresh = eddy_series_new(p->max + 1, free);

    if (!fresh)
        return -1;
    eddy_series_destroy(*map);
    *map = fresh;
    return 0;
}

/* "operator NAME: REASON" of CMD into DST[EDDY_TEXT_MAX + 1]. */
static void operator_reason(char *dst, const eddy_control_t *cmd)
{
    snprintf(dst, EDDY_TEXT_MAX + 1, "operator %s: %.400s",
             cmd->operator_name[0] ? cmd->operator_name : "(unnamed)", cmd->reason);
}

/* Remembers CMD's reason as the last unpin of its series. The table only
 * serves the next event of each series, so when it is full it starts
 * again (a series unpinned earlier then reads a generic reason). */
static int unpin_remember(eddy_pins_t *p, const eddy_control_t *cmd)
{
    char *text = malloc(EDDY_TEXT_MAX + 1);

    if (!text ||
        ((!strcmp(cmd->series_id, "*") || eddy_series_count(p->unpins) > p->max) &&
         map_clear(p, &p->unpins))) {
        free(text);
        return -1;
    }
    operator_reason(text, cmd);
    eddy_series_remove(p->unpins, cmd->series_id);
    if (eddy_series_put(p->unpins, cmd->series_id, text)) {
        free(text);
        return -1;
    }
    return 0;
}

static int pin(eddy_pins_t *p, const eddy_control_t *cmd, char *errstr,
               size_t errstr_size)
{
    eddy_pin_t *v;
    int rc;

    if (!cmd->model[0]) {
        snprintf(errstr, errstr_size,
                 "pin of series '%s' without a model: name the model to pin",
                 cmd->series_id);
        return -1;
    }
    if (!(v = calloc(1, sizeof(*v))) ||
        (!strcmp(cmd->series_id, "*") && map_clear(p, &p->map))) {
        free(v);
        snprintf(errstr, errstr_size, "out of memory");
        return -1;
    }
    snprintf(v->model, sizeof(v->model), "%s", cmd->model);
    operator_reason(v->reason, cmd);
    eddy_series_remove(p->map, cmd->series_id);
    if ((rc = eddy_series_put(p->map, cmd->series_id, v))) {
        free(v);
        snprintf(errstr, errstr_size,
                 rc > 0 ? "pin of series '%s': %zu series are pinned already"
                        : "out of memory pinning series '%s'",
                 cmd->series_id, p->max);
        return -1;
    }
    return 0;
}

int eddy_pins_apply(eddy_pins_t *p, const eddy_control_t *cmd, char *errstr,
                    size_t errstr_size)
{
    if (!cmd->series_id[0]) {
        snprintf(errstr, errstr_size,
                 "%s command without a series: name one, or * for all", cmd->command);
        return -1;
    }
    if (!strcmp(cmd->command, "pin"))
        return pin(p, cmd, errstr, errstr_size);
    if (strcmp(cmd->command, "unpin")) {
        snprintf(errstr, errstr_size, "command '%s' is not pin or unpin", cmd->command);
        return -1;
    }
    if ((!strcmp(cmd->series_id, "*") && map_clear(p, &p->map)) ||
        unpin_remember(p, cmd)) {
        snprintf(errstr, errstr_size, "out of memory");
        return -1;
    }
    eddy_series_remove(p->map, cmd->series_id);
    return 0;
}

const char *eddy_pins_unpin_reason(const eddy_pins_t *p, const char *series_id)
{
    const char *own = eddy_series_get(p->unpins, series_id);

    return own ? own : eddy_series_get(p->unpins, "*");
}

const eddy_pin_t *eddy_pins_for(const eddy_pins_t *p, const char *series_id)
{
    const eddy_pin_t *v = eddy_series_get(p->map, series_id);

    return v ? v : eddy_series_get(p->map, "*");
}

typedef struct each_s {
    void (*fn)(void *arg, const char *series_id, const eddy_pin_t *pin);
    void *arg;
} each_t;

static void each(const char *id, void *value, void *arg)
{
    each_t *e = arg;

    e->fn(e->arg, id, value);
}

void eddy_pins_foreach(const eddy_pins_t *p,
                       void (*fn)(void *arg, const char *series_id,
                                  const eddy_pin_t *pin),
                       void *arg)
{
    each_t e = {fn, arg};

    eddy_series_foreach(p->map, each, &e);
}
