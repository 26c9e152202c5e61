#include "util/reason.h"

static const char *const names[] = {
#define EDDY_REASON_NAME(id, name) [EDDY_REASON_##id] = name,
    EDDY_REASONS(EDDY_REASON_NAME)
#undef EDDY_REASON_NAME
};

const char *eddy_reason_name(eddy_reason_t reason)
{
    if ((int)reason < 0 || reason >= EDDY_REASON_COUNT)
        return "unknown";
    return names[reason];
}
