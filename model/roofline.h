/* roofline.h - roofline projections: what the token streams of a language
 * would cost on hardware tokbench does not run on (datasheet accelerator
 * profiles) and on model dimensions it never allocates (7B-class configs),
 * plus the training cost of a content budget. Every number here is a
 * projection, never a measurement; every result row is named proj_*.
 *
 * Inputs
 *   hardware profiles and model dimensions: a data file (model/hardware.tsv,
 *   format below) plus the built-in presets of model/transformer.h (tiny,
 *   small, base, 7b: GPT-style, dims from tf_preset), and the measured
 *   profile "this-machine" (roofline_measure / roofline_check +
 *   roofline_set_machine).
 *
 * FLOPs convention (model/cost.h, DESIGN.md): 2 FLOPs per multiply-add;
 * attention dense, QK^T and AV each 2 n T d per layer (no causal discount).
 * Where the LM head runs:
 *   logits at every position (the scoring/training forward, as the measured
 *     ms_prefill rows do): proj_ms_prefill_*, proj_train_* (3 x that
 *     forward), proj_check_ms_prefill_*, proj_err_prefill_*, roofline_prefill_ms;
 *   logits at the last position only (what a prompt needs to produce the
 *     next token: the head once, 2 d V): proj_ms_prompt_* (so it is
 *     2 (P - 1) d V FLOPs below a prefill of the same P tokens);
 *   one row: a decode step (proj_ms_decode_token_*, proj_*_decode_*).
 * Projections use
 * the matmul FLOPs only (projections, attention, MLP, LM head: what runs at
 * the matmul peak); elementwise work (norms, softmax, activations, < 3% of
 * the total) is left out. For n new tokens after p0 cached ones, T = p0 + n,
 * d model width, L layers, kvd = n_kv_heads * d / n_heads (d without GQA),
 * f = d_ff, V vocabulary, g = 2 (GELU MLP: up, down) or 3 (SwiGLU: gate, up,
 * down):
 *   qkvo    L (2 n d d + 2 n d 2 kvd + 2 n d d)
 *   attn    L (2 n T d + 2 n T d)
 *   mlp     L 2 g n d f
 *   lm_head 2 rows d V          (rows = n, or 1 for a decode step)
 * For GPT-style dims this is model/cost.h's gemm_flops exactly
 * (tests/test_roofline.c checks all four presets).
 *
 * Parameters: embedding V d (+ context d learned positions) (+ V d untied
 * head); a layer: 2 d d + 2 d kvd + g d f + norms (LayerNorm 2 d each,
 * RMSNorm d each, two a layer) + biases (all: d + 2 kvd + d + (g-1) f + d;
 * qkv: d + 2 kvd; none); final norm. For the presets this is
 * tf_config_params exactly.
 *
 * Formulas (hw: peak P FLOP/s, bandwidth B bytes/s, w bytes per weight and
 * KV element, board power W; E prefill efficiency, U training utilisation):
 *   prompt ms   = matmul FLOPs of one prefill of P = min(prompt_tokens,
 *                 context) tokens with logits at the last position only
 *                 (roofline_flops(m, P, 0, 0)) / (P_peak E) * 1e3.
 *   prefill ms  = sum over sequences, each chunked at the model context, of
 *                 matmul FLOPs (logits at every position) / (P E) * 1e3.
 *                 E = cfg.prefill_efficiency for datasheet profiles (an
 *                 assumption: the share of peak a tuned prefill reaches),
 *                 1 for the measured profile (its P is already an achieved
 *                 sgemm rate).
 *   decode ms   = max(bytes / B, FLOPs / P) * 1e3 for one token at cache
 *                 length C (a roofline bound: no efficiency factor);
 *                 bytes = w (weights a step reads: every layer, the final
 *                 norm, the V d head; the embedding row is negligible)
 *                 + w 2 L C kvd (the K and V cache read).
 *   train FLOPs = budget * 3 * sum over chunks of the prefill matmul FLOPs
 *                 (backward = 2 forward) = 6 N D + 12 L d sum n_i^2 over the
 *                 chunks * budget, N = matmul parameters (layer matrices +
 *                 the V d head; embedding lookup excluded), D = tokens *
 *                 budget. The attention term is dense, like the forward.
 *   train hours = train FLOPs / (P U) / 3600 (accelerator-hours, one device
 *                 or many: the product is the same)
 *   train kWh   = hours * W / 1000 (board power only; no host, no cooling)
 *   train USD   = hours * price per accelerator-hour (given by the user)
 *
 * Data file (model/hardware.tsv): UTF-8 text, one record a line, fields
 * separated by one TAB, '#' starts a comment line, blank lines skipped.
 *   hw  NAME PEAK_TFLOPS BW_GBS MEM_GB WATTS WBYTES SOURCE
 *       PEAK_TFLOPS dense matmul peak (no sparsity), 1e12 FLOP/s, or
 *       "measured"; BW_GBS memory bandwidth, 1e9 bytes/s, or "measured"
 *       (both or neither); MEM_GB device memory (1e9 bytes) or "-"; WATTS
 *       board power or "-"; WBYTES bytes per weight and KV element (2 for
 *       fp16/bf16, 4 for fp32); SOURCE free text naming where each figure
 *       comes from.
 *   model NAME VOCAB D_MODEL N_LAYERS N_HEADS N_KV_HEADS D_FF MLP NORM BIAS
 *         POSITIONS CONTEXT TIED SOURCE
 *       MLP gelu|swiglu; NORM layernorm|rmsnorm; BIAS all|qkv|none;
 *       POSITIONS learned|rope; TIED 0|1; integers decimal.
 * NAME: 1..31 of [a-z0-9.-] (no '_', so a metric name splits at '_');
 * unique across the file; a model may not reuse a preset name. Errors
 * (TB_EINPUT) name the file and line: "hardware file 'F': line 7: hw
 * 'rtx4090': PEAK_TFLOPS 'x' is not a number in 1e-6..1e7 or 'measured'".
 *
 * Result rows (stage_roofline_rows in bench/; split, corpus, lang, tokenizer from the
 * caller; <m> a model name, <hw> a profile name, neither contains '_'):
 *   proj_ms_prefill_<m>_<hw>        [ms]  the given sequences (the split)
 *   proj_ms_prompt_<m>_<hw>         [ms]  one prompt of cfg.prompt_tokens,
 *                                         logits at its last position only
 *   proj_ms_decode_token_<m>_<hw>   [ms]  one step at cache cfg.decode_cache
 *   proj_train_gpu_hours_<m>_<hw>   [h]   datasheet profiles only
 *   proj_train_kwh_<m>_<hw>         [kWh] datasheet profiles with WATTS
 *   proj_train_usd_<m>_<hw>         [USD] when a price applies
 *   proj_train_flops_<m>            [FLOPs] hardware-independent
 *   proj_params_<m>                 [parameters] with the priced vocabulary
 *   vocab_priced                    [entries] that vocabulary (written by
 *                                   bench/stage_roofline.c unless present)
 *   proj_train_tokens [tokens] (tokens * budget), proj_train_budget [ratio],
 *   proj_train_utilisation [ratio], proj_prefill_eff [ratio],
 *   proj_decode_cache [tokens], proj_prompt_tokens [tokens]: the parameters
 *   the rows above were computed with, so a report can state them.
 * The model dims take the caller's vocabulary (as the _7b_analytic rows of
 * model/cost.h do): the question is what this tokenizer costs in a model of
 * these dims. In a run that is the priced vocabulary of bench/stage_model.h
 * (tokenizer_vocab_size, except the code-space scheme chars: the distinct
 * ids of the language's ALL split, at least 256); `tokbench project` passes
 * tokenizer_vocab_size. Rows on datasheet profiles are deterministic; rows on the
 * measured profile carry timing units (ms) and vary by run.
 *
 * Check rows (stage_roofline_check_rows): proj_machine_sgemm_gflops [GFLOP/s],
 * proj_machine_bandwidth_mb_per_s [MB/s], proj_check_ms_prefill_measured,
 * proj_check_ms_prefill_projected, proj_check_ms_decode_measured,
 * proj_check_ms_decode_projected [ms], proj_err_prefill_<preset>_this-machine
 * and proj_err_decode_<preset>_this-machine [time_ratio] = projected /
 * measured - 1 (negative: the projection is faster than the real run).
 *
 * Nothing here prints or exits; the measuring functions run OpenBLAS with
 * the caller's thread count (openblas_set_num_threads). */
