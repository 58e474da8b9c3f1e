/* train.c - the reference trainer (see train.h for the contract).
 *
 * Shapes: B sequences, T positions, n = B T rows, d model width, H heads of
 * dh = d / H, f MLP width, V vocabulary, L layers. Every buffer is row-major;
 * rows are (sequence, position) in that order. */
#include "train.h"

#include <cblas.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../common/timer.h"
#include "cost.h"
#include "rng.h"

/* The elementwise loops are written to vectorise; -O2 of GCC 12 does not
 * vectorise loops, so they ask for it. sqrtf without errno (AdamW) needs
 * -fno-math-errno, which the attribute cannot set: the Makefile gives it to
 * this file. */
#if defined(__GNUC__) && !defined(__clang__)
#define TRN_VECTORIZE __attribute__((optimize("tree-vectorize", "no-trapping-math")))
#else
#define TRN_VECTORIZE
#endif

/* Pointers into one block (weights, gradients) in tf_params order. */
typedef struct trn_layer {
    float *ln1_g, *ln1_b;   /* (d) */
    float *w_qkv, *b_qkv;   /* (d, 3d), (3d): columns [q | k | v], head h at h dh */
    float *w_o, *b_o;       /* (d, d), (d) */
    float *ln2_g, *ln2_b;   /* (d) */
    float *w_fc, *b_fc;     /* (d, f), (f) */
    float *w_pr, *b_pr;     /* (f, d), (d) */
} trn_layer;

typedef struct trn_view {
    float *wte;             /* (V, d) */
    float *wpe;             /* (context, d) */
    trn_layer *layers;      /* (L) */
    float *lnf_g, *lnf_b;   /* (d) */
    float *head;            /* (V, d): wte when tied */
} trn_view;

/* What the forward keeps for the backward, per layer. */
typedef struct trn_acts {
    float *x;               /* (n, d) residual stream entering the layer (LN1 input) */
    float *ln1;             /* (n, d) LN1 output */
    float *ln1_mean, *ln1_rstd; /* (n) */
    float *qkv;             /* (n, 3d) */
    float *att;             /* (B, H, T, T) attention probabilities, 0 above the diagonal */
    float *atty;            /* (n, d) attention output, heads side by side */
    float *xm;              /* (n, d) residual after attention (LN2 input) */
    float *ln2;             /* (n, d) LN2 output */
    float *ln2_mean, *ln2_rstd; /* (n) */
    float *fch;             /* (n, f) fc pre-activation */
    float *fcg;             /* (n, f) GELU(fch) */
} trn_acts;

struct trn {
    trn_config cfg;
    tf_model *model;
    size_t B, T, n, d, dh, f, H, L, V;
    size_t n_params;
    float *params;          /* the model's block */
    float *grads, *m, *v;   /* n_params each */
    trn_view pw, gw;        /* views of params and grads */
    trn_tensor *tensors;
    size_t n_tensors;
    /* activations */
    trn_acts *acts;         /* (L) */
    float *xf;              /* (n, d) final residual (LNf input) */
    float *lnf;             /* (n, d) LNf output */
    float *lnf_mean, *lnf_rstd; /* (n) */
    float *logits;          /* (n, V); the backward turns it into dlogits */
    float *lse;             /* (n) log-sum-exp of each logits row */
    uint32_t *ids, *targets; /* (n) of the last forward */
    /* backward scratch */
    float *dx;              /* (n, d) gradient of the residual stream */
    float *dtmp;            /* (n, d) an LN's output gradient; the forward's branch output */
    float *datty;           /* (n, d) */
    float *dqkv;            /* (n, 3d) */
    float *dfc;             /* (n, f) */
    float *dsc;             /* (T, T) one head's score gradient */
    trn_memory mem;
    int have_forward;       /* 1: a forward ran and no backward since */
    size_t step;            /* updates done */
    float first_loss;       /* loss of step 0 (divergence reference) */
    int phase;              /* the phase being timed (enum trn_phase) */
    trn_stats st;
};

/* ---- config ------------------------------------------------------------- */

void trn_config_default(trn_config *c)
{
    memset(c, 0, sizeof *c);
    c->batch = 4;
    c->seq = 64;
    c->lr = 3e-4;
    c->lr_min_frac = 0.1;
    c->warmup_steps = 10;
    c->decay_steps = 1000;
    c->beta1 = 0.9;
    c->beta2 = 0.95;
    c->eps = 1e-8;
    c->weight_decay = 0.1;
    c->grad_clip = 1.0;
    c->diverge_factor = 3.0;
    c->data_seed = 1;
}

double trn_lr(const trn_config *c, size_t s)
{
    if (s < c->warmup_steps)
        return c->lr * (double)(s + 1) / (double)c->warmup_steps;
    double lo = c->lr * c->lr_min_frac;
    if (s >= c->decay_steps)
        return lo;
    double r = (double)(s - c->warmup_steps) / (double)(c->decay_steps - c->warmup_steps);
    return lo + 0.5 * (1.0 + cos(3.14159265358979323846 * r)) * (c->lr - lo);
}

static int config_check(const tf_config *mc, const trn_config *c, tb_error *err)
{
    if (c->batch < 1 || c->seq < 1 || c->seq > mc->context)
        return tb_fail(err, TB_EUSAGE,
                       "train config: batch %zu and sequence %zu need batch >= 1 and 1 <= "
                       "sequence <= context %zu",
                       c->batch, c->seq, mc->context);
    if (c->decay_steps <= c->warmup_steps)
        return tb_fail(err, TB_EUSAGE, "train config: decay_steps %zu must exceed warmup_steps %zu",
                       c->decay_steps, c->warmup_steps);
    if (!(c->lr >= 0) || !(c->lr_min_frac >= 0 && c->lr_min_frac <= 1) ||
        !(c->beta1 >= 0 && c->beta1 < 1) || !(c->beta2 >= 0 && c->beta2 < 1) || !(c->eps > 0) ||
        !(c->weight_decay >= 0) || !(c->grad_clip >= 0) || !(c->diverge_factor >= 0))
        return tb_fail(err, TB_EUSAGE,
                       "train config: lr %g, lr_min_frac %g, betas %g %g, eps %g, weight decay %g, "
                       "clip %g, diverge %g: rates, decay, clip and factor >= 0, betas in [0, 1), "
                       "eps > 0, floor in [0, 1]",
                       c->lr, c->lr_min_frac, c->beta1, c->beta2, c->eps, c->weight_decay,
                       c->grad_clip, c->diverge_factor);
    if ((double)c->batch * (double)c->seq * ((double)mc->vocab + 16.0 * (double)mc->d_model) >
        (double)((size_t)1 << 40))
        return tb_fail(err, TB_EUSAGE, "train config: batch %zu x sequence %zu is too large",
                       c->batch, c->seq);
    return TB_OK;
}

