/* codec/codec.h: Confluent-framed Avro encoding of eddy records.
 *
 * Wire format: byte 0 = 0 (magic), bytes 1-4 = schema id (big-endian), then
 * Avro binary. Every byte handed to a decoder is treated as hostile: framing,
 * varints, string and array lengths are checked against the buffer and the
 * record bounds (codec/records.h) by our own walk of the writer's schema
 * before avro-c reads anything, because avro-c 1.11.1 trusts lengths.
 *
 * A codec is not thread-safe (avro-c keeps a global error buffer and the codec
 * reuses one value per record type): use one per thread.
 */
#ifndef EDDY_CORE_CODEC_H
#define EDDY_CORE_CODEC_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "codec/records.h"

/* Built-in schema ids, used when no Schema Registry is configured: the id
 * each record type is written with. An id names one writer schema for good:
 * a record whose schema changes gets a new id, and its old id stays known as
 * a built-in writer (eddy_builtin_writers in codec/fields.h), so the records
 * written before still decode, a field they lack taking its reader default. */
#define EDDY_SCHEMA_ID_OBSERVATION 1
#define EDDY_SCHEMA_ID_FEATURES    2
#define EDDY_SCHEMA_ID_SCORE       4
#define EDDY_SCHEMA_ID_PREDICTION  5 /* with fallback (schemas/prediction.avsc) */
#define EDDY_SCHEMA_ID_FORECAST    9 /* with combination (schemas/forecast.avsc) */
#define EDDY_SCHEMA_ID_MODEL_EVENT 7
#define EDDY_SCHEMA_ID_CONTROL     8
/* Earlier writer schemas: decoded, never written. */
#define EDDY_SCHEMA_ID_PREDICTION_V1 3 /* before fallback (prediction_v1.avsc) */
#define EDDY_SCHEMA_ID_FORECAST_V1   6 /* before combination (forecast_v1.avsc) */

#define EDDY_FRAME_HEADER 5

typedef enum {
    EDDY_CODEC_OK = 0,
    EDDY_CODEC_ERR_EMPTY,          /* no value bytes at all (tombstone) */
    EDDY_CODEC_ERR_SHORT_FRAME,    /* fewer than 5 bytes */
    EDDY_CODEC_ERR_MAGIC,          /* byte 0 is not 0 */
    EDDY_CODEC_ERR_UNKNOWN_SCHEMA, /* schema id not in the table */
    EDDY_CODEC_ERR_WRONG_TYPE,     /* known id, but another record type */
    EDDY_CODEC_ERR_TRUNCATED,      /* Avro body ends inside a field */
    EDDY_CODEC_ERR_BAD_VARINT,     /* varint longer than 10 bytes / int overflow */
    EDDY_CODEC_ERR_BAD_LENGTH,     /* negative string/array length or count */
    EDDY_CODEC_ERR_TOO_LARGE,      /* string or array beyond the record bounds */
    EDDY_CODEC_ERR_TRAILING,       /* bytes left after the record */
    EDDY_CODEC_ERR_NOT_FINITE,     /* NaN or Inf where a number is required */
    EDDY_CODEC_ERR_INVALID,        /* decodes, but violates a record invariant */
    EDDY_CODEC_ERR_AVRO,         /* avro-c refused (should not happen after the walk) */
    EDDY_CODEC_ERR_ENCODE,       /* a record could not be encoded */
    EDDY_CODEC_ERR_INVALID_UTF8, /* a string is not UTF-8 (checked last: the record
                                    is otherwise complete, for consoles) */
    EDDY_CODEC_ERR__COUNT
} eddy_codec_err_t;

typedef struct eddy_codec_s eddy_codec_t;

/* Short, stable, metric-label-safe name of an error ("short_frame"). */
const char *eddy_codec_err_name(eddy_codec_err_t err);

/* The dead-letter reason of a decode error: "decode:" and its name, except
 * EDDY_CODEC_ERR_INVALID_UTF8: "invalid_utf8" (util/reason.h), the reason
 * ingest gives text that is not UTF-8, whichever stage finds it. */
const char *eddy_codec_err_reason(eddy_codec_err_t err);

/* The built-in Avro schema (JSON text) of a record type. */
const char *eddy_codec_schema_json(eddy_rec_type_t type);

/* Creates a codec knowing every built-in writer schema under its built-in id
 * (eddy_builtin_writers), encoding each type with its current one. Returns
 * NULL and fills ERRSTR on failure. */
eddy_codec_t *eddy_codec_new(char *errstr, size_t errstr_size);

/* Frees CODEC; NULL is a no-op. */
void eddy_codec_destroy(eddy_codec_t *codec);

/* Makes ID the id written for TYPE (e.g. one assigned by a registry) and
 * accepts it on decode. An ID the codec already knows for TYPE (an older
 * built-in writer, EDDY_SCHEMA_ID_PREDICTION_V1) is written with that
 * writer's schema: the fields it lacks are left out. -1 when ID is known as
 * another type's. */
int eddy_codec_set_id(eddy_codec_t *codec, eddy_rec_type_t type, int32_t id);

/* Teaches the codec another writer schema (JSON) for TYPE under ID, so
 * records written with an evolved schema decode by field name. */
