/* metrics.h - the per-tokenizer token metrics of DESIGN.md ("Metrics").
 *
 * Two stages so the expensive parts run once: metrics_words holds the ICU
 * word spans of every segment of one language (shared by all tokenizers);
 * metrics_tok encodes every segment of that language alone (no special
 * tokens) with one tokenizer and keeps per-segment counts, so the rows for any
 * split, and parity against English, come from it without encoding again.
 *
 * Definitions (per corpus, split, lang, tokenizer):
 *   tokens            sum over segments of the token count
 *   bytes_per_token   UTF-8 bytes / tokens;  chars_per_token  code points / tokens
 *   fertility         tokens / words (ICU words, corpora/words.h)
 *   parity            tokens(lang) / tokens(en) over the same segments
 *   parity_median     median over segments of tokens(lang)/tokens(en)
 *   byte_premium      UTF-8 bytes(lang) / UTF-8 bytes(en) over the same segments:
 *                     the script's encoding cost, the same for every tokenizer
 *                     (parity / byte_premium is the tokenizer's own share)
 *   continued_words   share of words whose bytes overlap two or more tokens
 *   vocab_size        |V| of the tokenizer;  vocab_used  distinct ids emitted
 *   unk_rate          fallback tokens / tokens
 *   renyi_efficiency  H_2.5(p) / log2 |V|, p the unigram id distribution,
 *                     H_a(p) = log2(sum p_i^a) / (1 - a)
 *   roundtrip_exact   share of segments whose decode(encode(segment)) is the
 *                     segment byte for byte (tokenizer_can_decode only)
 *   roundtrip_char_loss  sum over segments of the code point Levenshtein
 *                     distance (common/editdist.h) of decode(encode(segment))
 *                     to the segment / chars: 0 for a lossless scheme
 *   encode_mb_per_s   UTF-8 MB (1e6 bytes) of the split encoded per second,
 *                     one thread, median of >= 3 timed passes
 */
#ifndef METRICS_H
#define METRICS_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "../common/tb.h"
#include "../corpora/corpus.h"
#include "../corpora/words.h"
#include "../tokenizers/tokenizer.h"
#include "../results/results.h"

typedef struct metrics_words metrics_words;
typedef struct metrics_tok metrics_tok;

int metrics_words_new(const corpus *c, size_t li, words *w, metrics_words **out, tb_error *err);
void metrics_words_free(metrics_words *mw);
/* Total ICU words of language li over split. */
size_t metrics_words_count(const metrics_words *mw, const corpus *c, enum corpus_split split);

/* Encodes every segment of language li (mw must be for the same language).
 * Errors name the corpus, language file and line. */
int metrics_tok_measure(const tokenizer *t, const corpus *c, size_t li,
                        const metrics_words *mw, metrics_tok **out, tb_error *err);
/* The same, encoding only the segments s with only[s] != 0 (only NULL: all);
 * the others count as empty. */
int metrics_tok_measure_only(const tokenizer *t, const corpus *c, size_t li,
                             const metrics_words *mw, const unsigned char *only,
                             metrics_tok **out, tb_error *err);
/* The token lines of the block of one (lang, tokenizer) of a shard partial
 * (bench/partial.h): the V line, an S line per segment with only[s] (with the
 * round-trip fields when the tokenizer decodes), the H
 * lines (id counts of the train and the test split, when counted and emit).
 * The caller ends the block ("E"), after any symbol lines. */
int metrics_tok_write_partial(const metrics_tok *m, const corpus *c, int emit,
                              const unsigned char *only, FILE *f, tb_error *err);
void metrics_tok_free(metrics_tok *m);
/* Tokens of one segment (for tests and reports). */
size_t metrics_tok_segment_tokens(const metrics_tok *m, size_t seg);

/* The token streams of one (corpus, language, tokenizer): what every stage
 * downstream of the tokenizer (n-gram, transformer cost) consumes. A view
 * into the metrics_tok that made it; valid until metrics_tok_free. */
typedef struct token_streams {
    size_t n_segments;
    const uint32_t *ids;    /* all ids, segment after segment */
    const size_t *first;    /* (n_segments + 1): segment s is ids[first[s] .. first[s+1]) */
    size_t vocab_size;      /* every id is < vocab_size */
} token_streams;

void metrics_tok_streams(const metrics_tok *m, token_streams *out);

/* Appends the rows for one split. en is the pivot language's measurement
 * (corpus_pivot: "en" in the definitions above) with the same tokenizer
 * (NULL: no parity, parity_median, byte_premium rows). Rows carry
 * tokenizer_name(t). */
int metrics_tok_emit(const metrics_tok *m, const metrics_tok *en, const corpus *c,
                     enum corpus_split split, results *r, tb_error *err);

/* The sufficient statistics of one (corpus, split, lang, tokenizer) and the
 * ONE function from them to rows: metrics_tok_emit and `tokbench merge`
 * (bench/partial.h) both come through it, which keeps a merged run's rows
 * byte-identical to an unsharded run's. Sums are over the split's segments;
 * ratios[] are tokens(lang)/tokens(en) of its segments with en tokens > 0
 * (sorted in place here); counts, when not NULL, the (vocab) id counts. */
typedef struct metrics_stats {
    uint64_t segs, bytes, chars, words, tokens, continued, fallback;
    uint64_t rt_exact, rt_edits;    /* segments that round-trip; their edit distances */
    int decodes;                /* 0: no roundtrip_* rows */
    int has_en;                 /* parity rows: en_* and ratios are set */
    uint64_t en_tokens, en_bytes;
    double *ratios;
    size_t n_ratio;
    size_t vocab;
    int has_offsets;            /* 0: no continued_words row */
    const uint64_t *counts;     /* NULL: no vocab_used, renyi_efficiency rows */
} metrics_stats;

int metrics_stats_emit(metrics_stats *st, const char *cname, const char *split,
                       const char *lang, const char *tok, results *r, tb_error *err);

/* Times encoding of the split's segments: fills *mb_per_s. */
int metrics_time_encode(const tokenizer *t, const corpus *c, size_t li, enum corpus_split split,
                        double *mb_per_s, tb_error *err);
/* The same over the split's segments s with only[s] (NULL: all): *bytes
 * their UTF-8 bytes, *seconds the median pass (a shard's share, summed by
 * `tokbench merge`: bench/partial_model.h). */
int metrics_time_encode_only(const tokenizer *t, const corpus *c, size_t li,
                             enum corpus_split split, const unsigned char *only,
                             uint64_t *bytes, double *seconds, tb_error *err);
/* The encode_mb_per_s row of the split (metrics_time_encode; unit MB/s, a
 * timing unit: the caller leaves it out with --no-timing). */
int metrics_emit_encode_speed(const tokenizer *t, const corpus *c, size_t li,
                              enum corpus_split split, results *r, tb_error *err);

/* The s_train row (DESIGN.md "Metrics"): seconds to train tokenizer t on the
 * train split of language li, as reported through tokenizer_ctx.s_train when
 * t was made; split "train", unit "s" (a timing unit: results_unit_is_timing).
 * Nothing when s_train <= 0 (not trained here). A timing row: the caller
 * leaves it out with --no-timing, as it does encode_mb_per_s. */
int metrics_emit_s_train(const tokenizer *t, const corpus *c, size_t li, double s_train,
                         results *r, tb_error *err);

#endif
