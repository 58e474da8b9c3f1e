/* cmd_check.c - `tokbench check`: the CI gate over results files. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../bench/check.h"
#include "cli.h"
#include "commands.h"
#include "setup.h"
#include "../results/results.h"

static const cli_opt check_opts[] = {
    {"baseline", 'b', "FILE", "the baseline results file (required)"},
    {"tol", 0, "METRIC=X%", "allowed relative change for metrics matching METRIC ('*' globs; "
                            "repeatable, later wins)"},
    {"update", 0, NULL, "rewrite the baseline from RESULTS (atomically) instead of checking"},
    {"keep-timings", 0, NULL, "with --update: keep timing rows (ms, us, s, MB/s)"},
    {"max-rows", 0, "N", "print at most N moved rows (default 50)"},
    {0, 0, 0, 0},
};

const cli_command check_cmd = {
    "check", "check --baseline BASE.csv [--tol METRIC=X%]... [--update] RESULTS.csv",
    "Compare results with a baseline row by row; exit 1 on a regression.",
    "Rows match on corpus, split, lang, tokenizer and metric. Deterministic metrics must\n"
    "match exactly unless --tol allows more; timing rows (ms, us, s, MB/s) are skipped\n"
    "unless a --tol names them. A move in the costly direction (more tokens, higher\n"
    "fertility, more bits, more ms) is a regression, the other way an improvement; a\n"
    "change to a metric without a direction (segments, bytes, vocab_size, ...) and a\n"
    "baseline row missing from the results also fail. Rows only in the results are new\n"
    "and pass. Exit 0 when nothing failed, 1 on a regression, 3 on unreadable files.\n"
    "\n"
    "  tokbench run -c udhr -t bytes -o out && tokbench check -b baseline.csv out/results.csv\n"
    "  tokbench check -b baseline.csv --tol tokens=0.5% --tol 'ms_*=25%' out/results.csv\n"
    "  tokbench check -b baseline.csv --update out/results.csv   # accept on purpose\n",
    check_opts,
};

static int update_baseline(const results *cur, const char *path, int keep_timings)
{
    tb_error err = {0};
    results *out = NULL;
    if (results_new(&out, &err))
        return cli_fail("check", &err);
    size_t dropped = 0;
    for (size_t i = 0; i < results_count(cur); i++) {
        result_row r;
        results_get(cur, i, &r);
        if (!keep_timings && results_unit_is_timing(r.unit)) {
            dropped++;
            continue;
        }
        if (results_add(out, r.corpus, r.split, r.lang, r.tokenizer, r.metric, r.value, r.unit,
                        &err)) {
            results_free(out);
            return cli_fail("check", &err);
        }
    }
    int rc = results_save_csv(out, path, &err);
    if (rc == TB_OK)
        printf("check: baseline %s updated: %zu rows (%zu timing rows left out)\n", path,
               results_count(out), dropped);
    results_free(out);
    return rc ? cli_fail("check", &err) : 0;
}

static void print_row(const results *base, const results *cur, const check_item *it)
{
    result_row b = {0}, c = {0};
    if (it->base_row >= 0)
        results_get(base, (size_t)it->base_row, &b);
    if (it->cur_row >= 0)
        results_get(cur, (size_t)it->cur_row, &c);
    const result_row *k = it->base_row >= 0 ? &b : &c;
    char bv[32] = "-", cv[32] = "-", ch[32] = "";
    if (it->base_row >= 0)
        results_format_value(b.value, bv, sizeof bv);
    if (it->cur_row >= 0)
        results_format_value(c.value, cv, sizeof cv);
    if (it->base_row >= 0 && it->cur_row >= 0)
        snprintf(ch, sizeof ch, "%+.3f%%", 100.0 * it->rel_change);
    printf("%-10s %-12s %-5s %-4s %-22s %-22s %14s %14s %10s\n",
           check_verdict_name(it->verdict), k->corpus, k->split, k->lang, k->tokenizer,
           k->metric, bv, cv, ch);
}

int cmd_check(const cli_args *a)
{
    int rc = 0;
    const char *base_path = cli_get(&check_cmd, a, "baseline", NULL);
    if (!base_path || a->npos != 1) {
        fprintf(stderr, "usage: tokbench %s\n", check_cmd.synopsis);
        return TB_EUSAGE;
    }
    tb_error err = {0};
    check_config cfg = {0};
    int it = cli_opt_index(&check_cmd, "tol");
    if (a->n[it] > CHECK_MAX_TOLS) {
        fprintf(stderr, "tokbench check: at most %d --tol options\n", CHECK_MAX_TOLS);
        return TB_EUSAGE;
    }
    for (size_t i = 0; i < a->n[it]; i++)
        if (check_parse_tol(a->v[it][i], &cfg.tols[cfg.n_tols++], &err))
            return cli_fail("check", &err);
    const char *mr = cli_get(&check_cmd, a, "max-rows", "50");
    char *end;
    long max_rows = strtol(mr, &end, 10);
    if (*end || max_rows < 0) {
        fprintf(stderr, "tokbench check: --max-rows '%s' is not a count\n", mr);
        return TB_EUSAGE;
    }
    results *cur = NULL, *base = NULL;
    if (results_load_csv(a->pos[0], &cur, &err))
        return cli_fail("check", &err);
    if (cli_count(&check_cmd, a, "update")) {
        rc = update_baseline(cur, base_path, cli_count(&check_cmd, a, "keep-timings") > 0);
        results_free(cur);
        return rc;
    }
    if (results_load_csv(base_path, &base, &err)) {
        results_free(cur);
        if (access(base_path, R_OK) != 0)
            tb_fail(&err, TB_EINPUT,
                    "baseline '%s': cannot open: %s (write one with 'tokbench check --baseline "
                    "%s --update %s')",
                    base_path, strerror(errno), base_path, a->pos[0]);
        else
            tb_wrap(&err, "baseline: ");
        return cli_fail("check", &err);
    }
    check_report rep;
    if (check_compare(base, cur, &cfg, &rep, &err)) {
        results_free(cur);
        results_free(base);
        return cli_fail("check", &err);
    }
    printf("check: %s against baseline %s: %zu rows compared, %zu timing rows skipped\n",
           a->pos[0], base_path, rep.compared, rep.skipped_timing);
    size_t shown = 0;
    /* failures first, then improvements, then new rows */
    static const enum check_verdict order[] = {CHECK_REGRESSED, CHECK_CHANGED, CHECK_MISSING,
                                               CHECK_IMPROVED, CHECK_NEW};
    if (rep.n_items) {
        printf("%-10s %-12s %-5s %-4s %-22s %-22s %14s %14s %10s\n", "verdict", "corpus",
               "split", "lang", "tokenizer", "metric", "baseline", "current", "change");
        for (size_t o = 0; o < sizeof order / sizeof order[0]; o++)
            for (size_t i = 0; i < rep.n_items; i++)
                if (rep.items[i].verdict == order[o] && (long)shown < max_rows) {
                    print_row(base, cur, &rep.items[i]);
                    shown++;
                }
        if (shown < rep.n_items)
            printf("... %zu more rows\n", rep.n_items - shown);
    }
    int failed = check_failed(&rep);
    printf("check: %zu regressed, %zu changed, %zu missing, %zu improved, %zu new: %s\n",
           rep.n_regressed, rep.n_changed, rep.n_missing, rep.n_improved, rep.n_new,
           failed ? "FAIL" : "ok");
    check_report_release(&rep);
    results_free(cur);
    results_free(base);
    return failed ? TB_EREGRESS : 0;
}