/* ---- sampling ----------------------------------------------------------- */

int trn_sample(const trn_config *c, const uint32_t *tokens, size_t n, size_t step, uint32_t *ids,
               uint32_t *targets, tb_error *err)
{
    size_t T = c->seq;
    if (n <= T)
        return tb_fail(err, TB_EINPUT, "train: %zu tokens cannot fill a window of %zu + 1", n, T);
    uint64_t sm = c->data_seed ^ (0xD1B54A32D192ED03ull * (uint64_t)(step + 1)), s[4];
    for (int i = 0; i < 4; i++)
        s[i] = splitmix64(&sm);
    uint64_t starts = (uint64_t)(n - T); /* starts 0 .. n - T - 1 */
    for (size_t b = 0; b < c->batch; b++) {
        /* rejection sampling: uniform without modulo bias */
        uint64_t lim = UINT64_MAX - UINT64_MAX % starts, r;
        do
            r = xoshiro256(s);
        while (r >= lim);
        size_t at = (size_t)(r % starts);
        memcpy(ids + b * T, tokens + at, T * sizeof *ids);
        memcpy(targets + b * T, tokens + at + 1, T * sizeof *targets);
    }
    return TB_OK;
}

/* ---- lifecycle ---------------------------------------------------------- */

/* Carves block into v in tf_params order; records the tensors when list. */
static void carve(trn *t, float *block, trn_view *v, int list)
{
    size_t d = t->d, f = t->f, off = 0;
    const tf_config *mc = tf_model_config(t->model);
#define TAKE(ptr, r, c, dec, ...)                                                  \
    do {                                                                           \
        (ptr) = block + off;                                                       \
        if (list) {                                                                \
            trn_tensor *tt = &t->tensors[t->n_tensors++];                          \
            snprintf(tt->name, sizeof tt->name, __VA_ARGS__);                      \
            tt->offset = off, tt->rows = (r), tt->cols = (c), tt->decay = (dec);   \
        }                                                                          \
        off += (size_t)(r) * (c);                                                  \
    } while (0)
    TAKE(v->wte, t->V, d, 1, "wte");
    TAKE(v->wpe, mc->context, d, 0, "wpe");
    for (size_t l = 0; l < t->L; l++) {
        trn_layer *y = &v->layers[l];
        TAKE(y->ln1_g, 1, d, 0, "l%zu.ln1_g", l);
        TAKE(y->ln1_b, 1, d, 0, "l%zu.ln1_b", l);
        TAKE(y->w_qkv, d, 3 * d, 1, "l%zu.w_qkv", l);
        TAKE(y->b_qkv, 1, 3 * d, 0, "l%zu.b_qkv", l);
        TAKE(y->w_o, d, d, 1, "l%zu.w_o", l);
        TAKE(y->b_o, 1, d, 0, "l%zu.b_o", l);
        TAKE(y->ln2_g, 1, d, 0, "l%zu.ln2_g", l);
        TAKE(y->ln2_b, 1, d, 0, "l%zu.ln2_b", l);
        TAKE(y->w_fc, d, f, 1, "l%zu.w_fc", l);
        TAKE(y->b_fc, 1, f, 0, "l%zu.b_fc", l);
        TAKE(y->w_pr, f, d, 1, "l%zu.w_pr", l);
        TAKE(y->b_pr, 1, d, 0, "l%zu.b_pr", l);
    }
    TAKE(v->lnf_g, 1, d, 0, "lnf_g");
    TAKE(v->lnf_b, 1, d, 0, "lnf_b");
    if (mc->tied)
        v->head = v->wte;
    else
        TAKE(v->head, t->V, d, 1, "head");
#undef TAKE
}

/* calloc that adds its bytes to *counter. */
static float *alloc_f(size_t count, size_t *counter, tb_error *err)
{
    *counter += count * sizeof(float);
    return tb_calloc(count ? count : 1, sizeof(float), err);
}

/* Bytes trn_new allocates beyond the model's. */
static double trainer_bytes(const tf_config *mc, const trn_config *c)
{
    double P = (double)tf_config_params(mc), n = (double)c->batch * (double)c->seq,
           d = (double)mc->d_model, f = (double)mc->d_ff, L = (double)mc->n_layers,
           T = (double)c->seq, H = (double)mc->n_heads, V = (double)mc->vocab;
    double acts = L * n * (8 * d + 2 * f + 4) + L * (double)c->batch * H * T * T +
                  n * (2 * d + 2 + V + 1);
    double scratch = n * (3 * d + 3 * d + f) + T * T;
    return 4 * (3 * P + acts + scratch) + 8 * n;
}

