/* cmd_report.c - tokbench report: REPORT.md and charts from a results file;
 * also the writer of a run's output folder. */
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../bench/manifest.h"
#include "../common/afile.h"
#include "../common/tb.h"
#include "../reports/plot.h"
#include "../reports/report.h"
#include "../results/results.h"
#include "commands.h"
#include "setup.h"

static const cli_opt report_opts[] = {
    {"out", 'o', "DIR", "write REPORT.md (and charts/) here (default: the folder of RESULTS); "
                        "the folder is replaced as a whole, keeping its other files"},
    {"no-charts", 0, NULL, "tables only, no gnuplot charts"},
    {"readme", 0, "CORPUS", "print the README's Results block for CORPUS on stdout instead "
                            "(deterministic rows only; tools/readme-results puts it in place)"},
    {0, 0, 0, 0},
};
const cli_command report_cmd = {
    "report", "report RESULTS.csv [-o DIR] | report RESULTS.csv --readme CORPUS",
    "Regenerate REPORT.md from a results file (and manifest.json beside it, if present).",
    "With --readme CORPUS, prints instead the Results block of the README: tokens, parity\n"
    "and n-gram bits per English byte of the corpus's test split for the tokenizers the\n"
    "README names, and the verdicts of every claim part judged on deterministic rows. It is\n"
    "the same on every machine for the same code and corpora, so the tests compare the\n"
    "README with a fresh run of the default suite.\n",
    report_opts,
    NULL,
};

/* Charts into set->tmp/charts, then set->tmp/REPORT.md. A chart failure is a
 * warning, not a failure (the tables are still worth having): the new set
 * then has no charts/, and when gnuplot ran and left a log, the failed charts
 * folder is kept beside the set as "<out>.charts.tmp.<pid>" (the next run
 * removes it) and the warning names the log. */
static int add_name(void *ctx, const char *cname, const char *lang, const char *name)
{
    tb_error ignore;
    return langnames_add(ctx, cname, lang, name, &ignore);
}

int cli_lang_names(const manifest *m, langnames **out, tb_error *err)
{
    if (langnames_new(out, err))
        return TB_EINPUT;
    if (m && manifest_lang_names(m, add_name, *out)) {
        langnames_free(*out);
        *out = NULL;
        return tb_fail(err, TB_EINPUT, "language names: out of memory");
    }
    return TB_OK;
}

int cli_manifest_beside(const char *results_path, manifest **m, tb_error *err)
{
    char path[4096], src[4096];
    *m = NULL;
    snprintf(src, sizeof src, "%s", results_path);
    snprintf(path, sizeof path, "%s/manifest.json", dirname(src));
    if (access(path, F_OK) != 0)
        return TB_OK;
    return manifest_load(path, m, err);
}

/* The report of res with m's rendering and language names (m may be NULL). */
static int report_into(const results *res, const manifest *m, const afolder *set, int charts,
                       tb_error *err)
{
    char path[4200];
    langnames *names = NULL;
    if (cli_lang_names(m, &names, err))
        return TB_EINPUT;
    char *md = m ? manifest_markdown(m) : NULL;
    plot_report pr = {0};
    if (charts) {
        snprintf(path, sizeof path, "%s/charts", set->tmp);
        plot_config pc = {.out_dir = path, .gnuplot = getenv("TOKBENCH_GNUPLOT"),
                          .names = names};
        tb_error perr = {0};
        if (plot_all(res, &pc, &pr, &perr)) {
            plot_report_free(&pr);
            char log[4300], kept[4200];
            struct stat st;
            snprintf(log, sizeof log, "%s/gnuplot.log", path);
            snprintf(kept, sizeof kept, "%s.charts.tmp.%ld", set->path, (long)getpid());
            if (stat(log, &st) == 0 && st.st_size > 0 && tb_remove_tree(kept) == 0 &&
                rename(path, kept) == 0)
                fprintf(stderr,
                        "tokbench: warning: charts skipped: %s (gnuplot's log is kept in "
                        "'%s/gnuplot.log' until the next run)\n",
                        perr.msg, kept);
            else
                fprintf(stderr, "tokbench: warning: charts skipped: %s\n", perr.msg);
            tb_remove_tree(path);
        }
    }
    report_extras ex = {.manifest_md = md, .chart_dir = "charts", .charts = pr.charts,
                        .n_charts = pr.drawn, .names = names};
    snprintf(path, sizeof path, "%s/REPORT.md", set->tmp);
    int rc = report_save_markdown(res, &ex, path, err);
    plot_report_free(&pr);
    free(md);
    langnames_free(names);
    return rc;
}

