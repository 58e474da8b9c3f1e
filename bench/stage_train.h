/* stage_train.h - measured training: the reference trainer (model/train.h)
 * run on the train split of one (corpus, language, tokenizer), evaluated on
 * the test split at checkpoints, written as train_* rows. `tokbench train`
 * runs it for the languages and specs it is given; `tokbench run` for the
 * specs of a suite's training list (run_config.train_specs).
 *
 * Streams. Each split's segments, each encoded alone, joined in corpus order
 * as SEP s1 SEP s2 ... sN SEP: SEP is a reserved id, so no target is a
 * segment's first token predicted from the end of the segment before.
 *
 * Vocabulary (every scheme alike): the ids the language's train and test
 * streams use, renumbered 0..U-1 in id order, plus SEP = U (train_vocab =
 * U + 1). A production vocabulary of 100k-200k entries would otherwise make
 * the output layer of a small model most of its cost and memory while most
 * rows of it are never a target; renumbering prices the ids the text needs,
 * for every tokenizer the same way. The full vocabulary's cost is stated
 * beside it (train_vocab_full, train_flops_full_vocab,
 * train_bytes_analytic_full_vocab: the same steps with V = the tokenizer's
 * vocabulary + SEP, from trn_cost_step and model/cost.h), except for a
 * code-space scheme (chars), whose "vocabulary" is all of Unicode.
 *
 * Budget: a number of steps, of FLOPs (steps = floor(budget / the analytic
 * FLOPs of one step, trn_cost_step, which the counters equal), of tokens
 * seen (ceil(N / (B T))) or of passes over the train stream (epochs: ceil(E
 * (n - 1) / (B T))). Equal FLOPs and equal passes are the two comparisons of
 * the report. Warm-up: the configured steps, else steps / 20; the cosine
 * reaches its floor at the last step.
 *
 * Evaluation at `checkpoints` points (step 1, then evenly spaced, and the
 * last step) over the evaluation set: the first test segments in corpus
 * order whose English bytes (the language's own without English) stay
 * within eval_bytes (0: the whole test split), the same segments for every
 * language and tokenizer of a corpus, so the content measured is the same.
 * bits_per_en_byte = total bits / the English bytes of those segments.
 *
 * A bits-per-English-byte target gives train_flops_to_target and
 * train_s_to_target: linear interpolation between the two checkpoints whose
 * test bits per English byte first cross it (the first checkpoint when step
 * 1 is already there); no row when the run never reaches it. The suites'
 * target is the English run's final value with the same tokenizer
 * (target_self for English, then that value for the other languages): the
 * compute another language needs to learn the same content as well as
 * English does with the budget.
 *
 * On paper, with profiles (cfg->rf): the same windows (steps x B of T
 * tokens) and the tokenizer's full vocabulary on the 7B-class dims
 * STAGE_TRAIN_PROJ_MODELS: train_proj_flops_<m> (3 x the prefill matmul
 * FLOPs with logits everywhere, model/roofline.h) and, per datasheet
 * profile, train_proj_gpu_hours_<m>_<hw> at the roofline's default
 * utilisation: what this run's tokens would cost a 7B model, an
 * extrapolation of the count, not a measurement (nothing says a 7B model
 * would reach the same loss from them). */
#define STAGE_TRAIN_PROJ_MODELS {"llama2-7b", "qwen2-7b"}
#ifndef STAGE_TRAIN_H
#define STAGE_TRAIN_H

#include <stddef.h>
#include <stdint.h>

#include "../common/tb.h"
#include "../model/roofline.h"
#include "../model/train.h"
#include "../model/transformer.h"
#include "../results/results.h"
#include "stage_metrics.h"

struct corpus;
struct tokenizer;

enum stage_train_budget {
    STAGE_TRAIN_STEPS,
    STAGE_TRAIN_FLOPS,
    STAGE_TRAIN_TOKENS,
    STAGE_TRAIN_EPOCHS,
};

/* The label of the equal-content regime in a suite (train_content_*). */
#define STAGE_TRAIN_CONTENT_LABEL "content"