int trn_new(const tf_config *mc, const trn_config *tc, trn **out, tb_error *err)
{
    *out = NULL;
    if (tf_config_check(mc, err) || config_check(mc, tc, err))
        return TB_EUSAGE;
    int rc = tf_memory_check(mc, trainer_bytes(mc, tc), err);
    if (rc)
        return tb_wrap(err, "train: "), rc;
    trn *t = tb_calloc(1, sizeof *t, err);
    if (!t)
        return TB_EINPUT;
    t->cfg = *tc;
    if ((rc = tf_new(mc, &t->model, err))) {
        free(t);
        return rc;
    }
    t->B = tc->batch;
    t->T = tc->seq;
    t->n = t->B * t->T;
    t->d = mc->d_model;
    t->H = mc->n_heads;
    t->dh = t->d / t->H;
    t->f = mc->d_ff;
    t->L = mc->n_layers;
    t->V = mc->vocab;
    t->params = tf_params_mut(t->model, &t->n_params);
    size_t n = t->n, d = t->d, f = t->f, L = t->L, T = t->T;
    trn_memory *mm = &t->mem;
    mm->weights = t->n_params * sizeof(float);
    mm->model_other = (size_t)tf_alloc_bytes(mc) - mm->weights;
    t->grads = alloc_f(t->n_params, &mm->grads, err);
    t->m = alloc_f(t->n_params, &mm->adam_m, err);
    t->v = alloc_f(t->n_params, &mm->adam_v, err);
    t->pw.layers = tb_calloc(L, sizeof(trn_layer), err);
    t->gw.layers = tb_calloc(L, sizeof(trn_layer), err);
    t->tensors = tb_calloc(12 * L + 5, sizeof(trn_tensor), err);
    t->acts = tb_calloc(L, sizeof(trn_acts), err);
    t->ids = tb_calloc(n, sizeof(uint32_t), err);
    t->targets = tb_calloc(n, sizeof(uint32_t), err);
    int ok = t->grads && t->m && t->v && t->pw.layers && t->gw.layers && t->tensors && t->acts &&
             t->ids && t->targets;
    size_t *ab = &mm->activations, *sb = &mm->act_grads;
    for (size_t l = 0; ok && l < L; l++) {
        trn_acts *a = &t->acts[l];
        a->x = alloc_f(n * d, ab, err);
        a->ln1 = alloc_f(n * d, ab, err);
        a->ln1_mean = alloc_f(n, ab, err);
        a->ln1_rstd = alloc_f(n, ab, err);
        a->qkv = alloc_f(n * 3 * d, ab, err);
        a->att = alloc_f(t->B * t->H * T * T, ab, err);
        a->atty = alloc_f(n * d, ab, err);
        a->xm = alloc_f(n * d, ab, err);
        a->ln2 = alloc_f(n * d, ab, err);
        a->ln2_mean = alloc_f(n, ab, err);
        a->ln2_rstd = alloc_f(n, ab, err);
        a->fch = alloc_f(n * f, ab, err);
        a->fcg = alloc_f(n * f, ab, err);
        ok = a->x && a->ln1 && a->ln1_mean && a->ln1_rstd && a->qkv && a->att && a->atty &&
             a->xm && a->ln2 && a->ln2_mean && a->ln2_rstd && a->fch && a->fcg;
    }
    if (ok) {
        t->xf = alloc_f(n * d, ab, err);
        t->lnf = alloc_f(n * d, ab, err);
        t->lnf_mean = alloc_f(n, ab, err);
        t->lnf_rstd = alloc_f(n, ab, err);
        t->logits = alloc_f(n * t->V, ab, err);
        t->lse = alloc_f(n, ab, err);
        t->dx = alloc_f(n * d, sb, err);
        t->dtmp = alloc_f(n * d, sb, err);
        t->datty = alloc_f(n * d, sb, err);
        t->dqkv = alloc_f(n * 3 * d, sb, err);
        t->dfc = alloc_f(n * f, sb, err);
        t->dsc = alloc_f(T * T, sb, err);
        ok = t->xf && t->lnf && t->lnf_mean && t->lnf_rstd && t->logits && t->lse && t->dx &&
             t->dtmp && t->datty && t->dqkv && t->dfc && t->dsc;
    }
    if (!ok) {
        trn_free(t);
        return TB_EINPUT;
    }
    mm->total = mm->weights + mm->grads + mm->adam_m + mm->adam_v + mm->activations +
                mm->act_grads + mm->model_other;
    carve(t, t->params, &t->pw, 1);
    carve(t, t->grads, &t->gw, 0);
    *out = t;
    return TB_OK;
}

void trn_free(trn *t)
{
    if (!t)
        return;
    if (t->acts)
        for (size_t l = 0; l < t->L; l++) {
            trn_acts *a = &t->acts[l];
            float *p[] = {a->x,   a->ln1, a->ln1_mean, a->ln1_rstd, a->qkv, a->att, a->atty,
                          a->xm,  a->ln2, a->ln2_mean, a->ln2_rstd, a->fch, a->fcg};
            for (size_t i = 0; i < sizeof p / sizeof p[0]; i++)
                free(p[i]);
        }
    float *p[] = {t->grads, t->m,    t->v,    t->xf,    t->lnf,  t->lnf_mean, t->lnf_rstd,
                  t->logits, t->lse, t->dx,   t->dtmp,  t->datty, t->dqkv,   t->dfc,
                  t->dsc};
    for (size_t i = 0; i < sizeof p / sizeof p[0]; i++)
        free(p[i]);
    free(t->acts);
    free(t->ids);
    free(t->targets);
    free(t->pw.layers);
    free(t->gw.layers);
    free(t->tensors);
    tf_free(t->model);
    free(t);
}

tf_model *trn_model(trn *t) { return t->model; }
const trn_config *trn_get_config(const trn *t) { return &t->cfg; }
size_t trn_steps_done(const trn *t) { return t->step; }

int trn_eval(trn *t, const uint32_t *tokens, size_t n, trn_eval_result *out, tb_error *err)
{
    size_t B = t->B, T = t->T, V = t->V;
    memset(out, 0, sizeof *out);
    if (n <= T)
        return tb_fail(err, TB_EINPUT, "train: evaluation: %zu tokens, fewer than a window of "
                                       "%zu + 1", n, T);
    size_t full = (n - 1) / T, rest = (n - 1) % T, nw = full + (rest ? 1 : 0);
    uint32_t *ids = tb_malloc(2 * B * T * sizeof *ids, err);
    if (!ids)
        return TB_EINPUT;
    uint32_t *tg = ids + B * T;
    trn_stats saved = t->st;
    int saved_phase = t->phase, rc = TB_OK;
    for (size_t w0 = 0; w0 < nw && rc == TB_OK; w0 += B) {
        size_t nb = nw - w0 < B ? nw - w0 : B;
        for (size_t b = 0; b < B; b++) {
            size_t w = w0 + (b < nb ? b : nb - 1);
            size_t start = w < full ? w * T : n - 1 - T;
            memcpy(ids + b * T, tokens + start, T * sizeof *ids);
            memcpy(tg + b * T, tokens + start + 1, T * sizeof *tg);
        }
        float mean;
        rc = trn_forward(t, ids, tg, &mean, err);
        for (size_t b = 0; b < nb && rc == TB_OK; b++) {
            size_t w = w0 + b, first = w < full ? 0 : T - rest;
            for (size_t j = first; j < T; j++) {
                size_t i = b * T + j;
                out->nats += (double)t->lse[i] - (double)t->logits[i * V + tg[i]];
                out->targets++;
            }
            out->windows++;
        }
    }
    t->have_forward = 0; /* no backward of an evaluation */
    t->st = saved;
    t->phase = saved_phase;
    free(ids);
    return rc;
}
const float *trn_logits(const trn *t) { return t->logits; }
void trn_memory_get(const trn *t, trn_memory *out) { *out = t->mem; }
void trn_stats_reset(trn *t) { memset(&t->st, 0, sizeof t->st); }
const trn_stats *trn_stats_get(const trn *t) { return &t->st; }

