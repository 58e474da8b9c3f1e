/* check.c - row-by-row comparison of results with a baseline (check.h). */
#include "check.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "stage_train.h"

int check_glob(const char *p, const char *s)
{
    /* iterative glob with backtracking on the last '*' */
    const char *star = NULL, *resume = NULL;
    while (*s) {
        if (*p == '*') {
            star = p++;
            resume = s;
        } else if (*p == *s) {
            p++;
            s++;
        } else if (star) {
            p = star + 1;
            s = ++resume;
        } else {
            return 0;
        }
    }
    while (*p == '*')
        p++;
    return *p == '\0';
}

int check_parse_tol(const char *arg, check_tol *out, tb_error *err)
{
    const char *eq = strrchr(arg, '=');
    if (!eq || eq == arg)
        return tb_fail(err, TB_EUSAGE,
                       "tolerance '%s': expected METRIC=X%% or METRIC=abs:X, e.g. tokens=0.5%%",
                       arg);
    size_t pl = (size_t)(eq - arg);
    if (pl >= sizeof out->pattern)
        return tb_fail(err, TB_EUSAGE, "tolerance '%s': metric pattern too long", arg);
    memcpy(out->pattern, arg, pl);
    out->pattern[pl] = '\0';
    const char *num = eq + 1;
    int is_abs = strncmp(num, "abs:", 4) == 0;
    if (is_abs)
        num += 4;
    char *end;
    double v = strtod(num, &end);
    int pct = *end == '%';
    if (end == num || (pct ? end[1] != '\0' : *end != '\0') || (is_abs && pct) || !(v >= 0) ||
        !isfinite(v))
        return tb_fail(err, TB_EUSAGE,
                       "tolerance '%s': '%s' is not a non-negative percentage (%s=0.5%%) or "
                       "absolute amount (%s=abs:10)",
                       arg, eq + 1, out->pattern, out->pattern);
    if (!pct && !is_abs)
        return tb_fail(err, TB_EUSAGE,
                       "tolerance '%s': '%s' has no unit: write %s=%s%% for a relative change "
                       "or %s=abs:%s for an absolute one in the metric's unit",
                       arg, eq + 1, out->pattern, eq + 1, out->pattern, eq + 1);
    out->kind = is_abs ? CHECK_TOL_ABS : CHECK_TOL_REL;
    out->value = pct ? v / 100.0 : v;
    return TB_OK;
}

/* ---- the rule table --------------------------------------------------------
 * One row per metric family, first match wins, so a specific name comes
 * before the glob that would also match it. L lower is better, H higher is
 * better, N no direction; I informational; the last column the token power k
 * (check.h). Every metric `tokbench run` writes (the quick and the default
 * suite) matches a row other than the catch-all; tests/test_check.c holds the
 * list. */
enum { N = 0, L = -1, H = 1, I = 1 };

