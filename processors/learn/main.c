/* eddy-learn: feature vectors -> prequential predictions of one model. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codec/codec.h"
#include "eddy_model.h"
#include "learn_core.h"
#include "runtime/kafka.h"
#include "util/log.h"
#include "runtime/stage.h"
#include "util/ratelog.h"
#include "util/prom.h"
#include "util/reason.h"

typedef struct learn_conf_s {
    const char *model, *name;
    eddy_opt_list_t params;
    int list_models;
    const char *input, *output;
    int lags, horizon;
    int64_t max_series;
    double divergence_bound;
} learn_conf_t;

static const eddy_opt_t learn_opts[] = {
    EDDY_OPT(learn_conf_t, STR, model, "model", 'm', "linear",
             "model to run (see --list-models)"),
    EDDY_OPT(learn_conf_t, STR, name, "name", 'n', NULL,
             "name the predictions are published under (default: the model's), e.g. "
             "ridge-l2-0.5 for --model ridge --param l2=0.5; the default group (and "
             "so the transactional id and state topic) derives from it"),
    EDDY_OPT(learn_conf_t, LIST, params, "param", 'P', NULL,
             "model hyperparameter key=value, e.g. --param l2=0.5 (repeatable)"),
    EDDY_OPT(learn_conf_t, BOOL, list_models, "list-models", 0, "false",
             "list the models and their parameters, then exit"),
    EDDY_OPT(learn_conf_t, STR, input, "input", 'i', "features",
             "topic of FeatureVector records"),
    EDDY_OPT(learn_conf_t, STR, output, "output", 'o', "predictions",
             "topic of Prediction records"),
    EDDY_OPT(learn_conf_t, INT, lags, "lags", 'n', "15",
             "lag features per record (as eddy-features --lags)", .min = 1,
             .max = EDDY_LAGS_MAX),
    EDDY_OPT(learn_conf_t, INT, horizon, "horizon", 'H', "5",
             "forecast steps after each learned record", .min = 0,
             .max = EDDY_FORECAST_MAX),
    EDDY_OPT(learn_conf_t, INT, max_series, "max-series", 0, "100000",
             "series with a model in memory; records of further series are "
             "dead-lettered",
             .min = 1, .max = EDDY_OPT_NO_MAX),
    EDDY_OPT(learn_conf_t, DOUBLE, divergence_bound, "divergence-bound", 0, "1000",
             "K: a prediction or forecast step farther than K times the series' "
             "observed scale (max of its range and |mean|) from the middle of its "
             "range is not published; the last observed value is, marked "
             "fallback=diverged, and the series' model is reset",
             .min = 1e-6, .max = EDDY_OPT_NO_MAX),
    EDDY_OPT_TABLE_END};

static learn_conf_t conf;

typedef struct learn_ctx_s {
    eddy_codec_t *codec;
    eddy_learner_t *learner;
    const char *output;
    eddy_fv_t fv;
    eddy_pred_t pred;
    eddy_ratelog_t ratelog; /* skipped steps: one line per series a minute */
} learn_ctx_t;

/* A feature vector at or below the series' last learned step: with the
 * features stage's dense steps, a re-delivery (an aborted batch replayed).
 * Logged at most once per series a minute. */
static void log_skipped(learn_ctx_t *ctx)
{
    uint64_t held;

    if (eddy_log_enabled(EDDY_LOG_INFO) &&
        eddy_ratelog_due(&ctx->ratelog, "skip", ctx->fv.series_id,
                         strlen(ctx->fv.series_id), eddy_now_us() / 1000, &held))
        eddy_log_info("feature vector at or below the series' last learned step "
                      "skipped (a re-delivery; if every record of a series is skipped, "
                      "its eddy-features state was reset: see README, Troubleshooting)",
                      "series=\"%s\" seq=%" PRId64 " suppressed=%" PRIu64,
                      ctx->fv.series_id, ctx->fv.seq, held);
}

/* One line for a series' 1st, 2nd, 4th, 8th ... fallback: a series that
 * keeps falling back is logged with its count, never once per record. */
