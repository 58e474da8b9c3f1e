/* wordpiece.h - the WordPiece model of a HuggingFace tokenizer.json
 * ("model": {"type": "WordPiece", "vocab": {token: id}, "unk_token",
 * "continuing_subword_prefix", "max_input_chars_per_word"}), encoded
 * exactly as HuggingFace tokenizers (models/wordpiece/mod.rs) does. spbpe.c
 * runs the normalizers, pre-tokenizers and decoders around it; this module
 * encodes one pre-tokenized word.
 *
 * Per word w[0..n) (valid UTF-8):
 *   - more than max_input_chars_per_word characters: the word is one
 *     unk_token;
 *   - else greedy longest match from the left: at each start the longest
 *     vocab entry (continuing_subword_prefix + text for every start but the
 *     first) ending on a character boundary; when no entry starts somewhere,
 *     the whole word is one unk_token (the pieces found so far are dropped).
 * The walk goes through a byte trie of the vocab, so a word costs its length
 * times the longest entry, never quadratic. A word that needs unk_token when
 * the vocab lacks it fails (TB_EINPUT; HF fails too). Lossy: the unk token
 * stands for text it does not give back. Immutable handle; no scratch. */
#ifndef WORDPIECE_H
#define WORDPIECE_H

#include <stddef.h>
#include <stdint.h>

#include "../common/tb.h"

typedef struct wordpiece wordpiece;

/* n entries: piece[k][0..len[k]) is id k (len 0: no entry with that id).
 * unk_id -1: unk_token is not in the vocab. */
int wordpiece_new(wordpiece **out, uint32_t n, const uint8_t *const *piece, const uint32_t *len,
                  const char *prefix, size_t prefix_len, int64_t unk_id, size_t max_chars,
                  tb_error *err);
void wordpiece_free(wordpiece *w);

/* Called per token in order: its id and the byte of the word it starts at. */
typedef void (*wordpiece_emit)(void *ctx, uint32_t id, size_t start);

/* Encodes the word w[0..n) (n >= 1). */
int wordpiece_encode(const wordpiece *wp, const uint8_t *w, size_t n, wordpiece_emit emit,
                     void *ctx, tb_error *err);

#endif
