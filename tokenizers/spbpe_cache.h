/* spbpe_cache.h - the compiled form of a SentencePiece-style BPE model of a
 * tokenizer.json (spbpe.h: hf:gemma3, hf:llama2, ...): every table of
 * struct spbpe (spbpe_impl.h) written once into the cache folder and
 * memory-mapped on later loads, through the same hook, file names and trust
 * rules as the byte-level BPE form (vocab_cache.h: vocab_cache_new picks
 * the reader by the magic). Unigram and WordPiece models of a tokenizer.json
 * are not compiled (spbpe_cache_image refuses them: not cached).
 *
 * Format `tokbench-spbpe 1` (SPBPE_CACHE_VERSION), native little-endian,
 * every section at a multiple of 64 bytes:
 *   header (struct spbpe_cache_header in spbpe_cache.c, 1656 bytes): the
 *     200-byte prefix of vocab_cache.h (magic "TBSPBPE\n", version, byte
 *     order, file bytes, checksum of bytes [32, end), the source's size,
 *     dev, inode, mtime, ctime, sha256, loader); u32 n_ids, flags (1
 *     byte_fallback, 2 fuse_unk, 4 ignore_merges, 8 has_unk, 16 split_meta,
 *     32 has_decoder, 64 whole), unk_id, prefix_len, suffix_len, 0; u64
 *     arena bytes, vmask, pmask; u64 nocut[4]; prefix[64], suffix[64]
 *     (NUL-padded); u32 byte_tok[256]; 14 sections {u64 offset, u64 bytes}:
 *     arena, voff (u64 x n_ids), vlen (u32), invocab (u8), doff (u64), dlen
 *     (u32), defined (u8), isfb (u8), vslot (u32 x vmask + 1), pairs (16-byte
 *     {key, rank, merged} x pmask + 1), bmp (u32 x 65536), whole (u8 x n_ids
 *     with flag 64, else empty), stages, added;
 *   stages: u32 count + per normalizer u32 kind, flags, left, right, clean,
 *     chinese, accents, lower, then three strings pat, rep, charsmap blob
 *     (charsmap.h); u32 count + per pre-tokenizer u32 kind, behavior,
 *     invert, prepend, split, string pat; u32 count + per decoder u32 kind,
 *     cp, prepend, cleanup, u64 start, stop, strings pat, rep. A string is
 *     u32 length (UINT32_MAX: none) and its bytes;
 *   added: the raw and the normalized added-token sets, each u32 count +
 *     per entry u32 id and a string (rebuilt into their hashes on load).
 *
 * Trust, beyond the prefix (vocab_cache.h): every table invariant the
 * encoder and decoder rely on - ids in range and model vocab entries where
 * a lookup can return them, strings inside the arena, a vocab entry not
 * empty, a free slot in both hashes, affixes of at most 64 bytes and none
 * with split_meta, stage kinds and options the loader can make (a Replace
 * or Split pattern not empty, a Metaspace replacement one character, a
 * valid Strip character), valid UTF-8 in every stage and added string, no
 * trailing bytes. That a merge's token is the bytes of its pair, or a hash
 * slot the place of its key, is the checksum's to guard (the encoder stays
 * in bounds either way). Bump SPBPE_CACHE_VERSION whenever struct spbpe's
 * tables or the loader's output change meaning. */
#ifndef SPBPE_CACHE_H
#define SPBPE_CACHE_H

#include <stddef.h>
#include <stdint.h>

#include "../common/tb.h"
#define VOCAB_CACHE_INTERNAL
#include "vocab_cache.h"

#define SPBPE_CACHE_VERSION 1

struct spbpe;

/* The magic of the format, for vocab_cache_new's dispatch. */
extern const char spbpe_cache_magic[8];

/* 1 when m has a compiled form (a BPE model, not Unigram or WordPiece). */
int spbpe_cache_supported(const struct spbpe *m);

/* The file image of m (made by spbpe_new_from_json) into *out (malloc'd,
 * *len bytes). A Unigram or WordPiece model fails (TB_EINPUT). */
int spbpe_cache_image(const struct spbpe *m, const vocab_cache_source *src, uint8_t **out,
                      size_t *len, tb_error *err);
/* Checks any bytes data[0..len) (data 64-byte aligned) as a file image and
 * on success makes *out, a model whose tables point into data (the caller
 * keeps it alive, or hands it over with spbpe_cache_own_map), and *src (may
 * be NULL). Failure: TB_EINPUT, "compiled vocabulary: ...". */
int spbpe_cache_parse(const void *data, size_t len, vocab_cache_source *src, struct spbpe **out,
                      tb_error *err);
/* From now on freeing m unmaps its data[0..len) (a mapping of len bytes). */
void spbpe_cache_own_map(struct spbpe *m, size_t len);

#endif
