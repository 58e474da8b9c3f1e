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

/* One chart drawn: NAME.png, NAME.svg, NAME.dat and NAME.gp in out_dir. */
typedef struct plot_chart {
    char name[256];         /* base name, "<chart>_<corpus>" */
    char corpus[128];       /* the corpus it shows */
    char caption[512];      /* one sentence saying what it shows, for the report */
} plot_chart;

typedef struct plot_report {
    size_t drawn;           /* charts written (each as .png and .svg) */
    size_t skipped;         /* charts with no data in the results */
    plot_chart *charts;     /* the drawn charts in drawing order (drawn entries) */
    size_t cap;
} plot_report;

/* Draws every chart the results have data for. Fails with TB_EINPUT when
 * gnuplot cannot be run (the message says how to install it) or fails, and
 * when out of memory. rep is filled even on failure; free it with
 * plot_report_free. */
int plot_all(const results *r, const plot_config *cfg, plot_report *rep, tb_error *err);

void plot_report_free(plot_report *rep);

#endif
