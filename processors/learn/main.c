/* eddy-learn: feature vectors -> prequential predictions of one model. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codec/codec.h"
#include "eddy_model.h"
#include "learn_core.h"
#include "runtime/kafka.h"
#include "util/log.h"
#include "runtime/loop.h"
#include "runtime/registry.h"

static const eddy_opt_t learn_opts[] = {
    {"model", 'm', EDDY_OPT_STRING, "linear", "model to run (see --list-models)"},
    {"param", 'P', EDDY_OPT_MULTI, NULL,
     "model hyperparameter key=value, e.g. --param l2=0.5 (repeatable)"},
    {"list-models", 0, EDDY_OPT_BOOL, "false",
     "list the models and their parameters, then exit"},
    {"input", 'i', EDDY_OPT_STRING, "features", "topic of FeatureVector records"},
    {"output", 'o', EDDY_OPT_STRING, "predictions", "topic of Prediction records"},
    {"lags", 'n', EDDY_OPT_INT, "15",
     "lag features per record (as eddy-features --lags)"},
    {"horizon", 'H', EDDY_OPT_INT, "5",
     "forecast steps after each learned record, 0..64"},
    {"max-series", 0, EDDY_OPT_INT, "100000",
     "series with a model in memory; records of further series are dead-lettered"},
    EDDY_OPT_TABLE_END};

typedef struct learn_ctx_s {
    eddy_codec_t *codec;
    eddy_learner_t *learner;
    const char *output;
    eddy_fv_t fv;
    eddy_pred_t pred;
} learn_ctx_t;

static const char *learn_process(void *arg, const eddy_msg_t *msg, eddy_emit_t *emit,
                                 char *errstr, size_t errstr_size)
{
    learn_ctx_t *ctx = arg;
    const void *out;
    size_t out_len;
    eddy_codec_err_t err;

    if ((err = eddy_codec_decode_fv(ctx->codec, msg->value, msg->value_len, &ctx->fv,
                                    errstr, errstr_size))) {
        return eddy_codec_err_reason(err);
    }
    switch (
        eddy_learner_process(ctx->learner, &ctx->fv, &ctx->pred, errstr, errstr_size)) {
    case EDDY_LEARN_OK:
        break;
    case EDDY_LEARN_DUPLICATE:
        eddy_emit_skip(emit, "duplicate_seq");
        return NULL;
    case EDDY_LEARN_WRONG_LAGS:
        return "wrong_lag_count";
    case EDDY_LEARN_SERIES_CAP:
        return "series_cap";
    default:
        return "model_error";
    }
    eddy_emit_touch(emit, ctx->pred.series_id);
    ctx->pred.predicted_at_us = eddy_now_us();
    if (eddy_codec_encode_pred(ctx->codec, &ctx->pred, &out, &out_len)) {
        snprintf(errstr, errstr_size, "cannot encode the prediction");
        return "encode";
    }
    eddy_emit(emit, ctx->output, ctx->pred.series_id, strlen(ctx->pred.series_id), out,
              out_len);
    return NULL;
}

static int learn_save(void *arg, const char *series_id, eddy_buf_t *out)
{
    return eddy_learner_save(((learn_ctx_t *)arg)->learner, series_id, out);
}

static int learn_load(void *arg, const char *series_id, const void *buf, size_t len,
                      char *errstr, size_t errstr_size)
{
    return eddy_learner_load(((learn_ctx_t *)arg)->learner, series_id, buf, len, errstr,
                             errstr_size);
}

static void learn_drop(void *arg, const char *series_id)
{
    eddy_learner_drop(((learn_ctx_t *)arg)->learner, series_id);
}

static void learn_metrics(void *arg, eddy_buf_t *out)
{
    learn_ctx_t *ctx = arg;
    eddy_buf_printf(out,
                    "# HELP eddy_learn_series Series with a model in memory.\n"
                    "# TYPE eddy_learn_series gauge\neddy_learn_series %zu\n",
                    eddy_learner_series_count(ctx->learner));
}

static void list_models(void)
{
    char names[1024], *save = NULL;

    snprintf(names, sizeof(names), "%s", eddy_model_names());
    for (char *n = strtok_r(names, ", ", &save); n; n = strtok_r(NULL, ", ", &save))
        printf("%-16s %s\n", n, eddy_model_describe(n) ? eddy_model_describe(n) : "");
}

/* Joins the --param values into the "k=v,k=v" form the models take. */
static char *join_params(const eddy_opts_t *opts)
{
    const char *const *vals;
    int n = eddy_opts_multi(opts, "param", &vals);
    size_t len = 1;
    char *s;

    if (n == 0)
        return NULL;
    for (int i = 0; i < n; i++)
        len += strlen(vals[i]) + 1;
    if (!(s = calloc(1, len)))
        return NULL;
    for (int i = 0; i < n; i++) {
        if (i)
            strcat(s, ",");
        strcat(s, vals[i]);
    }
    return s;
}