static void log_fallback(const learn_ctx_t *ctx)
{
    int64_t n = eddy_learner_series_fallbacks(ctx->learner, ctx->pred.series_id);

    if (n & (n - 1))
        return;
    eddy_log_warn("model output not published",
                  "series=\"%s\" model=%s seq=%lld reason=%s count=%lld "
                  "published=last_observed_value action=model_reset "
                  "hint=\"the series' values may not suit the model (see README: "
                  "Troubleshooting, fallback)\"",
                  ctx->pred.series_id, ctx->pred.model, (long long)ctx->pred.seq,
                  ctx->pred.fallback, (long long)n);
}

static const char *learn_process(void *arg, const eddy_msg_t *msg, eddy_emit_t *emit,
                                 char *errstr, size_t errstr_size)
{
    learn_ctx_t *ctx = arg;
    const char *reason;

    if ((reason = eddy_stage_decode_rec(ctx->codec, EDDY_REC_FEATURES, msg, &ctx->fv,
                                        errstr, errstr_size)))
        return reason;
    switch (
        eddy_learner_process(ctx->learner, &ctx->fv, &ctx->pred, errstr, errstr_size)) {
    case EDDY_LEARN_OK:
        break;
    case EDDY_LEARN_DUPLICATE:
        log_skipped(ctx);
        eddy_emit_skip(emit, eddy_reason_name(EDDY_REASON_DUPLICATE_SEQ));
        return NULL;
    case EDDY_LEARN_WRONG_LAGS:
        eddy_emit_misconfigured(emit);
        return eddy_reason_name(EDDY_REASON_WRONG_LAG_COUNT);
    case EDDY_LEARN_SERIES_CAP:
        return eddy_reason_name(EDDY_REASON_SERIES_CAP);
    default:
        return eddy_reason_name(EDDY_REASON_MODEL_ERROR);
    }
    if (ctx->pred.fallback[0])
        log_fallback(ctx);
    eddy_emit_touch(emit, ctx->pred.series_id);
    ctx->pred.predicted_at_us = eddy_now_us();
    return eddy_stage_emit_rec(emit, ctx->codec, EDDY_REC_PREDICTION, &ctx->pred,
                               ctx->output, ctx->pred.series_id, errstr, errstr_size);
}

EDDY_STAGE_STATE_CALLBACKS(learn, learn_ctx_t, learner, eddy_learner)

/* eddy_learn_fallback_total{reason}: records published with the safe
 * forecast instead of the model's output. */
static void fallback_metric(const eddy_learner_t *learner, eddy_buf_t *out)
{
    eddy_prom_buf_t *p = eddy_prom_buf_over(out);

    if (!p) {
        out->failed = 1;
        return;
    }
    eddy_prom_family(p, "eddy_learn_fallback_total", EDDY_PROM_COUNTER,
                     "Records whose prediction or forecast was replaced by the last "
                     "observed value, by reason.");
    for (int r = EDDY_FALLBACK_NONE + 1; r < EDDY_FALLBACK_COUNT; r++) {
        eddy_prom_label_t label = {"reason", eddy_fallback_name((eddy_fallback_t)r)};
        eddy_prom_sample(p, &label, 1,
                         (double)eddy_learner_fallbacks(learner, (eddy_fallback_t)r));
    }
    eddy_prom_buf_destroy(p);
}

static void learn_metrics(void *arg, eddy_buf_t *out)
{
    const eddy_learner_t *learner = ((learn_ctx_t *)arg)->learner;

    eddy_stage_gauge(out, "eddy_learn_series", "Series with a model in memory.",
                     (double)eddy_learner_series_count(learner));
    fallback_metric(learner, out);
}

/* Every model: what it is, then its parameters with their defaults. */
static void list_models(void)
{
    for (int i = 0; i < eddy_model_count(); i++) {
        const char *n = eddy_model_name_at(i);
        printf("%-16s %s; params", n, eddy_model_describe(n));
        for (const eddy_opt_t *p = eddy_model_params(n); p->name; p++)
            printf(" %s=%s", p->name, p->def);
        printf("\n");
    }
}

