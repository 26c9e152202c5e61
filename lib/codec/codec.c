/* codec/codec.c: framing, a bounds-checking walk of Avro binary, and field
 * access by name through avro-c's generic values. One encoder and one decoder
 * serve every record type, walking its table (codec/fields.h). */
#include "codec/codec.h"

#include <avro.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codec/fields.h"
#include "util/hex.h"
#include "util/utf8.h"

#define WRITERS_MAX     64
#define WALK_DEPTH_MAX  32
#define WALK_STRING_MAX (1 << 20)
#define WALK_ITEMS_MAX  65536

typedef struct writer_s {
    int32_t id;
    eddy_rec_type_t type; /* EDDY_REC__COUNT: a record that is not eddy's */
    int builtin;          /* one of the built-in schemas under its built-in id */
    int hidden;           /* never matched on decode (built-in ids under a registry) */
    char *json;           /* the schema text */
    const eddy_record_desc_t *desc; /* TYPE's fields; NULL: not eddy's */
    const json_t *const *defaults;  /* the reader defaults of TYPE, by field */
    avro_schema_t schema;
    avro_value_iface_t *iface;
    avro_value_t value;
    int field_index[EDDY_FIELDS_MAX]; /* by field of TYPE; -1: the writer lacks it */
} writer_t;

struct eddy_codec_s {
    writer_t writers[WRITERS_MAX];
    int n_writers;
    int current[EDDY_REC__COUNT]; /* writer used to encode each type */
    avro_writer_t out_writer;
    uint8_t *out;
    size_t out_size;
    avro_reader_t in_reader;
    eddy_codec_resolver_t resolver;
    void *resolver_opaque;
    json_t *defaults[EDDY_REC__COUNT + 1][EDDY_FIELDS_MAX]; /* NULL: none declared */
};

static const char *const err_names[EDDY_CODEC_ERR__COUNT] = {
    "ok",          "empty",          "short_frame",
    "bad_magic",   "unknown_schema", "wrong_type",
    "truncated",   "bad_varint",     "bad_length",
    "too_large",   "trailing_bytes", "not_finite",
    "invalid",     "avro",           "encode",
    "invalid_utf8"};

const char *eddy_codec_err_reason(eddy_codec_err_t err)
{
    static const char *const reasons[EDDY_CODEC_ERR__COUNT] = {
        "decode:ok",        "decode:empty",          "decode:short_frame",
        "decode:bad_magic", "decode:unknown_schema", "decode:wrong_type",
        "decode:truncated", "decode:bad_varint",     "decode:bad_length",
        "decode:too_large", "decode:trailing_bytes", "decode:not_finite",
        "decode:invalid",   "decode:avro",           "decode:encode",
        "invalid_utf8"};
    if ((int)err < 0 || err >= EDDY_CODEC_ERR__COUNT)
        return "decode:unknown";
    return reasons[err];
}

const char *eddy_codec_err_name(eddy_codec_err_t err)
{
    if ((int)err < 0 || err >= EDDY_CODEC_ERR__COUNT)
        return "unknown";
    return err_names[err];
}

const char *eddy_codec_schema_json(eddy_rec_type_t type)
{
    const eddy_record_desc_t *d = eddy_record_desc(type);
    return d ? d->schema_json : NULL;
}

static void writer_release(writer_t *w)
{
    free(w->json);
    avro_value_decref(&w->value);
    avro_value_iface_decref(w->iface);
    avro_schema_decref(w->schema);
}

static writer_t *writer_find(const eddy_codec_t *codec, int32_t id)
{
    for (int i = 0; i < codec->n_writers; i++)
        if (codec->writers[i].id == id && !codec->writers[i].hidden)
            return (writer_t *)&codec->writers[i];
    return NULL;
}

/* The type named by a record schema's name (namespace aside), or
 * EDDY_REC__COUNT for a record that is not one of eddy's. */
static eddy_rec_type_t type_of_schema(avro_schema_t schema)
{
    const char *name = avro_schema_name(schema);

    for (int t = 0; name && t < EDDY_REC__COUNT; t++)
        if (!strcmp(name, eddy_record_desc((eddy_rec_type_t)t)->avro_name))
            return (eddy_rec_type_t)t;
    return EDDY_REC__COUNT;
}