static const check_rule k_rules[] = {
    /* bench/stage_metrics.c: counts of the text have no direction */
    {"segments", N, 0, 0},
    {"bytes", N, 0, 0},
    {"chars", N, 0, 0},
    {"words", N, 0, 0},
    {"tokens", L, 0, 0},
    {"fertility", L, 0, 1},          /* tokens / words */
    {"bytes_per_token", H, 0, 1},    /* bytes / tokens */
    {"chars_per_token", H, 0, 1},    /* chars / tokens */
    {"parity", L, I, 2},             /* tokens(lang) / tokens(en) */
    {"parity_median", L, I, 0},      /* a median of per-segment ratios */
    {"byte_premium", N, I, 0},       /* bytes(lang) / bytes(en): the text's, not the tokenizer's */
    {"continued_words", L, 0, 0},
    {"unk_rate", L, 0, 0},
    {"vocab_size", N, 0, 0},
    {"vocab_used", N, I, 0},
    {"vocab_priced", N, 0, 0},
    {"renyi_efficiency", H, I, 0},
    {"roundtrip_exact", H, 0, 0},     /* share of segments decode gives back */
    {"roundtrip_char_loss", L, 0, 0}, /* code point edits of the decode / chars */
    {"encode_mb_per_s", H, 0, 0},
    {"s_train", L, 0, 0},
    /* bench/stage_compress.c */
    {"text_bytes", N, 0, 0},         /* the input's size */
    {"oov_words", L, 0, 0},
    {"oov_word_count", L, 0, 0},
    {"symbol_*", L, 0, 0},
    {"gzip9_bytes", L, 0, 0},
    {"xz9_bytes", L, 0, 0},
    {"zstd19_bytes", L, 0, 0},
    /* bench/stage_model.c: functions of tokens(lang) / tokens(en) */
    {"*_vs_en*", L, I, 0},           /* flops_total_vs_en, flops_doc_*_vs_en*, ms_prefill_vs_en */
    {"doc_tokens_*", L, I, 0},
    {"flops_doc_*", L, I, 0},
    /* analytic cost of the test split: linear in tokens, attention quadratic */
    {"flops_attn*", L, 0, 2},
    {"flops_total*", L, 0, 2},
    {"flops_*", L, 0, 1},            /* embed, qkvo, mlp, lm_head, other */
    {"gemm_flops_share*", N, I, 0},  /* the mix of the work, not its cost */
    {"gemm_time_share", N, I, 0},
    {"gemm_time_tokens", N, 0, 0},
    {"model_chunks", L, 0, 1},
    {"bytes_params_*", L, 0, 0},     /* V only */
    {"bytes_*_1k*", L, 0, 0},        /* fixed contexts: V only */
    {"bytes_*_8k*", L, 0, 0},
    {"bytes_*_60k*", L, 0, 0},
    {"bytes_kv_cache*", L, 0, 1},    /* the whole test split's tokens */
    {"bytes_activations*", L, 0, 2}, /* the longest chunk, scores quadratic */
    {"bytes_train*", L, 0, 2},
    {"bytes_infer*", L, 0, 0},
    {"ms_*", L, 0, 0},
    {"gflops_*", H, 0, 0},
    /* bench/stage_roofline.c */
    {"proj_train_tokens", L, 0, 1},
    {"proj_train_flops_*", L, 0, 2}, /* 3 x prefill FLOPs x budget */
    {"proj_train_gpu_hours_*", L, 0, 2},
    {"proj_train_kwh_*", L, 0, 2},
    {"proj_train_usd_*", L, 0, 2},
    {"proj_train_budget", N, 0, 0},  /* settings */
    {"proj_train_utilisation", N, 0, 0},
    {"proj_prefill_eff", N, 0, 0},
    {"proj_decode_cache", N, 0, 0},
    {"proj_prompt_tokens", N, 0, 0},
    {"proj_params_*", L, 0, 0},
    {"proj_ms_*", L, 0, 0},
    {"proj_machine_*", H, 0, 0},
    {"proj_check_*", N, 0, 0},
    {"proj_err_*", N, 0, 0},
    /* bench/stage_ngram.c */
    {"ngram_bits_per_token*", L, I, 0}, /* per token: rises when tokens get fewer */
    {"ngram_perplexity*", L, I, 0},
    {"ngram_bits_*", L, 0, 0},       /* per English byte, total */
    {"ngram_bytes_*", L, 0, 0},
    {"ngram_hit_at_*", H, 0, 0},
    {"ngram_ksr*", H, 0, 0},
    {"ngram_oov*", L, 0, 0},
    {"ngram_train_tokens", L, 0, 1},
    {"ngram_ms_*", L, 0, 0},
    {"ngram_s_*", L, 0, 0},
    {"ngram_us_*", L, 0, 0},
    /* bench/stage_latency.c */
    {"latency_fork_tau", N, 0, 0},   /* settings and fitted parameters */
    {"latency_k", N, 0, 0},
    {"latency_threshold_bits", N, 0, 0},
    {"latency_hick_*", N, 0, 0},
    {"latency_*", L, 0, 0},          /* ms, choices, entropy, error and fork shares */
    /* bench/stage_train.c (tokbench train -o, run's training list) */
    {"train_loss", L, I, 0},         /* per token: rises when tokens get fewer */
    {"train_curve_loss@*", L, I, 0},
    {"train_bits_per_token", L, I, 0},
    {"train_bits_per_en_byte", L, 0, 0},
    {"train_curve_bits_per_en_byte@*", L, 0, 0},
    {"train_eval_targets", L, 0, 1}, /* test tokens + segments */
    {"train_steps", N, 0, 0},        /* settings */
    {"train_tokens_seen", N, 0, 0},
    {"train_vocab", N, 0, 0},
    {"train_flops", L, 0, 0},
    {"train_flops_gemm_share", N, I, 0},
    {"train_gemm_time_share", N, I, 0},
    {"train_bytes_*", L, 0, 0},
    {"train_s", L, 0, 0},
    {"train_curve_flops@*", N, 0, 0}, /* steps x the FLOPs of a step: settings */
    {"train_curve_s@*", L, 0, 0},
    {"train_epochs_seen", N, 0, 0},
    {"train_eval_segments", N, 0, 0},
    {"train_eval_en_bytes", N, 0, 0},
    {"train_target_bits_per_en_byte", N, 0, 0},
    {"train_budget_flops", N, 0, 0},
    {"train_vocab_full", N, 0, 0},
    {"train_flops_to_target", L, 0, 0},
    {"train_s_to_target", L, 0, 0},
    {"train_flops_full_vocab", L, 0, 0},
    {"train_proj_*", L, 0, 0},       /* the run's windows on 7B dims: no token power */
};
#define N_RULES (sizeof k_rules / sizeof k_rules[0])

