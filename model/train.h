/* train.h - the reference trainer of the reference transformer
 * (model/transformer.h): forward with saved activations over a batch of B
 * sequences of T token ids, mean cross-entropy of the next ids, one
 * hand-written backward pass per layer, global-norm clipping and AdamW, fp32
 * on OpenBLAS, one thread of our own (OpenBLAS may use more).
 *
 * Weights. The trainer owns a tf_model (tf_new, initialised from its seed)
 * and trains its parameter block in place: the layout is tf_params's (Wte,
 * Wpe, per layer ln1 g,b, Wqkv, bqkv, Wo, bo, ln2 g,b, Wfc, bfc, Wpr, bpr,
 * lnf g,b, Whead when untied), so trn_model() is a tf model with the trained
 * weights (tf_prefill and tf_decode run on it; their KV cache is not
 * touched by training). Gradients and the Adam moments m, v use the same
 * layout; trn_tensors() names every tensor with its offset.
 *
 * Loss. logits (B, T, V); loss = mean over the B T positions of
 * -log softmax(logits)[target]; every position has a target (the next id).
 *
 * GEMM. Every matrix product is one cblas_sgemm call, row-major, named in
 * train.c with its transposes. A forward product Y (n, k) = X (n, d) W (d, k)
 * gives two backward products: dX = dY W^T (NoTrans, Trans) and
 * dW = X^T dY (Trans, NoTrans). Attention is dense per (sequence, head), as
 * in model/cost.h: S = Q K^T / sqrt(dh) over all T columns, the causal
 * softmax zeroes the future. So the backward GEMM FLOPs are exactly twice
 * the forward's.
 *
 * Optimizer (trn_config). Gradients are clipped by their global L2 norm g:
 * scale c = min(1, clip / (g + 1e-6)) (torch.nn.utils.clip_grad_norm_), then
 * AdamW (torch.optim.AdamW, decoupled): p -= lr wd p (matrices only),
 * m = b1 m + (1-b1) c grad, v = b2 v + (1-b2) (c grad)^2,
 * p -= (lr / (1 - b1^t)) m / (sqrt(v) / sqrt(1 - b2^t) + eps), t = updates
 * so far + 1. Weight decay applies to the matrices Wte, Wqkv, Wo, Wfc, Wpr,
 * Whead; never to biases, LayerNorm gains and shifts, or the positions Wpe.
 * Learning rate at step s (0-based): warm-up lr (s + 1) / warmup for s <
 * warmup, then cosine from lr to lr_min_frac lr over the steps warmup ..
 * decay_steps, then lr_min_frac lr.
 *
 * Divergence (trn_step). A loss or gradient norm that is NaN or infinite
 * stops with TB_EINPUT "train: step S: loss is nan"; a loss above
 * diverge_factor times the first step's loss at a step >= warmup stops with
 * "train: step S: loss X is above 3 x the first loss Y (diverged)". The
 * warm-up is exempt because a fresh model's loss can rise while the rate
 * ramps; 3 x a first loss near ln V is a loss no healthy run reaches (a
 * uniform guess is ln V, so 3 ln V means confident and wrong everywhere).
 *
 * Determinism. The initialisation comes from tf_config.seed, batches from
 * trn_sample (a function of data_seed and the step), every reduction runs
 * in a fixed order: with one OpenBLAS thread two runs give bit-identical
 * losses.
 *
 * Memory (trn_memory). Everything is allocated by trn_new and freed by
 * trn_free, so the peak is the total. Compared with model/cost.h's
 * bytes_train (tf_mem.train: 16 bytes a parameter + activations of ONE
 * sequence of n tokens), for a batch of B sequences of T <= context tokens:
 *   weights = grads = adam_m = adam_v = 4 tf_config_params bytes, each
 *     exactly the 4 bytes a parameter of tf_mem (params_embed +
 *     params_layers, positions table = context rows);
 *   activations = B tf_mem.activations(T) + TRN_ACT_EXTRA_FLOATS floats:
 *     the analytic count (per layer LN1 in/out, qkv, attention out, LN2
 *     in/out, fc pre/post GELU; attention probabilities; final LN; logits)
 *     plus what a backward pass also needs and the formula leaves out: the
 *     final LN's input as well as its output (n d), the mean and 1/std of
 *     every LayerNorm row (2 n (2 L + 1)) and the log-sum-exp of every
 *     logits row (n), n = B T;
 *   act_grads (not in the formula): backward scratch, dx, dtmp (also the
 *     forward's branch output), datty (n, d), dqkv (n, 3 d), dfc (n, f),
 *     one head's dscores (T, T); the logits' gradient reuses the logits;
 *   model_other (not in the formula): the tf_model's KV cache and scratch
 *     (tf_alloc_bytes minus the parameters), unused by training.
 *
 * Instrumentation (trn_stats): FLOPs 2 m n k per sgemm and the counted
 * elementwise work (the forward's are model/cost.h's counts plus
 * TRN_FLOPS_XENT_FWD per logit; backward and optimizer counts below), wall
 * seconds per phase (forward, backward, optimizer) split into GEMM and the
 * rest, and the distinct GEMM shapes with calls and seconds.
 * trn_cost_step gives the analytic FLOPs the counters must equal. */
