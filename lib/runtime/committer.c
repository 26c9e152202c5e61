/* runtime/committer.c: see committer.h. */
#include "runtime/committer.h"

#include <pthread.h>
#include <stdlib.h>

#include "runtime/kafka.h"
#include "util/log.h"

struct eddy_committer_s {
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int stop;
    eddy_txn_t *txn; /* handed over, not yet committed; NULL: none */
    int busy;        /* handed over, result not taken */
    int rc;          /* the result, once txn is NULL again */
    eddy_err_t err;
    int64_t end_us;
};

static void *committer_main(void *arg)
{
    eddy_committer_t *c = arg;

    pthread_mutex_lock(&c->mu);
    for (;;) {
        eddy_txn_t *txn;
        eddy_err_t err = EDDY_ERR_INIT;
        int rc;

        while (!c->txn && !c->stop)
            pthread_cond_wait(&c->cv, &c->mu);
        if (!c->txn)
            break; /* stopping with nothing handed over */
        txn = c->txn;
        pthread_mutex_unlock(&c->mu);
        do
            rc = eddy_txn_end(txn, &err);
        while (rc && err.cls == EDDY_ERR_RETRIABLE);
        pthread_mutex_lock(&c->mu);
        c->rc = rc;
        c->err = err;
        c->end_us = eddy_now_us();
        c->txn = NULL;
        pthread_cond_broadcast(&c->cv);
    }
    pthread_mutex_unlock(&c->mu);
    return NULL;
}

eddy_committer_t *eddy_committer_new(void)
{
    eddy_committer_t *c = calloc(1, sizeof(*c));

    if (!c)
        return NULL;
    pthread_mutex_init(&c->mu, NULL);
    pthread_cond_init(&c->cv, NULL);
    if (pthread_create(&c->thread, NULL, committer_main, c)) {
        pthread_cond_destroy(&c->cv);
        pthread_mutex_destroy(&c->mu);
        free(c);
        return NULL;
    }
    return c;
}

void eddy_committer_destroy(eddy_committer_t *c)
{
    if (!c)
        return;
    pthread_mutex_lock(&c->mu);
    c->stop = 1;
    pthread_cond_broadcast(&c->cv);
    pthread_mutex_unlock(&c->mu);
    pthread_join(c->thread, NULL);
    pthread_cond_destroy(&c->cv);
    pthread_mutex_destroy(&c->mu);
    free(c);
}

int eddy_committer_start(eddy_committer_t *c, eddy_txn_t *txn)
{
    if (c->busy)
        return -1;
    pthread_mutex_lock(&c->mu);
    c->txn = txn;
    c->busy = 1;
    pthread_cond_broadcast(&c->cv);
    pthread_mutex_unlock(&c->mu);
    return 0;
}

int eddy_committer_busy(const eddy_committer_t *c)
{
    return c->busy;
}

int eddy_committer_ended(eddy_committer_t *c)
{
    int ended;

    if (!c->busy)
        return 0;
    pthread_mutex_lock(&c->mu);
    ended = c->txn == NULL;
    pthread_mutex_unlock(&c->mu);
    return ended;
}

int eddy_committer_wait(eddy_committer_t *c, eddy_err_t *err, int64_t *end_us)
{
    int rc;

    if (!c->busy)
        return 0;
    pthread_mutex_lock(&c->mu);
    while (c->txn)
        pthread_cond_wait(&c->cv, &c->mu);
    rc = c->rc;
    if (rc)
        *err = c->err;
    if (end_us)
        *end_us = c->end_us;
    c->busy = 0;
    pthread_mutex_unlock(&c->mu);
    return rc;
}
