/* check.h - the CI gate: compare a results table with a baseline row by row.
 *
 * Rows are matched on (corpus, split, lang, tokenizer, metric). For each
 * matched pair the change is judged with the metric's tolerance (exact by
 * default for deterministic metrics; timing rows are skipped unless a
 * tolerance names them) and its direction:
 *   lower is better   tokens, fertility, parity*, continued_words, unk_rate,
 *                     oov_words, flops_*, bytes_params_*, bytes_kv_*,
 *                     bytes_act*, bytes_train*, ms_*, s_*, us_*, ngram_bits*,
 *                     ngram_perplexity*, ngram_oov*, symbol_text_*
 *   higher is better  bytes_per_token, chars_per_token, renyi_efficiency,
 *                     encode_mb_per_s, gflops_*, gemm_time_share,
 *                     ngram_hit_at_*, ngram_ksr*
 *   neither           everything else (segments, bytes, chars, words,
 *                     vocab_size, ...): any change beyond tolerance fails
 * A row of the baseline that the results lack is a regression ("missing");
 * a row only in the results is reported as new and passes. */
#ifndef CHECK_H
#define CHECK_H

#include <stddef.h>

#include "../common/tb.h"
#include "../results/results.h"

#define CHECK_MAX_TOLS 64

typedef struct check_tol {
    char pattern[128];      /* metric name, '*' matches any run of characters */
    double rel;             /* allowed relative change, 0.005 for "0.5%" */
} check_tol;

typedef struct check_config {
    check_tol tols[CHECK_MAX_TOLS];  /* later entries win over earlier ones */
    size_t n_tols;
} check_config;

enum check_verdict {
    CHECK_SAME = 0,         /* equal, or within tolerance */
    CHECK_IMPROVED,         /* moved beyond tolerance in the good direction */
    CHECK_REGRESSED,        /* moved beyond tolerance in the bad direction */
    CHECK_CHANGED,          /* moved beyond tolerance, metric has no direction */
    CHECK_MISSING,          /* in the baseline, not in the results */
    CHECK_NEW,              /* in the results, not in the baseline */
};

typedef struct check_item {
    long base_row;          /* row index in the baseline, or -1 */
    long cur_row;           /* row index in the results, or -1 */
    enum check_verdict verdict;
    double rel_change;      /* (current - baseline) / |baseline| (inf when baseline is 0) */
} check_item;

typedef struct check_report {
    check_item *items;      /* every row that is not CHECK_SAME, in baseline order then new rows */
    size_t n_items;
    size_t compared;        /* pairs compared */
    size_t skipped_timing;  /* timing pairs skipped (no tolerance named them) */
    size_t n_regressed, n_changed, n_missing, n_improved, n_new;
} check_report;

/* Parses "tokens=0.5%" or "ms_*=25%" (or a plain fraction "0.005"). */
int check_parse_tol(const char *arg, check_tol *out, tb_error *err);

/* -1 lower is better, +1 higher is better, 0 no direction. */
int check_metric_direction(const char *metric);

/* 1 when pattern (with '*') matches name. */
int check_glob(const char *pattern, const char *name);

int check_compare(const results *base, const results *cur, const check_config *cfg,
                  check_report *out, tb_error *err);
void check_report_release(check_report *rep);
/* 1 when the report contains a regression, a change or a missing row. */
int check_failed(const check_report *rep);
const char *check_verdict_name(enum check_verdict v);

#endif
