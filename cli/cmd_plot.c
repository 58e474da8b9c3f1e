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
    {"tokenizer", 't', "SPEC", "only this tokenizer of the results (repeatable; default all)"},
    {"lang", 'l', "LANG", "only this language of the results (repeatable; default all)"},
    {"captions", 0, NULL, "after drawing, print each chart's name and caption (TAB between)"},
    {0, 0, 0, 0},
};

const cli_command plot_cmd = {
    "plot", "plot RESULTS.csv [-o DIR] [--split SPLIT] [-t SPEC]... [-l LANG]... [--captions]",
    "Draw PNG and SVG charts (gnuplot) from a results file.",
    "Charts, each drawn when the results hold its rows: tokens per language and tokenizer\n"
    "with parity to English, fertility, bytes per token, tokens against the BPE vocabulary\n"
    "size reached, transformer FLOPs and memory by component, prefill ms against length,\n"
    "projected decode ms against model size, training hours, selector latency, n-gram bits\n"
    "per English byte, and the symbol schemes' unknown rate against vocabulary size. Each\n"
    "chart comes with its data (.dat) and gnuplot script (.gp) so it can be restyled.\n"
    "gnuplot is run as an external program (TOKBENCH_GNUPLOT overrides which).\n"
    "\n"
    "Every chart is at most 1600 px wide. Charts with a bar per tokenizer are drawn once\n"
    "per tokenizer group, NAME_GROUP_CORPUS: production (tiktoken:*, hf:*), trained\n"
    "(bpe:*, joint:bpe:*), symbol (symbol:*, symbol-space:*, symbol-stem:*), base (bytes,\n"
    "chars, graphemes), other. -t and -l draw only the tokenizers and languages named; a\n"
    "name the results do not hold is a usage error (exit 2) that lists the ones they do.\n"
    "A corpus of more than 10 languages (with more than 10 of them selected) gets one\n"
    "chart instead, atlas_CORPUS: every language a row sorted by its median parity over\n"
    "the tokenizers (split all), its code and name (from the manifest.json beside RESULTS,\n"
    "if any) coloured by script family, a panel per tokenizer (names with the same counts\n"
    "in every language share one) with the byte premium first (REPORT.md's Atlas section;\n"
    "tokbench help run).\n"
    "\n"
    "The charts are drawn into DIR.tmp.PID and switched in place of DIR as a set, so\n"
    "charts of earlier runs do not linger. DIR is replaced only when it does not exist,\n"
    "is empty, or holds results.csv, REPORT.md or a gnuplot script (*.gp); any other\n"
    "folder is refused (exit 3). When gnuplot fails, DIR is left as it was and its log\n"
    "is kept in DIR.tmp.PID/gnuplot.log (the next plot removes it).\n",
    plot_opts,
    NULL,
};

/* 1 after saying so when a value of option opt (tokenizer or lang) is not
 * in the results: the message lists the ones they hold (tokenizers: those
 * with a tokens row, the others are pseudo-tokenizers such as archive). */
static int check_names(const cli_args *a, const results *r, const char *opt, const char *file)
{
    int oi = cli_opt_index(&plot_cmd, opt), tok = strcmp(opt, "tokenizer") == 0;
    results_names held = {0}, listed = {0};
    for (size_t i = 0; i < results_count(r); i++) {
        result_row row;
        results_get(r, i, &row);
        const char *s = tok ? row.tokenizer : row.lang;
        results_names_add(&held, s);
        if (!tok || strcmp(row.metric, "tokens") == 0)
            results_names_add(&listed, s);
    }
    int bad = 0;
    for (size_t j = 0; j < a->n[oi] && !bad; j++) {
        if (results_names_has(&held, a->v[oi][j]))
            continue;
        bad = 1;
        fprintf(stderr, "tokbench plot: %s '%s' is not in '%s'; it holds:", tok ? "tokenizer" : "language",
                a->v[oi][j], file);
        for (size_t k = 0; k < listed.n; k++)
            fprintf(stderr, "%s %s", k ? "," : "", listed.v[k]);
        fputc('\n', stderr);
    }
    results_names_release(&held);
    results_names_release(&listed);
    return bad;
}

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
    if (check_names(a, r, "tokenizer", a->pos[0]) || check_names(a, r, "lang", a->pos[0])) {
        results_free(r);
        return TB_EUSAGE;
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
    /* the atlas's language names, from the manifest.json beside the results */
    manifest *m = NULL;
    langnames *names = NULL;
    if (cli_manifest_beside(a->pos[0], &m, &err) || cli_lang_names(m, &names, &err)) {
        manifest_free(m);
        results_free(r);
        afolder_abort(&set);
        return cli_fail("plot", &err);
    }
    manifest_free(m);
    int ti = cli_opt_index(&plot_cmd, "tokenizer"), li = cli_opt_index(&plot_cmd, "lang");
    plot_config cfg = {.out_dir = set.tmp, .gnuplot = getenv("TOKBENCH_GNUPLOT"),
                       .split = split, .tokenizers = a->v[ti], .n_tokenizers = a->n[ti],
                       .langs = a->v[li], .n_langs = a->n[li], .names = names};
    plot_report rep;
    rc = plot_all(r, &cfg, &rep, &err);
    results_free(r);
    langnames_free(names);
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
    if (cli_count(&plot_cmd, a, "captions"))
        for (size_t i = 0; i < rep.drawn; i++)
            printf("%s\t%s\n", rep.charts[i].name, rep.charts[i].caption);
    plot_report_free(&rep);
    return 0;
}
