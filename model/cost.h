/* cost.h - the analytic cost model of the reference transformer
 * (model/transformer.h): FLOPs by component and bytes, for any dimensions.
 *
 * Convention (DESIGN.md, stated in every report): 2 FLOPs per multiply-add;
 * attention dense: QK^T and AV each 2 n T d per layer for n new tokens
 * against T cached positions (prefill from position 0: T = n, so 2 n^2 d;
 * no causal discount). Logits are computed at every position of a prefill
 * (the scoring/training forward); a decode step computes one row.
 *
 * FLOPs of a forward over n new tokens at positions p0..p0+n-1, T = p0 + n,
 * d model width, L layers, H heads, f = d_ff, V vocabulary:
 *   flops_embed    n d                         (position add; lookup is free)
 *   flops_qkvo     L (2 n d 3d + 2 n d d)      = 8 L n d^2
 *   flops_attn     L (2 n T d + 2 n T d)       = 4 L n T d
 *   flops_mlp      L (2 n d f + 2 n f d)       = 4 L n d f
 *   flops_lm_head  2 n d V
 *   flops_other    LayerNorm TF_FLOPS_LN per element, (2 L + 1) n d elements;
 *                  softmax TF_FLOPS_SOFTMAX per score, L H n T scores;
 *                  GELU TF_FLOPS_GELU per element, L n f elements;
 *                  bias adds 1 per element, L n (3d + d + f + d);
 *                  residual adds 1 per element, 2 L n d
 *   flops_total    the sum
 * The model counts exactly these for its elementwise work and 2 m n k for
 * every sgemm it calls; tests/test_model.c checks the two agree.
 *
 * Parameters (fp32, 4 bytes each):
 *   params_embed   V d (Wte) + context d (Wpe) + V d (Whead, untied only)
 *   params_layers  L (4 d^2 + 2 d f + 9 d + f) + 2 d (final LayerNorm);
 *                  with f = 4 d that is L (12 d^2 + 13 d) + 2 d
 * Memory at a sequence of n tokens (fp32):
 *   kv_cache       2 L n d floats
 *   activations    what a training forward keeps for backward:
 *                  L n (8 d + 2 f) + L H n^2 (attention probabilities)
 *                  + n d (final LN) + n V (logits) floats
 *                  (per layer: LN1 in/out, qkv (3 d), attention out, LN2
 *                  in/out, fc pre- and post-GELU (2 f))
 *   infer          params + kv_cache (weights plus the cache a decoder keeps
 *                  to generate token n + 1)
 *   train          16 bytes a parameter (weights, gradients, two Adam
 *                  moments) + activations
 * For the memory table the positions table is taken as max(context, n), as
 * for a model whose context was extended to n.
 *
 * Result metric names (bench/stage_model.c), split "test", unit in brackets:
 *   flops_embed flops_qkvo flops_attn flops_mlp flops_lm_head flops_other
 *   flops_total [FLOPs]: the test split, each segment one sequence chunked
 *       at the context; gemm_flops_share [ratio] (GEMM FLOPs / total)
 *   flops_total_vs_en [ratio]: flops_total / English's (same spec)
 *   bytes_params_embed bytes_params_layers [bytes];
 *   bytes_kv_cache [bytes]: the cache for every test token as one context;
 *   bytes_activations bytes_train [bytes]: at the longest chunk of the split
 *   bytes_kv_cache_{1k,8k,60k} bytes_activations_{..} bytes_infer_{..}
 *       bytes_train_{..} [bytes]: the memory table at 1,000, 8,000 and
 *       60,000 tokens
 *   ms_prefill [ms]: the split priced by the measured, fitted curve (see
 *       bench/stage_model.h); ms_prefill_{1,16,64,256,512,1024} [ms] the
 *       measured sweep (lengths <= context, and the context itself) with this
 *       vocabulary's LM head; ms_decode_token_{128,512,1023} [ms] one step
 *       at that cache length (capped at context - 1); gflops_achieved
 *       [GFLOP/s] and gemm_time_share [time_ratio] of the measured prefill at
 *       min(512, context) tokens; ms_prefill_vs_en [time_ratio]. The units
 *       GFLOP/s and time_ratio mark measured values (never compared exactly)
 *   model_chunks [sequences]: chunks of at most context tokens priced
 *   the same FLOPs and bytes rows with the suffix _7b_analytic (e.g.
 *       flops_total_7b_analytic, bytes_kv_cache_60k_7b_analytic) for the 7b
 *       preset with the priced vocabulary: analytic only, never run.
 *   vocab_priced [entries]: V of every row above (and of the ms rows' LM
 *       head): tokenizer_vocab_size, except for a code-space scheme (chars,
 *       vocab_size >= 0x110000) the distinct ids of the language's ALL split,
 *       at least 256 (bench/stage_model.h states the rule).
 *   doc_tokens_{8k,60k} [tokens], flops_doc_{8k,60k} [FLOPs],
 *       flops_doc_{8k,60k}_vs_en [ratio], and the flops rows with _<m> for
 *       the llama2-7b and qwen2-7b dims: one long document of the content of
 *       8,000 / 60,000 English tokens, n_l = round(N tokens_l / tokens_en)
 *       tokens, priced as ONE sequence (flops_total of tf_cost_forward(n_l,
 *       0, all logits), no chunking at the context; _<m>: roofline_flops,
 *       matmuls only). Only when English is in the run (bench/stage_model.h).
 */
#ifndef COST_H
#define COST_H

#include <stddef.h>

#include "transformer.h"

#define TF_FLOPS_LN 8       /* mean 1, centre 1, square-sum 2, scale 2, affine 2 */
#define TF_FLOPS_SOFTMAX 5  /* max 1, subtract 1, exp 1, sum 1, divide 1 */
#define TF_FLOPS_GELU 8     /* x^3, fma, scale, tanh, 1+, *x, *0.5 (tanh as 1) */

typedef struct tf_cost {
    double flops[TF_NPARTS];    /* by enum tf_part */
    double gemm_flops;          /* embed excluded: qkvo + attn + mlp + lm_head */
    double total;
} tf_cost;

/* FLOPs of n new tokens after p0 cached positions; logits for every new
 * position (all_logits) or the last only. */
void tf_cost_forward(const tf_config *cfg, size_t n, size_t p0, int all_logits, tf_cost *out);

typedef struct tf_mem {
    double params_embed;    /* bytes */
    double params_layers;   /* bytes */
    double kv_cache;        /* bytes */
    double activations;     /* bytes */
    double infer;           /* bytes */
    double train;           /* bytes */
} tf_mem;

/* Memory of the model at a sequence of n tokens (positions table max(context, n)). */
void tf_cost_memory(const tf_config *cfg, size_t n, tf_mem *out);

#endif
