/* cmd_check.c - `tokbench check`: the CI gate over results files. */
#include <errno.h>
#include <math.h>
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
    {"tol", 0, "METRIC=X%", "allowed change for metrics matching METRIC: X% relative or abs:X "
                            "in the metric's unit ('*' globs; repeatable, later wins)"},
    {"format", 0, "FMT", "text (default), markdown (a PR comment) or json (schema in DESIGN.md)"},
    {"update", 0, NULL, "rewrite the baseline from RESULTS (atomically) instead of checking"},
    {"keep-timings", 0, NULL, "with --update: keep timing rows (ms, us, s, MB/s)"},
    {"max-rows", 0, "N", "list at most N lines per table (default 50)"},
    {0, 0, 0, 0},
};

const cli_command check_cmd = {
    "check",
    "check --baseline BASE.csv [--tol METRIC=X%|METRIC=abs:X]... [--format text|markdown|json] "
    "[--update] RESULTS.csv",
    "Compare results with a baseline row by row; exit 1 on a regression.",
    "Rows match on corpus, split, lang, tokenizer and metric. Deterministic metrics must\n"
    "match exactly unless --tol allows more; timing rows (ms, us, s, MB/s) are skipped\n"
    "unless a --tol names them. A move in the costly direction (more tokens, higher\n"
    "fertility, more FLOPs, bytes, bits or ms) is a regression (exit 1), the other way an\n"
    "improvement (passes); a change to a metric without a direction (segments, bytes,\n"
    "vocab_size, ...) and a baseline row missing from the results also fail. Rows only in\n"
    "the results are new and pass. Informational metrics (vocab_used, renyi_efficiency,\n"
    "parity and the other ratios to English, ngram_bits_per_token, ngram_perplexity) are\n"
    "listed but pass unless a --tol names them.\n"
    "\n"
    "A tolerance is METRIC=X% (relative) or METRIC=abs:X (in the metric's unit); a bare\n"
    "number is a usage error, and so is a METRIC that matches no known metric. Rows derived\n"
    "from the token count (fertility, bytes_per_token, chars_per_token, parity, flops_*,\n"
    "bytes_kv_cache, bytes_activations, bytes_train, model_chunks, proj_train_*, ...) with no\n"
    "--tol of their own inherit the tolerance t of tokens as (1-t)^-k - 1, k the number of\n"
    "token-count factors they scale with, and are folded under the tokens line.\n"
    "One line per corpus, lang, tokenizer and metric: the test split where the baseline has\n"
    "it, the other splits folded. Exit 0 when nothing failed, 1 on a regression, change or\n"
    "missing row, 2 on usage errors, 3 on unreadable files; the same for every --format.\n"
    "\n"
    "  tokbench run -c udhr -t bytes -o out && tokbench check -b baseline.csv out/results.csv\n"
    "  tokbench check -b baseline.csv --tol tokens=0.5% --tol 'ms_*=25%' out/results.csv\n"
    "  tokbench check -b baseline.csv --format markdown out/results.csv >>\"$GITHUB_STEP_SUMMARY\"\n"
    "  tokbench check -b baseline.csv --update out/results.csv   # accept on purpose\n",
    check_opts,
    NULL,
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

/* ---- formatting -------------------------------------------------------------- */

/* what the report shows: the cfg, both tables and the paths */
typedef struct view {
    const results *base, *cur;
    const check_report *rep;
    const check_config *cfg;
    const char *base_path, *cur_path;
    long max_rows;          /* items listed per table (text: overall) */
} view;

/* verdicts in the order they are listed: failures, improvements, the rest */
static const enum check_verdict k_order[] = {CHECK_REGRESSED, CHECK_CHANGED, CHECK_MISSING,
                                             CHECK_IMPROVED,  CHECK_NEW,     CHECK_WITHIN,
                                             CHECK_INFO};
#define N_ORDER (sizeof k_order / sizeof k_order[0])

static void item_row(const view *w, const check_item *it, result_row *k, double *bv, double *cv)
{
    result_row b = {0}, c = {0};
    if (it->base_row >= 0)
        results_get(w->base, (size_t)it->base_row, &b);
    if (it->cur_row >= 0)
        results_get(w->cur, (size_t)it->cur_row, &c);
    *k = it->base_row >= 0 ? b : c;
    *bv = it->base_row >= 0 ? b.value : NAN;
    *cv = it->cur_row >= 0 ? c.value : NAN;
}

/* A value for people: below 1e12 an integer, or any value from 1e4, rounded
 * with thousands separators; else 4 significant digits; "-" for none. */
static const char *fmt_value(double v, char *buf, size_t cap)
{
    if (isnan(v))
        snprintf(buf, cap, "-");
    else if (fabs(v) < 1e12 && (v == floor(v) || fabs(v) >= 1e4))
        results_format_count(v, buf, cap);
    else
        snprintf(buf, cap, "%.4g", v);
    return buf;
}

/* "+5.02%", "-0.0071%", "from 0" */
static const char *fmt_change(const check_item *it, char *buf, size_t cap)
{
    double p = 100.0 * it->rel_change;
    if (it->base_row < 0 || it->cur_row < 0)
        snprintf(buf, cap, "-");
    else if (isinf(p))
        snprintf(buf, cap, "from 0");
    else if (fabs(p) >= 0.1)
        snprintf(buf, cap, "%+.2f%%", p);
    else
        snprintf(buf, cap, "%+.2g%%", p);
    return buf;
}

/* "exact", "0.5%", "abs:10", "1.005% via tokens" */
static const char *fmt_tol(const check_item *it, char *buf, size_t cap)
{
    if (it->verdict == CHECK_MISSING || it->verdict == CHECK_NEW)
        snprintf(buf, cap, "-");
    else if (it->tol_kind == CHECK_TOL_EXACT)
        snprintf(buf, cap, "exact");
    else if (it->tol_kind == CHECK_TOL_ABS)
        snprintf(buf, cap, "abs:%g", it->tol_value);
    else
        snprintf(buf, cap, "%.4g%%%s%s", 100.0 * it->tol_value,
                 it->inherited_from ? " via " : "", it->inherited_from ? it->inherited_from : "");
    return buf;
}

/* Prints s in w display columns (code points), cut with an ellipsis. */
static void put_cell(FILE *f, const char *s, int w, int right)
{
    int cols = 0;
    size_t cut = 0, n = strlen(s);
    for (size_t i = 0; i < n; i++)
        if (((unsigned char)s[i] & 0xC0) != 0x80) {
            if (cols == w - 1)
                cut = i;
            cols++;
        }
    if (cols > w) {
        fwrite(s, 1, cut, f);
        fputs("\xe2\x80\xa6", f);
        cols = w;
    } else {
        if (right)
            fprintf(f, "%*s", w - cols, "");
        fputs(s, f);
        if (right)
            return;
    }
    fprintf(f, "%*s", w - cols, "");
}

static void text_line(const view *w, const check_item *it)
{
    result_row k;
    double bv, cv;
    item_row(w, it, &k, &bv, &cv);
    char b[40], c[40], ch[32], tol[64];
    fputs("  ", stdout);
    put_cell(stdout, check_verdict_name(it->verdict), 10, 0);
    put_cell(stdout, k.corpus, 12, 0);
    fputc(' ', stdout);
    put_cell(stdout, k.split, 5, 0);
    fputc(' ', stdout);
    put_cell(stdout, k.lang, 5, 0);
    fputc(' ', stdout);
    put_cell(stdout, k.metric, 30, 0);
    fputc(' ', stdout);
    put_cell(stdout, fmt_value(bv, b, sizeof b), 15, 1);
    fputc(' ', stdout);
    put_cell(stdout, fmt_value(cv, c, sizeof c), 15, 1);
    fputc(' ', stdout);
    put_cell(stdout, fmt_change(it, ch, sizeof ch), 9, 1);
    printf("  %s", fmt_tol(it, tol, sizeof tol));
    if (it->also_splits[0])
        printf("  also: %s", it->also_splits);
    fputc('\n', stdout);
    if (!it->n_folded)
        return;
    /* the derived rows that moved with this tokens row */
    size_t idx = (size_t)(it - w->rep->items), shown = 0;
    printf("             + %zu derived row%s with it:", it->n_folded, it->n_folded == 1 ? "" : "s");
    for (size_t i = 0; i < w->rep->n_items && shown < 4; i++)
        if (w->rep->items[i].folded_under == (long)idx) {
            item_row(w, &w->rep->items[i], &k, &bv, &cv);
            printf("%s %s %s", shown ? "," : "", k.metric,
                   fmt_change(&w->rep->items[i], ch, sizeof ch));
            shown++;
        }
    printf("%s\n", it->n_folded > shown ? ", ..." : "");
}

static void summary_counts(const check_report *r, FILE *f)
{
    fprintf(f, "%zu regressed, %zu changed, %zu missing, %zu improved, %zu new", r->n_regressed,
            r->n_changed, r->n_missing, r->n_improved, r->n_new);
}

static void summary_extra(const check_report *r, FILE *f)
{
    fprintf(f, "%zu within tolerance, %zu informational, %zu derived rows folded", r->n_within,
            r->n_info, r->n_folded);
}

static void text_heading(const char *spec)
{
    printf("\ntokenizer %s\n  ", spec);
    put_cell(stdout, "verdict", 10, 0);
    put_cell(stdout, "corpus", 12, 0);
    fputc(' ', stdout);
    put_cell(stdout, "split", 5, 0);
    fputc(' ', stdout);
    put_cell(stdout, "lang", 5, 0);
    fputc(' ', stdout);
    put_cell(stdout, "metric", 30, 0);
    fputc(' ', stdout);
    put_cell(stdout, "baseline", 15, 1);
    fputc(' ', stdout);
    put_cell(stdout, "current", 15, 1);
    fputc(' ', stdout);
    put_cell(stdout, "change", 9, 1);
    printf("  tolerance\n");
}

/* The key of item i: corpus, lang and tokenizer equal to those of item j. */
static int same_key(const view *w, size_t i, size_t j, int with_corpus_lang)
{
    result_row a, b;
    double bv, cv;
    item_row(w, &w->rep->items[i], &a, &bv, &cv);
    item_row(w, &w->rep->items[j], &b, &bv, &cv);
    return strcmp(a.tokenizer, b.tokenizer) == 0 &&
           (!with_corpus_lang || (strcmp(a.corpus, b.corpus) == 0 && strcmp(a.lang, b.lang) == 0));
}

/* One line for the informational items of item i's corpus, lang and
 * tokenizer (i is the first of them): their metrics and changes. */
static void text_info_line(const view *w, size_t i)
{
    const check_report *r = w->rep;
    result_row k;
    double bv, cv;
    item_row(w, &r->items[i], &k, &bv, &cv);
    fputs("  ", stdout);
    put_cell(stdout, "info", 10, 0);
    put_cell(stdout, k.corpus, 12, 0);
    fputc(' ', stdout);
    put_cell(stdout, "", 5, 0);
    fputc(' ', stdout);
    put_cell(stdout, k.lang, 5, 0);
    size_t n = 0;
    for (size_t j = i; j < r->n_items; j++)
        if (r->items[j].verdict == CHECK_INFO && same_key(w, i, j, 1)) {
            char ch[32];
            if (n < 6) {
                item_row(w, &r->items[j], &k, &bv, &cv);
                printf("%s %s %s", n ? "," : "", k.metric, fmt_change(&r->items[j], ch, sizeof ch));
            }
            n++;
        }
    if (n > 6)
        printf(", and %zu more", n - 6);
    printf(" (informational: passes)\n");
}

static void print_text(const view *w)
{
    const check_report *r = w->rep;
    char n1[32], n2[32];
    printf("check: %s against baseline %s: %s rows compared, %s timing rows skipped\n",
           w->cur_path, w->base_path, results_format_count((double)r->compared, n1, sizeof n1),
           results_format_count((double)r->skipped_timing, n2, sizeof n2));
    /* lines: an item, or (info) the first informational item of its corpus,
     * lang and tokenizer standing for all of them; failures take the budget
     * of max_rows first */
    char *show = calloc(r->n_items + 1, 1);
    if (!show)
        return;
    long shown = 0;
    size_t lines = 0;
    for (size_t o = 0; o < N_ORDER; o++)
        for (size_t i = 0; i < r->n_items; i++) {
            if (r->items[i].folded_under >= 0 || r->items[i].verdict != k_order[o])
                continue;
            if (k_order[o] == CHECK_INFO) {
                int first = 1;
                for (size_t p = 0; p < i && first; p++)
                    first = !(r->items[p].verdict == CHECK_INFO && same_key(w, p, i, 1));
                if (!first)
                    continue;
            }
            lines++;
            if (shown < w->max_rows) {
                show[i] = 1;
                shown++;
            }
        }
    if (shown)
        printf("one line per corpus, lang, tokenizer and metric: the test split where the "
               "baseline has one; other splits with the same verdict under 'also'\n");
    /* grouped by tokenizer, in order of first appearance */
    for (size_t t = 0; t < r->n_items; t++) {
        if (!show[t])
            continue;
        int first = 1;
        for (size_t p = 0; p < t && first; p++)
            first = !(show[p] && same_key(w, p, t, 0));
        if (!first)
            continue;
        result_row kt;
        double bv, cv;
        item_row(w, &r->items[t], &kt, &bv, &cv);
        text_heading(kt.tokenizer);
        for (size_t o = 0; o < N_ORDER; o++)
            for (size_t i = t; i < r->n_items; i++)
                if (show[i] && r->items[i].verdict == k_order[o] && same_key(w, t, i, 0)) {
                    if (k_order[o] == CHECK_INFO)
                        text_info_line(w, i);
                    else
                        text_line(w, &r->items[i]);
                }
    }
    if ((size_t)shown < lines)
        printf("\n... %zu more lines (--max-rows)\n", lines - (size_t)shown);
    if (shown)
        printf("\n");
    free(show);
    printf("check: %s: ", check_failed(r) ? "FAIL" : "PASS");
    summary_counts(r, stdout);
    printf("; ");
    summary_extra(r, stdout);
    printf("\n");
}

/* A markdown table cell: '|' escaped, no newlines. */
static void md_cell(const char *s)
{
    fputs("| ", stdout);
    for (; *s; s++) {
        if (*s == '|')
            fputs("\\|", stdout);
        else if (*s == '\n' || *s == '\r')
            fputc(' ', stdout);
        else
            fputc(*s, stdout);
    }
    fputc(' ', stdout);
}

static void md_row(const view *w, const check_item *it)
{
    result_row k;
    double bv, cv;
    item_row(w, it, &k, &bv, &cv);
    char b[40], c[40], ch[32], tol[64], split[80], tk[300];
    const char *v = check_verdict_name(it->verdict);
    char vd[48];
    if (it->folded_under >= 0) {
        snprintf(vd, sizeof vd, "%s (with tokens)", v);
        v = vd;
    }
    snprintf(split, sizeof split, "%s%s%s%s", k.split, it->also_splits[0] ? " (also " : "",
             it->also_splits, it->also_splits[0] ? ")" : "");
    snprintf(tk, sizeof tk, "`%s`", k.tokenizer);
    md_cell(v);
    md_cell(tk);
    md_cell(k.corpus);
    md_cell(split);
    md_cell(k.lang);
    md_cell(k.metric);
    md_cell(fmt_value(bv, b, sizeof b));
    md_cell(fmt_value(cv, c, sizeof c));
    md_cell(fmt_change(it, ch, sizeof ch));
    md_cell(fmt_tol(it, tol, sizeof tol));
    printf("|\n");
}

/* A table of the items whose verdict is in vs (folded: the folded items). */
static void md_table(const view *w, const char *title, const enum check_verdict *vs, size_t nv,
                     int folded)
{
    const check_report *r = w->rep;
    size_t total = 0;
    long shown = 0;
    for (size_t o = 0; o < nv; o++)
        for (size_t i = 0; i < r->n_items; i++)
            if (r->items[i].verdict == vs[o] && (r->items[i].folded_under >= 0) == folded)
                total++;
    if (!total)
        return;
    printf("%s\n\n| verdict | tokenizer | corpus | split | lang | metric | baseline | current "
           "| change | tolerance |\n|---|---|---|---|---|---|--:|--:|--:|---|\n",
           title);
    for (size_t o = 0; o < nv; o++)
        for (size_t i = 0; i < r->n_items; i++)
            if (r->items[i].verdict == vs[o] && (r->items[i].folded_under >= 0) == folded &&
                shown < w->max_rows) {
                md_row(w, &r->items[i]);
                shown++;
            }
    if ((size_t)shown < total)
        printf("\n... %zu more rows (--max-rows)\n", total - (size_t)shown);
    printf("\n");
}

static void print_markdown(const view *w)
{
    const check_report *r = w->rep;
    char n1[32], n2[32];
    printf("**tokbench check: %s**: ", check_failed(r) ? "FAIL" : "PASS");
    summary_counts(r, stdout);
    printf("\n\n`%s` against baseline `%s`: %s rows compared, %s timing rows skipped; one row "
           "per corpus, language, tokenizer and metric (the test split where the baseline has "
           "it).\n\n",
           w->cur_path, w->base_path, results_format_count((double)r->compared, n1, sizeof n1),
           results_format_count((double)r->skipped_timing, n2, sizeof n2));
    static const enum check_verdict bad[] = {CHECK_REGRESSED, CHECK_CHANGED, CHECK_MISSING};
    static const enum check_verdict good[] = {CHECK_IMPROVED};
    static const enum check_verdict rest[] = {CHECK_NEW, CHECK_WITHIN, CHECK_INFO};
    md_table(w, "#### Regressions", bad, 3, 0);
    md_table(w, "#### Improvements", good, 1, 0);
    if (r->n_new + r->n_within + r->n_info + r->n_folded) {
        printf("<details><summary>Details: ");
        summary_extra(r, stdout);
        printf(", %zu new</summary>\n\n", r->n_new);
        md_table(w, "**Passing rows** (new, within tolerance, informational)", rest, 3, 0);
        md_table(w, "**Derived rows** that moved with their tokens row", k_order, N_ORDER, 1);
        printf("</details>\n");
    }
}

static void json_str(const char *s)
{
    putchar('"');
    for (; *s; s++) {
        unsigned char ch = (unsigned char)*s;
        if (ch == '"' || ch == '\\')
            printf("\\%c", ch);
        else if (ch < 0x20)
            printf("\\u%04x", ch);
        else
            putchar(ch);
    }
    putchar('"');
}

/* The shortest of %.15g .. %.17g that reads back as v; null when not finite. */
static void json_num(double v)
{
    if (!isfinite(v)) {
        fputs("null", stdout);
        return;
    }
    char buf[40];
    for (int p = 15; p <= 17; p++) {
        snprintf(buf, sizeof buf, "%.*g", p, v);
        if (strtod(buf, NULL) == v)
            break;
    }
    fputs(buf, stdout);
}

static const char *tol_kind_name(enum check_tol_kind k)
{
    return k == CHECK_TOL_REL ? "rel" : k == CHECK_TOL_ABS ? "abs" : "exact";
}

static void print_json(const view *w)
{
    const check_report *r = w->rep;
    int failed = check_failed(r);
    printf("{\n  \"schema\": \"tokbench-check\",\n  \"version\": 1,\n  \"verdict\": \"%s\",\n"
           "  \"exit_status\": %d,\n  \"baseline\": ",
           failed ? "fail" : "pass", failed ? TB_EREGRESS : 0);
    json_str(w->base_path);
    printf(",\n  \"results\": ");
    json_str(w->cur_path);
    printf(",\n  \"tolerances\": [");
    for (size_t i = 0; i < w->cfg->n_tols; i++) {
        printf("%s\n    {\"pattern\": ", i ? "," : "");
        json_str(w->cfg->tols[i].pattern);
        printf(", \"kind\": \"%s\", \"value\": ", tol_kind_name(w->cfg->tols[i].kind));
        json_num(w->cfg->tols[i].value);
        printf("}");
    }
    printf("%s],\n", w->cfg->n_tols ? "\n  " : "");
    printf("  \"counts\": {\"compared\": %zu, \"skipped_timing\": %zu, \"regressed\": %zu, "
           "\"changed\": %zu, \"missing\": %zu, \"improved\": %zu, \"new\": %zu, \"within\": %zu, "
           "\"info\": %zu, \"folded\": %zu},\n  \"items\": [",
           r->compared, r->skipped_timing, r->n_regressed, r->n_changed, r->n_missing,
           r->n_improved, r->n_new, r->n_within, r->n_info, r->n_folded);
    for (size_t i = 0; i < r->n_items; i++) {
        const check_item *it = &r->items[i];
        result_row k;
        double bv, cv;
        item_row(w, it, &k, &bv, &cv);
        const check_rule *rule = check_metric_rule(k.metric);
        char vname[16];
        const char *vn = check_verdict_name(it->verdict);
        size_t l = 0;
        for (; vn[l] && l + 1 < sizeof vname; l++)
            vname[l] = (char)(vn[l] >= 'A' && vn[l] <= 'Z' ? vn[l] - 'A' + 'a' : vn[l]);
        vname[l] = '\0';
        printf("%s\n    {\"id\": %zu, \"verdict\": \"%s\", \"corpus\": ", i ? "," : "", i, vname);
        json_str(k.corpus);
        printf(", \"split\": ");
        json_str(k.split);
        printf(", \"also_splits\": [");
        const char *s = it->also_splits;
        for (int first = 1; *s; first = 0) {
            const char *e = strchr(s, ',');
            size_t n = e ? (size_t)(e - s) : strlen(s);
            printf("%s\"%.*s\"", first ? "" : ", ", (int)n, s);
            s += n + (e != NULL);
        }
        printf("], \"lang\": ");
        json_str(k.lang);
        printf(", \"tokenizer\": ");
        json_str(k.tokenizer);
        printf(", \"metric\": ");
        json_str(k.metric);
        printf(", \"unit\": ");
        json_str(k.unit);
        printf(", \"direction\": \"%s\", \"informational\": %s, \"baseline\": ",
               rule->direction < 0 ? "lower" : rule->direction > 0 ? "higher" : "none",
               rule->informational ? "true" : "false");
        json_num(bv);
        printf(", \"current\": ");
        json_num(cv);
        printf(", \"rel_change\": ");
        if (it->base_row >= 0 && it->cur_row >= 0)
            json_num(it->rel_change);
        else
            fputs("null", stdout);
        if (it->verdict == CHECK_MISSING || it->verdict == CHECK_NEW) {
            printf(", \"tolerance\": null");
        } else {
            printf(", \"tolerance\": {\"kind\": \"%s\", \"value\": ", tol_kind_name(it->tol_kind));
            json_num(it->tol_value);
            printf(", \"pattern\": ");
            if (it->tol_pattern)
                json_str(it->tol_pattern);
            else
                fputs("null", stdout);
            printf(", \"inherited_from\": ");
            if (it->inherited_from)
                json_str(it->inherited_from);
            else
                fputs("null", stdout);
            printf("}");
        }
        printf(", \"folded_under\": ");
        if (it->folded_under >= 0)
            printf("%ld", it->folded_under);
        else
            fputs("null", stdout);
        printf("}");
    }
    printf("%s]\n}\n", r->n_items ? "\n  " : "");
}

/* The usage error for a --tol pattern no metric matches, with the known ones. */
static int fail_unknown(const tb_error *err, const results *base, const results *cur)
{
    cli_fail("check", err);
    results_names k;
    tb_error e2 = {0};
    if (check_known_metrics(base, cur, &k, &e2) == TB_OK) {
        fprintf(stderr, "known metrics (%zu):", k.n);
        for (size_t i = 0, col = 80; i < k.n; i++) {
            size_t l = strlen(k.v[i]) + 1;
            if (col + l > 78) {
                fputs("\n ", stderr);
                col = 1;
            }
            fprintf(stderr, " %s", k.v[i]);
            col += l;
        }
        fputc('\n', stderr);
        results_names_release(&k);
    }
    return TB_EUSAGE;
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
    long max_rows;
    if (cli_parse_long(mr, 0, 1000000000L, &max_rows)) {
        fprintf(stderr, "tokbench check: --max-rows '%s' is not a count\n", mr);
        return TB_EUSAGE;
    }
    const char *fmt = cli_get(&check_cmd, a, "format", "text");
    if (strcmp(fmt, "text") && strcmp(fmt, "markdown") && strcmp(fmt, "json")) {
        fprintf(stderr, "tokbench check: --format '%s': expected text, markdown or json\n", fmt);
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
    if (check_validate_tols(&cfg, base, cur, &err)) {
        rc = err.status == TB_EUSAGE ? fail_unknown(&err, base, cur) : cli_fail("check", &err);
    } else if (check_compare(base, cur, &cfg, &rep, &err)) {
        rc = cli_fail("check", &err);
    } else {
        view w = {base, cur, &rep, &cfg, base_path, a->pos[0], max_rows};
        if (strcmp(fmt, "json") == 0)
            print_json(&w);
        else if (strcmp(fmt, "markdown") == 0)
            print_markdown(&w);
        else
            print_text(&w);
        rc = check_failed(&rep) ? TB_EREGRESS : 0;
        check_report_release(&rep);
    }
    results_free(cur);
    results_free(base);
    return rc;
}