/* TYPE -1: take the type from the record's name. */
static int add_writer(eddy_codec_t *codec, int type, int32_t id,
                      const char *schema_json, char *errstr, size_t errstr_size)
{
    writer_t w = {.id = id};

    if (writer_find(codec, id)) {
        snprintf(errstr, errstr_size, "schema id %d is already known", (int)id);
        return -1;
    }
    if (codec->n_writers == WRITERS_MAX) {
        snprintf(errstr, errstr_size, "too many writer schemas (max %d)", WRITERS_MAX);
        return -1;
    }
    if (avro_schema_from_json_length(schema_json, strlen(schema_json), &w.schema)) {
        snprintf(errstr, errstr_size, "schema id %d: invalid Avro schema: %s", (int)id,
                 avro_strerror());
        return -1;
    }
    if (avro_typeof(w.schema) != AVRO_RECORD) {
        snprintf(errstr, errstr_size, "schema id %d: not a record schema", (int)id);
        avro_schema_decref(w.schema);
        return -1;
    }
    w.type = type < 0 ? type_of_schema(w.schema) : (eddy_rec_type_t)type;
    if ((int)w.type < 0 || w.type > EDDY_REC__COUNT) {
        snprintf(errstr, errstr_size, "schema id %d: invalid record type %d", (int)id,
                 type);
        avro_schema_decref(w.schema);
        return -1;
    }
    if (!(w.json = strdup(schema_json))) {
        snprintf(errstr, errstr_size, "out of memory");
        avro_schema_decref(w.schema);
        return -1;
    }
    w.defaults = (const json_t *const *)codec->defaults[w.type];
    w.iface = avro_generic_class_from_schema(w.schema);
    if (!w.iface || avro_generic_value_new(w.iface, &w.value)) {
        snprintf(errstr, errstr_size, "schema id %d: %s", (int)id, avro_strerror());
        avro_value_iface_decref(w.iface);
        avro_schema_decref(w.schema);
        free(w.json);
        return -1;
    }
    w.desc = eddy_record_desc(w.type);
    for (int f = 0; w.desc && f < w.desc->n_fields; f++)
        w.field_index[f] =
            avro_schema_record_field_get_index(w.schema, w.desc->fields[f].name);
    codec->writers[codec->n_writers++] = w;
    return 0;
}

int eddy_codec_add_writer(eddy_codec_t *codec, eddy_rec_type_t type, int32_t id,
                          const char *schema_json, char *errstr, size_t errstr_size)
{
    if ((int)type < 0 || type >= EDDY_REC__COUNT) {
        snprintf(errstr, errstr_size, "schema id %d: invalid record type %d", (int)id,
                 (int)type);
        return -1;
    }
    return add_writer(codec, type, id, schema_json, errstr, errstr_size);
}

int eddy_codec_set_reader_schema(eddy_codec_t *codec, eddy_rec_type_t type,
                                 const char *schema_json, char *errstr,
                                 size_t errstr_size)
{
    json_error_t jerr;
    json_t *root = json_loads(schema_json, 0, &jerr), *fields, *field;
    size_t i;

    if ((int)type < 0 || type >= EDDY_REC__COUNT) {
        snprintf(errstr, errstr_size, "invalid record type %d", (int)type);
        json_decref(root);
        return -1;
    }
    if (!root) {
        snprintf(errstr, errstr_size, "reader schema is not JSON: %s (line %d)",
                 jerr.text, jerr.line);
        return -1;
    }
    fields = json_object_get(root, "fields");
    if (!json_is_array(fields) || !json_is_string(json_object_get(root, "type")) ||
        strcmp(json_string_value(json_object_get(root, "type")), "record")) {
        snprintf(errstr, errstr_size, "reader schema is not a record with fields");
        json_decref(root);
        return -1;
    }
    for (int f = 0; f < EDDY_FIELDS_MAX; f++) {
        json_decref(codec->defaults[type][f]);
        codec->defaults[type][f] = NULL;
    }
    json_array_foreach(fields, i, field)
    {
        const char *name = json_string_value(json_object_get(field, "name"));
        json_t *def = json_object_get(field, "default");

        for (int f = 0; name && def && f < eddy_record_desc(type)->n_fields; f++)
            if (!strcmp(name, eddy_record_desc(type)->fields[f].name))
                codec->defaults[type][f] = json_incref(def);
    }
    json_decref(root);
    return 0;
}

void eddy_codec_set_resolver(eddy_codec_t *codec, eddy_codec_resolver_t resolver,
                             void *opaque)
{
    codec->resolver = resolver;
    codec->resolver_opaque = opaque;
    for (int i = 0; i < codec->n_writers; i++)
        if (codec->writers[i].builtin)
            codec->writers[i].hidden = 1;
}

/* The writer of ID, asking the resolver when the codec does not know it. */
static writer_t *writer_resolve(eddy_codec_t *codec, int32_t id, char *errstr,
                                size_t errstr_size)
{
    writer_t *w = writer_find(codec, id);
    char *json;
    int rc;

    if (w)
        return w;
    if (!codec->resolver) {
        snprintf(errstr, errstr_size,
                 "unknown schema id %d: not a built-in id; point the stage at the "
                 "Schema Registry that wrote it (--schema-registry)",
                 (int)id);
        return NULL;
    }
    if (!(json = codec->resolver(codec->resolver_opaque, id, errstr, errstr_size)))
        return NULL;
    rc = add_writer(codec, -1, id, json, errstr, errstr_size);
    free(json);
    return rc ? NULL : writer_find(codec, id);
}

int eddy_codec_resolve(eddy_codec_t *codec, int32_t id, char *errstr,
                       size_t errstr_size)
{
    writer_t *w = writer_resolve(codec, id, errstr, errstr_size);
    return w ? (int)w->type : -1;
}

int eddy_codec_set_id(eddy_codec_t *codec, eddy_rec_type_t type, int32_t id)
{
    writer_t *w = writer_find(codec, id);
    char err[256];

    if (!w) {
        if (eddy_codec_add_writer(codec, type, id, eddy_codec_schema_json(type), err,
                                  sizeof(err)))
            return -1;
        w = writer_find(codec, id);
    }
    if (!w || w->type != type)
        return -1;
    codec->current[type] = (int)(w - codec->writers);
    return 0;
}

