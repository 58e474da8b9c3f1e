/* charsmap.h - SentencePiece's precompiled_charsmap: a Darts-clone double
 * array trie over UTF-8 bytes whose values index a blob of NUL-ended
 * replacement strings. The blob format: a little-endian uint32 trie size in
 * bytes (whole 4-byte units), the units, then the replacements.
 *
 * Two readers use it with different matching rules, both here:
 *   CHARSMAP_LONGEST  SentencePiece (normalizer.cc, `.model` files): the
 *                     longest of the first 32 prefix matches;
 *   CHARSMAP_FIRST    HuggingFace's Precompiled normalizer (tokenizer.json,
 *                     crate spm_precompiled): the first, i.e. shortest,
 *                     prefix match.
 * The struct belongs to the caller (charsmap_init / charsmap_release); an
 * empty blob is the identity (nothing matches). Immutable once built. */
#ifndef CHARSMAP_H
#define CHARSMAP_H

#include <stddef.h>
#include <stdint.h>

#include "../common/tb.h"

typedef struct charsmap {
    uint32_t *units;        /* (n_units) the double array */
    size_t n_units;
    char *repl;             /* (repl_len + 1) owned, NUL-terminated copy */
    size_t repl_len;
} charsmap;

enum { CHARSMAP_LONGEST, CHARSMAP_FIRST };

/* Reads blob[0..len); on failure the message names what is wrong (no
 * prefix: the caller adds the file and place) and c is left empty. */
int charsmap_init(charsmap *c, const unsigned char *blob, size_t len, tb_error *err);

/* The prefix of key[0..n) the trie maps (rule: CHARSMAP_*): returns its
 * length (0: no match) and its replacement in *out[0..*out_len) (inside c;
 * a value outside the blob is the empty string). */
size_t charsmap_match(const charsmap *c, const char *key, size_t n, int rule, const char **out,
                      size_t *out_len);

void charsmap_release(charsmap *c);

#endif
