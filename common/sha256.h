/* sha256.h - SHA-256 (FIPS 180-4), used for corpus MANIFEST file hashes and
 * for the cache keys derived from them.
 *
 * Usage: sha256_ctx s; sha256_init(&s); sha256_update(&s, p, n) any number of
 * times; sha256_final(&s, digest). The context is a plain caller-owned struct
 * with no heap state (nothing to release). */
#ifndef SHA256_H
#define SHA256_H

#include <stddef.h>
#include <stdint.h>

typedef struct sha256_ctx {
    uint32_t h[8];       /* chaining state */
    uint64_t nbytes;     /* message bytes hashed so far */
    uint8_t buf[64];     /* partial block */
    size_t nbuf;         /* bytes used in buf, 0..63 */
} sha256_ctx;

void sha256_init(sha256_ctx *s);
void sha256_update(sha256_ctx *s, const void *data, size_t len);
/* Writes the 32-byte digest; s must be re-initialised before reuse. */
void sha256_final(sha256_ctx *s, uint8_t out[32]);

/* Lower-case hex of a 32-byte digest, NUL-terminated (65 bytes). */
void sha256_digest_hex(const uint8_t digest[32], char out[65]);
/* One-shot: lower-case hex digest of data[0..len), NUL-terminated. */
void sha256_hex(const void *data, size_t len, char out[65]);

#endif