float *trn_params(trn *t, size_t *n)
{
    *n = t->n_params;
    return t->params;
}

const float *trn_grads(const trn *t, size_t *n)
{
    *n = t->n_params;
    return t->grads;
}

const trn_tensor *trn_tensors(const trn *t, size_t *n)
{
    *n = t->n_tensors;
    return t->tensors;
}

const char *trn_phase_name(int phase)
{
    static const char *names[TRN_NPHASES] = {"forward", "backward", "optimizer"};
    return phase >= 0 && phase < TRN_NPHASES ? names[phase] : "?";
}

/* ---- kernels ------------------------------------------------------------ */

/* C (M, N) = alpha op(A) (M, K) op(B) (K, N) + beta C, row-major, counted
 * (2 M N K) and timed in the current phase. ta/tb: the operand is stored
 * transposed, A as (K, M) with lda >= M, B as (N, K) with ldb >= K. */
static void gemm(trn *t, int ta, int tb, size_t M, size_t N, size_t K, float alpha, const float *A,
                 size_t lda, const float *Bm, size_t ldb, float beta, float *Cm, size_t ldc)
{
    double t0 = tb_now();
    cblas_sgemm(CblasRowMajor, ta ? CblasTrans : CblasNoTrans, tb ? CblasTrans : CblasNoTrans,
                (int)M, (int)N, (int)K, alpha, A, (int)lda, Bm, (int)ldb, beta, Cm, (int)ldc);
    double dt = tb_now() - t0;
    trn_stats *s = &t->st;
    s->gemm_s[t->phase] += dt;
    s->gemm_flops[t->phase] += 2.0 * (double)M * (double)N * (double)K;
    s->gemm_calls++;
    size_t i;
    for (i = 0; i < s->n_shapes; i++) {
        trn_gemm_shape *g = &s->shapes[i];
        if (g->phase == t->phase && g->trans_a == ta && g->trans_b == tb && g->m == M &&
            g->n == N && g->k == K)
            break;
    }
    if (i == s->n_shapes && i < TRN_MAX_SHAPES) {
        s->shapes[i] = (trn_gemm_shape){t->phase, ta, tb, M, N, K, 0, 0};
        s->n_shapes++;
    }
    if (i < TRN_MAX_SHAPES) {
        s->shapes[i].calls++;
        s->shapes[i].seconds += dt;
    }
}

/* exp(x) for x <= 0 (larger x is clamped to 0), relative error < 2e-7: the
 * polynomial of transformer.c's exp_neg (x = k ln2 + r, degree-7 Taylor of
 * e^r, 2^k by the exponent bits), so the trainer's forward computes what
 * the inference forward computes. Branch-free to vectorise. */
TRN_VECTORIZE static inline float exp_neg(float x)
{
    x = x > 0.0f ? 0.0f : x;
    x = x < -87.0f ? -87.0f : x;
    float kf = x * 1.44269504088896341f - 0.5f;
    int k = (int)kf;
    kf = (float)k;
    float r = x - kf * 0.693145751953125f - kf * 1.428606765330187e-06f;
    float p = 1.0f + r * (1.0f + r * (0.5f + r * (1.6666667e-1f + r * (4.1666668e-2f +
              r * (8.3333338e-3f + r * (1.3888889e-3f + r * 1.9841270e-4f))))));
    union {
        uint32_t u;
        float f;
    } two = {(uint32_t)(k + 127) << 23};
    return p * two.f;
}

/* tanh(u) = sign(u) (1 - e) / (1 + e), e = exp(-2 |u|). */
TRN_VECTORIZE static inline float tanh_fast(float u)
{
    float au = u < 0 ? -u : u, e = exp_neg(-2.0f * au);
    float th = (1.0f - e) / (1.0f + e);
    return u < 0 ? -th : th;
}

/* out (n, d) = (in - mean) rstd g + b; saves mean and rstd per row. */
TRN_VECTORIZE static void ln_forward(trn *t, float *out, float *mean_out, float *rstd_out,
                                     const float *in, const float *g, const float *b)
{
    size_t d = t->d;
    for (size_t i = 0; i < t->n; i++) {
        const float *x = in + i * d;
        float *y = out + i * d;
        float mean = 0, var = 0;
        for (size_t j = 0; j < d; j++)
            mean += x[j];
        mean /= (float)d;
        for (size_t j = 0; j < d; j++) {
            float c = x[j] - mean;
            var += c * c;
        }
        float rs = 1.0f / sqrtf(var / (float)d + 1e-5f);
        for (size_t j = 0; j < d; j++)
            y[j] = (x[j] - mean) * rs * g[j] + b[j];
        mean_out[i] = mean;
        rstd_out[i] = rs;
    }
    t->st.elem_flops[t->phase] += (double)TF_FLOPS_LN * (double)t->n * (double)d;
}

/* LayerNorm backward for the n rows: with xh = (x - mean) rstd and
 * dxh = dout g, dx += rstd (dxh - mean(dxh) - xh mean(dxh xh));
 * dg = sum over rows of dout xh, db = sum of dout (written, not added). */
