/* util/timeparse.h: event times from text, the one parser of every input
 * format (CSV columns, JSON lines' "event_time" and "input").
 *
 * Automatic rules (no format given), on the whole text (no surrounding
 * spaces):
 *   - ISO 8601 calendar dates and times: YYYY, YYYY-MM, YYYY-MM-DD, YYYYMMDD,
 *     then optionally 'T', 't' or one space and hh:mm, hh:mm:ss or
 *     hh:mm:ss followed by '.' or ',' and a fraction of any length (kept to
 *     the millisecond, truncated), then optionally 'Z', '+hh:mm', '-hh:mm',
 *     '+hhmm' or '+hh'. Without an offset the time is taken as UTC.
 *   - All digits: 4 is a year (above), 8 a YYYYMMDD date, 9 or 10 epoch
 *     seconds (1973-03-03 .. 2286-11-20), 12 or 13 epoch milliseconds
 *     (1973-03-03 .. 2286-11-20); 9-10 digits may carry a fraction
 *     (".5"). Any other count is ambiguous and refused: name the unit.
 * With a unit (s, ms, us, ns) the text must be an integer (seconds may
 * have a fraction) of that unit since the epoch, any length, signed.
 * With a strptime(3) format the format is applied to the whole text; %z
 * gives the offset; fields the format lacks default to January, the 1st,
 * 00:00:00. The result is milliseconds since 1970-01-01T00:00:00Z. */
#ifndef EDDY_UTIL_TIMEPARSE_H
#define EDDY_UTIL_TIMEPARSE_H

#include <stddef.h>
#include <stdint.h>

typedef enum {
    EDDY_TIME_UNIT_AUTO = 0, /* the automatic rules above */
    EDDY_TIME_UNIT_S,
    EDDY_TIME_UNIT_MS,
    EDDY_TIME_UNIT_US,
    EDDY_TIME_UNIT_NS
} eddy_time_unit_t;

typedef struct eddy_time_opts_s {
    const char *format;    /* strptime(3) format, or NULL for the rules */
    eddy_time_unit_t unit; /* epoch numbers' unit, AUTO by digit count */
} eddy_time_opts_t;

/* Parses the LEN bytes at TEXT (no NUL needed) into *MS, milliseconds since
 * the epoch, UTC. OPTS may be NULL (automatic rules). Returns 0, or -1 with
 * *MS untouched and, when WHY is not NULL, a sentence in WHY (at most
 * WHY_SIZE bytes) saying what is wrong and which option fixes it. */
int eddy_time_parse(const char *text, size_t len, const eddy_time_opts_t *opts,
                    int64_t *ms, char *why, size_t why_size);

/* The unit named by NAME: "auto", "s", "ms", "us" or "ns". Returns 0, or -1
 * for any other name. */
int eddy_time_unit_from_name(const char *name, eddy_time_unit_t *unit);

/* Days from 1970-01-01 to the proleptic Gregorian date Y-M-D (M 1..12). */
int64_t eddy_days_from_civil(int64_t y, int m, int d);

/* The proleptic Gregorian date of DAYS since 1970-01-01 (the inverse). */
void eddy_civil_from_days(int64_t days, int64_t *y, int *m, int *d);

/* Calendar months between two event times (Unix ms, UTC) that are STEPS
 * records apart: when both fall on the same day of the month, 1..28, at
 * the same time of day, and are K x STEPS whole months apart (K >= 1),
 * sets *MONTHS_PER_STEP = K (monthly data: 1, quarterly: 3, yearly: 12)
 * and returns 1; otherwise 0 (a fixed step in ms is then the right one). */
int eddy_time_month_step(int64_t prev_ms, int64_t last_ms, int64_t steps,
                         int64_t *months_per_step);

/* T_MS (Unix ms, UTC, day of month 1..28) plus MONTHS calendar months, the
 * same day of the month and time of day. */
int64_t eddy_time_add_months(int64_t t_ms, int64_t months);

#endif
