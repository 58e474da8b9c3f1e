/* transformer.c - the reference GPT decoder (see transformer.h). */
#include "transformer.h"

#include <cblas.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "../common/timer.h"
#include "cost.h"
#include "rng.h"

/* x86-64 with GCC or clang: the AVX2 LM-head kernel (rows_dot), chosen at run
 * time */
#if defined(__x86_64__) && defined(__GNUC__)
#define TF_HAVE_ROWS_DOT 1
#endif

/* ---- config ------------------------------------------------------------- */

int tf_preset(const char *name, tf_config *cfg, tb_error *err)
{
    static const struct {
        const char *name;
        size_t d, l, h, ctx;
        int tied;
    } presets[] = {
        {"tiny", 64, 2, 4, 64, 1},
        {"small", 512, 8, 8, 1024, 1},
        {"base", 768, 12, 12, 1024, 1},
        {"7b", 4096, 32, 32, 4096, 0},
    };
    for (size_t i = 0; i < sizeof presets / sizeof presets[0]; i++) {
        if (strcmp(name, presets[i].name) == 0) {
            memset(cfg, 0, sizeof *cfg);
            cfg->d_model = presets[i].d;
            cfg->n_layers = presets[i].l;
            cfg->n_heads = presets[i].h;
            cfg->context = presets[i].ctx;
            cfg->d_ff = 4 * presets[i].d;
            cfg->tied = presets[i].tied;
            cfg->seed = 1;
            return TB_OK;
        }
    }
    return tb_fail(err, TB_EUSAGE, "unknown model preset '%s' (known: tiny, small, base, 7b)",
                   name);
}

int tf_config_set(tf_config *cfg, const char *kv, tb_error *err)
{
    const char *eq = strchr(kv, '=');
    if (!eq || eq == kv || !eq[1])
        return tb_fail(err, TB_EUSAGE, "model setting '%s': expected KEY=VALUE", kv);
    size_t klen = (size_t)(eq - kv);
    errno = 0;
    char *end;
    unsigned long long v = strtoull(eq + 1, &end, 10);
    if (*end || errno || eq[1] == '-')
        return tb_fail(err, TB_EUSAGE, "model setting '%s': value is not a non-negative integer",
                       kv);
    static const char *keys[] = {"d_model", "n_layers", "n_heads", "context",
                                 "d_ff",    "tied",     "seed",    "vocab"};
    size_t *fields[] = {&cfg->d_model, &cfg->n_layers, &cfg->n_heads, &cfg->context,
                        &cfg->d_ff,    NULL,           NULL,          &cfg->vocab};
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
        if (strlen(keys[i]) != klen || strncmp(kv, keys[i], klen) != 0)
            continue;
        if (strcmp(keys[i], "tied") == 0) {
            if (v > 1)
                return tb_fail(err, TB_EUSAGE, "model setting '%s': tied is 0 or 1", kv);
            cfg->tied = (int)v;
        } else if (strcmp(keys[i], "seed") == 0) {
            cfg->seed = (uint64_t)v;
        } else {
            if (v > ((size_t)1 << 40))
                return tb_fail(err, TB_EUSAGE, "model setting '%s': value too large", kv);
            *fields[i] = (size_t)v;
        }
        return TB_OK;
    }
    return tb_fail(err, TB_EUSAGE,
                   "model setting '%s': unknown key (known: d_model, n_layers, n_heads, "
                   "context, d_ff, tied, seed, vocab)",
                   kv);
}

size_t tf_config_params(const tf_config *c)
{
    size_t d = c->d_model, f = c->d_ff;
    size_t layer = 4 * d * d + 2 * d * f + 9 * d + f;
    return c->vocab * d * (c->tied ? 1 : 2) + c->context * d + c->n_layers * layer + 2 * d;
}

double tf_alloc_bytes(const tf_config *c)
{
    double d = (double)c->d_model, f = (double)c->d_ff, C = (double)c->context,
           L = (double)c->n_layers;
    double floats = (double)tf_config_params(c) + 2 * L * C * d + C * (3 * d + 3 * d + f + C);
    return 4 * floats;
}