TRN_VECTORIZE static void ln_backward(trn *t, float *dx, float *dg, float *db, const float *dout,
                                      const float *in, const float *mean, const float *rstd,
                                      const float *g)
{
    size_t d = t->d;
    memset(dg, 0, d * sizeof *dg);
    memset(db, 0, d * sizeof *db);
    for (size_t i = 0; i < t->n; i++) {
        const float *x = in + i * d, *dy = dout + i * d;
        float *dxi = dx + i * d, mu = mean[i], rs = rstd[i];
        float s1 = 0, s2 = 0;
        for (size_t j = 0; j < d; j++) {
            float xh = (x[j] - mu) * rs, dxh = dy[j] * g[j];
            s1 += dxh;
            s2 += dxh * xh;
            dg[j] += dy[j] * xh;
            db[j] += dy[j];
        }
        s1 /= (float)d;
        s2 /= (float)d;
        for (size_t j = 0; j < d; j++) {
            float xh = (x[j] - mu) * rs, dxh = dy[j] * g[j];
            dxi[j] += rs * (dxh - s1 - xh * s2);
        }
    }
    t->st.elem_flops[t->phase] += (double)TRN_FLOPS_LN_BWD * (double)t->n * (double)d;
}

/* Each of the n rows of out (k wide) = bias (k). */
static void bias_fill(trn *t, float *out, const float *bias, size_t k)
{
    for (size_t i = 0; i < t->n; i++)
        memcpy(out + i * k, bias, k * sizeof(float));
    t->st.elem_flops[t->phase] += (double)t->n * (double)k;
}

/* db (k) = column sums of dy (n, k). */
TRN_VECTORIZE static void bias_grad(trn *t, float *db, const float *dy, size_t k)
{
    memset(db, 0, k * sizeof *db);
    for (size_t i = 0; i < t->n; i++)
        for (size_t j = 0; j < k; j++)
            db[j] += dy[i * k + j];
    t->st.elem_flops[t->phase] += (double)t->n * (double)k;
}

/* out = a + b over count floats. */
TRN_VECTORIZE static void add(trn *t, float *out, const float *a, const float *b, size_t count)
{
    for (size_t i = 0; i < count; i++)
        out[i] = a[i] + b[i];
    t->st.elem_flops[t->phase] += (double)count;
}

#define GELU_K 0.7978845608028654f /* sqrt(2/pi) */
#define GELU_C 0.044715f

/* out = 0.5 x (1 + tanh(k (x + c x^3))). */
TRN_VECTORIZE static void gelu_forward(trn *t, float *out, const float *in, size_t count)
{
    for (size_t i = 0; i < count; i++) {
        float x = in[i];
        out[i] = 0.5f * x * (1.0f + tanh_fast(GELU_K * (x + GELU_C * x * x * x)));
    }
    t->st.elem_flops[t->phase] += (double)TF_FLOPS_GELU * (double)count;
}

/* dx = dy GELU'(x), in place over dy: GELU' = 0.5 (1 + th) + 0.5 x (1 - th^2)
 * k (1 + 3 c x^2). */
TRN_VECTORIZE static void gelu_backward(trn *t, float *dy, const float *in, size_t count)
{
    for (size_t i = 0; i < count; i++) {
        float x = in[i], th = tanh_fast(GELU_K * (x + GELU_C * x * x * x));
        float dg = 0.5f * (1.0f + th) +
                   0.5f * x * (1.0f - th * th) * GELU_K * (1.0f + 3.0f * GELU_C * x * x);
        dy[i] *= dg;
    }
    t->st.elem_flops[t->phase] += (double)TRN_FLOPS_GELU_BWD * (double)count;
}

/* Sum of row[0..lim) in eight partial sums, a fixed order. */
TRN_VECTORIZE static float sum8(const float *row, size_t lim)
{
    float part[8] = {0};
    size_t j = 0;
    for (; j + 8 <= lim; j += 8)
        for (int q = 0; q < 8; q++)
            part[q] += row[j + q];
    float sum = 0;
    for (int q = 0; q < 8; q++)
        sum += part[q];
    for (; j < lim; j++)
        sum += row[j];
    return sum;
}

/* Causal softmax of a (T, T) score block in place: row i keeps columns
 * 0..i, the rest become 0. Counted dense (model/cost.h). */
TRN_VECTORIZE static void softmax_causal(trn *t, float *s)
{
    size_t T = t->T;
    for (size_t i = 0; i < T; i++) {
        float *row = s + i * T, mx = row[0];
        size_t lim = i + 1;
        for (size_t j = 1; j < lim; j++)
            mx = row[j] > mx ? row[j] : mx;
        for (size_t j = 0; j < lim; j++)
            row[j] = exp_neg(row[j] - mx);
        float inv = 1.0f / sum8(row, lim);
        for (size_t j = 0; j < lim; j++)
            row[j] *= inv;
        for (size_t j = lim; j < T; j++)
            row[j] = 0;
    }
    t->st.elem_flops[t->phase] += (double)TF_FLOPS_SOFTMAX * (double)T * (double)T;
}

/* dS = P (dP - rowsum(dP P)) in place over dP (T, T); 0 above the
 * diagonal (P is 0 there). */
TRN_VECTORIZE static void softmax_backward(trn *t, float *dp, const float *p)
{
    size_t T = t->T;
    for (size_t i = 0; i < T; i++) {
        float *dr = dp + i * T;
        const float *pr = p + i * T;
        size_t lim = i + 1;
        float dot = 0;
        for (size_t j = 0; j < lim; j++)
            dot += dr[j] * pr[j];
        for (size_t j = 0; j < lim; j++)
            dr[j] = pr[j] * (dr[j] - dot);
        for (size_t j = lim; j < T; j++)
            dr[j] = 0;
    }
    t->st.elem_flops[t->phase] += (double)TRN_FLOPS_SOFTMAX_BWD * (double)T * (double)T;
}

/* Per row of logits (n, V): lse = max + log(sum exp(l - max)); returns the
 * mean of lse - l[target] in double. */
TRN_VECTORIZE static double xent_forward(trn *t)
{
    size_t V = t->V;
    double total = 0;
    for (size_t i = 0; i < t->n; i++) {
        const float *row = t->logits + i * V;
        float mx = row[0];
        for (size_t j = 1; j < V; j++)
            mx = row[j] > mx ? row[j] : mx;
        float part[8] = {0};
        size_t j = 0;
        for (; j + 8 <= V; j += 8)
            for (int q = 0; q < 8; q++)
                part[q] += exp_neg(row[j + q] - mx);
        float sum = 0;
        for (int q = 0; q < 8; q++)
            sum += part[q];
        for (; j < V; j++)
            sum += exp_neg(row[j] - mx);
        t->lse[i] = mx + logf(sum);
        total += (double)t->lse[i] - (double)row[t->targets[i]];
    }
    t->st.elem_flops[t->phase] += (double)TRN_FLOPS_XENT_FWD * (double)t->n * (double)V;
    return total / (double)t->n;
}

