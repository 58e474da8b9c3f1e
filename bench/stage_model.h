/* stage_model.h - the transformer-cost stage: turns the token streams of one
 * (corpus, language, tokenizer) into the model rows of DESIGN.md
 * ("Transformer cost"; names and formulas in model/cost.h), and the
 * `tokbench model --bench` measurements.
 *
 * What is analytic and what is measured:
 *   - FLOPs and bytes rows are exact analytic counts (model/cost.h) over the
 *     test split: each segment one sequence, split into chunks of the
 *     context length, each chunk a prefill from position 0 with logits at
 *     every position. Rows ending _7b_analytic use the 7b preset's dims
 *     with the priced vocabulary (below) and are never run.
 *   - ms rows are measured on the real model (model/transformer.h) and
 *     priced by a fitted curve, stated: once per stage, the vocabulary-free
 *     body (everything but the LM head) is timed at prefill lengths 1, 16,
 *     64, 256, 512, 1024 (those <= context) and at decode cache lengths 128,
 *     512, context-1: median of `repeats` runs (one warm-up prefill of 64
 *     tokens before the sweep, one warm-up step per cache length). Once per
 *     vocabulary size the LM head GEMM is timed on min(V, head_sample)
 *     columns (for 128 rows and for 1 row) and scaled linearly in V beyond
 *     that. A chunk of k tokens costs body(k) (piecewise-linear between the
 *     measured lengths) + k head_row(V) ms; ms_prefill is the sum over the
 *     chunks of the split. ms_decode_token_C = body_decode(C) + head_1(V).
 *   - gflops_achieved = analytic FLOPs of a prefill of min(512, context)
 *     tokens / (measured body + head time); gemm_time_share = time inside
 *     sgemm / that time; gemm_time_tokens = that prefill's length (tokens).
 * A sharded run (`tokbench run --shard K/N`, bench/partial_model.h) writes
 * no model rows: `tokbench merge` makes them with stage_model_rows_test from
 * the test split's segment lengths; its ms rows are priced over the merged
 * split with shard 0's curve and LM-head times (stage_model_set_curve,
 * stage_model_set_head), each shard having measured its own.
 * OpenBLAS runs with cfg->threads threads (default 1, for reproducible
 * timings on a shared machine), set with openblas_set_num_threads.
 *
 * The priced vocabulary (row vocab_priced [entries], split "test"): every
 * model row here (FLOPs, parameter bytes, memory, the _7b_analytic rows, the
 * long-document rows, the LM head of the ms rows) and the proj_* rows of a
 * run (bench/run.c passes it to stage_roofline_rows) use a model of V =
 *   tokenizer_vocab_size(t), for every scheme whose vocabulary is a real
 *       table. For bpe:N that is the entries its model has, not N: training
 *       stops when no pair repeats, and the model's size is what is priced
 *       (bpe:64k on udhr English has 933 entries, the vocab_size row, and
 *       933 is priced);
 *   max(256, distinct ids over the corpus's ALL split for that language),
 *       for a scheme whose vocabulary is the whole code space (chars:
 *       vocab_size >= 0x110000): the vocabulary a model of that text would
 *       need, not 1,114,112 rows of embedding and LM head nobody would build.
 * stage_model_vocab_priced computes it.
 *
 * Long documents (rows only when the English streams are given): the content
 * that takes N tokens in English with the same tokenizer spec takes
 *   n_l = max(1, round(N * tokens_l / tokens_en))
 * tokens in language l (tokens over the test split; round half away from
 * zero), N = 8,000 and 60,000:
 *   doc_tokens_8k doc_tokens_60k [tokens]  n_l
 *   flops_doc_8k flops_doc_60k [FLOPs]     one forward pass over ONE sequence
 *       of n_l tokens from position 0 on the preset's dims with V =
 *       vocab_priced: model/cost.h's flops_total (dense attention, logits at
 *       every position), ignoring the context limit (no chunking: the preset
 *       as if its context were extended to n_l), so attention's n^2 term is
 *       priced where it matters
 *   flops_doc_8k_vs_en flops_doc_60k_vs_en [ratio]  / English's (English's
 *       own vocab_priced)
 *   the same flops rows with the suffix _<m> for each model m of cfg->dims
 *       among llama2-7b, qwen2-7b (model/hardware.tsv): roofline_flops
 *       (matmul FLOPs only, GQA/SwiGLU as the dims say, logits at every
 *       position) with V = vocab_priced, e.g. flops_doc_60k_vs_en_qwen2-7b.
 *       No _<m> rows when cfg->dims is NULL (tokbench model). */
#ifndef STAGE_MODEL_H
#define STAGE_MODEL_H

#include <stddef.h>

#include "../common/tb.h"
#include "../corpora/corpus.h"
#include "../model/roofline.h"
#include "stage_metrics.h"
#include "../results/results.h"

typedef struct stage_model_config {
    const char *preset;             /* model preset (tiny, small, base); NULL: "small" */
    const char *const *overrides;   /* "key=value" settings (tf_config_set), or NULL */
    size_t n_overrides;
    int threads;                    /* OpenBLAS threads; <= 0: 1 */
    int repeats;                    /* timed runs per point after one warm-up; <= 0: 3 */
    int timing;                     /* 0: analytic rows only, no ms/GFLOP rows */
    size_t head_sample;             /* LM-head columns timed; 0: 32768 */
    const roofline *dims;           /* model dims of the flops_doc_*_<m> rows (llama2-7b,
                                       qwen2-7b); NULL: none. Borrowed: must outlive
                                       the stage; only its dims are read */
} stage_model_config;

typedef struct stage_model stage_model;

/* Checks the config (preset, overrides: TB_EUSAGE naming the bad one) and
 * sets the OpenBLAS thread count; measuring happens lazily on first use. */
