/* served.c: the served forecast's one-step accuracy offline (see served.h):
 * the learners' and the evaluator's pure cores on a CSV, every model at
 * each step (lockstep), no Kafka. */
#include "served.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "evaluate_core.h"
#include "learn_core.h"
#include "series_csv.h"

#define MAX_ROWS   100000
#define MAX_MODELS EDDY_EVAL_MODELS_MAX
#define HORIZONS   5 /* eddy-learn --horizon and eddy-evaluate --horizons */
#define LAGS       15
#define MONTH_MS   (30LL * 86400 * 1000)

typedef struct served_run_s {
    int n_models;
    const char *spec[MAX_MODELS];
    eddy_learner_t *learner[MAX_MODELS];
    double next[MAX_MODELS]; /* each model's forecast of the next step */
    double sum[MAX_MODELS];  /* its one-step |e| over the served steps */
    double served_next;      /* forecast[0] of the last served Forecast (NaN: none) */
    double served_sum;
    int steps, unserved, changes;
    int dump;        /* --dump: print every model's forecast of the next step */
    int dump_served; /* --served-dump: print every Forecast served */
    eddy_evaluator_t *ev;
    char series_id[EDDY_SERIES_ID_MAX + 1]; /* seeds bagging's and amf's draws */
} served_run_t;

/* Applies one --set KEY=VALUE to the champion settings C; -1 when unknown. */
static int set_conf(eddy_champ_conf_t *c, const char *kv)
{
    const char *eq = strchr(kv, '=');
    const char *v = eq ? eq + 1 : "";
    size_t len = eq ? (size_t)(eq - kv) : strlen(kv);

    if (!strncmp(kv, "window", len) && len == 6)
        c->window = atoi(v);
    else if (!strncmp(kv, "drift_window", len) && len == 12)
        c->drift_window = atoi(v);
    else if (!strncmp(kv, "margin", len) && len == 6)
        c->margin = atof(v);
    else if (!strncmp(kv, "consecutive", len) && len == 11)
        c->consecutive = atoi(v);
    else if (!strncmp(kv, "default", len) && len == 7)
        snprintf(c->default_model, sizeof(c->default_model), "%s", v);
    else if (!strncmp(kv, "combination_share", len) && len == 17)
        c->combine_share = atof(v);
    else if (!strncmp(kv, "combination_models", len) && len == 18)
        c->combine_k = atoi(v);
    else if (!strncmp(kv, "combination_window", len) && len == 18)
        c->combine_window = atoi(v);
    else if (!strncmp(kv, "combination_power", len) && len == 17)
        c->combine_power = atof(v);
    else if (!strncmp(kv, "metric", len) && len == 6)
        return eddy_champ_metric_parse(v, &c->metric);
    else
        return -1;
    return 0;
}

/* The learner of SPEC (model or model:key=value,...), published as SPEC. */
static eddy_learner_t *learner_of(const char *spec)
{
    char name[EDDY_MODEL_NAME_MAX + 1], err[512];
    const char *colon = strchr(spec, ':');
    eddy_learner_t *l;

    snprintf(name, sizeof(name), "%.*s",
             (int)(colon ? (size_t)(colon - spec) : strlen(spec)), spec);
    l = eddy_learner_new(name, colon ? colon + 1 : NULL, LAGS, HORIZONS, 1, err,
                         sizeof(err));
    if (!l || eddy_learner_set_name(l, spec)) {
        fprintf(stderr, "eddy-accuracy --served: model '%s': %s\n", spec,
                l ? "not a valid name" : err);
        eddy_learner_destroy(l);
        return NULL;
    }
    return l;
}

/* The feature vector of step T of YS on SERIES_ID, as eddy-features builds
 * it. */