/* dlogits = (softmax(logits) - onehot(target)) / n, in place. */
TRN_VECTORIZE static void xent_backward(trn *t)
{
    size_t V = t->V;
    float inv_n = 1.0f / (float)t->n;
    for (size_t i = 0; i < t->n; i++) {
        float *row = t->logits + i * V, lse = t->lse[i];
        for (size_t j = 0; j < V; j++)
            row[j] = exp_neg(row[j] - lse) * inv_n;
        row[t->targets[i]] -= inv_n;
    }
    t->st.elem_flops[t->phase] += (double)TRN_FLOPS_XENT_BWD * (double)t->n * (double)V;
}

/* ---- forward ------------------------------------------------------------ */

int trn_forward(trn *t, const uint32_t *ids, const uint32_t *targets, float *loss,
                tb_error *err)
{
    size_t B = t->B, T = t->T, n = t->n, d = t->d, dh = t->dh, f = t->f, H = t->H, V = t->V;
    for (size_t i = 0; i < n; i++)
        if (ids[i] >= V || targets[i] >= V)
            return tb_fail(err, TB_EINPUT,
                           "train: sequence %zu, position %zu: %s %u is outside the vocabulary "
                           "(%zu)",
                           i / T, i % T, ids[i] >= V ? "token id" : "target",
                           ids[i] >= V ? ids[i] : targets[i], V);
    memcpy(t->ids, ids, n * sizeof *ids);
    memcpy(t->targets, targets, n * sizeof *targets);
    t->phase = TRN_FWD;
    double t_start = tb_now(), g_start = t->st.gemm_s[TRN_FWD];
    const trn_view *w = &t->pw;
    /* x0 (n, d) = Wte[id] + Wpe[pos] */
    float *x0 = t->acts[0].x;
    for (size_t i = 0; i < n; i++) {
        const float *te = w->wte + (size_t)ids[i] * d, *pe = w->wpe + (i % T) * d;
        for (size_t j = 0; j < d; j++)
            x0[i * d + j] = te[j] + pe[j];
    }
    t->st.elem_flops[TRN_FWD] += (double)n * (double)d;
    const float scale = 1.0f / sqrtf((float)dh);
    for (size_t l = 0; l < t->L; l++) {
        const trn_layer *y = &w->layers[l];
        trn_acts *a = &t->acts[l];
        float *xout = l + 1 < t->L ? t->acts[l + 1].x : t->xf;
        ln_forward(t, a->ln1, a->ln1_mean, a->ln1_rstd, a->x, y->ln1_g, y->ln1_b);
        /* qkv (n, 3d) = ln1 (n, d) Wqkv (d, 3d) + bqkv: NoTrans, NoTrans */
        bias_fill(t, a->qkv, y->b_qkv, 3 * d);
        gemm(t, 0, 0, n, 3 * d, d, 1, a->ln1, d, y->w_qkv, 3 * d, 1, a->qkv, 3 * d);
        for (size_t b = 0; b < B; b++)
            for (size_t h = 0; h < H; h++) {
                const float *q = a->qkv + b * T * 3 * d + h * dh; /* (T, dh), ld 3d */
                const float *k = q + d, *v = q + 2 * d;
                float *p = a->att + (b * H + h) * T * T;         /* (T, T) */
                /* S (T, T) = scale Q (T, dh) K^T (dh, T): NoTrans, Trans */
                gemm(t, 0, 1, T, T, dh, scale, q, 3 * d, k, 3 * d, 0, p, T);
                softmax_causal(t, p);
                /* O (T, dh) = P (T, T) V (T, dh): NoTrans, NoTrans; into atty, ld d */
                gemm(t, 0, 0, T, dh, T, 1, p, T, v, 3 * d, 0, a->atty + b * T * d + h * dh, d);
            }
        /* dtmp (n, d) = atty (n, d) Wo (d, d) + bo: NoTrans, NoTrans */
        bias_fill(t, t->dtmp, y->b_o, d);
        gemm(t, 0, 0, n, d, d, 1, a->atty, d, y->w_o, d, 1, t->dtmp, d);
        add(t, a->xm, a->x, t->dtmp, n * d);
        ln_forward(t, a->ln2, a->ln2_mean, a->ln2_rstd, a->xm, y->ln2_g, y->ln2_b);
        /* fch (n, f) = ln2 (n, d) Wfc (d, f) + bfc: NoTrans, NoTrans */
        bias_fill(t, a->fch, y->b_fc, f);
        gemm(t, 0, 0, n, f, d, 1, a->ln2, d, y->w_fc, f, 1, a->fch, f);
        gelu_forward(t, a->fcg, a->fch, n * f);
        /* dtmp (n, d) = fcg (n, f) Wpr (f, d) + bpr: NoTrans, NoTrans */
        bias_fill(t, t->dtmp, y->b_pr, d);
        gemm(t, 0, 0, n, d, f, 1, a->fcg, f, y->w_pr, d, 1, t->dtmp, d);
        add(t, xout, a->xm, t->dtmp, n * d);
    }
    ln_forward(t, t->lnf, t->lnf_mean, t->lnf_rstd, t->xf, w->lnf_g, w->lnf_b);
    /* logits (n, V) = lnf (n, d) Whead^T (d, V), Whead (V, d): NoTrans, Trans */
    gemm(t, 0, 1, n, V, d, 1, t->lnf, d, w->head, d, 0, t->logits, V);
    *loss = (float)xent_forward(t);
    t->have_forward = 1;
    double dt = tb_now() - t_start;
    t->st.other_s[TRN_FWD] += dt - (t->st.gemm_s[TRN_FWD] - g_start);
    return TB_OK;
}

/* ---- backward ----------------------------------------------------------- */