int stage_model_new(const stage_model_config *cfg, stage_model **out, tb_error *err);
void stage_model_free(stage_model *sm);

/* Appends the model rows (split "test") for language li of c, tokenizer
 * tok_name, from ts (its vocab_size sizes the model). en: the English streams
 * with the same tokenizer spec, for the _vs_en ratio rows, or NULL. A split
 * without test tokens gets no rows. */
int stage_model_rows(stage_model *sm, const corpus *c, size_t li, const char *tok_name,
                     const token_streams *ts, const token_streams *en, results *r,
                     tb_error *err);

/* The test split of one (corpus, language, tokenizer) as the model stage
 * prices it: the token counts of its segments in corpus order (zero-token
 * segments included) and the priced vocabulary (below). Everything
 * stage_model_rows needs, so `tokbench merge` makes the same rows from a
 * shard partial's segment lines (bench/partial_model.h). */
typedef struct stage_model_test {
    const size_t *lens;
    size_t n_lens;
    size_t vocab_priced;
} stage_model_test;

/* stage_model_rows from the test split's lengths (ts; en: the pivot's with the
 * same tokenizer spec, or NULL). The rows of stage_model_rows, which calls it. */
int stage_model_rows_test(stage_model *sm, const char *cname, const char *lang,
                          const char *tok_name, const stage_model_test *ts,
                          const stage_model_test *en, results *r, tb_error *err);
/* The token counts of ts's test segments in corpus order: *lens malloc'd. */
int stage_model_test_lens(const corpus *c, const token_streams *ts, size_t **lens, size_t *n,
                          tb_error *err);

/* The timing curve of the ms rows (measured once per stage, above), for a
 * shard partial (bench/partial_model.h): a sharded run's merge prices the
 * merged split with ONE shard's curve. */
#define STAGE_MODEL_MAX_SWEEP 8
typedef struct stage_model_curve {
    size_t n_sweep;
    size_t sweep_n[STAGE_MODEL_MAX_SWEEP];  /* prefill lengths, ascending, the last = context */
    double sweep_ms[STAGE_MODEL_MAX_SWEEP]; /* body ms */
    size_t n_dec;
    size_t dec_pos[3];                      /* decode cache lengths, ascending */
    double dec_ms[3];
    size_t n_stat;                          /* min(512, context) */
    double stat_body_ms, stat_body_gemm_ms;
} stage_model_curve;
/* Measures the body (once) and the LM head of vocab (once per vocab) and
 * gives the curve and that head's per-row and one-row ms. */
int stage_model_measure(stage_model *sm, size_t vocab, stage_model_curve *curve, double *row_ms,
                        double *one_ms, tb_error *err);
/* Takes curve as the stage's measured body (TB_EINPUT when it is not one of
 * this preset: lengths, order) and turns the ms rows on. */
int stage_model_set_curve(stage_model *sm, const stage_model_curve *curve, tb_error *err);
/* Takes (row_ms, one_ms) as the measured head of vocab, replacing any. */
int stage_model_set_head(stage_model *sm, size_t vocab, double row_ms, double one_ms,
                         tb_error *err);

/* The priced vocabulary of ts (above): ts->vocab_size, or for a code-space
 * scheme (vocab_size >= STAGE_MODEL_CODE_SPACE) max(256, distinct ids over
 * all of ts's segments: the ALL split). TB_EINPUT when out of memory. */
#define STAGE_MODEL_CODE_SPACE ((size_t)0x110000)
int stage_model_vocab_priced(const token_streams *ts, size_t *out, tb_error *err);
/* n_l of the long-document rows: max(1, round(n_en * tokens_l / tokens_en)),
 * halves away from zero; 0 when tokens_en is 0. */
size_t stage_model_doc_tokens(size_t n_en, size_t tokens_l, size_t tokens_en);

/* ---- benchmark (tokbench model --bench, bench/bench_model.sh) ---------- */

#define STAGE_BENCH_POINTS 4

typedef struct stage_model_point {
    size_t n;               /* prefill tokens, or decode cache length */
    double ms;              /* median wall ms */
    double gemm_share;      /* time in sgemm / wall */
    double softmax_share, norm_act_share, embed_share, copy_share, head_share;
    double gflops;          /* analytic FLOPs / wall */
} stage_model_point;

typedef struct stage_model_bench_result {
    size_t vocab, params;
    int threads;
    /* prefill at n_check tokens against raw sgemm on the same shapes */
    size_t n_check;
    double prefill_ms;              /* median wall */
    double gemm_flops;              /* of one prefill */
    double model_gemm_gflops;       /* gemm_flops / prefill wall */
    double raw_gemm_gflops;         /* gemm_flops / sum of raw sgemm times, same shapes */
    double gemm_ratio;              /* model / raw (bar >= 0.85) */
    double nongemm_share;           /* (wall - sgemm time) / wall (bar <= 0.10) */
    stage_model_point prefill[STAGE_BENCH_POINTS];
    size_t n_prefill;
    /* decode against the bandwidth bound */
    double bandwidth_gbs;           /* streaming read, GB/s (1e9) */
    stage_model_point decode[STAGE_BENCH_POINTS];
    double decode_bytes[STAGE_BENCH_POINTS];    /* weights + KV read per step */
    double decode_bound_ms[STAGE_BENCH_POINTS]; /* bytes / bandwidth */
    double decode_sgemm_ms[STAGE_BENCH_POINTS]; /* the step with sgemm for one-row products */
    size_t n_decode;
} stage_model_bench_result;

/* Runs the benchmark on the configured preset with the given vocabulary. */
int stage_model_bench(const stage_model_config *cfg, size_t vocab, size_t n_check,
                      stage_model_bench_result *out, tb_error *err);

#endif
