/* base64.h - strict standard base64 (RFC 4648 alphabet, '=' padding, no
 * whitespace), as tiktoken rank files and tokenizer.json's Precompiled
 * charsmap use it. */
#ifndef BASE64_H
#define BASE64_H

#include <stddef.h>
#include <stdint.h>

/* Decodes s[0..n) into out (room for n / 4 * 3 bytes); returns the decoded
 * length, or -1 when s is not strict padded base64 (or n is 0). */
long base64_decode(const char *s, size_t n, uint8_t *out);

#endif