eddy_codec_t *eddy_codec_new(char *errstr, size_t errstr_size)
{
    eddy_codec_t *codec = calloc(1, sizeof(*codec));

    if (!codec) {
        snprintf(errstr, errstr_size, "out of memory");
        return NULL;
    }
    for (int t = 0; t < EDDY_REC__COUNT; t++) {
        if (eddy_codec_add_writer(codec, (eddy_rec_type_t)t,
                                  eddy_record_desc((eddy_rec_type_t)t)->builtin_id,
                                  eddy_codec_schema_json((eddy_rec_type_t)t), errstr,
                                  errstr_size))
            goto err;
        codec->current[t] = t;
        codec->writers[t].builtin = 1;
        if (eddy_codec_set_reader_schema(codec, (eddy_rec_type_t)t,
                                         eddy_codec_schema_json((eddy_rec_type_t)t),
                                         errstr, errstr_size))
            goto err;
    }
    codec->out_size = 4096;
    codec->out = malloc(codec->out_size);
    codec->out_writer = avro_writer_memory((const char *)codec->out, 0);
    codec->in_reader = avro_reader_memory("", 0);
    if (!codec->out || !codec->out_writer || !codec->in_reader) {
        snprintf(errstr, errstr_size, "out of memory");
        goto err;
    }
    return codec;
err:
    eddy_codec_destroy(codec);
    return NULL;
}

void eddy_codec_destroy(eddy_codec_t *codec)
{
    if (!codec)
        return;
    for (int i = 0; i < codec->n_writers; i++)
        writer_release(&codec->writers[i]);
    for (int t = 0; t <= EDDY_REC__COUNT; t++)
        for (int f = 0; f < EDDY_FIELDS_MAX; f++)
            json_decref(codec->defaults[t][f]);
    if (codec->out_writer)
        avro_writer_free(codec->out_writer);
    if (codec->in_reader)
        avro_reader_free(codec->in_reader);
    free(codec->out);
    free(codec);
}

eddy_codec_err_t eddy_codec_peek_id(const void *buf, size_t len, int32_t *id)
{
    const uint8_t *b = buf;

    if (!buf || len == 0)
        return EDDY_CODEC_ERR_EMPTY;
    if (len < EDDY_FRAME_HEADER)
        return EDDY_CODEC_ERR_SHORT_FRAME;
    if (b[0] != 0)
        return EDDY_CODEC_ERR_MAGIC;
    *id = (int32_t)(((uint32_t)b[1] << 24) | ((uint32_t)b[2] << 16) |
                    ((uint32_t)b[3] << 8) | (uint32_t)b[4]);
    return EDDY_CODEC_OK;
}

int eddy_codec_type_of(const eddy_codec_t *codec, int32_t id)
{
    const writer_t *w = writer_find(codec, id);
    return w && w->type < EDDY_REC__COUNT ? (int)w->type : -1;
}

/* ---- the walk: validates Avro binary against a schema without allocating */

typedef struct cursor_s {
    const uint8_t *p;
    const uint8_t *end;
} cursor_t;

static eddy_codec_err_t rd_varint(cursor_t *c, int64_t *v)
{
    uint64_t u = 0;

    for (int i = 0; i < 10; i++) {
        uint8_t b;
        if (c->p >= c->end)
            return EDDY_CODEC_ERR_TRUNCATED;
        b = *c->p++;
        if (i == 9 && b > 1)
            return EDDY_CODEC_ERR_BAD_VARINT;
        u |= (uint64_t)(b & 0x7f) << (7 * i);
        if (!(b & 0x80)) {
            *v = (int64_t)((u >> 1) ^ (0 - (u & 1)));
            return EDDY_CODEC_OK;
        }
    }
    return EDDY_CODEC_ERR_BAD_VARINT;
}

static eddy_codec_err_t skip(cursor_t *c, int64_t n)
{
    if (n < 0)
        return EDDY_CODEC_ERR_BAD_LENGTH;
    if (n > c->end - c->p)
        return EDDY_CODEC_ERR_TRUNCATED;
    c->p += n;
    return EDDY_CODEC_OK;
}

static eddy_codec_err_t walk(avro_schema_t s, cursor_t *c, int depth);

static eddy_codec_err_t walk_blocks(avro_schema_t items, int is_map, cursor_t *c,
                                    int depth)
{
    int64_t total = 0, count, size;
    eddy_codec_err_t err;

    for (;;) {
        if ((err = rd_varint(c, &count)))
            return err;
        if (count == 0)
            return EDDY_CODEC_OK;
        if (count < 0) {
            if (count == INT64_MIN)
                return EDDY_CODEC_ERR_BAD_LENGTH;
            count = -count;
            if ((err = rd_varint(c, &size)))
                return err;
            if (size < 0)
                return EDDY_CODEC_ERR_BAD_LENGTH;
            if (size > c->end - c->p)
                return EDDY_CODEC_ERR_TRUNCATED;
        }
        if (count > WALK_ITEMS_MAX - total)
            return EDDY_CODEC_ERR_TOO_LARGE;
        total += count;
        for (int64_t i = 0; i < count; i++) {
            if (is_map) {
                int64_t klen;
                if ((err = rd_varint(c, &klen)) || (err = skip(c, klen)))
                    return err;
            }
            if ((err = walk(items, c, depth + 1)))
                return err;
        }
    }
}

