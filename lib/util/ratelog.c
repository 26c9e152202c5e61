#include "util/ratelog.h"

#include <string.h>

void eddy_ratelog_init(eddy_ratelog_t *rl, int64_t interval_ms)
{
    memset(rl, 0, sizeof(*rl));
    rl->interval_ms = interval_ms < 0 ? 0 : interval_ms;
}

/* FNV-1a over KIND, a separator, then KEY; never 0 (0 marks an empty slot). */
static uint64_t key_hash(const char *kind, const void *key, size_t key_len)
{
    uint64_t h = 14695981039346656037ULL;
    const unsigned char *k = key;

    for (const unsigned char *p = (const unsigned char *)kind; *p; p++)
        h = (h ^ *p) * 1099511628211ULL;
    h = (h ^ 0x1f) * 1099511628211ULL;
    for (size_t i = 0; i < key_len; i++)
        h = (h ^ k[i]) * 1099511628211ULL;
    return h ? h : 1;
}

int eddy_ratelog_due(eddy_ratelog_t *rl, const char *kind, const void *key,
                     size_t key_len, int64_t now_ms, uint64_t *suppressed)
{
    uint64_t h = key_hash(kind, key, key_len);
    eddy_ratelog_slot_t *s = &rl->slots[h % EDDY_RATELOG_SLOTS];

    if (s->hash == h && now_ms - s->last_ms < rl->interval_ms && now_ms >= s->last_ms) {
        s->suppressed++;
        return 0;
    }
    *suppressed = s->hash == h ? s->suppressed : 0;
    s->hash = h;
    s->last_ms = now_ms;
    s->suppressed = 0;
    return 1;
}
