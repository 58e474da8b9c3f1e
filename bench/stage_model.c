/* stage_model.c - model rows per (corpus, language, tokenizer) and the model
 * benchmark (see stage_model.h). */
#include "stage_model.h"

#include <cblas.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../common/timer.h"
#include "../model/cost.h"
#include "../model/roofline.h"
#include "../model/transformer.h"

#define MAX_SWEEP STAGE_MODEL_MAX_SWEEP
#define MAX_HEADS 256
#define HEAD_ROWS 128

typedef struct head_time {
    size_t vocab;
    double row_ms;      /* per prefill row (logits of one position, of 128-row GEMM) */
    double one_ms;      /* a 1-row GEMM (decode) */
} head_time;

struct stage_model {
    stage_model_config cfg;
    tf_config mc;                   /* preset + overrides; vocab set per use */
    tf_config big;                  /* the 7b preset */
    int measured;                   /* body sweep done */
    /* the body's timing curve (everything but the LM head): prefill ms at
     * ascending lengths, the ms of one decode step at cache lengths */
    stage_model_curve cur;
    size_t n_heads;
    head_time heads[MAX_HEADS];
};

static int resolve_config(const stage_model_config *cfg, tf_config *mc, tb_error *err)
{
    if (tf_preset(cfg->preset ? cfg->preset : "small", mc, err))
        return TB_EUSAGE;
    for (size_t i = 0; i < cfg->n_overrides; i++)
        if (tf_config_set(mc, cfg->overrides[i], err))
            return TB_EUSAGE;
    tf_config probe = *mc;
    if (!probe.vocab)
        probe.vocab = 256;
    return tf_config_check(&probe, err);
}

int stage_model_new(const stage_model_config *cfg, stage_model **out, tb_error *err)
{
    *out = NULL;
    stage_model *sm = tb_calloc(1, sizeof *sm, err);
    if (!sm)
        return TB_EINPUT;
    sm->cfg = *cfg;
    if (sm->cfg.threads <= 0)
        sm->cfg.threads = 1;
    if (sm->cfg.repeats <= 0)
        sm->cfg.repeats = 3;
    if (!sm->cfg.head_sample)
        sm->cfg.head_sample = 32768;
    if (resolve_config(cfg, &sm->mc, err) || tf_preset("7b", &sm->big, err)) {
        free(sm);
        return TB_EUSAGE;
    }
    /* the measured rows run the model: refuse now, before any corpus is
     * encoded, what cannot be allocated even with the smallest head */
    if (sm->cfg.timing) {
        tf_config probe = sm->mc;
        if (!probe.vocab)
            probe.vocab = 256;
        int rc = tf_memory_check(&probe, 0, err);
        if (rc) {
            free(sm);
            return tb_wrap(err, "model preset '%s': ", cfg->preset ? cfg->preset : "small"), rc;
        }
    }
    openblas_set_num_threads(sm->cfg.threads);
    *out = sm;
    return TB_OK;
}

void stage_model_free(stage_model *sm) { free(sm); }

/* ---- measurement ---------------------------------------------------------- */

static double median_of(double *v, int n) { return tb_median(v, n); }

/* Body ms (wall minus LM-head sgemm) of a prefill of n tokens: median of
 * repeats (the caller warms up once); *gemm_ms gets the body's sgemm ms of the run
 * closest to the median. */
static int time_prefill_body(tf_model *m, const uint32_t *ids, size_t n, float *logits,
                             int repeats, double *body_ms, double *gemm_ms, tb_error *err)
{
    double t[64], g[64];
    if (repeats > 64)
        repeats = 64;
    for (int r = 0; r < repeats; r++) {
        tf_stats_reset(m);
        if (tf_prefill(m, ids, n, 0, logits, err))
            return TB_EINPUT;
        const tf_stats *s = tf_stats_get(m);
        if (r < 0)
            continue;
        t[r] = 1e3 * (s->total_s - s->gemm_s[TF_LM_HEAD]);
        double gs = 0;
        for (int p = 0; p < TF_NPARTS; p++)
            gs += p == TF_LM_HEAD ? 0 : s->gemm_s[p];
        g[r] = 1e3 * gs;
    }
    double tc[64];
    memcpy(tc, t, sizeof(double) * (size_t)repeats);
    *body_ms = median_of(tc, repeats);
    int best = 0;
    for (int r = 1; r < repeats; r++)
        if (fabs(t[r] - *body_ms) < fabs(t[best] - *body_ms))
            best = r;
    *gemm_ms = g[best];
    return TB_OK;
}

static void fill_ids(uint32_t *ids, size_t n, size_t vocab)
{
    uint64_t s = 0x243F6A8885A308D3ull;
    for (size_t i = 0; i < n; i++) {
        s = s * 6364136223846793005ull + 1442695040888963407ull;
        ids[i] = (uint32_t)((s >> 33) % vocab);
    }
}

