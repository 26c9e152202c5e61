/* codec/fields.h: the record tables of codec/records.h as data, for code
 * that walks any record field by field (the codec, eddy-cat, the tests).
 */
#ifndef EDDY_CORE_FIELDS_H
#define EDDY_CORE_FIELDS_H

#include <stddef.h>
#include <stdint.h>

#include "codec/codec.h"
#include "codec/records.h"

#define EDDY_FIELDS_MAX 32 /* fields of one record type, at most */

typedef enum {
    EDDY_FIELD_STRING,  /* char[bound + 1], NUL-terminated */
    EDDY_FIELD_LONG,    /* int64_t */
    EDDY_FIELD_INT,     /* int */
    EDDY_FIELD_DOUBLE,  /* double */
    EDDY_FIELD_FINITE,  /* double; the decoder refuses NaN and Inf */
    EDDY_FIELD_DOUBLES, /* double[bound] with an int count elsewhere in the struct */
    EDDY_FIELD_LONGS,   /* int64_t[bound] with an int count elsewhere in the struct */
} eddy_field_kind_t;

/* Whether fields of KIND are arrays (with an item count). */
static inline int eddy_field_is_array(eddy_field_kind_t kind)
{
    return kind == EDDY_FIELD_DOUBLES || kind == EDDY_FIELD_LONGS;
}

typedef struct eddy_field_s {
    const char *name; /* the Avro field name */
    eddy_field_kind_t kind;
    size_t offset;       /* of the member in the record's struct */
    size_t count_offset; /* arrays: of the int item count; 0 otherwise */
    int bound;           /* STRING: bytes without the NUL; arrays: items */
} eddy_field_t;

/* Checks a decoded record's invariants beyond its fields' own (e.g. that
 * available_lags fits the lags): EDDY_CODEC_OK, or an error with ERRSTR. */
typedef eddy_codec_err_t (*eddy_record_validate_t)(const void *rec, char *errstr,
                                                   size_t errstr_size);

typedef struct eddy_record_desc_s {
    eddy_rec_type_t type;
    const char *type_name;      /* "features" */
    const char *avro_name;      /* the schema's record name, "FeatureVector" */
    const char *schema_json;    /* the built-in schema (schemas/<name>.avsc) */
    int32_t builtin_id;         /* EDDY_SCHEMA_ID_FEATURES */
    size_t size;                /* of the struct, eddy_fv_t */
    const eddy_field_t *fields; /* in table order */
    int n_fields;
    eddy_record_validate_t validate; /* NULL: nothing beyond the fields */
} eddy_record_desc_t;

/* Room for a record of any type (a decoder's scratch). */
typedef union eddy_any_record_u {
    eddy_obs_t obs;
    eddy_fv_t fv;
    eddy_pred_t pred;
    eddy_score_t score;
    eddy_forecast_t forecast;
    eddy_model_event_t model_event;
    eddy_control_t control;
} eddy_any_record_t;

/* The description of TYPE (static storage), or NULL for an invalid type. */
const eddy_record_desc_t *eddy_record_desc(eddy_rec_type_t type);

/* A writer schema the codec knows without a Schema Registry. */
typedef struct eddy_builtin_writer_s {
    eddy_rec_type_t type;
    int32_t id;              /* EDDY_SCHEMA_ID_PREDICTION_V1 */
    const char *schema_json; /* schemas/<name>.avsc, compiled in */
} eddy_builtin_writer_t;

/* The built-in writer schemas (static storage), *N_OUT of them, in id order
 * (the order deploy/docker/register-schemas.sh registers them in): each
 * type's current schema under its builtin_id, and the schemas it had before
 * under the ids they were written with. */
const eddy_builtin_writer_t *eddy_builtin_writers(int *n_out);

/* EDDY_CODEC_OK when V is finite; else EDDY_CODEC_ERR_NOT_FINITE and ERRSTR
 * names WHAT ("target", "lag in_4") and its value. */
eddy_codec_err_t eddy_require_finite(const char *what, double v, char *errstr,
                                     size_t errstr_size);

/* The member of field F in the record REC. */
static inline void *eddy_field_ptr(const eddy_field_t *f, void *rec)
{
    return (char *)rec + f->offset;
}

static inline const void *eddy_field_cptr(const eddy_field_t *f, const void *rec)
{
    return (const char *)rec + f->offset;
}

/* The item count of an array field F in REC. */
static inline int *eddy_field_count(const eddy_field_t *f, void *rec)
{
    return (int *)((char *)rec + f->count_offset);
}

static inline int eddy_field_ccount(const eddy_field_t *f, const void *rec)
{
    return *(const int *)((const char *)rec + f->count_offset);
}

#endif
