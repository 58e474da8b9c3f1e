/* progress.c - a bar with rate and ETA on a terminal, plain phase lines in CI. */
#include "progress.h"

#include <stdio.h>

#include "../common/timer.h"

void cli_progress_report(void *ud, const char *phase, size_t done, size_t total)
{
    cli_progress *p = ud;
    double now = tb_now();
    if (p->started == 0)
        p->started = now;
    double el = now - p->started;
    if (!p->tty) {
        if (total)
            fprintf(stderr, "[%3zu%%] %s (%.1f s)\n", 100 * done / total, phase, el);
        else
            fprintf(stderr, "%s (%.1f s)\n", phase, el);
        return;
    }
    char bar[21];
    size_t fill = total ? 20 * done / total : 0;
    for (size_t i = 0; i < 20; i++)
        bar[i] = i < fill ? '#' : '.';
    bar[20] = '\0';
    if (total && done > 0) {
        double rate = (double)done / el, eta = (double)(total - done) / rate;
        fprintf(stderr, "\r\033[K[%s] %zu/%zu %.2f/s ETA %.0f s  %s", bar, done, total, rate,
                eta, phase);
    } else {
        fprintf(stderr, "\r\033[K[%s] %zu/%zu  %s", bar, done, total, phase);
    }
    fflush(stderr);
}

void cli_progress_end(const cli_progress *p)
{
    if (p->tty)
        fputs("\r\033[K", stderr);
}
