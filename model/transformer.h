/* transformer.h - the reference transformer: a GPT-style pre-LayerNorm
 * decoder run for real on OpenBLAS, fp32, with a KV cache.
 *
 * Architecture (per layer, x the (n, d) residual stream):
 *   h = LN1(x); qkv = h Wqkv + bqkv; per head: S = Q K^T / sqrt(dh), causal
 *   softmax, O = S V; x += O Wo + bo; h = LN2(x); x += GELU(h Wfc + bfc) Wpr + bpr
 * then LNf and logits = h Whead^T (Whead = Wte when tied). GELU is the tanh
 * approximation; LayerNorm eps = 1e-5. Learned positions Wpe (context, d).
 *
 * GEMM: every projection, QK^T and AV is one cblas_sgemm call (row-major);
 * a one-row product (a decode step) by default (tf_set_gemv) is cblas_sgemv
 * for the projections, two vectorised loops per head for QK^T and AV, and
 * for the LM head a row-at-a-time AVX2 loop when the CPU has AVX2 and FMA
 * (sgemv otherwise): both stream their operand closer to the read bandwidth
 * than sgemv on these shapes. Weights and KV cache are on transparent huge
 * pages where the kernel grants them (tf_alloc_stream).
 * Attention runs per head, strided: Q_h is read in place from the (n, 3d) qkv
 * buffer with lda = 3d, K_h and V_h from the per-head cache (ld = dh), and O_h
 * is written in place into the (n, d) attention output with ldc = d. The
 * scale 1/sqrt(dh) rides on sgemm's alpha. Biases are pre-filled into the
 * output and accumulated with beta = 1. Attention is computed dense: QK^T
 * covers every cached column, the causal mask zeroes the future after it.
 *
 * Initialisation (no training here): weights N(0, 0.02) (output projections
 * Wo, Wpr: 0.02/sqrt(2 L)), biases N(0, 0.02), LayerNorm gains 1 + N(0, 0.02)
 * and shifts N(0, 0.02) - small non-zero values so tests exercise every
 * term. Normals come from xoshiro256** seeded by splitmix64(seed) through
 * Box-Muller, filled in a fixed order, so a seed gives bit-identical weights.
 *
 * Instrumentation: every call is counted in tf_stats (FLOPs of each sgemm as
 * 2 m n k, elementwise work by the counts of model/cost.h, wall time per
 * component). A model is not thread-safe (the cache and scratch are inside). */
#ifndef TRANSFORMER_H
#define TRANSFORMER_H

#include <stddef.h>
#include <stdint.h>

#include "../common/tb.h"

typedef struct tf_config {
    size_t vocab;       /* |V|: the tokenizer's priced vocabulary (bench/stage_model.h) */
    size_t d_model;     /* d, residual width */
    size_t n_layers;    /* L */
    size_t n_heads;     /* H; d_model % n_heads == 0, dh = d / H */
    size_t context;     /* positions (rows of Wpe, KV cache length) */
    size_t d_ff;        /* MLP hidden width; 4 d in every preset */
    int tied;           /* 1: output head is Wte^T (no separate weight) */
    uint64_t seed;      /* initialisation seed */
} tf_config;

/* Presets: tiny (d 64, 2 layers, 4 heads, context 64: tests), small (d 512,
 * 8 layers, 8 heads, context 1024: the default), base (d 768, 12 layers, 12
 * heads, context 1024), and 7b (d 4096, 32 layers, 32 heads, context 4096,
 * untied: analytic rows; tf_new refuses it where it does not fit in memory,
 * tf_memory_check). d_ff = 4 d, tied
 * except 7b, seed 1; vocab is left 0 for the caller. Unknown name: TB_EUSAGE
 * listing the presets. */
int tf_preset(const char *name, tf_config *cfg, tb_error *err);
/* Applies "key=value" (keys: d_model n_layers n_heads context d_ff tied seed
 * vocab); bad key or value: TB_EUSAGE naming it. */
int tf_config_set(tf_config *cfg, const char *key_value, tb_error *err);
/* Checks ranges: every size >= 1, H divides d, tied in {0,1}, and that the
 * parameter count fits in memory arithmetic (< 2^40 floats). */
int tf_config_check(const tf_config *cfg, tb_error *err);
/* Parameters: V d (+ V d untied) + context d + L (4 d^2 + 2 d f + 9 d + f)
 * + 2 d (model/cost.h). */
size_t tf_config_params(const tf_config *cfg);

/* Bytes tf_new allocates for cfg (fp32): the parameters, the KV cache
 * (2 L context d floats) and the scratch of context rows (x, h, attention
 * out: d each; qkv: 3 d; fc: d_ff; scores: context). */
double tf_alloc_bytes(const tf_config *cfg);
/* The environment variable that states the memory available, in GB (1e9
 * bytes), instead of /proc/meminfo: to refuse earlier, or to run anyway. */
#define TF_MEM_ENV "TOKBENCH_MEM_AVAILABLE_GB"
/* Refuses, before anything is allocated, a model that does not fit:
 * TB_EINPUT "d_model D, N layers, context C, vocab V: needs X GB
 * (weights, KV cache, scratch), Y GB available (...)" when
 * tf_alloc_bytes(cfg) + extra_bytes exceeds what is available: $TF_MEM_ENV
 * when set (TB_EUSAGE if it is not a number >= 0), else MemAvailable of
 * /proc/meminfo, else sysconf(_SC_AVPHYS_PAGES) pages. */