/* Times the vocabulary-free body once: the prefill sweep and decode steps. */
static int measure_body(stage_model *sm, tb_error *err)
{
    if (sm->measured)
        return TB_OK;
    tf_config c = sm->mc;
    c.vocab = 256; /* the head is timed per vocabulary; this one is subtracted */
    tf_model *m = NULL;
    size_t C = c.context;
    uint32_t *ids = tb_malloc(C * sizeof *ids, err);
    float *lg = tb_malloc(c.vocab * sizeof *lg, err);
    int rc = ids && lg ? tf_new(&c, &m, err) : TB_EINPUT;
    if (rc == TB_OK) {
        fill_ids(ids, C, c.vocab);
        static const size_t pts[] = {1, 16, 64, 256, 512, 1024};
        sm->cur.n_sweep = 0;
        for (size_t i = 0; i < sizeof pts / sizeof pts[0] && pts[i] < C; i++)
            sm->cur.sweep_n[sm->cur.n_sweep++] = pts[i];
        sm->cur.sweep_n[sm->cur.n_sweep++] = C;
        sm->cur.n_stat = C < 512 ? C : 512;
        /* one warm-up for the whole sweep: touches every weight and buffer */
        rc = tf_prefill(m, ids, sm->cur.sweep_n[sm->cur.n_sweep - 1] < 64 ? sm->cur.sweep_n[sm->cur.n_sweep - 1] : 64,
                        0, lg, err);
        for (size_t i = 0; i < sm->cur.n_sweep && rc == TB_OK; i++) {
            double g = 0;
            rc = time_prefill_body(m, ids, sm->cur.sweep_n[i], lg, sm->cfg.repeats, &sm->cur.sweep_ms[i],
                                   &g, err);
            if (sm->cur.sweep_n[i] == sm->cur.n_stat) {
                sm->cur.stat_body_ms = sm->cur.sweep_ms[i];
                sm->cur.stat_body_gemm_ms = g;
            }
        }
        /* the cache now holds C positions (last sweep point); decode steps */
        size_t dp[3] = {128, 512, C - 1};
        sm->cur.n_dec = 0;
        for (int i = 0; i < 3; i++) {
            size_t p = dp[i] < C - 1 ? dp[i] : C - 1;
            if (p >= 1 && (sm->cur.n_dec == 0 || sm->cur.dec_pos[sm->cur.n_dec - 1] < p))
                sm->cur.dec_pos[sm->cur.n_dec++] = p;
        }
        /* descending: a decode at pos truncates the cache to pos + 1 */
        for (size_t i = sm->cur.n_dec; i-- > 0 && rc == TB_OK;) {
            double t[64];
            int R = sm->cfg.repeats > 64 ? 64 : sm->cfg.repeats;
            for (int r = -1; r < R && rc == TB_OK; r++) {
                tf_stats_reset(m);
                rc = tf_decode(m, ids[sm->cur.dec_pos[i]], sm->cur.dec_pos[i], lg, err);
                const tf_stats *s = tf_stats_get(m);
                if (r >= 0)
                    t[r] = 1e3 * (s->total_s - s->gemm_s[TF_LM_HEAD]);
            }
            if (rc == TB_OK)
                sm->cur.dec_ms[i] = median_of(t, R);
        }
    }
    tf_free(m);
    free(ids);
    free(lg);
    if (rc == TB_OK)
        sm->measured = 1;
    return rc;
}

/* Median ms of C (rows, cols) = X (rows, d) W^T, W (cols, d). */
static double time_head_gemm(const float *X, const float *W, float *out, size_t rows, size_t cols,
                             size_t d, int repeats)
{
    double t[64];
    int R = repeats > 64 ? 64 : repeats;
    for (int r = -1; r < R; r++) {
        double t0 = tb_now();
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)rows, (int)cols, (int)d, 1.0f, X,
                    (int)d, W, (int)d, 0.0f, out, (int)cols);
        if (r >= 0)
            t[r] = 1e3 * (tb_now() - t0);
    }
    return median_of(t, R);
}

