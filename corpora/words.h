/* words.h - word segmentation: ICU UAX #29 word boundaries (the root locale,
 * which segments Chinese and Japanese with ICU's dictionary), one rule for all
 * languages. A word is a break-iterator segment whose rule status is a word
 * status (numbers, letters, kana or ideographs: status >= UBRK_WORD_NONE_LIMIT);
 * spaces and punctuation are not words.
 *
 * A words handle holds an ICU break iterator, so it is per thread. */
#ifndef WORDS_H
#define WORDS_H

#include <stddef.h>
#include <stdint.h>

#include "../common/tb.h"

typedef struct words words;

typedef struct word_span {
    uint32_t start;     /* byte offset of the first byte */
    uint32_t end;       /* byte offset one past the last byte */
} word_span;

int words_new(words **out, tb_error *err);
void words_free(words *w);

/* Segments valid UTF-8 s[0..n) (n < 2^32). Writes up to cap spans, in order,
 * to spans (may be NULL when cap is 0) and stores the number of words in
 * *n_words, which may exceed cap: call again with a larger buffer. */
int words_split(words *w, const char *s, size_t n, word_span *spans, size_t cap,
                size_t *n_words, tb_error *err);

#endif
