/* cmd_plot.c - `tokbench plot`: charts from a results file. */
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../reports/plot.h"
#include "cli.h"
#include "commands.h"
#include "setup.h"

static const cli_opt plot_opts[] = {
    {"out", 'o', "DIR", "charts folder (default: charts/ beside RESULTS)"},
    {"split", 's', "SPLIT", "split the charts show: test (default), all or train"},
    {0, 0, 0, 0},
};

const cli_command plot_cmd = {
    "plot", "plot RESULTS.csv [-o DIR] [--split SPLIT]",
    "Draw PNG and SVG charts (gnuplot) from a results file.",
    "Charts, each drawn when the results hold its rows: tokens per language and tokenizer\n"
    "with parity to English, fertility, bytes per token, tokens against BPE vocabulary\n"
    "size, transformer FLOPs and memory by component, n-gram bits per English byte, and\n"
    "the symbol scheme's unknown rate against vocabulary size. Each chart comes with its\n"
    "data (.dat) and gnuplot script (.gp) so it can be restyled. gnuplot is run as an\n"
    "external program (TOKBENCH_GNUPLOT overrides which).\n",
    plot_opts,
};

int cmd_plot(const cli_args *a)
{
    int rc = 0;
    if (a->npos != 1) {
        fprintf(stderr, "usage: tokbench %s\n", plot_cmd.synopsis);
        return TB_EUSAGE;
    }
    char dflt[4200], tmp[4096];
    snprintf(tmp, sizeof tmp, "%s", a->pos[0]);
    snprintf(dflt, sizeof dflt, "%s/charts", dirname(tmp));
    const char *split = cli_get(&plot_cmd, a, "split", "test");
    if (strcmp(split, "test") && strcmp(split, "all") && strcmp(split, "train")) {
        fprintf(stderr, "tokbench plot: --split must be test, all or train, not '%s'\n", split);
        return TB_EUSAGE;
    }
    tb_error err = {0};
    results *r = NULL;
    if (results_load_csv(a->pos[0], &r, &err)) {
        return cli_fail("plot", &err);
    }
    plot_config cfg = {.out_dir = cli_get(&plot_cmd, a, "out", dflt),
                       .gnuplot = getenv("TOKBENCH_GNUPLOT"), .split = split};
    plot_report rep;
    rc = plot_all(r, &cfg, &rep, &err);
    results_free(r);
    if (rc) {
        fprintf(stderr, "tokbench plot: %s\n", err.msg);
        return rc;
    }
    printf("plot: %zu charts in %s (PNG and SVG)", rep.drawn, cfg.out_dir);
    for (size_t i = 0; i < rep.drawn && i < 32; i++)
        printf("%s%s", i ? ", " : ": ", rep.names[i]);
    printf("\n");
    return 0;
}