int eddy_codec_add_writer(eddy_codec_t *codec, eddy_rec_type_t type, int32_t id,
                          const char *schema_json, char *errstr, size_t errstr_size);

/* Reads the schema id of a framed value without decoding it. */
eddy_codec_err_t eddy_codec_peek_id(const void *buf, size_t len, int32_t *id);

/* The record type registered under ID, or -1. */
int eddy_codec_type_of(const eddy_codec_t *codec, int32_t id);

/* Encodes REC, the struct of TYPE (eddy_obs_t, eddy_fv_t, eddy_pred_t or
 * eddy_score_t), with the writer schema currently set for TYPE. On success *OUT points
 * into a buffer owned by the codec, valid until the next encode call. An array count
 * outside its bound, an invalid TYPE or a writer field of another shape give
 * EDDY_CODEC_ERR_ENCODE. */
eddy_codec_err_t eddy_codec_encode(eddy_codec_t *codec, eddy_rec_type_t type,
                                   const void *rec, const void **out, size_t *out_len);

/* Decodes a framed value of TYPE into REC (the struct of TYPE): every field
 * by name from the writer's schema, a field the writer lacks from the
 * reader's default; then the finite checks and the record's invariants. On
 * error returns its code and describes it in ERRSTR (which names the
 * offending value and what was expected); REC is then partly filled. */
eddy_codec_err_t eddy_codec_decode(eddy_codec_t *codec, eddy_rec_type_t type,
                                   const void *buf, size_t len, void *rec, char *errstr,
                                   size_t errstr_size);

/* Typed forms of eddy_codec_encode. */
eddy_codec_err_t eddy_codec_encode_obs(eddy_codec_t *codec, const eddy_obs_t *obs,
                                       const void **out, size_t *out_len);
eddy_codec_err_t eddy_codec_encode_fv(eddy_codec_t *codec, const eddy_fv_t *fv,
                                      const void **out, size_t *out_len);
eddy_codec_err_t eddy_codec_encode_pred(eddy_codec_t *codec, const eddy_pred_t *pred,
                                        const void **out, size_t *out_len);

/* Typed forms of eddy_codec_decode. */
eddy_codec_err_t eddy_codec_decode_obs(eddy_codec_t *codec, const void *buf, size_t len,
                                       eddy_obs_t *obs, char *errstr,
                                       size_t errstr_size);
eddy_codec_err_t eddy_codec_decode_fv(eddy_codec_t *codec, const void *buf, size_t len,
                                      eddy_fv_t *fv, char *errstr, size_t errstr_size);
eddy_codec_err_t eddy_codec_decode_pred(eddy_codec_t *codec, const void *buf,
                                        size_t len, eddy_pred_t *pred, char *errstr,
                                        size_t errstr_size);

/* ---- schema evolution and registries
 *
 * Decoding always uses the writer's schema (found by the id in the frame)
 * and copies our fields by name. A field of ours that the writer lacks takes
 * the default declared in the reader schema (the built-in one unless
 * eddy_codec_set_reader_schema replaced it); without a declared default it
 * is zero / empty. Defaults are parsed from the schema JSON with jansson,
 * since avro-c does not keep them. */

/* Returns the JSON text of the schema registered under ID (malloc'd; the
 * codec frees it), or NULL with ERRSTR filled. */
typedef char *(*eddy_codec_resolver_t)(void *opaque, int32_t id, char *errstr,
                                       size_t errstr_size);

/* Installs RESOLVER, called on a schema id the codec does not know; the
 * schema it returns is added as a writer (its record name, Observation,
 * FeatureVector, Prediction or Score, gives the type; any other record is kept for
 * eddy_codec_decode_json only). From then on the ids are the resolver's:
 * the built-in ids are no longer accepted on decode, and encoding uses the
 * built-in ids only until eddy_codec_set_id gives the resolver's. */
void eddy_codec_set_resolver(eddy_codec_t *codec, eddy_codec_resolver_t resolver,
                             void *opaque);

/* Makes sure ID is known (asking the resolver when it is not). Returns the
 * record type, EDDY_REC__COUNT for a record that is not one of eddy's, or -1
 * with ERRSTR filled. */
int eddy_codec_resolve(eddy_codec_t *codec, int32_t id, char *errstr,
                       size_t errstr_size);

/* Replaces the reader schema of TYPE whose declared defaults fill the fields
 * a writer lacks. SCHEMA_JSON must be a record schema. 0, or -1 + ERRSTR. */
int eddy_codec_set_reader_schema(eddy_codec_t *codec, eddy_rec_type_t type,
                                 const char *schema_json, char *errstr,
                                 size_t errstr_size);

/* Decodes any framed record (any writer schema, eddy's or not) to JSON with
 * the same checks as the typed decoders: records are objects, longs integers,
 * bytes and fixed hex strings, unions their branch's value, enums their
 * symbol. On success *OUT is a new reference and *SCHEMA_JSON (when not
 * NULL) the writer's schema text, owned by the codec. */
eddy_codec_err_t eddy_codec_decode_json(eddy_codec_t *codec, const void *buf,
                                        size_t len, json_t **out,
                                        const char **schema_json, char *errstr,
                                        size_t errstr_size);

#endif