/* Bytes available, and where the figure came from, into src[cap]. */
static int mem_available(double *bytes, char *src, size_t cap, tb_error *err)
{
    const char *env = getenv(TF_MEM_ENV);
    if (env && *env) {
        char *end;
        errno = 0;
        double gb = strtod(env, &end);
        if (errno || *end || !(gb >= 0))
            return tb_fail(err, TB_EUSAGE, "%s='%s' is not a number of GB", TF_MEM_ENV, env);
        *bytes = gb * 1e9;
        snprintf(src, cap, "%s", TF_MEM_ENV);
        return TB_OK;
    }
    FILE *f = fopen("/proc/meminfo", "r");
    if (f) {
        char line[256];
        unsigned long long kb;
        while (fgets(line, sizeof line, f))
            if (sscanf(line, "MemAvailable: %llu kB", &kb) == 1) {
                fclose(f);
                *bytes = (double)kb * 1024;
                snprintf(src, cap, "MemAvailable in /proc/meminfo");
                return TB_OK;
            }
        fclose(f);
    }
    long pages = sysconf(_SC_AVPHYS_PAGES), psize = sysconf(_SC_PAGESIZE);
    *bytes = pages > 0 && psize > 0 ? (double)pages * (double)psize : INFINITY;
    snprintf(src, cap, "free pages");
    return TB_OK;
}

int tf_memory_check(const tf_config *c, double extra_bytes, tb_error *err)
{
    double need = tf_alloc_bytes(c) + extra_bytes, avail = 0;
    char src[64];
    int rc = mem_available(&avail, src, sizeof src, err);
    if (rc)
        return rc;
    if (need <= avail)
        return TB_OK;
    return tb_fail(err, TB_EINPUT,
                   "d_model %zu, %zu layers, context %zu, vocab %zu: needs %.1f GB "
                   "(weights, KV cache, scratch), %.1f GB available (%s); use a smaller preset "
                   "or --set, or set %s to the GB to assume",
                   c->d_model, c->n_layers, c->context, c->vocab, need / 1e9, avail / 1e9, src,
                   TF_MEM_ENV);
}

int tf_config_check(const tf_config *c, tb_error *err)
{
    if (!c->vocab || !c->d_model || !c->n_layers || !c->n_heads || !c->context || !c->d_ff)
        return tb_fail(err, TB_EUSAGE,
                       "model config: vocab, d_model, n_layers, n_heads, context and d_ff "
                       "must be >= 1 (vocab %zu, d_model %zu, n_layers %zu, n_heads %zu, "
                       "context %zu, d_ff %zu)",
                       c->vocab, c->d_model, c->n_layers, c->n_heads, c->context, c->d_ff);
    if (c->d_model % c->n_heads)
        return tb_fail(err, TB_EUSAGE, "model config: n_heads %zu does not divide d_model %zu",
                       c->n_heads, c->d_model);
    if (c->tied != 0 && c->tied != 1)
        return tb_fail(err, TB_EUSAGE, "model config: tied must be 0 or 1");
    double p = (double)c->vocab * (double)c->d_model * 2 + (double)c->context * c->d_model +
               (double)c->n_layers * (16.0 * c->d_model * c->d_model + 2.0 * c->d_model * c->d_ff);
    if (p >= (double)((size_t)1 << 40) || (double)c->context * c->context >= 1e15)
        return tb_fail(err, TB_EUSAGE, "model config: %.3g parameters is beyond what tokbench "
                                       "allocates (2^40)", p);
    return TB_OK;
}

const char *tf_part_name(int part)
{
    static const char *names[TF_NPARTS] = {"embed", "qkvo", "attn", "mlp", "lm_head", "other"};
    return part >= 0 && part < TF_NPARTS ? names[part] : "?";
}

/* ---- model -------------------------------------------------------------- */

typedef struct tf_layer {
    float *ln1_g, *ln1_b;   /* (d) */
    float *w_qkv, *b_qkv;   /* (d, 3d), (3d): columns [q | k | v], head h at h*dh */
    float *w_o, *b_o;       /* (d, d), (d) */
    float *ln2_g, *ln2_b;   /* (d) */
    float *w_fc, *b_fc;     /* (d, f), (f) */
    float *w_pr, *b_pr;     /* (f, d), (d) */
} tf_layer;

struct tf_model {
    tf_config cfg;
    size_t d, dh, f, H, L, C, V;
    float *params;          /* n_params floats, every weight */
    size_t n_params;
    float *wte;             /* (V, d) */
    float *wpe;             /* (C, d) */
    float *lnf_g, *lnf_b;   /* (d) */
    float *head;            /* (V, d): wte when tied */
    tf_layer *layers;       /* (L) */
    float *kc, *vc;         /* (L, H, C, dh) each */
    size_t cache_len;       /* valid cache positions */
    float *x;               /* (C, d) residual stream */
    float *h;               /* (C, d) normed input / projection output */
    float *qkv;             /* (C, 3d) */
    float *att;             /* (C, d) attention output, heads side by side */
    float *fc;              /* (C, f) MLP hidden */
    float *sc;              /* (C, C) scores of one head */
    int gemv_rows;          /* 1: one-row products use sgemv (tf_set_gemv) */
    int rows_dot;           /* 1: the CPU has AVX2 and FMA: the LM head row by row (rows_dot) */
    tf_stats st;
};

