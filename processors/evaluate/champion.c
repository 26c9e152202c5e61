/* champion.c: the per-series champion (see champion.h for the rules). */
#include "champion.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

eddy_champ_conf_t eddy_champ_conf_default(void)
{
    /* chosen with eddy-accuracy --served on the seed and the six public
       series (docs/models.md, "The served forecast") */
    eddy_champ_conf_t c = {.drift = eddy_ph_default(),
                           .adwin = eddy_adwin_default(),
                           .metric = EDDY_CHAMP_MAE,
                           .horizon = 1,
                           .window = 240,
                           .drift_window = 8,
                           .margin = 0.05,
                           .consecutive = 8,
                           .contract_n = 5,
                           .default_model = "holt_winters_auto",
                           .combine_share = 0.3,
                           .combine_k = 2,
                           .combine_window = 8,
                           .combine_power = 4.0};
    return c;
}

static const char *const metric_names[] = {"mase", "mae", "rmse"};
static const char *const kind_names[] = {"initial", "promotion", "revert",      "pin",
                                         "unpin",   "drift",     "gate_failure"};

const char *eddy_champ_metric_name(eddy_champ_metric_t m)
{
    return (unsigned)m < 3 ? metric_names[m] : "?";
}

int eddy_champ_metric_parse(const char *name, eddy_champ_metric_t *m)
{
    for (int i = 0; i < 3; i++)
        if (name && !strcmp(name, metric_names[i])) {
            *m = (eddy_champ_metric_t)i;
            return 0;
        }
    return -1;
}

const char *eddy_champ_kind_name(eddy_champ_kind_t k)
{
    return (unsigned)k < sizeof(kind_names) / sizeof(kind_names[0]) ? kind_names[k]
                                                                    : "?";
}

int eddy_champ_window(const eddy_champ_conf_t *conf, const eddy_champ_t *st)
{
    return st->drift_left > 0 && conf->drift_window < conf->window ? conf->drift_window
                                                                   : conf->window;
}

static void set_name(char *dst, const char *src)
{
    snprintf(dst, EDDY_MODEL_NAME_MAX + 1, "%s", src ? src : "");
}

static eddy_champ_cand_t *cand_get(eddy_champ_t *st, const char *model)
{
    for (int i = 0; i < st->n_cand; i++)
        if (!strcmp(st->cand[i].model, model))
            return &st->cand[i];
    if (st->n_cand == EDDY_CHAMP_CANDIDATES_MAX)
        return NULL;
    set_name(st->cand[st->n_cand].model, model);
    st->cand[st->n_cand].streak = 0;
    st->cand[st->n_cand].contract_ok = 1;
    return &st->cand[st->n_cand++];
}

static const eddy_champ_view_t *view_of(const eddy_champ_view_t *views, int n,
                                        const char *model)
{
    for (int i = 0; model[0] && i < n; i++)
        if (!strcmp(views[i].model, model))
            return &views[i];
    return NULL;
}

/* Fills E (kind K) from the views of the new and previous champions. */
static void event_fill(eddy_champ_event_t *e, eddy_champ_kind_t k,
                       const eddy_champ_view_t *now, const char *previous,
                       const eddy_champ_view_t *prev, int window)
{
    memset(e, 0, sizeof(*e));
    e->kind = k;
    set_name(e->model, now ? now->model : "");
    set_name(e->previous, previous);
    e->model_err = now ? now->err : 0.0;
    e->model_n = now ? now->n : 0;
    e->previous_err = prev ? prev->err : 0.0;
    e->previous_n = prev ? prev->n : 0;
    e->window = window;
}

static void reset_streaks(eddy_champ_t *st)
{
    for (int i = 0; i < st->n_cand; i++)
        st->cand[i].streak = 0;
    st->revert_streak = 0;
    st->ph.n = 0; /* a new champion: its residuals start afresh */
    eddy_adwin_reset(&st->adwin);
}

/* Makes V the champion after an event of kind K; REPLACED is remembered
 * for a revert (promotions only). */
static void crown(eddy_champ_t *st, const eddy_champ_view_t *v, int remember)
{
    set_name(st->replaced, remember ? st->champion : "");
    set_name(st->champion, v->model);
    reset_streaks(st);
}

static int passing(const eddy_champ_t *st, const char *model)
{
    for (int i = 0; i < st->n_cand; i++)
        if (!strcmp(st->cand[i].model, model))
            return st->cand[i].contract_ok;
    return 0;
}

/* The contract-passing model to serve when the champion fails: the lowest
 * error among the most scored. NULL when none passes. */
static const eddy_champ_view_t *best_passing(const eddy_champ_t *st,
                                             const eddy_champ_view_t *views, int n)
{
    const eddy_champ_view_t *best = NULL;

    for (int i = 0; i < n; i++) {
        const eddy_champ_view_t *v = &views[i];
        if (!passing(st, v->model) || !strcmp(v->model, st->champion))
            continue;
        if (!best || v->n > best->n || (v->n == best->n && v->err < best->err))
            best = v;
    }
    return best;
}