/* One checkpoint, for a caller that prints (the stage never does). */
typedef struct stage_train_point {
    size_t step, steps;     /* 1-based step done, of steps */
    double loss;            /* that step's loss */
    double mean;            /* mean step loss since the previous checkpoint */
    double test_loss;       /* nats per evaluated target */
    double bits_per_en_byte;/* 0 without English */
    double lr, grad_norm;
    double flops;           /* counted so far */
    double seconds;         /* step wall time so far (evaluation excluded) */
} stage_train_point;

/* What the stage knows before the first step, for the same caller. */
typedef struct stage_train_plan {
    size_t train_tokens, test_tokens;   /* stream lengths with separators */
    size_t train_segments, eval_segments, test_segments;
    double eval_en_bytes;
    size_t vocab, vocab_full;           /* vocab_full 0: code-space scheme */
    size_t steps, warmup;
    double flops_per_step;
    const tf_config *model;
    const trn_config *tc;
} stage_train_plan;

typedef struct stage_train_config {
    tf_config model;                /* vocab is set per run */
    trn_config tc;                  /* batch, seq, lr, data seed; warmup_steps is used when
                                       warmup_set, decay_steps is set per run */
    int warmup_set;
    int no_timing;                  /* 1: no timing rows (train_s, train_curve_s@, ...) */
    const char *label;              /* NULL or "": rows train_NAME; else train_LABEL_NAME
                                       (a second regime in one results table, e.g.
                                       STAGE_TRAIN_CONTENT_LABEL) */
    enum stage_train_budget kind;
    double budget;                  /* steps, FLOPs, tokens or epochs */
    size_t checkpoints;             /* evaluation points, >= 1 (the last step always) */
    size_t every;                   /* > 0: a checkpoint every this many steps instead */
    double eval_bytes;              /* English bytes of the evaluation set; 0: all */
    double target;                  /* bits per English byte target; 0: none */
    int target_en;                  /* 1: the target of a language is English's final value
                                       with the same tokenizer (callers train English first
                                       with target_self, then pass its value as target) */
    int target_self;                /* 1: the target is the run's own final value (English
                                       in the suites, whose final value is then the target of
                                       the other languages: stage_train_result) */
    const roofline *rf;             /* hardware profiles for the 7B projection rows, or NULL */
    void (*on_plan)(void *ud, const stage_train_plan *p);
    void (*on_point)(void *ud, const stage_train_point *p);
    /* after the last step: the trainer's memory, the steps' seconds, steps, tokens seen */
    void (*on_done)(void *ud, const trn_memory *m, double seconds, size_t steps, size_t tokens);
    void *ud;
} stage_train_config;

/* Defaults: model tiny, batch 4, seq 64, lr 1e-3, 200 steps, 10 checkpoints,
 * the whole test split, no target. */
void stage_train_config_init(stage_train_config *cfg);

/* The ids of every segment of language li of c, each encoded alone with t
 * (what bench/run.c has already as metrics_tok_streams): *ids, *first
 * malloc'd (free both), ts a view of them. */
int stage_train_encode(const struct tokenizer *t, const struct corpus *c, size_t li,
                       token_streams *ts, uint32_t **ids, size_t **first, tb_error *err);

/* What a run ended with (for the target of the next). */
typedef struct stage_train_result {
    double bits_per_en_byte;        /* at the last step; 0 without English */
    double flops;                   /* counted */
} stage_train_result;

/* target_en's order: moves the pivot language (a corpus language index;
 * -1: none) to the front of langs[0..n), the others keeping their order, so
 * its final value exists before the other languages train. */
void stage_train_pivot_first(size_t *langs, size_t n, int pivot);

/* The configuration of one language's run from the shared one: with
 * target_en, the pivot targets its own final value (target_self) and every
 * other language the pivot's final value pivot_final (0 before it is known:
 * no target). Without target_en, base unchanged. */
stage_train_config stage_train_for_lang(const stage_train_config *base, int is_pivot,
                                        double pivot_final);

/* Trains on the train split of language li (its token streams ts, from
 * tokenizer t: its name labels the rows, its vocabulary size is the full
 * vocabulary) and adds the train_* rows (docs/DESIGN.md 'Metrics') to r.
 * TB_EINPUT: a stream shorter than a window, a budget below one step (or
 * not above the warm-up), a loss that diverges (trn_step's message). */
int stage_train_rows(const struct corpus *c, size_t li, const struct tokenizer *t,
                     const token_streams *ts, const stage_train_config *cfg, results *r,
                     stage_train_result *out, tb_error *err);

#endif
