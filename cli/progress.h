/* progress.h - progress of long phases on stderr, for run_config.progress. */
#ifndef CLI_PROGRESS_H
#define CLI_PROGRESS_H

#include <stddef.h>

/* Progress on stderr: a bar with rate and ETA on a terminal, one plain line
 * per phase in CI (no terminal, CI set), nothing otherwise. */
typedef struct cli_progress {
    int tty;            /* 1: redraw one line; 0: plain lines */
    double started;     /* tb_now() at the first report */
    size_t last_done;   /* plain mode: the last unit printed, to print each once */
} cli_progress;

/* A run_config.progress callback; ud is a cli_progress. */
void cli_progress_report(void *ud, const char *phase, size_t done, size_t total);
/* Clears the bar line (terminal mode); call once the phases are over. */
void cli_progress_end(const cli_progress *p);

#endif
