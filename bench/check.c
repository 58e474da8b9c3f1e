/* check.c - row-by-row comparison of results with a baseline. */
#include "check.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
        return tb_fail(err, TB_EUSAGE, "tolerance '%s': expected METRIC=VALUE, e.g. tokens=0.5%%",
                       arg);
    size_t pl = (size_t)(eq - arg);
    if (pl >= sizeof out->pattern)
        return tb_fail(err, TB_EUSAGE, "tolerance '%s': metric pattern too long", arg);
    memcpy(out->pattern, arg, pl);
    out->pattern[pl] = '\0';
    char *end;
    double v = strtod(eq + 1, &end);
    int pct = *end == '%';
    if (end == eq + 1 || (pct ? end[1] != '\0' : *end != '\0') || !(v >= 0) || !isfinite(v))
        return tb_fail(err, TB_EUSAGE,
                       "tolerance '%s': '%s' is not a non-negative number or percentage", arg,
                       eq + 1);
    out->rel = pct ? v / 100.0 : v;
    return TB_OK;
}

int check_metric_direction(const char *m)
{
    static const char *const lower[] = {
        "tokens", "fertility", "parity*", "continued_words", "unk_rate", "oov_words",
        "flops_*", "bytes_params_*", "bytes_kv*", "bytes_act*", "bytes_train*", "ms_*", "s_*",
        "us_*", "ngram_bits*", "ngram_perplexity*", "ngram_oov*", "ngram_us_*", "ngram_s_*",
        "ngram_bytes_*", "symbol_text_*", "symbol_dict_*"};
    static const char *const higher[] = {"bytes_per_token", "chars_per_token",
                                         "renyi_efficiency", "encode_mb_per_s", "gflops_*",
                                         "gemm_time_share", "ngram_hit_at_*", "ngram_ksr*"};
    for (size_t i = 0; i < sizeof higher / sizeof higher[0]; i++)
        if (check_glob(higher[i], m))
            return 1;
    for (size_t i = 0; i < sizeof lower / sizeof lower[0]; i++)
        if (check_glob(lower[i], m))
            return -1;
    return 0;
}

const char *check_verdict_name(enum check_verdict v)
{
    switch (v) {
    case CHECK_SAME: return "same";
    case CHECK_IMPROVED: return "improved";
    case CHECK_REGRESSED: return "REGRESSED";
    case CHECK_CHANGED: return "CHANGED";
    case CHECK_MISSING: return "MISSING";
    case CHECK_NEW: return "new";
    }
    return "?";
}

/* The tolerance for a metric: the last matching entry, or -1 when none. */
static double tol_for(const check_config *cfg, const char *metric)
{
    double t = -1;
    for (size_t i = 0; cfg && i < cfg->n_tols; i++)
        if (check_glob(cfg->tols[i].pattern, metric))
            t = cfg->tols[i].rel;
    return t;
}

/* Open-addressing index of the current rows by their 5 key strings. */
struct index {
    long *slot;         /* row index or -1 */
    size_t cap;         /* power of two */
};

static uint64_t key_hash(const result_row *r)
{
    const char *parts[5] = {r->corpus, r->split, r->lang, r->tokenizer, r->metric};
    return tb_fnv1a64_fields(TB_FNV1A64_INIT, parts, 5, 0x1f);
}

static int same_key(const result_row *a, const result_row *b)
{
    return strcmp(a->corpus, b->corpus) == 0 && strcmp(a->split, b->split) == 0 &&
           strcmp(a->lang, b->lang) == 0 && strcmp(a->tokenizer, b->tokenizer) == 0 &&
           strcmp(a->metric, b->metric) == 0;
}

