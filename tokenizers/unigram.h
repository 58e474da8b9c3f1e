/* unigram.h - the Unigram model of a HuggingFace tokenizer.json
 * ("model": {"type": "Unigram", "vocab": [[piece, score], ...], "unk_id",
 * "byte_fallback"}), encoded exactly as HuggingFace tokenizers
 * (models/unigram/model.rs, encode_optimized + tokenize) does. spbpe.c
 * runs the normalizers, pre-tokenizers and decoders around it; this module
 * encodes one pre-tokenized word.
 *
 * Per word (bytes w[0..n), valid UTF-8):
 *   1. Viterbi over byte positions, one character at a time: every vocab
 *      piece that starts there (a common-prefix search over ALL pieces, the
 *      special ones too, as HF's trie holds them) scores its score (a
 *      double); a character that starts no piece of exactly its own length
 *      also gets the unknown candidate, scored min_score - 10 (min_score:
 *      the lowest score of the vocab). The best total wins; on a tie the
 *      candidate found first (earlier start, then shorter piece) stays.
 *   2. back from the end; adjacent unknown pieces are fused into one string
 *      (HF's fuse_unk, always on for a tokenizer.json Unigram).
 *   3. each string is looked up in the vocab; one that is not there (a
 *      fused unknown) becomes its bytes as <0xNN> pieces when byte_fallback
 *      is on and all of them exist, else the unk_id piece.
 * A word that needs the unknown piece when the model has no unk_id fails
 * (TB_EINPUT naming the character; HF fails too). Linear in n times the
 * longest piece. The handle is immutable; scratch is the caller's. */
#ifndef UNIGRAM_H
#define UNIGRAM_H

#include <stddef.h>
#include <stdint.h>

#include "../common/tb.h"

typedef struct unigram unigram;

/* Builds the model from n pieces (piece[k][0..len[k]) with score[k] is id
 * k; the pieces are copied). unk_id -1: none. Messages name the vocab entry. */
int unigram_new(unigram **out, uint32_t n, const uint8_t *const *piece, const uint32_t *len,
                const double *score, int64_t unk_id, int byte_fallback, tb_error *err);
void unigram_free(unigram *u);

/* The id of piece p[0..n), or -1. */
int32_t unigram_id(const unigram *u, const void *p, size_t n);

/* Per-call scratch, owned by the caller: zero-initialize, release after. */
typedef struct unigram_scratch {
    void *best;             /* (cap) Viterbi nodes */
    uint32_t *ends;         /* (cap) the path, last piece first */
    size_t cap;
} unigram_scratch;
void unigram_scratch_release(unigram_scratch *s);

/* Called per token in order: its id and the byte of w it starts at. */
typedef void (*unigram_emit)(void *ctx, uint32_t id, size_t start);

/* Encodes the word w[0..n) (n >= 1). */
int unigram_encode(const unigram *u, const uint8_t *w, size_t n, unigram_scratch *s,
                   unigram_emit emit, void *ctx, tb_error *err);

#endif
