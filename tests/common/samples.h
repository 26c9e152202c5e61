/* samples.h: eddy records for the codec's tests, fuzz target and corpus,
 * built and compared through the record tables (codec/fields.h). */
#ifndef EDDY_TEST_SAMPLES_H
#define EDDY_TEST_SAMPLES_H

#include <stddef.h>

#include "codec/fields.h"

/* Reference records with fixed values (the wire golden tests encode them:
 * never change them). */
void sample_obs(eddy_obs_t *obs);
void sample_fv(eddy_fv_t *fv, int n_lags);
void sample_pred(eddy_pred_t *pred, int n_forecast);
/* The reference record of TYPE: sample_obs, or sample_fv / sample_pred with
 * N lags or forecast items. */
void sample_reference(eddy_rec_type_t type, int n, eddy_any_record_t *rec);

/* Fills REC, a record of TYPE, from its table with values that vary with N
 * (0 and up): strings and arrays of min(N, bound) items, longs and doubles
 * from a list of extremes (INT64_MIN, -0.0, the smallest subnormal, ...),
 * ints N / 2 at most so that available_lags <= n_lags. Always decodable. */
void sample_record(eddy_rec_type_t type, int n, void *rec);

/* 0 when A and B, records of TYPE, are equal field by field (doubles bit for
 * bit); else -1 with WHAT naming the first field that differs. */
int record_diff(eddy_rec_type_t type, const void *a, const void *b, char *what,
                size_t what_size);

/* 0 when REC keeps what a decoder promises (bounds, finite numbers, the
 * record's invariants); else -1 with WHAT saying what it breaks. */
int record_check(eddy_rec_type_t type, const void *rec, char *what, size_t what_size);

#endif
