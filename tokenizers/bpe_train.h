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
 * Model file: tokenizers/bpe_model.h (written by bpe_trainer_save, read by
 * bpe_model_data_read below, the one reader, which bpe-file: uses too). */
#ifndef BPE_TRAIN_H
#define BPE_TRAIN_H

#include <stddef.h>
#include <stdint.h>

#include "../common/tb.h"
#include "tokenizer.h"

struct corpus;

#define BPE_TRAIN_MIN_VOCAB 257
#define BPE_TRAIN_MAX_VOCAB 1000000
/* Training time is recorded at every vocabulary size that is a multiple of
 * this (the time file of the cache, below). */
#define BPE_TRAIN_TIME_STEP 250
/* Longest token a model file may hold, in bytes (a sanity bound for the
 * reader; trained tokens are pieces of real text). */
#define BPE_MODEL_MAX_TOKEN 65535

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

/* Writes the model file atomically (afile). */
int bpe_trainer_save(const bpe_trainer *t, const char *path, tb_error *err);

/* ---- the bpe:<N>[:<preset>] tokenizer spec ------------------------------ */

/* Constructor for tokenizer_new: arg is "<N>", "<N>k" (N * 1000) or
 * "<N>[k]:<preset>" (N in 257..1,000,000, preset a pretok.h name, default
 * "gpt2"). Trains on the train split of ctx->corpus in ctx->lang (-1: joint,
 * all languages) and encodes through tokenizers/bpe.c
 * (bpe_tokenizer_from_ranks). Bad N or preset, or no corpus: TB_EINPUT.
 * ctx->s_train (when not NULL) gets the training seconds (see the cache).
 *
 * Cache (with ctx->cache_dir): one folder per corpus and language,
 *   <cache_dir>/<manifest hash>/<lang|joint>/
 * holding, per trained target M and preset P,
 *   bpe-<M>-<P>.model   the model file (bpe_model.h), written atomically
 *   bpe-<M>-<P>.time    its training time, written atomically after it:
 *       tokbench-bpe-time 1
 *       s_count <seconds>        splitting and counting the train split
 *       at <V> <seconds>         merging: seconds from the start of
 *       ...                      bpe_trainer_train until the vocabulary had V
 *                                entries, V ascending: every multiple of
 *                                BPE_TRAIN_TIME_STEP reached, then the final
 *                                vocabulary (the whole of bpe_trainer_train)
 * Training is greedy and deterministic and never looks at the target except
 * to stop, so the model trained to N is the first N entries of the model
 * trained to any M >= N, and a model that stopped early (fewer entries than
 * its M) is the whole answer for every target (tests/test_bpe_train.c checks
 * both against fresh training). Hence the rule for bpe:N with preset P: a
 * cached pair (model, time file) of target M with E entries answers it when
 * the model validates, has preset P, E <= M, and M >= N or E < M (stopped
 * early); the tokenizer is its first min(N, E) entries. bpe-<N>-<P> is tried
 * first, then the other targets in the folder: those above N smallest first,
 * then those below N largest first. A pair that does not validate (or a model
 * without its time file, as left by versions before the time file) is
 * skipped; with no usable pair the model is trained and bpe-<N>-<P>.model and
 * .time are (re)written; a cache that cannot be written is skipped.
 * s_train = s_count + the first "at" time whose V >= min(N, E): the real
 * training seconds of the run that trained it, to within BPE_TRAIN_TIME_STEP
 * merges (rounded up) for a model cut from a larger one. */
int bpe_train_tokenizer_new(tokenizer *t, const char *arg, const tokenizer_ctx *ctx,
                            tb_error *err);

/* For the suite runner: makes sure the cache answers every bpe:<N>:<preset>
 * with N <= n for corpus c and lang (-1: joint), by training bpe:<n> once
 * (unless a usable model is there already, the rule above). Call it with the
 * largest N of a vocabulary sweep before the sweep. Unlike the spec, a cache
 * that cannot be written is an error (TB_EINPUT naming the path). preset NULL
 * = "gpt2"; cache_dir NULL or "": nothing to do. */
int bpe_train_warm_cache(const struct corpus *c, int lang, const char *cache_dir, size_t n,
                         const char *preset, tb_error *err);

/* For the suite runner: when spec is "bpe:<arg>" or "joint:bpe:<arg>" with a
 * valid arg (as above), sets *n, copies the preset (default "gpt2") into
 * preset[0..cap), sets *joint (1 for the joint: form) and returns 1; returns
 * 0 for any other or malformed spec (tokenizer_new reports those). */
int bpe_train_spec_parse(const char *spec, size_t *n, char *preset, size_t cap, int *joint);

/* ---- reading a model file --------------------------------------------- */

/* A parsed, validated model: token k's bytes are bytes[off[k]..off[k+1]). */
typedef struct bpe_model_data {
    char pretok[64];        /* preset name */
    size_t n;               /* vocabulary size */
    uint8_t *bytes;         /* all token bytes, concatenated in id order */
    size_t *off;            /* n + 1 offsets */
} bpe_model_data;

/* The one reader of the model file (bpe_model.h): parses and validates the
 * header lines, ranks 0..N-1 in order, hex of even length, ranks 0..255 the
 * single bytes, every later entry distinct and the concatenation of two
 * earlier entries, nothing after the last entry. The preset is checked for
 * its spelling only (bpe-file: then looks it up). Errors are TB_EINPUT
 * "bpe model 'PATH': line L: ..." (a missing file: "cannot open 'PATH'"). */
int bpe_model_data_read(const char *path, bpe_model_data *out, tb_error *err);
/* The same over a buffer; name is used in messages. */
int bpe_model_data_parse(const char *name, const char *data, size_t len, bpe_model_data *out,
                         tb_error *err);
void bpe_model_data_release(bpe_model_data *m);

#endif