int tf_memory_check(const tf_config *cfg, double extra_bytes, tb_error *err);

/* Components, for FLOPs and time. */
enum tf_part {
    TF_EMBED = 0,   /* token lookup + position add */
    TF_QKVO,        /* Wqkv and Wo projections */
    TF_ATTN,        /* QK^T and AV */
    TF_MLP,         /* Wfc and Wpr */
    TF_LM_HEAD,     /* logits */
    TF_OTHER,       /* LayerNorm, softmax, GELU, bias and residual adds */
    TF_NPARTS
};
const char *tf_part_name(int part);   /* "embed", "qkvo", ... */

#define TF_MAX_SHAPES 64

typedef struct tf_gemm_shape {
    int trans_b;            /* 1: B is used transposed (QK^T, tied head) */
    size_t m, n, k;         /* C (m, n) = A (m, k) B (k, n) */
    size_t calls;           /* times this shape was called */
    double seconds;         /* total wall time in those calls */
} tf_gemm_shape;

typedef struct tf_stats {
    double gemm_flops[TF_NPARTS];   /* sum of 2 m n k over sgemm calls, per part */
    double elem_flops[TF_NPARTS];   /* counted elementwise work (model/cost.h counts) */
    double gemm_s[TF_NPARTS];       /* wall seconds inside sgemm, per part */
    double softmax_s;               /* mask + softmax */
    double norm_act_s;              /* LayerNorm, GELU, residual adds, bias fills */
    double embed_s;                 /* token lookup + position add */
    double copy_s;                  /* KV cache writes */
    double total_s;                 /* wall seconds of the whole calls */
    size_t gemm_calls;
    size_t n_shapes;
    tf_gemm_shape shapes[TF_MAX_SHAPES]; /* distinct shapes, in first-call order */
} tf_stats;

typedef struct tf_model tf_model;

/* Zeroed memory for a block that is streamed (the weights, the KV cache, the
 * bandwidth probe of model/roofline.h), freed with free(): blocks of 2 MB or
 * more are 2 MB-aligned and advised MADV_HUGEPAGE (transparent huge pages are
 * "madvise" on many systems). A decode step streams every weight once; on
 * 4 KB pages that is a TLB miss every 4 KB, a nested page walk under
 * virtualisation. NULL and a TB_EINPUT message in err when out of memory. */
void *tf_alloc_stream(size_t bytes, tb_error *err);

/* Allocates weights (one block, see tf_params), the KV cache (L, H,
 * context, dh) for K and V, and scratch for context rows; initialises
 * from cfg->seed. Checks tf_memory_check(cfg, 0) first. */
int tf_new(const tf_config *cfg, tf_model **out, tb_error *err);
void tf_free(tf_model *m);
const tf_config *tf_model_config(const tf_model *m);

/* Every weight, in one allocation of *n floats (the parameter bytes are
 * 4 * *n): Wte, Wpe, per layer (ln1 g,b, Wqkv (d,3d), bqkv, Wo (d,d), bo,
 * ln2 g,b, Wfc (d,dff), bfc, Wpr (dff,d), bpr), lnf g,b, Whead (V,d) when
 * untied. */
const float *tf_params(const tf_model *m, size_t *n);
/* The same block, writable: for the trainer (model/train.h), which updates
 * the weights in place. */
float *tf_params_mut(tf_model *m, size_t *n);
/* Bytes of the KV cache allocation. */
size_t tf_kv_bytes(const tf_model *m);

/* Prefill: runs ids[0..n) at positions 0..n-1 (1 <= n <= context, ids <
 * vocab), fills the KV cache for those positions, and writes logits: (n, V)
 * when all_logits, else (1, V) for the last position. Errors: TB_EINPUT
 * naming the position of a bad id or a bad n. */
int tf_prefill(tf_model *m, const uint32_t *ids, size_t n, int all_logits, float *logits,
               tb_error *err);
/* One decode step: token id at position pos (1 <= pos < context), attending
 * to the cache of positions 0..pos-1 (which must have been filled by a
 * prefill of at least pos tokens or by earlier decodes); writes (1, V)
 * logits and the cache row pos. */
int tf_decode(tf_model *m, uint32_t id, size_t pos, float *logits, tb_error *err);
/* How many cache positions are valid. */
size_t tf_cache_len(const tf_model *m);

/* The same forward as tf_prefill (all logits) by naive loops in double
 * precision, no BLAS, no cache: the test reference. */
int tf_reference_forward(const tf_model *m, const uint32_t *ids, size_t n, float *logits,
                         tb_error *err);

/* on = 1 (the default): one-row products (decode steps) take the
 * matrix-vector forms above (cblas_sgemv, the attention loops, the head
 * loop; OpenBLAS 0.3.21 sgemm packs the whole weight matrix even for one
 * row); 0: always cblas_sgemm. Counted and timed as GEMM either way, with
 * the shapes and FLOPs of the sgemm calls they replace. */
void tf_set_gemv(tf_model *m, int on);

/* Instrumentation since the last reset. */
void tf_stats_reset(tf_model *m);
const tf_stats *tf_stats_get(const tf_model *m);

#endif
