/* ngram.h - n-gram language model over token ids: counting, interpolated
 * modified Kneser-Ney estimation, scoring and next-token suggestions.
 *
 * Estimation follows KenLM lmplz defaults (Heafield et al. 2013; Chen &
 * Goodman 1998), written from lm/builder/{adjust_counts,initial_probabilities,
 * interpolate}.cc:
 *
 *   - each segment is "<s> w1 .. wn </s>"; every k-gram (k = 1..N) of that
 *     sequence is counted; the unigram <s> and <unk> exist with count 0.
 *   - adjusted counts a(g): the raw count for N-grams and for lower-order
 *     n-grams that start with <s>; otherwise the number of distinct words v
 *     such that "v g" occurs (continuation count). <s> and <unk> unigrams: 0.
 *   - discounts per order from the counts-of-counts n_j of adjusted counts
 *     (j = 1..4): Y = n1/(n1+2 n2), D_j = j - (j+1) Y n_{j+1}/n_j, j = 1..3
 *     (D for counts >= 3 is D_3). KenLM refuses to build when n1, n2 or n3 is
 *     0 or a D_j falls outside [0, j]; we do what `lmplz --discount_fallback`
 *     does: that order uses D = (0.5, 1, 1.5) and ngram_stats reports it.
 *   - p_u(w|h) = (a(hw) - D(a(hw))) / sum_x a(hx);
 *     gamma(h) = (D1 N1(h) + D2 N2(h) + D3 N3+(h)) / sum_x a(hx).
 *   - interpolation: p(w|h) = p_u(w|h) + gamma(h) p(w|h'), h' = h without
 *     its first word; unigrams: p(w) = p_u(w) + gamma() / (|V| - 1), |V| the
 *     unigram count including <s>, </s> and <unk> (so the uniform part covers
 *     the vocabulary including <unk>, excluding <s>). <unk> has count 0, so its
 *     probability is gamma()/(|V|-1). <s> is never predicted; it gets
 *     probability 0 (-99 in ARPA, the usual convention).
 *   - backoff weights: gamma(g) for every g of order < N that has an
 *     extension; 1 (log10 0) for n-grams ending in </s> or <unk> ("not a
 *     context" in KenLM) and for n-grams without extension.
 *   KenLM computes in float; we compute in double (differences ~1e-7 rel.).
 *
 * Scoring is the ARPA backoff rule on the stored interpolated probabilities
 * (identical to the interpolated formula): find the longest n-gram (h_k w)
 * present, then p = p(h_k w) * prod backoff(h_j) over the contexts h_j of
 * lengths k..|h| that are present. An id never seen in training is <unk>.
 *
 * Storage: the vocabulary is dense (word ids below); n-grams of order k >= 2
 * live in per-order node arrays keyed by (index of the (k-1)-gram suffix,
 * first word), like KenLM's reversed trie, no per-n-gram allocation. A
 * finished model adds KenLM's probing hash tables (1.5 buckets an n-gram,
 * log10 p and backoff beside the key) whose bucket is a hash of the
 * n-gram's words, so a query computes every order's bucket from its words
 * and loads them at once; the stored exact key makes each match exact.
 */
#ifndef NGRAM_H
#define NGRAM_H

#include <stddef.h>
#include <stdint.h>

#include "../common/tb.h"

#define NGRAM_MAX_ORDER 6
/* The order the benchmark stages use unless told otherwise (DESIGN.md: 4). */
#define NGRAM_DEFAULT_ORDER 4

/* Dense word ids of a model. Words >= NGRAM_FIRST_WORD are token ids seen in
 * training, in increasing order of the token id. */
enum {
    NGRAM_UNK = 0,          /* <unk>: any token id not seen in training */
    NGRAM_BOS = 1,          /* <s>: sentence start, never predicted */
    NGRAM_EOS = 2,          /* </s>: sentence end */
    NGRAM_FIRST_WORD = 3,
};

typedef struct ngram_model ngram_model;

/* Token streams to train on: segment s is ids[first[s] .. first[s+1]).
 * use (may be NULL: every segment) selects segments with use[s] != 0. */
