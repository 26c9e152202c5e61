/* bench_models.c: ns per predict+learn step of every eddy model over a
 * dataset (default data/airpassengers-extended.csv), 15 lags built as the
 * features stage does. Prints "model ns_per_step mae rmse mape" lines (the
 * metrics are of the prequential predictions, MAPE in percent). Each model
 * runs in its own child process, so one model's heap (what malloc kept or
 * gave back to the kernel) does not change another's timing.
 *
 *   eddy-bench-models [csv] [repeats] [model,model,...]
 */
#include "eddy_model.h"
#include "series_csv.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define N_LAGS   15
#define MAX_ROWS 100000

static double now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static int bench(const char *name, const double *ys, int n, int repeats)
{
    double best = INFINITY, mae = 0.0, rmse = 0.0, mape = 0.0;
    for (int r = 0; r < repeats; r++) {
        char err[256];
        eddy_model_t *m = eddy_model_new(
            name, N_LAGS, NULL, eddy_model_seed(name, "bench"), err, sizeof(err));
        if (!m) {
            fprintf(stderr, "%s\n", err);
            return 1;
        }
        double x[N_LAGS], ae = 0.0, se = 0.0, ape = 0.0, t0 = now_ns();
        for (int t = 0; t < n; t++) {
            for (int i = 1; i <= N_LAGS; i++)
                x[i - 1] = i <= t ? ys[t - i] : 0.0;
            double e = eddy_model_predict(m, x) - ys[t];
            ae += fabs(e);
            se += e * e;
            ape += fabs(e / ys[t]);
            eddy_model_learn(m, x, ys[t]);
        }
        double dt = (now_ns() - t0) / n;
        if (dt < best)
            best = dt;
        mae = ae / n;
        rmse = sqrt(se / n);
        mape = 100.0 * ape / n;
        eddy_model_destroy(m);
    }
    printf("%s %.1f %.4f %.4f %.4f\n", name, best, mae, rmse, mape);
    return 0;
}

int main(int argc, char **argv)
{
    const char *path = argc > 1 ? argv[1] : "data/airpassengers-extended.csv";
    int repeats = argc > 2 ? atoi(argv[2]) : 20;
    static double ys[MAX_ROWS];
    int n = bench_load_series(path, ys, MAX_ROWS);
    char names[1024];
    snprintf(names, sizeof(names), "%s", argc > 3 ? argv[3] : eddy_model_names());
    printf("# %s: %d rows, %d repeats\n", path, n, repeats);
    for (char *name = strtok(names, ", "); name; name = strtok(NULL, ", ")) {
        fflush(stdout);
        pid_t pid = fork();
        if (pid < 0) {
            perror("fork");
            return 1;
        }
        if (pid == 0) {
            int rc = bench(name, ys, n, repeats);
            fflush(stdout);
            _exit(rc);
        }
        int status;
        if (waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) || WEXITSTATUS(status))
            return 1;
    }
    return 0;
}
