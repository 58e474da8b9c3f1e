/* plot.h - charts from a results table, drawn by gnuplot run as an external
 * program on data files tokbench writes. Each chart is a .dat file, a .gp
 * script and its PNG (pngcairo) and SVG, in one folder. A chart whose rows
 * are not in the results is skipped, so charts appear as capabilities land.
 * Languages keep one colour everywhere (en blue, ru red, zh gold, others
 * from a fixed palette in order of appearance). */
#ifndef PLOT_H
#define PLOT_H

#include <stddef.h>

#include "../results/results.h"
#include "../common/tb.h"

typedef struct plot_config {
    const char *out_dir;    /* charts go here (created) */
    const char *gnuplot;    /* program to run, "gnuplot" when NULL */
    const char *split;      /* which split the charts show, "test" when NULL */
} plot_config;

typedef struct plot_report {
    size_t drawn;           /* charts written (each as .png and .svg) */
    size_t skipped;         /* charts with no data in the results */
    char names[32][256];    /* base names of the charts drawn (first 32) */
} plot_report;

/* Draws every chart the results have data for. Fails with TB_EINPUT when
 * gnuplot cannot be run (the message says how to install it) or fails. */
int plot_all(const results *r, const plot_config *cfg, plot_report *rep, tb_error *err);

#endif
