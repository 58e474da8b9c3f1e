/* spbpe.h - SentencePiece-style BPE (Gemma 3, Llama 2, ...), Unigram and
 * WordPiece (BERT style) models from a HuggingFace tokenizer.json, encoded
 * exactly as HuggingFace tokenizers does. Reached through
 * `hf:<name-or-path>` (hf_load.c dispatches here when the model is Unigram
 * or WordPiece, or a BPE with byte_fallback or a Metaspace pre_tokenizer).
 *
 * Pipeline of one encode (names are tokenizer.json's):
 *   1. added_tokens with "normalized": false are cut out of the raw text,
 *      leftmost-longest (specials too: text "<bos>" is the token <bos>);
 *   2. every other stretch is normalized on its own: Sequence of Prepend
 *      (only a non-empty stretch), Replace (String pattern), NFC, NFKC,
 *      NFD, NFKD, Precompiled (SentencePiece charsmap, base64; per grapheme
 *      cluster first, see charsmap.h), Strip, Lowercase, StripAccents (every
 *      mark, Mn Mc Me), BertNormalizer (clean_text, handle_chinese_chars,
 *      strip_accents - Mn only, lowercase); then added_tokens with
 *      "normalized": true are cut out of the normalized text (matching
 *      their normalized content);
 *   3. pre_tokenizer: null (one word), Metaspace (replacement,
 *      prepend_scheme always / first / never, or the older add_prefix_space;
 *      split true / false; "first" means the piece starting at byte 0 of
 *      the original text), Split with a String pattern (behaviors Removed,
 *      Isolated, MergedWithPrevious, MergedWithNext, Contiguous; invert),
 *      WhitespaceSplit, Whitespace (\w+|[^\w\s]+ with Oniguruma's \w),
 *      BertPreTokenizer, Punctuation (its behaviors), Digits
 *      (individual_digits), Sequence of those;
 *   4. model BPE per word: each character is a symbol (vocab lookup, with
 *      continuing_subword_prefix on all but the first and end_of_word_suffix
 *      on the last); a character not in the vocabulary becomes its UTF-8
 *      bytes as <0xNN> tokens (byte_fallback, when all of them exist), else
 *      unk_token (fuse_unk joins adjacent unknowns into one); then merges,
 *      lowest rank first and leftmost on ties (a binary heap: O(n log n) per
 *      word); with ignore_merges a word that is a vocab entry is taken
 *      whole. Merges are "a b" strings or ["a", "b"] pairs.
 *      Unigram per word (unigram.h): Viterbi over the pieces as HF's
 *      encode_optimized, unknown runs fused into unk_id, byte_fallback.
 *      WordPiece per word (wordpiece.h): greedy longest match with
 *      continuing_subword_prefix, a word with no match or longer than
 *      max_input_chars_per_word is one unk_token (lossy: unk_rate counts it).
 * HuggingFace drops a character that has neither a token, byte tokens nor an
 * unk_token; tokbench refuses to encode it instead (TB_EINPUT naming the
 * byte), so no lossy encoding is ever reported as a complete one.
 *
 * Offsets: each token starts at the original byte its first symbol came
 * from; text inserted by Prepend or Metaspace belongs to the start of the
 * stretch it was put in front of, so a "▁" token standing alone covers no
 * bytes (offsets are non-decreasing, not strictly increasing). Bytes that
 * Unicode normalization changed map to the start of the changed run.
 *
 * is_fallback: the unk token and the 256 <0xNN> tokens of byte_fallback
 * (unk_rate counts both; a file without byte_fallback that meets an unknown
 * character shows it there).
 *
 * Decode follows the decoder of the file: Sequence of Replace (String),
 * ByteFallback (a run of <0xNN> tokens that is valid UTF-8 gives its bytes,
 * else one U+FFFD per token), Fuse, Strip (content, start, stop), Metaspace
 * (the replacement becomes a space; in the first token it is dropped unless
 * prepend_scheme is never); no decoder joins the tokens with spaces (as
 * HuggingFace does). Added tokens decode to their content. --pieces gives
 * each token alone: <0xNN> as the byte, the decoder's Replace and Metaspace
 * applied, no Strip. WordPiece decoder: a token after the first that starts
 * with the prefix loses it and joins the one before, any other gets a space
 * in front; cleanup removes the space before . ? ! , n't 'm 's 've 're,
 * turns " ' " into "'" and " do not" into " don't".
 *
 * Anything else (Regex patterns, lstrip/rstrip/single_word added tokens,
 * dropout, other component types) fails with TB_EINPUT naming the
 * component. The handle is immutable; scratch is per call. */
#ifndef SPBPE_H
#define SPBPE_H

#include "../common/tb.h"
#include "tokenizer.h"

struct json_t;

/* 1 when the parsed tokenizer.json root is for this loader: model Unigram
 * or WordPiece, or BPE with byte_fallback true or a Metaspace pre_tokenizer
 * (also inside Sequence). */
int spbpe_json_wanted(struct json_t *root);

/* Builds t (ops, state, vocab_size) from the parsed root. On failure
 * releases everything it allocated; messages name the component and entry
 * (the caller prefixes the file). */
int spbpe_new_from_json(tokenizer *t, struct json_t *root, tb_error *err);

#endif
