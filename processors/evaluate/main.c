/* eddy-evaluate: predictions of every model -> per-horizon scores, each
 * forecast scored once against the truth that arrives later. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "codec/codec.h"
#include "evaluate_core.h"
#include "pins.h"
#include "runtime/tail.h"
#include "runtime/kafka.h"
#include "runtime/stage.h"
#include "util/log.h"
#include "util/prom.h"
#include "util/reason.h"

typedef struct evaluate_conf_s {
    const char *input, *output, *forecasts, *events, *control;
    int horizons, season;
    const char *windows;
    int64_t max_series;
    const char *champion_metric, *champion_default, *champion_models;
    int64_t champion_max_lag;
    int champion_horizon, champion_window, champion_drift_window;
    int champion_consecutive, contract_records;
    double champion_margin;
    double combination_share, combination_power;
    int combination_models, combination_window;
} evaluate_conf_t;

static const eddy_opt_t evaluate_opts[] = {
    EDDY_OPT(evaluate_conf_t, STR, input, "input", 'i', "predictions",
             "topic of Prediction records (every model)"),
    EDDY_OPT(evaluate_conf_t, STR, output, "output", 'o', "scores",
             "compacted topic of Score records, key <model>/<series_id>"),
    EDDY_OPT(evaluate_conf_t, STR, forecasts, "forecasts", 0, "forecasts",
             "compacted topic of Forecast records, key <series_id>: each series' "
             "served forecast (its champion's, combined with the models that erred "
             "least lately: --combination-share)"),
    EDDY_OPT(evaluate_conf_t, STR, events, "events", 0, "model-events",
             "topic of ModelEvent records, key <series_id>: every champion decision"),
    EDDY_OPT(evaluate_conf_t, STR, control, "control", 0, "control",
             "topic of Control records (eddy-ctl pin, unpin), read whole by every "
             "replica; 'off': no operator commands"),
    EDDY_OPT(evaluate_conf_t, INT, horizons, "horizons", 'H', "5",
             "horizons scored, h = 1..H (forecast steps beyond H are ignored)",
             .min = 1, .max = EDDY_FORECAST_MAX),
    EDDY_OPT(evaluate_conf_t, INT, season, "season", 'm', "12",
             "season m of the seasonal naive forecast that scales MASE, in steps",
             .min = 1, .max = EDDY_EVAL_SEASON_MAX),
    EDDY_OPT(evaluate_conf_t, STR, windows, "windows", 'w', "5,10,20",
             "rolling windows, in scored forecasts per horizon (comma-separated, at "
             "most 8)"),
    EDDY_OPT(evaluate_conf_t, INT, max_series, "max-series", 0, "100000",
             "series held in memory; records of further series are dead-lettered",
             .min = 1, .max = EDDY_OPT_NO_MAX),
    EDDY_OPT(evaluate_conf_t, STR, champion_metric, "champion-metric", 0, "mae",
             "rolling error that chooses the champion: mase, mae or rmse"),
    EDDY_OPT(evaluate_conf_t, INT, champion_horizon, "champion-horizon", 0, "1",
             "horizon h whose rolling error chooses the champion (1..--horizons)",
             .min = 1, .max = EDDY_FORECAST_MAX),
    EDDY_OPT(
        evaluate_conf_t, INT, champion_window, "champion-window", 0, "240",
        "steps in the champion's rolling window, each model's last (coverage gate)",
        .min = 1, .max = EDDY_EVAL_WINDOW_MAX),
    EDDY_OPT(evaluate_conf_t, INT, champion_drift_window, "champion-drift-window", 0,
             "8", "the shorter window a series uses after a drift", .min = 1,
             .max = EDDY_EVAL_WINDOW_MAX),
    EDDY_OPT(evaluate_conf_t, DOUBLE, champion_margin, "champion-margin", 0, "0.05",
             "relative margin a challenger must beat the champion by (and a promoted "
             "champion may lose to the one it replaced by before a revert)",
             .min = 0, .max = 0.99),
    EDDY_OPT(evaluate_conf_t, INT, champion_consecutive, "champion-consecutive", 0, "8",
             "steps in a row a challenger must win (hysteresis; also for a revert)",
             .min = 1, .max = 1000000),
    EDDY_OPT(evaluate_conf_t, INT, contract_records, "contract-records", 0, "5",
             "contract gate: a model's last N records must all be finite", .min = 1,
             .max = 1000000),
    EDDY_OPT(evaluate_conf_t, STR, champion_default, "champion-default", 0,
             "holt_winters_auto",
             "default champion of a new series; until it has a record the first model "
             "seen serves (empty: the first model seen)"),
    EDDY_OPT(evaluate_conf_t, STR, champion_models, "champion-models", 0, "",
             "models every champion decision waits for (comma-separated): step s is "
             "decided once each has reached s, so decisions do not depend on the "
             "learners' pace (empty: every model seen on the series)"),
    EDDY_OPT(evaluate_conf_t, INT, champion_max_lag, "champion-max-lag", 0, "1000",
             "steps behind the leading model after which a model is no longer waited "
             "for (bounds the per-step error history)",
             .min = 1, .max = 1000000000),
    EDDY_OPT(evaluate_conf_t, DOUBLE, combination_share, "combination-share", 0, "0.3",
             "weight of the combination in the served forecast: (1 - share) x the "
             "champion's forecast + share x the weighted mean of the models that "
             "erred least lately (0: the champion's forecast alone; a pin serves the "
             "pinned model alone)",
             .min = 0, .max = 1),
    EDDY_OPT(evaluate_conf_t, INT, combination_models, "combination-models", 0, "2",
             "models in the combination: the ones with the lowest recent error at "
             "--champion-horizon (the champion may be one)",
             .min = 1, .max = EDDY_CHAMP_COMBINE_MAX),
    EDDY_OPT(evaluate_conf_t, INT, combination_window, "combination-window", 0, "8",
             "steps of the recent error that chooses and weighs the combined models",
             .min = 1, .max = EDDY_EVAL_WINDOW_MAX),
    EDDY_OPT(evaluate_conf_t, DOUBLE, combination_power, "combination-power", 0, "4",
             "combined models weigh (lowest error / their error) ^ power (0: equal "
             "weights)",
             .min = 0, .max = 1000),
    EDDY_OPT_TABLE_END};

static evaluate_conf_t conf;

typedef struct evaluate_ctx_s {
    eddy_codec_t *codec;
    eddy_evaluator_t *evaluator;
    const char *output;
    eddy_pred_t pred;
    eddy_score_t score;
    eddy_forecast_t forecast;
    eddy_model_event_t event;
    eddy_eval_served_t served;
    eddy_champ_conf_t champ;
    eddy_tail_t *control; /* NULL: --control off */
    eddy_pins_t *pins;
    eddy_control_t command;
    int64_t commands_refused;
    int64_t decisions[EDDY_CHAMP_EV_GATE_FAILURE + 1]; /* by kind, since start */
    int64_t detections[EDDY_CHAMP_DETECTORS];          /* drift, by detector */
    double last_forecast_s; /* wall clock of the last Forecast written */
    char key[EDDY_MODEL_NAME_MAX + 1 + EDDY_SERIES_ID_MAX + 1];
} evaluate_ctx_t;

