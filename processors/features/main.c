/* eddy-features: observations -> lag feature vectors, per series. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codec/codec.h"
#include "features_core.h"
#include "util/log.h"
#include "runtime/loop.h"
#include "runtime/registry.h"

static const eddy_opt_t features_opts[] = {
    {"input", 'i', EDDY_OPT_STRING, "observations", "topic of Observation records"},
    {"output", 'o', EDDY_OPT_STRING, "features", "topic of FeatureVector records"},
    {"lags", 'n', EDDY_OPT_INT, "15", "number of lag features N (in_1..in_N), 1..256"},
    {"max-series", 0, EDDY_OPT_INT, "100000",
     "series kept in memory; records of further series are dead-lettered (series_cap)"},
    EDDY_OPT_TABLE_END};

typedef struct features_ctx_s {
    eddy_codec_t *codec;
    eddy_features_t *features;
    const char *output;
    eddy_obs_t obs;
    eddy_fv_t fv;
} features_ctx_t;

static const char *features_process(void *arg, const eddy_msg_t *msg, eddy_emit_t *emit,
                                    char *errstr, size_t errstr_size)
{
    features_ctx_t *ctx = arg;
    const void *out;
    size_t out_len;
    eddy_codec_err_t err;

    if ((err = eddy_codec_decode_obs(ctx->codec, msg->value, msg->value_len, &ctx->obs,
                                     errstr, errstr_size))) {
        return eddy_codec_err_reason(err);
    }
    switch (eddy_features_process(ctx->features, &ctx->obs, &ctx->fv)) {
    case EDDY_FEATURES_OK:
        break;
    case EDDY_FEATURES_DUPLICATE:
        eddy_emit_skip(emit, "duplicate_seq");
        return NULL;
    case EDDY_FEATURES_SERIES_CAP:
        snprintf(
            errstr, errstr_size,
            "series '%s' is new but %zu series are already tracked: raise --max-series "
            "or add partitions and replicas",
            ctx->obs.series_id, eddy_features_series_count(ctx->features));
        return "series_cap";
    default:
        snprintf(errstr, errstr_size, "out of memory");
        return "nomem";
    }
    if (eddy_codec_encode_fv(ctx->codec, &ctx->fv, &out, &out_len)) {
        snprintf(errstr, errstr_size, "cannot encode the feature vector");
        return "encode";
    }
    eddy_emit_touch(emit, ctx->fv.series_id);
    eddy_emit(emit, ctx->output, ctx->fv.series_id, strlen(ctx->fv.series_id), out,
              out_len);
    return NULL;
}

static int features_save(void *arg, const char *series_id, eddy_buf_t *out)
{
    return eddy_features_save(((features_ctx_t *)arg)->features, series_id, out);
}

static int features_load(void *arg, const char *series_id, const void *buf, size_t len,
                         char *errstr, size_t errstr_size)
{
    return eddy_features_load(((features_ctx_t *)arg)->features, series_id, buf, len,
                              errstr, errstr_size);
}

static void features_drop(void *arg, const char *series_id)
{
    eddy_features_drop(((features_ctx_t *)arg)->features, series_id);
}

static void features_metrics(void *arg, eddy_buf_t *out)
{
    features_ctx_t *ctx = arg;
    eddy_buf_printf(
        out,
        "# HELP eddy_features_series Series whose lags are kept in memory.\n"
        "# TYPE eddy_features_series gauge\neddy_features_series %zu\n",
        eddy_features_series_count(ctx->features));
}

int main(int argc, char **argv)
{
    features_ctx_t ctx = {0};
    eddy_stage_t stage = {.name = "features",
                          .ctx = &ctx,
                          .process = features_process,
                          .metrics = features_metrics,
                          .default_http = "0.0.0.0:9101",
                          .state_save = features_save,
                          .state_load = features_load,
                          .state_drop = features_drop};
    char errstr[512];
    long long n_lags, max_series;
    int rc;
    eddy_opts_t *opts =
        eddy_program_init("eddy-features", "features", "[options]",
                          "Consumes Observations, keeps the last N values of every "
                          "series and publishes a "
                          "FeatureVector of N lag features per observation.",
                          features_opts, 1, argc, argv, &rc);

    if (!opts)
        return rc;
    rc = 2;
    n_lags = eddy_opts_int(opts, "lags");
    max_series = eddy_opts_int(opts, "max-series");
    if (n_lags < 1 || n_lags > EDDY_LAGS_MAX || max_series < 1) {
        fprintf(stderr,
                "eddy-features: --lags must be 1..%d and --max-series at least 1 "
                "(got %lld and %lld)\n",
                EDDY_LAGS_MAX, n_lags, max_series);
        goto out;
    }
    rc = 1;
    if (!(ctx.codec = eddy_codec_new(errstr, sizeof(errstr))) ||
        !(ctx.features = eddy_features_new((int)n_lags, (size_t)max_series))) {
        eddy_log_error("cannot start", "error=\"%s\"",
                       ctx.codec ? "out of memory" : errstr);
        goto out;
    }
    if ((rc = eddy_registry_attach(ctx.codec, opts, "eddy-features",
                                   eddy_opts_str(opts, "output"), EDDY_REC_FEATURES)))
        goto out;
    ctx.output = eddy_opts_str(opts, "output");
    stage.input_topic = eddy_opts_str(opts, "input");
    stage.group =
        eddy_opts_str(opts, "group") ? eddy_opts_str(opts, "group") : "eddy-features";
    rc = eddy_loop_run(&stage, opts);
out:
    eddy_features_destroy(ctx.features);
    eddy_codec_destroy(ctx.codec);
    eddy_opts_destroy(opts);
    return rc;
}
