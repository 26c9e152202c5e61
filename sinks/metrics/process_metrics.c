/* process_metrics.c: eddy_build_info and the process_* families of the
 * Prometheus client libraries' process collector, read from /proc. */
#include "process_metrics.h"

#include <dirent.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* Fields 14 (utime), 15 (stime), 22 (starttime), 23 (vsize), 24 (rss) of
 * /proc/self/stat. Returns 0 or -1. */
static int read_stat(double *cpu_s, double *start_ticks, double *vsize,
                     double *rss_pages)
{
    char line[1024], *p;
    unsigned long long ut, st, start, vs, rss;
    FILE *f = fopen("/proc/self/stat", "r");
    int ok;

    if (!f)
        return -1;
    ok = fgets(line, sizeof(line), f) != NULL;
    fclose(f);
    /* The command name may hold spaces: fields start after its ')'. */
    if (!ok || !(p = strrchr(line, ')')) ||
        sscanf(p + 2,
               "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu %*d %*d %*d %*d "
               "%*d %*d %llu %llu %llu",
               &ut, &st, &start, &vs, &rss) != 5)
        return -1;
    *cpu_s = (double)(ut + st) / (double)sysconf(_SC_CLK_TCK);
    *start_ticks = (double)start;
    *vsize = (double)vs;
    *rss_pages = (double)rss;
    return 0;
}

static double boot_time(void)
{
    char line[256];
    double btime = 0;
    FILE *f = fopen("/proc/stat", "r");

    while (f && fgets(line, sizeof(line), f))
        if (sscanf(line, "btime %lf", &btime) == 1)
            break;
    if (f)
        fclose(f);
    return btime;
}

static double open_fds(void)
{
    DIR *d = opendir("/proc/self/fd");
    struct dirent *e;
    double n = 0;

    if (!d)
        return -1;
    while ((e = readdir(d)))
        n += e->d_name[0] != '.';
    closedir(d);
    return n - 1; /* the directory's own descriptor */
}

static void one(eddy_prom_buf_t *buf, const char *name, eddy_prom_type_t type,
                const char *help, double v)
{
    if (v < 0)
        return;
    eddy_prom_family(buf, name, type, help);
    eddy_prom_sample(buf, NULL, 0, v);
}

void eddy_process_metrics(eddy_prom_buf_t *buf, const char *program,
                          const char *version)
{
    double cpu, start, vsize, rss;
    eddy_prom_label_t info[2] = {{"program", program}, {"version", version}};

    eddy_prom_family(buf, "eddy_build_info", EDDY_PROM_GAUGE,
                     "Always 1; the labels name the program and its version.");
    eddy_prom_sample(buf, info, 2, 1);
    if (read_stat(&cpu, &start, &vsize, &rss))
        return;
    one(buf, "process_cpu_seconds_total", EDDY_PROM_COUNTER,
        "User and system CPU time spent, seconds.", cpu);
    one(buf, "process_start_time_seconds", EDDY_PROM_GAUGE,
        "Start time of the process since the Unix epoch, seconds.",
        boot_time() + start / (double)sysconf(_SC_CLK_TCK));
    one(buf, "process_resident_memory_bytes", EDDY_PROM_GAUGE,
        "Resident memory, bytes.", rss * (double)sysconf(_SC_PAGESIZE));
    one(buf, "process_virtual_memory_bytes", EDDY_PROM_GAUGE, "Virtual memory, bytes.",
        vsize);
    one(buf, "process_open_fds", EDDY_PROM_GAUGE, "Open file descriptors.", open_fds());
}
