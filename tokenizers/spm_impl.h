/* spm_impl.h - the loaded SentencePiece model that spm.c (the reader, the
 * normalizer, Unigram) and spm_bpe.c (the BPE encoder) share; private to
 * tokenizers/. The state is immutable once spm_tokenizer_from_data has
 * built it. */
#ifndef SPM_IMPL_H
#define SPM_IMPL_H

#include <stddef.h>
#include <stdint.h>

#include "../common/tb.h"
#include "charsmap.h"
#include "piece_trie.h"

enum { SPM_NORMAL = 1, SPM_UNKNOWN = 2, SPM_CONTROL = 3, SPM_USER = 4, SPM_UNUSED = 5,
       SPM_BYTE = 6 };

/* trainer_spec.model_type values read (WORD = 3 and CHAR = 4 are refused) */
enum { SPM_MODEL_UNIGRAM = 1, SPM_MODEL_BPE = 2 };

typedef struct spm_piece {
    uint32_t off, len;      /* bytes in spm_state.text */
    float score;
    uint8_t type;           /* SPM_* */
} spm_piece;

typedef struct spm_state {
    char *text;             /* every piece's bytes, owned */
    spm_piece *pieces;      /* n, in id order */
    size_t n;
    int model_type;         /* SPM_MODEL_* */
    /* trie over the NORMAL, USER_DEFINED and UNUSED pieces */
    piece_trie trie;
    int32_t unk_id;
    int32_t byte_id[256];   /* the <0xNN> piece of each byte, or unk_id */
    float min_score, max_score;   /* over NORMAL pieces (SentencePiece's inits) */
    int byte_fallback, add_dummy_prefix, remove_extra_ws, escape_ws, ws_suffix;
    int has_unused;         /* some piece is UNUSED (BPE then splits merges into them) */
    charsmap cmap;          /* precompiled_charsmap */
    char unk_surface[64];
    char norm_name[64];
} spm_state;

/* The length of the UTF-8 character whose lead byte is c, as SentencePiece
 * counts it (a stray continuation byte is one character). */
static inline size_t spm_one_char_len(unsigned char c)
{
    return (size_t)("\1\1\1\1\1\1\1\1\1\1\1\1\2\2\3\4"[c >> 4]);
}

/* The longest user-defined piece that starts text[0..n), or 0. */
size_t spm_user_match(const spm_state *s, const char *text, size_t n);

/* BPE over the normalized text nb[0..size) (orig[i]: the input offset of
 * byte i), as SentencePiece's bpe_model.cc and PopulateSentencePieceText do:
 * writes min(cap, total) ids (and offsets when offs) and the total to
 * *n_tokens. */
int spm_bpe_encode(const spm_state *s, const char *nb, const uint32_t *orig, size_t size,
                   uint32_t *ids, uint32_t *offs, size_t cap, size_t *n_tokens, tb_error *err);

#endif
