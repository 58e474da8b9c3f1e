/* suite.h - the default suite, defined in one place: what `make run` (and
 * `tokbench run --suite default`) measures. Each capability adds itself to
 * the tables in suite.c. */
#ifndef SUITE_H
#define SUITE_H

#include <stddef.h>
#include <stdio.h>

typedef struct suite {
    const char *name;
    const char *const *corpora;     /* corpus names under the data folder */
    size_t n_corpora;
    const char *const *tokenizers;  /* tokenizer specs */
    size_t n_tokenizers;
    int ngram_order;                /* n-gram rows up to this order (0: none) */
    const char *model_preset;       /* transformer-cost rows with this preset ("none") */
    /* Sweep points: specs that get the token metrics, timings, model and
     * projection rows but not the n-gram and latency stages (the sweep is
     * there for the tokens-against-vocabulary charts; its representative,
     * e.g. bpe:32k, gets every stage). */
    const char *const *light;
    size_t n_light;
    /* Measured training (bench/stage_train.h), the tiny preset at batch 4 x
     * 64: these specs (each also in tokenizers) on these corpora, every
     * language, at an equal FLOPs budget, and when train_epochs > 0 also at
     * an equal number of passes over the train split (rows train_content_*).
     * No specs: no training. */
    const char *const *train_specs;
    size_t n_train_specs;
    const char *const *train_corpora;
    size_t n_train_corpora;
    double train_budget_flops;
    double train_epochs;
    double train_eval_bytes;        /* English bytes of the evaluation set (0: all) */
    int train_target_en;            /* 1: each language's target is English's final value
                                       (stage_train_config.target_en) */
    int no_timing;                  /* 1: no timing rows (as run --no-timing) */
    /* corpora of corpora that run only some of the tokenizers (run.h
     * run_corpus_specs); a run's -t replaces them with its own list */
    const struct run_corpus_specs *subsets;
    size_t n_subsets;
} suite;

/* The suite called name, or NULL. */
const suite *suite_find(const char *name);
/* Comma-separated suite names, for help. */
const char *suite_names(void);
/* The suites in table order: i < suite_count(). */
size_t suite_count(void);
const suite *suite_at(size_t i);
/* Writes what suite s runs (corpora, specs, stages, sweep points, training,
 * per-corpus subsets), wrapped at 79 columns, for `tokbench help run`: the
 * help is generated from the tables, so it cannot drift from them. */
void suite_describe(const suite *s, FILE *f);

#endif
