#include "util/err.h"

#include <stdarg.h>
#include <stdio.h>

int eddy_err_set(eddy_err_t *err, eddy_err_class_t cls, int code, const char *fmt, ...)
{
    va_list ap;

    if (!err)
        return -1;
    err->cls = cls;
    err->code = code;
    va_start(ap, fmt);
    vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
    va_end(ap);
    return -1;
}

void eddy_err_clear(eddy_err_t *err)
{
    err->cls = EDDY_ERR_OK;
    err->code = 0;
    err->msg[0] = '\0';
}

const char *eddy_err_class_name(eddy_err_class_t cls)
{
    switch (cls) {
    case EDDY_ERR_OK:
        return "ok";
    case EDDY_ERR_RETRIABLE:
        return "retriable";
    case EDDY_ERR_ABORT:
        return "abort";
    case EDDY_ERR_FATAL:
        return "fatal";
    }
    return "unknown";
}
