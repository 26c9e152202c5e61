/* util/version.h: the version of eddy every program reports (--version). */
#ifndef EDDY_UTIL_VERSION_H
#define EDDY_UTIL_VERSION_H

/* "0.1.0": the CMake project version the programs were built from; static. */
const char *eddy_version(void);

#endif