/* The contract gate of the stepped model V; a gate_failure event on its
 * transition to failing. Returns the events written. */
static int gate_contract(const eddy_champ_conf_t *conf, eddy_champ_t *st,
                         const eddy_champ_view_t *v, eddy_champ_cand_t *c,
                         eddy_champ_event_t *out)
{
    int was = c->contract_ok;

    c->contract_ok = v->contract_ok;
    if (v->contract_ok || !was)
        return 0;
    c->streak = 0;
    event_fill(out, EDDY_CHAMP_EV_GATE_FAILURE, v, st->champion, NULL,
               eddy_champ_window(conf, st));
    snprintf(out->reason, sizeof(out->reason),
             "contract: a non-finite or fallback prediction or forecast among the "
             "last %d records of '%s'",
             conf->contract_n, v->model);
    return 1;
}

/* A champion failing the contract is replaced by the best passing model. */
static int replace_failing(const eddy_champ_conf_t *conf, eddy_champ_t *st,
                           const eddy_champ_view_t *views, int n,
                           eddy_champ_event_t *out)
{
    const eddy_champ_view_t *best, *old;

    if (!st->champion[0] || passing(st, st->champion) || st->pinned[0] ||
        !(best = best_passing(st, views, n)))
        return 0;
    old = view_of(views, n, st->champion);
    event_fill(out, EDDY_CHAMP_EV_PROMOTION, best, st->champion, old,
               eddy_champ_window(conf, st));
    snprintf(out->reason, sizeof(out->reason),
             "champion '%s' failed the contract gate; '%s' passes it", st->champion,
             best->model);
    crown(st, best, 0);
    st->provisional = 0;
    return 1;
}

/* A series' first champion, and the default model taking over from a
 * provisional one. */
static int initial(const eddy_champ_conf_t *conf, eddy_champ_t *st,
                   const eddy_champ_view_t *v, eddy_champ_event_t *out)
{
    int is_default = !conf->default_model[0] || !strcmp(v->model, conf->default_model);

    if (!v->contract_ok || (st->champion[0] && !(st->provisional && is_default)))
        return 0;
    event_fill(out, EDDY_CHAMP_EV_INITIAL, v, st->champion, NULL,
               eddy_champ_window(conf, st));
    snprintf(out->reason, sizeof(out->reason),
             is_default ? "default champion (--champion-default '%s')"
                        : "first model seen; serves until the default '%s' appears",
             conf->default_model);
    crown(st, v, 0);
    st->provisional = !is_default;
    return 1;
}

static int full(const eddy_champ_view_t *v, int window)
{
    return v && v->n >= window;
}

/* The revert rule for the promoted champion CH at an aligned step. */
static int revert(const eddy_champ_conf_t *conf, eddy_champ_t *st,
                  const eddy_champ_view_t *ch, const eddy_champ_view_t *views, int n,
                  eddy_champ_event_t *out)
{
    const eddy_champ_view_t *r = view_of(views, n, st->replaced);
    int w = eddy_champ_window(conf, st);

    if (!r || !r->aligned || !passing(st, r->model))
        return 0;
    if (full(ch, w) && full(r, w) && ch->err > (1.0 + conf->margin) * r->err)
        st->revert_streak++;
    else
        st->revert_streak = 0;
    if (st->revert_streak < conf->consecutive)
        return 0;
    event_fill(out, EDDY_CHAMP_EV_REVERT, r, ch->model, ch, w);
    snprintf(out->reason, sizeof(out->reason),
             "promoted champion '%s' has error %.6g, above (1 + %.3g) x %.6g of '%s' "
             "it replaced, for %d compared steps in a row over %d steps",
             ch->model, ch->err, conf->margin, r->err, r->model, st->revert_streak, w);
    crown(st, r, 0);
    return 1;
}

/* Counts an aligned step of challenger V against the champion CH: 1 when
 * its streak reached `consecutive`. */
static int streak(const eddy_champ_conf_t *conf, const eddy_champ_t *st,
                  const eddy_champ_view_t *v, eddy_champ_cand_t *c,
                  const eddy_champ_view_t *ch)
{
    int w = eddy_champ_window(conf, st);

    if (v->contract_ok && full(v, w) && full(ch, w) &&
        v->err < (1.0 - conf->margin) * ch->err)
        c->streak++;
    else
        c->streak = 0;
    return c->streak >= conf->consecutive;
}

