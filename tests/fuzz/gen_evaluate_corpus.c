/* gen_evaluate_corpus.c: writes the fuzz_evaluate seed corpus (evaluator
 * state snapshots: one model after a few steps, two models after a gap, a
 * duplicate and non-finite values) into the directory given.
 * Usage: eddy_fuzz_gen_evaluate_corpus tests/fuzz/corpus/fuzz_evaluate
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "evaluate_core.h"

static void feed(eddy_evaluator_t *ev, const char *model, int t, double prediction)
{
    static eddy_pred_t p;
    static eddy_score_t sc;

    memset(&p, 0, sizeof(p));
    snprintf(p.series_id, sizeof(p.series_id), "s");
    snprintf(p.model, sizeof(p.model), "%s", model);
    p.seq = t;
    p.event_time_ms = t * 1000LL;
    p.prediction = prediction;
    p.target = 100.0 + t % 13;
    p.n_forecast = 5;
    for (int h = 0; h < 5; h++)
        p.forecast[h] = t == 9 && h == 2 ? INFINITY : 100.0 + h;
    (void)eddy_evaluator_process(ev, &p, &sc, NULL);
}

static void put(const char *dir, const char *name, eddy_evaluator_t *ev)
{
    eddy_buf_t out = EDDY_BUF_INIT;
    char path[4096];
    FILE *f;

    if (eddy_evaluator_save(ev, "s", &out) ||
        !(f = fopen((snprintf(path, sizeof(path), "%s/%s", dir, name), path), "wb")) ||
        fwrite(out.data, 1, out.len, f) != out.len || fclose(f)) {
        perror(name);
        exit(1);
    }
    eddy_buf_free(&out);
}

int main(int argc, char **argv)
{
    eddy_eval_conf_t c = {.horizons = 5, .season = 12, .max_series = 4};
    char err[256];
    eddy_evaluator_t *ev;

    if (argc != 2 || eddy_eval_parse_windows(&c, "5,10,20", err, sizeof(err)) ||
        !(ev = eddy_evaluator_new(&c, err, sizeof(err)))) {
        fprintf(stderr, "usage: %s DIR\n", argv[0]);
        return 2;
    }
    for (int t = 0; t < 4; t++)
        feed(ev, "linear", t, 99.0);
    put(argv[1], "eval-one-model", ev);
    for (int t = 4; t < 30; t++)
        if (t < 15 || t > 17) {
            feed(ev, "linear", t, t == 6 ? NAN : 99.0 + t);
            feed(ev, "snaive", t, 101.0);
        }
    feed(ev, "linear", 3, 1.0);
    put(argv[1], "eval-two-models", ev);
    eddy_evaluator_destroy(ev);
    return 0;
}