static const check_rule k_no_rule = {"*", N, 0, 0};

const check_rule *check_metric_rule(const char *m)
{
    /* a second training regime's rows follow the first's rules */
    char base[160];
    const char *lab = "train_" STAGE_TRAIN_CONTENT_LABEL "_";
    if (strncmp(m, lab, strlen(lab)) == 0 && strlen(m) < sizeof base) {
        snprintf(base, sizeof base, "train_%s", m + strlen(lab));
        m = base;
    }
    for (size_t i = 0; i < N_RULES; i++)
        if (check_glob(k_rules[i].pattern, m))
            return &k_rules[i];
    return &k_no_rule;
}

int check_metric_direction(const char *m)
{
    return check_metric_rule(m)->direction;
}

const check_rule *check_rules(size_t *n)
{
    *n = N_RULES;
    return k_rules;
}

const char *check_verdict_name(enum check_verdict v)
{
    switch (v) {
    case CHECK_SAME: return "same";
    case CHECK_WITHIN: return "within";
    case CHECK_INFO: return "info";
    case CHECK_IMPROVED: return "improved";
    case CHECK_REGRESSED: return "REGRESSED";
    case CHECK_CHANGED: return "CHANGED";
    case CHECK_MISSING: return "MISSING";
    case CHECK_NEW: return "new";
    }
    return "?";
}

/* ---- tolerance patterns ----------------------------------------------------- */