#ifndef ROOFLINE_H
#define ROOFLINE_H

#include <stddef.h>

#include "../common/tb.h"

#define ROOFLINE_NAME_MAX 32        /* names are 1..31 bytes */
#define ROOFLINE_SOURCE_MAX 512
#define ROOFLINE_MAX_HW 64          /* records of each kind in a file */
#define ROOFLINE_MAX_MODELS 64
#define ROOFLINE_MACHINE "this-machine"

/* A hardware profile (a value: callers may build one for the formulas). */
typedef struct roofline_hw {
    char name[ROOFLINE_NAME_MAX];
    int measured;           /* 1: peak and bw come from roofline_set_machine */
    double peak_flops;      /* dense matmul FLOP/s (0 until measured) */
    double bw_bytes;        /* memory bandwidth, bytes/s (0 until measured) */
    double mem_bytes;       /* device memory, bytes; 0 unknown */
    double watts;           /* board power, W; 0 unknown */
    double wbytes;          /* bytes per weight and per KV element */
    char source[ROOFLINE_SOURCE_MAX];
} roofline_hw;

enum roofline_mlp { ROOFLINE_GELU = 0, ROOFLINE_SWIGLU };
enum roofline_norm { ROOFLINE_LAYERNORM = 0, ROOFLINE_RMSNORM };
enum roofline_bias { ROOFLINE_BIAS_ALL = 0, ROOFLINE_BIAS_QKV, ROOFLINE_BIAS_NONE };
enum roofline_pos { ROOFLINE_LEARNED = 0, ROOFLINE_ROPE };

