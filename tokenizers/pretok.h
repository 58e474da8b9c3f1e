/* pretok.h - pre-tokenization: splitting text into pieces before BPE, with
 * the regular expressions of production tokenizers (PCRE2, 8-bit, UTF + UCP,
 * JIT-compiled).
 *
 * A pretok is an immutable sequence of split stages (HF "Sequence" of
 * "Split" pre-tokenizers); stage k splits every piece of stage k - 1, each
 * piece matched as a whole subject (so `(?!\S)` sees the end of the piece).
 * A stage finds the leftmost-first non-empty matches of its regex; with
 * `invert` the roles of matches and the gaps between them swap; behaviour
 * ISOLATED keeps matches and gaps as pieces, REMOVED drops the matches (after
 * inversion: `Removed` + invert keeps only matches, which is tiktoken's
 * find_iter). Empty matches are skipped. No stage = the whole text is one
 * piece ("none").
 *
 * `\s` follows Unicode White_Space as Rust regex and Oniguruma do: PCRE2
 * 10.42's UCP `\s` lacks U+0085, so every pattern is rewritten to add it.
 *
 * Presets (the patterns of the reference implementations, verbatim):
 *   gpt2, r50k, p50k  tiktoken r50k_base/p50k_base, GPT-2 ByteLevel:
 *       's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+
 *   cl100k, llama3  tiktoken cl100k_base (npm tiktoken 1.0.22) and Llama 3:
 *       (?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}|
 *        ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+
 *   qwen2  Qwen2/Qwen3: as cl100k with \p{N} (single digits)
 *   o200k  tiktoken o200k_base / GPT-4o (see pretok.c)
 *   none   no splitting
 * Every preset is one ISOLATED stage. tiktoken keeps only matches and HF
 * Split Isolated keeps gaps too; with these patterns every character is
 * covered by some alternative, so there are no gaps and both agree. */
#ifndef PRETOK_H
#define PRETOK_H

#include <stddef.h>

#include "../common/tb.h"

typedef struct pretok pretok;

enum pretok_behavior {
    PRETOK_ISOLATED = 0,   /* matches and gaps are pieces */
    PRETOK_REMOVED = 1,    /* matches are dropped, gaps are pieces */
};

/* An empty sequence ("none"). */
int pretok_new(pretok **out, tb_error *err);
/* A preset by name (list above); unknown names fail with TB_EINPUT. */
int pretok_new_preset(const char *name, pretok **out, tb_error *err);
void pretok_free(pretok *p);

/* Appends a split stage. pattern[0..len) is a regex (literal != 0: a plain
 * string). Compile errors fail with TB_EINPUT naming the pattern offset. */
int pretok_add_split(pretok *p, const char *pattern, size_t len, int literal,
                     enum pretok_behavior behavior, int invert, tb_error *err);

/* The preset name it was made from, or NULL for a custom sequence. */
const char *pretok_preset(const pretok *p);
/* The stages as they were added (for a writer that rebuilds the same
 * sequence with pretok_add_split): stage i < pretok_n_stages(p); *pattern
 * (NUL-terminated, *len bytes) is owned by p. */
int pretok_n_stages(const pretok *p);
void pretok_stage(const pretok *p, int i, const char **pattern, size_t *len, int *literal,
                  enum pretok_behavior *behavior, int *invert);
/* Comma-separated preset names, for messages. */
const char *pretok_presets(void);

/* Called once per piece [start, end) of text, in order; end > start. A
 * non-zero return stops the split and is returned by pretok_split. */
typedef int (*pretok_piece_fn)(void *arg, size_t start, size_t end);

/* Splits valid UTF-8 text[0..len) (not re-checked). Thread-safe: scratch
 * is per call. Fails with TB_EINPUT when a match hits the regex engine's
 * limits (error names the byte offset). */
int pretok_split(const pretok *p, const char *text, size_t len, pretok_piece_fn fn, void *arg,
                 tb_error *err);

#endif