typedef struct rng {
    uint64_t s[4];
    int have;       /* a spare normal is in spare */
    double spare;
} rng;

static uint64_t xoshiro(rng *r) { return xoshiro256(r->s); }

/* Uniform in (0, 1]: 53 random bits. */
static double uniform01(rng *r) { return ((double)(xoshiro(r) >> 11) + 1.0) * 0x1.0p-53; }

static double normal(rng *r)
{
    if (r->have) {
        r->have = 0;
        return r->spare;
    }
    double u1 = uniform01(r), u2 = uniform01(r);
    double rad = sqrt(-2.0 * log(u1)), th = 6.283185307179586 * u2;
    r->spare = rad * sin(th);
    r->have = 1;
    return rad * cos(th);
}

static void fill(rng *r, float *p, size_t n, double mean, double sd)
{
    for (size_t i = 0; i < n; i++)
        p[i] = (float)(mean + sd * normal(r));
}

void *tf_alloc_stream(size_t bytes, tb_error *err)
{
    const size_t huge = (size_t)2 << 20;
    if (bytes < huge)
        return tb_calloc(1, bytes ? bytes : 1, err);
    size_t len = (bytes + huge - 1) & ~(huge - 1);
    void *p = aligned_alloc(huge, len);
    if (!p)
        return tb_calloc(1, bytes, err); /* a second try that reports the failure */
#ifdef MADV_HUGEPAGE
    (void)madvise(p, len, MADV_HUGEPAGE); /* advice: 4 KB pages when refused */
#endif
    memset(p, 0, len);
    return p;
}

int tf_new(const tf_config *cfg, tf_model **out, tb_error *err)
{
    *out = NULL;
    if (tf_config_check(cfg, err))
        return err ? err->status : TB_EUSAGE;
    int mrc = tf_memory_check(cfg, 0, err);
    if (mrc)
        return tb_wrap(err, "model: "), mrc;
    tf_model *m = tb_calloc(1, sizeof *m, err);
    if (!m)
        return TB_EINPUT;
    m->cfg = *cfg;
    m->gemv_rows = 1;
#ifdef TF_HAVE_ROWS_DOT
    __builtin_cpu_init();
    m->rows_dot = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
#endif
    m->d = cfg->d_model;
    m->H = cfg->n_heads;
    m->dh = m->d / m->H;
    m->f = cfg->d_ff;
    m->L = cfg->n_layers;
    m->C = cfg->context;
    m->V = cfg->vocab;
    size_t d = m->d, f = m->f, C = m->C, L = m->L;
    m->n_params = tf_config_params(cfg);
    m->params = tf_alloc_stream(m->n_params * sizeof(float), err);
    m->layers = tb_calloc(L, sizeof *m->layers, err);
    m->kc = tf_alloc_stream(L * C * d * sizeof(float), err);
    m->vc = tf_alloc_stream(L * C * d * sizeof(float), err);
    m->x = tb_calloc(C * d, sizeof(float), err);
    m->h = tb_calloc(C * d, sizeof(float), err);
    m->qkv = tb_calloc(C * 3 * d, sizeof(float), err);
    m->att = tb_calloc(C * d, sizeof(float), err);
    m->fc = tb_calloc(C * f, sizeof(float), err);
    m->sc = tb_calloc(C * C, sizeof(float), err);
    if (!m->params || !m->layers || !m->kc || !m->vc || !m->x || !m->h || !m->qkv || !m->att ||
        !m->fc || !m->sc) {
        tf_free(m);
        return TB_EINPUT;
    }
    /* Carve the block in the order of tf_params and fill it in that order. */
    rng r = {{0}, 0, 0};
    uint64_t sm = cfg->seed;
    for (int i = 0; i < 4; i++)
        r.s[i] = splitmix64(&sm);
    const double sd = 0.02, sd_out = 0.02 / sqrt(2.0 * (double)L);
    float *p = m->params;
#define TAKE(ptr, count, mean, dev)   \
    do {                              \
        (ptr) = p;                    \
        fill(&r, p, (count), (mean), (dev)); \
        p += (count);                 \
    } while (0)
    TAKE(m->wte, m->V * d, 0, sd);
    TAKE(m->wpe, C * d, 0, sd);
    for (size_t l = 0; l < L; l++) {
        tf_layer *y = &m->layers[l];
        TAKE(y->ln1_g, d, 1, sd);
        TAKE(y->ln1_b, d, 0, sd);
        TAKE(y->w_qkv, d * 3 * d, 0, sd);
        TAKE(y->b_qkv, 3 * d, 0, sd);
        TAKE(y->w_o, d * d, 0, sd_out);
        TAKE(y->b_o, d, 0, sd);
        TAKE(y->ln2_g, d, 1, sd);
        TAKE(y->ln2_b, d, 0, sd);
        TAKE(y->w_fc, d * f, 0, sd);
        TAKE(y->b_fc, f, 0, sd);
        TAKE(y->w_pr, f * d, 0, sd_out);
        TAKE(y->b_pr, d, 0, sd);
    }
    TAKE(m->lnf_g, d, 1, sd);
    TAKE(m->lnf_b, d, 0, sd);
    if (cfg->tied)
        m->head = m->wte;
    else
        TAKE(m->head, m->V * d, 0, sd);
#undef TAKE
    *out = m;
    return TB_OK;
}

