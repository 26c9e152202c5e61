#include "runtime/lso.h"

#include <jansson.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/buf.h"
#include "util/prom.h"

typedef struct {
    char *topic;
    int partition;
    int64_t hi, lso;
} lso_row_t;

struct eddy_lso_s {
    pthread_mutex_t lock;
    lso_row_t *rows;
    size_t n;
};

eddy_lso_t *eddy_lso_new(void)
{
    eddy_lso_t *lso = calloc(1, sizeof(*lso));

    if (lso)
        pthread_mutex_init(&lso->lock, NULL);
    return lso;
}

static void rows_free(lso_row_t *rows, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(rows[i].topic);
    free(rows);
}

void eddy_lso_destroy(eddy_lso_t *lso)
{
    if (!lso)
        return;
    rows_free(lso->rows, lso->n);
    pthread_mutex_destroy(&lso->lock);
    free(lso);
}

/* The offset KEY of partition P, or -1 when absent or not an integer. */
static int64_t offset_of(json_t *p, const char *key)
{
    json_t *v = json_object_get(p, key);

    return json_is_integer(v) ? (int64_t)json_integer_value(v) : -1;
}

/* Appends TOPIC's kept partitions to *ROWS (*N of them, *CAP allocated).
 * Returns 0, or -1 when out of memory. */
static int add_topic(const char *topic, json_t *t, lso_row_t **rows, size_t *n,
                     size_t *cap)
{
    json_t *parts = json_object_get(t, "partitions"), *p;
    const char *key;

    json_object_foreach(parts, key, p)
    {
        int id = atoi(key);
        int64_t hi = offset_of(p, "hi_offset"), ls = offset_of(p, "ls_offset");
        if (id < 0 || !json_is_true(json_object_get(p, "desired")) || hi < 0 || ls < 0)
            continue;
        if (eddy_grow(rows, *n, cap, sizeof(**rows), 16) ||
            !((*rows)[*n].topic = strdup(topic)))
            return -1;
        (*rows)[*n].partition = id;
        (*rows)[*n].hi = hi;
        (*rows)[(*n)++].lso = ls;
    }
    return 0;
}

int eddy_lso_update(eddy_lso_t *lso, const char *json, size_t len)
{
    json_t *root = json_loadb(json, len, 0, NULL), *topics, *t;
    lso_row_t *rows = NULL, *old;
    size_t n = 0, cap = 0, old_n;
    const char *name;
    int rc = 0;

    if (!root || !json_is_object(topics = json_object_get(root, "topics"))) {
        json_decref(root);
        return -1;
    }
    json_object_foreach(topics, name, t)
    {
        if ((rc = add_topic(name, t, &rows, &n, &cap)))
            break;
    }
    json_decref(root);
    if (rc) {
        rows_free(rows, n);
        return -1;
    }
    pthread_mutex_lock(&lso->lock);
    old = lso->rows;
    old_n = lso->n;
    lso->rows = rows;
    lso->n = n;
    pthread_mutex_unlock(&lso->lock);
    rows_free(old, old_n);
    return 0;
}

/* One family: the LSO (UNSTABLE 0) or high watermark - LSO (1) of each row. */
static void render_family(eddy_prom_buf_t *p, const eddy_lso_t *lso, const char *stage,
                          int unstable)
{
    if (unstable)
        eddy_prom_family(p, "eddy_stage_input_unstable_records", EDDY_PROM_GAUGE,
                         "Records past the partition's last stable offset (high "
                         "watermark - LSO): records of transactions still open, which "
                         "a read_committed reader cannot get yet.");
    else
        eddy_prom_family(
            p, "eddy_stage_input_last_stable_offset", EDDY_PROM_GAUGE,
            "The partition's last stable offset: read_committed reads stop "
            "before it (the first offset of the oldest open transaction).");
    for (size_t i = 0; i < lso->n; i++) {
        char part[16];
        snprintf(part, sizeof(part), "%d", lso->rows[i].partition);
        eddy_prom_label_t labels[] = {
            {"stage", stage}, {"topic", lso->rows[i].topic}, {"partition", part}};
        eddy_prom_sample(
            p, labels, 3,
            (double)(unstable ? lso->rows[i].hi - lso->rows[i].lso : lso->rows[i].lso));
    }
}

void eddy_lso_render(eddy_lso_t *lso, const char *stage, eddy_buf_t *b)
{
    eddy_prom_buf_t *p;

    pthread_mutex_lock(&lso->lock);
    if (lso->n && (p = eddy_prom_buf_over(b))) {
        render_family(p, lso, stage, 0);
        render_family(p, lso, stage, 1);
        eddy_prom_buf_destroy(p);
    }
    pthread_mutex_unlock(&lso->lock);
}
