/* entropy.h - the exact entropy, in bits, of an n-gram model's next-word
 * distribution after a history:
 *
 *   H(h) = - sum_w p(w|h) log2 p(w|h)
 *
 * over every dense word w that can follow (all words including </s> and
 * <unk>; <s> is never predicted, p = 0, and is left out), with p(w|h) exactly
 * what ngram_score gives.
 *
 * Cost: O(explicit children of the history's contexts) per call, not O(|V|).
 * In backoff form (ARPA lp/lbo) a word whose longest present n-gram after
 * the history is "h_j w" (h_j the length-j suffix of the history, j = 0 for
 * the unigram) has
 *
 *   p(w|h) = p_j(w) * B_j,   B_j = prod_{i=j+1..m} bo(h_i),
 *
 * m the longest present context (ngram_state.n_ctx). Write q(w) = p_1gram(w).
 * If every word were at level 0, H would be
 *
 *   H_0 = -B_0 (T1 + S1 log2 B_0),  S1 = sum_w q(w),  T1 = sum_w q(w) log2 q(w),
 *
 * with S1 and T1 summed once per model (ngram_entropy_new). A word at level
 * L >= 1 is an explicit child of h_L and not of h_{L+1}; for each such word
 * the level-0 term is replaced by its true term:
 *
 *   H = H_0 + sum_{L(w) >= 1} [ B_0 q(w) log2(B_0 q(w)) - p(w|h) log2 p(w|h) ].
 *
 * The children of h_j are walked for j = m .. 1; a child w of h_j (j < m) is
 * at level j exactly when "h_{j+1} w" is absent, one hash probe, because the
 * model stores every n-gram's suffix (ngram_impl.h). This needs every
 * explicit n-gram's prefix to be present too (true of models built by
 * ngram_build and of ARPA files written by KenLM or ngram_arpa_save), as
 * ngram_suggest does. */
#ifndef NGRAM_ENTROPY_H
#define NGRAM_ENTROPY_H

#include "ngram.h"

typedef struct ngram_entropy ngram_entropy;

/* Precomputes S1, T1 and q, q log2 q per word for model m, which must
 * outlive the handle. The handle keeps a scratch mark array (contexts are
 * visited longest first, no hash look-ups per child): one thread at a time
 * per handle; make one handle per thread. */
int ngram_entropy_new(const ngram_model *m, ngram_entropy **out, tb_error *err);
void ngram_entropy_free(ngram_entropy *e);

/* H(next word | history s) in bits, s filled by ngram_state_begin,
 * ngram_state_empty or ngram_score on the same model. */
double ngram_entropy_bits(const ngram_entropy *e, const ngram_state *s);

#endif