/* Promotes V (streak C) over the champion CH. */
static int promote(const eddy_champ_conf_t *conf, eddy_champ_t *st,
                   const eddy_champ_view_t *v, const eddy_champ_cand_t *c,
                   const eddy_champ_view_t *ch, eddy_champ_event_t *out)
{
    int w = eddy_champ_window(conf, st);

    event_fill(out, EDDY_CHAMP_EV_PROMOTION, v, st->champion, ch, w);
    snprintf(out->reason, sizeof(out->reason),
             "error %.6g below (1 - %.3g) x %.6g of champion '%s' for %d compared "
             "steps in a row over %d steps",
             v->err, conf->margin, ch->err, st->champion, c->streak, w);
    crown(st, v, 1);
    st->provisional = 0;
    return 1;
}

/* The champion CH stepped: every aligned challenger's step is counted;
 * the lowest error among those whose streak is complete is promoted. */
static int promote_any(const eddy_champ_conf_t *conf, eddy_champ_t *st,
                       const eddy_champ_view_t *views, int n,
                       const eddy_champ_view_t *ch, eddy_champ_event_t *out)
{
    const eddy_champ_view_t *best = NULL;
    eddy_champ_cand_t *best_c = NULL;

    for (int i = 0; i < n; i++) {
        eddy_champ_cand_t *c;
        if (&views[i] == ch || !views[i].aligned || !(c = cand_get(st, views[i].model)))
            continue;
        if (streak(conf, st, &views[i], c, ch) && (!best || views[i].err < best->err)) {
            best = &views[i];
            best_c = c;
        }
    }
    return best ? promote(conf, st, best, best_c, ch, out) : 0;
}

int eddy_champ_step(const eddy_champ_conf_t *conf, eddy_champ_t *st,
                    const eddy_champ_view_t *views, int n, int stepped,
                    eddy_champ_event_t *out)
{
    const eddy_champ_view_t *v = &views[stepped], *ch;
    eddy_champ_cand_t *c = cand_get(st, v->model);
    int k = 0;

    if (!c)
        return -1;
    k += gate_contract(conf, st, v, c, &out[k]);
    k += replace_failing(conf, st, views, n, &out[k]);
    if (k || st->pinned[0])
        return k;
    if (initial(conf, st, v, &out[k]))
        return 1;
    if (!(ch = view_of(views, n, st->champion)) || !ch->aligned)
        return 0;
    if (ch == v)
        return (st->replaced[0] && revert(conf, st, ch, views, n, out)) ||
               promote_any(conf, st, views, n, ch, out);
    if (!strcmp(v->model, st->replaced))
        return revert(conf, st, ch, views, n, out);
    return streak(conf, st, v, c, ch) ? promote(conf, st, v, c, ch, out) : 0;
}

int eddy_champ_pin(eddy_champ_t *st, const char *model, const char *reason,
                   eddy_champ_event_t *out)
{
    int unpin = !model || !model[0];

    memset(out, 0, sizeof(*out));
    out->kind = unpin ? EDDY_CHAMP_EV_UNPIN : EDDY_CHAMP_EV_PIN;
    set_name(out->previous, st->champion);
    snprintf(out->reason, sizeof(out->reason), "%s", reason ? reason : "");
    if (unpin ? !st->pinned[0] : !strcmp(st->pinned, model))
        return 0;
    if (unpin) {
        set_name(st->champion, st->before_pin);
        set_name(st->before_pin, "");
    } else {
        if (!st->pinned[0])
            set_name(st->before_pin, st->champion);
        set_name(st->champion, model);
        st->provisional = 0;
    }
    set_name(st->replaced, "");
    set_name(st->pinned, unpin ? "" : model);
    reset_streaks(st);
    set_name(out->model, st->champion);
    return 1;
}

void eddy_champ_drift(const eddy_champ_conf_t *conf, eddy_champ_t *st,
                      const char *detector, eddy_champ_event_t *out)
{
    memset(out, 0, sizeof(*out));
    out->kind = EDDY_CHAMP_EV_DRIFT;
    set_name(out->model, st->champion);
    set_name(out->previous, st->champion);
    st->drift_left = conf->window;
    reset_streaks(st);
    out->window = eddy_champ_window(conf, st);
    snprintf(out->reason, sizeof(out->reason),
             "%s detected a change in the residuals of '%s'; selection window %d for "
             "the next %d champion steps",
             detector, st->champion, out->window, conf->window);
}

static const char *const detector_labels[EDDY_CHAMP_DETECTORS] = {"page_hinkley",
                                                                  "adwin"};

const char *eddy_champ_detector_label(int i)
{
    return i >= 0 && i < EDDY_CHAMP_DETECTORS ? detector_labels[i] : "?";
}

