/* util/utf8.h: UTF-8 validation (RFC 3629) for text that crosses a process
 * boundary (series ids, inputs, header names). */
#ifndef EDDY_UTIL_UTF8_H
#define EDDY_UTIL_UTF8_H

#include <stddef.h>

/* 1 when the LEN bytes at S are well-formed UTF-8 (RFC 3629, Unicode
 * Table 3-7: no overlong forms, no surrogates D800-DFFF, nothing above
 * U+10FFFF, no truncated sequence), else 0. NUL bytes count as valid
 * (U+0000); callers that need C strings check for them separately. S is
 * borrowed; S may be NULL when LEN is 0. */
int eddy_utf8_valid(const char *s, size_t len);

/* The offset of the first byte of the first ill-formed sequence in the LEN
 * bytes at S, or LEN when all of it is valid (for messages naming the
 * column). */
size_t eddy_utf8_invalid_at(const char *s, size_t len);

#endif
