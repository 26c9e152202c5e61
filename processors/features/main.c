/* eddy-features: observations -> lag feature vectors, per series. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codec/codec.h"
#include "features_core.h"
#include "runtime/stage.h"
#include "util/reason.h"

typedef struct features_conf_s {
    const char *input, *output;
    int lags;
    int64_t max_series;
} features_conf_t;

static const eddy_opt_t features_opts[] = {
    EDDY_OPT(features_conf_t, STR, input, "input", 'i', "observations",
             "topic of Observation records"),
    EDDY_OPT(features_conf_t, STR, output, "output", 'o', "features",
             "topic of FeatureVector records"),
    EDDY_OPT(features_conf_t, INT, lags, "lags", 'n', "15",
             "number of lag features N (in_1..in_N)", .min = 1, .max = EDDY_LAGS_MAX),
    EDDY_OPT(features_conf_t, INT, max_series, "max-series", 0, "100000",
             "series kept in memory; records of further series are dead-lettered "
             "(series_cap)",
             .min = 1, .max = EDDY_OPT_NO_MAX),
    EDDY_OPT_TABLE_END};

static features_conf_t conf;

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
    const char *reason;

    if ((reason = eddy_stage_decode_rec(ctx->codec, EDDY_REC_OBSERVATION, msg,
                                        &ctx->obs, errstr, errstr_size)))
        return reason;
    switch (eddy_features_process(ctx->features, &ctx->obs, &ctx->fv)) {
    case EDDY_FEATURES_OK:
        break;
    case EDDY_FEATURES_DUPLICATE:
        eddy_emit_skip(emit, eddy_reason_name(EDDY_REASON_DUPLICATE_SEQ));
        return NULL;
    case EDDY_FEATURES_SERIES_CAP:
        snprintf(
            errstr, errstr_size,
            "series '%s' is new but %zu series are already tracked: raise --max-series "
            "or add partitions and replicas",
            ctx->obs.series_id, eddy_features_series_count(ctx->features));
        return eddy_reason_name(EDDY_REASON_SERIES_CAP);
    default:
        snprintf(errstr, errstr_size, "out of memory");
        return eddy_reason_name(EDDY_REASON_NOMEM);
    }
    if ((reason =
             eddy_stage_emit_rec(emit, ctx->codec, EDDY_REC_FEATURES, &ctx->fv,
                                 ctx->output, ctx->fv.series_id, errstr, errstr_size)))
        return reason;
    eddy_emit_touch(emit, ctx->fv.series_id);
    return NULL;
}

EDDY_STAGE_STATE_CALLBACKS(features, features_ctx_t, features, eddy_features)

static void features_metrics(void *arg, eddy_buf_t *out)
{
    eddy_stage_gauge(
        out, "eddy_features_series", "Series whose lags are kept in memory.",
        (double)eddy_features_series_count(((features_ctx_t *)arg)->features));
}

static features_ctx_t ctx;

static int features_start(eddy_stage_t *stage, eddy_codec_t *codec, char *errstr,
                          size_t errstr_size)
{
    (void)stage;
    ctx.codec = codec;
    ctx.output = conf.output;
    if (!(ctx.features = eddy_features_new(conf.lags, (size_t)conf.max_series))) {
        snprintf(errstr, errstr_size, "out of memory");
        return 1;
    }
    return 0;
}

static void features_stop(eddy_stage_t *stage)
{
    (void)stage;
    eddy_features_destroy(ctx.features);
}

static const eddy_stage_def_t features_def = {
    EDDY_STAGE_NAME("features"),
    .summary = "Consumes Observations, keeps the last N values of every series and "
               "publishes a FeatureVector of N lag features per observation.",
    .http_port = 9101,
    .input_type = EDDY_REC_OBSERVATION,
    .output_type = EDDY_REC_FEATURES,
    .opts = features_opts,
    .conf = &conf,
    .input_topic = &conf.input,
    .output_topic = &conf.output,
    .loop = {.ctx = &ctx,
             .process = features_process,
             .metrics = features_metrics,
             EDDY_STAGE_STATE(features)},
    .start = features_start,
    .stop = features_stop,
};

int main(int argc, char **argv)
{
    return eddy_stage_main(&features_def, argc, argv);
}