static eddy_codec_err_t walk(avro_schema_t s, cursor_t *c, int depth)
{
    int64_t v;
    eddy_codec_err_t err;

    if (depth > WALK_DEPTH_MAX)
        return EDDY_CODEC_ERR_TOO_LARGE;
    switch (avro_typeof(s)) {
    case AVRO_STRING:
    case AVRO_BYTES:
        if ((err = rd_varint(c, &v)))
            return err;
        if (v > WALK_STRING_MAX)
            return v > c->end - c->p ? EDDY_CODEC_ERR_TRUNCATED
                                     : EDDY_CODEC_ERR_TOO_LARGE;
        return skip(c, v);
    case AVRO_INT32:
        if ((err = rd_varint(c, &v)))
            return err;
        return v < INT32_MIN || v > INT32_MAX ? EDDY_CODEC_ERR_BAD_VARINT
                                              : EDDY_CODEC_OK;
    case AVRO_INT64:
        return rd_varint(c, &v);
    case AVRO_FLOAT:
        return skip(c, 4);
    case AVRO_DOUBLE:
        return skip(c, 8);
    case AVRO_BOOLEAN:
        if (c->p >= c->end)
            return EDDY_CODEC_ERR_TRUNCATED;
        return *c->p++ > 1 ? EDDY_CODEC_ERR_INVALID : EDDY_CODEC_OK;
    case AVRO_NULL:
        return EDDY_CODEC_OK;
    case AVRO_FIXED:
        return skip(c, avro_schema_fixed_size(s));
    case AVRO_ENUM:
        if ((err = rd_varint(c, &v)))
            return err;
        return v < 0 || v >= avro_schema_enum_number_of_symbols(s)
                   ? EDDY_CODEC_ERR_INVALID
                   : EDDY_CODEC_OK;
    case AVRO_UNION:
        if ((err = rd_varint(c, &v)))
            return err;
        if (v < 0 || v >= (int64_t)avro_schema_union_size(s))
            return EDDY_CODEC_ERR_INVALID;
        return walk(avro_schema_union_branch(s, (int)v), c, depth + 1);
    case AVRO_ARRAY:
        return walk_blocks(avro_schema_array_items(s), 0, c, depth);
    case AVRO_MAP:
        return walk_blocks(avro_schema_map_values(s), 1, c, depth);
    case AVRO_RECORD:
        for (size_t i = 0; i < avro_schema_record_size(s); i++)
            if ((err = walk(avro_schema_record_field_get_by_index(s, (int)i), c,
                            depth + 1)))
                return err;
        return EDDY_CODEC_OK;
    case AVRO_LINK:
        return walk(avro_schema_link_target(s), c, depth + 1);
    default:
        return EDDY_CODEC_ERR_INVALID;
    }
}

/* ---- encode */

static int set_long(avro_value_t *field, int64_t v)
{
    return avro_value_get_type(field) == AVRO_INT32
               ? avro_value_set_int(field, (int32_t)v)
               : avro_value_set_long(field, v);
}

/* Appends the N items of an array field of KIND (DOUBLES or LONGS) at V. */
static int set_array(avro_value_t *field, eddy_field_kind_t kind, const void *v, int n)
{
    avro_value_t item;

    for (int i = 0; i < n; i++) {
        if (avro_value_append(field, &item, NULL))
            return -1;
        if (kind == EDDY_FIELD_LONGS
                ? set_long(&item, ((const int64_t *)v)[i])
                : avro_value_set_double(&item, ((const double *)v)[i]))
            return -1;
    }
    return 0;
}

/* Sets the writer's field F (by the table of its type) from REC. */
static int set_field(writer_t *w, int f, const void *rec)
{
    const eddy_field_t *fd = &w->desc->fields[f];
    const void *p = eddy_field_cptr(fd, rec);
    avro_value_t field;

    if (w->field_index[f] < 0)
        return 0;
    if (avro_value_get_by_index(&w->value, (size_t)w->field_index[f], &field, NULL))
        return -1;
    switch (fd->kind) {
    case EDDY_FIELD_STRING:
        return avro_value_set_string(&field, p);
    case EDDY_FIELD_LONG:
        return set_long(&field, *(const int64_t *)p);
    case EDDY_FIELD_INT:
        return set_long(&field, *(const int *)p);
    case EDDY_FIELD_DOUBLE:
    case EDDY_FIELD_FINITE:
        return avro_value_set_double(&field, *(const double *)p);
    case EDDY_FIELD_DOUBLES:
    case EDDY_FIELD_LONGS:
        return set_array(&field, fd->kind, p, eddy_field_ccount(fd, rec));
    }
    return -1;
}

/* Whether every array count of REC is within its bound. */
static int counts_ok(const eddy_record_desc_t *d, const void *rec)
{
    for (int f = 0; f < d->n_fields; f++) {
        const eddy_field_t *fd = &d->fields[f];
        if (eddy_field_is_array(fd->kind) &&
            (eddy_field_ccount(fd, rec) < 0 || eddy_field_ccount(fd, rec) > fd->bound))
            return 0;
    }
    return 1;
}