/* Model dimensions (a value). */
typedef struct roofline_dims {
    char name[ROOFLINE_NAME_MAX];
    size_t vocab;           /* |V| (published; rows replace it by the tokenizer's) */
    size_t d_model;         /* d */
    size_t n_layers;        /* L */
    size_t n_heads;         /* H; divides d */
    size_t n_kv_heads;      /* K and V heads (GQA); divides H; = H without GQA */
    size_t d_ff;            /* f: MLP hidden width (per matrix for SwiGLU) */
    size_t context;         /* positions; prefill chunks sequences at this length */
    int mlp;                /* enum roofline_mlp */
    int norm;               /* enum roofline_norm */
    int bias;               /* enum roofline_bias */
    int positions;          /* enum roofline_pos */
    int tied;               /* 1: the head is the embedding (no separate weight) */
    int preset;             /* 1: from tf_preset, not from the file */
    char source[ROOFLINE_SOURCE_MAX];
} roofline_dims;

/* ---- loading -------------------------------------------------------------- */

/* Profiles + dims. Immutable except roofline_set_machine: after that, every
 * const function (pairs, project, rows) may run from several threads. */
typedef struct roofline roofline;

/* Reads and parses the data file at path (errors name it and the line). */
int roofline_new(const char *path, roofline **out, tb_error *err);
/* Parses text[0..len) (need not be NUL-terminated; NUL bytes are an error);
 * name labels the messages. The presets are appended after the file's models. */
int roofline_parse(const char *text, size_t len, const char *name, roofline **out,
                   tb_error *err);
void roofline_free(roofline *rf);

size_t roofline_n_hw(const roofline *rf);
const roofline_hw *roofline_hw_at(const roofline *rf, size_t i);    /* file order */
const roofline_hw *roofline_find_hw(const roofline *rf, const char *name); /* or NULL */
size_t roofline_n_models(const roofline *rf);
const roofline_dims *roofline_model_at(const roofline *rf, size_t i); /* file, then presets */
const roofline_dims *roofline_find_model(const roofline *rf, const char *name);
/* "a, b, c": the names, for usage messages. */
void roofline_hw_names(const roofline *rf, char *buf, size_t cap);
void roofline_model_names(const roofline *rf, char *buf, size_t cap);

/* ---- this machine ----------------------------------------------------------- */