/* What the record did that is logged once per (model, series). */
static void log_note(const eddy_pred_t *pred, const eddy_eval_note_t *note)
{
    if (note->first_duplicate)
        eddy_log_warn("duplicate or replayed prediction skipped, never scored twice "
                      "(counted in the score's duplicates; logged once per model and "
                      "series)",
                      "model=%s series=%s seq=%" PRId64 " last_seq=%" PRId64,
                      pred->model, pred->series_id, pred->seq, note->last_seq);
    if (note->first_gap)
        eddy_log_warn(
            "gap in seq: forecasts of the missing steps dropped unscored "
            "(counted in gap_dropped; logged once per model and series)",
            "model=%s series=%s seq=%" PRId64 " last_seq=%" PRId64 " dropped=%" PRId64,
            pred->model, pred->series_id, pred->seq, note->last_seq, note->dropped);
    if (note->first_failing)
        eddy_log_warn("non-finite prediction or forecast: never scored, counted as "
                      "failing (logged once per model and series)",
                      "model=%s series=%s seq=%" PRId64, pred->model, pred->series_id,
                      pred->seq);
}

/* Fills the ModelEvent of E on SERIES_ID at step SEQ (for a pin or unpin,
 * the step of the series' record it took effect with). */
static void event_record(evaluate_ctx_t *ctx, const char *series_id,
                         const eddy_champ_event_t *e, int64_t seq,
                         int64_t event_time_ms)
{
    eddy_model_event_t *r = &ctx->event;

    memset(r, 0, sizeof(*r));
    snprintf(r->series_id, sizeof(r->series_id), "%s", series_id);
    snprintf(r->kind, sizeof(r->kind), "%s", eddy_champ_kind_name(e->kind));
    snprintf(r->model, sizeof(r->model), "%s", e->model);
    snprintf(r->previous_model, sizeof(r->previous_model), "%s", e->previous);
    snprintf(r->reason, sizeof(r->reason), "%s", e->reason);
    snprintf(r->metric, sizeof(r->metric), "%s",
             eddy_champ_metric_name(ctx->champ.metric));
    r->horizon = ctx->champ.horizon;
    r->window = e->window;
    r->model_error = e->model_err;
    r->previous_error = e->previous_err;
    r->model_n = e->model_n;
    r->previous_n = e->previous_n;
    r->seq = seq;
    r->event_time_ms = event_time_ms;
    r->made_at_us = eddy_now_us();
}

