/* runtime/http.h: the small HTTP endpoint every stage serves (libmicrohttpd,
 * one internal thread). Handlers run on that thread: they read published
 * snapshots, or take a lock that is never held across network I/O, so a
 * probe never waits for the processing loop (runtime/probe.h). */
#ifndef EDDY_RT_HTTP_H
#define EDDY_RT_HTTP_H

#include <stddef.h>

#include "util/buf.h"

/* Fills BODY for PATH and sets *CONTENT_TYPE; returns the HTTP status
 * (404 when the path is unknown). */
typedef int (*eddy_http_handler_t)(void *ctx, const char *path, eddy_buf_t *body,
                                   const char **content_type);

typedef struct eddy_http_s eddy_http_t;

/* Listens on LISTEN ("host:port", ":port" or "port"; port 0 picks a free
 * one). Returns NULL and fills ERRSTR (naming the address) on failure. */
eddy_http_t *eddy_http_start(const char *listen, eddy_http_handler_t handler, void *ctx,
                             char *errstr, size_t errstr_size);

/* From within a handler: the decoded value of the query argument NAME of
 * the request being answered ("/forecast?series=X" -> "X"), or NULL. */
const char *eddy_http_query(const char *name);

/* The port actually bound. */
int eddy_http_port(const eddy_http_t *http);

/* Stops serving and frees HTTP; NULL is a no-op. */
void eddy_http_stop(eddy_http_t *http);

#endif
