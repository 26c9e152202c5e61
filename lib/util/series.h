/* util/series.h: per-series state, keyed by series_id, with a hard cap.
 *
 * Open addressing over a power-of-two table; the cap bounds memory per
 * process (--max-series). Values are owned by the caller, who frees them
 * through the destructor given at creation.
 */
#ifndef EDDY_CORE_SERIES_H
#define EDDY_CORE_SERIES_H

#include <stddef.h>

typedef struct eddy_series_s eddy_series_t;

/* FREE_VALUE (may be NULL) is called for every value on destroy. */
eddy_series_t *eddy_series_new(size_t max_series, void (*free_value)(void *));
void eddy_series_destroy(eddy_series_t *map);

/* The value stored for ID, or NULL. */
void *eddy_series_get(const eddy_series_t *map, const char *id);

/* Stores VALUE for a new ID. Returns 0, 1 when the cap is reached (nothing
 * stored) or -1 when out of memory. */
int eddy_series_put(eddy_series_t *map, const char *id, void *value);

/* Stores VALUE for ID, new or not (a state restored from a snapshot): a
 * value it replaces is freed. On failure VALUE is freed too (through the
 * map's destructor), so the map always owns it. Returns 0, or -1 with ERRSTR
 * filled when ID is new and the cap is reached, or memory ran out. */
int eddy_series_replace(eddy_series_t *map, const char *id, void *value, char *errstr,
                        size_t errstr_size);

/* Removes ID, freeing its value. Returns 1 if it was there, 0 if not.
 * Insertion order of the others is kept except that the last entry takes
 * the removed one's place. */
int eddy_series_remove(eddy_series_t *map, const char *id);

size_t eddy_series_count(const eddy_series_t *map);
size_t eddy_series_cap(const eddy_series_t *map);

/* Calls FN for every entry, in insertion order. */
void eddy_series_foreach(const eddy_series_t *map,
                         void (*fn)(const char *id, void *value, void *arg), void *arg);

#endif
