/* latency.h - the selector model: how long it takes to produce the test text
 * of one (corpus, language, tokenizer), token by token, in three modes.
 *
 *   auto    the model generates every token: one prefill of the prompt, then
 *           one decode step per token.
 *   select  at every step the model shows a cloud of its k most probable
 *           next tokens and a person chooses one. Machine: the model step
 *           plus the top-k. Human: a choice reaction time per step.
 *   hybrid  the person is asked only at forks, the steps whose predictive
 *           entropy exceeds a threshold (bits); elsewhere the model runs
 *           alone. Machine: the model step plus the entropy check at every
 *           step, plus the top-k at forks. Human: one choice per fork.
 *
 * Steps. A segment of n tokens takes n + 1 steps: its n tokens and its end
 * (</s>; ending the segment is a choice too). The first step's prediction
 * comes from the prefill of the prompt (cfg->prompt_tokens, default 1: the
 * start token), step i > 1 from a decode step at position prompt + i - 2,
 * so a segment costs prefill(prompt) + sum_{i=1..n} decode(prompt + i - 1).
 *
 * Inputs, all measured, never assumed:
 *   - model ms (latency_model_ms): the reference transformer's ms_prefill_<N>
 *     and ms_decode_token_<C> rows (bench/stage_model.h). Between measured
 *     points both are piecewise linear; a decode position before the first
 *     or after the last measured cache length costs that point's ms (the
 *     small preset measures 128, 512, 1023); a prefill shorter than the first
 *     point is priced pro rata.
 *   - top-k ms: mean time of one exact top-k next-token suggestion of the
 *     tokenizer's n-gram model (ngram_suggest_prefix with an empty prefix,
 *     the list stage_ngram times), over every test step.
 *   - entropy ms and forks: the exact entropy of the n-gram model's full
 *     next-token distribution (every word including </s> and <unk>;
 *     ngram/entropy.h) after the true history at every test step, and its
 *     mean time. The n-gram model (interpolated modified Kneser-Ney, order
 *     cfg->order) is trained on the train split of the same token streams.
 *   - choice time: the Hick-Hyman law RT = a + b log2(k + 1) (Hick 1952;
 *     Hyman 1953). Defaults a = 0 ms, b = 150 ms/bit: Card, Moran & Newell
 *     (1983), The Psychology of Human-Computer Interaction, ch. 2, the Model
 *     Human Processor's "Hick's law" principle T = I_C log2(n + 1), I_C =
 *     150 [0-157] ms/bit (the +1 is the uncertainty whether to respond at
 *     all, so the intercept is 0 in that form). Hick (1952) reports a rate
 *     "of the order of five bits per second" (~200 ms/bit). These are lab
 *     choice-reaction times (a light, a key per light, practiced subjects),
 *     a lower bound for reading k token strings and choosing one; k = 5
 *     gives 150 log2 6 = 387.7 ms. Both are overridable.
 *
 * Rows (split "test"; MODE is auto, select or hybrid; hybrid without suffix
 * is at the default threshold cfg->thresholds[0]; every time row is
 * machine + human):
 *   latency_ms_per_segment_MODE   ms     total / test segments (the same
 *                                         content in every language)
 *   latency_ms_per_word_MODE      ms     total / ICU words of the language's
 *                                         test segments
 *   latency_ms_per_en_byte_MODE   ms     total / English UTF-8 bytes of the
 *                                         same segments (absent without "en")
 *   latency_ms_per_token_MODE     ms     total / test tokens
 *   latency_human_share_select, latency_human_share_hybrid
 *                                 time_ratio  human ms / total ms
 *   latency_choices_per_segment_select, latency_choices_per_segment_hybrid
 *                                 choices   person's choices / segments (more
 *                                         tokens for the same content: more
 *                                         choices)
 *   latency_fork_share_t<T>       ratio  forks / steps at threshold T bits,
 *                                         for every threshold (T printed %g,
 *                                         '.' as 'p': t1p5)
 *   latency_ms_per_segment_hybrid_t<T>, latency_ms_per_token_hybrid_t<T>
 *                                 ms     the hybrid total at threshold T
 *   latency_entropy_bits          bits   mean predictive entropy per step
 *   latency_threshold_bits        bits   the default threshold
 *   latency_k                     choices  the cloud size k
 *   latency_ms_step               ms     mean model step (prefill or decode)
 *                                         per step, the auto machine time /
 *                                         steps
 *   latency_ms_topk               ms     one top-k suggestion (measured)
 *   latency_ms_entropy            ms     one entropy check (measured)
 *   latency_ms_choice             ms     one choice, a + b log2(k + 1)
 * Counts and ratios (fork shares, choices, entropy) are deterministic; the
 * ms and time_ratio rows are timings. */
#ifndef LATENCY_H
#define LATENCY_H

#include <stddef.h>

#include "../common/tb.h"
#include "../corpora/corpus.h"
#include "../ngram/ngram.h"
#include "stage_metrics.h"
#include "../results/results.h"

#define LATENCY_MAX_POINTS 16
#define LATENCY_MAX_THRESHOLDS 8
#define LATENCY_MAX_K 64

/* The measured model figures (one model preset, one vocabulary size). */
typedef struct latency_model_ms {
    size_t n_prefill;
    size_t prefill_len[LATENCY_MAX_POINTS]; /* prompt tokens, strictly ascending */
    double prefill_ms[LATENCY_MAX_POINTS];  /* ms of one prefill of that many tokens
                                               (ms_prefill_<len>, LM head included) */
    size_t n_decode;
    size_t decode_pos[LATENCY_MAX_POINTS];  /* cache position, strictly ascending */
    double decode_ms[LATENCY_MAX_POINTS];   /* ms of one decode step there
                                               (ms_decode_token_<pos>, head included) */
} latency_model_ms;

