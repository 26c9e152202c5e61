/* accuracy.c: one-step prequential accuracy of eddy models on CSV series
 * (input,target, the format eddy-ingest reads), lags built as the features
 * stage does (in_1 the previous value, missing lags 0.0). For each series and
 * model spec prints
 *   series spec mae_all mae_from14 n
 * mae_from14: from the 14th step on (the first steps whose seasonal lags
 * y[t-12], y[t-13] exist), as issue 15 measures.
 *
 *   eddy-accuracy [--lags N] CSV... -- SPEC...
 *   SPEC: model or model:key=value,key=value  (e.g. ridge:seasonal_diff=12)
 *   eddy-accuracy --served ...   the served forecast's MAE (served.h)
 */
#include "eddy_model.h"
#include "series_csv.h"
#include "served.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_ROWS 100000
#define SKIP     13

/* Runs SPEC over YS; fills the two MAEs. Returns -1 on a bad spec. */
static int run(const char *spec, int lags, const double *ys, int n, double *all,
               double *tail)
{
    char name[128], err[256];
    const char *colon = strchr(spec, ':');
    size_t len = colon ? (size_t)(colon - spec) : strlen(spec);
    snprintf(name, sizeof(name), "%.*s", (int)len, spec);
    eddy_model_t *m =
        eddy_model_new(name, lags, colon ? colon + 1 : NULL,
                       eddy_model_seed(name, "accuracy"), err, sizeof(err));
    if (!m) {
        fprintf(stderr, "%s: %s\n", spec, err);
        return -1;
    }
    double x[256], sa = 0.0, st = 0.0;
    for (int t = 0; t < n; t++) {
        for (int j = 1; j <= lags; j++)
            x[j - 1] = t - j >= 0 ? ys[t - j] : 0.0;
        double e = fabs(eddy_model_predict(m, x) - ys[t]);
        sa += e;
        if (t >= SKIP)
            st += e;
        eddy_model_learn(m, x, ys[t]);
    }
    eddy_model_destroy(m);
    *all = sa / n;
    *tail = n > SKIP ? st / (n - SKIP) : NAN;
    return 0;
}

static const char *base(const char *path)
{
    const char *s = strrchr(path, '/');
    return s ? s + 1 : path;
}

int main(int argc, char **argv)
{
    int lags = 15, i = 1;
    if (argc > 1 && strcmp(argv[1], "--served") == 0)
        return bench_served_main(argc - 2, argv + 2);
    if (i + 1 < argc && strcmp(argv[i], "--lags") == 0) {
        lags = atoi(argv[i + 1]);
        i += 2;
    }
    int sep = i;
    while (sep < argc && strcmp(argv[sep], "--") != 0)
        sep++;
    if (sep >= argc - 1 || sep == i || lags < 1 || lags > 256) {
        fprintf(stderr, "usage: %s [--lags N] CSV... -- SPEC...\n", argv[0]);
        return 2;
    }
    static double ys[MAX_ROWS];
    for (int f = i; f < sep; f++) {
        int n = bench_load_series(argv[f], ys, MAX_ROWS);
        for (int s = sep + 1; s < argc; s++) {
            double all, tail;
            if (run(argv[s], lags, ys, n, &all, &tail) != 0)
                return 2;
            printf("%s %s %.4f %.4f %d\n", base(argv[f]), argv[s], all, tail, n);
        }
    }
    return 0;
}