#ifndef TRAIN_H
#define TRAIN_H

#include <stddef.h>
#include <stdint.h>

#include "../common/tb.h"
#include "transformer.h"

/* Counted elementwise work (FLOPs per element) beyond model/cost.h's. */
#define TRN_FLOPS_XENT_FWD 4    /* per logit: max, subtract, exp, sum */
#define TRN_FLOPS_XENT_BWD 3    /* per logit: subtract lse, exp, scale (minus one-hot) */
#define TRN_FLOPS_LN_BWD 10     /* per element: dnorm, two means, combine, add, dg, db */
#define TRN_FLOPS_GELU_BWD 14   /* per element: tanh as in the forward, derivative, product */
#define TRN_FLOPS_SOFTMAX_BWD 4 /* per dense score: dot with P, subtract, multiply */
#define TRN_FLOPS_ADAMW 14      /* per parameter: decay, two moments, sqrt, divide, step */
#define TRN_FLOPS_NORM 2        /* per parameter: square and add, for the global norm */
/* per bias gradient element of dY: 1 (column sums); embedding backward: 2
 * per element of (n, d) (token row add, position row add) */

/* Floats of activations beyond B tf_mem.activations(T) (see above). */
#define TRN_ACT_EXTRA_FLOATS(n, d, L) ((n) * (d) + 2 * (n) * (2 * (L) + 1) + (n))

typedef struct trn_config {
    size_t batch;           /* B: sequences per step, >= 1 */
    size_t seq;             /* T: positions per sequence, 1 .. context */
    double lr;              /* peak learning rate */
    double lr_min_frac;     /* the cosine's floor as a fraction of lr (0.1) */
    size_t warmup_steps;    /* linear warm-up steps (0: none) */
    size_t decay_steps;     /* the step at which the cosine reaches the floor (> warmup) */
    double beta1;           /* Adam first-moment decay (0.9) */
    double beta2;           /* Adam second-moment decay (0.95) */
    double eps;             /* Adam denominator epsilon (1e-8) */
    double weight_decay;    /* decoupled decay on matrices (0.1) */
    double grad_clip;       /* max global L2 norm of the gradient (1.0); 0: no clipping */
    double diverge_factor;  /* stop when a loss at step >= warmup exceeds this times the
                             * first step's loss (3.0); 0: never */
    uint64_t data_seed;     /* batch order of trn_sample */
} trn_config;

/* B 4, T 64, lr 3e-4, floor 0.1, warm-up 10 of 1000 steps, betas 0.9 /
 * 0.95, eps 1e-8, weight decay 0.1, clip 1.0, diverge 3.0, data seed 1. */
void trn_config_default(trn_config *c);

/* The learning rate of step s (0-based) under c's schedule. */
double trn_lr(const trn_config *c, size_t step);

/* Fills ids and targets (B, T) with B windows of T + 1 consecutive tokens of
 * tokens[0..n): ids the first T, targets the last T. Window starts are
 * uniform in [0, n - T - 1] from xoshiro256** seeded by splitmix64 of
 * (data_seed, step): a batch depends on nothing else. n must be > T:
 * TB_EINPUT otherwise. */
int trn_sample(const trn_config *c, const uint32_t *tokens, size_t n, size_t step, uint32_t *ids,
               uint32_t *targets, tb_error *err);

typedef struct trn trn;

/* Creates a model from mc (tf_new: memory check, initialisation from
 * mc->seed) and the trainer's buffers for tc. Errors: TB_EUSAGE for a bad
 * config (T outside 1..context, B 0, decay_steps <= warmup_steps, betas
 * outside [0, 1), a negative rate), TB_EINPUT when memory does not suffice
 * (tf_memory_check with the trainer's bytes as extra). */
int trn_new(const tf_config *mc, const trn_config *tc, trn **out, tb_error *err);
void trn_free(trn *t);

/* The model being trained (owned by the trainer; valid until trn_free). */
tf_model *trn_model(trn *t);
const trn_config *trn_get_config(const trn *t);

/* The parameter block (the model's, writable: tests set weights through it)
 * and the gradient block of the last trn_backward, *n floats each. */
float *trn_params(trn *t, size_t *n);
const float *trn_grads(const trn *t, size_t *n);

typedef struct trn_tensor {
    char name[32];          /* "wte", "wpe", "l0.ln1_g", ..., "lnf_b", "head" (untied) */
    size_t offset;          /* floats from the start of the block */
    size_t rows, cols;      /* shape; a vector has rows 1 */
    int decay;              /* 1: weight decay applies (a matrix other than Wpe) */
} trn_tensor;
/* Every parameter tensor in block order; *n of them. */
const trn_tensor *trn_tensors(const trn *t, size_t *n);

/* Forward over ids (B, T) with targets (B, T): saves the activations and
 * writes the mean loss. Errors: TB_EINPUT naming the (sequence, position)
 * of an id or target >= vocab. */
