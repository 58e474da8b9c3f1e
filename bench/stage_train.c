/* stage_train.c - measured training rows (stage_train.h). */
#include "stage_train.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../common/timer.h"
#include "../corpora/corpus.h"
#include "../model/cost.h"
#include "../tokenizers/tokenizer.h"

void stage_train_config_init(stage_train_config *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    tb_error err;
    tb_error_clear(&err);
    tf_preset("tiny", &cfg->model, &err); /* a built-in name: cannot fail */
    trn_config_default(&cfg->tc);
    cfg->tc.seq = 64;
    cfg->tc.lr = 1e-3;
    cfg->kind = STAGE_TRAIN_STEPS;
    cfg->budget = 200;
    cfg->checkpoints = 10;
}

void stage_train_pivot_first(size_t *langs, size_t n, int pivot)
{
    for (size_t i = 1; pivot >= 0 && i < n; i++)
        if (langs[i] == (size_t)pivot) {
            memmove(langs + 1, langs, i * sizeof *langs);
            langs[0] = (size_t)pivot;
            return;
        }
}

stage_train_config stage_train_for_lang(const stage_train_config *base, int is_pivot,
                                        double pivot_final)
{
    stage_train_config c = *base;
    if (base->target_en) {
        c.target_self = is_pivot;
        c.target = is_pivot ? 0 : pivot_final;
    }
    return c;
}

/* Grows *p (ids) to hold at least need entries: 0, else the error's status. */
static int grow(uint32_t **p, size_t *cap, size_t need, tb_error *err)
{
    if (need <= *cap)
        return TB_OK;
    size_t c = *cap ? *cap : 16;
    while (c < need)
        c *= 2;
    uint32_t *g = tb_realloc(*p, c * sizeof *g, err);
    if (!g)
        return err->status ? err->status : TB_EINPUT;
    *p = g;
    *cap = c;
    return TB_OK;
}

int stage_train_encode(const tokenizer *t, const corpus *c, size_t li, token_streams *ts,
                       uint32_t **ids_out, size_t **first_out, tb_error *err)
{
    size_t ns = corpus_n_segments(c), cap = 1 << 16, len = 0, scap = 0;
    uint32_t *ids = tb_malloc(cap * sizeof *ids, err), *seg = NULL;
    size_t *first = ids ? tb_malloc((ns + 1) * sizeof *first, err) : NULL;
    if (!first) {
        free(ids);
        return err->status;
    }
    size_t vocab = 0;
    for (size_t s = 0; s < ns; s++) {
        size_t tl, nt;
        const char *text = corpus_segment(c, li, s, &tl);
        first[s] = len;
        if (grow(&seg, &scap, 2 * tl + 16, err) ||
            tokenizer_encode(t, text, tl, seg, NULL, scap, &nt, err))
            goto fail;
        /* more tokens than 2 bytes + 16 (a cmd: scheme): once more */
        if (nt > scap && (grow(&seg, &scap, nt, err) ||
                          tokenizer_encode(t, text, tl, seg, NULL, scap, &nt, err)))
            goto fail;
        if (grow(&ids, &cap, len + nt, err))
            goto fail;
        for (size_t i = 0; i < nt; i++)
            vocab = seg[i] >= vocab ? (size_t)seg[i] + 1 : vocab;
        memcpy(ids + len, seg, nt * sizeof *seg);
        len += nt;
    }
    first[ns] = len;
    free(seg);
    ts->n_segments = ns;
    ts->ids = ids;
    ts->first = first;
    ts->vocab_size = vocab;
    *ids_out = ids;
    *first_out = first;
    return TB_OK;
fail:
    free(seg);
    free(ids);
    free(first);
    return err->status ? err->status : TB_EINPUT;
}

/* The bytes of segment s that measure its content: English's, else li's. */
static size_t content_bytes(const corpus *c, size_t li, int en, size_t s)
{
    size_t len;
    corpus_segment(c, en >= 0 ? (size_t)en : li, s, &len);
    return len;
}

/* Joins the segments of split (eval: only the first ones within max_bytes,
 * 0 = all) as SEP s1 SEP ... sN SEP with the renumbered ids (map) and SEP =
 * sep. */
