/* eddy-features: observations -> lag feature vectors, per series. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codec/codec.h"
#include "features_core.h"
#include "runtime/kafka.h"
#include "runtime/stage.h"
#include "util/log.h"
#include "util/ratelog.h"
#include "util/reason.h"

typedef struct features_conf_s {
    const char *input, *output, *frequency;
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
    EDDY_OPT(features_conf_t, STR, frequency, "frequency", 0, "auto",
             "step of every series: auto (inferred from event times), monthly, "
             "quarterly, yearly, daily, hourly, or a count and unit (15min, 30s, 2h, "
             "7d, 3mo); gaps are counted in these steps"),
    EDDY_OPT_TABLE_END};

static features_conf_t conf;

typedef struct features_ctx_s {
    eddy_codec_t *codec;
    eddy_features_t *features;
    const char *output;
    eddy_obs_t obs;
    eddy_fv_t fv;
    eddy_features_note_t note;
    eddy_ratelog_t ratelog; /* one line per series and kind per minute */
} features_ctx_t;

/* Logs a gap or a skipped duplicate of the record in CTX, at most once per
 * series and kind per minute, with the count of those held back. */
static void note_log(features_ctx_t *ctx, const char *kind)
{
    const eddy_obs_t *o = &ctx->obs;
    uint64_t held;
    char step[32];

    if (!eddy_log_enabled(EDDY_LOG_WARN) ||
        !eddy_ratelog_due(&ctx->ratelog, kind, o->series_id, strlen(o->series_id),
                          eddy_now_us() / 1000, &held))
        return;
    eddy_step_format(&ctx->note.step, step, sizeof(step));
    eddy_log_warn(!strcmp(kind, "gap") ? "gap in the series' event times"
                                       : "exact duplicate skipped",
                  "series=\"%s\" event_time_ms=%" PRId64 " last_event_time_ms=%" PRId64
                  " missing_steps=%" PRId64
                  " step=\"%s\" more_since_last_line=%" PRIu64,
                  o->series_id, o->event_time_ms, ctx->note.last_time_ms,
                  ctx->note.missing_steps, step, held);
}

/* ERRSTR for a record the order refuses; its reason. */
static const char *order_refusal(features_ctx_t *ctx, eddy_features_result_t res,
                                 char *errstr, size_t errstr_size)
{
    const eddy_obs_t *o = &ctx->obs;

    if (res == EDDY_FEATURES_LATE) {
        snprintf(errstr, errstr_size,
                 "series '%s': event time %" PRId64 " ms is before the last accepted "
                 "%" PRId64 " ms (late; lags already emitted cannot be re-ordered): "
                 "send a series in event-time order",
                 o->series_id, o->event_time_ms, ctx->note.last_time_ms);
        return eddy_reason_name(EDDY_REASON_LATE);
    }
    snprintf(errstr, errstr_size,
             "series '%s': event time %" PRId64 " ms already has value %.17g, this "
             "record says %.17g (conflicting duplicate): correct the source",
             o->series_id, o->event_time_ms, ctx->note.other_value, o->value);
    return eddy_reason_name(EDDY_REASON_CONFLICTING_DUPLICATE);
}

static const char *features_process(void *arg, const eddy_msg_t *msg, eddy_emit_t *emit,
                                    char *errstr, size_t errstr_size)
{
    features_ctx_t *ctx = arg;
    eddy_features_result_t res;
    const char *reason;

    if ((reason = eddy_stage_decode_rec(ctx->codec, EDDY_REC_OBSERVATION, msg,
                                        &ctx->obs, errstr, errstr_size)))
        return reason;
    switch (
        (res = eddy_features_process(ctx->features, &ctx->obs, &ctx->fv, &ctx->note))) {
    case EDDY_FEATURES_OK:
        if (ctx->note.missing_steps > 0)
            note_log(ctx, "gap");
        break;
    case EDDY_FEATURES_DUPLICATE:
        note_log(ctx, "duplicate");
        eddy_emit_skip(emit, eddy_reason_name(EDDY_REASON_DUPLICATE));
        return NULL;
    case EDDY_FEATURES_LATE:
    case EDDY_FEATURES_CONFLICT:
        return order_refusal(ctx, res, errstr, errstr_size);
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
    const features_ctx_t *c = arg;

    eddy_stage_gauge(out, "eddy_features_series",
                     "Series whose lags are kept in memory.",
                     (double)eddy_features_series_count(c->features));
    eddy_features_metrics(c->features, out);
}

static features_ctx_t ctx;

static int features_start(eddy_stage_t *stage, eddy_codec_t *codec, char *errstr,
                          size_t errstr_size)
{
    eddy_step_t step;

    (void)stage;
    ctx.codec = codec;
    ctx.output = conf.output;
    eddy_ratelog_init(&ctx.ratelog, 60000);
    if (eddy_step_parse(conf.frequency, &step, errstr, errstr_size))
        return 1;
    if (!(ctx.features = eddy_features_new(conf.lags, (size_t)conf.max_series))) {
        snprintf(errstr, errstr_size, "out of memory");
        return 1;
    }
    eddy_features_set_frequency(ctx.features, step);
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
