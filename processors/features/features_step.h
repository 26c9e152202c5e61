/* features_step.h: a series' step (its sampling interval), pure.
 *
 * A step is either a number of calendar months (monthly, quarterly, yearly
 * data: months have different lengths, so no fixed interval describes them)
 * or a fixed interval in milliseconds (daily, hourly, every 5 minutes...).
 * Times are UTC milliseconds since the epoch, proleptic Gregorian calendar
 * (days from civil dates as in H. Hinnant, "chrono-Compatible Low-Level
 * Date Algorithms").
 */
#ifndef EDDY_FEATURES_STEP_H
#define EDDY_FEATURES_STEP_H

#include <stddef.h>
#include <stdint.h>

typedef struct eddy_step_s {
    int64_t months; /* > 0: calendar months */
    int64_t ms;     /* > 0: fixed interval; both 0: not known (yet) */
} eddy_step_t;

/* Where a time sits in its month, for telling monthly data apart. */
typedef enum {
    EDDY_ANCHOR_NONE = 0,  /* anything else */
    EDDY_ANCHOR_FIRST = 1, /* 00:00:00.000 on the first day of a month */
    EDDY_ANCHOR_LAST = 2   /* 00:00:00.000 on the last day of a month */
} eddy_anchor_t;

/* Parses --frequency: "auto" (step inferred: both fields 0), "monthly",
 * "quarterly", "yearly", "daily", "hourly", or a count and a unit
 * ("15min", "30s", "2h", "7d", "500ms", "3mo"). Returns 0, or -1 with
 * ERRSTR naming SPEC and the accepted forms. */
int eddy_step_parse(const char *spec, eddy_step_t *out, char *errstr,
                    size_t errstr_size);

/* The anchor of T_MS. */
eddy_anchor_t eddy_step_anchor(int64_t t_ms);

/* Months since 1970-01 of T_MS's calendar month (negative before). */
int64_t eddy_step_month_index(int64_t t_ms);

/* Whole steps from A_MS to B_MS (B after A) for STEP in months; the month
 * index difference, ignoring the day. */
int64_t eddy_step_months_between(int64_t a_ms, int64_t b_ms);

/* "1 month", "3 months", "1 day", "1 hour", "90000 ms"... into BUF. */
void eddy_step_format(const eddy_step_t *step, char *buf, size_t size);

#endif