static void features(const char *series_id, const double *ys, int t, eddy_fv_t *fv)
{
    memset(fv, 0, sizeof(*fv));
    snprintf(fv->series_id, sizeof(fv->series_id), "%s", series_id);
    fv->seq = t;
    fv->event_time_ms = t * MONTH_MS;
    fv->target = ys[t];
    fv->n_lags = LAGS;
    fv->available_lags = t < LAGS ? t : LAGS;
    for (int j = 1; j <= LAGS; j++)
        fv->lags[j - 1] = t - j >= 0 ? ys[t - j] : 0.0;
}

/* Scores the served forecast and every model's prediction of step T (Y),
 * the served one being forecast[0] of the last Forecast the evaluator
 * served after step T - 1 (eddy_evaluator_served: the combination, or the
 * champion's forecast alone). */
static void score_step(served_run_t *r, int t, const eddy_pred_t *preds, double y)
{
    if (t > 0 && !isfinite(r->served_next))
        r->unserved++;
    if (t == 0 || !isfinite(r->served_next))
        return;
    r->served_sum += fabs(y - r->served_next);
    for (int m = 0; m < r->n_models; m++)
        r->sum[m] += fabs(y - preds[m].prediction);
    r->steps++;
}

/* --dump: "# forecast T Y F..." with Y the value of step T and F each
 * model's forecast[0] made at T (of step T + 1; nan when none), in the
 * order of the model list. */
static void dump_step(const served_run_t *r, int t, double y)
{
    printf("# forecast %d %.17g", t, y);
    for (int m = 0; m < r->n_models; m++)
        printf(" %.17g", r->next[m]);
    printf("\n");
}

/* --served-dump: "# served T SEQ MODEL F..." for each Forecast the
 * evaluator served (eddy_evaluator_served returned 1) while step T was
 * processed: its seq, champion and every item, as eddy-evaluate writes
 * them to the forecasts topic (tests/integration/served_test.sh). */
static void dump_served(int t, const eddy_eval_served_t *sv)
{
    printf("# served %d %lld %s", t, (long long)sv->seq, sv->model);
    for (int h = 0; h < sv->n_forecast; h++)
        printf(" %.17g", sv->forecast[h]);
    printf("\n");
}

/* One step T of every model, then the evaluator's decisions. */
static int step(served_run_t *r, const double *ys, int t, int timeline)
{
    static eddy_pred_t preds[MAX_MODELS];
    char errstr[512], before[EDDY_MODEL_NAME_MAX + 1];
    const char *champion = eddy_evaluator_champion(r->ev, r->series_id);
    eddy_score_t sc;
    eddy_eval_served_t sv;
    eddy_fv_t fv;
    double served = NAN;

    snprintf(before, sizeof(before), "%s", champion ? champion : "");
    features(r->series_id, ys, t, &fv);
    for (int m = 0; m < r->n_models; m++) {
        memset(&preds[m], 0, sizeof(preds[m]));
        if (eddy_learner_process(r->learner[m], &fv, &preds[m], errstr,
                                 sizeof(errstr)) ||
            eddy_evaluator_process(r->ev, &preds[m], &sc, NULL) != EDDY_EVAL_SCORED) {
            fprintf(stderr, "eddy-accuracy --served: step %d of '%s' failed: %s\n", t,
                    r->spec[m], errstr);
            return -1;
        }
        if (eddy_evaluator_served(r->ev, &sv)) {
            served = sv.n_forecast > 0 ? sv.forecast[0] : NAN;
            if (r->dump_served)
                dump_served(t, &sv);
        }
    }
    score_step(r, t, preds, ys[t]);
    if (!isnan(served))
        r->served_next = served;
    for (int m = 0; m < r->n_models; m++)
        r->next[m] = preds[m].n_forecast > 0 ? preds[m].forecast[0] : NAN;
    if (r->dump)
        dump_step(r, t, ys[t]);
    champion = eddy_evaluator_champion(r->ev, r->series_id);
    if (champion && strcmp(before, champion)) {
        r->changes++;
        if (timeline)
            printf("# step %d: %s -> %s\n", t, before[0] ? before : "-", champion);
    }
    return 0;
}

