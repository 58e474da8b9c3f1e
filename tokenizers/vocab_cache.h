/* vocab_cache.h - compiled vocabularies: a byte-level BPE model loaded from a
 * production or user vocabulary file (tiktoken:, hf:, bpe-file:) written
 * once, with every lookup table of struct bpe (bpe.h) and its pre-tokenizer,
 * into the cache folder, and memory-mapped on later loads: a load checks the
 * file and points the model's tables into the mapping (no parsing, no
 * allocation proportional to the vocabulary).
 *
 * Where: <cache_dir>/vocab/<name>.tbv, with <name>
 *   <source sha256>-<spec, ':' as '-'>      a packaged name (vocab_files.h:
 *                                           the table gives the sha256)
 *   path-<32 hex of sha256(real path)>-<loader>  a user's file
 * loader: the spec without the file ("tiktoken-cl100k_base", "tiktoken-o200k"
 * for tiktoken:o200k:PATH, "hf", "bpe-file").
 *
 * Format `tokbench-vocab 1` (VOCAB_CACHE_VERSION), native little-endian,
 * every section at a multiple of 64 bytes:
 *   header (struct vocab_cache_header in vocab_cache.c, 1432 bytes):
 *     magic "TBVOCAB\n", u32 version, u32 0x01020304 (byte order), u64 file
 *     bytes, u64 checksum of bytes [32, end) (vocab_cache_checksum: 4 lanes
 *     of 64-bit multiply-rotate, xxh64-like; against damage, not forgery);
 *     source identity: u64 size, dev, inode, i64 mtime and ctime (ns), the
 *     64 hex digits of its sha256, the loader (64 bytes, NUL-padded); the
 *     model: u32 n_ids, u32 flags (1 direct, 2 NFC), u64 token bytes, vmask,
 *     pair entries, u32 byte_id[256], then 11 sections {u64 offset, u64
 *     bytes}: token bytes, tok_off (u64), tok_len (u32), kind (u8), vslot
 *     (u32), vbloom (u64 x 32768), pidx (u32 x n_ids + 2), plist (12-byte
 *     entries), pfilt (u64), bytepair (16-byte entries x 65536), pretok;
 *   pretok section: u32 length + preset name ("" for a custom sequence),
 *     u32 stages, per stage u32 literal, behavior, invert, length + pattern.
 *
 * Trust: a file is used only when the header, the checksum and every table
 * invariant the encoder relies on check out (ids in range, token bytes
 * inside the arena, each merge's token = the bytes of its pair, sorted pair
 * lists, a free slot in the token hash), its loader is the spec's, and its
 * source is the file the spec reads now: same (size, dev, inode, mtime,
 * ctime) as recorded - no hashing on that path - else the source is hashed
 * and must have the recorded sha256 (then the header is rewritten with the
 * new identity); for a packaged name that sha256 must also be the table's.
 * Anything else (missing, truncated, bit-flipped, another version, a
 * source that changed) is rebuilt from the source by the slow loader; a
 * cache that cannot be written is skipped. A SentencePiece-style BPE model
 * of a tokenizer.json (spbpe_of, spbpe_impl.h: hf:gemma3, hf:llama2) is
 * compiled in its own form (spbpe_cache.h, magic "TBSPBPE\n", the same
 * prefix and rules; the reader is picked by the magic); any other model
 * the slow loader gives (a tokenizer.json Unigram or WordPiece) is not
 * cached. Bump
 * VOCAB_CACHE_VERSION whenever struct bpe's tables or a loader's output
 * change meaning. */
#ifndef VOCAB_CACHE_H
#define VOCAB_CACHE_H

#include <stddef.h>
#include <stdint.h>

#include "../common/tb.h"
#include "tokenizer.h"

#define VOCAB_CACHE_VERSION 1

/* A scheme constructor of tokenizer.c's table. */
typedef int (*vocab_cache_make_fn)(tokenizer *t, const char *arg, const tokenizer_ctx *ctx,
                                   tb_error *err);

/* make(t, arg, ctx, err) through the cache: spec is the whole spec (no
 * "joint:"), arg the part make gets. Without ctx->cache_dir, or for a spec
 * that reads no regular file, just make. Writes one line on what happened
 * to ctx->vocab_note when it is not NULL ("" when the cache was not
 * involved). Errors are make's. */