static int measure_head(stage_model *sm, size_t vocab, const head_time **out, tb_error *err)
{
    for (size_t i = 0; i < sm->n_heads; i++)
        if (sm->heads[i].vocab == vocab) {
            *out = &sm->heads[i];
            return TB_OK;
        }
    if (sm->n_heads == MAX_HEADS)
        return tb_fail(err, TB_EINPUT, "model stage: more than %d vocabulary sizes", MAX_HEADS);
    size_t d = sm->mc.d_model, cols = vocab < sm->cfg.head_sample ? vocab : sm->cfg.head_sample;
    float *W = tb_malloc(cols * d * sizeof(float), err);
    float *X = tb_malloc(HEAD_ROWS * d * sizeof(float), err);
    float *Y = tb_malloc(HEAD_ROWS * cols * sizeof(float), err);
    if (!W || !X || !Y) {
        free(W);
        free(X);
        free(Y);
        return TB_EINPUT;
    }
    for (size_t i = 0; i < cols * d; i++)
        W[i] = (float)((i * 2654435761u) % 1000) * 1e-5f - 0.005f;
    for (size_t i = 0; i < HEAD_ROWS * d; i++)
        X[i] = (float)((i * 40503u) % 1000) * 1e-3f - 0.5f;
    double scale = (double)vocab / (double)cols;
    head_time *h = &sm->heads[sm->n_heads++];
    h->vocab = vocab;
    h->row_ms = time_head_gemm(X, W, Y, HEAD_ROWS, cols, d, sm->cfg.repeats) / HEAD_ROWS * scale;
    h->one_ms = time_head_gemm(X, W, Y, 1, cols, d, sm->cfg.repeats) * scale;
    free(W);
    free(X);
    free(Y);
    *out = h;
    return TB_OK;
}

int stage_model_measure(stage_model *sm, size_t vocab, stage_model_curve *curve, double *row_ms,
                        double *one_ms, tb_error *err)
{
    const head_time *h = NULL;
    if (measure_body(sm, err) || measure_head(sm, vocab, &h, err))
        return err->status ? err->status : TB_EINPUT;
    *curve = sm->cur;
    *row_ms = h->row_ms;
    *one_ms = h->one_ms;
    return TB_OK;
}

int stage_model_set_curve(stage_model *sm, const stage_model_curve *c, tb_error *err)
{
    size_t C = sm->mc.context;
    int ok = c->n_sweep >= 1 && c->n_sweep <= MAX_SWEEP && c->n_dec <= 3 &&
             c->sweep_n[c->n_sweep - 1] == C && c->n_stat == (C < 512 ? C : 512);
    for (size_t i = 0; ok && i < c->n_sweep; i++)
        ok = c->sweep_n[i] >= 1 && (i == 0 || c->sweep_n[i] > c->sweep_n[i - 1]) &&
             c->sweep_ms[i] >= 0 && isfinite(c->sweep_ms[i]);
    for (size_t i = 0; ok && i < c->n_dec; i++)
        ok = c->dec_pos[i] >= 1 && c->dec_pos[i] < C &&
             (i == 0 || c->dec_pos[i] > c->dec_pos[i - 1]) && c->dec_ms[i] >= 0 &&
             isfinite(c->dec_ms[i]);
    ok = ok && c->stat_body_ms > 0 && isfinite(c->stat_body_ms) && c->stat_body_gemm_ms >= 0 &&
         isfinite(c->stat_body_gemm_ms);
    if (!ok)
        return tb_fail(err, TB_EINPUT,
                       "model stage: a timing curve that is not one of preset '%s' (context "
                       "%zu): prefill lengths ascending to the context, decode positions "
                       "below it, finite ms",
                       sm->cfg.preset ? sm->cfg.preset : "small", C);
    sm->cur = *c;
    sm->measured = 1;
    sm->cfg.timing = 1;
    return TB_OK;
}

int stage_model_set_head(stage_model *sm, size_t vocab, double row_ms, double one_ms,
                         tb_error *err)
{
    if (!(row_ms >= 0 && one_ms >= 0 && isfinite(row_ms) && isfinite(one_ms)))
        return tb_fail(err, TB_EINPUT, "model stage: head times %g, %g ms of vocabulary %zu",
                       row_ms, one_ms, vocab);
    size_t i = 0;
    while (i < sm->n_heads && sm->heads[i].vocab != vocab)
        i++;
    if (i == MAX_HEADS)
        return tb_fail(err, TB_EINPUT, "model stage: more than %d vocabulary sizes", MAX_HEADS);
    if (i == sm->n_heads)
        sm->n_heads++;
    sm->heads[i] = (head_time){vocab, row_ms, one_ms};
    return TB_OK;
}

/* Body ms of a prefill of n tokens: piecewise linear between sweep points
 * (n <= context, so never beyond the last point). */
static double body_ms(const stage_model *sm, size_t n)
{
    size_t i = 0;
    while (i + 1 < sm->cur.n_sweep && sm->cur.sweep_n[i + 1] < n)
        i++;
    if (n <= sm->cur.sweep_n[0] || sm->cur.n_sweep == 1)
        return sm->cur.sweep_ms[0] * (double)n / (double)sm->cur.sweep_n[0];
    size_t a = sm->cur.sweep_n[i], b = sm->cur.sweep_n[i + 1];
    double fa = sm->cur.sweep_ms[i], fb = sm->cur.sweep_ms[i + 1];
    return fa + (fb - fa) * (double)(n - a) / (double)(b - a);
}

/* ---- pricing ---------------------------------------------------------------- */

typedef struct price {
    tf_cost flops;          /* summed over chunks */
    double ms;              /* fitted prefill ms */
    size_t tokens, chunks, longest;
} price;