static eddy_codec_err_t finish_encode(eddy_codec_t *codec, writer_t *w,
                                      const void **out, size_t *out_len)
{
    size_t size;

    if (avro_value_sizeof(&w->value, &size))
        return EDDY_CODEC_ERR_ENCODE;
    if (size + EDDY_FRAME_HEADER > codec->out_size) {
        size_t n = (size + EDDY_FRAME_HEADER) * 2;
        uint8_t *p = realloc(codec->out, n);
        if (!p)
            return EDDY_CODEC_ERR_ENCODE;
        codec->out = p;
        codec->out_size = n;
    }
    codec->out[0] = 0;
    codec->out[1] = (uint8_t)((uint32_t)w->id >> 24);
    codec->out[2] = (uint8_t)((uint32_t)w->id >> 16);
    codec->out[3] = (uint8_t)((uint32_t)w->id >> 8);
    codec->out[4] = (uint8_t)w->id;
    avro_writer_memory_set_dest(
        codec->out_writer, (const char *)codec->out + EDDY_FRAME_HEADER, (int64_t)size);
    if (avro_value_write(codec->out_writer, &w->value))
        return EDDY_CODEC_ERR_ENCODE;
    *out = codec->out;
    *out_len = size + EDDY_FRAME_HEADER;
    return EDDY_CODEC_OK;
}

eddy_codec_err_t eddy_codec_encode(eddy_codec_t *codec, eddy_rec_type_t type,
                                   const void *rec, const void **out, size_t *out_len)
{
    const eddy_record_desc_t *d = eddy_record_desc(type);
    writer_t *w;

    if (!d || !counts_ok(d, rec))
        return EDDY_CODEC_ERR_ENCODE;
    w = &codec->writers[codec->current[type]];
    avro_value_reset(&w->value);
    for (int f = 0; f < d->n_fields; f++)
        if (set_field(w, f, rec))
            return EDDY_CODEC_ERR_ENCODE;
    return finish_encode(codec, w, out, out_len);
}

eddy_codec_err_t eddy_codec_encode_obs(eddy_codec_t *codec, const eddy_obs_t *obs,
                                       const void **out, size_t *out_len)
{
    return eddy_codec_encode(codec, EDDY_REC_OBSERVATION, obs, out, out_len);
}

eddy_codec_err_t eddy_codec_encode_fv(eddy_codec_t *codec, const eddy_fv_t *fv,
                                      const void **out, size_t *out_len)
{
    return eddy_codec_encode(codec, EDDY_REC_FEATURES, fv, out, out_len);
}

eddy_codec_err_t eddy_codec_encode_pred(eddy_codec_t *codec, const eddy_pred_t *pred,
                                        const void **out, size_t *out_len)
{
    return eddy_codec_encode(codec, EDDY_REC_PREDICTION, pred, out, out_len);
}

/* ---- decode */

/* TYPE EDDY_REC__COUNT: any record. */
static eddy_codec_err_t begin_decode(eddy_codec_t *codec, eddy_rec_type_t type,
                                     const void *buf, size_t len, writer_t **wp,
                                     char *errstr, size_t errstr_size)
{
    int32_t id = 0;
    writer_t *w;
    cursor_t c;
    eddy_codec_err_t err = eddy_codec_peek_id(buf, len, &id);

    switch (err) {
    case EDDY_CODEC_OK:
        break;
    case EDDY_CODEC_ERR_EMPTY:
        snprintf(errstr, errstr_size, "empty value: expected a framed %s record",
                 eddy_rec_type_name(type));
        return err;
    case EDDY_CODEC_ERR_SHORT_FRAME:
        snprintf(errstr, errstr_size,
                 "value of %zu bytes is shorter than the 5-byte frame header", len);
        return err;
    default:
        snprintf(errstr, errstr_size,
                 "first byte is 0x%02x, not the 0x00 magic of the Confluent framing: "
                 "not an eddy/Schema Registry record",
                 ((const uint8_t *)buf)[0]);
        return err;
    }
    if (!(w = writer_resolve(codec, id, errstr, errstr_size)))
        return EDDY_CODEC_ERR_UNKNOWN_SCHEMA;
    if (w->type != type && type != EDDY_REC__COUNT) {
        snprintf(errstr, errstr_size, "schema id %d is a %s record, expected %s",
                 (int)id, eddy_rec_type_name(w->type), eddy_rec_type_name(type));
        return EDDY_CODEC_ERR_WRONG_TYPE;
    }
    c.p = (const uint8_t *)buf + EDDY_FRAME_HEADER;
    c.end = (const uint8_t *)buf + len;
    if ((err = walk(w->schema, &c, 0)) == EDDY_CODEC_OK && c.p != c.end)
        err = EDDY_CODEC_ERR_TRAILING;
    if (err) {
        snprintf(errstr, errstr_size, "malformed Avro body (%s) at byte %ld of %zu",
                 eddy_codec_err_name(err), (long)(c.p - (const uint8_t *)buf), len);
        return err;
    }
    avro_reader_memory_set_source(codec->in_reader,
                                  (const char *)buf + EDDY_FRAME_HEADER,
                                  (int64_t)(len - EDDY_FRAME_HEADER));
    avro_value_reset(&w->value);
    if (avro_value_read(codec->in_reader, &w->value)) {
        snprintf(errstr, errstr_size, "avro-c could not read the record: %s",
                 avro_strerror());
        return EDDY_CODEC_ERR_AVRO;
    }
    *wp = w;
    return EDDY_CODEC_OK;
}

/* The writer's field F (the current branch of a union); -1 when the writer
 * has no such field or its value is null: the reader's default applies. */