void tf_free(tf_model *m)
{
    if (!m)
        return;
    free(m->params);
    free(m->layers);
    free(m->kc);
    free(m->vc);
    free(m->x);
    free(m->h);
    free(m->qkv);
    free(m->att);
    free(m->fc);
    free(m->sc);
    free(m);
}

const tf_config *tf_model_config(const tf_model *m) { return &m->cfg; }

const float *tf_params(const tf_model *m, size_t *n)
{
    *n = m->n_params;
    return m->params;
}

float *tf_params_mut(tf_model *m, size_t *n)
{
    *n = m->n_params;
    return m->params;
}

size_t tf_kv_bytes(const tf_model *m) { return 2 * m->L * m->C * m->d * sizeof(float); }

size_t tf_cache_len(const tf_model *m) { return m->cache_len; }

void tf_set_gemv(tf_model *m, int on) { m->gemv_rows = on != 0; }

void tf_stats_reset(tf_model *m) { memset(&m->st, 0, sizeof m->st); }

const tf_stats *tf_stats_get(const tf_model *m) { return &m->st; }

/* ---- kernels ------------------------------------------------------------ */

/* C (M, N) = alpha A (M, K) op(B) + beta C, row-major; counted (2 M N K)
 * and timed. A one-row product (M = 1, every decode step) goes to
 * cblas_sgemv when m->gemv_rows is set: OpenBLAS 0.3.21's sgemm packs the
 * whole B (the weights) on every call even for M = 1. */
static void count_gemm(tf_model *m, int part, int trans_b, size_t M, size_t N, size_t K,
                       double dt);

/* y (N) = B (N, K) x, B row-major with ld = K: the one-row product of the
 * LM head (logits = h Whead^T, Whead (V, d)). One row at a time, four 8-wide
 * partial sums: the head is read as one sequential stream, where OpenBLAS
 * 0.3.21's sgemv (its Haswell kernel, which it picks on AMD Zen) interleaves
 * several rows and, on the shared AMD EPYC, stayed visibly below the read
 * bandwidth on a 103 MB head (tokbench model --bench: the lm_head share of a
 * step). AVX2 only, chosen at run time (tf_new); elsewhere sgemv. */
#ifdef TF_HAVE_ROWS_DOT
typedef float tf_v8 __attribute__((vector_size(32), aligned(4)));

__attribute__((target("avx2,fma"))) static void rows_dot(const float *restrict B, size_t N,
                                                         size_t K, const float *restrict x,
                                                         float *restrict y)
{
    for (size_t i = 0; i < N; i++) {
        const float *a = B + i * K;
        tf_v8 s0 = {0}, s1 = {0}, s2 = {0}, s3 = {0};
        size_t k = 0;
        for (; k + 32 <= K; k += 32) {
            s0 += *(const tf_v8 *)(a + k) * *(const tf_v8 *)(x + k);
            s1 += *(const tf_v8 *)(a + k + 8) * *(const tf_v8 *)(x + k + 8);
            s2 += *(const tf_v8 *)(a + k + 16) * *(const tf_v8 *)(x + k + 16);
            s3 += *(const tf_v8 *)(a + k + 24) * *(const tf_v8 *)(x + k + 24);
        }
        tf_v8 t = (s0 + s1) + (s2 + s3);
        float sum = ((t[0] + t[1]) + (t[2] + t[3])) + ((t[4] + t[5]) + (t[6] + t[7]));
        for (; k < K; k++)
            sum += a[k] * x[k];
        y[i] = sum;
    }
}
#endif

