/* fuzz_time.c: libFuzzer target for the event-time parser (util/timeparse.h).
 *
 * The first byte picks the options (the automatic rules, a --time-unit, or
 * a --time-format); the rest is the text, in an exact-size heap copy so
 * ASan sees any read past its length. Invariants: a refusal leaves *ms
 * untouched and says why; an accepted time parses again to the same
 * instant; under the automatic rules an accepted time lies within the
 * years 0000..9999 (ISO) or the epoch ranges the digit counts allow.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_common.h"
#include "util/timeparse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* 0000-01-01 and 10000-01-01 (exclusive), a day of offsets either side */
#define MIN_MS (-62167219200000LL - 86400000LL)
#define MAX_MS (253402300800000LL + 86400000LL)

static const char *const formats[] = {NULL, "%b %Y", "%m/%d/%Y", "%d.%m.%Y %H:%M %z",
                                      "%Y-%m-%dT%H:%M:%S%z"};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    size_t nf = sizeof(formats) / sizeof(formats[0]);
    eddy_time_opts_t o;
    char why[512] = "";
    int64_t ms = 777, again = 0;
    char *text;

    if (size == 0)
        return 0;
    o.format = formats[data[0] % nf];
    o.unit = (eddy_time_unit_t)((data[0] / nf) % 5);
    if (!(text = malloc(size - 1 ? size - 1 : 1)))
        return 0;
    memcpy(text, data + 1, size - 1);
    if (eddy_time_parse(text, size - 1, &o, &ms, why, sizeof(why))) {
        FUZZ_CHECK(ms == 777, "refused text changed *ms to %lld", (long long)ms);
        FUZZ_CHECK(why[0] != '\0', "refusal without a reason");
    } else {
        FUZZ_CHECK(!eddy_time_parse(text, size - 1, &o, &again, NULL, 0) && again == ms,
                   "not deterministic: %lld then %lld", (long long)ms,
                   (long long)again);
        if (!o.format && o.unit == EDDY_TIME_UNIT_AUTO)
            FUZZ_CHECK(ms >= MIN_MS && ms <= MAX_MS, "out of range: %lld",
                       (long long)ms);
    }
    free(text);
    return 0;
}
