/* ingest_read.c: records from a stream, split on LF, CRLF or a lone CR
 * outside CSV quotes. */
#include "ingest_internal.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

/* 1 when the record so far starts (after a BOM and spaces) like JSON. */
static int starts_json(const char *buf, size_t len)
{
    size_t i = len >= 3 && !memcmp(buf, "\xef\xbb\xbf", 3) ? 3 : 0;

    while (i < len && isspace((unsigned char)buf[i]))
        i++;
    return i < len && (buf[i] == '{' || buf[i] == '[');
}

static int append(char **buf, size_t *cap, size_t len, char c)
{
    if (len + 2 > *cap) {
        size_t n = *cap ? *cap * 2 : 256;
        char *b = realloc(*buf, n);
        if (!b)
            return -1;
        *buf = b;
        *cap = n;
    }
    (*buf)[len] = c;
    (*buf)[len + 1] = '\0';
    return 0;
}

ssize_t eddy_ingest_read_record(FILE *f, char **buf, size_t *cap, long *line)
{
    size_t len = 0;
    int c, quoted = 0, json = -1, any = 0;

    if (append(buf, cap, 0, '\0'))
        return -2;
    while ((c = getc(f)) != EOF) {
        any = 1;
        if (c == '\r' || c == '\n') {
            if (c == '\r' && (c = getc(f)) != '\n' && c != EOF)
                ungetc(c, f);
            ++*line;
            if (!quoted)
                return (ssize_t)len;
            c = '\n';
        } else if (c == '"' && len < LINE_MAX_BYTES) {
            if (json < 0)
                json = starts_json(*buf, len);
            quoted ^= !json;
        } else if (quoted && len >= LINE_MAX_BYTES) {
            quoted = 0; /* one stray quote must not swallow the file */
        }
        if (append(buf, cap, len++, (char)c))
            return -2;
    }
    if (ferror(f))
        return -2;
    if (!any)
        return -1;
    ++*line;
    return (ssize_t)len;
}
