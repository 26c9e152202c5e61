/* eddy-ctl: the operator's commands to eddy-evaluate, as Control records on
 * the control topic (ordered, durable, replayable):
 *
 *   eddy-ctl pin --series S|'*' --model M [--operator NAME] [--reason TEXT]
 *   eddy-ctl unpin --series S|'*' [--operator NAME] [--reason TEXT]
 *   eddy-ctl status        the commands on the topic and the pins in force
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "codec/codec.h"
#include "pins.h"
#include "runtime/kafka.h"
#include "runtime/produce.h"
#include "runtime/registry.h"
#include "runtime/signals.h"
#include "runtime/stage.h"
#include "runtime/tail.h"
#include "util/log.h"

typedef struct ctl_conf_s {
    const char *topic, *series, *model, *operator_name, *reason;
    int64_t wait_ms;
} ctl_conf_t;

static const eddy_opt_t ctl_opts[] = {
    EDDY_OPT(ctl_conf_t, STR, topic, "topic", 't', "control",
             "topic of Control records eddy-evaluate reads"),
    EDDY_OPT(ctl_conf_t, STR, series, "series", 's', NULL,
             "the series (pin, unpin), or * for every series"),
    EDDY_OPT(ctl_conf_t, STR, model, "model", 'm', NULL, "the model to pin (pin)"),
    EDDY_OPT(ctl_conf_t, STR, operator_name, "operator", 0, NULL,
             "who asks (default: $USER), shown in the model-events"),
    EDDY_OPT(ctl_conf_t, STR, reason, "reason", 'r', NULL,
             "why, shown in the model-events"),
    EDDY_OPT(ctl_conf_t, DURATION, wait_ms, "wait", 0, "10s",
             "status: longest wait for the topic to be read to its end"),
    EDDY_OPT_TABLE_END};

static ctl_conf_t conf;

static const eddy_stage_def_t ctl_def = {
    EDDY_STAGE_NAME("ctl"),
    .usage = "pin|unpin|status [options]",
    .summary = "Writes an operator's command for eddy-evaluate to the control topic: "
               "pin a model as the champion of one series or of all (--series '*'), "
               "or unpin; status prints the commands on the topic and the pins in "
               "force. A pin wins over the automatic choice until unpinned.",
    .input_type = -1,
    .output_type = EDDY_REC_CONTROL,
    .opts = ctl_opts,
    .conf = &conf,
    .output_topic = &conf.topic,
};

/* The command of the arguments into CMD; 0, or 2 with a message. */
static int command_of(const char *verb, eddy_control_t *cmd)
{
    const char *op = conf.operator_name ? conf.operator_name : getenv("USER");

    memset(cmd, 0, sizeof(*cmd));
    if (!conf.series || !*conf.series) {
        fprintf(stderr, "eddy-ctl %s: --series is required (a series id, or '*')\n",
                verb);
        return 2;
    }
    if (!strcmp(verb, "pin") && (!conf.model || !*conf.model)) {
        fprintf(stderr, "eddy-ctl pin: --model is required\n");
        return 2;
    }
    snprintf(cmd->command, sizeof(cmd->command), "%s", verb);
    snprintf(cmd->series_id, sizeof(cmd->series_id), "%s", conf.series);
    snprintf(cmd->model, sizeof(cmd->model), "%s",
             !strcmp(verb, "pin") ? conf.model : "");
    snprintf(cmd->operator_name, sizeof(cmd->operator_name), "%s", op ? op : "");
    snprintf(cmd->reason, sizeof(cmd->reason), "%s", conf.reason ? conf.reason : "");
    cmd->issued_at_us = eddy_now_us();
    return 0;
}

/* Produces CMD; 0, or 1 with a message. */
static int send_command(const eddy_opts_t *opts, eddy_codec_t *codec,
                        const eddy_control_t *cmd)
{
    eddy_delivery_t dr = {0};
    rd_kafka_conf_t *kc;
    rd_kafka_t *rk = NULL;
    const void *val;
    size_t len;
    char errstr[512];
    eddy_err_t err;
    int rc = 1;

    if (eddy_codec_encode(codec, EDDY_REC_CONTROL, cmd, &val, &len)) {
        fprintf(stderr, "eddy-ctl: the command does not encode (a value too long?)\n");
        return 1;
    }
    if (!(kc = eddy_kafka_conf_new(opts, ctl_def.program, errstr, sizeof(errstr)))) {
        fprintf(stderr, "eddy-ctl: %s\n", errstr);
        return 1;
    }
    eddy_produce_conf(kc, &dr);
    if (!(rk = eddy_kafka_producer_new(kc, errstr, sizeof(errstr))) ||
        eddy_kafka_check_reachable(rk, eddy_opts_common_conf(opts)->bootstrap, 10000,
                                   errstr, sizeof(errstr)))
        fprintf(stderr, "eddy-ctl: %s\n", errstr);
    /* partition 0: one order for every command, "*" and per series alike */
    else if (!eddy_produce(rk, conf.topic, 0, cmd->series_id, strlen(cmd->series_id),
                           val, len, NULL, &err) &&
             !eddy_produce_flush(rk, 1) && !dr.failed) {
        printf("%s series=%s model=%s operator=%s: written to %s\n", cmd->command,
               cmd->series_id, cmd->model, cmd->operator_name, conf.topic);
        rc = 0;
    }
    if (rk)
        rd_kafka_destroy(rk);
    return rc;
}

