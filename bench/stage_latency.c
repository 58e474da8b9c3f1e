/* latency.c - the selector model (latency.h). */
#include "stage_latency.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../common/timer.h"
#include "../ngram/complete.h"
#include "../ngram/entropy.h"
#include "stage_ngram.h"

void latency_config_init(latency_config *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    cfg->order = NGRAM_DEFAULT_ORDER;
    cfg->k = 5;
    cfg->hick_a_ms = 0;
    cfg->hick_b_ms = 150;
    cfg->prompt_tokens = 1;
    cfg->n_thresholds = 4;
    cfg->thresholds[0] = 2;
    cfg->thresholds[1] = 1;
    cfg->thresholds[2] = 4;
    cfg->thresholds[3] = 8;
    cfg->n_taus = 3;
    cfg->taus[0] = 0.5;
    cfg->taus[1] = 0.7;
    cfg->taus[2] = 0.9;
}

int latency_config_check(const latency_config *cfg, tb_error *err)
{
    if (cfg->order < 1 || cfg->order > NGRAM_MAX_ORDER)
        return tb_fail(err, TB_EUSAGE, "latency: n-gram order %d out of range 1..%d", cfg->order,
                       NGRAM_MAX_ORDER);
    if (cfg->k < 1 || cfg->k > LATENCY_MAX_K)
        return tb_fail(err, TB_EUSAGE, "latency: cloud size k = %zu out of range 1..%d", cfg->k,
                       LATENCY_MAX_K);
    if (!isfinite(cfg->hick_a_ms) || !isfinite(cfg->hick_b_ms) || cfg->hick_a_ms < 0 ||
        cfg->hick_b_ms < 0)
        return tb_fail(err, TB_EUSAGE, "latency: Hick-Hyman a = %g, b = %g ms must be >= 0",
                       cfg->hick_a_ms, cfg->hick_b_ms);
    if (cfg->prompt_tokens < 1)
        return tb_fail(err, TB_EUSAGE, "latency: the prompt needs at least 1 token");
    if (cfg->n_thresholds < 1 || cfg->n_thresholds > LATENCY_MAX_THRESHOLDS)
        return tb_fail(err, TB_EUSAGE, "latency: %zu fork thresholds (1..%d)", cfg->n_thresholds,
                       LATENCY_MAX_THRESHOLDS);
    for (size_t i = 0; i < cfg->n_thresholds; i++)
        if (!isfinite(cfg->thresholds[i]) || cfg->thresholds[i] < 0)
            return tb_fail(err, TB_EUSAGE, "latency: fork threshold %g bits must be >= 0",
                           cfg->thresholds[i]);
    if (cfg->n_taus < 1 || cfg->n_taus > LATENCY_MAX_TAUS)
        return tb_fail(err, TB_EUSAGE, "latency: %zu p_max fork thresholds (1..%d)", cfg->n_taus,
                       LATENCY_MAX_TAUS);
    for (size_t i = 0; i < cfg->n_taus; i++)
        if (!isfinite(cfg->taus[i]) || cfg->taus[i] < 0 || cfg->taus[i] > 1)
            return tb_fail(err, TB_EUSAGE, "latency: p_max fork threshold %g must be in [0, 1]",
                           cfg->taus[i]);
    if (cfg->n_proj > LATENCY_MAX_PROJ)
        return tb_fail(err, TB_EUSAGE, "latency: %zu projected models (0..%d)", cfg->n_proj,
                       LATENCY_MAX_PROJ);
    for (size_t i = 0; i < cfg->n_proj; i++)
        if (!isfinite(cfg->proj[i].ms_step) || cfg->proj[i].ms_step < 0)
            return tb_fail(err, TB_EUSAGE, "latency: projected model '%s': %g ms per step must be "
                           ">= 0", cfg->proj[i].name, cfg->proj[i].ms_step);
    return TB_OK;
}

