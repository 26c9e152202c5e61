/* runtime/signals.h: the SIGINT/SIGTERM stop flag every program polls. */
#ifndef EDDY_RT_SIGNALS_H
#define EDDY_RT_SIGNALS_H

/* Installs the SIGINT/SIGTERM handlers (and ignores SIGPIPE). */
void eddy_signals_install(void);

/* 1 once SIGINT or SIGTERM arrived. Safe from any thread. */
int eddy_loop_stopping(void);

#endif
