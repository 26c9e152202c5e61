/* fuzz_evaluate.c: libFuzzer target for the evaluator's state snapshot
 * decoder (eddy_evaluator_load, the "EEVL" frame read back from the
 * changelog). Whatever loads must save to bytes that load again and save
 * to the same bytes, and score a next record without a sanitizer finding.
 * The input is the frame itself; a wrong checksum is refused early, so the
 * target also tries the input with its checksum recomputed (the payload
 * checks are then reached). */
#include <stdint.h>

#include "evaluate_core.h"
#include "fuzz_common.h"
#include "util/bytes.h"
#include "util/snapshot.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static eddy_evaluator_t *evaluator(void)
{
    eddy_eval_conf_t c = {.horizons = 5, .season = 12, .max_series = 4};
    char err[256];

    FUZZ_CHECK(eddy_eval_parse_windows(&c, "5,10,20", err, sizeof(err)) == 0, "%s",
               err);
    return eddy_evaluator_new(&c, err, sizeof(err));
}

/* Loads BUF; when it loads, checks save -> load -> save is stable and that
 * a record is scored. */
static void try_load(const uint8_t *buf, size_t len)
{
    eddy_evaluator_t *ev = evaluator(), *again = evaluator();
    eddy_buf_t a = EDDY_BUF_INIT, b = EDDY_BUF_INIT;
    static eddy_score_t sc;
    static eddy_pred_t p = {.series_id = "s",
                            .model = "linear",
                            .seq = 1000,
                            .target = 1.0,
                            .n_forecast = 5};
    char err[512] = "";

    FUZZ_CHECK(ev && again, "evaluator");
    if (eddy_evaluator_load(ev, "s", buf, len, err, sizeof(err)) == 0) {
        FUZZ_CHECK(eddy_evaluator_save(ev, "s", &a) == 0, "save");
        FUZZ_CHECK(eddy_evaluator_load(again, "s", a.data, a.len, err, sizeof(err)) ==
                       0,
                   "reload: %s", err);
        FUZZ_CHECK(eddy_evaluator_save(again, "s", &b) == 0, "save again");
        FUZZ_CHECK(a.len == b.len && !memcmp(a.data, b.data, a.len), "unstable state");
        (void)eddy_evaluator_process(ev, &p, &sc, NULL);
    } else {
        FUZZ_CHECK(err[0] != '\0', "refused without a message");
    }
    eddy_buf_free(&a);
    eddy_buf_free(&b);
    eddy_evaluator_destroy(ev);
    eddy_evaluator_destroy(again);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint8_t *copy = malloc(size ? size : 1); /* exact size: ASan sees over-reads */

    if (!copy)
        return 0;
    memcpy(copy, data, size);
    try_load(copy, size);
    if (size >= EDDY_SNAPSHOT_HEADER) {
        uint32_t crc = eddy_crc32c(0, copy, 12);
        eddy_put_le(
            copy + 12,
            eddy_crc32c(crc, copy + EDDY_SNAPSHOT_HEADER, size - EDDY_SNAPSHOT_HEADER),
            4);
        try_load(copy, size);
    }
    free(copy);
    return 0;
}
