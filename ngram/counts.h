/* counts.h - the raw n-gram counts a model is estimated from (ngram.h), kept
 * apart from the estimation so that counts made in several places (the
 * shards of a sharded run, DESIGN.md "Sharded runs") add up before one
 * estimation, as KenLM's builder sorts and merges its counts before
 * adjusting them.
 *
 * What is counted is what ngram.h states: for each segment "<s> w1 .. wn
 * </s>", every k-gram (k = 1..order) of that sequence, except the unigram
 * <s> (it exists with count 0). Raw counts are additive: counting two sets of
 * segments into one ngram_counts, or counting them apart and adding the
 * exported n-grams of one into the other, gives the same counts. Adjusted
 * (Kneser-Ney continuation) counts and counts-of-counts are not additive;
 * they are made by ngram_build_counts from the summed raw counts.
 *
 * Words are token ids (uint32_t values) and the two sentence markers
 * NGRAM_COUNTS_BOS, NGRAM_COUNTS_EOS, which sort after every token id. The
 * canonical order of the n-grams of one order k, used by ngram_counts_each
 * and by ngram_build_counts (so a model is the same whatever order the
 * counts came in): lexicographic on the words read from the last to the
 * first (w_k, then w_{k-1}, ..., then w_1), each by its value.
 */
#ifndef NGRAM_COUNTS_H
#define NGRAM_COUNTS_H

#include <stddef.h>
#include <stdint.h>

#include "../common/tb.h"
#include "ngram.h"

#define NGRAM_COUNTS_BOS ((uint64_t)1 << 32)       /* <s> */
#define NGRAM_COUNTS_EOS (((uint64_t)1 << 32) + 1) /* </s> */

typedef struct ngram_counts ngram_counts;

/* Empty counts of the k-grams k = 1..order (1..NGRAM_MAX_ORDER; TB_EUSAGE
 * otherwise). */
int ngram_counts_new(int order, ngram_counts **out, tb_error *err);
void ngram_counts_free(ngram_counts *c);
int ngram_counts_order(const ngram_counts *c);

/* Counts every k-gram of the selected segments of d. TB_EINPUT when more
 * than 2^32-2 distinct n-grams of one order appear. */
int ngram_counts_add_data(ngram_counts *c, const ngram_data *d, tb_error *err);

/* Adds count (>= 1) to the k-gram w[0..k) (1 <= k <= order): the merge of
 * counts made elsewhere. Its (k-1)-word prefix and suffix must be counted
 * already (a complete set of counts, added order by order, always has
 * them), <s> only first and </s> only last, and the sum must stay below
 * 2^62; otherwise TB_EINPUT saying which. */
int ngram_counts_add(ngram_counts *c, const uint64_t *w, int k, uint64_t count, tb_error *err);

/* Distinct k-grams counted (k = 1: including <s>). */
size_t ngram_counts_n(const ngram_counts *c, int k);
/* Tokens the counted segments hold (the </s> of each not included). */
uint64_t ngram_counts_tokens(const ngram_counts *c);

/* Calls fn for every counted n-gram with a count (not the unigram <s>),
 * order 1 first, each order in the canonical order; w holds k words. A
 * non-zero return of fn stops the walk and is returned. */
typedef int (*ngram_counts_fn)(void *ud, const uint64_t *w, int k, uint64_t count,
                               tb_error *err);
int ngram_counts_each(const ngram_counts *c, ngram_counts_fn fn, void *ud, tb_error *err);

/* Estimates the model of order (1 .. ngram_counts_order(c)) from the raw
 * counts of orders 1..order: the estimation of ngram_build, which is this
 * after ngram_counts_add_data. Deterministic: the same counts give the same
 * model bit for bit, whatever order they were added in. */
int ngram_build_counts(const ngram_counts *c, int order, ngram_model **out, tb_error *err);

#endif
