/* runtime/registry.h: a Confluent Schema Registry client (libcurl + jansson).
 *
 * Speaks the REST subset eddy needs (FACTS.md, "Schema Registry"): register
 * a schema under a subject (POST /subjects/{subject}/versions -> id) and
 * fetch a writer schema by id (GET /schemas/ids/{id}). Ids and schemas are
 * cached for the life of the process; a failed look-up is remembered for a
 * while (for good when the registry says the id does not exist) so a topic
 * full of records with a bad id does not turn into a flood of requests.
 *
 * The codec stays pure: it calls a resolver (eddy_codec_set_resolver) on an
 * id it does not know, and eddy_registry_resolve is that resolver. The
 * first record with a new id therefore costs one HTTP request inside the
 * stage's poll loop (bounded by the timeouts below); every later one is a
 * cache hit. Thread-safe (one mutex).
 */
#ifndef EDDY_RT_REGISTRY_H
#define EDDY_RT_REGISTRY_H

#include <stddef.h>
#include <stdint.h>

#include "codec/codec.h"
#include "util/opts.h"

#define EDDY_REGISTRY_CONNECT_TIMEOUT_MS 3000
#define EDDY_REGISTRY_TIMEOUT_MS         10000

typedef struct eddy_registry_s eddy_registry_t;

/* What a failed request was: lets a caller tell "refused" from "unreachable". */
typedef struct eddy_registry_err_s {
    long http_status; /* 0 when no HTTP answer arrived */
    long error_code;  /* the registry's error_code (40901, 42201...), or 0 */
    char message[512];
} eddy_registry_err_t;

/* Creates a client for the registry at URL (http[s]://host:port[/prefix];
 * user:password@ in the URL is sent as basic auth). NULL + ERRSTR on error. */
eddy_registry_t *eddy_registry_new(const char *url, char *errstr, size_t errstr_size);

/* Frees REG; NULL is a no-op. */
void eddy_registry_destroy(eddy_registry_t *reg);

/* Registers SCHEMA_JSON (Avro) under SUBJECT and stores its id in *ID (the
 * existing id when the registry already has it). 0, or -1 with ERR filled. */
int eddy_registry_register(eddy_registry_t *reg, const char *subject,
                           const char *schema_json, int32_t *id,
                           eddy_registry_err_t *err);

/* The schema (JSON text, malloc'd: the caller frees it) registered under ID,
 * or NULL with ERR filled. Cached. */
char *eddy_registry_schema(eddy_registry_t *reg, int32_t id, eddy_registry_err_t *err);

/* An eddy_codec_resolver_t over eddy_registry_schema (OPAQUE is the client). */
char *eddy_registry_resolve(void *opaque, int32_t id, char *errstr, size_t errstr_size);

/* Program start-up: when --schema-registry is set, registers the schema of
 * TYPE under "<TOPIC>-value" (skipped when TOPIC is NULL), makes the returned
 * id the one the codec writes, and lets the codec resolve every other id
 * through the registry (the built-in ids then mean nothing: the registry's
 * ids are the only ones). The client lives until exit. Returns 0 (also when
 * no registry is configured), 2 when the registry refused the schema
 * (incompatible or invalid: the message names the subject, the registry's
 * message and what to do) or 1 when it could not be reached; messages go to
 * stderr prefixed with PROG. */
int eddy_registry_attach(eddy_codec_t *codec, const eddy_opts_t *opts, const char *prog,
                         const char *topic, int type);

#endif