/* Prices the test split given as the token counts of its segments in corpus
 * order (lens[0..n)): each segment one sequence, in chunks of the context. */
static void price_lens(const stage_model *sm, const size_t *lens, size_t n_lens,
                       const tf_config *mc, const head_time *h, price *out)
{
    memset(out, 0, sizeof *out);
    size_t C = mc->context;
    for (size_t s = 0; s < n_lens; s++) {
        size_t n = lens[s];
        out->tokens += n;
        while (n > 0) {
            size_t k = n < C ? n : C;
            n -= k;
            tf_cost one;
            tf_cost_forward(mc, k, 0, 1, &one);
            for (int p = 0; p < TF_NPARTS; p++)
                out->flops.flops[p] += one.flops[p];
            out->flops.gemm_flops += one.gemm_flops;
            out->flops.total += one.total;
            if (h)
                out->ms += body_ms(sm, k) + (double)k * h->row_ms;
            out->chunks++;
            if (k > out->longest)
                out->longest = k;
        }
    }
}

struct emit {
    results *r;
    const char *corpus, *lang, *tok;
    tb_error *err;
    int rc;
};

static void row(struct emit *e, const char *metric, const char *suffix, double v,
                const char *unit)
{
    if (e->rc)
        return;
    char name[128];
    snprintf(name, sizeof name, "%s%s", metric, suffix);
    e->rc = results_add(e->r, e->corpus, "test", e->lang, e->tok, name, v, unit, e->err);
}

static void flops_rows(struct emit *e, const price *p, const char *suffix)
{
    static const char *names[TF_NPARTS] = {"flops_embed",   "flops_qkvo",    "flops_attn",
                                           "flops_mlp",     "flops_lm_head", "flops_other"};
    for (int k = 0; k < TF_NPARTS; k++)
        row(e, names[k], suffix, p->flops.flops[k], "FLOPs");
    row(e, "flops_total", suffix, p->flops.total, "FLOPs");
    row(e, "gemm_flops_share", suffix, p->flops.total > 0 ? p->flops.gemm_flops / p->flops.total : 0,
        "ratio");
}

static void memory_rows(struct emit *e, const tf_config *mc, const price *p, const char *suffix)
{
    tf_mem m;
    tf_cost_memory(mc, p->longest, &m);
    row(e, "bytes_params_embed", suffix, m.params_embed, "bytes");
    row(e, "bytes_params_layers", suffix, m.params_layers, "bytes");
    row(e, "bytes_activations", suffix, m.activations, "bytes");
    row(e, "bytes_train", suffix, m.train, "bytes");
    tf_cost_memory(mc, p->tokens, &m);
    row(e, "bytes_kv_cache", suffix, m.kv_cache, "bytes");
    static const struct {
        const char *tag;
        size_t n;
    } ctx[] = {{"1k", 1000}, {"8k", 8000}, {"60k", 60000}};
    char name[64];
    for (size_t i = 0; i < 3; i++) {
        tf_cost_memory(mc, ctx[i].n, &m);
        snprintf(name, sizeof name, "bytes_kv_cache_%s", ctx[i].tag);
        row(e, name, suffix, m.kv_cache, "bytes");
        snprintf(name, sizeof name, "bytes_activations_%s", ctx[i].tag);
        row(e, name, suffix, m.activations, "bytes");
        snprintf(name, sizeof name, "bytes_infer_%s", ctx[i].tag);
        row(e, name, suffix, m.infer, "bytes");
        snprintf(name, sizeof name, "bytes_train_%s", ctx[i].tag);
        row(e, name, suffix, m.train, "bytes");
    }
}

size_t stage_model_doc_tokens(size_t n_en, size_t tokens_l, size_t tokens_en)
{
    if (!tokens_en)
        return 0;
    double n = floor((double)n_en * (double)tokens_l / (double)tokens_en + 0.5);
    return n < 1 ? 1 : (size_t)n;
}

static const struct {
    const char *tag;
    size_t n;
} k_docs[] = {{"8k", 8000}, {"60k", 60000}};
#define N_DOCS (sizeof k_docs / sizeof k_docs[0])
/* the file's 7B-class dims priced by the flops_doc_*_<m> rows */
static const char *const k_doc_models[] = {"llama2-7b", "qwen2-7b"};
#define N_DOC_MODELS (sizeof k_doc_models / sizeof k_doc_models[0])

static double doc_flops_of(const tf_config *mc, size_t n)
{
    tf_cost c;
    tf_cost_forward(mc, n, 0, 1, &c);
    return c.total;
}

/* The long-document rows (stage_model.h): mc, ec the preset with this
 * language's and English's priced vocabulary. */