int trn_backward(trn *t, tb_error *err)
{
    if (!t->have_forward)
        return tb_fail(err, TB_EUSAGE, "train: backward needs a forward first");
    t->have_forward = 0;
    size_t B = t->B, T = t->T, n = t->n, d = t->d, dh = t->dh, f = t->f, H = t->H, V = t->V;
    const tf_config *mc = tf_model_config(t->model);
    t->phase = TRN_BWD;
    double t_start = tb_now(), g_start = t->st.gemm_s[TRN_BWD];
    const trn_view *w = &t->pw;
    trn_view *g = &t->gw;
    xent_backward(t); /* logits now hold dlogits (n, V) */
    /* dlnf (n, d) = dlogits (n, V) Whead (V, d): NoTrans, NoTrans */
    gemm(t, 0, 0, n, d, V, 1, t->logits, V, w->head, d, 0, t->dtmp, d);
    /* dWhead (V, d) = dlogits^T (V, n) lnf (n, d): Trans, NoTrans; written (beta 0);
     * when tied this is dWte's head part, the embedding adds to it below */
    gemm(t, 1, 0, V, d, n, 1, t->logits, V, t->lnf, d, 0, g->head, d);
    memset(t->dx, 0, n * d * sizeof(float));
    ln_backward(t, t->dx, g->lnf_g, g->lnf_b, t->dtmp, t->xf, t->lnf_mean, t->lnf_rstd,
                w->lnf_g);
    const float scale = 1.0f / sqrtf((float)dh);
    for (size_t l = t->L; l-- > 0;) {
        const trn_layer *y = &w->layers[l];
        trn_layer *gy = &g->layers[l];
        const trn_acts *a = &t->acts[l];
        /* MLP branch: dx (n, d) is the gradient of the layer output = of its
         * residual input xm plus of the projection's output */
        bias_grad(t, gy->b_pr, t->dx, d);
        /* dWpr (f, d) = fcg^T (f, n) dx (n, d): Trans, NoTrans */
        gemm(t, 1, 0, f, d, n, 1, a->fcg, f, t->dx, d, 0, gy->w_pr, d);
        /* dfcg (n, f) = dx (n, d) Wpr^T (d, f), Wpr (f, d): NoTrans, Trans */
        gemm(t, 0, 1, n, f, d, 1, t->dx, d, y->w_pr, d, 0, t->dfc, f);
        gelu_backward(t, t->dfc, a->fch, n * f);
        bias_grad(t, gy->b_fc, t->dfc, f);
        /* dWfc (d, f) = ln2^T (d, n) dfch (n, f): Trans, NoTrans */
        gemm(t, 1, 0, d, f, n, 1, a->ln2, d, t->dfc, f, 0, gy->w_fc, f);
        /* dln2 (n, d) = dfch (n, f) Wfc^T (f, d), Wfc (d, f): NoTrans, Trans */
        gemm(t, 0, 1, n, d, f, 1, t->dfc, f, y->w_fc, f, 0, t->dtmp, d);
        ln_backward(t, t->dx, gy->ln2_g, gy->ln2_b, t->dtmp, a->xm, a->ln2_mean, a->ln2_rstd,
                    y->ln2_g);
        /* attention branch: dx is now the gradient of xm */
        bias_grad(t, gy->b_o, t->dx, d);
        /* dWo (d, d) = atty^T (d, n) dx (n, d): Trans, NoTrans */
        gemm(t, 1, 0, d, d, n, 1, a->atty, d, t->dx, d, 0, gy->w_o, d);
        /* datty (n, d) = dx (n, d) Wo^T (d, d): NoTrans, Trans */
        gemm(t, 0, 1, n, d, d, 1, t->dx, d, y->w_o, d, 0, t->datty, d);
        for (size_t b = 0; b < B; b++)
            for (size_t h = 0; h < H; h++) {
                size_t row0 = b * T;
                const float *q = a->qkv + row0 * 3 * d + h * dh, *k = q + d, *v = q + 2 * d;
                float *dq = t->dqkv + row0 * 3 * d + h * dh, *dk = dq + d, *dv = dq + 2 * d;
                const float *p = a->att + (b * H + h) * T * T;
                const float *dout = t->datty + row0 * d + h * dh; /* (T, dh), ld d */
                /* dP (T, T) = dO (T, dh) V^T (dh, T): NoTrans, Trans */
                gemm(t, 0, 1, T, T, dh, 1, dout, d, v, 3 * d, 0, t->dsc, T);
                /* dV (T, dh) = P^T (T, T) dO (T, dh): Trans, NoTrans */
                gemm(t, 1, 0, T, dh, T, 1, p, T, dout, d, 0, dv, 3 * d);
                softmax_backward(t, t->dsc, p); /* dsc = dS, the pre-softmax gradient */
                /* dQ (T, dh) = scale dS (T, T) K (T, dh): NoTrans, NoTrans */
                gemm(t, 0, 0, T, dh, T, scale, t->dsc, T, k, 3 * d, 0, dq, 3 * d);
                /* dK (T, dh) = scale dS^T (T, T) Q (T, dh): Trans, NoTrans */
                gemm(t, 1, 0, T, dh, T, scale, t->dsc, T, q, 3 * d, 0, dk, 3 * d);
            }
        bias_grad(t, gy->b_qkv, t->dqkv, 3 * d);
        /* dWqkv (d, 3d) = ln1^T (d, n) dqkv (n, 3d): Trans, NoTrans */
        gemm(t, 1, 0, d, 3 * d, n, 1, a->ln1, d, t->dqkv, 3 * d, 0, gy->w_qkv, 3 * d);
        /* dln1 (n, d) = dqkv (n, 3d) Wqkv^T (3d, d), Wqkv (d, 3d): NoTrans, Trans */
        gemm(t, 0, 1, n, d, 3 * d, 1, t->dqkv, 3 * d, y->w_qkv, 3 * d, 0, t->dtmp, d);
        ln_backward(t, t->dx, gy->ln1_g, gy->ln1_b, t->dtmp, a->x, a->ln1_mean, a->ln1_rstd,
                    y->ln1_g);
    }
    /* embedding: dWte[id] += dx row, dWpe[pos] += dx row (rows of Wpe past T stay 0) */
    if (!mc->tied)
        memset(g->wte, 0, V * d * sizeof(float));
    memset(g->wpe, 0, mc->context * d * sizeof(float));
    for (size_t i = 0; i < n; i++) {
        float *te = g->wte + (size_t)t->ids[i] * d, *pe = g->wpe + (i % T) * d;
        const float *dxi = t->dx + i * d;
        for (size_t j = 0; j < d; j++) {
            te[j] += dxi[j];
            pe[j] += dxi[j];
        }
    }
    t->st.elem_flops[TRN_BWD] += 2.0 * (double)n * (double)d;
    double dt = tb_now() - t_start;
    t->st.other_s[TRN_BWD] += dt - (t->st.gemm_s[TRN_BWD] - g_start);
    return TB_OK;
}