typedef struct roofline_machine {
    double sgemm_gflops;    /* fp32 cblas_sgemm C = A B, 1024^3: median of the timed runs */
    double bandwidth_gbs;   /* streaming read of 256 MiB, 1e9 bytes/s: best of 3 passes */
    int threads;            /* OpenBLAS threads during the measurement */
    int cpu_clock;          /* 1: timed by the thread's CPU clock, 0: wall clock */
} roofline_machine;

/* Clock: with one OpenBLAS thread every measurement here (and in
 * roofline_check_run) is timed by the calling thread's CPU clock, so the load
 * other processes (or other threads) put on a shared machine counts against
 * neither the measured rate nor the measured model (on 2 shared cores the wall-clock sgemm rate
 * swung 16-31 GFLOP/s between consecutive calls while the CPU-clock rate
 * stayed within 5%); with more threads, by the wall clock.
 * About half a second: one warm-up and 3 timed sgemm calls, then the read. */
int roofline_measure(roofline_machine *out, tb_error *err);

/* Streaming read bandwidth, GB/s (1e9 bytes/s): best of 3 timed passes over
 * 256 MiB after one untimed pass; timed by the thread's CPU clock when
 * cpu_clock, else the wall clock (tb_now). The read loop is left
 * uninstrumented in sanitized builds. Also the bound of `tokbench model
 * --bench` (bench/stage_model.c). */
int roofline_read_bandwidth(double *gbs, int cpu_clock, tb_error *err);
/* Fills the "this-machine" profile from m (peak = sgemm, bandwidth = read):
 * the file's record when it has one (keeping its WBYTES, MEM_GB, WATTS),
 * else a new profile with WBYTES 4 (the reference model runs fp32). */
int roofline_set_machine(roofline *rf, const roofline_machine *m, tb_error *err);

/* ---- formulas (tests check them by hand) ------------------------------------ */

/* Matmul FLOPs of n new tokens after p0 cached positions; logits for every
 * new position (all_logits) or the last only. */
double roofline_flops(const roofline_dims *m, size_t n, size_t p0, int all_logits);
/* All parameters (embedding, positions, head, layers, norms, biases). */
double roofline_params(const roofline_dims *m);
/* Parameters that take part in a matmul for each token: layer matrices + the
 * V d head (N of 6 N D). */
double roofline_matmul_params(const roofline_dims *m);
/* Bytes one decode step reads at cache length C (weights + KV cache). */
double roofline_decode_bytes(const roofline_dims *m, const roofline_hw *hw, size_t cache);
/* Numbers in the KV cache of cache positions: 2 (K and V) x L x cache x
 * (d / H x K heads), so GQA dims hold H / K times fewer than MHA ones. */
double roofline_kv_elements(const roofline_dims *m, size_t cache);
/* ms of one prefill of n <= context tokens at efficiency eff (0 < eff <= 1). */
double roofline_prefill_ms(const roofline_dims *m, const roofline_hw *hw, size_t n, double eff);
/* ms of one decode step at cache length C: max(bytes / B, FLOPs / P);
 * *compute_bound (may be NULL) = 1 when the FLOPs term wins. */
double roofline_decode_ms(const roofline_dims *m, const roofline_hw *hw, size_t cache,
                          int *compute_bound);

/* ---- projections and rows ---------------------------------------------------- */

typedef struct roofline_config {
    const char *const *hw;      /* profile names; NULL/0: every datasheet profile */
    size_t n_hw;
    const char *const *models;  /* model names; NULL/0: every model of the file */
    size_t n_models;
    const char *machine_model;  /* also projected on "this-machine" once it is set;
                                   NULL: "small"; "": none */
    double prefill_efficiency;  /* share of a datasheet peak a prefill reaches; <= 0: 0.5 */
    double utilisation;         /* training model-FLOPs utilisation; <= 0: 0.4 */
    double budget;              /* content multiplier for training (D = tokens x budget);
                                   <= 0: 1000 */
    size_t decode_cache;        /* cache length of the decode rows; 0: 512
                                   (capped at context - 1 per model) */
    size_t prompt_tokens;       /* prompt rows; 0: 2048 (capped at context per model) */
    const char *const *prices;  /* "USD" (every profile) or "NAME=USD", USD per
                                   accelerator-hour; later entries win; none: no USD rows */
    size_t n_prices;
} roofline_config;

