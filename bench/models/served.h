/* served.h: eddy-accuracy --served, the served forecast's one-step MAE
 * offline. Every model of the list runs through the learner's pure core
 * (processors/learn/learn_core.h: the output guard included) on the lags
 * eddy-features builds, all at each step (lockstep), and the evaluator's
 * pure core (processors/evaluate/evaluate_core.h: the same champion
 * decisions as eddy-evaluate) chooses the champion. The served forecast of
 * step t is forecast[0] of the champion after step t - 1, as
 * tests/integration/champion_check.py served-mae pairs them on the
 * forecasts topic. The series id (which seeds the randomized models) is
 * the file's name up to its first '-' or '.' (the seed: "airpassengers",
 * as scripts/demo.sh names it). Prints per CSV
 *   file served MAE steps unserved changes model=MAE ...
 * every MAE over the same steps (1..n-1 where a champion served). */
#ifndef EDDY_BENCH_SERVED_H
#define EDDY_BENCH_SERVED_H

/* eddy-accuracy --served [--set key=value]... [--timeline] [--dump]
 * [--served-dump] CSV... -- MODEL...
 * (ARGV after "--served"): key is window, drift_window, margin,
 * consecutive, default or metric (the eddy-evaluate --champion-* options);
 * --timeline also prints each change of champion ("# step T: OLD -> NEW");
 * --dump prints each step's value and every model's one-step forecast
 * ("# forecast T Y F..." in the order of MODEL..., nan when none), the input
 * of bench/models/combination.py; --served-dump prints each Forecast the
 * evaluator served while step T was processed ("# served T SEQ MODEL F...",
 * every item with 17 digits, as on the forecasts topic), which
 * tests/integration/served_test.sh compares with eddy-evaluate's. Returns
 * the exit code. */
int bench_served_main(int argc, char **argv);

#endif
