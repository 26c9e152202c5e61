/* history.c: the per-step record of a (model, series); see history.h. */
#include "history.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

void eddy_hist_free(eddy_hist_t *h)
{
    if (!h)
        return;
    free(h->e);
    memset(h, 0, sizeof(*h));
}

int eddy_hist_push(eddy_hist_t *h, const eddy_hist_entry_t *e)
{
    if (eddy_grow(&h->e, h->n, &h->cap, sizeof(*h->e), 32))
        return -1;
    h->e[h->n++] = *e;
    return 0;
}

long eddy_hist_upto(const eddy_hist_t *h, int64_t seq)
{
    long lo = 0, hi = (long)h->n; /* the first entry after SEQ is in [lo, hi] */

    while (lo < hi) {
        long mid = lo + (hi - lo) / 2;
        if (h->e[mid].seq <= seq)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo - 1;
}

const eddy_hist_entry_t *eddy_hist_at(const eddy_hist_t *h, int64_t seq)
{
    long at = eddy_hist_upto(h, seq);

    return at >= 0 && h->e[at].seq == seq ? &h->e[at] : NULL;
}

int64_t eddy_hist_window(const eddy_hist_t *h, long at, int window, double *abs,
                         double *sq)
{
    int64_t k = 0;

    *abs = *sq = 0.0;
    for (long i = at; i >= 0 && i > at - window; i--) {
        double e = h->e[i].err;
        if (isnan(e))
            continue;
        *abs += e;
        *sq += e * e;
        k++;
    }
    return k;
}

int eddy_hist_contract_ok(const eddy_hist_t *h, long at, int contract_n)
{
    for (long i = at; i >= 0 && h->e[i].seq > h->e[at].seq - contract_n; i--)
        if (h->e[i].failing)
            return 0;
    return 1;
}

void eddy_hist_trim(eddy_hist_t *h, int64_t decided, int window, int contract_n)
{
    long keep =
        eddy_hist_upto(h, decided) + 1 - (window > contract_n ? window : contract_n);

    if (keep <= 0)
        return;
    memmove(h->e, h->e + keep, (h->n - (size_t)keep) * sizeof(*h->e));
    h->n -= (size_t)keep;
}

void eddy_hist_save(const eddy_hist_t *h, eddy_buf_t *out)
{
    eddy_buf_put_u32(out, (uint32_t)h->n);
    for (size_t i = 0; i < h->n; i++) {
        const eddy_hist_entry_t *e = &h->e[i];
        eddy_buf_put_u64(out, (uint64_t)e->seq);
        eddy_buf_put_u64(out, (uint64_t)e->event_time_ms);
        eddy_buf_put_f64(out, e->err);
        eddy_buf_put_f64(out, e->resid);
        eddy_buf_put_f64(out, e->scale);
        eddy_buf_put_u32(out, (uint32_t)e->failing);
    }
}

void eddy_hist_load(eddy_hist_t *h, eddy_reader_t *r, uint32_t max)
{
    uint32_t n = eddy_read_count(r, max);

    for (uint32_t i = 0; !r->err && i < n; i++) {
        eddy_hist_entry_t e;
        e.seq = (int64_t)eddy_read_u64(r);
        e.event_time_ms = (int64_t)eddy_read_u64(r);
        e.err = eddy_read_f64(r);
        e.resid = eddy_read_f64(r);
        e.scale = eddy_read_f64(r);
        e.failing = eddy_read_u32(r) != 0;
        if (r->err || e.seq < 0 || (h->n && e.seq <= h->e[h->n - 1].seq) ||
            eddy_hist_push(h, &e))
            r->err = 1;
    }
}