int latency_config_add_proj(latency_config *cfg, const char *name, double ms_step,
                            tb_error *err)
{
    size_t n = strlen(name);
    const char *us = strchr(name, '_');
    if (n >= LATENCY_PROJ_NAME || strspn(name, "abcdefghijklmnopqrstuvwxyz0123456789._-") != n ||
        !us || us == name || !us[1] || strchr(us + 1, '_'))
        return tb_fail(err, TB_EUSAGE, "latency: projected model name '%s' is not MODEL_HW "
                       "(%d bytes at most, [a-z0-9.-] each side)", name, LATENCY_PROJ_NAME - 1);
    if (!isfinite(ms_step) || ms_step < 0)
        return tb_fail(err, TB_EUSAGE, "latency: projected model '%s': %g ms per step must be "
                       ">= 0", name, ms_step);
    if (cfg->n_proj >= LATENCY_MAX_PROJ)
        return tb_fail(err, TB_EUSAGE, "latency: projected model '%s': at most %d", name,
                       LATENCY_MAX_PROJ);
    latency_proj *pj = &cfg->proj[cfg->n_proj++];
    memcpy(pj->name, name, n + 1);
    pj->ms_step = ms_step;
    return TB_OK;
}

double latency_hick_ms(double a_ms, double b_ms, size_t k)
{
    return a_ms + b_ms * log2((double)k + 1.0);
}

/* Piecewise linear through (x[i], y[i]), constant beyond the ends. */
static double interp(const size_t *x, const double *y, size_t n, double at)
{
    if (at <= (double)x[0])
        return y[0];
    if (at >= (double)x[n - 1])
        return y[n - 1];
    size_t i = 0;
    while (i + 1 < n && (double)x[i + 1] < at)
        i++;
    double f = (at - (double)x[i]) / (double)(x[i + 1] - x[i]);
    return y[i] + f * (y[i + 1] - y[i]);
}

double latency_decode_ms(const latency_model_ms *mm, size_t pos)
{
    return interp(mm->decode_pos, mm->decode_ms, mm->n_decode, (double)pos);
}

double latency_prefill_ms(const latency_model_ms *mm, size_t n)
{
    if (n < mm->prefill_len[0])
        return mm->prefill_ms[0] * (double)n / (double)mm->prefill_len[0];
    return interp(mm->prefill_len, mm->prefill_ms, mm->n_prefill, (double)n);
}

/* "prefix<digits>": 1 and *n set; anything else 0. */
static int numbered(const char *metric, const char *prefix, size_t *n)
{
    size_t pl = strlen(prefix);
    if (strncmp(metric, prefix, pl) != 0 || !isdigit((unsigned char)metric[pl]))
        return 0;
    char *e;
    unsigned long long v = strtoull(metric + pl, &e, 10);
    if (*e)
        return 0;
    *n = (size_t)v;
    return 1;
}

/* Inserts (x, y) keeping x ascending; a repeated x keeps the last y. */
static void add_point(size_t *xs, double *ys, size_t *n, size_t x, double y)
{
    size_t i = 0;
    while (i < *n && xs[i] < x)
        i++;
    if (i < *n && xs[i] == x) {
        ys[i] = y;
        return;
    }
    if (*n == LATENCY_MAX_POINTS)
        return;
    memmove(xs + i + 1, xs + i, (*n - i) * sizeof *xs);
    memmove(ys + i + 1, ys + i, (*n - i) * sizeof *ys);
    xs[i] = x;
    ys[i] = y;
    (*n)++;
}

int latency_model_from_results(const results *r, const char *corpus_label, const char *lang,
                               const char *tok, latency_model_ms *out, tb_error *err)
{
    memset(out, 0, sizeof *out);
    size_t nr = results_count(r);
    for (size_t i = 0; i < nr; i++) {
        result_row row;
        results_get(r, i, &row);
        if (strcmp(row.split, "test") || strcmp(row.corpus, corpus_label) || strcmp(row.lang, lang) ||
            strcmp(row.tokenizer, tok) || strcmp(row.unit, "ms"))
            continue;
        size_t n;
        if (numbered(row.metric, "ms_prefill_", &n) && n > 0)
            add_point(out->prefill_len, out->prefill_ms, &out->n_prefill, n, row.value);
        else if (numbered(row.metric, "ms_decode_token_", &n))
            add_point(out->decode_pos, out->decode_ms, &out->n_decode, n, row.value);
    }
    if (!out->n_prefill || !out->n_decode)
        return tb_fail(err, TB_EINPUT,
                       "latency: no measured model rows (ms_prefill_N and ms_decode_token_C) for "
                       "'%s' %s %s: run the model stage with timing first",
                       corpus_label, lang, tok);
    return TB_OK;
}

