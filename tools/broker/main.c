/* eddy-broker: the embedded development broker.
 *
 * librdkafka's mock cluster behind real TCP ports, so the whole pipeline runs
 * on a laptop without Kafka. Not for production: no admin API, transactions
 * are protocol-only (no markers; transactional offset commits are dropped),
 * partitions keep only ~5 MiB. Prints its bootstrap address on stdout.
 */
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util/log.h"
#include "runtime/loop.h"
#include "util/opts.h"

static const eddy_opt_t broker_opts[] = {
    {"brokers", 0, EDDY_OPT_INT, "1", "number of mock brokers"},
    {"partitions", 'p', EDDY_OPT_INT, "4", "partitions of each pipeline topic"},
    {"topics", 't', EDDY_OPT_STRING, "observations,features,predictions,deadletter",
     "topics to create (comma-separated); others are auto-created with 4 partitions"},
    {"chaos-interval", 0, EDDY_OPT_DURATION, NULL,
     "inject a fault this often, in turn: produce, fetch and transaction request "
     "errors, 200 ms of added latency, the broker down for a second (for tests of "
     "the clients' retry paths)"},
    {"bootstrap-file", 0, EDDY_OPT_STRING, NULL,
     "also write the bootstrap address to FILE (for scripts)"},
    {"log-level", 0, EDDY_OPT_STRING, "info", "error, warn, info or debug"},
    EDDY_OPT_TABLE_END};

/* Kafka protocol API keys and error codes used by the fault injection. */
enum {
    API_PRODUCE = 0,
    API_FETCH = 1,
    API_ADD_PARTITIONS_TO_TXN = 24,
    API_END_TXN = 26
};
enum {
    ERR_NOT_LEADER = 6,
    ERR_REQUEST_TIMED_OUT = 7,
    ERR_COORDINATOR_LOAD = 14,
    ERR_CONCURRENT_TXNS = 51
};

/* Injects the next fault of the cycle; undoes the previous step's. */
static void chaos_step(rd_kafka_mock_cluster_t *mc, int step)
{
    rd_kafka_mock_broker_set_rtt(mc, 1, 0);
    rd_kafka_mock_broker_set_up(mc, 1);
    switch (step % 6) {
    case 0:
        rd_kafka_mock_push_request_errors(mc, API_PRODUCE, 3, ERR_NOT_LEADER,
                                          ERR_REQUEST_TIMED_OUT, ERR_NOT_LEADER);
        eddy_log_info("chaos: 3 produce request errors", NULL);
        break;
    case 1:
        rd_kafka_mock_push_request_errors(mc, API_FETCH, 2, ERR_NOT_LEADER,
                                          ERR_NOT_LEADER);
        eddy_log_info("chaos: 2 fetch request errors", NULL);
        break;
    case 2:
        rd_kafka_mock_broker_set_rtt(mc, 1, 200);
        eddy_log_info("chaos: 200 ms added latency", NULL);
        break;
    case 3:
        rd_kafka_mock_push_request_errors(mc, API_END_TXN, 1, ERR_COORDINATOR_LOAD);
        eddy_log_info("chaos: an EndTxn error (coordinator loading)", NULL);
        break;
    case 4:
        rd_kafka_mock_push_request_errors(mc, API_ADD_PARTITIONS_TO_TXN, 1,
                                          ERR_CONCURRENT_TXNS);
        eddy_log_info("chaos: an AddPartitionsToTxn error (concurrent transactions)",
                      NULL);
        break;
    default:
        rd_kafka_mock_broker_set_down(mc, 1);
        eddy_log_info("chaos: broker down", NULL);
        break;
    }
}

/* The mock cluster's handle has no bootstrap servers by design: drop that
 * one configuration warning, route everything else to the logger. */
static void broker_log_cb(const rd_kafka_t *rk, int level, const char *fac,
                          const char *buf)
{
    if (!strcmp(fac, "CONFWARN") && strstr(buf, "bootstrap.servers"))
        return;
    eddy_log_rdkafka_cb(rk, level, fac, buf);
}

int main(int argc, char **argv)
{
    const eddy_opt_t *tables[] = {broker_opts, NULL};
    rd_kafka_conf_t *conf = NULL;
    rd_kafka_mock_cluster_t *mcluster = NULL;
    rd_kafka_t *rk = NULL;
    eddy_opts_t *opts;
    char errstr[512], *topics = NULL, *save = NULL;
    const char *path;
    int rc = 1, level, step = 0;
    int64_t chaos_ms;

    opts =
        eddy_opts_parse("eddy-broker", "[options]",
                        "Embedded development Kafka broker (librdkafka mock cluster). "
                        "Prints its bootstrap address and runs until SIGINT/SIGTERM.",
                        tables, argc, argv, &rc);
    if (!opts)
        return rc;
    rc = 1;
    if ((level = eddy_log_level_parse(eddy_opts_str(opts, "log-level"))) < 0) {
        fprintf(
            stderr,
            "eddy-broker: invalid --log-level '%s': use error, warn, info or debug\n",
            eddy_opts_str(opts, "log-level"));
        goto out;
    }
    eddy_log_init("broker", (eddy_log_level_t)level);
    eddy_signals_install();
    conf = rd_kafka_conf_new();
    rd_kafka_conf_set_log_cb(conf, broker_log_cb);
    if (!(rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof(errstr)))) {
        eddy_log_error("cannot create the mock cluster's handle", "error=\"%s\"",
                       errstr);
        rd_kafka_conf_destroy(conf);
        goto out;
    }
    if (!(mcluster =
              rd_kafka_mock_cluster_new(rk, (int)eddy_opts_int(opts, "brokers")))) {
        eddy_log_error("cannot create the mock cluster", NULL);
        goto out;
    }
    topics = strdup(eddy_opts_str(opts, "topics"));
    for (char *t = strtok_r(topics, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
        rd_kafka_resp_err_t err = rd_kafka_mock_topic_create(
            mcluster, t, (int)eddy_opts_int(opts, "partitions"), 1);
        if (err) {
            eddy_log_error("cannot create topic", "topic=%s error=\"%s\"", t,
                           rd_kafka_err2str(err));
            goto out;
        }
    }
    if ((path = eddy_opts_str(opts, "bootstrap-file"))) {
        FILE *f = fopen(path, "w");
        if (!f || fprintf(f, "%s\n", rd_kafka_mock_cluster_bootstraps(mcluster)) < 0 ||
            fclose(f)) {
            eddy_log_error("cannot write the bootstrap file", "path=%s", path);
            goto out;
        }
    }
    printf("%s\n", rd_kafka_mock_cluster_bootstraps(mcluster));
    fflush(stdout);
    eddy_log_info("embedded broker up (development only)", "bootstrap=%s topics=%s",
                  rd_kafka_mock_cluster_bootstraps(mcluster),
                  eddy_opts_str(opts, "topics"));
    chaos_ms = eddy_opts_str(opts, "chaos-interval")
                   ? eddy_opts_duration_ms(opts, "chaos-interval")
                   : 0;
    for (int64_t tick = 1; !eddy_loop_stopping(); tick++) {
        usleep(100 * 1000);
        if (chaos_ms > 0 && (tick * 100) % chaos_ms < 100)
            chaos_step(mcluster, step++);
    }
    eddy_log_info("embedded broker stopping", NULL);
    rc = 0;
out:
    free(topics);
    if (mcluster)
        rd_kafka_mock_cluster_destroy(mcluster);
    if (rk)
        rd_kafka_destroy(rk);
    eddy_opts_destroy(opts);
    return rc;
}
