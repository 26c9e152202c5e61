/* fuzz_common.h: helpers shared by the libFuzzer targets. */
#ifndef EDDY_FUZZ_COMMON_H
#define EDDY_FUZZ_COMMON_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Aborts (a finding for libFuzzer) with a message when COND is false. */
#define FUZZ_CHECK(cond, ...)                                                          \
    do {                                                                               \
        if (!(cond)) {                                                                 \
            fprintf(stderr, "fuzz invariant failed: %s: ", #cond);                     \
            fprintf(stderr, __VA_ARGS__);                                              \
            fprintf(stderr, "\n");                                                     \
            abort();                                                                   \
        }                                                                              \
    } while (0)

#endif