int cli_write_report(const results *res, const manifest *m, const char *out_dir, int charts,
                     tb_error *err)
{
    static const char *const replaced[] = {"REPORT.md", "charts"};
    afolder set;
    int rc = afolder_open(&set, out_dir, err);
    if (rc == TB_OK)
        rc = afolder_carry(&set, replaced, 2, err);
    if (rc == TB_OK)
        rc = report_into(res, m, &set, charts, err);
    if (rc == TB_OK)
        rc = afolder_commit(&set, err);
    afolder_abort(&set);
    return rc;
}

int cli_write_outputs(const results *res, const manifest *m, const char *out_dir,
                      tb_error *err)
{
    char path[4200];
    afolder set;
    if (afolder_open(&set, out_dir, err))
        return TB_EINPUT;
    snprintf(path, sizeof path, "%s/results.csv", set.tmp);
    int rc = results_save_csv(res, path, err);
    if (rc == TB_OK && m) {
        snprintf(path, sizeof path, "%s/manifest.json", set.tmp);
        rc = manifest_save(m, path, err);
    }
    if (rc == TB_OK)
        rc = report_into(res, m, &set, 1, err);
    if (rc == TB_OK)
        rc = afolder_commit(&set, err);
    afolder_abort(&set);
    return rc;
}

int cmd_report(const cli_args *a)
{
    int rc = 0;
    if (a->npos != 1) {
        fprintf(stderr, "usage: tokbench %s\n", report_cmd.synopsis);
        return TB_EUSAGE;
    }
    char dir[4096];
    snprintf(dir, sizeof dir, "%s", a->pos[0]);
    const char *out_dir = cli_get(&report_cmd, a, "out", dirname(dir));
    char real[4096];
    out_dir = cli_out_path(out_dir, real, sizeof real);
    tb_error err = {0};
    results *res = NULL;
    if (results_load_csv(a->pos[0], &res, &err))
        return cli_fail("report", &err);
    const char *readme = cli_get(&report_cmd, a, "readme", NULL);
    if (readme) {
        rc = report_write_readme(res, readme, stdout, &err);
        if (rc == TB_OK && fflush(stdout) != 0)
            rc = tb_fail(&err, TB_EINPUT, "cannot write output");
        results_free(res);
        return rc ? cli_fail("report", &err) : 0;
    }
    char path[4096];
    manifest *m = NULL;
    if (cli_manifest_beside(a->pos[0], &m, &err)) {
        results_free(res);
        return cli_fail("report", &err);
    }
    snprintf(path, sizeof path, "%s/REPORT.md", out_dir);
    char odir[4096], obase[256];
    rc = cli_check_out_dir(out_dir, 0, &err);
    if (rc == TB_OK)
        rc = cli_split_path(out_dir, odir, sizeof odir, obase, sizeof obase, &err);
    if (rc == TB_OK) {
        cli_clean_stale("report", odir, obase);
        rc = cli_write_report(res, m, out_dir, !cli_count(&report_cmd, a, "no-charts"), &err);
    }
    if (rc == TB_OK)
        printf("wrote %s (%zu rows)\n", path, results_count(res));
    manifest_free(m);
    results_free(res);
    return rc ? cli_fail("report", &err) : 0;
}
