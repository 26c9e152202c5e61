/* util/reason.h: why a record was dead-lettered or skipped, one row each.
 *
 * The name is the label written to the eddy.error header of a dead letter
 * and to the reason label of eddy_stage_deadletter_total /
 * eddy_stage_skipped_total. Decode failures carry the codec's own
 * "decode:<name>" reasons (codec/codec.h), which are not repeated here.
 */
#ifndef EDDY_UTIL_REASON_H
#define EDDY_UTIL_REASON_H

#define EDDY_REASONS(X)                                                                \
    X(KEY_TOO_LARGE, "key_too_large")     /* loop: key longer than a series id */      \
    X(VALUE_TOO_LARGE, "value_too_large") /* loop: over --max-value-bytes */           \
    X(BAD_ROW, "bad_row")                 /* ingest: unparsable input row */           \
    X(SERIES_CAP, "series_cap")           /* stage: --max-series reached */            \
    X(NOMEM, "nomem")                     /* stage: out of memory */                   \
    X(ENCODE, "encode")                   /* stage: output failed to encode */         \
    X(WRONG_LAG_COUNT, "wrong_lag_count") /* learn: features of another width */       \
    X(MODEL_ERROR, "model_error")         /* learn: the model refused the record */    \
    X(INVALID_PREDICTION, "invalid_prediction") /* metrics: not a usable prediction */ \
    X(DUPLICATE_SEQ, "duplicate_seq")           /* skipped: seq already seen */        \
    X(INVALID_UTF8, "invalid_utf8")             /* text that is not UTF-8 */           \
    X(LATE, "late") /* features: event time before the series' last */                 \
    X(CONFLICTING_DUPLICATE,                                                           \
      "conflicting_duplicate") /* features: same time, other value */                  \
    X(DUPLICATE,                                                                       \
      "duplicate") /* skipped (features): same series, event time and value */

typedef enum eddy_reason_e {
#define EDDY_REASON_ENUM(id, name) EDDY_REASON_##id,
    EDDY_REASONS(EDDY_REASON_ENUM)
#undef EDDY_REASON_ENUM
        EDDY_REASON_COUNT
} eddy_reason_t;

/* The reason's label ("key_too_large"); "unknown" outside the table. */
const char *eddy_reason_name(eddy_reason_t reason);

#endif
