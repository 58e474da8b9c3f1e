/* stage_ngram.h - the n-gram rows of DESIGN.md for one (corpus, language,
 * tokenizer): an interpolated modified Kneser-Ney model (ngram/ngram.h)
 * trained on the train split of the token streams, scored on the test split.
 *
 * Rows (split "test"), for the highest order N under the DESIGN.md names and
 * for every lower order k = min_order .. N-1 with the suffix "_o<k>"
 * (ngram_bits_per_token_o3, ...):
 *   ngram_bits_total        bits     -sum log2 p over every test token and one
 *                                    </s> per segment (unseen ids as <unk>)
 *   ngram_bits_per_token    bits/token  bits_total / (tokens + segments), so
 *                                    ngram_perplexity = 2^bits_per_token
 *   ngram_bits_per_en_byte  bits/byte   bits_total / UTF-8 bytes of the English
 *                                    text of the same test segments (absent
 *                                    when the corpus has no "en")
 *   ngram_perplexity        ppl      KenLM query's "Perplexity including OOVs"
 *   ngram_oov_rate          ratio    test tokens unseen in training / tokens
 *   ngram_bytes_model       bytes    bytes of the model's arrays
 *   ngram_s_build           s        counting the train split (once, to order N)
 *                                    + the estimation of this order (timing)
 *   ngram_us_query          us       per scored token, whole test split (timing)
 *   ngram_s_arpa            s        order N only, with cfg->arpa_path: writing
 *                                    the ARPA file, rename included (timing)
 * Once, with split "train": ngram_train_tokens (tokens) the model saw.
 * Order N only (autocomplete, when cfg->suggest):
 *   ngram_hit_at_1, ngram_hit_at_5  ratio  share of test tokens that are the
 *                                    first / among the first five suggestions
 *                                    (ngram_suggest: exact top-k after the
 *                                    true history; never <s>, </s>, <unk>)
 *   ngram_ms_suggest        ms       per top-5 suggestion (timing)
 *   ngram_ksr               ratio    keystroke savings rate of completion by
 *                                    simulated typing, window 5 (ngram/complete.h
 *                                    states the definition); corpus mode only,
 *                                    and only for a tokenizer with pieces
 *                                    (tokenizer_can_decode: absent for cmd:)
 * Everything else needs token ids only, so a cmd: tokenizer gets it.
 */
#ifndef STAGE_NGRAM_H
#define STAGE_NGRAM_H

#include <stddef.h>
#include <stdint.h>

#include "../common/tb.h"
#include "../ngram/counts.h"
#include "../ngram/ngram.h"
#include "../corpora/corpus.h"
#include "../tokenizers/tokenizer.h"
#include "stage_metrics.h"
#include "../results/results.h"

typedef struct stage_ngram_config {
    int order;              /* highest order N, 1..6 (DESIGN default 4) */
    int min_order;          /* lowest order with rows (2); > order: only N */
    int timing;             /* 1: add the s / us / ms rows */
    int suggest;            /* 1: hit@1, hit@5 (and ms_suggest with timing) */
    const char *arpa_path;  /* write the order-N model as ARPA here, or NULL */
    /* Called with the order-N model and the test data before the model is
     * freed, so later stages (the selector latency) score the same model
     * instead of building it again; NULL: none. A non-zero return stops the
     * stage with that status. */
    int (*on_model)(void *ud, const ngram_model *m, const ngram_data *test, double en_bytes,
                    tb_error *err);
    void *on_model_ud;
} stage_ngram_config;

/* The train and test masks of the segments of c (malloc'd, n_segments
 * entries each; free both) and the UTF-8 bytes of the English test segments
 * (0 without English): what the n-gram and latency stages train and score on. */
int stage_ngram_split(const corpus *c, unsigned char **use_train, unsigned char **use_test,
                      double *en_bytes, tb_error *err);

/* Sets the defaults: order 4, min_order 2, timing 1, suggest 1, no ARPA, no
 * on_model. */
void stage_ngram_config_init(stage_ngram_config *cfg);

/* Rows for language li of corpus c from its token streams ts (every segment
 * of the corpus, as metrics_tok_streams gives them) made by tokenizer tk
 * (its pieces drive the KSR simulation; without pieces, no ngram_ksr).
 * Rows carry corpus_name(c), "test", corpus_lang(c, li) and
 * tokenizer_name(tk). */
int stage_ngram_rows(const corpus *c, size_t li, const tokenizer *tk, const token_streams *ts,
                     const stage_ngram_config *cfg, results *r, tb_error *err);

/* The same rows from the raw counts of the train split (ngram/counts.h, of
 * order >= cfg->order; counted in s_count seconds, the first term of
 * ngram_s_build) and the test data (the segments with use set; ids as
 * tk encoded them): what `tokbench merge` makes from the shards' summed
 * counts (bench/partial_ngram.h). tk may be NULL (no ngram_ksr). */
int stage_ngram_rows_counts(const ngram_counts *train, double s_count, const ngram_data *test,
                            double en_bytes, const tokenizer *tk, const char *corpus_label,
                            const char *lang, const char *tok_name, const stage_ngram_config *cfg,
                            results *r, tb_error *err);

/* The same rows for pre-tokenized streams: train on every segment of train,
 * score every segment of test; en_bytes > 0 adds ngram_bits_per_en_byte.
 * Rows carry the given corpus, lang and tokenizer labels. */
typedef struct stage_ngram_streams {
    size_t n_segments;
    const uint32_t *ids;
    const size_t *first;    /* (n_segments + 1) */
} stage_ngram_streams;

int stage_ngram_rows_streams(const stage_ngram_streams *train, const stage_ngram_streams *test,
                             double en_bytes, const char *corpus_label, const char *lang,
                             const char *tok_name, const stage_ngram_config *cfg, results *r,
                             tb_error *err);

/* Scores test with a given model (e.g. read from ARPA): the rows
 * ngram_bits_total, ngram_bits_per_token, ngram_perplexity, ngram_oov_rate,
 * ngram_bytes_model, with the DESIGN.md names. */
int stage_ngram_rows_model(const ngram_model *m, const stage_ngram_streams *test,
                           const char *corpus_label, const char *lang, const char *tok_name,
                           results *r, tb_error *err);

#endif