typedef struct ngram_data {
    size_t n_segments;
    const uint32_t *ids;
    const size_t *first;        /* (n_segments + 1) offsets into ids */
    const unsigned char *use;   /* (n_segments) or NULL */
} ngram_data;

/* Estimates a model of order 1..NGRAM_MAX_ORDER. Deterministic: the same data
 * gives the same model bit for bit. Fails with TB_EUSAGE on a bad order and
 * TB_EINPUT when more than 2^32-2 distinct n-grams of one order appear. */
int ngram_build(const ngram_data *d, int order, ngram_model **out, tb_error *err);
void ngram_free(ngram_model *m);

int ngram_order(const ngram_model *m);
/* |V|: dense word ids are 0 .. ngram_n_words-1 (including <unk>, <s>, </s>). */
size_t ngram_n_words(const ngram_model *m);
/* Distinct n-grams of order k (1..order) stored. */
size_t ngram_count(const ngram_model *m, int k);
/* Dense word of token id tok (NGRAM_UNK when unseen). */
uint32_t ngram_word(const ngram_model *m, uint32_t tok);
/* Token id of dense word w >= NGRAM_FIRST_WORD. */
uint32_t ngram_word_token(const ngram_model *m, uint32_t w);
/* Bytes of every array the model holds (the ngram_bytes_model metric). */
size_t ngram_bytes(const ngram_model *m);

/* Estimation details (zero for a model read from ARPA). */
typedef struct ngram_stats {
    uint64_t coc[NGRAM_MAX_ORDER][5];     /* [k-1][j]: n-grams of order k with adjusted count j (1..4) */
    double discount[NGRAM_MAX_ORDER][4];  /* [k-1][j]: D_j, j = 1..3 ([0] = 0) */
    int fallback[NGRAM_MAX_ORDER];        /* 1: order k used the fallback discounts */
} ngram_stats;
void ngram_get_stats(const ngram_model *m, ngram_stats *out);

/* The history of a query: the last order-1 dense words, oldest first, and
 * the log10 backoffs of its suffixes that are contexts in the model (KenLM's
 * State), so a query probes only the n-grams it extends. Fill it only with
 * ngram_state_begin, ngram_state_empty and ngram_score. */
typedef struct ngram_state {
    uint32_t n;                           /* words held, <= order-1 */
    uint32_t w[NGRAM_MAX_ORDER - 1];
    uint32_t n_ctx;                       /* suffixes of lengths 1..n_ctx are in the model */
    double lbo[NGRAM_MAX_ORDER - 1];      /* [j-1]: log10 backoff of the length-j suffix */
} ngram_state;

/* History at a segment start: "<s>". */
void ngram_state_begin(const ngram_model *m, ngram_state *s);
/* No history at all: the unigram distribution. */
void ngram_state_empty(const ngram_model *m, ngram_state *s);
/* log10 p(word | history in) for dense word (not NGRAM_BOS: -99 is returned);
 * out (may equal in, may be NULL) gets the history extended by word. */
double ngram_score(const ngram_model *m, const ngram_state *in, uint32_t word, ngram_state *out);

/* Sum of log10 p over one segment's token ids plus its </s>; *n_oov gets the
 * tokens scored as <unk>. */
double ngram_score_segment(const ngram_model *m, const uint32_t *ids, size_t n, size_t *n_oov);

/* The k most probable next dense words after history s, excluding <s>,
 * </s> and <unk>, best first; ties by lower token id. Writes up to k words
 * (and their log10 p when lp != NULL) and returns how many (< k only when
 * the vocabulary is smaller). Exact: the same as scoring every word. */
size_t ngram_suggest(const ngram_model *m, const ngram_state *s, size_t k, uint32_t *words,
                     double *lp);

/* The most probable next dense word after history s among the words a text
 * can go on with: every token word and </s> (not <s>, never predicted, and not
 * <unk>, which is no token in particular); ties by lower dense word (</s>
 * first, then lower token id). Writes it to *word and returns its log10 p,
 * so p_max = 10^return. Exact: ngram_suggest with k = 1, and </s> scored
 * beside it. */
double ngram_best(const ngram_model *m, const ngram_state *s, uint32_t *word);

#endif