int eddy_champ_residual(const eddy_champ_conf_t *conf, eddy_champ_t *st,
                        double residual, eddy_champ_event_t *out)
{
    static const char *const names[] = {"", "Page-Hinkley", "ADWIN",
                                        "Page-Hinkley and ADWIN"};
    unsigned hits = 0;

    if (st->ph.n == 0)
        eddy_ph_reset(&st->ph);
    if (eddy_ph_update(&conf->drift, &st->ph, residual))
        hits |= EDDY_CHAMP_DET_PH;
    if (eddy_adwin_update(&conf->adwin, &st->adwin, residual))
        hits |= EDDY_CHAMP_DET_ADWIN;
    if (!hits)
        return 0;
    eddy_champ_drift(conf, st, names[hits], out); /* restarts both */
    out->detectors = hits;
    return 1;
}

void eddy_champ_champion_stepped(eddy_champ_t *st)
{
    if (st->drift_left > 0)
        st->drift_left--;
}

int eddy_champ_serving(const eddy_champ_t *st)
{
    return st->champion[0] && passing(st, st->champion);
}

/* ---- state, little-endian (util/bytes.h):
 *   4 x (u32 length, name bytes)   champion, replaced, pinned, before_pin
 *   u32 provisional, revert_streak, drift_left, n_cand
 *   n_cand x (u32 length, name bytes; u32 streak, contract_ok)
 *   u64 ph.n; f64 ph.mean, inc, dec, min_inc, max_dec; u32 ph.detected
 *   the ADWIN state (eddy_adwin_save, util/drift.h)    (EEVL version 3) */

static void put_name(eddy_buf_t *out, const char *s)
{
    eddy_buf_put_u32(out, (uint32_t)strlen(s));
    eddy_buf_append(out, s, strlen(s));
}

static void read_name(eddy_reader_t *r, char *dst)
{
    uint32_t len = eddy_read_count(r, EDDY_MODEL_NAME_MAX);

    memset(dst, 0, EDDY_MODEL_NAME_MAX + 1);
    if (!r->err && (eddy_read_bytes(r, dst, len) || memchr(dst, '\0', len)))
        r->err = 1;
}

void eddy_champ_save(const eddy_champ_t *st, eddy_buf_t *out)
{
    put_name(out, st->champion);
    put_name(out, st->replaced);
    put_name(out, st->pinned);
    put_name(out, st->before_pin);
    eddy_buf_put_u32(out, (uint32_t)st->provisional);
    eddy_buf_put_u32(out, (uint32_t)st->revert_streak);
    eddy_buf_put_u32(out, (uint32_t)st->drift_left);
    eddy_buf_put_u32(out, (uint32_t)st->n_cand);
    for (int i = 0; i < st->n_cand; i++) {
        put_name(out, st->cand[i].model);
        eddy_buf_put_u32(out, (uint32_t)st->cand[i].streak);
        eddy_buf_put_u32(out, (uint32_t)st->cand[i].contract_ok);
    }
    eddy_buf_put_u64(out, (uint64_t)st->ph.n);
    eddy_buf_put_f64(out, st->ph.mean);
    eddy_buf_put_f64(out, st->ph.inc);
    eddy_buf_put_f64(out, st->ph.dec);
    eddy_buf_put_f64(out, st->ph.min_inc);
    eddy_buf_put_f64(out, st->ph.max_dec);
    eddy_buf_put_u32(out, (uint32_t)st->ph.detected);
    eddy_adwin_save(&st->adwin, out);
}

/* A u32 in 0..MAX (fails R otherwise). */
static int32_t read_small(eddy_reader_t *r, uint32_t max)
{
    uint32_t v = eddy_read_u32(r);

    if (v > max)
        r->err = 1;
    return r->err ? 0 : (int32_t)v;
}

void eddy_champ_load(eddy_champ_t *st, eddy_reader_t *r)
{
    memset(st, 0, sizeof(*st));
    read_name(r, st->champion);
    read_name(r, st->replaced);
    read_name(r, st->pinned);
    read_name(r, st->before_pin);
    st->provisional = read_small(r, 1);
    st->revert_streak = read_small(r, INT32_MAX);
    st->drift_left = read_small(r, INT32_MAX);
    st->n_cand = read_small(r, EDDY_CHAMP_CANDIDATES_MAX);
    for (int i = 0; !r->err && i < st->n_cand; i++) {
        read_name(r, st->cand[i].model);
        st->cand[i].streak = read_small(r, INT32_MAX);
        st->cand[i].contract_ok = read_small(r, 1);
    }
    st->ph.n = (int64_t)eddy_read_u64(r);
    st->ph.mean = eddy_read_f64(r);
    st->ph.inc = eddy_read_f64(r);
    st->ph.dec = eddy_read_f64(r);
    st->ph.min_inc = eddy_read_f64(r);
    st->ph.max_dec = eddy_read_f64(r);
    st->ph.detected = read_small(r, 1);
    if (st->ph.n < 0)
        r->err = 1;
    if (!r->err)
        eddy_adwin_load(&st->adwin, r);
}
