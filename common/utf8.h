/* utf8.h - strict UTF-8 helpers (RFC 3629: no overlongs, no surrogates,
 * nothing above U+10FFFF), the one definition of "valid" in tokbench. */
#ifndef UTF8_H
#define UTF8_H

#include <stddef.h>
#include <stdint.h>

/* Decodes one code point at s[0..n). Returns its length in bytes (1..4) and
 * stores the code point, or returns 0 when the sequence is invalid or
 * truncated (then *cp is untouched). n must be > 0. */
int utf8_decode(const uint8_t *s, size_t n, int32_t *cp);

/* Returns 1 when s[0..n) is valid UTF-8; otherwise 0 and the byte offset of
 * the first invalid sequence in *bad (if not NULL). */
int utf8_valid(const char *s, size_t n, size_t *bad);

/* Number of code points in valid UTF-8 s[0..n). */
size_t utf8_count(const char *s, size_t n);

/* Encodes cp (must be a scalar value) into out[0..4); returns the length. */
int utf8_encode(int32_t cp, uint8_t out[4]);

#endif