static void gemm(tf_model *m, int part, int trans_b, size_t M, size_t N, size_t K, float alpha,
                 const float *A, size_t lda, const float *B, size_t ldb, float beta, float *Cm,
                 size_t ldc)
{
    double t0 = tb_now();
#ifdef TF_HAVE_ROWS_DOT
    if (M == 1 && m->gemv_rows && m->rows_dot && trans_b && ldb == K && alpha == 1 &&
        beta == 0) {
        rows_dot(B, N, K, A, Cm);
        count_gemm(m, part, trans_b, M, N, K, tb_now() - t0);
        return;
    }
#endif
    if (M == 1 && m->gemv_rows)
        /* C^T (N) = op(B)^T A^T: B (K, N) row-major -> Trans; B^T given as (N, K) -> NoTrans */
        cblas_sgemv(CblasRowMajor, trans_b ? CblasNoTrans : CblasTrans, trans_b ? (int)N : (int)K,
                    trans_b ? (int)K : (int)N, alpha, B, (int)ldb, A, 1, beta, Cm, 1);
    else
        cblas_sgemm(CblasRowMajor, CblasNoTrans, trans_b ? CblasTrans : CblasNoTrans, (int)M,
                    (int)N, (int)K, alpha, A, (int)lda, B, (int)ldb, beta, Cm, (int)ldc);
    count_gemm(m, part, trans_b, M, N, K, tb_now() - t0);
}

/* Counts a product C (M, N) = A (M, K) op(B) that took dt seconds: 2 M N K
 * FLOPs in part, one call of its shape. */
static void count_gemm(tf_model *m, int part, int trans_b, size_t M, size_t N, size_t K,
                       double dt)
{
    tf_stats *s = &m->st;
    s->gemm_s[part] += dt;
    s->gemm_flops[part] += 2.0 * (double)M * (double)N * (double)K;
    s->gemm_calls++;
    size_t i;
    for (i = 0; i < s->n_shapes; i++) {
        tf_gemm_shape *g = &s->shapes[i];
        if (g->trans_b == trans_b && g->m == M && g->n == N && g->k == K)
            break;
    }
    if (i == s->n_shapes && i < TF_MAX_SHAPES) {
        s->shapes[i] = (tf_gemm_shape){trans_b, M, N, K, 0, 0};
        s->n_shapes++;
    }
    if (i < TF_MAX_SHAPES) {
        s->shapes[i].calls++;
        s->shapes[i].seconds += dt;
    }
}

/* The elementwise loops are written to vectorise; -O2 of GCC 12 does not
 * vectorise loops, so they ask for it. */
#if defined(__GNUC__) && !defined(__clang__)
#define TF_VECTORIZE __attribute__((optimize("tree-vectorize", "no-trapping-math")))
#else
#define TF_VECTORIZE
#endif

/* exp(x) for x <= 0 (larger x is clamped to 0), relative error < 2e-7:
 * x = k ln2 + r, |r| <= ln2/2, degree-7 Taylor polynomial of e^r, 2^k by the
 * exponent bits. Branch-free so the loops that call it vectorise. */
