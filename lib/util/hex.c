#include "util/hex.h"

#include <stdint.h>

static const char digits[] = "0123456789abcdef";

size_t eddy_hex_encode(char *out, const void *in, size_t n)
{
    const uint8_t *b = in;

    for (size_t i = 0; i < n; i++) {
        out[2 * i] = digits[b[i] >> 4];
        out[2 * i + 1] = digits[b[i] & 15];
    }
    out[2 * n] = '\0';
    return 2 * n;
}

int eddy_hex_append(eddy_buf_t *buf, const void *in, size_t n, size_t max)
{
    size_t shown = n > max ? max : n;

    if (shown > SIZE_MAX / 4 || eddy_buf_reserve(buf, 2 * shown + 3))
        return -1;
    buf->len += eddy_hex_encode(buf->data + buf->len, in, shown);
    return eddy_buf_append(buf, "...", n > max ? 3 : 0);
}
