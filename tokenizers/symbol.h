/* symbol.h - the symbol scheme (one token per word form), its "endings" and
 * "implied space" variants, and symbol text (one Unicode code point per
 * token).
 *
 * Specs:
 *   symbol:V[:FALLBACK]       V = 1..100000000, digits with an optional k
 *                             (x1000) or M (x1000000) suffix ("2k", "250k"),
 *                             or "all" (every word form seen in training)
 *   symbol-stem:V[:FALLBACK]  the same over stem and ending units
 *   symbol-space:V[:FALLBACK] the same with a single space folded into the
 *                             word after it
 *   FALLBACK is "graphemes" (the default) or "bytes".
 *
 * Units. The text is cut at ICU word boundaries (corpora/words.h): a word is
 * an ICU word segment; a gap is the maximal run of bytes between two words
 * (or before the first / after the last word): spaces, punctuation, symbols.
 * symbol: each word is one unit and each gap is one unit.
 * symbol-stem: a word whose first code point is Cyrillic (U+0400..U+052F)
 * is stemmed with the Snowball Russian stemmer, one whose first code point
 * is a Latin letter (A-Z, a-z, U+00C0..U+024F) with the English stemmer;
 * other words (Chinese, digits, ...) stay one unit. For a stemmed word the
 * surface form w is lower-cased code point by code point (utf8proc simple
 * lower case mapping, one code point to one code point), stemmed, and k is
 * the number of leading code points that the lower-cased form and the stem
 * share. The stem unit is the first k code points of w AS WRITTEN, the
 * ending unit the rest of w as written (no ending unit when it is empty;
 * the whole word when k is 0). Both units are substrings of the surface
 * form, so case is kept exactly: "ВЕЛИКИЙ" -> "ВЕЛИК" + "ИЙ", "Великого" ->
 * "Велик" + "ого", "iPhone" -> "iPhon" + "e".
 * symbol-space: a gap that is exactly one byte, ASCII space 0x20, and is
 * followed by a word (between two words, or at the start of the text) is
 * not a unit of its own: the word's unit is " " + word, like SentencePiece's
 * "▁word" pieces. Every other gap stays one unit: two or more spaces, a run
 * that holds punctuation, a tab or NBSP (U+00A0 is not 0x20), a space
 * before punctuation, a space at the end of the text. Words are one unit
 * each, as in symbol:. So
 *     "the cat sat."  -> "the", " cat", " sat", "."
 *     "a  b"          -> "a", "  ", "b"
 *     " x"            -> " x"            (a space at the start folds too)
 *     "x ."           -> "x", " ."       (space before punctuation: a gap)
 *     "x "            -> "x", " "
 *     "мама мыла раму" -> "мама", " мыла", " раму"
 *     "人人生而自由，在尊严和权利上一律平等。" (no spaces) -> the units of symbol:
 * Hence on any text tokens(symbol-space) = tokens(symbol) - (number of
 * folded spaces) whenever every unit of both cuts is an entry (e.g. 'all'
 * on the train split); with fallback the two can differ either way (" cat"
 * may be unseen while "cat" is known, or the reverse).
 *
 * Vocabulary (trained on the TRAIN split of ctx's corpus and language; all
 * languages for joint): every unit is counted; units that come from words
 * ("word units") are ranked by count (higher first), ties by bytes (memcmp,
 * a proper prefix first), and the first V are kept; every gap unit is kept.
 * (symbol-space: the folded " cat" and the bare "cat" are two word units,
 * counted and ranked each on its own; V counts both.)
 * A string seen both as a word unit and as a gap is a word unit. The kept
 * entries, ordered by the same rule, are ids 0..E-1. Ids E.. are the
 * fallback scheme's ids shifted by E (bytes: E + byte value; graphemes:
 * E + the graphemes scheme's id for the same corpus and language). A unit
 * that is not an entry is encoded with the fallback scheme (lossless), and
 * every such token is a fallback token (tokenizer_is_fallback, unk_rate).
 *
 * Cache: the counted units (independent of V) are stored in
 * <cache_dir>/<manifest hash>/<lang|joint>/symbol.units (symbol-stem.units,
 * symbol-space.units for the variants: one file per way of cutting, never
 * shared), written atomically (tokenizers/counted_vocab.h):
 *     tokbench symbol units 1\n
 *     units <n>\n
 *     <count> <w|g> <len> <len bytes>\n     (n lines, ranked as above over
 *                                           all units, w = word unit)
 * A file that does not parse exactly (units distinct, valid UTF-8 without
 * newlines, counts > 0, in rank order) is ignored and rebuilt; the cache
 * never changes results. With ctx->no_train (a shard) the units are never
 * counted: a missing file fails (TB_EINPUT) saying to run `tokbench prepare`. */
#ifndef SYMBOL_H
#define SYMBOL_H

#include <stddef.h>
#include <stdint.h>

#include "../common/tb.h"
#include "tokenizer.h"

struct corpus;

