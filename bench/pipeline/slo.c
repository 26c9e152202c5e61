#include "slo.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const keys[] = {"p50", "p90",     "p99",       "p99.9",
                                   "max", "success", "throughput"};
#define N_KEYS     (int)(sizeof(keys) / sizeof(keys[0]))
#define SUCCESS    5
#define THROUGHPUT 6

/* Microseconds of "20ms", "150us", "1.5s"; -1 when malformed. */
static double duration_us(const char *v)
{
    char *end;
    double x = strtod(v, &end);

    if (end == v || !(x >= 0))
        return -1;
    if (!strcmp(end, "us"))
        return x;
    if (!strcmp(end, "ms"))
        return x * 1e3;
    if (!strcmp(end, "s"))
        return x * 1e6;
    return -1;
}

static int parse_term(const char *term, eddy_slo_t *slo, char *errstr,
                      size_t errstr_size)
{
    const char *eq = strchr(term, '=');
    int k = 0;
    double limit;
    char *end;

    while (
        eq && k < N_KEYS &&
        !(strlen(keys[k]) == (size_t)(eq - term) && !strncmp(term, keys[k], eq - term)))
        k++;
    if (!eq || k == N_KEYS) {
        snprintf(errstr, errstr_size,
                 "'%s' is not KEY=VALUE with KEY one of p50, p90, p99, p99.9, max, "
                 "success, throughput",
                 term);
        return -1;
    }
    if (k < SUCCESS)
        limit = duration_us(eq + 1);
    else if ((limit = strtod(eq + 1, &end)), *end || end == eq + 1)
        limit = -1;
    if (limit < 0 || (k == SUCCESS && limit > 1)) {
        snprintf(errstr, errstr_size, "'%s': %s", term,
                 k < SUCCESS    ? "a latency needs a unit: 250us, 20ms or 1.5s"
                 : k == SUCCESS ? "success is a fraction from 0 to 1"
                                : "throughput is records per second, at least 0");
        return -1;
    }
    slo->terms[slo->n].what = k;
    slo->terms[slo->n].limit = limit;
    snprintf(slo->terms[slo->n].text, sizeof(slo->terms[slo->n].text), "%s", term);
    slo->n++;
    return 0;
}

int eddy_slo_parse(const char *text, eddy_slo_t *slo, char *errstr, size_t errstr_size)
{
    char buf[512], *save = NULL;

    memset(slo, 0, sizeof(*slo));
    if (snprintf(buf, sizeof(buf), "%s", text) >= (int)sizeof(buf)) {
        snprintf(errstr, errstr_size, "longer than %zu bytes", sizeof(buf) - 1);
        return -1;
    }
    for (char *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
        if (slo->n == EDDY_SLO_MAX_TERMS) {
            snprintf(errstr, errstr_size, "more than %d terms", EDDY_SLO_MAX_TERMS);
            return -1;
        }
        if (parse_term(t, slo, errstr, errstr_size))
            return -1;
    }
    if (slo->n == 0) {
        snprintf(errstr, errstr_size, "no terms (e.g. p99=20ms,success=0.999)");
        return -1;
    }
    return 0;
}

int eddy_slo_check(const eddy_slo_t *slo, const eddy_slo_figures_t *f, char *missed,
                   size_t missed_size)
{
    size_t used = 0;
    int met = 1;

    missed[0] = '\0';
    for (int i = 0; i < slo->n; i++) {
        int k = slo->terms[i].what;
        double lim = slo->terms[i].limit;
        int ok = k < SUCCESS    ? f->latency_us[k] <= lim
                 : k == SUCCESS ? f->success >= lim
                                : f->throughput >= lim;
        if (ok)
            continue;
        met = 0;
        if (used < missed_size) {
            if (k < SUCCESS)
                used += (size_t)snprintf(missed + used, missed_size - used,
                                         "%s%s %.3fms > %.3fms", used ? "; " : "",
                                         keys[k], f->latency_us[k] / 1e3, lim / 1e3);
            else
                used +=
                    (size_t)snprintf(missed + used, missed_size - used,
                                     "%s%s %.4g < %.4g", used ? "; " : "", keys[k],
                                     k == SUCCESS ? f->success : f->throughput, lim);
        }
    }
    return met;
}
