/* fuzz_ingest.h: the body shared by fuzz_csv.c and fuzz_json.c.
 *
 * A fresh parser per input; the input is split into records by
 * eddy_ingest_read_record (so the CSV header state carries from record to
 * record) or, with FUZZ_ONE_LINE, handed over whole as one line. Invariants: OK rows
 * respect the Observation bounds, carry a finite value and UTF-8 text; bad rows carry a
 * message and a reason of bad_row or invalid_utf8, or series_cap once the parser
 * holds its 8 series; per-series seq numbers assigned by
 * the parser increase by one.
 */
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_common.h"
#include "ingest_core.h"
#include "ingest_internal.h"
#include "util/utf8.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fuzz_line(eddy_ingest_parser_t *p, const char *line, size_t len)
{
    static eddy_obs_t obs;
    char err[512] = "";
    /* an exact-size heap copy: ASan sees reads past LEN */
    char *copy = malloc(len ? len : 1);

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
        FUZZ_CHECK(eddy_utf8_valid(obs.series_id, strlen(obs.series_id)), "series id");
        FUZZ_CHECK(eddy_utf8_valid(obs.input, strlen(obs.input)), "input UTF-8");
        break;
    case EDDY_ROW_SKIP:
        break;
    case EDDY_ROW_BAD:
        FUZZ_CHECK(err[0] != '\0', "bad row without a message");
        /* series_cap only for a ninth series: the parser keeps 8 (below) */
        FUZZ_CHECK(eddy_ingest_last_reason(p) == EDDY_REASON_BAD_ROW ||
                       eddy_ingest_last_reason(p) == EDDY_REASON_INVALID_UTF8 ||
                       (eddy_ingest_last_reason(p) == EDDY_REASON_SERIES_CAP &&
                        eddy_series_count(p->seqs) == eddy_series_cap(p->seqs)),
                   "reason %d", (int)eddy_ingest_last_reason(p));
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
    /* records as eddy-ingest reads them: CR, CRLF, LF, quoted newlines */
    FILE *f = fmemopen((void *)s, size, "r");
    char *rec = NULL;
    size_t cap = 0, total = 0;
    long lines = 0;
    ssize_t n;

    (void)end;
    if (f) {
        while ((n = eddy_ingest_read_record(f, &rec, &cap, &lines)) >= 0) {
            total += (size_t)n;
            FUZZ_CHECK(total <= size, "records longer than the input");
            fuzz_line(p, rec, (size_t)n);
        }
        FUZZ_CHECK((size_t)lines <= size, "%ld lines in %zu bytes", lines, size);
        fclose(f);
    }
    free(rec);
#endif
    eddy_ingest_parser_destroy(p);
    return 0;
}