void latency_profile_release(latency_profile *p)
{
    free(p->seg_tokens);
    memset(p, 0, sizeof *p);
}

int latency_profile_measure(const ngram_model *m, const ngram_data *test,
                            const latency_config *cfg, latency_profile *out, tb_error *err)
{
    memset(out, 0, sizeof *out);
    if (latency_config_check(cfg, err))
        return err->status;
    out->n_thresholds = cfg->n_thresholds;
    memcpy(out->thresholds, cfg->thresholds, sizeof out->thresholds);
    out->n_taus = cfg->n_taus;
    memcpy(out->taus, cfg->taus, sizeof out->taus);
    size_t longest = 0, nseg = 0;
    for (size_t s = 0; s < test->n_segments; s++) {
        if (test->use && !test->use[s])
            continue;
        nseg++;
        size_t n = test->first[s + 1] - test->first[s];
        if (n > longest)
            longest = n;
    }
    size_t nv = ngram_n_words(m);
    ngram_entropy *ent = NULL;
    out->seg_tokens = tb_calloc(nseg ? nseg : 1, sizeof *out->seg_tokens, err);
    ngram_state *st = out->seg_tokens ? tb_malloc((longest + 1) * sizeof *st, err) : NULL;
    double *hs = st ? tb_malloc((longest + 1) * sizeof *hs, err) : NULL;
    double *pm = hs ? tb_malloc((longest + 1) * sizeof *pm, err) : NULL;
    uint32_t *best = pm ? tb_malloc((longest + 1) * sizeof *best, err) : NULL;
    uint32_t *mark = best ? tb_calloc(nv ? nv : 1, sizeof *mark, err) : NULL, epoch = 0;
    int rc = mark ? ngram_entropy_new(m, &ent, err) : err->status;
    ngram_pieces any = {NULL, NULL, mark, &epoch, NULL};
    double s_ent = 0, s_top = 0, s_best = 0;
    uint32_t top[LATENCY_MAX_K];
    for (size_t s = 0, j = 0; s < test->n_segments && rc == TB_OK; s++) {
        if (test->use && !test->use[s])
            continue;
        const uint32_t *ids = test->ids + test->first[s];
        size_t n = test->first[s + 1] - test->first[s];
        out->seg_tokens[j++] = n;
        out->segments++;
        out->tokens += n;
        out->steps += n + 1;
        /* the true history before each step (not timed) */
        ngram_state_begin(m, &st[0]);
        for (size_t i = 0; i < n; i++)
            ngram_score(m, &st[i], ngram_word(m, ids[i]), &st[i + 1]);
        double t0 = tb_now();
        for (size_t i = 0; i <= n; i++)
            hs[i] = ngram_entropy_bits(ent, &st[i]);
        double t1 = tb_now();
        for (size_t i = 0; i <= n; i++)
            ngram_suggest_prefix(m, &st[i], &any, "", 0, cfg->k, top);
        double t2 = tb_now();
        for (size_t i = 0; i <= n; i++)
            pm[i] = ngram_best_marked(m, &st[i], &any, &best[i]);
        double t3 = tb_now();
        s_ent += t1 - t0;
        s_top += t2 - t1;
        s_best += t3 - t2;
        for (size_t i = 0; i <= n; i++) {
            out->entropy_bits += hs[i];
            for (size_t t = 0; t < cfg->n_thresholds; t++)
                out->forks[t] += hs[i] > cfg->thresholds[t];
            /* the true next word: token i, or </s> after the last */
            uint32_t truth = i < n ? ngram_word(m, ids[i]) : NGRAM_EOS;
            int wrong = best[i] != truth;
            double p_max = pow(10.0, pm[i]);
            out->oracle_forks += wrong;
            for (size_t t = 0; t < cfg->n_taus; t++) {
                int fork = p_max < cfg->taus[t];
                out->pforks[t] += fork;
                out->perrors[t] += !fork && wrong;
            }
        }
    }
    if (out->steps) {
        out->ms_entropy = 1e3 * s_ent / (double)out->steps;
        out->ms_topk = 1e3 * s_top / (double)out->steps;
        out->ms_best = 1e3 * s_best / (double)out->steps;
    }
    ngram_entropy_free(ent);
    free(st);
    free(hs);
    free(pm);
    free(best);
    free(mark);
    if (rc)
        latency_profile_release(out);
    return rc;
}

