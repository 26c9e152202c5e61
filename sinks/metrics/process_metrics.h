/* process_metrics.h: eddy_build_info{program,version} 1 and the process_*
 * families (CPU seconds, start time, resident and virtual memory, open file
 * descriptors) as Prometheus client libraries name them, read from /proc
 * (Linux). A value that cannot be read leaves its family out. */
#ifndef EDDY_PROCESS_METRICS_H
#define EDDY_PROCESS_METRICS_H

#include "util/prom.h"

/* Appends the families to BUF (none of them written to it yet). PROGRAM
 * and VERSION are label values (borrowed). Errors stay in BUF (sticky). */
void eddy_process_metrics(eddy_prom_buf_t *buf, const char *program,
                          const char *version);

#endif