/* Runs the models of R over YS[0..N); prints the line of FILE. */
static int run_file(served_run_t *r, const eddy_eval_conf_t *ec, const char *file,
                    const double *ys, int n, int timeline)
{
    char err[512];
    int rc = 0;

    /* the file's name up to its first '-' or '.': "airpassengers", the
       series id scripts/demo.sh gives the seed */
    snprintf(r->series_id, sizeof(r->series_id), "%.*s", (int)strcspn(file, "-."),
             file);
    r->served_sum = 0.0;
    r->served_next = NAN;
    r->steps = r->unserved = r->changes = 0;
    for (int m = 0; m < r->n_models; m++) {
        r->sum[m] = 0.0;
        if (!(r->learner[m] = learner_of(r->spec[m])))
            rc = -1;
    }
    if (!rc && !(r->ev = eddy_evaluator_new(ec, err, sizeof(err)))) {
        fprintf(stderr, "eddy-accuracy --served: %s\n", err);
        rc = -1;
    }
    for (int t = 0; !rc && t < n; t++)
        rc = step(r, ys, t, timeline);
    if (!rc) {
        printf("%s served %.4f %d %d %d", file, r->served_sum / r->steps, r->steps,
               r->unserved, r->changes);
        for (int m = 0; m < r->n_models; m++)
            printf(" %s=%.4f", r->spec[m], r->sum[m] / r->steps);
        printf("\n");
    }
    eddy_evaluator_destroy(r->ev);
    for (int m = 0; m < r->n_models; m++)
        eddy_learner_destroy(r->learner[m]);
    return rc;
}

static const char *base(const char *path)
{
    const char *s = strrchr(path, '/');
    return s ? s + 1 : path;
}

int bench_served_main(int argc, char **argv)
{
    static double ys[MAX_ROWS];
    static served_run_t r;
    eddy_eval_conf_t ec = {.horizons = HORIZONS, .season = 12, .max_series = 1};
    int i = 0, sep, timeline = 0;
    char err[512];

    ec.champ = eddy_champ_conf_default();
    for (; i + 1 < argc && !strcmp(argv[i], "--set"); i += 2)
        if (set_conf(&ec.champ, argv[i + 1])) {
            fprintf(stderr,
                    "eddy-accuracy --served: unknown or bad --set '%s' (window, "
                    "drift_window, margin, consecutive, default, metric, "
                    "combination_share, "
                    "combination_models, combination_window, combination_power)\n",
                    argv[i + 1]);
            return 2;
        }
    for (; i < argc && (!strcmp(argv[i], "--timeline") || !strcmp(argv[i], "--dump") ||
                        !strcmp(argv[i], "--served-dump"));
         i++) {
        if (!strcmp(argv[i], "--dump"))
            r.dump = 1;
        else if (!strcmp(argv[i], "--served-dump"))
            r.dump_served = 1;
        else
            timeline = 1;
    }
    for (sep = i; sep < argc && strcmp(argv[sep], "--"); sep++)
        ;
    r.n_models = argc - sep - 1;
    if (sep == i || r.n_models < 1 || r.n_models > MAX_MODELS ||
        eddy_eval_parse_windows(&ec, "5,10,20", err, sizeof(err))) {
        fprintf(stderr, "usage: eddy-accuracy --served [--set key=value]... "
                        "[--timeline] [--dump] [--served-dump] CSV... -- MODEL...\n");
        return 2;
    }
    /* every decision waits for every model, as deploy/stages.sh runs it */
    for (int m = 0; m < r.n_models; m++) {
        r.spec[m] = argv[sep + 1 + m];
        snprintf(ec.wait[ec.n_wait++], sizeof(ec.wait[0]), "%s", r.spec[m]);
    }
    for (int f = i; f < sep; f++) {
        int n = bench_load_series(argv[f], ys, MAX_ROWS);
        if (run_file(&r, &ec, base(argv[f]), ys, n, timeline))
            return 2;
    }
    return 0;
}