/* --describe's "models": every model with its parameters. */
static void describe_models(json_t *description)
{
    json_t *models = json_array();

    for (int i = 0; i < eddy_model_count(); i++) {
        const char *n = eddy_model_name_at(i);
        const eddy_opt_map_t params[] = {{eddy_model_params(n), NULL}, {NULL, NULL}};
        json_array_append_new(models, json_pack("{s:s, s:o}", "name", n, "params",
                                                eddy_stage_opts_json(params)));
    }
    json_object_set_new(description, "models", models);
}

/* Joins the --param values into the "k=v,k=v" form the models take. */
static char *join_params(const eddy_opt_list_t *list)
{
    size_t len = 1;
    char *s;

    if (list->n == 0)
        return NULL;
    for (int i = 0; i < list->n; i++)
        len += strlen(list->values[i]) + 1;
    if (!(s = calloc(1, len)))
        return NULL;
    for (int i = 0; i < list->n; i++) {
        if (i)
            strcat(s, ",");
        strcat(s, list->values[i]);
    }
    return s;
}

static learn_ctx_t ctx;

static int learn_start(eddy_stage_t *stage, eddy_codec_t *codec, char *errstr,
                       size_t errstr_size)
{
    char *params;

    (void)stage;
    if (conf.list_models) {
        list_models();
        return EDDY_STAGE_DONE;
    }
    if (!eddy_model_exists(conf.model)) {
        snprintf(errstr, errstr_size, "unknown model '%s' (known: %s)", conf.model,
                 eddy_model_names());
        return 2;
    }
    params = join_params(&conf.params);
    ctx.learner = eddy_learner_new(conf.model, params, conf.lags, conf.horizon,
                                   (size_t)conf.max_series, errstr, errstr_size);
    if (ctx.learner) {
        eddy_learner_set_divergence_bound(ctx.learner, conf.divergence_bound);
        eddy_log_info("model ready",
                      "model=%s params=\"%s\" lags=%d horizon=%d divergence_bound=%g",
                      conf.model, params ? params : "", conf.lags, conf.horizon,
                      conf.divergence_bound);
    }
    free(params);
    if (!ctx.learner)
        return 2;
    if (conf.name && eddy_learner_set_name(ctx.learner, conf.name)) {
        snprintf(errstr, errstr_size,
                 "--name '%s': expected 1..%d bytes without '/' (it keys the scores "
                 "as <name>/<series>)",
                 conf.name, EDDY_MODEL_NAME_MAX);
        return 2;
    }
    if (conf.name)
        eddy_log_info("publishing as", "name=%s model=%s", conf.name, conf.model);
    ctx.codec = codec;
    ctx.output = conf.output;
    eddy_ratelog_init(&ctx.ratelog, 60000);
    return 0;
}

static void learn_stop(eddy_stage_t *stage)
{
    (void)stage;
    eddy_learner_destroy(ctx.learner);
}

static const eddy_stage_def_t learn_def = {
    EDDY_STAGE_NAME("learn"),
    .usage = "--model NAME [options]",
    .summary = "Consumes FeatureVectors; for every record predicts with the series' "
               "model, learns the target, forecasts the next H steps and publishes a "
               "Prediction.",
    .http_port = 9102,
    .input_type = EDDY_REC_FEATURES,
    .output_type = EDDY_REC_PREDICTION,
    .opts = learn_opts,
    .conf = &conf,
    .input_topic = &conf.input,
    .output_topic = &conf.output,
    .group_suffix = &conf.name,
    .group_suffix_fallback = &conf.model,
    .describe = describe_models,
    .loop = {.ctx = &ctx,
             .process = learn_process,
             .metrics = learn_metrics,
             EDDY_STAGE_STATE(learn)},
    .start = learn_start,
    .stop = learn_stop,
};

int main(int argc, char **argv)
{
    return eddy_stage_main(&learn_def, argc, argv);
}
