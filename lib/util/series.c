#include "util/series.h"
#include "util/buf.h"
#include "util/snapshot.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct entry_s {
    char *id;
    void *value;
} entry_t;

struct eddy_series_s {
    size_t *slots;    /* index+1 into entries, 0 = empty */
    size_t n_slots;   /* power of two */
    entry_t *entries; /* insertion order */
    size_t count;
    size_t cap_entries;
    size_t max_series;
    void (*free_value)(void *);
};

static uint64_t hash(const char *s)
{
    uint64_t h = 1469598103934665603ULL;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ULL;
    return h;
}

eddy_series_t *eddy_series_new(size_t max_series, void (*free_value)(void *))
{
    eddy_series_t *map = calloc(1, sizeof(*map));

    if (!map)
        return NULL;
    map->n_slots = 64;
    map->max_series = max_series;
    map->free_value = free_value;
    if (!(map->slots = calloc(map->n_slots, sizeof(*map->slots)))) {
        free(map);
        return NULL;
    }
    return map;
}

void eddy_series_destroy(eddy_series_t *map)
{
    if (!map)
        return;
    for (size_t i = 0; i < map->count; i++) {
        if (map->free_value)
            map->free_value(map->entries[i].value);
        free(map->entries[i].id);
    }
    free(map->entries);
    free(map->slots);
    free(map);
}

static size_t *find_slot(const eddy_series_t *map, const char *id)
{
    size_t mask = map->n_slots - 1;
    for (size_t i = hash(id) & mask;; i = (i + 1) & mask) {
        size_t *slot = &map->slots[i];
        if (*slot == 0 || !strcmp(map->entries[*slot - 1].id, id))
            return slot;
    }
}

void *eddy_series_get(const eddy_series_t *map, const char *id)
{
    size_t *slot = find_slot(map, id);
    return *slot ? map->entries[*slot - 1].value : NULL;
}

static int grow(eddy_series_t *map)
{
    size_t n = map->n_slots * 2, *slots = calloc(n, sizeof(*slots)), *old = map->slots;

    if (!slots)
        return -1;
    map->slots = slots;
    map->n_slots = n;
    for (size_t i = 0; i < map->count; i++)
        *find_slot(map, map->entries[i].id) = i + 1;
    free(old);
    return 0;
}

int eddy_series_put(eddy_series_t *map, const char *id, void *value)
{
    size_t *slot;

    if (map->count >= map->max_series)
        return 1;
    if ((map->count + 1) * 2 > map->n_slots && grow(map))
        return -1;
    if (eddy_grow(&map->entries, map->count, &map->cap_entries, sizeof(*map->entries),
                  16))
        return -1;
    slot = find_slot(map, id);
    if (*slot) {
        map->entries[*slot - 1].value = value;
        return 0;
    }
    if (!(map->entries[map->count].id = strdup(id)))
        return -1;
    map->entries[map->count].value = value;
    *slot = ++map->count;
    return 0;
}

int eddy_series_save(const eddy_series_t *map, const char *id,
                     const eddy_series_codec_t *codec, const void *ctx, eddy_buf_t *out)
{
    const void *value = eddy_series_get(map, id);
    size_t at;

    if (!value)
        return 1;
    at = eddy_snapshot_begin(out, codec->magic, codec->version);
    if (codec->save(ctx, value, out))
        return -1;
    return eddy_snapshot_end(out, at);
}

int eddy_series_load(eddy_series_t *map, const char *id, const void *buf, size_t len,
                     const eddy_series_codec_t *codec, const void *ctx, char *errstr,
                     size_t errstr_size)
{
    eddy_reader_t r;
    void *value;
    int rc;

    if (eddy_snapshot_open(&r, buf, len, codec->magic, codec->version, errstr,
                           errstr_size) ||
        !(value = codec->load(ctx, id, &r, errstr, errstr_size)))
        return -1;
    if (r.err || r.pos != r.len) {
        snprintf(errstr, errstr_size,
                 "state of series '%s': %zu of its %zu bytes are not %s state", id,
                 r.err ? r.len : r.len - r.pos, r.len, codec->magic);
        if (map->free_value)
            map->free_value(value);
        return -1;
    }
    eddy_series_remove(map, id);
    if (!(rc = eddy_series_put(map, id, value)))
        return 0;
    if (map->free_value)
        map->free_value(value);
    snprintf(errstr, errstr_size,
             rc > 0 ? "series cap reached while restoring '%s'"
                    : "out of memory while restoring '%s'",
             id);
    return -1;
}

int eddy_series_remove(eddy_series_t *map, const char *id)
{
    size_t mask = map->n_slots - 1, *slot = find_slot(map, id), idx, hole, i;

    if (!*slot)
        return 0;
    idx = *slot - 1;
    if (map->free_value)
        map->free_value(map->entries[idx].value);
    free(map->entries[idx].id);
    /* Backward-shift deletion keeps every probe chain unbroken. */
    hole = (size_t)(slot - map->slots);
    map->slots[hole] = 0;
    for (i = (hole + 1) & mask; map->slots[i]; i = (i + 1) & mask) {
        size_t home = hash(map->entries[map->slots[i] - 1].id) & mask;
        if (((i - home) & mask) >= ((i - hole) & mask)) {
            map->slots[hole] = map->slots[i];
            map->slots[i] = 0;
            hole = i;
        }
    }
    /* Move the last entry into the freed place and repoint its slot. */
    if (idx != map->count - 1) {
        map->entries[idx] = map->entries[map->count - 1];
        *find_slot(map, map->entries[idx].id) = idx + 1;
    }
    map->count--;
    return 1;
}

size_t eddy_series_count(const eddy_series_t *map)
{
    return map->count;
}

size_t eddy_series_cap(const eddy_series_t *map)
{
    return map->max_series;
}

void eddy_series_foreach(const eddy_series_t *map,
                         void (*fn)(const char *id, void *value, void *arg), void *arg)
{
    for (size_t i = 0; i < map->count; i++)
        fn(map->entries[i].id, map->entries[i].value, arg);
}
