/* latency.h - the selector model: how long it takes to produce the test text
 * of one (corpus, language, tokenizer), token by token, in three modes.
 *
 *   auto    the model generates every token: one prefill of the prompt, then
 *           one decode step per token.
 *   select  at every step the model shows a cloud of its k most probable
 *           next tokens and a person chooses one. Machine: the model step
 *           plus the top-k. Human: a choice reaction time per step.
 *   hybrid  the person is asked only at forks; elsewhere the model's top-1
 *           is accepted. Machine: the model step plus the fork check at every
 *           step, plus the top-k at forks. Human: one choice per fork.
 *
 * Forks. Three definitions, each a row family:
 *   p_max   (the headline hybrid) a step is a fork when the top candidate's
 *           probability p_max = max_w p(w|h) of the n-gram model's next-token
 *           distribution is below tau (cfg->taus; default 0.5, sweep 0.7,
 *           0.9). The top candidate is ngram_best: every token and </s>, not
 *           <unk>. The check is one top-1 query (latency_ms_best).
 *   entropy a step is a fork when the entropy of the full distribution
 *           exceeds T bits (cfg->thresholds; 2, sweep 1, 4, 8). Kept as a
 *           sweep, no longer the headline: the entropy of an interpolated
 *           model counts the smoothing tail, so p_top = 0.9 with 0.1 spread
 *           over 1e5 types has H = h2(0.9) + 0.1 log2 1e5 = 0.47 + 1.66 =
 *           2.13 bits, a fork at T = 2 that no reader would call one. (Until this change
 *           the unsuffixed hybrid rows used entropy > 2 bits.)
 *   oracle  a step is a fork when the top-1 is not the true next token (a
 *           selector that knows when it would be wrong: the lower bound of
 *           any fork rule that makes no errors).
 * Errors. A p_max rule accepts the top-1 at a non-fork step, which is wrong
 * when it is not the true next token. Each such step is priced as one more
 * Hick-Hyman choice (the person deletes the wrong token and chooses again:
 * delete + choice modelled as one choice of the same cloud), human time
 * only; the history is taken as corrected, as every step is scored after
 * the true history.
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
 *   - top-1 ms, p_max and the top-1 word: ngram_best after the true history
 *     at every test step, and its mean time.
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
 * is the p_max rule at the default tau cfg->taus[0]; every time row is
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
 *   latency_ms_per_token_human_hybrid, latency_ms_per_token_machine_hybrid
 *                                 ms     the hybrid's human and machine ms /
 *                                         test tokens; they sum to
 *                                         latency_ms_per_token_hybrid
 *   latency_fork_share_p<tau>     ratio  steps with p_max < tau / steps, for
 *                                         every tau (tau printed %g, '.' as
 *                                         'p': p0p5)
 *   latency_error_share_p<tau>    ratio  steps with p_max >= tau whose top-1
 *                                         is not the true next token / steps
 *   latency_ms_per_segment_hybrid_p<tau>, latency_ms_per_token_hybrid_p<tau>
 *                                 ms     the hybrid total at tau
 *   latency_ms_per_token_hybrid_corrected_p<tau>
 *                                 ms     the same plus one choice per error
 *                                         (human), / test tokens
 *   latency_fork_share_oracle     ratio  steps whose top-1 is not the true
 *                                         next token / steps
 *   latency_ms_per_token_hybrid_oracle
 *                                 ms     the hybrid total with oracle forks
 *                                         (the top-1 check at every step, a
 *                                         top-k and a choice per fork)
 *   latency_fork_share_t<T>       ratio  steps with entropy > T bits / steps,
 *                                         for every threshold (T printed %g,
 *                                         '.' as 'p': t1p5)
 *   latency_ms_per_segment_hybrid_t<T>, latency_ms_per_token_hybrid_t<T>
 *                                 ms     the hybrid total at threshold T (the
 *                                         entropy check at every step)
 *   latency_ms_per_token_hybrid_<model>_<hw>
 *                                 ms     the hybrid at the default tau with
 *                                         the machine time of a projected
 *                                         model (cfg->proj, e.g. llama2-7b on
 *                                         h100-sxm): (steps * d + forks * RT)
 *                                         / test tokens, d the projection's
 *                                         ms of one decode step
 *                                         (proj_ms_decode_token_<model>_<hw>)
 *                                         for every step, prefill included
 *                                         (one prompt token); the top-1 and
 *                                         top-k come with its logits, no
 *                                         n-gram time. Only projections and
 *                                         Hick-Hyman constants: the same in
 *                                         every run, though the unit is ms.
 *   latency_fork_tau              ratio  the default tau
 *   latency_entropy_bits          bits   mean predictive entropy per step
 *   latency_threshold_bits        bits   the default threshold
 *   latency_k                     choices  the cloud size k
 *   latency_hick_a_ms             ms_param the Hick-Hyman intercept a (a parameter,
 *                                          not a timing: deterministic)
 *   latency_hick_b_ms             ms_per_bit the Hick-Hyman slope b
 *   latency_ms_step               ms     mean model step (prefill or decode)
 *                                         per step, the auto machine time /
 *                                         steps
 *   latency_ms_topk               ms     one top-k suggestion (measured)
 *   latency_ms_entropy            ms     one entropy check (measured)
 *   latency_ms_best               ms     one top-1 check (measured)
 *   latency_ms_choice             ms     one choice, a + b log2(k + 1)
 * Counts and ratios (fork and error shares, choices, entropy) are
 * deterministic; the ms and time_ratio rows are timings (the projected rows
 * excepted, see above). */
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
#define LATENCY_MAX_TAUS 8
#define LATENCY_MAX_PROJ 16
#define LATENCY_PROJ_NAME 64

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

