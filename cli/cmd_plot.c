/* cmd_plot.c - `tokbench plot`: charts from a results file. */
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "../common/afile.h"

#include "../reports/plot.h"
#include "cli.h"
#include "commands.h"
#include "setup.h"

static const cli_opt plot_opts[] = {
    {"out", 'o', "DIR", "charts folder (default: charts/ beside RESULTS), replaced as a whole"},
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
    "external program (TOKBENCH_GNUPLOT overrides which).\n"
    "\n"
    "The charts are drawn into DIR.tmp.PID and switched in place of DIR as a set, so\n"
    "charts of earlier runs do not linger. DIR is replaced only when it does not exist,\n"
    "is empty, or holds results.csv, REPORT.md or a gnuplot script (*.gp); any other\n"
    "folder is refused (exit 3). When gnuplot fails, DIR is left as it was and its log\n"
    "is kept in DIR.tmp.PID/gnuplot.log (the next plot removes it).\n",
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
    char real[4096], odir[4096], obase[256];
    const char *out = cli_out_path(cli_get(&plot_cmd, a, "out", dflt), real, sizeof real);
    afolder set;
    if (cli_check_out_dir(out, 1, &err) ||
        cli_split_path(out, odir, sizeof odir, obase, sizeof obase, &err)) {
        results_free(r);
        return cli_fail("plot", &err);
    }
    cli_clean_stale("plot", odir, obase);
    if (afolder_open(&set, out, &err)) {
        results_free(r);
        return cli_fail("plot", &err);
    }
    plot_config cfg = {.out_dir = set.tmp, .gnuplot = getenv("TOKBENCH_GNUPLOT"),
                       .split = split};
    plot_report rep;
    rc = plot_all(r, &cfg, &rep, &err);
    results_free(r);
    if (rc) {
        plot_report_free(&rep);
        char log[4200];
        struct stat st;
        snprintf(log, sizeof log, "%s/gnuplot.log", set.tmp);
        rc = cli_fail("plot", &err);
        if (stat(log, &st) == 0 && st.st_size > 0) {
            afolder_keep(&set);
            fprintf(stderr, "tokbench plot: '%s' is unchanged; gnuplot's log is kept in '%s'\n",
                    out, log);
        }
        afolder_abort(&set);
        return rc;
    }
    if (afolder_commit(&set, &err)) {
        plot_report_free(&rep);
        return cli_fail("plot", &err);
    }
    printf("plot: %zu charts in %s (PNG and SVG)", rep.drawn, out);
    for (size_t i = 0; i < rep.drawn; i++)
        printf("%s%s", i ? ", " : ": ", rep.charts[i].name);
    printf("\n");
    plot_report_free(&rep);
    return 0;
}