typedef struct latency_config {
    int order;                  /* n-gram order, 1..NGRAM_MAX_ORDER (4) */
    size_t k;                   /* cloud size, 1..LATENCY_MAX_K (5) */
    double hick_a_ms;           /* Hick-Hyman intercept a, ms (0) */
    double hick_b_ms;           /* Hick-Hyman slope b, ms per bit (150) */
    size_t prompt_tokens;       /* tokens prefilled before each segment (1) */
    size_t n_thresholds;        /* 1..LATENCY_MAX_THRESHOLDS */
    double thresholds[LATENCY_MAX_THRESHOLDS]; /* fork thresholds in bits, >= 0;
                                                  [0] is the default (2; sweep 1, 4, 8) */
} latency_config;

/* Sets the defaults above. */
void latency_config_init(latency_config *cfg);
/* TB_EUSAGE naming the bad field. */
int latency_config_check(const latency_config *cfg, tb_error *err);

/* Hick-Hyman choice time among k alternatives: a + b log2(k + 1), ms. */
double latency_hick_ms(double a_ms, double b_ms, size_t k);

/* ms of one decode step at cache position pos, and of one prefill of n
 * tokens, from the measured points (see the top of this file). mm must have
 * at least one point of each kind. */
double latency_decode_ms(const latency_model_ms *mm, size_t pos);
double latency_prefill_ms(const latency_model_ms *mm, size_t n);

/* Collects the ms_prefill_<N> and ms_decode_token_<C> rows of (corpus,
 * "test", lang, tok) from r, as stage_model_rows writes them. TB_EINPUT when
 * either kind is missing (the model stage ran without timing, or not at all). */
int latency_model_from_results(const results *r, const char *corpus_label, const char *lang,
                               const char *tok, latency_model_ms *out, tb_error *err);

/* What the n-gram model says about the test text: counts and the n-gram
 * timings. */
typedef struct latency_profile {
    size_t segments;            /* test segments */
    size_t tokens;              /* their tokens */
    size_t steps;               /* tokens + segments */
    size_t *seg_tokens;         /* (segments) tokens of each, owned */
    size_t n_thresholds;
    double thresholds[LATENCY_MAX_THRESHOLDS];  /* as in the config */
    size_t forks[LATENCY_MAX_THRESHOLDS];       /* steps with entropy > threshold */
    double entropy_bits;        /* sum over steps of the entropy */
    double ms_topk;             /* mean ms of one top-k suggestion */
    double ms_entropy;          /* mean ms of one entropy */
} latency_profile;

/* Walks every segment of test (use[] selects; NULL: all) with model m:
 * entropy and top-k suggestion at each of its n + 1 steps. */
int latency_profile_measure(const ngram_model *m, const ngram_data *test,
                            const latency_config *cfg, latency_profile *out, tb_error *err);
void latency_profile_release(latency_profile *p);

enum { LATENCY_AUTO, LATENCY_SELECT, LATENCY_HYBRID, LATENCY_N_MODES };

typedef struct latency_mode {
    double machine_ms;          /* summed over the test split */
    double human_ms;
    double choices;             /* person's choices */
} latency_mode;

typedef struct latency_times {
    latency_mode mode[LATENCY_N_MODES];         /* hybrid at thresholds[0] */
    latency_mode hybrid[LATENCY_MAX_THRESHOLDS];/* hybrid at each threshold */
    double ms_model;            /* machine ms of auto: prefills + decode steps */
    double ms_choice;           /* one choice */
} latency_times;

/* The three modes from a profile and the model figures (pure arithmetic). */
void latency_compute(const latency_profile *p, const latency_model_ms *mm,
                     const latency_config *cfg, latency_times *out);

/* Appends the rows listed at the top; n_words: ICU words of the test
 * segments (0: no per-word rows); en_bytes: English bytes of them (0: no
 * per-English-byte rows). t NULL: only the deterministic rows (fork shares,
 * choices, entropy, threshold, k), none in ms or time_ratio. */
int latency_emit(const latency_profile *p, const latency_times *t, const latency_config *cfg,
                 double n_words, double en_bytes, const char *corpus_label, const char *lang,
                 const char *tok, results *r, tb_error *err);

/* The whole stage for language li of c: trains the n-gram on the train
 * split of ts (every segment of c, as metrics_tok_streams gives them),
 * profiles the test split, prices it with mm and appends the rows. n_words:
 * ICU words of the language's test split (metrics_words_count). mm NULL
 * (a run without timing): only the deterministic rows. A split without test
 * segments gets no rows. */
int latency_rows(const corpus *c, size_t li, const char *tok_name, const token_streams *ts,
                 size_t n_words, const latency_model_ms *mm, const latency_config *cfg,
                 results *r, tb_error *err);

/* The same with a model already trained (the n-gram stage's order-N model,
 * stage_ngram_config.on_model): profiles the used segments of test and
 * appends the rows; no rows when test has no used segment. */
int latency_rows_model(const ngram_model *m, const ngram_data *test, double en_bytes,
                       size_t n_words, const latency_model_ms *mm, const latency_config *cfg,
                       const char *corpus_label, const char *lang, const char *tok_name,
                       results *r, tb_error *err);

/* The row suffix of a threshold: "t2", "t1p5". */
void latency_threshold_tag(double bits, char *buf, size_t cap);

#endif