static int join(const corpus *c, size_t li, int en, const token_streams *ts,
                enum corpus_split split, double max_bytes, const uint32_t *map, uint32_t sep,
                uint32_t **out, size_t *n, size_t *nseg, double *bytes, tb_error *err)
{
    size_t total = 1;
    *nseg = 0;
    *bytes = 0;
    for (size_t s = 0; s < ts->n_segments; s++) {
        if (!corpus_in_split(c, s, split))
            continue;
        double b = (double)content_bytes(c, li, en, s);
        if (max_bytes > 0 && *bytes + b > max_bytes)
            break;
        *bytes += b;
        total += ts->first[s + 1] - ts->first[s] + 1;
        (*nseg)++;
    }
    uint32_t *ids = tb_malloc(total * sizeof *ids, err);
    if (!ids)
        return err->status;
    size_t k = 0, taken = 0;
    ids[k++] = sep;
    for (size_t s = 0; s < ts->n_segments && taken < *nseg; s++) {
        if (!corpus_in_split(c, s, split))
            continue;
        for (size_t i = ts->first[s]; i < ts->first[s + 1]; i++)
            ids[k++] = map[ts->ids[i]];
        ids[k++] = sep;
        taken++;
    }
    *out = ids;
    *n = total;
    return TB_OK;
}

static double step_flops(const tf_config *mc, const trn_config *tc)
{
    trn_cost cost;
    trn_cost_step(mc, tc, &cost);
    double f = 0;
    for (int p = 0; p < TRN_NPHASES; p++)
        f += cost.gemm_flops[p] + cost.elem_flops[p];
    return f;
}

static double analytic_bytes(const tf_config *mc, const trn_config *tc)
{
    tf_mem am;
    tf_cost_memory(mc, tc->seq, &am);
    /* weights, gradients and the two Adam moments: 4 x the fp32 parameters */
    return 4 * (am.params_embed + am.params_layers) + (double)tc->batch * am.activations;
}

/* Steps the budget buys (0: it buys none). */
static size_t budget_steps(const stage_train_config *cfg, double per_step, size_t n_train)
{
    double b = cfg->budget, win = (double)(cfg->tc.batch * cfg->tc.seq), s;
    switch (cfg->kind) {
    case STAGE_TRAIN_FLOPS:
        s = floor(b / per_step);
        break;
    case STAGE_TRAIN_TOKENS:
        s = ceil(b / win);
        break;
    case STAGE_TRAIN_EPOCHS:
        s = ceil(b * (double)(n_train - 1) / win);
        break;
    default:
        s = floor(b);
    }
    return s < 1 ? 0 : s > 1e9 ? (size_t)1e9 : (size_t)s;
}

static const char *budget_unit(enum stage_train_budget k)
{
    return k == STAGE_TRAIN_FLOPS ? "FLOPs" : k == STAGE_TRAIN_TOKENS ? "tokens"
                                          : k == STAGE_TRAIN_EPOCHS   ? "epochs"
                                                                      : "steps";
}

/* results_add with the regime label after "train_" (train_LABEL_loss). */
static int add_row(results *r, const char *label, const char *cn, const char *split,
                   const char *lang, const char *tn, const char *name, double value,
                   const char *unit, tb_error *err)
{
    char m[256];
    if (label && label[0]) {
        snprintf(m, sizeof m, "train_%s_%s", label, name + 6);
        name = m;
    }
    return results_add(r, cn, split, lang, tn, name, value, unit, err);
}