static int index_build(struct index *ix, const results *r, tb_error *err)
{
    size_t n = results_count(r);
    ix->cap = 16;
    while (ix->cap < 2 * n + 1)
        ix->cap *= 2;
    ix->slot = tb_malloc(ix->cap * sizeof *ix->slot, err);
    if (!ix->slot)
        return TB_EINPUT;
    for (size_t i = 0; i < ix->cap; i++)
        ix->slot[i] = -1;
    for (size_t i = 0; i < n; i++) {
        result_row row, other;
        results_get(r, i, &row);
        size_t h = (size_t)key_hash(&row) & (ix->cap - 1);
        int dup = 0;
        while (ix->slot[h] >= 0) {
            results_get(r, (size_t)ix->slot[h], &other);
            if (same_key(&row, &other)) {
                dup = 1;
                break;
            }
            h = (h + 1) & (ix->cap - 1);
        }
        if (!dup)
            ix->slot[h] = (long)i; /* the first of duplicate rows wins */
    }
    return TB_OK;
}

static long index_find(const struct index *ix, const results *r, const result_row *key)
{
    size_t h = (size_t)key_hash(key) & (ix->cap - 1);
    while (ix->slot[h] >= 0) {
        result_row row;
        results_get(r, (size_t)ix->slot[h], &row);
        if (same_key(&row, key))
            return ix->slot[h];
        h = (h + 1) & (ix->cap - 1);
    }
    return -1;
}

static int push(check_report *rep, size_t *cap, check_item it, tb_error *err)
{
    if (rep->n_items == *cap) {
        *cap = *cap ? 2 * *cap : 64;
        check_item *ni = tb_realloc(rep->items, *cap * sizeof *ni, err);
        if (!ni)
            return TB_EINPUT;
        rep->items = ni;
    }
    rep->items[rep->n_items++] = it;
    switch (it.verdict) {
    case CHECK_REGRESSED: rep->n_regressed++; break;
    case CHECK_CHANGED: rep->n_changed++; break;
    case CHECK_MISSING: rep->n_missing++; break;
    case CHECK_IMPROVED: rep->n_improved++; break;
    case CHECK_NEW: rep->n_new++; break;
    case CHECK_SAME: break;
    }
    return TB_OK;
}

int check_compare(const results *base, const results *cur, const check_config *cfg,
                  check_report *out, tb_error *err)
{
    memset(out, 0, sizeof *out);
    struct index ib, ic;
    if (index_build(&ic, cur, err))
        return TB_EINPUT;
    if (index_build(&ib, base, err)) {
        free(ic.slot);
        return TB_EINPUT;
    }
    size_t cap = 0;
    int rc = TB_OK;
    char *seen = tb_calloc(results_count(cur) + 1, 1, err);
    if (!seen)
        rc = TB_EINPUT;
    for (size_t i = 0; i < results_count(base) && rc == TB_OK; i++) {
        result_row b, c;
        results_get(base, i, &b);
        long j = index_find(&ic, cur, &b);
        if (j < 0) {
            rc = push(out, &cap, (check_item){(long)i, -1, CHECK_MISSING, 0}, err);
            continue;
        }
        seen[j] = 1;
        results_get(cur, (size_t)j, &c);
        double tol = tol_for(cfg, b.metric);
        if (tol < 0 && results_unit_is_timing(b.unit)) {
            out->skipped_timing++;
            continue;
        }
        out->compared++;
        if (tol < 0)
            tol = 0;
        double diff = c.value - b.value;
        double rel = b.value != 0 ? diff / fabs(b.value) : (diff == 0 ? 0 : copysign(INFINITY, diff));
        if (diff == 0 || fabs(rel) <= tol)
            continue;
        int dir = check_metric_direction(b.metric);
        enum check_verdict v = dir == 0 ? CHECK_CHANGED
                               : (diff > 0) == (dir > 0) ? CHECK_IMPROVED
                                                         : CHECK_REGRESSED;
        rc = push(out, &cap, (check_item){(long)i, j, v, rel}, err);
    }
    for (size_t j = 0; j < results_count(cur) && rc == TB_OK; j++) {
        result_row c;
        results_get(cur, j, &c);
        if (!seen[j] && index_find(&ic, cur, &c) == (long)j && index_find(&ib, base, &c) < 0)
            rc = push(out, &cap, (check_item){-1, (long)j, CHECK_NEW, 0}, err);
    }
    free(seen);
    free(ib.slot);
    free(ic.slot);
    if (rc)
        check_report_release(out);
    return rc;
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