static void doc_rows(struct emit *e, const stage_model *sm, const tf_config *mc,
                     const tf_config *ec, size_t tokens_l, size_t tokens_en)
{
    if (!tokens_en)
        return;
    char name[48]; /* metric names here are at most 24 bytes */
    for (size_t i = 0; i < N_DOCS; i++) {
        size_t n = stage_model_doc_tokens(k_docs[i].n, tokens_l, tokens_en), ne = k_docs[i].n;
        snprintf(name, sizeof name, "doc_tokens_%s", k_docs[i].tag);
        row(e, name, "", (double)n, "tokens");
        double f = doc_flops_of(mc, n), fe = doc_flops_of(ec, ne);
        snprintf(name, sizeof name, "flops_doc_%s", k_docs[i].tag);
        row(e, name, "", f, "FLOPs");
        snprintf(name, sizeof name, "flops_doc_%s_vs_en", k_docs[i].tag);
        row(e, name, "", f / fe, "ratio");
        for (size_t k = 0; k < N_DOC_MODELS && sm->cfg.dims; k++) {
            const roofline_dims *m = roofline_find_model(sm->cfg.dims, k_doc_models[k]);
            if (!m)
                continue;
            roofline_dims dl = *m, de = *m;
            dl.vocab = mc->vocab;
            de.vocab = ec->vocab;
            double g = roofline_flops(&dl, n, 0, 1), ge = roofline_flops(&de, ne, 0, 1);
            char sfx[ROOFLINE_NAME_MAX + 1];
            snprintf(sfx, sizeof sfx, "_%s", m->name);
            snprintf(name, sizeof name, "flops_doc_%s", k_docs[i].tag);
            row(e, name, sfx, g, "FLOPs");
            snprintf(name, sizeof name, "flops_doc_%s_vs_en", k_docs[i].tag);
            row(e, name, sfx, g / ge, "ratio");
        }
    }
}

/* Memory of the file's 7B-class dims with the priced vocabulary vocab, fp32
 * like every bytes_* row: bytes_params_embed_<m> (the parameters that grow
 * with the vocabulary: embedding and untied head), bytes_params_layers_<m>
 * (the rest), bytes_kv_cache_60k_<m> (60,000 positions, GQA as the dims say). */
static void dims_memory_rows(struct emit *e, const stage_model *sm, size_t vocab)
{
    for (size_t k = 0; k < N_DOC_MODELS && sm->cfg.dims; k++) {
        const roofline_dims *m = roofline_find_model(sm->cfg.dims, k_doc_models[k]);
        if (!m)
            continue;
        roofline_dims dv = *m, d0 = *m;
        dv.vocab = vocab;
        d0.vocab = 0;
        double all = roofline_params(&dv), rest = roofline_params(&d0);
        char sfx[ROOFLINE_NAME_MAX + 1];
        snprintf(sfx, sizeof sfx, "_%s", m->name);
        row(e, "bytes_params_embed", sfx, 4 * (all - rest), "bytes");
        row(e, "bytes_params_layers", sfx, 4 * rest, "bytes");
        row(e, "bytes_kv_cache_60k", sfx, 4 * roofline_kv_elements(m, 60000), "bytes");
    }
}

int stage_model_vocab_priced(const token_streams *ts, size_t *out, tb_error *err)
{
    *out = ts->vocab_size;
    if (ts->vocab_size < STAGE_MODEL_CODE_SPACE)
        return TB_OK;
    /* a bitmap of the ids seen: vocab_size bits (139 KB for chars) */
    size_t n_words = (ts->vocab_size + 63) / 64, n = ts->first[ts->n_segments], distinct = 0;
    uint64_t *seen = tb_calloc(n_words, sizeof *seen, err);
    if (!seen)
        return TB_EINPUT;
    for (size_t i = 0; i < n; i++) {
        uint32_t id = ts->ids[i];
        uint64_t bit = (uint64_t)1 << (id % 64);
        if (id < ts->vocab_size && !(seen[id / 64] & bit)) {
            seen[id / 64] |= bit;
            distinct++;
        }
    }
    free(seen);
    *out = distinct < 256 ? 256 : distinct;
    return TB_OK;
}

int stage_model_test_lens(const corpus *c, const token_streams *ts, size_t **lens, size_t *n,
                          tb_error *err)
{
    *lens = tb_malloc((ts->n_segments ? ts->n_segments : 1) * sizeof **lens, err);
    if (!*lens)
        return err->status ? err->status : TB_EINPUT;
    *n = 0;
    for (size_t s = 0; s < ts->n_segments; s++)
        if (corpus_in_split(c, s, CORPUS_TEST))
            (*lens)[(*n)++] = ts->first[s + 1] - ts->first[s];
    return TB_OK;
}

