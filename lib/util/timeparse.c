/* strptime(3) is an X/Open function. */
#define _XOPEN_SOURCE 700
#include "util/timeparse.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#define MS_PER_DAY          86400000LL
#define MONTH_STEP_LIMIT_MS 10000000000000000LL /* 1e16 ms */

/* A read position in the text being parsed. */
typedef struct cur_s {
    const char *s, *end;
} cur_t;

static const char *const month_names[] = {
    "January", "February", "March",     "April",   "May",      "June",
    "July",    "August",   "September", "October", "November", "December"};

/* Howard Hinnant's days-from-civil, valid for any year. */
int64_t eddy_days_from_civil(int64_t y, int m, int d)
{
    int64_t era, yoe, doy, doe;

    y -= m <= 2;
    era = (y >= 0 ? y : y - 399) / 400;
    yoe = y - era * 400;
    doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

void eddy_civil_from_days(int64_t days, int64_t *y, int *m, int *d)
{
    int64_t z = days + 719468, era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;

    *d = (int)(doy - (153 * mp + 2) / 5 + 1);
    *m = (int)(mp < 10 ? mp + 3 : mp - 9);
    *y = yoe + era * 400 + (*m <= 2);
}

/* T_MS split into whole days since the epoch and the time of day in ms. */
static void split_ms(int64_t t_ms, int64_t *days, int64_t *clock)
{
    *days = t_ms / MS_PER_DAY;
    *clock = t_ms % MS_PER_DAY;
    if (*clock < 0) {
        *clock += MS_PER_DAY;
        (*days)--;
    }
}

int eddy_time_month_step(int64_t prev_ms, int64_t last_ms, int64_t steps,
                         int64_t *months_per_step)
{
    int64_t da, db, ca, cb, ya, yb, months;
    int ma, mb, dda, ddb;

    /* beyond +-300,000 years the projection could overflow: use ms steps */
    if (steps < 1 || last_ms <= prev_ms || prev_ms < -MONTH_STEP_LIMIT_MS ||
        last_ms > MONTH_STEP_LIMIT_MS)
        return 0;
    split_ms(prev_ms, &da, &ca);
    split_ms(last_ms, &db, &cb);
    eddy_civil_from_days(da, &ya, &ma, &dda);
    eddy_civil_from_days(db, &yb, &mb, &ddb);
    months = (yb - ya) * 12 + (mb - ma);
    if (ca != cb || dda != ddb || dda > 28 || months < steps || months % steps)
        return 0;
    *months_per_step = months / steps;
    return 1;
}

int64_t eddy_time_add_months(int64_t t_ms, int64_t months)
{
    int64_t days, clock, y, m0;
    int m, d;

    split_ms(t_ms, &days, &clock);
    eddy_civil_from_days(days, &y, &m, &d);
    m0 = y * 12 + (m - 1) + months;
    y = m0 >= 0 ? m0 / 12 : (m0 - 11) / 12;
    m = (int)(m0 - y * 12) + 1;
    return eddy_days_from_civil(y, m, d) * MS_PER_DAY + clock;
}

static int days_in_month(int64_t y, int m)
{
    static const int mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return mdays[m - 1] + (m == 2 && leap);
}

static int is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static size_t digit_run(const char *s, const char *end)
{
    size_t n = 0;
    while (s + n < end && is_digit(s[n]))
        n++;
    return n;
}

/* Reads exactly N digits. */
static int read_digits(cur_t *c, int n, int *out)
{
    int v = 0;

    if (c->end - c->s < n)
        return -1;
    for (int i = 0; i < n; i++) {
        if (!is_digit(c->s[i]))
            return -1;
        v = v * 10 + (c->s[i] - '0');
    }
    c->s += n;
    *out = v;
    return 0;
}

static int accept(cur_t *c, char ch)
{
    if (c->s < c->end && *c->s == ch) {
        c->s++;
        return 1;
    }
    return 0;
}

/* Writes "'TEXT': " plus the formatted rest into WHY (TEXT cut at 48
 * bytes) and returns -1. */
static int fail(char *why, size_t size, const char *text, size_t len, const char *fmt,
                ...) __attribute__((format(printf, 5, 6)));

static int fail(char *why, size_t size, const char *text, size_t len, const char *fmt,
                ...)
{
    va_list ap;
    int n;

    if (!why || size == 0)
        return -1;
    n = snprintf(why, size, "'%.*s%s': ", (int)(len > 48 ? 48 : len), text,
                 len > 48 ? "..." : "");
    if (n >= 0 && (size_t)n < size) {
        va_start(ap, fmt);
        vsnprintf(why + n, size - (size_t)n, fmt, ap);
        va_end(ap);
    }
    return -1;
}

/* hh:mm[:ss[(.|,)fraction]] into milliseconds of the day. */
static int parse_clock(cur_t *c, int64_t *ms)
{
    int h, mi, sec = 0, frac = 0;

    if (read_digits(c, 2, &h) || !accept(c, ':') || read_digits(c, 2, &mi) || h > 23 ||
        mi > 59)
        return -1;
    if (accept(c, ':')) {
        if (read_digits(c, 2, &sec) || sec > 60)
            return -1;
        if (accept(c, '.') || accept(c, ',')) {
            size_t n = digit_run(c->s, c->end);
            if (n == 0)
                return -1;
            for (size_t i = 0; i < 3; i++)
                frac = frac * 10 + (i < n ? c->s[i] - '0' : 0);
            c->s += n;
        }
    }
    *ms = ((h * 60LL + mi) * 60 + sec) * 1000 + frac;
    return 0;
}

/* Z, +hh:mm, +hhmm, +hh (or -) into minutes east of UTC; none is UTC. */
static int parse_offset(cur_t *c, int *minutes)
{
    int sign, h, m = 0;

    *minutes = 0;
    if (c->s == c->end)
        return 0;
    if (accept(c, 'Z') || accept(c, 'z'))
        return 0;
    if (*c->s != '+' && *c->s != '-')
        return -1;
    sign = *c->s++ == '-' ? -1 : 1;
    if (read_digits(c, 2, &h) || h > 23)
        return -1;
    if (c->s < c->end) {
        accept(c, ':');
        if (read_digits(c, 2, &m) || m > 59)
            return -1;
    }
    *minutes = sign * (h * 60 + m);
    return 0;
}

static int parse_iso(const char *text, size_t len, int64_t *ms, char *why,
                     size_t why_size)
{
    cur_t c = {text, text + len};
    int y, mo = 1, d = 1, off = 0;
    int64_t clock = 0;
    int basic = digit_run(text, c.end) == 8;

    if (read_digits(&c, 4, &y))
        goto bad;
    if (basic || accept(&c, '-')) {
        if (read_digits(&c, 2, &mo))
            goto bad;
        if (mo < 1 || mo > 12)
            return fail(why, why_size, text, len, "month %d is not 1..12", mo);
        if (basic || accept(&c, '-')) {
            if (read_digits(&c, 2, &d))
                goto bad;
            if (d < 1 || d > days_in_month(y, mo))
                return fail(why, why_size, text, len, "%s %d has no day %d",
                            month_names[mo - 1], y, d);
            if (accept(&c, 'T') || accept(&c, 't') || accept(&c, ' ')) {
                if (parse_clock(&c, &clock) || parse_offset(&c, &off))
                    goto bad;
            }
        }
    }
    if (c.s != c.end)
        goto bad;
    *ms = eddy_days_from_civil(y, mo, d) * MS_PER_DAY + clock - off * 60000LL;
    return 0;
bad:
    return fail(why, why_size, text, len,
                "not a time: expected ISO 8601 (2024-03-01T00:00:00Z, "
                "2024-03-01 00:00+01:00, 2024-03-01, 2024-03), epoch seconds (10 "
                "digits) or milliseconds (13 digits); for other layouts set "
                "--time-format (strptime, e.g. '%%b %%Y' or '%%m/%%d/%%Y')");
}

/* floor(A / B) for B > 0. */
static int64_t floor_div(int64_t a, int64_t b)
{
    return a / b - (a % b != 0 && a < 0);
}

/* [-]digits[.fraction] of UNIT since the epoch (a fraction only for s). */
static int parse_epoch(const char *text, size_t len, eddy_time_unit_t unit, int64_t *ms,
                       char *why, size_t why_size)
{
    cur_t c = {text, text + len};
    int neg = accept(&c, '-') ? 1 : (accept(&c, '+'), 0);
    size_t n = digit_run(c.s, c.end);
    int64_t v = 0, frac = 0;

    const char *name = unit == EDDY_TIME_UNIT_S    ? "seconds"
                       : unit == EDDY_TIME_UNIT_MS ? "milliseconds"
                       : unit == EDDY_TIME_UNIT_US ? "microseconds"
                                                   : "nanoseconds";
    int max = unit == EDDY_TIME_UNIT_S ? 15 : 17;

    if (n == 0 || n > (size_t)max)
        return fail(why, why_size, text, len,
                    "not an epoch time in %s (an integer of at most %d digits)", name,
                    max);
    for (size_t i = 0; i < n; i++)
        v = v * 10 + (c.s[i] - '0');
    c.s += n;
    if (unit == EDDY_TIME_UNIT_S && accept(&c, '.')) {
        size_t f = digit_run(c.s, c.end);
        for (size_t i = 0; i < 3; i++)
            frac = frac * 10 + (i < f ? c.s[i] - '0' : 0);
        c.s += f;
    }
    if (c.s != c.end)
        return fail(why, why_size, text, len,
                    "trailing text after the epoch number (in %s)", name);
    if (neg) {
        v = -v;
        frac = -frac;
    }
    switch (unit) {
    case EDDY_TIME_UNIT_S:
        *ms = v * 1000 + frac;
        break;
    case EDDY_TIME_UNIT_US:
        *ms = floor_div(v, 1000);
        break;
    case EDDY_TIME_UNIT_NS:
        *ms = floor_div(v, 1000000);
        break;
    default:
        *ms = v;
    }
    return 0;
}

/* Text that is all digits (perhaps with a fraction): told apart by count. */
static int parse_auto_digits(const char *text, size_t len, size_t n, int64_t *ms,
                             char *why, size_t why_size)
{
    if (n == 9 || n == 10)
        return parse_epoch(text, len, EDDY_TIME_UNIT_S, ms, why, why_size);
    if ((n == 12 || n == 13) && n == len)
        return parse_epoch(text, len, EDDY_TIME_UNIT_MS, ms, why, why_size);
    return fail(why, why_size, text, len,
                "a %zu-digit number is not a time by itself: a year has 4 digits, "
                "YYYYMMDD 8, epoch seconds 9-10, epoch milliseconds 12-13; set "
                "--time-unit s|ms|us|ns for epoch numbers of other lengths",
                n);
}

static int parse_format(const char *text, size_t len, const char *format, int64_t *ms,
                        char *why, size_t why_size)
{
    char buf[256];
    struct tm tm;
    const char *end;

    if (len >= sizeof(buf))
        return fail(why, why_size, text, len, "longer than %zu bytes", sizeof(buf) - 1);
    memcpy(buf, text, len);
    buf[len] = '\0';
    memset(&tm, 0, sizeof(tm));
    tm.tm_mday = 1;
    end = strptime(buf, format, &tm);
    if (!end || *end)
        return fail(why, why_size, text, len, "does not match --time-format '%s'%s",
                    format, end ? " (trailing text)" : "");
    if (tm.tm_mon < 0 || tm.tm_mon > 11 || tm.tm_mday < 1 ||
        tm.tm_mday > days_in_month(tm.tm_year + 1900LL, tm.tm_mon + 1))
        return fail(why, why_size, text, len, "no such day");
    *ms = eddy_days_from_civil(tm.tm_year + 1900LL, tm.tm_mon + 1, tm.tm_mday) *
              MS_PER_DAY +
          ((tm.tm_hour * 60LL + tm.tm_min) * 60 + tm.tm_sec - tm.tm_gmtoff) * 1000;
    return 0;
}

int eddy_time_parse(const char *text, size_t len, const eddy_time_opts_t *opts,
                    int64_t *ms, char *why, size_t why_size)
{
    eddy_time_unit_t unit = opts ? opts->unit : EDDY_TIME_UNIT_AUTO;
    size_t n = digit_run(text, text + len);
    int64_t v;
    int rc;

    if (len == 0)
        return fail(why, why_size, text, len, "empty time");
    if (opts && opts->format)
        rc = parse_format(text, len, opts->format, &v, why, why_size);
    else if (unit != EDDY_TIME_UNIT_AUTO)
        rc = parse_epoch(text, len, unit, &v, why, why_size);
    else if (n > 0 && n != 4 && n != 8 && (n == len || text[n] == '.'))
        rc = parse_auto_digits(text, len, n, &v, why, why_size);
    else
        rc = parse_iso(text, len, &v, why, why_size);
    if (rc == 0)
        *ms = v;
    return rc;
}

int eddy_time_unit_from_name(const char *name, eddy_time_unit_t *unit)
{
    static const char *const names[] = {"auto", "s", "ms", "us", "ns"};

    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
        if (!strcmp(name, names[i])) {
            *unit = (eddy_time_unit_t)i;
            return 0;
        }
    return -1;
}
