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
    err->config = 0;
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
    err->config = 0;
}

const char *eddy_err_class_name(eddy_err_class_t cls)
{
    static const char *const names[] = {
#define EDDY_ERR_CLASS_NAME(id, name) [EDDY_ERR_##id] = name,
        EDDY_ERR_CLASSES(EDDY_ERR_CLASS_NAME)
#undef EDDY_ERR_CLASS_NAME
    };

    if ((int)cls < 0 || (size_t)cls >= sizeof(names) / sizeof(names[0]))
        return "unknown";
    return names[cls];
}