int main(int argc, char **argv)
{
    learn_ctx_t ctx = {0};
    eddy_stage_t stage = {.name = "learn",
                          .ctx = &ctx,
                          .process = learn_process,
                          .metrics = learn_metrics,
                          .default_http = "0.0.0.0:9102",
                          .state_save = learn_save,
                          .state_load = learn_load,
                          .state_drop = learn_drop};
    char errstr[1024], group[128], *params = NULL;
    const char *model;
    long long horizon, n_lags, max_series;
    int rc;
    eddy_opts_t *opts = eddy_program_init(
        "eddy-learn", "learn", "--model NAME [options]",
        "Consumes FeatureVectors; for every record predicts with the series' model, "
        "learns "
        "the target, forecasts the next H steps and publishes a Prediction.",
        learn_opts, 1, argc, argv, &rc);

    if (!opts)
        return rc;
    if (eddy_opts_bool(opts, "list-models")) {
        list_models();
        eddy_opts_destroy(opts);
        return 0;
    }
    rc = 2;
    model = eddy_opts_str(opts, "model");
    horizon = eddy_opts_int(opts, "horizon");
    n_lags = eddy_opts_int(opts, "lags");
    max_series = eddy_opts_int(opts, "max-series");
    if (!eddy_model_exists(model)) {
        fprintf(stderr, "eddy-learn: unknown model '%s' (known: %s)\n", model,
                eddy_model_names());
        goto out;
    }
    if (max_series < 1) {
        fprintf(stderr, "eddy-learn: --max-series must be at least 1 (got %lld)\n",
                max_series);
        goto out;
    }
    params = join_params(opts);
    if (!(ctx.learner = eddy_learner_new(model, params, (int)n_lags, (int)horizon,
                                         (size_t)max_series, errstr, sizeof(errstr)))) {
        fprintf(stderr, "eddy-learn: %s\n", errstr);
        goto out;
    }
    rc = 1;
    if (!(ctx.codec = eddy_codec_new(errstr, sizeof(errstr)))) {
        eddy_log_error("cannot start", "error=\"%s\"", errstr);
        goto out;
    }
    if ((rc = eddy_registry_attach(ctx.codec, opts, "eddy-learn",
                                   eddy_opts_str(opts, "output"), EDDY_REC_PREDICTION)))
        goto out;
    snprintf(group, sizeof(group), "eddy-learn-%s", model);
    ctx.output = eddy_opts_str(opts, "output");
    stage.input_topic = eddy_opts_str(opts, "input");
    stage.group = eddy_opts_str(opts, "group") ? eddy_opts_str(opts, "group") : group;
    eddy_log_info("model ready", "model=%s params=\"%s\" lags=%lld horizon=%lld", model,
                  params ? params : "", n_lags, horizon);
    rc = eddy_loop_run(&stage, opts);
out:
    free(params);
    eddy_learner_destroy(ctx.learner);
    eddy_codec_destroy(ctx.codec);
    eddy_opts_destroy(opts);
    return rc;
}
