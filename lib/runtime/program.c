/* runtime/program.c: command line and logging set-up shared by programs. */
#include <stdio.h>

#include "runtime/loop.h"
#include "util/log.h"

eddy_opts_t *eddy_program_init(const char *prog, const char *stage, const char *usage,
                               const char *summary, const eddy_opt_t *own,
                               int with_loop, int argc, char **argv, int *rc)
{
    const eddy_opt_t *tables[] = {own, eddy_opts_common,
                                  with_loop ? eddy_loop_opts : NULL, NULL};
    eddy_opts_t *opts = eddy_opts_parse(prog, usage, summary, tables, argc, argv, rc);
    int level;

    if (!opts)
        return NULL;
    if ((level = eddy_log_level_parse(eddy_opts_str(opts, "log-level"))) < 0) {
        fprintf(stderr,
                "%s: invalid --log-level '%s': use error, warn, info or debug\n", prog,
                eddy_opts_str(opts, "log-level"));
        eddy_opts_destroy(opts);
        *rc = 2;
        return NULL;
    }
    eddy_log_init(stage, (eddy_log_level_t)level);
    return opts;
}
