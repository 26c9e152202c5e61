/* Compiled by opts_fields.sh three ways: as is it must build; with
 * -DMISSPELT or -DWRONG_TYPE it must not (an option row names its field,
 * and the field's C type must match the option's type). */
#include <stddef.h>
#include <stdint.h>

#include "util/opts.h"

typedef struct conf_s {
    int64_t batch_size;
    const char *group;
} conf_t;

static const eddy_opt_t rows[] = {
#if defined(MISSPELT)
    {.name = "batch-size", EDDY_FIELD_INT(conf_t, bacth_size), .def = "500"},
#elif defined(WRONG_TYPE)
    {.name = "group", EDDY_FIELD_INT(conf_t, group)},
#else
    {.name = "batch-size", EDDY_FIELD_INT(conf_t, batch_size), .def = "500"},
    {.name = "group", EDDY_FIELD_STR(conf_t, group)},
#endif
    EDDY_OPT_TABLE_END};

const eddy_opt_t *opts_fields_rows(void);

const eddy_opt_t *opts_fields_rows(void)
{
    return rows;
}
