/* eddy_model.h: the one interface every online learner implements.
 *
 * Models are pure: no I/O, no clock, no global state. All randomness comes
 * from the seed given at creation, so the same inputs give bit-identical
 * outputs. One model instance serves one (model name, series) pair.
 *
 * Features are lag vectors: x[0] is in_1 (the most recent previous value),
 * x[n_features-1] the oldest. Prequential use is predict(x) then learn(x, y).
 */
#ifndef EDDY_MODEL_H
#define EDDY_MODEL_H

#include <stddef.h>
#include <stdint.h>

#include "util/buf.h"

typedef struct eddy_model_s eddy_model_t;

/* n_features passed as 0 to eddy_model_new means this default. */
#define EDDY_MODEL_DEFAULT_FEATURES 15
/* Largest lag count a model accepts (matches EDDY_LAGS_MAX). */
#define EDDY_MODEL_MAX_FEATURES 256

/* Comma-separated list of every model name, for help and error messages. */
const char *eddy_model_names(void);

/* Number of models, and the I-th one's name (NULL out of range), in the
 * order of eddy_model_names(). */
int eddy_model_count(void);
const char *eddy_model_name_at(int i);

/* The option map of a model's hyperparameters (util/opts.h rows ending
 * with a NULL name; defaults, bounds, help), or NULL for an unknown name. */
const struct eddy_opt_s *eddy_model_params(const char *name);

/* One-line description of a model (what it is and its River equivalent; its
 * parameters and their defaults are its map, eddy_model_params), or NULL for
 * an unknown name. */
const char *eddy_model_describe(const char *name);

/* 1 when NAME is a known model. */
int eddy_model_exists(const char *name);

/* A deterministic 64-bit seed for (model, series), stable across runs. */
uint64_t eddy_model_seed(const char *model_name, const char *series_id);

/* Creates a model. PARAMS is NULL or "key=value[,key=value...]" overriding
 * hyperparameters (e.g. "l2=0.5"). Returns NULL and fills ERRSTR on an
 * unknown name, an unknown parameter key (the message lists the known ones)
 * or a bad value. The caller owns the result (eddy_model_destroy). */
eddy_model_t *eddy_model_new(const char *name, int n_features, const char *params,
                             uint64_t seed, char *errstr, size_t errstr_size);

/* Frees MODEL; NULL is a no-op. */
void eddy_model_destroy(eddy_model_t *model);

/* The model's registered name. */
const char *eddy_model_name(const eddy_model_t *model);

/* Number of lag features the model was created with. */
int eddy_model_n_features(const eddy_model_t *model);

/* Prediction for feature vector X (n_features values). Does not change the
 * model's observable state. */
double eddy_model_predict(eddy_model_t *model, const double *x);

/* Learns one (X, Y) pair. */
void eddy_model_learn(eddy_model_t *model, const double *x, double y);

/* NULL while MODEL predicts from what it learned; otherwise a static,
 * human-readable reason why it predicts its documented fallback instead (e.g.
 * multiplicative Holt-Winters refused a series with a target <= 0), for the
 * caller to log once per series. */
const char *eddy_model_trouble(const eddy_model_t *model);

/* Recursive forecast of the next H steps after learning. X_NEXT is the lag
 * vector of the next step (its in_1 is the last learned target). OUT gets H
 * values: out[0] = predict(x_next); each later step shifts the previous
 * prediction in as in_1. The model is left unchanged. */
void eddy_model_forecast(eddy_model_t *model, const double *x_next, double *out, int h);

/* Serialises the whole model state (name, params and learned state) into a
 * malloc'ed buffer the caller frees. Returns 0, or -1 on allocation failure.
 * Byte order is little-endian, fixed-width; doubles are stored bit-exact. */
int eddy_model_snapshot(const eddy_model_t *model, uint8_t **buf, size_t *len);

/* The same snapshot appended to OUT (a util/snapshot.h frame of kind "EMDL").
 * Returns 0, or -1 on allocation failure. */
int eddy_model_save(const eddy_model_t *model, eddy_buf_t *out);

/* Rebuilds a model from a snapshot. Returns NULL and fills ERRSTR on a
 * truncated, corrupt or unknown snapshot; never reads past LEN. */
eddy_model_t *eddy_model_restore(const uint8_t *buf, size_t len, char *errstr,
                                 size_t errstr_size);

#endif