int stage_model_rows(stage_model *sm, const corpus *c, size_t li, const char *tok_name,
                     const token_streams *ts, const token_streams *en, results *r, tb_error *err)
{
    if (!ts->vocab_size)
        return tb_fail(err, TB_EINPUT, "model stage: tokenizer '%s' has an empty vocabulary",
                       tok_name);
    size_t ns = corpus_n_segments(c);
    if (ts->n_segments != ns || (en && en->n_segments != ns))
        return tb_fail(err, TB_EINPUT,
                       "model stage: corpus '%s': token streams of %zu segments for a corpus of "
                       "%zu",
                       corpus_name(c), ts->n_segments != ns ? ts->n_segments : en->n_segments, ns);
    stage_model_test l = {0}, e = {0};
    size_t *ll = NULL, *le = NULL;
    int rc = stage_model_vocab_priced(ts, &l.vocab_priced, err);
    if (rc == TB_OK && en)
        rc = stage_model_vocab_priced(en, &e.vocab_priced, err);
    if (rc == TB_OK)
        rc = stage_model_test_lens(c, ts, &ll, &l.n_lens, err);
    if (rc == TB_OK && en)
        rc = stage_model_test_lens(c, en, &le, &e.n_lens, err);
    l.lens = ll;
    e.lens = le;
    if (rc == TB_OK)
        rc = stage_model_rows_test(sm, corpus_name(c), corpus_lang(c, li), tok_name, &l,
                                   en ? &e : NULL, r, err);
    free(ll);
    free(le);
    return rc;
}

int stage_model_rows_test(stage_model *sm, const char *cname, const char *lang,
                          const char *tok_name, const stage_model_test *ts,
                          const stage_model_test *en, results *r, tb_error *err)
{
    size_t vp = ts->vocab_priced, vp_en = en ? en->vocab_priced : 0;
    tf_config mc = sm->mc, big = sm->big;
    mc.vocab = big.vocab = vp;
    if (tf_config_check(&mc, err))
        return tb_wrap(err, "model stage: tokenizer '%s': ", tok_name);
    const head_time *h = NULL, *hen = NULL;
    if (sm->cfg.timing) {
        if (measure_body(sm, err) || measure_head(sm, mc.vocab, &h, err))
            return err->status;
        if (en && measure_head(sm, vp_en, &hen, err))
            return err->status;
    }
    price p, pb;
    price_lens(sm, ts->lens, ts->n_lens, &mc, h, &p);
    if (!p.tokens)
        return TB_OK;
    price_lens(sm, ts->lens, ts->n_lens, &big, NULL, &pb);
    struct emit e = {r, cname, lang, tok_name, err, TB_OK};
    flops_rows(&e, &p, "");
    memory_rows(&e, &mc, &p, "");
    flops_rows(&e, &pb, "_7b_analytic");
    memory_rows(&e, &big, &pb, "_7b_analytic");
    row(&e, "model_chunks", "", (double)p.chunks, "sequences");
    row(&e, "vocab_priced", "", (double)vp, "entries");
    dims_memory_rows(&e, sm, vp);
    if (en) {
        tf_config ec = sm->mc;
        ec.vocab = vp_en;
        price pe;
        price_lens(sm, en->lens, en->n_lens, &ec, hen, &pe);
        if (pe.flops.total > 0)
            row(&e, "flops_total_vs_en", "", p.flops.total / pe.flops.total, "ratio");
        if (hen && pe.ms > 0)
            row(&e, "ms_prefill_vs_en", "", p.ms / pe.ms, "time_ratio");
        doc_rows(&e, sm, &mc, &ec, p.tokens, pe.tokens);
    }
    if (h) {
        row(&e, "ms_prefill", "", p.ms, "ms");
        char name[64];
        for (size_t i = 0; i < sm->cur.n_sweep; i++) {
            snprintf(name, sizeof name, "ms_prefill_%zu", sm->cur.sweep_n[i]);
            row(&e, name, "", sm->cur.sweep_ms[i] + (double)sm->cur.sweep_n[i] * h->row_ms, "ms");
        }
        for (size_t i = 0; i < sm->cur.n_dec; i++) {
            snprintf(name, sizeof name, "ms_decode_token_%zu", sm->cur.dec_pos[i]);
            row(&e, name, "", sm->cur.dec_ms[i] + h->one_ms, "ms");
        }
        tf_cost st;
        tf_cost_forward(&mc, sm->cur.n_stat, 0, 1, &st);
        double head_ms = (double)sm->cur.n_stat * h->row_ms, tot = sm->cur.stat_body_ms + head_ms;
        row(&e, "gflops_achieved", "", st.total / (tot * 1e-3) / 1e9, "GFLOP/s");
        row(&e, "gemm_time_share", "", (sm->cur.stat_body_gemm_ms + head_ms) / tot, "time_ratio");
        row(&e, "gemm_time_tokens", "", (double)sm->cur.n_stat, "tokens");
    }
    return e.rc;
}

/* ---- benchmark -------------------------------------------------------------- */