/* Logs and emits one champion decision. */
static const char *emit_event(evaluate_ctx_t *ctx, eddy_emit_t *emit,
                              const char *series_id, const eddy_champ_event_t *e,
                              int64_t seq, int64_t event_time_ms, char *errstr,
                              size_t errstr_size)
{
    eddy_log_info("champion decision",
                  "series=%s kind=%s model=%s previous=%s model_error=%.6g "
                  "previous_error=%.6g reason=\"%s\"",
                  series_id, eddy_champ_kind_name(e->kind), e->model, e->previous,
                  e->model_err, e->previous_err, e->reason);
    event_record(ctx, series_id, e, seq, event_time_ms);
    ctx->decisions[e->kind]++;
    for (int i = 0; i < EDDY_CHAMP_DETECTORS; i++)
        ctx->detections[i] += (e->detectors >> i) & 1u;
    return eddy_stage_emit_rec(emit, ctx->codec, EDDY_REC_MODEL_EVENT, &ctx->event,
                               conf.events, series_id, errstr, errstr_size);
}

_Static_assert(EDDY_CHAMP_COMBINE_MAX + 1 <= EDDY_COMBINATION_MAX,
               "a Forecast holds every model a combination can have");

/* F's combination and combination_weights from V's members (names joined
 * by '/', which model names never hold). */
static void combination_fields(const eddy_eval_served_t *v, eddy_forecast_t *f)
{
    size_t len = 0;

    f->combination[0] = '\0';
    f->n_combination_weights = v->n_members;
    for (int i = 0; i < v->n_members; i++) {
        len += (size_t)snprintf(f->combination + len, sizeof(f->combination) - len,
                                "%s%s", i ? "/" : "", v->members[i]);
        f->combination_weights[i] = v->weights[i];
    }
}

/* Emits the served forecast when the last record changed it. */
static const char *emit_served(evaluate_ctx_t *ctx, eddy_emit_t *emit, char *errstr,
                               size_t errstr_size)
{
    const eddy_eval_served_t *v = &ctx->served;
    eddy_forecast_t *f = &ctx->forecast;

    if (!eddy_evaluator_served(ctx->evaluator, &ctx->served))
        return NULL;
    memset(f, 0, sizeof(*f));
    snprintf(f->series_id, sizeof(f->series_id), "%s", v->series_id);
    snprintf(f->model, sizeof(f->model), "%s", v->model);
    f->model_version = v->model_version;
    f->seq = v->seq;
    f->event_time_ms = v->event_time_ms;
    f->n_forecast = v->n_forecast;
    memcpy(f->forecast, v->forecast, sizeof(f->forecast));
    f->n_forecast_event_times = v->n_forecast_event_times;
    memcpy(f->forecast_event_times_ms, v->forecast_event_times_ms,
           sizeof(f->forecast_event_times_ms));
    snprintf(f->metric, sizeof(f->metric), "%s",
             eddy_champ_metric_name(ctx->champ.metric));
    f->horizon = ctx->champ.horizon;
    f->window = v->window;
    f->error = v->error;
    f->error_n = v->error_n;
    f->made_at_us = eddy_now_us();
    combination_fields(v, f);
    ctx->last_forecast_s = (double)f->made_at_us / 1e6;
    return eddy_stage_emit_rec(emit, ctx->codec, EDDY_REC_FORECAST, f, conf.forecasts,
                               f->series_id, errstr, errstr_size);
}

/* The champion's outputs of the last record: its events, then the served
 * forecast. */