int trn_forward(trn *t, const uint32_t *ids, const uint32_t *targets, float *loss,
                tb_error *err);
/* The logits (B, T, V) of the last forward; overwritten by trn_backward. */
const float *trn_logits(const trn *t);
/* Gradients of the last forward's loss into the gradient block
 * (overwritten, not accumulated). Needs a forward first (TB_EUSAGE). */
int trn_backward(trn *t, tb_error *err);
/* Clips and applies one AdamW update at the schedule's rate for the
 * trainer's step counter, then advances it. *grad_norm (if not NULL): the
 * global norm before clipping. A NaN/inf norm: TB_EINPUT naming the step,
 * parameters untouched. */
int trn_update(trn *t, double *grad_norm, tb_error *err);

typedef struct trn_step_info {
    size_t step;            /* 0-based index of the step just done */
    float loss;             /* its forward's loss (before the update) */
    double grad_norm;       /* global norm before clipping */
    double lr;              /* rate applied */
} trn_step_info;
/* Forward, divergence check, backward, update. Errors as above and the
 * divergence stops of the header comment (TB_EINPUT naming the step). */
int trn_step(trn *t, const uint32_t *ids, const uint32_t *targets, trn_step_info *info,
             tb_error *err);
/* Updates done so far. */
size_t trn_steps_done(const trn *t);

/* Held-out evaluation of the current weights over a token stream
 * tokens[0..n), forward only (no gradient, no update, the step counter and
 * trn_stats untouched; the saved activations are overwritten). Every
 * position i in 1..n-1 is a target exactly once, predicted from the ids
 * before it in its window: windows of T + 1 ids start at 0, T, 2T, ...
 * (inputs ids[s..s+T), targets ids[s+1..s+T]) while s + T < n; when n - 1 is
 * not a multiple of T the r = (n - 1) mod T targets left are scored by one
 * more window ending at the stream's end (start n - 1 - T), counting only its
 * last r targets (their context is the full T positions before them, the
 * windows' first targets have less). Windows go B at a time through
 * trn_forward; a last batch short of B is padded with copies of its last
 * window, which are not counted. Per target: lse - logit[target] in double,
 * summed in stream order, so with one OpenBLAS thread it is bit-identical
 * run to run. n must be > T (TB_EINPUT otherwise). */
typedef struct trn_eval_result {
    double nats;            /* total -ln p(target) over the n - 1 targets */
    size_t targets;         /* n - 1 */
    size_t windows;         /* forward windows run (padding not counted) */
} trn_eval_result;
int trn_eval(trn *t, const uint32_t *tokens, size_t n, trn_eval_result *out, tb_error *err);

typedef struct trn_memory {
    size_t weights;         /* bytes of the parameter block */
    size_t grads;           /* bytes of the gradient block */
    size_t adam_m, adam_v;  /* bytes of each moment block */
    size_t activations;     /* bytes saved by the forward for the backward */
    size_t act_grads;       /* bytes of backward scratch */
    size_t model_other;     /* bytes of the tf_model's KV cache and scratch */
    size_t total;           /* the sum: the peak (all live from trn_new to trn_free) */
} trn_memory;
void trn_memory_get(const trn *t, trn_memory *out);

enum trn_phase { TRN_FWD = 0, TRN_BWD, TRN_OPT, TRN_NPHASES };
const char *trn_phase_name(int phase);  /* "forward", "backward", "optimizer" */

#define TRN_MAX_SHAPES 64

typedef struct trn_gemm_shape {
    int phase;              /* enum trn_phase */
    int trans_a, trans_b;   /* 1: that operand is used transposed */
    size_t m, n, k;         /* C (m, n) = op(A) (m, k) op(B) (k, n) */
    size_t calls;
    double seconds;         /* total wall time of those calls */
} trn_gemm_shape;

typedef struct trn_stats {
    double gemm_flops[TRN_NPHASES];  /* sum of 2 m n k */
    double elem_flops[TRN_NPHASES];  /* counted elementwise work */
    double gemm_s[TRN_NPHASES];      /* wall seconds inside sgemm */
    double other_s[TRN_NPHASES];     /* wall seconds of the phase outside sgemm */
    size_t gemm_calls;
    size_t n_shapes;
    trn_gemm_shape shapes[TRN_MAX_SHAPES]; /* distinct (phase, shape), first-call order */
} trn_stats;
void trn_stats_reset(trn *t);
const trn_stats *trn_stats_get(const trn *t);

/* The FLOPs one trn_step of (mc, tc) counts, by phase: forward GEMM = B x
 * tf_cost_forward(T, 0, all logits) GEMM; backward GEMM = 2 x forward's;
 * elementwise by the counts above. */
typedef struct trn_cost {
    double gemm_flops[TRN_NPHASES];
    double elem_flops[TRN_NPHASES];
} trn_cost;
void trn_cost_step(const tf_config *mc, const trn_config *tc, trn_cost *out);

#endif
