/* avro_produce: a minimal producer of Confluent-framed Avro records for the
 * schema-evolution tests, independent of eddy's codec.
 *
 *   avro_produce BOOTSTRAP TOPIC SCHEMA_FILE SCHEMA_ID KEY_FIELD < records.jsonl
 *
 * Each stdin line is a JSON object with one member per field of the record
 * schema (ints, longs, doubles, strings, booleans, arrays of those; a double
 * may be the string "NaN", "Infinity" or "-Infinity"); it is
 * encoded with avro-c's generic API under the schema, framed with SCHEMA_ID
 * and produced keyed by the string field KEY_FIELD. Exits 0 once every
 * record is delivered. */
#include <avro.h>
#include <jansson.h>
#include <librdkafka/rdkafka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int set_value(avro_value_t *v, json_t *j)
{
    avro_value_t item, branch;
    size_t i;
    json_t *x;

    switch (avro_value_get_type(v)) {
    case AVRO_STRING:
        return json_is_string(j) ? avro_value_set_string(v, json_string_value(j)) : -1;
    case AVRO_INT32:
        return json_is_integer(j)
                   ? avro_value_set_int(v, (int32_t)json_integer_value(j))
                   : -1;
    case AVRO_INT64:
        return json_is_integer(j) ? avro_value_set_long(v, json_integer_value(j)) : -1;
    case AVRO_DOUBLE:
        /* "NaN", "Infinity", "-Infinity": the non-finite values JSON lacks */
        if (json_is_string(j))
            return avro_value_set_double(v, strtod(json_string_value(j), NULL));
        return json_is_number(j) ? avro_value_set_double(v, json_number_value(j)) : -1;
    case AVRO_FLOAT:
        return json_is_number(j) ? avro_value_set_float(v, (float)json_number_value(j))
                                 : -1;
    case AVRO_BOOLEAN:
        return json_is_boolean(j) ? avro_value_set_boolean(v, json_is_true(j)) : -1;
    case AVRO_NULL:
        return json_is_null(j) ? avro_value_set_null(v) : -1;
    case AVRO_ARRAY:
        if (!json_is_array(j))
            return -1;
        json_array_foreach(j, i, x) if (avro_value_append(v, &item, NULL) ||
                                        set_value(&item, x)) return -1;
        return 0;
    case AVRO_UNION: /* the first branch that takes the value */
        for (int b = 0; !avro_value_set_branch(v, b, &branch); b++)
            if (!set_value(&branch, j))
                return 0;
        return -1;
    default:
        return -1;
    }
}

static void on_delivery(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque)
{
    (void)rk;
    if (m->err) {
        fprintf(stderr, "avro_produce: delivery failed: %s\n",
                rd_kafka_err2str(m->err));
        *(int *)opaque = 1;
    }
}

int main(int argc, char **argv)
{
    avro_schema_t schema;
    avro_value_iface_t *iface;
    avro_value_t rec;
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    rd_kafka_t *rk;
    char errstr[512], line[65536];
    json_error_t jerr;
    json_t *sj;
    char *text;
    int failed = 0, n = 0;
    long id;

    if (argc != 6) {
        fprintf(stderr, "usage: avro_produce BOOTSTRAP TOPIC SCHEMA_FILE SCHEMA_ID "
                        "KEY_FIELD < records.jsonl\n");
        return 2;
    }
    id = strtol(argv[4], NULL, 10);
    if (!(sj = json_load_file(argv[3], 0, &jerr)) ||
        !(text = json_dumps(sj, JSON_COMPACT)) ||
        avro_schema_from_json_length(text, strlen(text), &schema)) {
        fprintf(stderr, "avro_produce: bad schema %s: %s\n", argv[3],
                sj ? avro_strerror() : jerr.text);
        return 2;
    }
    iface = avro_generic_class_from_schema(schema);
    avro_generic_value_new(iface, &rec);
    rd_kafka_conf_set(conf, "bootstrap.servers", argv[1], errstr, sizeof(errstr));
    rd_kafka_conf_set(conf, "partitioner", "murmur2_random", errstr, sizeof(errstr));
    rd_kafka_conf_set_dr_msg_cb(conf, on_delivery);
    rd_kafka_conf_set_opaque(conf, &failed);
    if (!(rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof(errstr)))) {
        fprintf(stderr, "avro_produce: %s\n", errstr);
        return 1;
    }
    while (fgets(line, sizeof(line), stdin)) {
        json_t *j = json_loads(line, 0, &jerr), *key;
        size_t size, i, nf = avro_schema_record_size(schema);
        char *buf;
        avro_writer_t w;

        if (!j)
            continue;
        avro_value_reset(&rec);
        for (i = 0; i < nf; i++) {
            avro_value_t f;
            const char *name;
            avro_value_get_by_index(&rec, i, &f, &name);
            if (set_value(&f, json_object_get(j, name))) {
                fprintf(stderr, "avro_produce: line %d: field %s does not fit\n", n + 1,
                        name);
                return 1;
            }
        }
        avro_value_sizeof(&rec, &size);
        buf = malloc(size + 5);
        buf[0] = 0;
        buf[1] = (char)(id >> 24);
        buf[2] = (char)(id >> 16);
        buf[3] = (char)(id >> 8);
        buf[4] = (char)id;
        w = avro_writer_memory(buf + 5, (int64_t)size);
        avro_value_write(w, &rec);
        avro_writer_free(w);
        key = json_object_get(j, argv[5]);
        if (rd_kafka_producev(
                rk, RD_KAFKA_V_TOPIC(argv[2]),
                RD_KAFKA_V_KEY(json_string_value(key), json_string_length(key)),
                RD_KAFKA_V_VALUE(buf, size + 5),
                RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_FREE), RD_KAFKA_V_END)) {
            fprintf(stderr, "avro_produce: produce failed\n");
            return 1;
        }
        json_decref(j);
        n++;
        rd_kafka_poll(rk, 0);
    }
    rd_kafka_flush(rk, 30000);
    rd_kafka_destroy(rk);
    avro_value_decref(&rec);
    avro_value_iface_decref(iface);
    avro_schema_decref(schema);
    free(text);
    json_decref(sj);
    fprintf(stderr, "avro_produce: %d records to %s with schema id %ld\n", n, argv[2],
            id);
    return failed;
}
