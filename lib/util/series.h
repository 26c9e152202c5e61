/* util/series.h: per-series state, keyed by series_id, with a hard cap.
 *
 * Open addressing over a power-of-two table; the cap bounds memory per
 * process (--max-series). Values are owned by the caller, who frees them
 * through the destructor given at creation.
 */
#ifndef EDDY_CORE_SERIES_H
#define EDDY_CORE_SERIES_H

#include <stddef.h>
#include <stdint.h>

#include "util/buf.h"
#include "util/bytes.h"

typedef struct eddy_series_s eddy_series_t;

/* FREE_VALUE (may be NULL) is called for every value on destroy. */
eddy_series_t *eddy_series_new(size_t max_series, void (*free_value)(void *));
void eddy_series_destroy(eddy_series_t *map);

/* The value stored for ID, or NULL. */
void *eddy_series_get(const eddy_series_t *map, const char *id);

/* Stores VALUE for a new ID. Returns 0, 1 when the cap is reached (nothing
 * stored) or -1 when out of memory. */
int eddy_series_put(eddy_series_t *map, const char *id, void *value);

/* How a map's values are saved: each as a util/snapshot.h frame of kind
 * MAGIC and VERSION around what SAVE writes; LOAD reads one back. CTX is the
 * map owner's, passed through. */
typedef struct eddy_series_codec_s {
    const char *magic; /* 4 bytes */
    uint32_t version;
    /* Appends VALUE's payload to OUT. Returns 0, or -1 when out of memory. */
    int (*save)(const void *ctx, const void *value, eddy_buf_t *out);
    /* A new value from the payload R reads, all of it (a value is refused
     * when R failed or did not reach the end), or NULL with ERRSTR filled. */
    void *(*load)(const void *ctx, const char *id, eddy_reader_t *r, char *errstr,
                  size_t errstr_size);
} eddy_series_codec_t;

/* Appends ID's value, framed by CODEC, to OUT. Returns 0, 1 when ID is
 * unknown, -1 when out of memory. */
int eddy_series_save(const eddy_series_t *map, const char *id,
                     const eddy_series_codec_t *codec, const void *ctx,
                     eddy_buf_t *out);

/* Replaces ID's value (new or not) by the one CODEC reads from the frame in
 * BUF[0..LEN); a value it replaces is freed. Returns 0, or -1 with ERRSTR
 * filled: a damaged or truncated frame (named by the check it failed), a
 * payload CODEC refuses, ID new and the cap reached, or out of memory. */
int eddy_series_load(eddy_series_t *map, const char *id, const void *buf, size_t len,
                     const eddy_series_codec_t *codec, const void *ctx, char *errstr,
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