/* The scheme constructors, with the factory's signature (tokenizer.c). */
int symbol_scheme_new(tokenizer *t, const char *arg, const tokenizer_ctx *ctx, tb_error *err);
int symbol_stem_scheme_new(tokenizer *t, const char *arg, const tokenizer_ctx *ctx,
                           tb_error *err);
int symbol_space_scheme_new(tokenizer *t, const char *arg, const tokenizer_ctx *ctx,
                            tb_error *err);

/* 1 when t was built from a symbol:, symbol-stem: or symbol-space: spec. */
int symbol_is_symbol(const tokenizer *t);

/* Word-level coverage of valid UTF-8 text[0..len): *n_words gets the number
 * of ICU words, *n_oov the number of them for which at least one unit was
 * not an entry (encoded with the fallback). TB_EUSAGE when t is not a symbol
 * tokenizer, TB_EINPUT on invalid UTF-8. */
int symbol_oov_words(const tokenizer *t, const char *text, size_t len, size_t *n_words,
                     size_t *n_oov, tb_error *err);

/* Number of entries E (word units + gap units; the fallback ids follow). */
size_t symbol_n_entries(const tokenizer *t);

/* The dictionary a reader of symbol text needs besides the code point
 * assignment, serialised as: the bytes of every entry in id order, each
 * followed by "\n" (entries never contain a newline: corpus segments have
 * none), then for the graphemes fallback the bytes of each of its clusters
 * (graphemes ids 256..) each followed by "\n". The byte fallback is implicit
 * (id E + b is byte b) and costs nothing. *bytes gets the serialised size. */
int symbol_dict_bytes(const tokenizer *t, uint64_t *bytes, tb_error *err);
/* Writes that serialisation to out[0..cap); *n_bytes gets the full size. */
int symbol_dict_write(const tokenizer *t, char *out, size_t cap, size_t *n_bytes,
                      tb_error *err);

/* ---- symbol text (symbol_text.c) ---------------------------------------
 *
 * Token id k is written as the k-th code point of this assignment, which
 * lists every Unicode scalar value that is not a surrogate, a noncharacter
 * (U+FDD0..U+FDEF, U+xxFFFE, U+xxFFFF) or a control (category Cc: U+0000..
 * U+001F, U+007F..U+009F), shortest UTF-8 first so that the byte counts are
 * the scheme's best case:
 *   1 byte   U+0020..U+007E                                      95
 *   2 bytes  U+00A0..U+07FF                                    1888
 *   3 bytes  U+4E00..U+9FFF CJK Unified Ideographs, U+3400..U+4DBF CJK
 *            Extension A, U+AC00..U+D7A3 Hangul syllables, U+A000..U+A48F
 *            Yi syllables, then the rest of the BMP in code point order:
 *            U+0800..U+33FF, U+4DC0..U+4DFF, U+A490..U+ABFF, U+D7A4..U+D7FF,
 *            U+E000..U+FDCF (incl. private use), U+FDF0..U+FFFD     61406
 *   4 bytes  planes 2-3 (CJK Extensions B..), plane 1 (historic scripts,
 *            hieroglyphs, emoji), planes 15-16 (supplementary private use),
 *            then planes 4-14, each U+p0000..U+pFFFD            1048544
 * 1,111,933 code points in all. */
#define SYMBOL_CP_CAPACITY 1111933u

/* The code point of assignment index k, or -1 when k >= SYMBOL_CP_CAPACITY. */
int32_t symbol_cp(size_t k);
/* The assignment index of code point cp, or -1 when cp is not assigned. */
long symbol_cp_index(int32_t cp);

/* Symbol text of valid UTF-8 text[0..len) under tokenizer t (any scheme whose
 * vocabulary fits the assignment): one code point per token. Writes up to
 * cap bytes; *n_bytes gets the full UTF-8 size and *n_chars (may be NULL)
 * the number of code points (= tokens). */
int symbol_text_encode(const tokenizer *t, const char *text, size_t len, char *out, size_t cap,
                       size_t *n_bytes, size_t *n_chars, tb_error *err);
/* The inverse: symbol text stext[0..len) back to the original bytes. Errors
 * (TB_EINPUT, *n_bytes 0) name the byte offset in stext of the first bad
 * symbol: invalid UTF-8, a code point outside the assignment, or an index
 * outside t's vocabulary; when every symbol is good, the symbol where the
 * decoded bytes stop being valid UTF-8 (only byte pieces such as the byte
 * fallback can do that; no text encodes to such symbol text). A tokenizer
 * with more ids than the assignment fails as in symbol_text_encode. */
int symbol_text_decode(const tokenizer *t, const char *stext, size_t len, char *out, size_t cap,
                       size_t *n_bytes, tb_error *err);

/* Sizes over one split of corpus c, language lang, in the file form (each
 * segment a line ending in "\n"): *text_bytes the original UTF-8 bytes,
 * *sym_bytes / *sym_chars the symbol text's bytes and code points (newlines
 * included: one per segment). Any pointer may be NULL. */
int symbol_text_split_size(const tokenizer *t, const struct corpus *c, size_t lang, int split,
                           uint64_t *text_bytes, uint64_t *sym_bytes, uint64_t *sym_chars,
                           tb_error *err);

#endif