static int get_field(writer_t *w, int f, avro_value_t *field)
{
    if (w->field_index[f] < 0 ||
        avro_value_get_by_index(&w->value, (size_t)w->field_index[f], field, NULL))
        return -1;
    for (int depth = 0; avro_value_get_type(field) == AVRO_UNION; depth++) {
        avro_value_t branch;
        if (depth > WALK_DEPTH_MAX || avro_value_get_current_branch(field, &branch))
            return -1;
        *field = branch;
    }
    return avro_value_get_type(field) == AVRO_NULL ? -1 : 0;
}

/* The reader's declared default of field F, or NULL. */
static const json_t *get_default(const writer_t *w, int f)
{
    const json_t *d = w->defaults ? w->defaults[f] : NULL;
    return json_is_null(d) ? NULL : d;
}

static int64_t get_long(writer_t *w, int f)
{
    avro_value_t field;
    int32_t i32;
    int64_t i64;

    if (get_field(w, f, &field)) {
        const json_t *d = get_default(w, f);
        return json_is_integer(d) ? (int64_t)json_integer_value(d)
               : json_is_real(d)  ? (int64_t)json_real_value(d)
                                  : 0;
    }
    switch (avro_value_get_type(&field)) {
    case AVRO_INT32:
        return avro_value_get_int(&field, &i32) ? 0 : i32;
    case AVRO_INT64:
        return avro_value_get_long(&field, &i64) ? 0 : i64;
    default:
        return 0;
    }
}

static double get_double(writer_t *w, int f)
{
    avro_value_t field;
    double d;
    float fl;

    if (get_field(w, f, &field))
        return json_number_value(get_default(w, f));
    switch (avro_value_get_type(&field)) {
    case AVRO_DOUBLE:
        return avro_value_get_double(&field, &d) ? 0.0 : d;
    case AVRO_FLOAT:
        return avro_value_get_float(&field, &fl) ? 0.0 : fl;
    default:
        return (double)get_long(w, f);
    }
}

/* Copies a string field into DST (capacity CAP including the NUL). */
static eddy_codec_err_t get_string(writer_t *w, int f, char *dst, size_t cap,
                                   char *errstr, size_t errstr_size)
{
    avro_value_t field;
    const char *s = NULL;
    size_t size = 0;

    dst[0] = '\0';
    if (get_field(w, f, &field)) {
        const json_t *d = get_default(w, f);
        if (!json_is_string(d))
            return EDDY_CODEC_OK;
        s = json_string_value(d);
        size = json_string_length(d) + 1;
    } else if (avro_value_get_type(&field) != AVRO_STRING ||
               avro_value_get_string(&field, &s, &size) || !s)
        return EDDY_CODEC_OK;
    if (size > cap) {
        snprintf(errstr, errstr_size,
                 "field %s is %zu bytes, more than the %zu allowed",
                 w->desc->fields[f].name, size - 1, cap - 1);
        return EDDY_CODEC_ERR_TOO_LARGE;
    }
    if (memchr(s, '\0', size ? size - 1 : 0)) {
        snprintf(errstr, errstr_size, "field %s contains a NUL byte",
                 w->desc->fields[f].name);
        return EDDY_CODEC_ERR_INVALID;
    }
    memcpy(dst, s, size);
    dst[size ? size - 1 : 0] = '\0';
    return EDDY_CODEC_OK;
}

/* Stores ITEM as item I of DST, an array of KIND: a DOUBLES item may be a
 * double, float, int or long (promoted, as Avro allows), a LONGS item an int
 * or long. 0, or -1 for any other item. */
static int get_item(avro_value_t *item, eddy_field_kind_t kind, void *dst, size_t i)
{
    int32_t i32 = 0;
    int64_t i64 = 0;
    double d = 0.0;
    float fl = 0.0f;
    int rc;

    switch (avro_value_get_type(item)) {
    case AVRO_INT32:
        rc = avro_value_get_int(item, &i32);
        i64 = i32;
        d = i32;
        break;
    case AVRO_INT64:
        rc = avro_value_get_long(item, &i64);
        d = (double)i64;
        break;
    case AVRO_DOUBLE:
        rc = kind == EDDY_FIELD_LONGS ? -1 : avro_value_get_double(item, &d);
        break;
    case AVRO_FLOAT:
        rc = kind == EDDY_FIELD_LONGS ? -1 : avro_value_get_float(item, &fl);
        d = fl;
        break;
    default:
        return -1;
    }
    if (kind == EDDY_FIELD_LONGS)
        ((int64_t *)dst)[i] = i64;
    else
        ((double *)dst)[i] = d;
    return rc;
}

/* The reader's default of the array field F (DOUBLES or LONGS) into DST. */
static eddy_codec_err_t get_array_default(writer_t *w, int f, void *dst, int *n,
                                          char *errstr, size_t errstr_size)
{
    const eddy_field_t *fd = &w->desc->fields[f];
    const json_t *d = get_default(w, f), *v;
    size_t i;

    if (!json_is_array(d))
        return EDDY_CODEC_OK;
    if (json_array_size(d) > (size_t)fd->bound) {
        snprintf(errstr, errstr_size,
                 "default of field %s has %zu values, more than the %d allowed",
                 fd->name, json_array_size(d), fd->bound);
        return EDDY_CODEC_ERR_TOO_LARGE;
    }
    json_array_foreach(d, i, v)
    {
        if (fd->kind == EDDY_FIELD_LONGS)
            ((int64_t *)dst)[i] = json_is_integer(v) ? (int64_t)json_integer_value(v)
                                                     : (int64_t)json_number_value(v);
        else
            ((double *)dst)[i] = json_number_value(v);
    }
    *n = (int)json_array_size(d);
    return EDDY_CODEC_OK;
}