static int add_metrics(const results *r, results_names *k)
{
    const char *last = NULL;
    for (size_t i = 0; r && i < results_count(r); i++) {
        result_row row;
        results_get(r, i, &row);
        if (last && strcmp(last, row.metric) == 0)
            continue;
        last = row.metric;
        if (results_names_add(k, row.metric))
            return TB_EINPUT;
    }
    return TB_OK;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

int check_known_metrics(const results *base, const results *cur, results_names *out,
                        tb_error *err)
{
    memset(out, 0, sizeof *out);
    int rc = add_metrics(base, out);
    if (rc == TB_OK)
        rc = add_metrics(cur, out);
    for (size_t i = 0; i < N_RULES && rc == TB_OK; i++)
        if (!strchr(k_rules[i].pattern, '*'))
            rc = results_names_add(out, k_rules[i].pattern);
    if (rc) {
        results_names_release(out);
        return tb_fail(err, TB_EINPUT, "check: out of memory listing metrics");
    }
    if (out->n)
        qsort(out->v, out->n, sizeof *out->v, cmp_str);
    return TB_OK;
}

int check_validate_tols(const check_config *cfg, const results *base, const results *cur,
                        tb_error *err)
{
    if (!cfg || !cfg->n_tols)
        return TB_OK;
    results_names k = {0};
    if (add_metrics(base, &k) || add_metrics(cur, &k)) {
        results_names_release(&k);
        return tb_fail(err, TB_EINPUT, "check: out of memory listing metrics");
    }
    int rc = TB_OK;
    for (size_t t = 0; t < cfg->n_tols && rc == TB_OK; t++) {
        const char *p = cfg->tols[t].pattern;
        int known = 0;
        for (size_t i = 0; i < N_RULES && !known; i++)
            known = check_glob(p, k_rules[i].pattern);
        for (size_t i = 0; i < k.n && !known; i++)
            known = check_glob(p, k.v[i]);
        if (!known)
            rc = tb_fail(err, TB_EUSAGE,
                         "tolerance '%s': '%s' matches no known metric (neither a row of the "
                         "baseline or the results nor a metric of the gate's table)",
                         p, p);
    }
    results_names_release(&k);
    return rc;
}

/* ---- comparison ------------------------------------------------------------- */

/* The last tolerance whose pattern matches metric, or NULL. */
static const check_tol *tol_for(const check_config *cfg, const char *metric)
{
    const check_tol *t = NULL;
    for (size_t i = 0; cfg && i < cfg->n_tols; i++)
        if (check_glob(cfg->tols[i].pattern, metric))
            t = &cfg->tols[i];
    return t;
}

/* One judged row pair that is not CHECK_SAME. */
typedef struct judged {
    result_row key;         /* the baseline row, or the results row when new */
    long b, c;
    enum check_verdict v;
    double rel;
    enum check_tol_kind kind;
    double tol;
    const char *pattern, *inherited;
    int split_rank;         /* 0 the shown split of the key, then test, all, train, other */
    size_t order;           /* baseline index, or baseline count + results index */
} judged;

static int split_rank(const results *base, const results *cur, const result_row *k)
{
    const results *has = results_find_row(base, k) >= 0 ? base : cur;
    const char *primary =
        results_find(has, k->corpus, "test", k->lang, k->tokenizer, k->metric) >= 0 ? "test"
        : results_find(has, k->corpus, "all", k->lang, k->tokenizer, k->metric) >= 0 ? "all"
                                                                                       : NULL;
    if (primary && strcmp(k->split, primary) == 0)
        return 0;
    static const char *const order[] = {"test", "all", "train"};
    for (int i = 0; i < 3; i++)
        if (strcmp(k->split, order[i]) == 0)
            return 1 + i;
    return 4;
}

/* The tolerance of row b (the baseline's row) and whether a pattern named it:
 * 1 own pattern, 0 inherited or exact. */
static int resolve_tol(const results *base, const check_config *cfg, const result_row *b,
                       const check_rule *rule, judged *j)
{
    const check_tol *own = tol_for(cfg, b->metric);
    j->kind = CHECK_TOL_EXACT;
    j->tol = 0;
    j->pattern = j->inherited = NULL;
    if (own) {
        j->kind = own->kind;
        j->tol = own->value;
        j->pattern = own->pattern;
        return 1;
    }
    const check_tol *src = rule->token_power > 0 ? tol_for(cfg, "tokens") : NULL;
    if (!src || results_unit_is_timing(b->unit))
        return 0;
    double t = src->value;
    if (src->kind == CHECK_TOL_ABS) {
        double n;
        if (!results_value(base, b->corpus, b->split, b->lang, b->tokenizer, "tokens", &n) ||
            n == 0)
            return 0;
        t = src->value / fabs(n);
    }
    j->kind = CHECK_TOL_REL;
    j->tol = t >= 1 ? INFINITY : pow(1 - t, -rule->token_power) - 1;
    j->pattern = src->pattern;
    j->inherited = "tokens";
    return 0;
}

static int within(const judged *j, double bv, double diff)
{
    switch (j->kind) {
    case CHECK_TOL_EXACT: return diff == 0;
    case CHECK_TOL_ABS: return fabs(diff) <= j->tol * (1 + 1e-12);
    case CHECK_TOL_REL: return fabs(diff) <= j->tol * fabs(bv) * (1 + 1e-12);
    }
    return 0;
}

static int cmp_judged(const void *pa, const void *pb)
{
    const judged *a = pa, *b = pb;
    int c;
    if ((c = strcmp(a->key.corpus, b->key.corpus)) || (c = strcmp(a->key.lang, b->key.lang)) ||
        (c = strcmp(a->key.tokenizer, b->key.tokenizer)) ||
        (c = strcmp(a->key.metric, b->key.metric)))
        return c;
    if (a->v != b->v)
        return a->v < b->v ? -1 : 1;
    if (a->split_rank != b->split_rank)
        return a->split_rank < b->split_rank ? -1 : 1;
    return a->order < b->order ? -1 : a->order > b->order;
}

static int same_group(const judged *a, const judged *b)
{
    return a->v == b->v && strcmp(a->key.corpus, b->key.corpus) == 0 &&
           strcmp(a->key.lang, b->key.lang) == 0 &&
           strcmp(a->key.tokenizer, b->key.tokenizer) == 0 &&
           strcmp(a->key.metric, b->key.metric) == 0;
}

/* items sorted by the order of their first row */
typedef struct ordered {
    check_item it;
    size_t order;
} ordered;

static int cmp_ordered(const void *pa, const void *pb)
{
    const ordered *a = pa, *b = pb;
    return a->order < b->order ? -1 : a->order > b->order;
}

static int judge_all(const results *base, const results *cur, const check_config *cfg,
                     check_report *out, judged **pj, size_t *pn, tb_error *err)
{
    size_t nb = results_count(base), nc = results_count(cur), n = 0;
    judged *js = tb_calloc(nb + nc + 1, sizeof *js, err);
    char *seen = tb_calloc(nc + 1, 1, err);
    if (!js || !seen) {
        free(js);
        free(seen);
        return TB_EINPUT;
    }
    for (size_t i = 0; i < nb; i++) {
        judged *j = &js[n];
        memset(j, 0, sizeof *j);
        results_get(base, i, &j->key);
        j->b = (long)i;
        j->order = i;
        j->c = results_find_row(cur, &j->key);
        if (j->c < 0) {
            j->v = CHECK_MISSING;
            j->split_rank = split_rank(base, cur, &j->key);
            n++;
            continue;
        }
        seen[j->c] = 1;
        result_row c;
        results_get(cur, (size_t)j->c, &c);
        const check_rule *rule = check_metric_rule(j->key.metric);
        int named = resolve_tol(base, cfg, &j->key, rule, j);
        if (!named && results_unit_is_timing(j->key.unit)) {
            out->skipped_timing++;
            continue;
        }
        out->compared++;
        double bv = j->key.value, diff = c.value - bv;
        if (diff == 0)
            continue;
        j->rel = bv != 0 ? diff / fabs(bv) : copysign(INFINITY, diff);
        if (within(j, bv, diff))
            j->v = CHECK_WITHIN;
        else if (rule->informational && !named)
            j->v = CHECK_INFO;
        else if (rule->direction == 0)
            j->v = CHECK_CHANGED;
        else
            j->v = (diff > 0) == (rule->direction > 0) ? CHECK_IMPROVED : CHECK_REGRESSED;
        j->split_rank = split_rank(base, cur, &j->key);
        n++;
    }
    for (size_t i = 0; i < nc; i++) {
        judged *j = &js[n];
        memset(j, 0, sizeof *j);
        results_get(cur, i, &j->key);
        /* the first of duplicate rows stands for its key */
        if (seen[i] || results_find_row(cur, &j->key) != (long)i ||
            results_find_row(base, &j->key) >= 0)
            continue;
        j->b = -1;
        j->c = (long)i;
        j->order = nb + i;
        j->v = CHECK_NEW;
        j->split_rank = split_rank(base, cur, &j->key);
        n++;
    }
    free(seen);
    *pj = js;
    *pn = n;
    return TB_OK;
}

/* 1 when split is item t's shown split (row k) or one of its folded ones. */
static int has_split(const result_row *k, const check_item *t, const char *split)
{
    if (strcmp(k->split, split) == 0)
        return 1;
    size_t n = strlen(split);
    for (const char *s = t->also_splits; *s;) {
        const char *e = strchr(s, ',');
        size_t l = e ? (size_t)(e - s) : strlen(s);
        if (l == n && strncmp(s, split, n) == 0)
            return 1;
        s += l + (e != NULL);
    }
    return 0;
}

/* Folds each derived item under the tokens item of its key (corpus, lang,
 * tokenizer) with the same verdict whose splits hold the derived item's
 * shown split; items are in their final order. */
static int fold_derived(const results *base, check_report *out,
                        tb_error *err)
{
    size_t *tok = tb_calloc(out->n_items + 1, sizeof *tok, err), nt = 0;
    if (!tok)
        return TB_EINPUT;
    for (size_t k = 0; k < out->n_items; k++) {
        result_row tk;
        if (out->items[k].base_row < 0)
            continue;
        results_get(base, (size_t)out->items[k].base_row, &tk);
        if (strcmp(tk.metric, "tokens") == 0)
            tok[nt++] = k;
    }
    for (size_t i = 0; i < out->n_items && nt; i++) {
        check_item *d = &out->items[i];
        if (d->verdict == CHECK_MISSING || d->verdict == CHECK_NEW)
            continue;
        result_row dk;
        results_get(base, (size_t)d->base_row, &dk);
        const check_rule *rule = check_metric_rule(dk.metric);
        if (rule->token_power == 0 || rule->informational)
            continue;
        for (size_t m = 0; m < nt; m++) {
            check_item *t = &out->items[tok[m]];
            result_row tk;
            results_get(base, (size_t)t->base_row, &tk);
            if (t->verdict == d->verdict && strcmp(tk.corpus, dk.corpus) == 0 &&
                has_split(&tk, t, dk.split) && strcmp(tk.lang, dk.lang) == 0 &&
                strcmp(tk.tokenizer, dk.tokenizer) == 0) {
                d->folded_under = (long)tok[m];
                t->n_folded++;
                break;
            }
        }
    }
    free(tok);
    return TB_OK;
}

int check_compare(const results *base, const results *cur, const check_config *cfg,
                  check_report *out, tb_error *err)
{
    memset(out, 0, sizeof *out);
    judged *js = NULL;
    size_t n = 0;
    if (judge_all(base, cur, cfg, out, &js, &n, err))
        return TB_EINPUT;
    if (n)
        qsort(js, n, sizeof *js, cmp_judged);
    ordered *os = tb_calloc(n + 1, sizeof *os, err);
    if (!os) {
        free(js);
        return TB_EINPUT;
    }
    size_t no = 0;
    for (size_t i = 0; i < n;) {
        size_t e = i + 1;
        while (e < n && same_group(&js[i], &js[e]))
            e++;
        ordered *o = &os[no++];
        const judged *j = &js[i];
        o->order = j->order;
        o->it = (check_item){.base_row = j->b, .cur_row = j->c, .verdict = j->v,
                             .rel_change = j->rel, .tol_kind = j->kind, .tol_value = j->tol,
                             .tol_pattern = j->pattern, .inherited_from = j->inherited,
                             .folded_under = -1};
        for (size_t k = i + 1; k < e; k++) {
            if (js[k].order < o->order)
                o->order = js[k].order;
            char *s = o->it.also_splits;
            size_t len = strlen(s);
            snprintf(s + len, sizeof o->it.also_splits - len, "%s%s", len ? "," : "",
                     js[k].key.split);
        }
        i = e;
    }
    free(js);
    if (no)
        qsort(os, no, sizeof *os, cmp_ordered);
    out->items = tb_calloc(no + 1, sizeof *out->items, err);
    if (!out->items) {
        free(os);
        return TB_EINPUT;
    }
    for (size_t i = 0; i < no; i++)
        out->items[i] = os[i].it;
    out->n_items = no;
    free(os);
    if (fold_derived(base, out, err)) {
        check_report_release(out);
        return TB_EINPUT;
    }
    for (size_t i = 0; i < out->n_items; i++) {
        if (out->items[i].folded_under >= 0) {
            out->n_folded++;
            continue;
        }
        switch (out->items[i].verdict) {
        case CHECK_REGRESSED: out->n_regressed++; break;
        case CHECK_CHANGED: out->n_changed++; break;
        case CHECK_MISSING: out->n_missing++; break;
        case CHECK_IMPROVED: out->n_improved++; break;
        case CHECK_NEW: out->n_new++; break;
        case CHECK_WITHIN: out->n_within++; break;
        case CHECK_INFO: out->n_info++; break;
        case CHECK_SAME: break;
        }
    }
    return TB_OK;
}

void check_report_release(check_report *rep)
{
    free(rep->items);
    memset(rep, 0, sizeof *rep);
}

int check_failed(const check_report *rep)
{
    return rep->n_regressed + rep->n_changed + rep->n_missing > 0;
}