static const char *emit_champion(evaluate_ctx_t *ctx, eddy_emit_t *emit, char *errstr,
                                 size_t errstr_size)
{
    const eddy_champ_event_t *e;
    int n = eddy_evaluator_events(ctx->evaluator, &e);
    const char *reason;

    for (int i = 0; i < n; i++)
        if ((reason = emit_event(ctx, emit, ctx->pred.series_id, &e[i], e[i].seq,
                                 e[i].event_time_ms, errstr, errstr_size)))
            return reason;
    return emit_served(ctx, emit, errstr, errstr_size);
}

/* One Control record from the control topic: applied to the pins in force
 * (a refused one is logged and counted; it changes nothing). */
static void on_control(void *arg, const eddy_msg_t *msg)
{
    evaluate_ctx_t *ctx = arg;
    char errstr[512];

    if (!eddy_stage_decode_rec(ctx->codec, EDDY_REC_CONTROL, msg, &ctx->command, errstr,
                               sizeof(errstr)) &&
        !eddy_pins_apply(ctx->pins, &ctx->command, errstr, sizeof(errstr))) {
        eddy_log_info("operator command", "command=%s series=%s model=%s operator=%s",
                      ctx->command.command, ctx->command.series_id, ctx->command.model,
                      ctx->command.operator_name);
        return;
    }
    ctx->commands_refused++;
    eddy_log_warn("operator command refused: nothing changed",
                  "topic=%s partition=%d offset=%lld error=\"%s\"", msg->topic,
                  (int)msg->partition, (long long)msg->offset, errstr);
}

/* Brings the series of the current record in line with the pins in force:
 * a pin or unpin event and the new champion's forecast when they differ. */
static const char *apply_pin(evaluate_ctx_t *ctx, eddy_emit_t *emit, char *errstr,
                             size_t errstr_size)
{
    const char *series = ctx->pred.series_id, *now;
    const eddy_pin_t *want = eddy_pins_for(ctx->pins, series);
    const char *unpin = eddy_pins_unpin_reason(ctx->pins, series);
    eddy_champ_event_t e;
    const char *reason;

    if (!(now = eddy_evaluator_pinned(ctx->evaluator, series)) ||
        !strcmp(now, want ? want->model : ""))
        return NULL;
    if (eddy_evaluator_pin(ctx->evaluator, series, want ? want->model : "",
                           want    ? want->reason
                           : unpin ? unpin
                                   : "operator: unpinned",
                           &e) != 1)
        return NULL;
    eddy_emit_checkpoint(emit, series); /* a replay of the input cannot redo it */
    /* The step it took effect at: the series' record it came with. */
    if ((reason = emit_event(ctx, emit, series, &e, ctx->pred.seq,
                             ctx->pred.event_time_ms, errstr, errstr_size)))
        return reason;
    return emit_served(ctx, emit, errstr, errstr_size);
}

/* The dead-letter reason of a record the evaluator refused. */
static const char *refused(eddy_eval_result_t r, const eddy_pred_t *pred, char *errstr,
                           size_t errstr_size)
{
    switch (r) {
    case EDDY_EVAL_BAD_SEQ:
        snprintf(errstr, errstr_size,
                 "seq %" PRId64 " of model '%s' on series '%s' is not a step number "
                 "(0..%" PRId64 ")",
                 pred->seq, pred->model, pred->series_id, (int64_t)EDDY_EVAL_SEQ_MAX);
        return eddy_reason_name(EDDY_REASON_INVALID_PREDICTION);
    case EDDY_EVAL_SERIES_CAP:
        snprintf(errstr, errstr_size,
                 "series '%s' model '%s': --max-series (%" PRId64 ") or %d models per "
                 "series reached",
                 pred->series_id, pred->model, conf.max_series, EDDY_EVAL_MODELS_MAX);
        return eddy_reason_name(EDDY_REASON_SERIES_CAP);
    default:
        snprintf(errstr, errstr_size, "out of memory");
        return eddy_reason_name(EDDY_REASON_NOMEM);
    }
}

