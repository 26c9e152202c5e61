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
#include "runtime/stage.h"

typedef struct broker_conf_s {
    int brokers, partitions;
    const char *topics;
    int64_t chaos_interval_ms;
    const char *bootstrap_file, *log_level;
} broker_conf_t;

static const eddy_opt_t broker_opts[] = {
    EDDY_OPT(broker_conf_t, INT, brokers, "brokers", 0, "1", "number of mock brokers",
             .min = 1, .max = 64),
    EDDY_OPT(broker_conf_t, INT, partitions, "partitions", 'p', "4",
             "partitions of each pipeline topic", .min = 1, .max = 100000),
    EDDY_OPT(
        broker_conf_t, STR, topics, "topics", 't',
        "observations,features,predictions,scores,forecasts,model-events,deadletter",
        "topics to create (comma-separated); others are auto-created with 4 "
        "partitions"),
    EDDY_OPT(
        broker_conf_t, DURATION, chaos_interval_ms, "chaos-interval", 0, NULL,
        "inject a fault this often, in turn: produce, fetch and transaction "
        "request errors, 200 ms of added latency, the broker down for a second (for "
        "tests of the clients' retry paths)"),
    EDDY_OPT(broker_conf_t, STR, bootstrap_file, "bootstrap-file", 0, NULL,
             "also write the bootstrap address to FILE (for scripts)"),
    EDDY_OPT(broker_conf_t, STR, log_level, "log-level", 0, "info",
             "error, warn, info or debug", .choices = "error|warn|info|debug"),
    EDDY_OPT_TABLE_END};

static broker_conf_t conf;

static const eddy_stage_def_t broker_def = {
    EDDY_STAGE_NAME("broker"),
    .summary =
        "Embedded development Kafka broker (librdkafka mock cluster). Prints its "
        "bootstrap address and runs until SIGINT/SIGTERM.",
    .input_type = -1,
    .output_type = -1,
    .opts = broker_opts,
    .conf = &conf,
    .log_level = &conf.log_level,
    .no_common = 1,
};

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
    rd_kafka_conf_t *conf_k = NULL;
    rd_kafka_mock_cluster_t *mcluster = NULL;
    rd_kafka_t *rk = NULL;
    char errstr[512], *topics = NULL, *save = NULL;
    int rc = 1, step = 0;
    eddy_opts_t *opts = eddy_program_init(&broker_def, NULL, argc, argv, &rc);

    if (!opts)
        return rc;
    rc = 1;
    eddy_signals_install();
    conf_k = rd_kafka_conf_new();
    rd_kafka_conf_set_log_cb(conf_k, broker_log_cb);
    if (!(rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf_k, errstr, sizeof(errstr)))) {
        eddy_log_error("cannot create the mock cluster's handle", "error=\"%s\"",
                       errstr);
        rd_kafka_conf_destroy(conf_k);
        goto out;
    }
    if (!(mcluster = rd_kafka_mock_cluster_new(rk, conf.brokers))) {
        eddy_log_error("cannot create the mock cluster", NULL);
        goto out;
    }
    topics = strdup(conf.topics);
    for (char *t = strtok_r(topics, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
        rd_kafka_resp_err_t err =
            rd_kafka_mock_topic_create(mcluster, t, conf.partitions, 1);
        if (err) {
            eddy_log_error("cannot create topic", "topic=%s error=\"%s\"", t,
                           rd_kafka_err2str(err));
            goto out;
        }
    }
    if (conf.bootstrap_file) {
        const char *path = conf.bootstrap_file;
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
                  rd_kafka_mock_cluster_bootstraps(mcluster), conf.topics);
    for (int64_t tick = 1; !eddy_loop_stopping(); tick++) {
        usleep(100 * 1000);
        if (conf.chaos_interval_ms > 0 && (tick * 100) % conf.chaos_interval_ms < 100)
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
