/* runtime/changelog_internal.h: what changelog.c (ownership, checkpoints,
 * flush) and changelog_restore.c (restore, replay) share. Not for other
 * units: they use changelog.h.
 *
 * Thread: the loop thread only. */
#ifndef EDDY_RT_CHANGELOG_INTERNAL_H
#define EDDY_RT_CHANGELOG_INTERNAL_H

#include <stdint.h>

#include "runtime/changelog.h"
#include "util/series.h"

/* Which input partition a series belongs to, and its checkpoint. */
typedef struct owner_s {
    int32_t partition;
    int snapshotted;      /* the changelog holds a snapshot of it */
    int legacy;           /* restored from a version 1 record (or another input
                             topic): reflects the committed offset */
    int queued;           /* in cl->pending */
    int forced;           /* due with the open batch (eddy_changelog_force) */
    int64_t snap_offset;  /* its last snapshot reflects every input record
                             before this offset (-1: none) */
    int64_t pending;      /* records applied since that snapshot */
    int64_t pending_from; /* offset of the first of them */
    int64_t pending_us;   /* when the first of them was applied */
} owner_t;

/* Per input partition. */
typedef struct part_s {
    int64_t pos;         /* the offset after the last record applied (or the
                            committed offset at restore) */
    int64_t floor;       /* flush scratch: least pending_from left pending */
    int64_t replay_from; /* restore: from the partition's last record */
    int flush_all;       /* a record of the open batch was not keyed by its
                            series id: write every pending series */
} part_t;

struct eddy_changelog_s {
    eddy_changelog_conf_t conf;
    eddy_series_t *owners; /* series -> owner_t */
    char **pending;        /* series with records since their snapshot */
    size_t n_pending, cap_pending;
    part_t *parts; /* indexed by partition number */
    size_t n_parts;
    int replaying;  /* inside the replay of the input */
    int warned_key; /* the "not keyed by series id" warning was logged */
    eddy_buf_t buf; /* one snapshot being framed */
};

/* The state of PARTITION (grown on demand), or NULL when out of memory. */
part_t *eddy_changelog_part(eddy_changelog_t *cl, int32_t partition);

/* OWNER of SERIES_ID, created (no snapshot) when absent; NULL when out of
 * memory. Sets its partition. */
owner_t *eddy_changelog_owner(eddy_changelog_t *cl, const char *series_id,
                              int32_t partition);

/* The stage's drop under its lock, and the owner forgotten. */
void eddy_changelog_stage_drop(eddy_changelog_t *cl, const char *series_id);

/* The stage's load under its lock: 0, or -1 with ERRSTR. */
int eddy_changelog_stage_load(eddy_changelog_t *cl, const char *series_id,
                              const void *buf, size_t len, char *errstr,
                              size_t errstr_size);

/* Drops the series owned by PARTS whose snapshot is ahead of COMMITTED (per
 * element of PARTS; NULL: all of them). Returns how many. */
size_t eddy_changelog_drop_where(eddy_changelog_t *cl,
                                 const rd_kafka_topic_partition_list_t *parts,
                                 const int64_t *committed);

#endif
