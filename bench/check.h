/* check.h - the CI gate: compare a results table with a baseline row by row.
 *
 * Rows are matched on (corpus, split, lang, tokenizer, metric). Each metric
 * has one rule in the table of check.c (DESIGN.md "The CI gate"), the first
 * rule whose glob matches the name:
 *   direction      lower is better (tokens, fertility, FLOPs, bytes of
 *                  memory, ms, bits, perplexity, ...), higher is better
 *                  (bytes_per_token, chars_per_token, hit rates, KSR, MB/s,
 *                  ...), or none (segments, bytes, chars, words, vocab_size,
 *                  settings such as proj_train_budget, ...)
 *   informational  never fails unless a --tol pattern matches it: vocab_used,
 *                  renyi_efficiency, gemm_flops_share*, and the rows that are
 *                  functions of the ratio tokens(lang) / tokens(en) (parity,
 *                  parity_median, doc_tokens_*, flops_doc_*, *_vs_en*),
 *                  ngram_bits_per_token*, ngram_perplexity* (per-token, so
 *                  they rise when a tokenizer gets cheaper)
 *   token power k  0, or the number of factors of the key's token count the
 *                  row scales with (fertility 1, flops_attn 2, ...): such a
 *                  derived row with no --tol pattern of its own inherits the
 *                  tolerance t of "tokens" as (1 - t)^-k - 1, which bounds the
 *                  change of any product of k token counts each within t
 *
 * Tolerance of a row: the last --tol pattern matching its metric; else, for a
 * derived row, the inherited one (an absolute tolerance on tokens is turned
 * into a relative one with the baseline's tokens row of the same key); else
 * exact. Timing rows (results_unit_is_timing) are skipped unless a pattern
 * matches them; they never inherit. A pair is judged:
 *   equal                           same (not listed)
 *   moved within the tolerance      within (passes, listed)
 *   informational, no own pattern   info (passes, listed)
 *   beyond, good direction          improved (passes)
 *   beyond, bad direction           REGRESSED (fails)
 *   beyond, no direction            CHANGED (fails)
 * A baseline row the results lack is MISSING (fails); a row only in the
 * results is new (passes).
 *
 * The report has one item per (corpus, lang, tokenizer, metric, verdict):
 * the row shown is the test split's when the baseline has a test row for the
 * key, else the all split's, else the first; the other splits with the same
 * verdict are folded into also_splits (a split with another verdict is an
 * item of its own, so folding never hides a failure). A derived item whose
 * key's tokens item (same shown split) has the same verdict is folded under
 * it (folded_under) and not counted on its own. */
#ifndef CHECK_H
#define CHECK_H

#include <stddef.h>

#include "../common/tb.h"
#include "../results/results.h"

#define CHECK_MAX_TOLS 64

enum check_tol_kind {
    CHECK_TOL_EXACT = 0,    /* no tolerance: any change counts */
    CHECK_TOL_REL,          /* |current - baseline| <= value * |baseline| */
    CHECK_TOL_ABS,          /* |current - baseline| <= value, in the row's unit */
};

typedef struct check_tol {
    char pattern[128];      /* metric name, '*' matches any run of characters */
    enum check_tol_kind kind; /* CHECK_TOL_REL ("0.5%") or CHECK_TOL_ABS ("abs:10") */
    double value;           /* a fraction for REL (0.005 for "0.5%"), units for ABS */
} check_tol;

typedef struct check_config {
    check_tol tols[CHECK_MAX_TOLS];  /* later entries win over earlier ones */
    size_t n_tols;
} check_config;

enum check_verdict {
    CHECK_SAME = 0,         /* equal */
    CHECK_WITHIN,           /* moved, within its tolerance */
    CHECK_INFO,             /* informational metric moved beyond tolerance; passes */
    CHECK_IMPROVED,         /* moved beyond tolerance in the good direction */
    CHECK_REGRESSED,        /* moved beyond tolerance in the bad direction */
    CHECK_CHANGED,          /* moved beyond tolerance, metric has no direction */
    CHECK_MISSING,          /* in the baseline, not in the results */
    CHECK_NEW,              /* in the results, not in the baseline */
};

/* The rule for one metric (a row of the table in check.c). */
typedef struct check_rule {
    const char *pattern;    /* glob over metric names; first match wins */
    int direction;          /* -1 lower is better, +1 higher is better, 0 none */
    int informational;      /* 1: passes unless a --tol pattern matches it */
    int token_power;        /* k: scales with k token-count factors (0: not derived) */
} check_rule;

typedef struct check_item {
    long base_row;          /* the shown row's index in the baseline, or -1 */
    long cur_row;           /* ... in the results, or -1 */
    enum check_verdict verdict;
    double rel_change;      /* (current - baseline) / |baseline|; +-inf when baseline is 0 */
    enum check_tol_kind tol_kind; /* the tolerance the shown row was judged with */
    double tol_value;       /* fraction (REL) or units (ABS); 0 for EXACT */
    const char *tol_pattern; /* the --tol pattern that set it (cfg's string), or NULL */
    const char *inherited_from; /* "tokens" when inherited, else NULL */
    char also_splits[48];   /* the other splits with this verdict, ","-separated, or "" */
    long folded_under;      /* index of the tokens item this derived item follows, or -1 */
    size_t n_folded;        /* derived items folded under this one */
} check_item;

typedef struct check_report {
    check_item *items;      /* every item that is not CHECK_SAME, in baseline order then new */
    size_t n_items;
    size_t compared;        /* row pairs compared (every split) */
    size_t skipped_timing;  /* timing pairs skipped (no tolerance named them) */
    /* items counted once per key, folded derived items not counted: */
    size_t n_regressed, n_changed, n_missing, n_improved, n_new, n_within, n_info;
    size_t n_folded;        /* derived items folded under their tokens item */
} check_report;

/* Parses "tokens=0.5%", "ms_*=25%" or "tokens=abs:10". A bare number is a
 * usage error that says how to write it. */
int check_parse_tol(const char *arg, check_tol *out, tb_error *err);

/* The rule of a metric; a metric no pattern matches gets a static rule with
 * direction 0 and pattern "*". Never NULL. */
const check_rule *check_metric_rule(const char *metric);
/* -1 lower is better, +1 higher is better, 0 no direction. */
int check_metric_direction(const char *metric);
/* The whole table (for documentation and tests): *n rules. */
const check_rule *check_rules(size_t *n);

/* 1 when pattern (with '*') matches name. */
int check_glob(const char *pattern, const char *name);

/* TB_OK when every pattern of cfg matches a metric of base or cur or a
 * pattern of the rule table; else TB_EUSAGE naming the first that does not. */
int check_validate_tols(const check_config *cfg, const results *base, const results *cur,
                        tb_error *err);
/* The known metric names: distinct metrics of base and cur and the rule
 * patterns without '*', sorted. Borrowed strings; release with
 * results_names_release. */
int check_known_metrics(const results *base, const results *cur, results_names *out,
                        tb_error *err);

int check_compare(const results *base, const results *cur, const check_config *cfg,
                  check_report *out, tb_error *err);
void check_report_release(check_report *rep);
/* 1 when the report contains a regression, a change or a missing row. */
int check_failed(const check_report *rep);
/* "same", "within", "info", "improved", "REGRESSED", "CHANGED", "MISSING", "new" */
const char *check_verdict_name(enum check_verdict v);

#endif