/* ---- optimizer ---------------------------------------------------------- */

/* Sum of squares of g[0..n) in double, eight partial sums: a fixed order. */
TRN_VECTORIZE static double sumsq(const float *g, size_t n)
{
    double part[8] = {0};
    size_t i = 0;
    for (; i + 8 <= n; i += 8)
        for (int q = 0; q < 8; q++)
            part[q] += (double)g[i + q] * (double)g[i + q];
    double s = 0;
    for (int q = 0; q < 8; q++)
        s += part[q];
    for (; i < n; i++)
        s += (double)g[i] * (double)g[i];
    return s;
}

/* One AdamW update of count parameters (see train.h). */
TRN_VECTORIZE static void adamw(float *p, const float *g, float *m, float *v, size_t count,
                                float clip, float b1, float b2, float decay, float step_size,
                                float inv_sqrt_bc2, float eps)
{
    for (size_t i = 0; i < count; i++) {
        float gi = g[i] * clip;
        float mi = b1 * m[i] + (1.0f - b1) * gi;
        float vi = b2 * v[i] + (1.0f - b2) * gi * gi;
        m[i] = mi;
        v[i] = vi;
        p[i] = p[i] * decay - step_size * mi / (sqrtf(vi) * inv_sqrt_bc2 + eps);
    }
}

int trn_update(trn *t, double *grad_norm, tb_error *err)
{
    t->phase = TRN_OPT;
    double t0 = tb_now();
    const trn_config *c = &t->cfg;
    double norm = sqrt(sumsq(t->grads, t->n_params));
    if (grad_norm)
        *grad_norm = norm;
    if (!isfinite(norm)) {
        t->st.other_s[TRN_OPT] += tb_now() - t0;
        return tb_fail(err, TB_EINPUT, "train: step %zu: gradient norm is %s", t->step,
                       isnan(norm) ? "nan" : "inf");
    }
    double clip = 1.0;
    if (c->grad_clip > 0) {
        clip = c->grad_clip / (norm + 1e-6);
        clip = clip < 1.0 ? clip : 1.0;
    }
    double lr = trn_lr(c, t->step), tt = (double)(t->step + 1);
    double bc1 = 1.0 - pow(c->beta1, tt), bc2 = 1.0 - pow(c->beta2, tt);
    float step_size = (float)(lr / bc1), inv_sqrt_bc2 = (float)(1.0 / sqrt(bc2));
    for (size_t i = 0; i < t->n_tensors; i++) {
        const trn_tensor *tn = &t->tensors[i];
        size_t o = tn->offset, cnt = tn->rows * tn->cols;
        float decay = tn->decay ? (float)(1.0 - lr * c->weight_decay) : 1.0f;
        adamw(t->params + o, t->grads + o, t->m + o, t->v + o, cnt, (float)clip,
              (float)c->beta1, (float)c->beta2, decay, step_size, inv_sqrt_bc2, (float)c->eps);
    }
    t->st.elem_flops[TRN_OPT] += (double)(TRN_FLOPS_NORM + TRN_FLOPS_ADAMW) * (double)t->n_params;
    t->step++;
    t->st.other_s[TRN_OPT] += tb_now() - t0;
    return TB_OK;
}

int trn_step(trn *t, const uint32_t *ids, const uint32_t *targets, trn_step_info *info,
             tb_error *err)
{
    size_t s = t->step;
    trn_step_info loc;
    if (!info)
        info = &loc;
    memset(info, 0, sizeof *info);
    info->step = s;
    info->lr = trn_lr(&t->cfg, s);
    int rc = trn_forward(t, ids, targets, &info->loss, err);
    if (rc)
        return rc;
    float loss = info->loss;
    if (!isfinite(loss))
        return tb_fail(err, TB_EINPUT, "train: step %zu: loss is %s", s,
                       isnan(loss) ? "nan" : "inf");
    if (s == 0)
        t->first_loss = loss;
    if (t->cfg.diverge_factor > 0 && s >= t->cfg.warmup_steps && s > 0 &&
        (double)loss > t->cfg.diverge_factor * (double)t->first_loss)
        return tb_fail(err, TB_EINPUT,
                       "train: step %zu: loss %.4g is above %g x the first loss %.4g (diverged)",
                       s, (double)loss, t->cfg.diverge_factor, (double)t->first_loss);
    if ((rc = trn_backward(t, err)))
        return rc;
    return trn_update(t, &info->grad_norm, err);
}

/* ---- analytic counts ---------------------------------------------------- */

void trn_cost_step(const tf_config *mc, const trn_config *tc, trn_cost *out)
{
    memset(out, 0, sizeof *out);
    tf_cost fc;
    tf_cost_forward(mc, tc->seq, 0, 1, &fc);
    double Bq = (double)tc->batch, n = Bq * (double)tc->seq, T = (double)tc->seq,
           d = (double)mc->d_model, f = (double)mc->d_ff, L = (double)mc->n_layers,
           H = (double)mc->n_heads, V = (double)mc->vocab;
    out->gemm_flops[TRN_FWD] = Bq * fc.gemm_flops;
    out->gemm_flops[TRN_BWD] = 2 * Bq * fc.gemm_flops;
    out->elem_flops[TRN_FWD] =
        Bq * (fc.flops[TF_EMBED] + fc.flops[TF_OTHER]) + TRN_FLOPS_XENT_FWD * n * V;
    out->elem_flops[TRN_BWD] = TRN_FLOPS_XENT_BWD * n * V +
                               TRN_FLOPS_LN_BWD * (2 * L + 1) * n * d +
                               TRN_FLOPS_GELU_BWD * L * n * f +
                               TRN_FLOPS_SOFTMAX_BWD * L * Bq * H * T * T +
                               L * n * (d + f + d + 3 * d) /* bias gradients */ +
                               2 * n * d /* embedding */;
    out->elem_flops[TRN_OPT] =
        (double)(TRN_FLOPS_NORM + TRN_FLOPS_ADAMW) * (double)tf_config_params(mc);
}