typedef struct status_s {
    eddy_codec_t *codec;
    eddy_pins_t *pins;
    eddy_control_t cmd;
} status_t;

static void on_command(void *arg, const eddy_msg_t *msg)
{
    status_t *st = arg;
    char errstr[512];

    if (eddy_stage_decode_rec(st->codec, EDDY_REC_CONTROL, msg, &st->cmd, errstr,
                              sizeof(errstr)) ||
        eddy_pins_apply(st->pins, &st->cmd, errstr, sizeof(errstr))) {
        printf("offset %lld: refused: %s\n", (long long)msg->offset, errstr);
        return;
    }
    printf("%s series=%s model=%s operator=%s reason=\"%s\"\n", st->cmd.command,
           st->cmd.series_id, st->cmd.model, st->cmd.operator_name, st->cmd.reason);
}

static void print_pin(void *arg, const char *series_id, const eddy_pin_t *pin)
{
    (void)arg;
    printf("pinned: series=%s model=%s (%s)\n", series_id, pin->model, pin->reason);
}

/* Reads the control topic to its end: 0, or 1 with a message. */
static int status(const eddy_opts_t *opts, eddy_codec_t *codec)
{
    status_t st = {.codec = codec, .pins = eddy_pins_new(1000000)};
    char errstr[512];
    eddy_tail_t *t =
        st.pins ? eddy_tail_new(opts, conf.topic, errstr, sizeof(errstr)) : NULL;
    int64_t until = eddy_now_us() + conf.wait_ms * 1000;
    int rc = 1;

    if (!t)
        fprintf(stderr, "eddy-ctl: %s\n", st.pins ? errstr : "out of memory");
    while (t && !eddy_tail_caught_up(t) && eddy_now_us() < until) {
        if (!eddy_tail_poll(t, on_command, &st))
            usleep(50 * 1000);
    }
    if (t && eddy_tail_caught_up(t)) {
        eddy_pins_foreach(st.pins, print_pin, NULL);
        rc = 0;
    } else if (t)
        fprintf(stderr,
                "eddy-ctl status: topic '%s' not read to its end within --wait "
                "(missing, or the broker is slow)\n",
                conf.topic);
    eddy_tail_destroy(t);
    eddy_pins_destroy(st.pins);
    return rc;
}

int main(int argc, char **argv)
{
    eddy_common_conf_t common;
    eddy_control_t cmd;
    eddy_codec_t *codec = NULL;
    const char *const *args;
    char errstr[512];
    int rc;
    eddy_opts_t *opts = eddy_program_init(&ctl_def, &common, argc, argv, &rc);

    if (!opts)
        return rc;
    if (eddy_opts_args(opts, &args) != 1 ||
        (strcmp(args[0], "pin") && strcmp(args[0], "unpin") &&
         strcmp(args[0], "status"))) {
        fprintf(stderr, "usage: eddy-ctl pin|unpin|status [options] (--help)\n");
        eddy_opts_destroy(opts);
        return 2;
    }
    eddy_signals_install();
    if (!(codec = eddy_codec_new(errstr, sizeof(errstr)))) {
        fprintf(stderr, "eddy-ctl: %s\n", errstr);
        rc = 1;
    } else if (!strcmp(args[0], "status"))
        rc = eddy_registry_attach(codec, opts, ctl_def.program, NULL, -1)
                 ? 2
                 : status(opts, codec);
    else if (!(rc = command_of(args[0], &cmd)) &&
             !(rc = eddy_registry_attach(codec, opts, ctl_def.program, conf.topic,
                                         EDDY_REC_CONTROL)))
        rc = send_command(opts, codec, &cmd);
    eddy_codec_destroy(codec);
    eddy_opts_destroy(opts);
    return rc;
}