/* The 7B-class projection rows of n windows of T tokens (stage_train.h). */
static int proj_rows(const stage_train_config *cfg, results *r, const char *cn,
                     const char *lang, const char *tn, size_t n, size_t t, size_t vocab,
                     tb_error *err)
{
    static const char *const models[] = STAGE_TRAIN_PROJ_MODELS;
    roofline_config rc = {.models = models, .n_models = sizeof models / sizeof models[0],
                          .machine_model = "", .budget = 1};
    size_t np = roofline_pairs(cfg->rf, &rc, NULL, NULL, 0);
    const roofline_dims **pm = tb_calloc(np ? np : 1, sizeof *pm, err);
    const roofline_hw **ph = pm ? tb_calloc(np ? np : 1, sizeof *ph, err) : NULL;
    size_t *lens = ph ? tb_malloc((n ? n : 1) * sizeof *lens, err) : NULL;
    int st = lens ? roofline_config_check(cfg->rf, &rc, err) : err->status;
    if (st == TB_OK)
        roofline_pairs(cfg->rf, &rc, pm, ph, np);
    for (size_t i = 0; st == TB_OK && i < n; i++)
        lens[i] = t;
    char name[160];
    const char *last = NULL;
    for (size_t i = 0; i < np && st == TB_OK; i++) {
        roofline_proj p;
        st = roofline_project(pm[i], vocab, ph[i], &rc, lens, n, &p, err);
        if (st == TB_OK && pm[i]->name != last) { /* models outer: once per model */
            snprintf(name, sizeof name, "train_proj_flops_%s", pm[i]->name);
            st = add_row(r, cfg->label, cn, "train", lang, tn, name, p.train_flops, "FLOPs", err);
            last = pm[i]->name;
        }
        if (st == TB_OK && p.train_hours >= 0) {
            snprintf(name, sizeof name, "train_proj_gpu_hours_%s_%s", pm[i]->name, ph[i]->name);
            st = add_row(r, cfg->label, cn, "train", lang, tn, name, p.train_hours, "h", err);
        }
    }
    free(lens);
    free(ph);
    free(pm);
    return st;
}