void latency_compute(const latency_profile *p, const latency_model_ms *mm,
                     const latency_config *cfg, latency_times *out)
{
    memset(out, 0, sizeof *out);
    size_t P = cfg->prompt_tokens;
    double pre = latency_prefill_ms(mm, P), model = 0;
    for (size_t s = 0; s < p->segments; s++) {
        model += pre;
        for (size_t i = 1; i <= p->seg_tokens[s]; i++)
            model += latency_decode_ms(mm, P + i - 1);
    }
    double rt = latency_hick_ms(cfg->hick_a_ms, cfg->hick_b_ms, cfg->k);
    double steps = (double)p->steps;
    out->ms_model = model;
    out->ms_choice = rt;
    out->mode[LATENCY_AUTO] = (latency_mode){model, 0, 0};
    out->mode[LATENCY_SELECT] = (latency_mode){model + steps * p->ms_topk, steps * rt, steps};
    for (size_t t = 0; t < p->n_thresholds; t++) {
        double f = (double)p->forks[t];
        out->hybrid[t] = (latency_mode){model + steps * p->ms_entropy + f * p->ms_topk, f * rt, f};
    }
    double check = model + steps * p->ms_best; /* the top-1 at every step */
    for (size_t t = 0; t < p->n_taus; t++) {
        double f = (double)p->pforks[t], e = (double)p->perrors[t];
        out->hybrid_p[t] = (latency_mode){check + f * p->ms_topk, f * rt, f};
        out->corrected_p[t] = (latency_mode){check + f * p->ms_topk, (f + e) * rt, f + e};
    }
    double fo = (double)p->oracle_forks;
    out->oracle = (latency_mode){check + fo * p->ms_topk, fo * rt, fo};
    out->mode[LATENCY_HYBRID] = out->hybrid_p[0];
    double f0 = (double)p->pforks[0];
    for (size_t j = 0; j < cfg->n_proj; j++)
        out->proj[j] = (latency_mode){steps * cfg->proj[j].ms_step, f0 * rt, f0};
}

/* "<letter><v as %g, '.' as 'p'>" */
static void tag(char letter, double v, char *buf, size_t cap)
{
    char num[32];
    snprintf(num, sizeof num, "%g", v);
    for (char *q = num; *q; q++)
        if (*q == '.')
            *q = 'p';
    snprintf(buf, cap, "%c%s", letter, num);
}

void latency_threshold_tag(double bits, char *buf, size_t cap)
{
    tag('t', bits, buf, cap);
}

void latency_tau_tag(double tau, char *buf, size_t cap)
{
    tag('p', tau, buf, cap);
}

/* Indices of v[0..n) in ascending order of value, each value once; returns
 * how many. */
static size_t sweep_order(const double *v, size_t n, size_t *idx)
{
    size_t nd = 0;
    for (;;) {
        size_t best = SIZE_MAX;
        for (size_t i = 0; i < n; i++) {
            int seen = 0;
            for (size_t j = 0; j < nd; j++)
                seen |= v[idx[j]] == v[i];
            if (!seen && (best == SIZE_MAX || v[i] < v[best]))
                best = i;
        }
        if (best == SIZE_MAX)
            return nd;
        idx[nd++] = best;
    }
}

typedef struct emitter {
    results *r;
    const char *corpus, *lang, *tok;
    tb_error *err;
    int rc;
} emitter;

static void put(emitter *e, const char *metric, double v, const char *unit)
{
    if (e->rc == TB_OK)
        e->rc = results_add(e->r, e->corpus, "test", e->lang, e->tok, metric, v, unit, e->err);
}

