/* history.h: the per-step record of one (model, series) that the champion
 * decisions read: for each step the model published, its error at the
 * champion horizon, its one-step residual, the series' MASE scale and
 * whether the record failed the contract. Pure (no I/O, no clock).
 *
 * Learners run at their own pace (one may be hundreds of steps ahead of
 * another during a backfill). The evaluator decides the champion of step s
 * only once every model it waits for has reached s, from each model's
 * rolling error over the window ending at s (eddy_hist_window), so the
 * decisions depend on the data, never on arrival order. A history holds
 * the steps not decided yet plus the window (and contract records) before
 * them; eddy_hist_trim drops the rest, so it stays bounded by the longest
 * lag the evaluator waits for plus the window.
 */
#ifndef EDDY_EVALUATE_HISTORY_H
#define EDDY_EVALUATE_HISTORY_H

#include <stddef.h>
#include <stdint.h>

#include "util/buf.h"
#include "util/bytes.h"

typedef struct eddy_hist_entry_s {
    int64_t seq;           /* the step, increasing along the history */
    int64_t event_time_ms; /* of that step */
    double err;            /* |y - yhat| at the champion horizon; NaN: none scored */
    double resid;          /* y - prediction, one step; NaN: not finite */
    double scale;          /* the series' MASE scale after this step (0: none yet) */
    int32_t failing;       /* a non-finite prediction or forecast, or a fallback */
} eddy_hist_entry_t;

typedef struct eddy_hist_s {
    eddy_hist_entry_t *e; /* owned; e[0..n) by increasing seq */
    size_t n, cap;
} eddy_hist_t;

/* Frees H's entries (H itself is the caller's); NULL is a no-op. */
void eddy_hist_free(eddy_hist_t *h);

/* Appends E (its seq above the last one). Returns 0, -1 out of memory. */
int eddy_hist_push(eddy_hist_t *h, const eddy_hist_entry_t *e);

/* The index of the last entry at or before step SEQ, -1 when none. */
long eddy_hist_upto(const eddy_hist_t *h, int64_t seq);

/* The entry of step SEQ, NULL when the model has none. */
const eddy_hist_entry_t *eddy_hist_at(const eddy_hist_t *h, int64_t seq);

/* Sums of the errors of the last WINDOW entries up to index AT (the model's
 * last WINDOW steps): *ABS the sum of |e|, *SQ of e^2 over the scored ones;
 * returns how many were scored (0..WINDOW). */
int64_t eddy_hist_window(const eddy_hist_t *h, long at, int window, double *abs,
                         double *sq);

/* 1 when no entry in steps (seq - CONTRACT_N, seq] of entry AT failed. */
int eddy_hist_contract_ok(const eddy_hist_t *h, long at, int contract_n);

/* Drops the entries no decision after step DECIDED needs: all but the last
 * max(WINDOW, CONTRACT_N) entries at or before it. */
void eddy_hist_trim(eddy_hist_t *h, int64_t decided, int window, int contract_n);

/* Appends H to OUT: u32 n, n x (u64 seq, event_time; f64 err, resid, scale;
 * u32 failing), little-endian, doubles bit for bit. */
void eddy_hist_save(const eddy_hist_t *h, eddy_buf_t *out);

/* Reads a history of at most MAX entries into H (empty); fails R (r->err)
 * on a damaged one (too long, seqs not increasing) or out of memory. */
void eddy_hist_load(eddy_hist_t *h, eddy_reader_t *r, uint32_t max);

#endif