/* A projected model for the hybrid's machine time. */
typedef struct latency_proj {
    char name[LATENCY_PROJ_NAME]; /* row suffix "<model>_<hw>", no spaces */
    double ms_step;               /* ms of one model step (a decode step) */
} latency_proj;

typedef struct latency_config {
    int order;                  /* n-gram order, 1..NGRAM_MAX_ORDER (4) */
    size_t k;                   /* cloud size, 1..LATENCY_MAX_K (5) */
    double hick_a_ms;           /* Hick-Hyman intercept a, ms (0) */
    double hick_b_ms;           /* Hick-Hyman slope b, ms per bit (150) */
    size_t prompt_tokens;       /* tokens prefilled before each segment (1) */
    size_t n_thresholds;        /* 1..LATENCY_MAX_THRESHOLDS */
    double thresholds[LATENCY_MAX_THRESHOLDS]; /* fork thresholds in bits, >= 0;
                                                  [0] is the default (2; sweep 1, 4, 8) */
    size_t n_taus;              /* 1..LATENCY_MAX_TAUS */
    double taus[LATENCY_MAX_TAUS]; /* p_max fork thresholds in [0, 1]: a fork
                                      when p_max < tau; [0] is the default and
                                      the headline hybrid (0.5; sweep 0.7, 0.9) */
    size_t n_proj;              /* 0..LATENCY_MAX_PROJ (0) */
    latency_proj proj[LATENCY_MAX_PROJ]; /* projected models (latency_config_add_proj) */
} latency_config;

/* Sets the defaults above. */
void latency_config_init(latency_config *cfg);
/* TB_EUSAGE naming the bad field. */
int latency_config_check(const latency_config *cfg, tb_error *err);
/* Appends a projected model: name "<model>_<hw>" (at most 63 bytes, one '_',
 * [a-z0-9.-] on each side, as model/roofline.h names are), ms_step >= 0 ms of
 * one decode step. TB_EUSAGE when full or bad. */
int latency_config_add_proj(latency_config *cfg, const char *name, double ms_step,
                            tb_error *err);

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
    size_t n_taus;
    double taus[LATENCY_MAX_TAUS];              /* as in the config */
    size_t pforks[LATENCY_MAX_TAUS];            /* steps with p_max < tau */
    size_t perrors[LATENCY_MAX_TAUS];           /* steps with p_max >= tau whose
                                                   top-1 is not the true next word */
    size_t oracle_forks;        /* steps whose top-1 is not the true next word */
    double entropy_bits;        /* sum over steps of the entropy */
    double ms_topk;             /* mean ms of one top-k suggestion */
    double ms_entropy;          /* mean ms of one entropy */
    double ms_best;             /* mean ms of one top-1 (ngram_best) */
} latency_profile;

/* Walks every segment of test (use[] selects; NULL: all) with model m:
 * entropy, top-1 and top-k suggestion at each of its n + 1 steps. The true
 * next word of step i <= n is the dense word of token i (<unk> when unseen,
 * never a top-1), of step n + 1 </s>. */
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
    latency_mode mode[LATENCY_N_MODES];         /* hybrid = hybrid_p[0] */
    latency_mode hybrid[LATENCY_MAX_THRESHOLDS];/* entropy hybrid at each threshold */
    latency_mode hybrid_p[LATENCY_MAX_TAUS];    /* p_max hybrid at each tau */
    latency_mode corrected_p[LATENCY_MAX_TAUS]; /* the same, errors priced */
    latency_mode oracle;                        /* hybrid with oracle forks */
    latency_mode proj[LATENCY_MAX_PROJ];        /* hybrid_p[0] with cfg->proj[j]'s
                                                   machine time */
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
/* The row suffix of a p_max tau: "p0p5", "p1". */
void latency_tau_tag(double tau, char *buf, size_t cap);

#endif