int latency_emit(const latency_profile *p, const latency_times *t, const latency_config *cfg,
                 double n_words, double en_bytes, const char *corpus_label, const char *lang,
                 const char *tok, results *r, tb_error *err)
{
    static const char *names[LATENCY_N_MODES] = {"auto", "select", "hybrid"};
    emitter e = {r, corpus_label, lang, tok, err, TB_OK};
    char name[128];
    if (!p->segments)
        return TB_OK;
    double segs = (double)p->segments, toks = (double)p->tokens;
    for (int m = 0; m < LATENCY_N_MODES && t; m++) {
        double total = t->mode[m].machine_ms + t->mode[m].human_ms;
        snprintf(name, sizeof name, "latency_ms_per_segment_%s", names[m]);
        put(&e, name, total / segs, "ms");
        if (n_words > 0) {
            snprintf(name, sizeof name, "latency_ms_per_word_%s", names[m]);
            put(&e, name, total / n_words, "ms");
        }
        if (en_bytes > 0) {
            snprintf(name, sizeof name, "latency_ms_per_en_byte_%s", names[m]);
            put(&e, name, total / en_bytes, "ms");
        }
        if (toks > 0) {
            snprintf(name, sizeof name, "latency_ms_per_token_%s", names[m]);
            put(&e, name, total / toks, "ms");
        }
    }
    for (int m = LATENCY_SELECT; m <= LATENCY_HYBRID && t; m++) {
        double total = t->mode[m].machine_ms + t->mode[m].human_ms;
        snprintf(name, sizeof name, "latency_human_share_%s", names[m]);
        put(&e, name, total > 0 ? t->mode[m].human_ms / total : 0, "time_ratio");
    }
    if (t && toks > 0) {
        put(&e, "latency_ms_per_token_human_hybrid", t->mode[LATENCY_HYBRID].human_ms / toks, "ms");
        put(&e, "latency_ms_per_token_machine_hybrid", t->mode[LATENCY_HYBRID].machine_ms / toks,
            "ms");
    }
    /* choices are counts: select chooses at every step, hybrid at forks */
    put(&e, "latency_choices_per_segment_select", (double)p->steps / segs, "choices");
    put(&e, "latency_choices_per_segment_hybrid", (double)p->pforks[0] / segs, "choices");
    double steps = p->steps ? (double)p->steps : 1;
    size_t idx[LATENCY_MAX_TAUS > LATENCY_MAX_THRESHOLDS ? LATENCY_MAX_TAUS
                                                         : LATENCY_MAX_THRESHOLDS];
    char tg[40];
    /* the p_max sweep, taus ascending, each once */
    size_t nd = sweep_order(p->taus, p->n_taus, idx);
    for (size_t d = 0; d < nd; d++) {
        size_t i = idx[d];
        latency_tau_tag(p->taus[i], tg, sizeof tg);
        snprintf(name, sizeof name, "latency_fork_share_%s", tg);
        put(&e, name, (double)p->pforks[i] / steps, "ratio");
        snprintf(name, sizeof name, "latency_error_share_%s", tg);
        put(&e, name, (double)p->perrors[i] / steps, "ratio");
        if (!t)
            continue;
        double total = t->hybrid_p[i].machine_ms + t->hybrid_p[i].human_ms;
        snprintf(name, sizeof name, "latency_ms_per_segment_hybrid_%s", tg);
        put(&e, name, total / segs, "ms");
        if (toks > 0) {
            snprintf(name, sizeof name, "latency_ms_per_token_hybrid_%s", tg);
            put(&e, name, total / toks, "ms");
            snprintf(name, sizeof name, "latency_ms_per_token_hybrid_corrected_%s", tg);
            put(&e, name, (t->corrected_p[i].machine_ms + t->corrected_p[i].human_ms) / toks,
                "ms");
        }
    }
    put(&e, "latency_fork_share_oracle", (double)p->oracle_forks / steps, "ratio");
    if (t && toks > 0)
        put(&e, "latency_ms_per_token_hybrid_oracle",
            (t->oracle.machine_ms + t->oracle.human_ms) / toks, "ms");
    /* the entropy sweep, thresholds ascending, each once */
    nd = sweep_order(p->thresholds, p->n_thresholds, idx);
    for (size_t d = 0; d < nd; d++) {
        size_t i = idx[d];
        latency_threshold_tag(p->thresholds[i], tg, sizeof tg);
        snprintf(name, sizeof name, "latency_fork_share_%s", tg);
        put(&e, name, p->steps ? (double)p->forks[i] / (double)p->steps : 0, "ratio");
        if (!t)
            continue;
        double total = t->hybrid[i].machine_ms + t->hybrid[i].human_ms;
        snprintf(name, sizeof name, "latency_ms_per_segment_hybrid_%s", tg);
        put(&e, name, total / segs, "ms");
        if (toks > 0) {
            snprintf(name, sizeof name, "latency_ms_per_token_hybrid_%s", tg);
            put(&e, name, total / toks, "ms");
        }
    }
    /* projected machines: only when the run prices (t), like every ms row */
    for (size_t j = 0; t && toks > 0 && j < cfg->n_proj; j++) {
        snprintf(name, sizeof name, "latency_ms_per_token_hybrid_%s", cfg->proj[j].name);
        put(&e, name, (t->proj[j].machine_ms + t->proj[j].human_ms) / toks, "ms");
    }
    put(&e, "latency_entropy_bits", p->steps ? p->entropy_bits / (double)p->steps : 0, "bits");
    put(&e, "latency_threshold_bits", cfg->thresholds[0], "bits");
    put(&e, "latency_fork_tau", cfg->taus[0], "ratio");
    put(&e, "latency_k", (double)cfg->k, "choices");
    put(&e, "latency_hick_a_ms", cfg->hick_a_ms, "ms_param");
    put(&e, "latency_hick_b_ms", cfg->hick_b_ms, "ms_per_bit");
    if (t) {
        put(&e, "latency_ms_step", p->steps ? t->ms_model / (double)p->steps : 0, "ms");
        put(&e, "latency_ms_topk", p->ms_topk, "ms");
        put(&e, "latency_ms_entropy", p->ms_entropy, "ms");
        put(&e, "latency_ms_best", p->ms_best, "ms");
        put(&e, "latency_ms_choice", t->ms_choice, "ms");
    }
    return e.rc;
}

