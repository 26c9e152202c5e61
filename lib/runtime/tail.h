/* runtime/tail.h: follows a topic from its start, outside any consumer
 * group: a small table every replica of a stage reads whole (eddy-evaluate's
 * operator commands on `control`). read_committed; every partition from its
 * first offset; a topic that does not exist yet is looked for again on
 * later polls (every 5 s), so a stage can start before its first command.
 */
#ifndef EDDY_RT_TAIL_H
#define EDDY_RT_TAIL_H

#include <stddef.h>

#include "runtime/loop.h"
#include "util/opts.h"

typedef struct eddy_tail_s eddy_tail_t;

/* A follower of TOPIC with the program's Kafka options OPTS (bootstrap, -X;
 * copied by librdkafka). Returns NULL with ERRSTR (a bad -X property). */
eddy_tail_t *eddy_tail_new(const eddy_opts_t *opts, const char *topic, char *errstr,
                           size_t errstr_size);

/* Hands every record that arrived since the last call to FN(ARG, MSG), in
 * partition order, without blocking. Returns the records handed. */
int eddy_tail_poll(eddy_tail_t *t, void (*fn)(void *arg, const eddy_msg_t *msg),
                   void *arg);

/* 1 once every partition was read to its end at least once (the table
 * is whole as of then), 0 before (or while the topic does not exist). */
int eddy_tail_caught_up(const eddy_tail_t *t);

/* Frees T; NULL is a no-op. */
void eddy_tail_destroy(eddy_tail_t *t);

#endif
