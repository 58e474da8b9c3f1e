/* bpe_train.h - byte-level BPE training (DESIGN.md "Tokenizer interface",
 * issue 3 part 4).
 *
 * Pipeline: text -> pre-tokenized pieces (a splitter) -> piece counts (a
 * hash of distinct pieces) -> merges -> a ranked vocabulary -> a model file.
 *
 * Merges: the approach of HuggingFace tokenizers and YouTokenToMe. Every
 * distinct piece is a "word": its current symbols (token ids) and its count.
 * A table holds, for every adjacent pair of symbols, its count (summed over
 * words, weighted by word count, overlapping occurrences such as "aaa"
 * counted at every position) and the list of words it occurs in. A max-heap
 * with lazy deletion orders the pairs. Each step pops the best pair, merges
 * it left to right in every word of its list, and updates the counts of the
 * neighbouring pairs incrementally; only pairs that contain the new token can
 * gain count, and they are (re)pushed after the step. Cost per merge is
 * proportional to the occurrences it touches, not to the corpus.
 *
 * Tie-breaks (deterministic by construction): the pair with the higher count
 * wins; among equal counts the lower id (= rank) of the left token, then the
 * lower id of the right token. Ids are unique, so a (left, right) pair never
 * ties; no bytes comparison is ever needed. Initial ids 0..255 are the byte
 * values, so between byte pairs this is bytes order.
 *
 * Stop: when the vocabulary reaches the requested size, or earlier when no
 * pair has a count of at least 2 (the vocabulary is then smaller, and
 * bpe_train_stats.stopped_early says so).
 *
 * Model file: tokenizers/bpe_model.h (bpe_trainer_save writes it with
 * bpe_model_write, the one writer). The bpe:<N> spec that trains on a corpus
 * and caches the result: tokenizers/bpe_cache.h. */
#ifndef BPE_TRAIN_H
#define BPE_TRAIN_H

#include <stddef.h>
#include <stdint.h>

#include "../common/tb.h"
#include "bpe_model.h"

struct corpus;

#define BPE_TRAIN_MIN_VOCAB 257
#define BPE_TRAIN_MAX_VOCAB BPE_MODEL_MAX_VOCAB
/* Training time is recorded at every vocabulary size that is a multiple of
 * this (the time file of the bpe: cache, bpe_cache.h). */
#define BPE_TRAIN_TIME_STEP 250

/* A pre-tokenizer: calls emit(sink, piece, n) for consecutive non-empty
 * pieces that concatenate to text[0..len), in order. Returns TB_OK or the
 * first non-OK status of emit (or its own error). */
typedef int (*bpe_emit_fn)(void *sink, const char *piece, size_t n, tb_error *err);
typedef int (*bpe_split_fn)(const void *arg, const char *text, size_t len, bpe_emit_fn emit,
                            void *sink, tb_error *err);

/* Built-in splitters, used when no pretok module is involved (tests, and
 * the preset "none"): the whole text is one piece; or a piece starts at
 * every ASCII space (so "a bc  d" -> "a", " bc", " ", " d"). */
int bpe_split_none(const void *arg, const char *text, size_t len, bpe_emit_fn emit, void *sink,
                   tb_error *err);
int bpe_split_spaces(const void *arg, const char *text, size_t len, bpe_emit_fn emit,
                     void *sink, tb_error *err);

/* Splitter over a pretok.h handle: arg is a const struct pretok *. */
int bpe_split_pretok(const void *arg, const char *text, size_t len, bpe_emit_fn emit,
                     void *sink, tb_error *err);

typedef struct bpe_train_config {
    size_t vocab_size;      /* target |V| including the 256 bytes, 257..1,000,000 */
    bpe_split_fn split;     /* pre-tokenizer; NULL = bpe_split_none */
    const void *split_arg;  /* passed to split, not owned */
    const char *pretok;     /* preset name written to the model file ("gpt2"); no
                               white space; copied */
} bpe_train_config;

typedef struct bpe_train_stats {
    uint64_t texts;         /* texts added */
    uint64_t bytes;         /* bytes of those texts */
    uint64_t pieces;        /* pre-tokenized pieces (occurrences) */
    uint64_t unique_pieces; /* distinct pieces ("words") */
    uint64_t pairs;         /* distinct adjacent pairs before the first merge */
    size_t vocab;           /* vocabulary reached */
    int stopped_early;      /* 1 when no pair had count >= 2 before the target */
    double s_count;         /* seconds spent splitting and counting */
    double s_merge;         /* seconds spent merging */
} bpe_train_stats;

typedef struct bpe_trainer bpe_trainer;

/* A vocabulary size outside 257..1,000,000 or a bad preset name fails with
 * TB_EINPUT naming the range. */
int bpe_trainer_new(const bpe_train_config *cfg, bpe_trainer **out, tb_error *err);
void bpe_trainer_free(bpe_trainer *t);

/* Splits text and counts its pieces (before bpe_trainer_train). Invalid
 * UTF-8 fails with TB_EINPUT naming the byte (1-based). */
int bpe_trainer_add_text(bpe_trainer *t, const char *text, size_t len, tb_error *err);
/* Adds count occurrences of one piece directly (len > 0). */
int bpe_trainer_add_piece(bpe_trainer *t, const char *piece, size_t len, uint64_t count,
                          tb_error *err);
/* Adds every train-split segment of language lang of c (-1: every language,
 * "joint"). */
int bpe_trainer_add_corpus(bpe_trainer *t, const struct corpus *c, int lang, tb_error *err);
/* Adds every line of a text file (newlines not included; a final line
 * without newline counts; CR is kept). Invalid UTF-8 fails with TB_EINPUT
 * naming the file, line and byte. */
int bpe_trainer_add_file(bpe_trainer *t, const char *path, tb_error *err);

/* Runs the merges. Call once; afterwards the vocabulary is available. No
 * piece added at all (empty input) fails with TB_EINPUT. */
int bpe_trainer_train(bpe_trainer *t, tb_error *err);
/* Counters so far (complete after train). */
void bpe_trainer_stats(const bpe_trainer *t, bpe_train_stats *out);

size_t bpe_trainer_vocab_size(const bpe_trainer *t);
/* Bytes of token id (< vocab size); *len gets their length. */
const uint8_t *bpe_trainer_token(const bpe_trainer *t, uint32_t id, size_t *len);
/* For id >= 256: the two ids it merges (left, right). Returns 0, or -1 for
 * a byte id. */
int bpe_trainer_merge(const bpe_trainer *t, uint32_t id, uint32_t *left, uint32_t *right);

/* Seconds from the start of bpe_trainer_train until the vocabulary had
 * (k + 1) * BPE_TRAIN_TIME_STEP entries, in (*s)[k] for k below the count
 * returned: every step reached (the steps below 257 are 0). Valid until the
 * trainer is freed. */
size_t bpe_trainer_step_times(const bpe_trainer *t, const double **s);

/* Writes the model file (bpe_model.h) atomically through bpe_model_write;
 * its errors name the path. */
int bpe_trainer_save(const bpe_trainer *t, const char *path, tb_error *err);

#endif
