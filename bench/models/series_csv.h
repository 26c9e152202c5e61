/* series_csv.h: the target column of an input,target CSV (the format
 * eddy-ingest reads), for the model benchmarks. */
#ifndef EDDY_BENCH_SERIES_CSV_H
#define EDDY_BENCH_SERIES_CSV_H

/* Reads up to MAX targets of PATH (after its header line) into YS; returns
 * how many. Exits with a message on an unreadable file, an empty one or a
 * row whose target is not a number. */
int bench_load_series(const char *path, double *ys, int max);

#endif