/* Copies the array field F (DOUBLES or LONGS) into DST and its count into *N. */
static eddy_codec_err_t get_array(writer_t *w, int f, void *dst, int *n, char *errstr,
                                  size_t errstr_size)
{
    const eddy_field_t *fd = &w->desc->fields[f];
    avro_value_t field, item;
    size_t count = 0;

    *n = 0;
    if (get_field(w, f, &field))
        return get_array_default(w, f, dst, n, errstr, errstr_size);
    if (avro_value_get_type(&field) != AVRO_ARRAY)
        return EDDY_CODEC_OK;
    if (avro_value_get_size(&field, &count)) {
        snprintf(errstr, errstr_size, "field %s: avro-c could not size the array: %s",
                 fd->name, avro_strerror());
        return EDDY_CODEC_ERR_AVRO;
    }
    if (count > (size_t)fd->bound) {
        snprintf(errstr, errstr_size,
                 "field %s has %zu values, more than the %d allowed", fd->name, count,
                 fd->bound);
        return EDDY_CODEC_ERR_TOO_LARGE;
    }
    for (size_t i = 0; i < count; i++)
        if (avro_value_get_by_index(&field, i, &item, NULL) ||
            get_item(&item, fd->kind, dst, i)) {
            snprintf(errstr, errstr_size,
                     "field %s: item %zu is not a number (the writer schema's "
                     "items must be %s)",
                     fd->name, i,
                     fd->kind == EDDY_FIELD_LONGS ? "int or long"
                                                  : "double, float, int or long");
            return EDDY_CODEC_ERR_INVALID;
        }
    *n = (int)count;
    return EDDY_CODEC_OK;
}

/* Copies the writer's field F (or the reader's default) into REC. */
static eddy_codec_err_t get_into(writer_t *w, int f, void *rec, char *errstr,
                                 size_t errstr_size)
{
    const eddy_field_t *fd = &w->desc->fields[f];
    void *p = eddy_field_ptr(fd, rec);

    switch (fd->kind) {
    case EDDY_FIELD_STRING:
        return get_string(w, f, p, (size_t)fd->bound + 1, errstr, errstr_size);
    case EDDY_FIELD_LONG:
        *(int64_t *)p = get_long(w, f);
        return EDDY_CODEC_OK;
    case EDDY_FIELD_INT:
        *(int *)p = (int)get_long(w, f);
        return EDDY_CODEC_OK;
    case EDDY_FIELD_DOUBLE:
    case EDDY_FIELD_FINITE:
        *(double *)p = get_double(w, f);
        return EDDY_CODEC_OK;
    case EDDY_FIELD_DOUBLES:
    case EDDY_FIELD_LONGS:
        return get_array(w, f, p, eddy_field_count(fd, rec), errstr, errstr_size);
    }
    return EDDY_CODEC_ERR_INVALID;
}

/* EDDY_CODEC_ERR_INVALID_UTF8 naming the first string field of REC that is
 * not UTF-8 (RFC 3629), the offset of its first bad byte and what comes
 * before it (only the valid part: ERRSTR goes into logs and headers). */
static eddy_codec_err_t check_utf8(const eddy_record_desc_t *d, const void *rec,
                                   char *errstr, size_t errstr_size)
{
    for (int f = 0; f < d->n_fields; f++) {
        const eddy_field_t *fd = &d->fields[f];
        const char *s = eddy_field_cptr(fd, rec);
        size_t n, at;

        if (fd->kind != EDDY_FIELD_STRING)
            continue;
        n = strlen(s);
        if ((at = eddy_utf8_invalid_at(s, n)) == n)
            continue;
        size_t shown = at > 64 ? 64 : at;
        while (shown > 0 && ((unsigned char)s[shown] & 0xC0) == 0x80)
            shown--; /* not inside a character */
        snprintf(errstr, errstr_size,
                 "field %s is not UTF-8: byte 0x%02X at offset %zu (after \"%.*s\"): "
                 "the producer must write UTF-8 (a Latin-1 source? iconv -f latin1 "
                 "-t utf-8)",
                 fd->name, (unsigned char)s[at], at, (int)shown, s);
        return EDDY_CODEC_ERR_INVALID_UTF8;
    }
    return EDDY_CODEC_OK;
}

/* Every field first (bounds), then the finite checks, then the record's own
 * invariants, then the UTF-8 of its strings: the order in which a record's
 * errors are reported. */
