#include "runtime/http.h"

#include <arpa/inet.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#if MHD_VERSION < 0x00097002
typedef int MHD_RESULT;
#else
typedef enum MHD_Result MHD_RESULT;
#endif

struct eddy_http_s {
    struct MHD_Daemon *daemon;
    eddy_http_handler_t handler;
    void *ctx;
    int port;
};

/* The connection whose request this thread is answering (handlers only). */
static _Thread_local struct MHD_Connection *current;

const char *eddy_http_query(const char *name)
{
    return current ? MHD_lookup_connection_value(current, MHD_GET_ARGUMENT_KIND, name)
                   : NULL;
}

static MHD_RESULT on_request(void *cls, struct MHD_Connection *conn, const char *url,
                             const char *method, const char *version,
                             const char *upload_data, size_t *upload_data_size,
                             void **con_cls)
{
    eddy_http_t *http = cls;
    eddy_buf_t body = EDDY_BUF_INIT;
    const char *ctype = "text/plain; charset=utf-8";
    struct MHD_Response *resp;
    MHD_RESULT ret;
    int status;

    (void)version;
    (void)upload_data;
    (void)upload_data_size;
    (void)con_cls;
    if (strcmp(method, "GET") && strcmp(method, "HEAD")) {
        eddy_buf_printf(&body, "method %s not allowed: use GET\n", method);
        status = MHD_HTTP_METHOD_NOT_ALLOWED;
    } else {
        current = conn;
        status = http->handler(http->ctx, url, &body, &ctype);
        current = NULL;
    }
    if (body.failed) {
        eddy_buf_free(&body);
        return MHD_NO;
    }
    resp = MHD_create_response_from_buffer(body.len, body.data ? body.data : (char *)"",
                                           MHD_RESPMEM_MUST_COPY);
    eddy_buf_free(&body);
    if (!resp)
        return MHD_NO;
    MHD_add_response_header(resp, "Content-Type", ctype);
    ret = MHD_queue_response(conn, (unsigned)status, resp);
    MHD_destroy_response(resp);
    return ret;
}

eddy_http_t *eddy_http_start(const char *listen, eddy_http_handler_t handler, void *ctx,
                             char *errstr, size_t errstr_size)
{
    struct sockaddr_in addr = {.sin_family = AF_INET};
    const char *colon = strrchr(listen, ':');
    char host[64] = "0.0.0.0";
    const union MHD_DaemonInfo *info;
    eddy_http_t *http;
    char *end;
    long port;

    if (colon) {
        if (colon != listen)
            snprintf(host, sizeof(host), "%.*s", (int)(colon - listen), listen);
        port = strtol(colon + 1, &end, 10);
    } else {
        port = strtol(listen, &end, 10);
    }
    if (*end || port < 0 || port > 65535 ||
        inet_pton(AF_INET, host, &addr.sin_addr) != 1) {
        snprintf(errstr, errstr_size,
                 "invalid HTTP listen address '%s': use host:port, :port or port "
                 "(an IPv4 host)",
                 listen);
        return NULL;
    }
    addr.sin_port = htons((uint16_t)port);
    if (!(http = calloc(1, sizeof(*http)))) {
        snprintf(errstr, errstr_size, "out of memory");
        return NULL;
    }
    http->handler = handler;
    http->ctx = ctx;
    http->daemon = MHD_start_daemon(
        MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG, 0, NULL, NULL, on_request,
        http, MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&addr,
        MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)10, MHD_OPTION_END);
    if (!http->daemon) {
        snprintf(errstr, errstr_size,
                 "cannot listen for HTTP on %s: the port is in use or not allowed; "
                 "choose another with --http",
                 listen);
        free(http);
        return NULL;
    }
    info = MHD_get_daemon_info(http->daemon, MHD_DAEMON_INFO_BIND_PORT);
    http->port = info ? info->port : (int)port;
    return http;
}

int eddy_http_port(const eddy_http_t *http)
{
    return http->port;
}

void eddy_http_stop(eddy_http_t *http)
{
    if (!http)
        return;
    MHD_stop_daemon(http->daemon);
    free(http);
}
