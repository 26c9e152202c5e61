/* open_txn: leaves a transaction open on one partition, as a producer that
 * stops mid-transaction does, for the tests of the input's last stable
 * offset (runtime/lso.h).
 *
 *   open_txn BOOTSTRAP TOPIC PARTITION TIMEOUT_MS
 *
 * Begins a transaction (transactional id open-txn-<pid>,
 * transaction.timeout.ms TIMEOUT_MS), writes one record ("open") to
 * PARTITION of TOPIC, waits for its ack, prints its offset and exits
 * without committing or aborting: the partition's last stable offset stays
 * at that offset until the broker aborts the transaction, TIMEOUT_MS later
 * (plus the broker's cleanup interval). Exits 1 with a message on any
 * failure. */
#include <librdkafka/rdkafka.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static int64_t offset = -1;

static void on_delivery(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque)
{
    (void)rk;
    (void)opaque;
    if (m->err)
        fprintf(stderr, "open_txn: delivery failed: %s\n", rd_kafka_err2str(m->err));
    else
        offset = m->offset;
}

static int fail_error(rd_kafka_error_t *e)
{
    fprintf(stderr, "open_txn: %s\n", rd_kafka_error_string(e));
    rd_kafka_error_destroy(e);
    return 1;
}

int main(int argc, char **argv)
{
    char errstr[512], id[64];
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    rd_kafka_error_t *e;
    rd_kafka_t *p;

    if (argc != 5) {
        fprintf(stderr, "usage: open_txn BOOTSTRAP TOPIC PARTITION TIMEOUT_MS\n");
        return 2;
    }
    snprintf(id, sizeof(id), "open-txn-%d", (int)getpid());
    rd_kafka_conf_set_dr_msg_cb(conf, on_delivery);
    if (rd_kafka_conf_set(conf, "bootstrap.servers", argv[1], errstr, sizeof(errstr)) ||
        rd_kafka_conf_set(conf, "transactional.id", id, errstr, sizeof(errstr)) ||
        rd_kafka_conf_set(conf, "transaction.timeout.ms", argv[4], errstr,
                          sizeof(errstr)) ||
        !(p = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof(errstr)))) {
        fprintf(stderr, "open_txn: %s\n", errstr);
        return 1;
    }
    if ((e = rd_kafka_init_transactions(p, 30000)) ||
        (e = rd_kafka_begin_transaction(p)))
        return fail_error(e);
    if (rd_kafka_producev(p, RD_KAFKA_V_TOPIC(argv[2]),
                          RD_KAFKA_V_PARTITION((int32_t)atoi(argv[3])),
                          RD_KAFKA_V_VALUE((void *)"open", 4), RD_KAFKA_V_END) ||
        rd_kafka_flush(p, 30000) || offset < 0) {
        fprintf(stderr, "open_txn: the record was not written\n");
        return 1;
    }
    printf("%lld\n", (long long)offset);
    fflush(stdout);
    _exit(0); /* no commit, no abort: the transaction stays open */
}