static void point_from_stats(const tf_stats *s, const tf_cost *c, double ms, stage_model_point *p)
{
    double tot = s->total_s > 0 ? s->total_s : 1e-12, gs = 0;
    for (int k = 0; k < TF_NPARTS; k++)
        gs += s->gemm_s[k];
    p->ms = ms;
    p->gemm_share = gs / tot;
    p->softmax_share = s->softmax_s / tot;
    p->norm_act_share = s->norm_act_s / tot;
    p->embed_share = s->embed_s / tot;
    p->copy_share = s->copy_s / tot;
    p->head_share = s->gemm_s[TF_LM_HEAD] / tot;
    p->gflops = c->total / (ms * 1e-3) / 1e9;
}

/* Median wall ms of `repeats` prefills (after a warm-up); *st gets the
 * stats of the run closest to the median. */
static int bench_prefill(tf_model *m, const uint32_t *ids, size_t n, float *lg, int repeats,
                         double *ms, tf_stats *st, tb_error *err)
{
    double t[64], tc[64];
    tf_stats *keep = malloc(sizeof(tf_stats) * 64);
    if (!keep)
        return tb_fail(err, TB_EINPUT, "out of memory");
    int R = repeats > 64 ? 64 : repeats;
    for (int r = -1; r < R; r++) {
        tf_stats_reset(m);
        if (tf_prefill(m, ids, n, 1, lg, err)) {
            free(keep);
            return TB_EINPUT;
        }
        if (r >= 0) {
            keep[r] = *tf_stats_get(m);
            t[r] = 1e3 * keep[r].total_s;
        }
    }
    memcpy(tc, t, sizeof(double) * (size_t)R);
    *ms = median_of(tc, R);
    int best = 0;
    for (int r = 1; r < R; r++)
        if (fabs(t[r] - *ms) < fabs(t[best] - *ms))
            best = r;
    *st = keep[best];
    free(keep);
    return TB_OK;
}

/* Seconds of raw sgemm on contiguous buffers running the same calls (each
 * shape, its number of calls, same m, n, k and transposition), after one
 * untimed warm-up call per shape. */
static int raw_gemm_seconds(const tf_stats *s, double *secs, tb_error *err)
{
    *secs = 0;
    for (size_t i = 0; i < s->n_shapes; i++) {
        const tf_gemm_shape *g = &s->shapes[i];
        float *A = tb_calloc(g->m * g->k, sizeof(float), err);
        float *B = tb_calloc(g->k * g->n, sizeof(float), err);
        float *Cm = tb_calloc(g->m * g->n, sizeof(float), err);
        if (!A || !B || !Cm) {
            free(A);
            free(B);
            free(Cm);
            return TB_EINPUT;
        }
        for (size_t j = 0; j < g->m * g->k; j++)
            A[j] = (float)(j % 97) * 0.01f;
        for (size_t j = 0; j < g->k * g->n; j++)
            B[j] = (float)(j % 89) * 0.01f;
        double t0 = 0;
        for (size_t r = 0; r <= g->calls; r++) {
            if (r == 1)
                t0 = tb_now();
            cblas_sgemm(CblasRowMajor, CblasNoTrans, g->trans_b ? CblasTrans : CblasNoTrans,
                        (int)g->m, (int)g->n, (int)g->k, 1.0f, A, (int)g->k, B,
                        g->trans_b ? (int)g->k : (int)g->n, 0.0f, Cm, (int)g->n);
        }
        *secs += tb_now() - t0;
        free(A);
        free(B);
        free(Cm);
    }
    return TB_OK;
}