static const char *evaluate_process(void *arg, const eddy_msg_t *msg, eddy_emit_t *emit,
                                    char *errstr, size_t errstr_size)
{
    evaluate_ctx_t *ctx = arg;
    eddy_eval_note_t note;
    eddy_eval_result_t r;
    const char *reason;

    if (ctx->control)
        eddy_tail_poll(ctx->control, on_control, ctx);
    if ((reason = eddy_stage_decode_rec(ctx->codec, EDDY_REC_PREDICTION, msg,
                                        &ctx->pred, errstr, errstr_size)))
        return reason;
    r = eddy_evaluator_process(ctx->evaluator, &ctx->pred, &ctx->score, &note);
    log_note(&ctx->pred, &note);
    if (r != EDDY_EVAL_SCORED && r != EDDY_EVAL_DUPLICATE)
        return refused(r, &ctx->pred, errstr, errstr_size);
    eddy_emit_touch(emit, ctx->pred.series_id);
    if (r == EDDY_EVAL_DUPLICATE) {
        eddy_emit_skip(emit, eddy_reason_name(EDDY_REASON_DUPLICATE_SEQ));
        return NULL;
    }
    ctx->score.scored_at_us = eddy_now_us();
    snprintf(ctx->key, sizeof(ctx->key), "%s/%s", ctx->pred.model, ctx->pred.series_id);
    if ((reason = eddy_stage_emit_rec(emit, ctx->codec, EDDY_REC_SCORE, &ctx->score,
                                      ctx->output, ctx->key, errstr, errstr_size)))
        return reason;
    if ((reason = emit_champion(ctx, emit, errstr, errstr_size)))
        return reason;
    /* Pins come from the control topic, not the input: a restore's replay
     * leaves them to the records after it (their snapshots hold the past). */
    return ctx->pins && !eddy_emit_replaying(emit)
               ? apply_pin(ctx, emit, errstr, errstr_size)
               : NULL;
}

EDDY_STAGE_STATE_CALLBACKS(evaluate, evaluate_ctx_t, evaluator, eddy_evaluator)

/* eddy_evaluate_champion_decisions_total{kind}: every kind, 0 included;
 * eddy_evaluate_champion_drift_detections_total{detector}: every detector. */
static void decisions_metric(const evaluate_ctx_t *ctx, eddy_buf_t *out)
{
    eddy_prom_buf_t *p = eddy_prom_buf_over(out);

    if (!p) {
        out->failed = 1;
        return;
    }
    eddy_prom_family(p, "eddy_evaluate_champion_decisions_total", EDDY_PROM_COUNTER,
                     "Champion decisions written to the model-events topic since "
                     "start, by kind.");
    for (int k = 0; k <= EDDY_CHAMP_EV_GATE_FAILURE; k++) {
        eddy_prom_label_t l = {"kind", eddy_champ_kind_name((eddy_champ_kind_t)k)};
        eddy_prom_sample(p, &l, 1, (double)ctx->decisions[k]);
    }
    eddy_prom_family(p, "eddy_evaluate_champion_drift_detections_total",
                     EDDY_PROM_COUNTER,
                     "Drift detections on champions' residuals since start, by "
                     "detector (page_hinkley, adwin; one drift event may count for "
                     "both).");
    for (int i = 0; i < EDDY_CHAMP_DETECTORS; i++) {
        eddy_prom_label_t l = {"detector", eddy_champ_detector_label(i)};
        eddy_prom_sample(p, &l, 1, (double)ctx->detections[i]);
    }
    eddy_prom_buf_destroy(p);
}

static void evaluate_metrics(void *arg, eddy_buf_t *out)
{
    const evaluate_ctx_t *ctx = arg;

    eddy_stage_gauge(out, "eddy_evaluate_series", "Series with scores in memory.",
                     (double)eddy_evaluator_series_count(ctx->evaluator));
    eddy_stage_gauge(out, "eddy_evaluate_tracks",
                     "(model, series) pairs with scores in memory.",
                     (double)eddy_evaluator_track_count(ctx->evaluator));
    eddy_stage_gauge(out, "eddy_evaluate_series_unserved",
                     "Series held with no champion passing the contract gate (no "
                     "forecast served).",
                     (double)eddy_evaluator_unserved_count(ctx->evaluator));
    eddy_stage_gauge(out, "eddy_evaluate_forecast_last_made_timestamp_seconds",
                     "Wall clock when the last served Forecast was written (0: none "
                     "yet).",
                     ctx->last_forecast_s);
    decisions_metric(ctx, out);
    eddy_stage_gauge(out, "eddy_evaluate_commands_refused",
                     "Operator commands on the control topic refused since start (each "
                     "logged).",
                     (double)ctx->commands_refused);
}

static evaluate_ctx_t ctx;

