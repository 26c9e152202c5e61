/* util/ratelog.h: rate limiting of repeated log lines, per key.
 *
 * A per-record warning (a late record, a gap, a dead letter) is written at
 * most once per interval for each key (say "late" + series id); the lines
 * held back are counted and the count is handed to the next line written
 * for that key, so a burst of N records becomes one line now and one line
 * "N-1 more" later instead of N lines.
 *
 * Keys are hashed into a fixed table of EDDY_RATELOG_SLOTS slots (64-bit
 * FNV-1a, full hash kept per slot): memory is bounded whatever the number
 * of keys. Two keys that share a slot take turns in it, so a key may be
 * logged more often than once per interval, never less. Pure: the caller
 * passes the clock; not thread-safe (one per thread, or under a lock).
 */
#ifndef EDDY_UTIL_RATELOG_H
#define EDDY_UTIL_RATELOG_H

#include <stddef.h>
#include <stdint.h>

#define EDDY_RATELOG_SLOTS 1024

typedef struct eddy_ratelog_slot_s {
    uint64_t hash;       /* of the key in this slot, 0 when empty */
    int64_t last_ms;     /* when its last line was written */
    uint64_t suppressed; /* lines held back since then */
} eddy_ratelog_slot_t;

typedef struct eddy_ratelog_s {
    int64_t interval_ms;
    eddy_ratelog_slot_t slots[EDDY_RATELOG_SLOTS];
} eddy_ratelog_t;

/* Empties RL and sets its interval (milliseconds, >= 0; 0 logs every line). */
void eddy_ratelog_init(eddy_ratelog_t *rl, int64_t interval_ms);

/* Whether a line for KIND (NUL-terminated) and the KEY_LEN bytes at KEY
 * (say a record's key; NULL when KEY_LEN is 0) may be written at NOW_MS (any monotonic
 * or wall clock in milliseconds). Returns 1 and sets *SUPPRESSED to the lines held back
 * for that key since its last line (0 for the first); returns 0 when the line is to be
 * held back, and counts it. */
int eddy_ratelog_due(eddy_ratelog_t *rl, const char *kind, const void *key,
                     size_t key_len, int64_t now_ms, uint64_t *suppressed);

#endif