int stage_model_bench(const stage_model_config *cfg, size_t vocab, size_t n_check,
                      stage_model_bench_result *out, tb_error *err)
{
    memset(out, 0, sizeof *out);
    tf_config c;
    if (resolve_config(cfg, &c, err))
        return TB_EUSAGE;
    c.vocab = vocab;
    if (tf_config_check(&c, err))
        return TB_EUSAGE;
    double need = 4.0 * ((double)tf_config_params(&c) + (double)c.context * (double)vocab);
    if (need > 4e9)
        return tb_fail(err, TB_EINPUT,
                       "model bench: vocabulary %zu with context %zu needs %.1f GB for weights "
                       "and logits (limit 4 GB); use --set vocab=N or --set context=N",
                       vocab, c.context, need / 1e9);
    int repeats = cfg->repeats > 0 ? cfg->repeats : 3;
    out->threads = cfg->threads > 0 ? cfg->threads : 1;
    openblas_set_num_threads(out->threads);
    size_t C = c.context;
    if (n_check < 1 || n_check > C)
        n_check = C < 512 ? C : 512;
    out->vocab = vocab;
    out->params = tf_config_params(&c);
    out->n_check = n_check;
    tf_model *m = NULL;
    uint32_t *ids = tb_malloc(C * sizeof *ids, err);
    float *lg = tb_malloc(C * vocab * sizeof *lg, err);
    tf_stats *st = tb_malloc(sizeof *st, err);
    int rc = ids && lg && st ? tf_new(&c, &m, err) : TB_EINPUT;
    if (rc == TB_OK) {
        fill_ids(ids, C, vocab);
        /* prefill sweep with the breakdown */
        static const size_t pts[] = {64, 256, 512, 1024};
        for (size_t i = 0; i < 4 && rc == TB_OK; i++) {
            if (pts[i] > C)
                break;
            stage_model_point *p = &out->prefill[out->n_prefill++];
            p->n = pts[i];
            double ms;
            rc = bench_prefill(m, ids, pts[i], lg, repeats, &ms, st, err);
            tf_cost cost;
            tf_cost_forward(&c, pts[i], 0, 1, &cost);
            point_from_stats(st, &cost, ms, p);
        }
        /* the check point against raw sgemm, same shapes, same run */
        /* interleaved, so drifting load on a shared machine hits both: a
         * model prefill, then the same sgemm calls raw; medians of each */
        double raw_s = 0, tm[64], tr[64];
        int Rc = repeats > 64 ? 64 : repeats;
        for (int r = 0; r < Rc && rc == TB_OK; r++) {
            rc = bench_prefill(m, ids, n_check, lg, 1, &tm[r], st, err);
            if (rc == TB_OK)
                rc = raw_gemm_seconds(st, &tr[r], err);
        }
        if (rc == TB_OK) {
            out->prefill_ms = median_of(tm, Rc);
            raw_s = median_of(tr, Rc);
        }
        if (rc == TB_OK) {
            double gs = 0, gf = 0;
            for (int k = 0; k < TF_NPARTS; k++) {
                gs += st->gemm_s[k];
                gf += st->gemm_flops[k];
            }
            out->gemm_flops = gf;
            out->model_gemm_gflops = gf / (out->prefill_ms * 1e-3) / 1e9;
            out->raw_gemm_gflops = raw_s > 0 ? gf / raw_s / 1e9 : 0;
            out->gemm_ratio =
                out->raw_gemm_gflops > 0 ? out->model_gemm_gflops / out->raw_gemm_gflops : 0;
            out->nongemm_share = st->total_s > 0 ? (st->total_s - gs) / st->total_s : 0;
        }
        /* decode against the bandwidth bound; the cache holds n_check or more */
        if (rc == TB_OK)
            rc = tf_prefill(m, ids, C, 0, lg, err);
        if (rc == TB_OK)
            rc = roofline_read_bandwidth(&out->bandwidth_gbs, 0, err);
        size_t dp[3] = {128, 512, C - 1};
        tf_mem mem;
        tf_cost_memory(&c, 0, &mem);
        /* weights a step reads: every layer, the final norm, the head (the
         * embedding row and position row are negligible) */
        double wbytes = mem.params_layers + 4.0 * (double)vocab * (double)c.d_model;
        size_t np = 0, poss[3];
        for (size_t i = 0; i < 3; i++) {
            size_t pos = dp[i] < C - 1 ? dp[i] : C - 1;
            if (pos >= 1 && (np == 0 || poss[np - 1] < pos))
                poss[np++] = pos;
        }
        out->n_decode = np;
        /* descending: a decode at pos truncates the cache to pos + 1 */
        for (size_t i = np; i-- > 0 && rc == TB_OK;) {
            size_t pos = poss[i];
            stage_model_point *p = &out->decode[i];
            double t[64];
            int R = repeats < 5 ? 5 : repeats > 64 ? 64 : repeats;
            for (int r = -1; r < R && rc == TB_OK; r++) {
                tf_stats_reset(m);
                rc = tf_decode(m, ids[pos], pos, lg, err);
                if (r >= 0)
                    t[r] = 1e3 * tf_stats_get(m)->total_s;
            }
            if (rc)
                break;
            *st = *tf_stats_get(m);
            /* the same step with every product through sgemm, for comparison */
            double t2[64];
            tf_set_gemv(m, 0);
            for (int r = -1; r < R && rc == TB_OK; r++) {
                tf_stats_reset(m);
                rc = tf_decode(m, ids[pos], pos, lg, err);
                if (r >= 0)
                    t2[r] = 1e3 * tf_stats_get(m)->total_s;
            }
            tf_set_gemv(m, 1);
            out->decode_sgemm_ms[i] = rc == TB_OK ? median_of(t2, R) : 0;
            tf_cost cost;
            tf_cost_forward(&c, 1, pos, 0, &cost);
            p->n = pos;
            point_from_stats(st, &cost, median_of(t, R), p);
            out->decode_bytes[i] = wbytes + 4.0 * 2 * c.n_layers * pos * c.d_model;
            out->decode_bound_ms[i] = out->decode_bytes[i] / (out->bandwidth_gbs * 1e9) * 1e3;
        }
    }
    tf_free(m);
    free(ids);
    free(lg);
    free(st);
    return rc;
}