int stage_train_rows(const corpus *c, size_t li, const tokenizer *t, const token_streams *ts,
                     const stage_train_config *cfg, results *r, stage_train_result *out,
                     tb_error *err)
{
    const char *cn = corpus_name(c), *lang = corpus_lang(c, li), *tn = tokenizer_name(t);
    int en = corpus_pivot(c);
    if (ts->n_segments != corpus_n_segments(c))
        return tb_fail(err, TB_EUSAGE, "train stage: %zu token streams for %zu segments of '%s'",
                       ts->n_segments, corpus_n_segments(c), cn);
    /* renumber the ids the text uses, in id order */
    size_t vs = ts->vocab_size ? ts->vocab_size : 1;
    uint32_t *map = tb_calloc(vs, sizeof *map, err);
    if (!map)
        return err->status;
    for (size_t i = 0; i < ts->first[ts->n_segments]; i++)
        map[ts->ids[i]] = 1;
    uint32_t used = 0;
    for (size_t v = 0; v < vs; v++)
        map[v] = map[v] ? used++ : UINT32_MAX;
    uint32_t *train = NULL, *test = NULL, *ids = NULL, *tg = NULL;
    size_t n = 0, nt = 0, nseg = 0, nseg_eval = 0, nseg_test = 0;
    double train_bytes = 0, eval_bytes = 0;
    trn *tr = NULL;
    int rc = join(c, li, en, ts, CORPUS_TRAIN, 0, map, used, &train, &n, &nseg, &train_bytes, err);
    if (rc == TB_OK)
        rc = join(c, li, en, ts, CORPUS_TEST, cfg->eval_bytes, map, used, &test, &nt, &nseg_eval,
                  &eval_bytes, err);
    free(map);
    for (size_t s = 0; s < ts->n_segments; s++)
        nseg_test += (size_t)corpus_in_split(c, s, CORPUS_TEST);
    tf_config mc = cfg->model;
    trn_config tc = cfg->tc;
    mc.vocab = (size_t)used + 1;
    size_t vfull = tokenizer_vocab_size(t) < 0x110000 ? tokenizer_vocab_size(t) + 1 : 0;
    if (rc == TB_OK && (n <= tc.seq || nt <= tc.seq))
        rc = tb_fail(err, TB_EINPUT,
                     "corpus '%s', %s, %s: %zu %s tokens with separators, fewer than a window "
                     "of %zu + 1%s",
                     cn, lang, tn, n <= tc.seq ? n : nt, n <= tc.seq ? "train" : "evaluation",
                     tc.seq, n <= tc.seq || cfg->eval_bytes <= 0 ? "" : " (raise the evaluation bytes)");
    double per_step = step_flops(&mc, &tc);
    size_t steps = rc ? 0 : budget_steps(cfg, per_step, n);
    size_t warm = cfg->warmup_set ? tc.warmup_steps : steps / 20;
    if (rc == TB_OK && (steps == 0 || warm >= steps))
        rc = tb_fail(err, TB_EINPUT,
                     "corpus '%s', %s, %s: a budget of %g %s buys %zu steps (%.4g FLOPs each, "
                     "batch %zu x %zu)%s",
                     cn, lang, tn, cfg->budget, budget_unit(cfg->kind), steps, per_step, tc.batch,
                     tc.seq, steps == 0 ? "" : ", not more than the warm-up");
    tc.warmup_steps = warm;
    tc.decay_steps = steps;
    if (rc == TB_OK)
        rc = trn_new(&mc, &tc, &tr, err);
    size_t nb = tc.batch * tc.seq;
    if (rc == TB_OK) {
        ids = tb_malloc(nb * sizeof *ids, err);
        tg = ids ? tb_malloc(nb * sizeof *tg, err) : NULL;
        if (!tg)
            rc = err->status;
    }
    if (rc == TB_OK && cfg->on_plan) {
        stage_train_plan p = {.train_tokens = n, .test_tokens = nt, .train_segments = nseg,
                              .eval_segments = nseg_eval, .test_segments = nseg_test,
                              .eval_en_bytes = en >= 0 ? eval_bytes : 0, .vocab = mc.vocab,
                              .vocab_full = vfull, .steps = steps, .warmup = warm,
                              .flops_per_step = per_step, .model = &mc, .tc = &tc};
        cfg->on_plan(cfg->ud, &p);
    }
    size_t every = cfg->every           ? cfg->every
                   : cfg->checkpoints > 1 ? steps / cfg->checkpoints
                                          : steps;
    every = every ? every : 1;
    double sum = 0, mean = 0, dt = 0, test_loss = 0, bpeb = 0, flops = 0;
    double f_target = -1, s_target = -1, target = cfg->target;
    /* checkpoints: step 1, every `every`, the last */
    size_t ncap = steps / every + 2, np = 0;
    double *cf = rc ? NULL : tb_malloc(3 * ncap * sizeof *cf, err);
    double *cs = cf ? cf + ncap : NULL, *cb = cf ? cf + 2 * ncap : NULL;
    if (rc == TB_OK && !cf)
        rc = err->status;
    size_t since = 0;
    trn_eval_result ev = {0};
    char metric[64];
#define ROW(split, name, value, unit)                                                          \
    (rc = rc ? rc : add_row(r, cfg->label, cn, split, lang, tn, name, value, unit, err))
    for (size_t s = 0; s < steps && rc == TB_OK; s++) {
        trn_step_info info;
        double t0 = tb_now();
        rc = trn_sample(&tc, train, n, s, ids, tg, err);
        if (rc == TB_OK)
            rc = trn_step(tr, ids, tg, &info, err);
        dt += tb_now() - t0;
        if (rc)
            break;
        flops += per_step;
        sum += info.loss;
        since++;
        if (s == 0 || (s + 1) % every == 0 || s + 1 == steps) {
            mean = sum / (double)since;
            rc = trn_eval(tr, test, nt, &ev, err);
            if (rc)
                break;
            test_loss = ev.nats / (double)ev.targets;
            bpeb = en >= 0 && eval_bytes > 0 ? ev.nats / log(2.0) / eval_bytes : 0;
            if (np < ncap) { /* the curve, for the target afterwards */
                cf[np] = flops;
                cs[np] = dt;
                cb[np] = bpeb;
                np++;
            }
            snprintf(metric, sizeof metric, "train_curve_loss@%zu", s + 1);
            ROW("train", metric, mean, "nats/token");
            ROW("test", metric, test_loss, "nats/token");
            if (bpeb > 0) {
                snprintf(metric, sizeof metric, "train_curve_bits_per_en_byte@%zu", s + 1);
                ROW("test", metric, bpeb, "bits/byte");
            }
            snprintf(metric, sizeof metric, "train_curve_flops@%zu", s + 1);
            ROW("train", metric, flops, "FLOPs");
            snprintf(metric, sizeof metric, "train_curve_s@%zu", s + 1);
            if (!cfg->no_timing)
                ROW("train", metric, dt, "s");
            if (cfg->on_point) {
                stage_train_point p = {.step = s + 1, .steps = steps, .loss = info.loss,
                                       .mean = mean, .test_loss = test_loss,
                                       .bits_per_en_byte = bpeb, .lr = info.lr,
                                       .grad_norm = info.grad_norm, .flops = flops, .seconds = dt};
                cfg->on_point(cfg->ud, &p);
            }
            sum = 0;
            since = 0;
        }
    }
    /* the target: the first crossing of the curve (its own final value with
     * target_self), linear between the checkpoints that cross it */
    if (rc == TB_OK && cfg->target_self)
        target = bpeb;
    for (size_t i = 0; rc == TB_OK && target > 0 && i < np && f_target < 0; i++) {
        if (!(cb[i] > 0 && cb[i] <= target))
            continue;
        if (i == 0) {
            f_target = cf[0];
            s_target = cs[0];
        } else {
            double w = cb[i - 1] - cb[i] > 0 ? (cb[i - 1] - target) / (cb[i - 1] - cb[i]) : 1;
            f_target = cf[i - 1] + w * (cf[i] - cf[i - 1]);
            s_target = cs[i - 1] + w * (cs[i] - cs[i - 1]);
        }
    }
    if (out) {
        out->bits_per_en_byte = rc ? 0 : bpeb;
        out->flops = rc ? 0 : flops;
    }
    free(cf);
    if (rc == TB_OK) {
        trn_memory m;
        trn_memory_get(tr, &m);
        if (cfg->on_done)
            cfg->on_done(cfg->ud, &m, dt, steps, steps * nb);
        const trn_stats *st = trn_stats_get(tr);
        double gf = 0, ef = 0, gs = 0, os = 0;
        for (int p = 0; p < TRN_NPHASES; p++) {
            gf += st->gemm_flops[p];
            ef += st->elem_flops[p];
            gs += st->gemm_s[p];
            os += st->other_s[p];
        }
        ROW("test", "train_loss", test_loss, "nats/token");
        ROW("test", "train_bits_per_token", test_loss / log(2.0), "bits/token");
        if (bpeb > 0)
            ROW("test", "train_bits_per_en_byte", bpeb, "bits/byte");
        ROW("test", "train_eval_targets", (double)ev.targets, "tokens");
        ROW("test", "train_eval_segments", (double)nseg_eval, "segments");
        if (en >= 0)
            ROW("test", "train_eval_en_bytes", eval_bytes, "bytes");
        if (target > 0)
            ROW("test", "train_target_bits_per_en_byte", target, "bits/byte");
        if (f_target >= 0) {
            ROW("test", "train_flops_to_target", f_target, "FLOPs");
            if (!cfg->no_timing)
                ROW("test", "train_s_to_target", s_target, "s");
        }
        ROW("train", "train_loss", mean, "nats/token");
        ROW("train", "train_steps", (double)steps, "steps");
        ROW("train", "train_tokens_seen", (double)(steps * nb), "tokens");
        ROW("train", "train_epochs_seen", (double)(steps * nb) / (double)(n - 1), "epochs");
        ROW("train", "train_vocab", (double)mc.vocab, "types");
        ROW("train", "train_flops", gf + ef, "FLOPs");
        ROW("train", "train_flops_gemm_share", gf / (gf + ef), "ratio");
        ROW("train", "train_bytes_peak_measured", (double)m.total, "bytes");
        ROW("train", "train_bytes_analytic", analytic_bytes(&mc, &tc), "bytes");
        if (vfull) {
            tf_config full = mc;
            full.vocab = vfull;
            ROW("train", "train_vocab_full", (double)vfull, "types");
            ROW("train", "train_flops_full_vocab",
                gf + ef + (double)steps * (step_flops(&full, &tc) - per_step), "FLOPs");
            ROW("train", "train_bytes_analytic_full_vocab", analytic_bytes(&full, &tc), "bytes");
        }
        if (cfg->kind == STAGE_TRAIN_FLOPS)
            ROW("train", "train_budget_flops", cfg->budget, "FLOPs");
        if (rc == TB_OK && cfg->rf)
            rc = proj_rows(cfg, r, cn, lang, tn, steps * tc.batch, tc.seq,
                           vfull ? vfull : mc.vocab, err);
        if (!cfg->no_timing) {
            ROW("train", "train_s", dt, "s");
            ROW("train", "train_gemm_time_share", gs + os > 0 ? gs / (gs + os) : 0,
                "time_ratio");
        }
    }
#undef ROW
    free(train);
    free(test);
    free(ids);
    free(tg);
    trn_free(tr);
    return rc;
}