static int evaluate_start(eddy_stage_t *stage, eddy_codec_t *codec, char *errstr,
                          size_t errstr_size)
{
    eddy_eval_conf_t ec = {.horizons = conf.horizons,
                           .season = conf.season,
                           .max_series = (size_t)conf.max_series,
                           .champ = {.horizon = conf.champion_horizon,
                                     .window = conf.champion_window,
                                     .drift_window = conf.champion_drift_window,
                                     .margin = conf.champion_margin,
                                     .consecutive = conf.champion_consecutive,
                                     .contract_n = conf.contract_records,
                                     .combine_share = conf.combination_share,
                                     .combine_k = conf.combination_models,
                                     .combine_window = conf.combination_window,
                                     .combine_power = conf.combination_power,
                                     .drift = eddy_ph_default(),
                                     .adwin = eddy_adwin_default()}};

    (void)stage;
    ec.max_lag = conf.champion_max_lag;
    if (eddy_eval_parse_windows(&ec, conf.windows, errstr, errstr_size) ||
        eddy_eval_parse_models(&ec, conf.champion_models, errstr, errstr_size))
        return 2;
    if (eddy_champ_metric_parse(conf.champion_metric, &ec.champ.metric)) {
        snprintf(errstr, errstr_size,
                 "--champion-metric '%s': expected mase, mae or rmse",
                 conf.champion_metric);
        return 2;
    }
    if (conf.champion_horizon > conf.horizons) {
        snprintf(errstr, errstr_size,
                 "--champion-horizon %d is past --horizons %d: choose 1..%d",
                 conf.champion_horizon, conf.horizons, conf.horizons);
        return 2;
    }
    snprintf(ec.champ.default_model, sizeof(ec.champ.default_model), "%s",
             conf.champion_default ? conf.champion_default : "");
    if (!(ctx.evaluator = eddy_evaluator_new(&ec, errstr, errstr_size)))
        return 2;
    eddy_log_info("evaluator ready",
                  "horizons=%d season=%d windows=%s output=%s combination_share=%g "
                  "combination_models=%d combination_window=%d combination_power=%g",
                  conf.horizons, conf.season, conf.windows, conf.output,
                  conf.combination_share, conf.combination_models,
                  conf.combination_window, conf.combination_power);
    if (!ec.n_wait)
        eddy_log_warn(
            "no --champion-models: each champion decision waits for the models "
            "seen on the series so far, so a learner heard late (started after "
            "the others, or behind in a replay) finds steps decided without it "
            "and the decisions depend on the learners' pace; name the learners "
            "(--champion-models a,b,c) for decisions a replay repeats",
            NULL);
    if (strcmp(conf.control, "off") &&
        (!(ctx.pins = eddy_pins_new((size_t)conf.max_series)) ||
         !(ctx.control =
               eddy_tail_new(eddy_stage_opts(), conf.control, errstr, errstr_size))))
        return 1;
    ctx.codec = codec;
    ctx.output = conf.output;
    ctx.champ = ec.champ;
    return 0;
}

static void evaluate_stop(eddy_stage_t *stage)
{
    (void)stage;
    eddy_evaluator_destroy(ctx.evaluator);
    eddy_tail_destroy(ctx.control);
    eddy_pins_destroy(ctx.pins);
}

static const eddy_stage_def_t evaluate_def = {
    EDDY_STAGE_NAME("evaluate"),
    .summary = "Consumes the Predictions of every model; scores each one-step "
               "prediction and each step of every H-step forecast once, when the "
               "record carrying its target arrives, and publishes the running "
               "per-horizon scores of each (model, series) as a Score record to a "
               "compacted topic.",
    .http_port = 9103,
    .input_type = EDDY_REC_PREDICTION,
    .output_type = EDDY_REC_SCORE,
    .opts = evaluate_opts,
    .conf = &conf,
    .input_topic = &conf.input,
    .output_topic = &conf.output,
    .output_compacted = 1,
    .extra_outputs = {{&conf.forecasts, EDDY_REC_FORECAST, 1},
                      {&conf.events, EDDY_REC_MODEL_EVENT, 0}},
    .loop = {.ctx = &ctx,
             .process = evaluate_process,
             .metrics = evaluate_metrics,
             EDDY_STAGE_STATE(evaluate)},
    .start = evaluate_start,
    .stop = evaluate_stop,
};

int main(int argc, char **argv)
{
    return eddy_stage_main(&evaluate_def, argc, argv);
}
