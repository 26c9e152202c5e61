/* fuzz_ingest.h: the body shared by fuzz_csv.c and fuzz_json.c.
 *
 * A fresh parser per input; the input is split into lines on '\n' (so the
 * CSV header state carries from line to line) or, with FUZZ_ONE_LINE, handed
 * over whole as one line. Invariants: OK rows respect the Observation
 * bounds and carry a finite value; bad rows carry a message; per-series seq
 * numbers assigned by the parser increase by one.
 */
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_common.h"
#include "ingest_core.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fuzz_line(eddy_ingest_parser_t *p, const char *line, size_t len)
{
    static eddy_obs_t obs;
    char err[512] = "";
    /* an exact-size heap copy: ASan sees reads past LEN */
    char *copy = malloc(len ? len : 1);
    int64_t ms;

    if (!copy)
        return;
    memcpy(copy, line, len);
    switch (eddy_ingest_parse_line(p, copy, len, 1700000000000000LL, &obs, err,
                                   sizeof(err))) {
    case EDDY_ROW_OK:
        FUZZ_CHECK(isfinite(obs.value), "value %g", obs.value);
        FUZZ_CHECK(obs.series_id[0] != '\0', "empty series id");
        FUZZ_CHECK(strlen(obs.series_id) <= EDDY_SERIES_ID_MAX, "series id");
        FUZZ_CHECK(strlen(obs.input) <= EDDY_INPUT_MAX, "input");
        FUZZ_CHECK(obs.produced_at_us == 1700000000000000LL, "produced_at");
        /* a date input parses to the event time it was given (unless a
         * JSON event_time overrode it) */
        if (!eddy_parse_event_time(obs.input, &ms) && !memchr(copy, '{', len))
            FUZZ_CHECK(ms == obs.event_time_ms, "event time of '%s'", obs.input);
        break;
    case EDDY_ROW_SKIP:
        break;
    case EDDY_ROW_BAD:
        FUZZ_CHECK(err[0] != '\0', "bad row without a message");
        break;
    default:
        FUZZ_CHECK(0, "unknown result");
    }
    free(copy);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    eddy_ingest_parser_t *p = eddy_ingest_parser_new("fuzz", 0, 8);
    const char *s = (const char *)data, *end = s + size;

    if (!p)
        return 0;
#ifdef FUZZ_ONE_LINE
    fuzz_line(p, s, size);
    (void)end;
#else
    while (s < end) {
        const char *nl = memchr(s, '\n', (size_t)(end - s));
        size_t len = nl ? (size_t)(nl - s) : (size_t)(end - s);
        fuzz_line(p, s, len);
        s += len + (nl ? 1 : 0);
    }
#endif
    eddy_ingest_parser_destroy(p);
    return 0;
}