/* One (model, profile) projection of a set of sequences. */
typedef struct roofline_proj {
    double tokens;              /* sum of the sequence lengths */
    double prefill_flops;       /* matmul FLOPs, chunked at context, logits everywhere */
    double prefill_ms;
    size_t prompt_tokens;       /* after the cap */
    double prompt_flops;        /* matmul FLOPs of the prompt, logits at the last position */
    double prompt_ms;
    size_t decode_cache;        /* after the cap */
    double decode_flops, decode_bytes, decode_ms;
    int decode_compute_bound;
    double params;              /* roofline_params */
    double weight_bytes;        /* params x wbytes: does it fit mem_bytes? */
    double train_tokens;        /* tokens x budget */
    double train_flops;
    double train_hours;         /* < 0: not projected (the measured profile) */
    double train_kwh;           /* < 0: no board power */
    double train_usd;           /* < 0: no price */
} roofline_proj;

/* Checks cfg (ranges, price syntax, known names: TB_EUSAGE naming the bad
 * value and listing the known names). */
int roofline_config_check(const roofline *rf, const roofline_config *cfg, tb_error *err);

/* The (model, profile) pairs cfg selects, in row order: models x profiles
 * (models outer; a name given twice counts once), then (machine_model,
 * this-machine) when the machine is set and the product does not hold it.
 * The measured profile is skipped until roofline_set_machine. Fills up to
 * cap pairs and returns how many there are (models/hws may be NULL when cap
 * is 0). */
size_t roofline_pairs(const roofline *rf, const roofline_config *cfg, const roofline_dims **models,
                      const roofline_hw **hws, size_t cap);

/* Projects lens[0..n_seqs) (tokens per sequence; 0-length ones are skipped)
 * on model m (vocab: the tokenizer's, or 0 for m's own) and profile hw. */
int roofline_project(const roofline_dims *m, size_t vocab, const roofline_hw *hw,
                     const roofline_config *cfg, const size_t *lens, size_t n_seqs,
                     roofline_proj *out, tb_error *err);

/* The parameters a projection uses: cfg's values, defaults where cfg leaves
 * 0 (the proj_train_budget ... proj_prompt_tokens rows state them). */
typedef struct roofline_settings {
    double eff;             /* prefill efficiency, fraction of peak */
    double util;            /* training utilisation, fraction of peak */
    double budget;          /* training tokens per projected token (ratio) */
    size_t cache;           /* decode cache, tokens */
    size_t prompt;          /* prompt, tokens */
} roofline_settings;
void roofline_resolve(const roofline_config *cfg, roofline_settings *out);

/* ---- validation on this machine ---------------------------------------------- */

typedef struct roofline_check {
    char preset[ROOFLINE_NAME_MAX];
    size_t n;                   /* prefill tokens */
    size_t vocab;
    size_t cache;               /* decode cache length */
    int repeats;
    roofline_machine machine;   /* measured interleaved with the prefills */
    double prefill_flops;       /* matmul FLOPs of the prefill (logits everywhere) */
    double prefill_ms_measured; /* median of tf_prefill (machine.cpu_clock says which clock) */
    double prefill_ms_projected;/* prefill_flops / sgemm rate */
    double prefill_err;         /* projected / measured - 1 */
    double decode_bytes;
    double decode_ms_measured;  /* median of tf_decode at position cache */
    double decode_ms_projected;
    double decode_err;
} roofline_check;

/* Runs the reference transformer (preset, vocab; n <= context, cache <= n
 * and < context) in this process and compares it with the projection on the
 * measured profile: one warm-up, then `repeats` rounds of (one 1024^3 sgemm,
 * one prefill of n tokens), interleaved so drifting load on a shared machine
 * hits both sides; medians. Then the read bandwidth and `repeats` + 2 decode
 * steps at position cache. The small preset at n 512, vocab 8192, 3 repeats
 * takes about 5 s on one core. out->machine can go to roofline_set_machine. */
int roofline_check_run(const char *preset, size_t vocab, size_t n, size_t cache, int repeats,
                       roofline_check *out, tb_error *err);
#endif