TF_VECTORIZE static inline float exp_neg(float x)
{
    x = x > 0.0f ? 0.0f : x;
    x = x < -87.0f ? -87.0f : x;
    float kf = x * 1.44269504088896341f - 0.5f;
    int k = (int)kf;            /* truncation toward zero of a negative: round down */
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

/* out (n, d) = LN(in) * g + b. */
TF_VECTORIZE static void layernorm(tf_model *m, float *out, const float *in, const float *g, const float *b,
                      size_t n)
{
    size_t d = m->d;
    for (size_t i = 0; i < n; i++) {
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
    }
    m->st.elem_flops[TF_OTHER] += (double)TF_FLOPS_LN * (double)n * (double)d;
}

/* Each of the n rows of out (row stride ld) = bias (k). */
static void bias_fill(tf_model *m, float *out, const float *bias, size_t n, size_t k)
{
    for (size_t i = 0; i < n; i++)
        memcpy(out + i * k, bias, k * sizeof(float));
    m->st.elem_flops[TF_OTHER] += (double)n * (double)k;
}

TF_VECTORIZE static void residual(tf_model *m, float *x, const float *y, size_t count)
{
    for (size_t i = 0; i < count; i++)
        x[i] += y[i];
    m->st.elem_flops[TF_OTHER] += (double)count;
}

TF_VECTORIZE static void gelu(tf_model *m, float *x, size_t count)
{
    const float k = 0.7978845608028654f; /* sqrt(2/pi) */
    for (size_t i = 0; i < count; i++) {
        /* tanh(u) = sign(u) (1 - e) / (1 + e), e = exp(-2 |u|) */
        float v = x[i], u = k * (v + 0.044715f * v * v * v);
        float au = u < 0 ? -u : u, e = exp_neg(-2.0f * au);
        float t = (1.0f - e) / (1.0f + e);
        x[i] = 0.5f * v * (1.0f + (u < 0 ? -t : t));
    }
    m->st.elem_flops[TF_OTHER] += (double)TF_FLOPS_GELU * (double)count;
}

/* Causal softmax of the (n, T) scores of new rows at positions p0..p0+n-1:
 * row i sees columns 0..p0+i; later columns become 0. */
TF_VECTORIZE static void softmax_causal(tf_model *m, float *s, size_t n, size_t T, size_t p0)
{
    for (size_t i = 0; i < n; i++) {
        float *row = s + i * T;
        size_t lim = p0 + i + 1;
        float mx = row[0];
        for (size_t j = 1; j < lim; j++)
            mx = row[j] > mx ? row[j] : mx;
        for (size_t j = 0; j < lim; j++)
            row[j] = exp_neg(row[j] - mx);
        /* eight partial sums in a fixed order: deterministic and vectorisable */
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
        float inv = 1.0f / sum;
        for (j = 0; j < lim; j++)
            row[j] *= inv;
        for (j = lim; j < T; j++)
            row[j] = 0;
    }
    m->st.elem_flops[TF_OTHER] += (double)TF_FLOPS_SOFTMAX * (double)n * (double)T;
}

/* Decode attention of one head, one query (the n = 1 products of forward):
 * s (T) = alpha K q with K (T, dh) the head's cache rows, then, after the
 * softmax, o (dh) = s^T V with V (T, dh). Loops instead of two sgemv calls
 * on (T, 64) matrices, where OpenBLAS spends more on its per-call and
 * per-column set-up than on streaming the 2 T dh floats. Eight partial sums
 * per dot product in a fixed order (deterministic, vectorisable). */
TF_VECTORIZE static void attn_scores(float *restrict s, const float *restrict K,
                                     const float *restrict q, size_t T, size_t dh, float alpha)
{
    for (size_t j = 0; j < T; j++) {
        const float *k = K + j * dh;
        float part[8] = {0};
        size_t e = 0;
        for (; e + 8 <= dh; e += 8)
            for (int u = 0; u < 8; u++)
                part[u] += k[e + u] * q[e + u];
        float sum = ((part[0] + part[1]) + (part[2] + part[3])) +
                    ((part[4] + part[5]) + (part[6] + part[7]));
        for (; e < dh; e++)
            sum += k[e] * q[e];
        s[j] = alpha * sum;
    }
}

TF_VECTORIZE static void attn_values(float *restrict o, const float *restrict V,
                                     const float *restrict p, size_t T, size_t dh)
{
    for (size_t e = 0; e < dh; e++)
        o[e] = 0;
    size_t j = 0;
    for (; j + 4 <= T; j += 4) {
        const float *v0 = V + j * dh, *v1 = v0 + dh, *v2 = v1 + dh, *v3 = v2 + dh;
        float p0 = p[j], p1 = p[j + 1], p2 = p[j + 2], p3 = p[j + 3];
        for (size_t e = 0; e < dh; e++)
            o[e] += (p0 * v0[e] + p1 * v1[e]) + (p2 * v2[e] + p3 * v3[e]);
    }
    for (; j < T; j++)
        for (size_t e = 0; e < dh; e++)
            o[e] += p[j] * V[j * dh + e];
}

/* The forward of n new tokens at positions p0.. (cache holds 0..p0-1).
 * logits: (n, V) when all_logits, else (1, V) for the last row. */
static int forward(tf_model *m, const uint32_t *ids, size_t n, size_t p0, int all_logits,
                   float *logits, tb_error *err)
{
    size_t d = m->d, dh = m->dh, f = m->f, C = m->C, T = p0 + n;
    for (size_t i = 0; i < n; i++)
        if (ids[i] >= m->V)
            return tb_fail(err, TB_EINPUT,
                           "model: token id %u at position %zu is outside the vocabulary (%zu)",
                           ids[i], p0 + i, m->V);
    tf_stats *st = &m->st;
    double t_start = tb_now(), t0;
    /* embed */
    t0 = tb_now();
    for (size_t i = 0; i < n; i++) {
        const float *te = m->wte + (size_t)ids[i] * d, *pe = m->wpe + (p0 + i) * d;
        float *x = m->x + i * d;
        for (size_t j = 0; j < d; j++)
            x[j] = te[j] + pe[j];
    }
    st->elem_flops[TF_EMBED] += (double)n * (double)d;
    st->embed_s += tb_now() - t0;
    const float scale = 1.0f / sqrtf((float)dh);
    for (size_t l = 0; l < m->L; l++) {
        const tf_layer *y = &m->layers[l];
        float *kc = m->kc + l * C * d, *vc = m->vc + l * C * d; /* (H, C, dh) */
        t0 = tb_now();
        layernorm(m, m->h, m->x, y->ln1_g, y->ln1_b, n);
        bias_fill(m, m->qkv, y->b_qkv, n, 3 * d);
        st->norm_act_s += tb_now() - t0;
        gemm(m, TF_QKVO, 0, n, 3 * d, d, 1, m->h, d, y->w_qkv, 3 * d, 1, m->qkv, 3 * d);
        t0 = tb_now();
        for (size_t hd = 0; hd < m->H; hd++)
            for (size_t i = 0; i < n; i++) {
                const float *row = m->qkv + i * 3 * d + hd * dh;
                memcpy(kc + (hd * C + p0 + i) * dh, row + d, dh * sizeof(float));
                memcpy(vc + (hd * C + p0 + i) * dh, row + 2 * d, dh * sizeof(float));
            }
        st->copy_s += tb_now() - t0;
        for (size_t hd = 0; hd < m->H; hd++) {
            const float *kh = kc + hd * C * dh, *vh = vc + hd * C * dh;
            if (n == 1 && m->gemv_rows) {
                t0 = tb_now();
                attn_scores(m->sc, kh, m->qkv + hd * dh, T, dh, scale);
                count_gemm(m, TF_ATTN, 1, 1, T, dh, tb_now() - t0);
            } else {
                gemm(m, TF_ATTN, 1, n, T, dh, scale, m->qkv + hd * dh, 3 * d, kh, dh, 0, m->sc,
                     T);
            }
            t0 = tb_now();
            softmax_causal(m, m->sc, n, T, p0);
            st->softmax_s += tb_now() - t0;
            if (n == 1 && m->gemv_rows) {
                t0 = tb_now();
                attn_values(m->att + hd * dh, vh, m->sc, T, dh);
                count_gemm(m, TF_ATTN, 0, 1, dh, T, tb_now() - t0);
            } else {
                gemm(m, TF_ATTN, 0, n, dh, T, 1, m->sc, T, vh, dh, 0, m->att + hd * dh, d);
            }
        }
        t0 = tb_now();
        bias_fill(m, m->h, y->b_o, n, d);
        st->norm_act_s += tb_now() - t0;
        gemm(m, TF_QKVO, 0, n, d, d, 1, m->att, d, y->w_o, d, 1, m->h, d);
        t0 = tb_now();
        residual(m, m->x, m->h, n * d);
        layernorm(m, m->h, m->x, y->ln2_g, y->ln2_b, n);
        bias_fill(m, m->fc, y->b_fc, n, f);
        st->norm_act_s += tb_now() - t0;
        gemm(m, TF_MLP, 0, n, f, d, 1, m->h, d, y->w_fc, f, 1, m->fc, f);
        t0 = tb_now();
        gelu(m, m->fc, n * f);
        bias_fill(m, m->h, y->b_pr, n, d);
        st->norm_act_s += tb_now() - t0;
        gemm(m, TF_MLP, 0, n, d, f, 1, m->fc, f, y->w_pr, d, 1, m->h, d);
        t0 = tb_now();
        residual(m, m->x, m->h, n * d);
        st->norm_act_s += tb_now() - t0;
    }
    t0 = tb_now();
    layernorm(m, m->h, m->x, m->lnf_g, m->lnf_b, n);
    st->norm_act_s += tb_now() - t0;
    if (all_logits)
        gemm(m, TF_LM_HEAD, 1, n, m->V, d, 1, m->h, d, m->head, d, 0, logits, m->V);
    else
        gemm(m, TF_LM_HEAD, 1, 1, m->V, d, 1, m->h + (n - 1) * d, d, m->head, d, 0, logits, m->V);
    if (T > m->cache_len)
        m->cache_len = T;
    st->total_s += tb_now() - t_start;
    return TB_OK;
}

int tf_prefill(tf_model *m, const uint32_t *ids, size_t n, int all_logits, float *logits,
               tb_error *err)
{
    if (n < 1 || n > m->C)
        return tb_fail(err, TB_EINPUT, "model: prefill of %zu tokens (context %zu)", n, m->C);
    m->cache_len = 0;
    return forward(m, ids, n, 0, all_logits, logits, err);
}

int tf_decode(tf_model *m, uint32_t id, size_t pos, float *logits, tb_error *err)
{
    if (pos < 1 || pos >= m->C || pos > m->cache_len)
        return tb_fail(err, TB_EINPUT,
                       "model: decode at position %zu needs 1 <= pos < context %zu and a cache "
                       "of pos positions (have %zu)",
                       pos, m->C, m->cache_len);
    m->cache_len = pos;
    return forward(m, &id, 1, pos, 0, logits, err);
}

/* ---- naive reference ---------------------------------------------------- */

static void ref_ln(const double *x, const float *g, const float *b, size_t d, double *y)
{
    double mean = 0, var = 0;
    for (size_t j = 0; j < d; j++)
        mean += x[j];
    mean /= (double)d;
    for (size_t j = 0; j < d; j++)
        var += (x[j] - mean) * (x[j] - mean);
    double rs = 1.0 / sqrt(var / (double)d + 1e-5);
    for (size_t j = 0; j < d; j++)
        y[j] = (x[j] - mean) * rs * g[j] + b[j];
}

/* y (n, k) = x (n, d) W (d, k) + bias, triple loop. */
static void ref_mm(const double *x, const float *w, const float *bias, size_t n, size_t d,
                   size_t k, double *y)
{
    for (size_t i = 0; i < n; i++)
        for (size_t c = 0; c < k; c++) {
            double s = bias ? bias[c] : 0;
            for (size_t j = 0; j < d; j++)
                s += x[i * d + j] * (double)w[j * k + c];
            y[i * k + c] = s;
        }
}

int tf_reference_forward(const tf_model *m, const uint32_t *ids, size_t n, float *logits,
                         tb_error *err)
{
    size_t d = m->d, dh = m->dh, f = m->f, H = m->H;
    if (n < 1 || n > m->C)
        return tb_fail(err, TB_EINPUT, "model: reference of %zu tokens (context %zu)", n, m->C);
    for (size_t i = 0; i < n; i++)
        if (ids[i] >= m->V)
            return tb_fail(err, TB_EINPUT,
                           "model: token id %u at position %zu is outside the vocabulary (%zu)",
                           ids[i], i, m->V);
    double *x = tb_malloc(n * d * sizeof(double), err), *h = tb_malloc(n * d * sizeof(double), err),
           *qkv = tb_malloc(n * 3 * d * sizeof(double), err),
           *att = tb_malloc(n * d * sizeof(double), err),
           *fc = tb_malloc(n * f * sizeof(double), err), *p = tb_malloc(n * sizeof(double), err);
    int rc = (x && h && qkv && att && fc && p) ? TB_OK : TB_EINPUT;
    for (size_t i = 0; i < n && rc == TB_OK; i++)
        for (size_t j = 0; j < d; j++)
            x[i * d + j] = (double)m->wte[(size_t)ids[i] * d + j] + m->wpe[i * d + j];
    for (size_t l = 0; l < m->L && rc == TB_OK; l++) {
        const tf_layer *y = &m->layers[l];
        for (size_t i = 0; i < n; i++)
            ref_ln(x + i * d, y->ln1_g, y->ln1_b, d, h + i * d);
        ref_mm(h, y->w_qkv, y->b_qkv, n, d, 3 * d, qkv);
        for (size_t hd = 0; hd < H; hd++)
            for (size_t i = 0; i < n; i++) {
                const double *q = qkv + i * 3 * d + hd * dh;
                double mx = -INFINITY, sum = 0;
                for (size_t j = 0; j <= i; j++) {
                    const double *k = qkv + j * 3 * d + d + hd * dh;
                    double s = 0;
                    for (size_t e = 0; e < dh; e++)
                        s += q[e] * k[e];
                    p[j] = s / sqrt((double)dh);
                    mx = p[j] > mx ? p[j] : mx;
                }
                for (size_t j = 0; j <= i; j++) {
                    p[j] = exp(p[j] - mx);
                    sum += p[j];
                }
                for (size_t e = 0; e < dh; e++) {
                    double o = 0;
                    for (size_t j = 0; j <= i; j++)
                        o += p[j] / sum * qkv[j * 3 * d + 2 * d + hd * dh + e];
                    att[i * d + hd * dh + e] = o;
                }
            }
        ref_mm(att, y->w_o, y->b_o, n, d, d, h);
        for (size_t i = 0; i < n * d; i++)
            x[i] += h[i];
        for (size_t i = 0; i < n; i++)
            ref_ln(x + i * d, y->ln2_g, y->ln2_b, d, h + i * d);
        ref_mm(h, y->w_fc, y->b_fc, n, d, f, fc);
        for (size_t i = 0; i < n * f; i++) {
            double v = fc[i];
            fc[i] = 0.5 * v * (1.0 + tanh(0.7978845608028654 * (v + 0.044715 * v * v * v)));
        }
        ref_mm(fc, y->w_pr, y->b_pr, n, f, d, h);
        for (size_t i = 0; i < n * d; i++)
            x[i] += h[i];
    }
    for (size_t i = 0; i < n && rc == TB_OK; i++) {
        ref_ln(x + i * d, m->lnf_g, m->lnf_b, d, h + i * d);
        for (size_t v = 0; v < m->V; v++) {
            double s = 0;
            for (size_t j = 0; j < d; j++)
                s += h[i * d + j] * (double)m->head[v * d + j];
            logits[i * m->V + v] = (float)s;
        }
    }
    free(x);
    free(h);
    free(qkv);
    free(att);
    free(fc);
    free(p);
    return rc;
}
