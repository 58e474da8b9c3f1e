/* spbpe_impl.h - the model behind an spbpe tokenizer handle (spbpe.h),
 * shared by the loader and encoder (spbpe.c) and its compiled form
 * (spbpe_cache.c); private to tokenizers/. */
#ifndef SPBPE_IMPL_H
#define SPBPE_IMPL_H

#include <stddef.h>
#include <stdint.h>

#include "../common/tb.h"
#include "charsmap.h"
#include "tokenizer.h"
#include "unigram.h"
#include "wordpiece.h"

#define SP_NONE UINT32_MAX
#define SP_MAX_AFFIX 64     /* longest continuing_subword_prefix / end_of_word_suffix */
#define SP_MAX_STAGES 32    /* normalizers, pre-tokenizers, decoders each */

enum { NORM_REPLACE, NORM_PREPEND, NORM_UNICODE, NORM_PRECOMPILED, NORM_STRIP, NORM_BERT,
       NORM_LOWER, NORM_STRIP_ACCENTS };
struct sp_norm {
    int kind;
    int flags;              /* NORM_UNICODE: utf8proc options */
    char *pat, *rep;        /* owned; Replace: pattern -> rep; Prepend: rep */
    size_t plen, rlen;
    charsmap cmap;          /* Precompiled */
    int left, right;        /* Strip */
    int clean, chinese, accents, lower;   /* BertNormalizer */
};

enum { PRE_METASPACE, PRE_SPLIT, PRE_WSSPLIT, PRE_BERT, PRE_PUNCT, PRE_DIGITS, PRE_WHITESPACE };
enum { SPLIT_REMOVED, SPLIT_ISOLATED, SPLIT_PREV, SPLIT_NEXT, SPLIT_CONTIG };
enum { PREPEND_ALWAYS, PREPEND_FIRST, PREPEND_NEVER };
struct sp_pre {
    int kind;
    char *pat;              /* owned; Split: the String; Metaspace: replacement */
    size_t plen;
    int behavior, invert;   /* Split */
    int prepend, split;     /* Metaspace */
};

enum { DEC_REPLACE, DEC_BYTEFALLBACK, DEC_FUSE, DEC_STRIP, DEC_METASPACE, DEC_WORDPIECE };
struct sp_dec {
    int kind;
    char *pat, *rep;        /* owned; Replace: pat -> rep; Metaspace: pat = replacement */
    size_t plen, rlen;
    int32_t cp;             /* Strip: the content character */
    size_t start, stop;     /* Strip: at most this many from each end */
    int prepend;            /* Metaspace */
    int cleanup;            /* WordPiece (pat: the prefix) */
};

/* A set of added-token strings, matched leftmost-longest. */
struct sp_match {
    uint32_t *id;           /* (n) token id of string k */
    uint8_t **str;          /* (n) owned strings */
    uint32_t *len;          /* (n) */
    size_t n, cap;
    uint32_t *slot;         /* open addressing: k + 1, 0 empty; mask + 1 slots */
    size_t mask;
    uint32_t *lens;         /* distinct lengths, longest first */
    size_t n_lens;
    uint64_t first[4];      /* bit per first byte */
};

struct mpair {
    uint64_t key;           /* a << 32 | b; UINT64_MAX empty */
    uint32_t rank, merged;
};

/* The immutable model behind an spbpe tokenizer handle. */
struct spbpe {
    uint32_t n_ids;             /* vocab_size: largest id + 1 */
    uint8_t *arena;             /* every string */
    size_t n_arena, cap_arena;
    size_t *voff;               /* (n_ids) model vocab string of id */
    uint32_t *vlen;             /* (n_ids) */
    uint8_t *invocab;           /* (n_ids) 1: a model vocab entry */
    size_t *doff;               /* (n_ids) decode string (added content first) */
    uint32_t *dlen;
    uint8_t *defined;           /* (n_ids) 0: a hole */
    uint8_t *isfb;              /* (n_ids) unk or byte-fallback token */
    uint32_t *vslot;            /* vocab hash: id + 1, 0 empty */
    size_t vmask;
    struct mpair *pairs;        /* merges hash */
    size_t pmask;
    uint32_t byte_tok[256];     /* <0xNN> ids, SP_NONE when missing */
    int byte_fallback, fuse_unk, ignore_merges;
    uint32_t unk_id;            /* SP_NONE: no unk_token (or not in vocab) */
    int has_unk;                /* unk_token given */
    char prefix[SP_MAX_AFFIX + 1], suffix[SP_MAX_AFFIX + 1];
    size_t prefix_len, suffix_len;
    struct sp_norm norm[SP_MAX_STAGES];
    size_t n_norm;
    struct sp_pre pre[SP_MAX_STAGES];
    size_t n_pre;
    struct sp_dec dec[SP_MAX_STAGES];
    size_t n_dec;
    int has_decoder;
    struct sp_match raw_added, norm_added;
    unigram *uni;               /* model Unigram */
    wordpiece *wp;              /* model WordPiece (neither: BPE) */
    /* BPE pieces: a word is merged piece by piece, cut before each run of
     * U+2581, when no merge can join across such a cut (split_meta, set by
     * meta_cuts_check); nocut: bit per byte that ends a merge's left side
     * whose right side starts with U+2581 (no cut after such a byte). */
    int split_meta;
    uint64_t nocut[4];
    uint32_t *bmp;              /* (0x10000) vocab id of each BMP character alone, SP_NONE */
    uint8_t *whole;             /* (n_ids) or NULL: see whole_check */
    /* a model of a compiled file (spbpe_cache.h): the tables above (arena
     * to whole) point into map, which is unmapped on free when map_len > 0;
     * NULL: they are malloc'd */
    void *map;
    size_t map_len;
};

/* Hands m to t (ops, state, vocab_size). */
void spbpe_attach(tokenizer *t, struct spbpe *m);
/* The model of a handle spbpe made, else NULL (another scheme). */
const struct spbpe *spbpe_of(const tokenizer *t);
/* Frees m and everything it owns (a mapped model: the mapping when
 * map_len > 0, nothing of the tables inside it). */
void spbpe_model_free(struct spbpe *m);
/* An added-token set, as the loader builds it: add the strings (copied),
 * then index once. */
int spbpe_match_add(struct sp_match *s, uint32_t id, const uint8_t *p, size_t n, tb_error *err);
int spbpe_match_index(struct sp_match *s, tb_error *err);

#endif
