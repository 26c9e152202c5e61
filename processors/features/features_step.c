#include "features_step.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DAY_MS  ((int64_t)86400000)
#define HOUR_MS ((int64_t)3600000)

/* Civil date of day D since 1970-01-01 (Hinnant's civil_from_days). */
static void civil_from_days(int64_t d, int64_t *y, int *m, int *day)
{
    int64_t z = d + 719468, era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100), mp = (5 * doy + 2) / 153;

    *day = (int)(doy - (153 * mp + 2) / 5 + 1);
    *m = (int)(mp < 10 ? mp + 3 : mp - 9);
    *y = yoe + era * 400 + (*m <= 2);
}

static int days_in_month(int64_t y, int m)
{
    static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;

    return m == 2 && leap ? 29 : days[m - 1];
}

/* Days since the epoch and milliseconds into that day (floor division). */
static int64_t day_of(int64_t t_ms, int64_t *tod_ms)
{
    int64_t d = t_ms / DAY_MS, r = t_ms % DAY_MS;

    if (r < 0) {
        r += DAY_MS;
        d--;
    }
    *tod_ms = r;
    return d;
}

eddy_anchor_t eddy_step_anchor(int64_t t_ms)
{
    int64_t tod, y;
    int m, day;

    civil_from_days(day_of(t_ms, &tod), &y, &m, &day);
    if (tod != 0)
        return EDDY_ANCHOR_NONE;
    if (day == 1)
        return EDDY_ANCHOR_FIRST;
    return day == days_in_month(y, m) ? EDDY_ANCHOR_LAST : EDDY_ANCHOR_NONE;
}

int64_t eddy_step_month_index(int64_t t_ms)
{
    int64_t tod, y;
    int m, day;

    civil_from_days(day_of(t_ms, &tod), &y, &m, &day);
    return (y - 1970) * 12 + (m - 1);
}

int64_t eddy_step_months_between(int64_t a_ms, int64_t b_ms)
{
    return eddy_step_month_index(b_ms) - eddy_step_month_index(a_ms);
}

static const struct {
    const char *name;
    eddy_step_t step;
} named_steps[] = {
    {.name = "auto", .step = {0, 0}},
    {.name = "monthly", .step = {.months = 1}},
    {.name = "quarterly", .step = {.months = 3}},
    {.name = "yearly", .step = {.months = 12}},
    {.name = "daily", .step = {.ms = DAY_MS}},
    {.name = "hourly", .step = {.ms = HOUR_MS}},
};

static const struct {
    const char *unit;
    int64_t ms; /* 0: months */
} step_units[] = {
    {"ms", 1}, {"s", 1000}, {"min", 60000}, {"h", HOUR_MS}, {"d", DAY_MS}, {"mo", 0},
};

int eddy_step_parse(const char *spec, eddy_step_t *out, char *errstr,
                    size_t errstr_size)
{
    char *end;
    long long n;

    for (size_t i = 0; i < sizeof(named_steps) / sizeof(named_steps[0]); i++)
        if (!strcmp(spec, named_steps[i].name)) {
            *out = named_steps[i].step;
            return 0;
        }
    errno = 0;
    n = strtoll(spec, &end, 10);
    for (size_t i = 0; end != spec && !errno && n > 0 && n < (1LL << 40) &&
                       i < sizeof(step_units) / sizeof(step_units[0]);
         i++)
        if (!strcmp(end, step_units[i].unit)) {
            out->months = step_units[i].ms ? 0 : n;
            out->ms = step_units[i].ms * n;
            return 0;
        }
    snprintf(errstr, errstr_size,
             "--frequency '%s' is not a frequency: use auto, monthly, quarterly, "
             "yearly, daily, hourly, or a positive count with a unit "
             "(ms, s, min, h, d, mo), e.g. 15min",
             spec);
    return -1;
}

void eddy_step_format(const eddy_step_t *step, char *buf, size_t size)
{
    if (step->months > 0)
        snprintf(buf, size, "%" PRId64 " month%s", step->months,
                 step->months == 1 ? "" : "s");
    else if (step->ms > 0 && step->ms % DAY_MS == 0)
        snprintf(buf, size, "%" PRId64 " day%s", step->ms / DAY_MS,
                 step->ms == DAY_MS ? "" : "s");
    else if (step->ms > 0 && step->ms % HOUR_MS == 0)
        snprintf(buf, size, "%" PRId64 " hour%s", step->ms / HOUR_MS,
                 step->ms == HOUR_MS ? "" : "s");
    else if (step->ms > 0)
        snprintf(buf, size, "%" PRId64 " ms", step->ms);
    else
        snprintf(buf, size, "unknown");
}
