/* fuzz_lso.c: libFuzzer target for the statistics JSON the last-stable-offset
 * gauges are read from (eddy_lso_update, runtime/lso.h): any bytes either
 * parse into a table that renders as Prometheus text or are refused (-1)
 * with the previous table kept. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "runtime/lso.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char seed[] =
        "{\"topics\":{\"t\":{\"partitions\":{\"0\":{\"desired\":true,"
        "\"hi_offset\":5,\"ls_offset\":3}}}}}";
    eddy_lso_t *lso = eddy_lso_new();
    eddy_buf_t b = {0};

    if (!lso)
        return 0;
    if (eddy_lso_update(lso, seed, sizeof(seed) - 1))
        abort();
    if (eddy_lso_update(lso, (const char *)data, size) != 0) {
        /* refused: the seed's table must still be there */
        eddy_lso_render(lso, "s", &b);
        if (!b.data || !strstr(b.data, "topic=\"t\",partition=\"0\"} 3\n"))
            abort();
    } else {
        eddy_lso_render(lso, "s", &b);
        if (b.len &&
            !strstr(b.data, "# TYPE eddy_stage_input_unstable_records gauge\n"))
            abort();
    }
    eddy_buf_free(&b);
    eddy_lso_destroy(lso);
    return 0;
}