eddy_codec_err_t eddy_codec_decode(eddy_codec_t *codec, eddy_rec_type_t type,
                                   const void *buf, size_t len, void *rec, char *errstr,
                                   size_t errstr_size)
{
    const eddy_record_desc_t *d = eddy_record_desc(type);
    writer_t *w;
    eddy_codec_err_t err;

    if (!d) {
        snprintf(errstr, errstr_size, "invalid record type %d", (int)type);
        return EDDY_CODEC_ERR_WRONG_TYPE;
    }
    if ((err = begin_decode(codec, type, buf, len, &w, errstr, errstr_size)))
        return err;
    for (int f = 0; f < d->n_fields; f++)
        if ((err = get_into(w, f, rec, errstr, errstr_size)))
            return err;
    for (int f = 0; f < d->n_fields; f++) {
        const eddy_field_t *fd = &d->fields[f];
        if (fd->kind == EDDY_FIELD_FINITE &&
            (err = eddy_require_finite(fd->name,
                                       *(const double *)eddy_field_cptr(fd, rec),
                                       errstr, errstr_size)))
            return err;
    }
    if (d->validate && (err = d->validate(rec, errstr, errstr_size)))
        return err;
    return check_utf8(d, rec, errstr, errstr_size);
}

eddy_codec_err_t eddy_codec_decode_obs(eddy_codec_t *codec, const void *buf, size_t len,
                                       eddy_obs_t *obs, char *errstr,
                                       size_t errstr_size)
{
    return eddy_codec_decode(codec, EDDY_REC_OBSERVATION, buf, len, obs, errstr,
                             errstr_size);
}

eddy_codec_err_t eddy_codec_decode_fv(eddy_codec_t *codec, const void *buf, size_t len,
                                      eddy_fv_t *fv, char *errstr, size_t errstr_size)
{
    return eddy_codec_decode(codec, EDDY_REC_FEATURES, buf, len, fv, errstr,
                             errstr_size);
}

eddy_codec_err_t eddy_codec_decode_pred(eddy_codec_t *codec, const void *buf,
                                        size_t len, eddy_pred_t *pred, char *errstr,
                                        size_t errstr_size)
{
    return eddy_codec_decode(codec, EDDY_REC_PREDICTION, buf, len, pred, errstr,
                             errstr_size);
}

/* ---- any record as JSON */

static json_t *hex_json(const void *p, size_t n)
{
    char *s = malloc(n * 2 + 1);
    json_t *j;

    if (!s)
        return NULL;
    j = json_stringn(s, eddy_hex_encode(s, p, n));
    free(s);
    return j;
}

static json_t *value_json(avro_value_t *v, int depth)
{
    avro_value_t item;
    const char *name, *s;
    const void *p;
    size_t size, n;
    int32_t i32;
    int64_t i64;
    double d;
    float fl;
    int b;
    json_t *o;

    if (depth > WALK_DEPTH_MAX)
        return NULL;
    switch (avro_value_get_type(v)) {
    case AVRO_STRING:
        return avro_value_get_string(v, &s, &size) || !s
                   ? NULL
                   : json_stringn(s, size ? size - 1 : 0);
    case AVRO_BYTES:
        return avro_value_get_bytes(v, &p, &size) ? NULL : hex_json(p, size);
    case AVRO_FIXED:
        return avro_value_get_fixed(v, &p, &size) ? NULL : hex_json(p, size);
    case AVRO_INT32:
        return avro_value_get_int(v, &i32) ? NULL : json_integer(i32);
    case AVRO_INT64:
        return avro_value_get_long(v, &i64) ? NULL : json_integer(i64);
    case AVRO_FLOAT:
        if (avro_value_get_float(v, &fl))
            return NULL;
        return isfinite(fl) ? json_real(fl) : json_null();
    case AVRO_DOUBLE:
        if (avro_value_get_double(v, &d))
            return NULL;
        return isfinite(d) ? json_real(d) : json_null();
    case AVRO_BOOLEAN:
        return avro_value_get_boolean(v, &b) ? NULL : json_boolean(b);
    case AVRO_NULL:
        return json_null();
    case AVRO_ENUM:
        if (avro_value_get_enum(v, &i32))
            return NULL;
        s = avro_schema_enum_get(avro_value_get_schema(v), i32);
        return s ? json_string(s) : NULL;
    case AVRO_UNION:
        return avro_value_get_current_branch(v, &item) ? NULL
                                                       : value_json(&item, depth + 1);
    case AVRO_ARRAY:
    case AVRO_MAP:
    case AVRO_RECORD:
        if (avro_value_get_size(v, &n))
            return NULL;
        o = avro_value_get_type(v) == AVRO_ARRAY ? json_array() : json_object();
        for (size_t i = 0; o && i < n; i++) {
            json_t *j;
            name = NULL;
            if (avro_value_get_by_index(v, i, &item, &name) ||
                !(j = value_json(&item, depth + 1))) {
                json_decref(o);
                return NULL;
            }
            if (json_is_array(o))
                json_array_append_new(o, j);
            else
                json_object_set_new_nocheck(o, name ? name : "", j);
        }
        return o;
    default:
        return NULL;
    }
}

eddy_codec_err_t eddy_codec_decode_json(eddy_codec_t *codec, const void *buf,
                                        size_t len, json_t **out,
                                        const char **schema_json, char *errstr,
                                        size_t errstr_size)
{
    writer_t *w;
    eddy_codec_err_t err;

    if ((err = begin_decode(codec, EDDY_REC__COUNT, buf, len, &w, errstr, errstr_size)))
        return err;
    if (!(*out = value_json(&w->value, 0))) {
        snprintf(errstr, errstr_size,
                 "schema id %d: the record could not be turned into JSON", (int)w->id);
        return EDDY_CODEC_ERR_AVRO;
    }
    if (schema_json)
        *schema_json = w->json;
    return EDDY_CODEC_OK;
}
