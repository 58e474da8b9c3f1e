/* spm.h - a SentencePiece `.model` file (protobuf ModelProto) read
 * directly, and its Unigram or BPE model encoded exactly as SentencePiece
 * (0.1.97, `spm_encode --output_format=id`) does. Reached through
 * `spm:PATH`. spm.c reads the file, normalizes and runs Unigram; spm_bpe.c
 * runs BPE (spm_impl.h is what they share).
 *
 * The file: ModelProto {1 pieces, 2 trainer_spec, 3 normalizer_spec}, read
 * by a small protobuf wire-format reader (varint, fixed32, fixed64 and
 * length-delimited fields; unknown fields skipped; groups refused).
 *   SentencePiece {1 piece, 2 score (float), 3 type: NORMAL=1, UNKNOWN=2,
 *     CONTROL=3, USER_DEFINED=4, UNUSED=5, BYTE=6}
 *   TrainerSpec {3 model_type (UNIGRAM=1, BPE=2; WORD, CHAR refused),
 *     24 treat_whitespace_as_suffix, 35 byte_fallback, 44 unk_surface}
 *   NormalizerSpec {1 name, 2 precompiled_charsmap, 3 add_dummy_prefix,
 *     4 remove_extra_whitespaces, 5 escape_whitespaces} (proto2 defaults:
 *     true, true, true)
 * Errors name the file and the byte offset of the field ("spm model
 * 'm.model': byte 812: piece 3: type 9 is not a SentencePiece type").
 *
 * Encode, as SentencePiece does:
 *   1. normalize: at each position the longest user-defined symbol is kept
 *      as it is; else the longest match in the precompiled_charsmap (a Darts
 *      double-array trie over UTF-8 bytes and a blob of NUL-ended
 *      replacements; at most its first 32 prefix matches are considered);
 *      else one character unchanged. An empty charsmap is the identity, so
 *      every normalizer name (identity, nmt_nfkc, nfkc_cf, a user's TSV
 *      rules) works through its compiled charsmap. remove_extra_whitespaces
 *      drops leading, trailing and repeated spaces (of the normalized text);
 *      add_dummy_prefix puts one space in front (behind with
 *      treat_whitespace_as_suffix); escape_whitespaces turns every space
 *      into U+2581.
 *   2. Unigram: Viterbi over the bytes of the normalized text: every NORMAL piece
 *      scores its score, a USER_DEFINED piece length * max_score - 0.1
 *      (max_score: the largest NORMAL score, at least FLT_MIN), UNUSED
 *      pieces are skipped, and a character that starts no piece of its own
 *      length is the unknown piece, scored min_score - 10. Ties keep the
 *      earlier start (the first candidate found).
 *   2'. BPE (spm_bpe.c has the rules): the text cut into characters and
 *      user-defined symbols (never merged), then the adjacent pair whose
 *      concatenation is the piece of highest score merged, leftmost on
 *      ties, until no pair is a piece; UNUSED pieces split back into the
 *      pair that made them.
 *   3. an unknown piece becomes its UTF-8 bytes as <0xNN> pieces when
 *      byte_fallback is on; otherwise a run of unknown pieces is one unk id.
 * Offsets: a token starts at the original byte its first normalized byte
 * came from; an inserted dummy prefix belongs to byte 0, so offsets are
 * non-decreasing, not strictly increasing.
 *
 * is_fallback: the UNKNOWN piece and the BYTE pieces.
 * Decode: pieces joined, U+2581 as a space, <0xNN> as the byte, CONTROL
 * pieces empty, the unknown piece as unk_surface (" \u2047 " by default), and
 * leading spaces dropped as spm_decode does (the first one with
 * add_dummy_prefix, all while nothing is written with
 * remove_extra_whitespaces). Text that normalization changed does not come
 * back byte-exact; byte pieces that are no valid UTF-8 come back as those
 * bytes (spm_decode writes U+FFFD).
 *
 * The handle is immutable; scratch is per call. */
#ifndef SPM_H
#define SPM_H

#include "../common/tb.h"
#include "tokenizer.h"

/* Builds t from the `.model` file at path (arg of "spm:"). */
int spm_tokenizer_new(tokenizer *t, const char *path, const tokenizer_ctx *ctx, tb_error *err);

/* The same from the bytes data[0..len) of a model; name is the file named
 * in messages. */
int spm_tokenizer_from_data(tokenizer *t, const char *name, const unsigned char *data,
                            size_t len, tb_error *err);

#endif