int vocab_cache_new(tokenizer *t, const char *spec, vocab_cache_make_fn make, const char *arg,
                    const tokenizer_ctx *ctx, tb_error *err);

/* The checksum of the header (xxh64-like, seed 0). */
uint64_t vocab_cache_checksum(const void *data, size_t len);
/* Recomputes the checksum field of a file image data[0..len) (len >= 32),
 * for tests and the fuzz target that forge files. */
void vocab_cache_seal(void *data, size_t len);

#if defined(BPE_INTERNAL) || defined(VOCAB_CACHE_INTERNAL)
/* Identity of the source of a compiled vocabulary. */
typedef struct vocab_cache_source {
    char loader[64];        /* NUL-terminated, see above */
    char sha256[65];        /* lower-case hex */
    uint64_t size, dev, ino;
    int64_t mtime_ns, ctime_ns;
} vocab_cache_source;

/* The first 200 bytes of every compiled file, whatever model it holds:
 * "TBVOCAB\n" (byte-level BPE, this file) or "TBSPBPE\n" (spbpe_cache.h). */
struct vocab_cache_prefix {
    char magic[8];
    uint32_t version, endian;   /* endian: 0x01020304 written natively */
    uint64_t file_bytes;
    uint64_t checksum;          /* vocab_cache_checksum of bytes [32, file_bytes) */
    uint64_t src_size, src_dev, src_ino;
    int64_t src_mtime_ns, src_ctime_ns;
    char src_sha256[64];        /* hex, no NUL */
    char loader[64];            /* NUL-padded */
};

/* TB_EINPUT with "compiled vocabulary: " and the printf-style message: the
 * refusal of every reader of a compiled file. */
int vocab_cache_fail(tb_error *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Every section of a compiled file starts at a multiple of this. */
#define VOCAB_CACHE_ALIGN 64
/* A section of a compiled file: where it starts and its bytes. */
struct vocab_cache_sec {
    uint64_t off, len;
};
/* Places n sections of sz[i] bytes one after the other behind a header of
 * header bytes, each at a VOCAB_CACHE_ALIGN boundary, into sec; returns the
 * file's bytes (the end of the last section, aligned). */
size_t vocab_cache_layout(struct vocab_cache_sec *sec, const size_t *sz, int n, size_t header);
/* Checks that section i of n has want[i] bytes, starts aligned, after the
 * header (header bytes) and the section before it, and ends inside len.
 * Failure: TB_EINPUT, "compiled vocabulary: section NAME: bad place or
 * size" with NAME names[i]. */
int vocab_cache_check_sections(const struct vocab_cache_sec *sec, const uint64_t *want,
                               const char *const *names, int n, size_t header, uint64_t len,
                               tb_error *err);

/* Fills p (magic, version, byte order, file bytes, the source; checksum 0:
 * vocab_cache_seal once the image is complete). */
void vocab_cache_prefix_put(struct vocab_cache_prefix *p, const char magic[8], uint32_t version,
                            uint64_t file_bytes, const vocab_cache_source *src);
/* Checks the prefix of data[0..len) (magic, version, byte order, size,
 * checksum, a well-formed source identity) and copies the source to *src
 * (src may be NULL). Failure: TB_EINPUT, "compiled vocabulary: ...". */
int vocab_cache_prefix_check(const void *data, size_t len, const char magic[8], uint32_t version,
                             vocab_cache_source *src, tb_error *err);
#endif

#ifdef BPE_INTERNAL
struct bpe;

/* The file image of m (built by a loader: bpe_pairs_done done) into *out
 * (malloc'd, *len bytes). */
int vocab_cache_image(const struct bpe *m, const vocab_cache_source *src, uint8_t **out,
                      size_t *len, tb_error *err);
/* Checks any bytes data[0..len) (data 64-byte aligned) as a file image and
 * on success makes *out, a model whose tables point into data (map set to
 * data, map_len 0: bpe_free leaves data alone; the caller keeps it alive),
 * and *src. Failure: TB_EINPUT saying what is wrong. */
int vocab_cache_parse(const void *data, size_t len, vocab_cache_source *src, struct bpe **out,
                      tb_error *err);
#endif

#endif