int latency_rows_model(const ngram_model *m, const ngram_data *test, double en_bytes,
                       size_t n_words, const latency_model_ms *mm, const latency_config *cfg,
                       const char *corpus_label, const char *lang, const char *tok_name,
                       results *r, tb_error *err)
{
    if (latency_config_check(cfg, err))
        return err->status;
    if (mm && (!mm->n_prefill || !mm->n_decode))
        return tb_fail(err, TB_EUSAGE, "latency: no measured model ms for '%s' %s %s",
                       corpus_label, lang, tok_name);
    size_t n_test = 0;
    for (size_t s = 0; s < test->n_segments; s++)
        n_test += !test->use || test->use[s];
    if (n_test == 0)
        return TB_OK;
    latency_profile prof = {0};
    int rc = latency_profile_measure(m, test, cfg, &prof, err);
    if (rc == TB_OK) {
        latency_times t;
        if (mm)
            latency_compute(&prof, mm, cfg, &t);
        rc = latency_emit(&prof, mm ? &t : NULL, cfg, (double)n_words, en_bytes, corpus_label,
                          lang, tok_name, r, err);
    }
    if (rc)
        tb_wrap(err, "latency '%s' %s %s: ", corpus_label, lang, tok_name);
    latency_profile_release(&prof);
    return rc;
}

int latency_rows(const corpus *c, size_t li, const char *tok_name, const token_streams *ts,
                 size_t n_words, const latency_model_ms *mm, const latency_config *cfg,
                 results *r, tb_error *err)
{
    size_t n = ts->n_segments;
    if (n != corpus_n_segments(c))
        return tb_fail(err, TB_EUSAGE, "latency: %zu token streams for %zu segments of '%s'", n,
                       corpus_n_segments(c), corpus_name(c));
    if (latency_config_check(cfg, err))
        return err->status;
    unsigned char *use_train, *use_test;
    double en_bytes;
    if (stage_ngram_split(c, &use_train, &use_test, &en_bytes, err))
        return err->status;
    ngram_data train = {n, ts->ids, ts->first, use_train};
    ngram_data test = {n, ts->ids, ts->first, use_test};
    ngram_model *m = NULL;
    int rc = ngram_build(&train, cfg->order, &m, err);
    if (rc)
        tb_wrap(err, "latency '%s' %s %s: ", corpus_name(c), corpus_lang(c, li), tok_name);
    else
        rc = latency_rows_model(m, &test, en_bytes, n_words, mm, cfg, corpus_name(c),
                                corpus_lang(c, li), tok_name, r, err);
    ngram_free(m);
    free(use_train);
    free(use_test);
    return rc;
}
