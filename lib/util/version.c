#include "util/version.h"

#ifndef EDDY_VERSION_STRING
#define EDDY_VERSION_STRING "unknown"
#endif

const char *eddy_version(void)
{
    return EDDY_VERSION_STRING;
}
