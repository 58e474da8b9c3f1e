/* compress.h - the compression table: what general-purpose archivers make of
 * the original text, and what symbol text (tokenizers/symbol.h) makes of it,
 * as tidy result rows.
 *
 * Everything is measured on the file form of one split of one language: each
 * segment followed by "\n", in corpus order. */
#ifndef COMPRESS_H
#define COMPRESS_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "../common/tb.h"
#include "../corpora/corpus.h"
#include "../tokenizers/tokenizer.h"
#include "../results/results.h"

/* Compressed sizes of data[0..n) in bytes, each in one call, in memory:
 *   gzip9   zlib deflate, level 9, gzip wrapper (windowBits 31, memLevel 8,
 *           default strategy, no file name or time in the header). gzip(1)
 *           has its own deflate: `gzip -9 -n` differs by < 0.1% (498271
 *           vs 498640 bytes on libreoffice ru.txt).
 *   xz9     liblzma, preset 9, .xz container, CRC64 check, single thread.
 *           The LZMA2 dictionary is capped at the input size rounded up to
 *           a power of two (at least 4 KiB), which bounds memory; on
 *           libreoffice ru.txt and on udhr (tests/cli_symbol.sh) the size
 *           equals `xz -9 | wc -c` exactly.
 *   zstd19  libzstd, ZSTD_compress level 19: the frame `zstd -19 --no-check`
 *           writes (the zstd tool adds a 4-byte checksum by default). */
int compress_gzip9_size(const void *data, size_t n, uint64_t *out, tb_error *err);
int compress_xz9_size(const void *data, size_t n, uint64_t *out, tb_error *err);
int compress_zstd19_size(const void *data, size_t n, uint64_t *out, tb_error *err);

/* The file form of split `split` of language lang of c, malloc'd (owned by
 * the caller; NUL-terminated, not counted in *n). */
int compress_split_text(const corpus *c, size_t lang, enum corpus_split split, char **out,
                        size_t *n, tb_error *err);

/* Appends the archiver rows of one (corpus, split, lang), under tokenizer
 * column `label` (suggested: "archive"): text_bytes, gzip9_bytes, xz9_bytes,
 * zstd19_bytes (unit bytes). Costs about one second per MB of text (xz and
 * zstd at their top levels): call once per corpus, split and language, not
 * once per tokenizer. */
int compress_emit_archivers(results *res, const corpus *c, size_t lang, enum corpus_split split,
                            const char *label, tb_error *err);

/* Appends the symbol-text rows of one (corpus, split, lang) for symbol
 * tokenizer t (symbol: or symbol-stem:), under tokenizer_name(t):
 *   symbol_text_bytes       UTF-8 bytes of the symbol text (file form)  bytes
 *   symbol_text_chars       its code points (tokens + newlines)         chars
 *   symbol_dict_bytes       the serialised dictionary (symbol_dict_bytes) bytes
 *   symbol_text_dict_bytes  symbol_text_bytes + symbol_dict_bytes       bytes
 * The dictionary is the same for every split; it counts in full because a
 * reader needs all of it to decode. */
int compress_emit_symbol(results *res, const corpus *c, size_t lang, enum corpus_split split,
                         const tokenizer *t, tb_error *err);

/* Appends the word coverage rows of one (corpus, split, lang) for symbol
 * tokenizer t, under tokenizer_name(t): oov_words, the share of ICU words
 * of which at least one unit fell back (symbol_oov_words; unit "share"),
 * and oov_word_count (unit "words"). A split without words gives share 0. */
int compress_emit_oov_words(results *res, const corpus *c, size_t lang, enum corpus_split split,
                            const tokenizer *t, tb_error *err);

/* The rows of compress_emit_oov_words and compress_emit_symbol from their
 * sums over the split (words, oov; symbol text bytes sb and chars sc, the
 * dictionary bytes db): the one way to them, for the unsharded run and for
 * `tokbench merge` (bench/partial.h) alike. cn, sp, ln, tn: corpus, split,
 * language, tokenizer name. */
int compress_oov_rows(results *res, const char *cn, const char *sp, const char *ln,
                      const char *tn, uint64_t words, uint64_t oov, tb_error *err);
int compress_symbol_rows(results *res, const char *cn, const char *sp, const char *ln,
                         const char *tn, uint64_t sb, uint64_t sc, uint64_t db, tb_error *err);

/* The additive symbol statistics of segment seg of language lang under
 * symbol tokenizer t: out[0] its ICU words, out[1] the oov ones
 * (symbol_oov_words), out[2] / out[3] the bytes / code points of its symbol
 * text in the file form (newline included). Summed over a split they are
 * what compress_emit_oov_words and compress_emit_symbol count. */
int compress_symbol_segment(const tokenizer *t, const corpus *c, size_t lang, size_t seg,
                            uint64_t out[4], tb_error *err);

/* The symbol lines of a shard partial's block (bench/partial.h): "D dict"
 * (symbol_dict_bytes) and a "Y seg words oov sym_bytes sym_chars" line per
 * segment s with only[s] (only NULL: all), in segment order. */
int compress_write_partial(const tokenizer *t, const corpus *c, size_t lang,
                           const unsigned char *only, FILE *f, tb_error *err);

#endif
