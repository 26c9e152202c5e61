/* runtime/committer.h: an exactly-once batch's last commit step (EndTxn) on
 * a thread of its own, so that the loop processes the next batch, on its
 * other transactional producer, while the broker completes this one.
 *
 * The order that keeps exactly-once (see loop.c, commit_transaction): batch
 * k's offsets are sent to its transaction (TxnOffsetCommit) before its
 * EndTxn is handed over; batch k+1's offsets are sent after that, so the
 * group keeps k+1's (the coordinator keeps the later-appended offset commit
 * of two committed transactions); and k+1's EndTxn is sent only once k's
 * commit succeeded: when k fails, k+1 is aborted too and both are replayed.
 *
 * One commit at a time. The loop thread hands a commit over and takes its
 * result; between the two, the txn and its producer belong to the committer
 * thread (the loop does not poll that producer: its delivery reports are
 * served by the commit's flush, on the committer thread).
 */
#ifndef EDDY_RT_COMMITTER_H
#define EDDY_RT_COMMITTER_H

#include <stdint.h>

#include "runtime/txn.h"
#include "util/err.h"

typedef struct eddy_committer_s eddy_committer_t;

/* Starts the committer thread. Returns NULL when out of memory or when the
 * thread cannot start. */
eddy_committer_t *eddy_committer_new(void);

/* Stops and joins the thread (waiting for a commit handed over); NULL is a
 * no-op. */
void eddy_committer_destroy(eddy_committer_t *c);

/* Hands TXN (borrowed; its offsets already sent) over for its EndTxn
 * commit, retried while retriable (each attempt bounded by
 * EDDY_TXN_CALL_TIMEOUT_MS). Only while no commit is handed over (-1
 * otherwise). */
int eddy_committer_start(eddy_committer_t *c, eddy_txn_t *txn);

/* 1 while a commit is handed over and its result not taken. */
int eddy_committer_busy(const eddy_committer_t *c);

/* 1 when the commit handed over has ended (eddy_committer_wait returns at
 * once), 0 while it runs or when none was handed over. */
int eddy_committer_ended(eddy_committer_t *c);

/* Waits for the commit handed over and takes its result: 0, or -1 with ERR
 * (ABORT: abort the txn and replay; FATAL). *END_US (may be NULL) gets when
 * it ended (eddy_now_us). With nothing handed over, returns 0 at once. */
int eddy_committer_wait(eddy_committer_t *c, eddy_err_t *err, int64_t *end_us);

#endif
