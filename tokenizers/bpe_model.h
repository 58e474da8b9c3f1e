/* bpe_model.h - the byte-level BPE model file: its one writer,
 * bpe_model_write (used by the trainer's bpe_trainer_save and by bpe.h's
 * bpe_model_save), and its one reader, bpe_model_data_read /
 * bpe_model_data_parse (used by the bpe: cache of bpe_cache.h and by
 * `bpe-file:<path>` alike).
 *
 * Text, '\n' line ends (the last line too), nothing after the last line:
 *
 *     tokbench-bpe 1
 *     pretok <preset>                 (a pretok.h preset name: gpt2, cl100k, ...;
 *                                      1-63 characters of [A-Za-z0-9_.-])
 *     vocab <N>                       (256 <= N <= 1,000,000)
 *     <rank> <hex bytes>              (N lines, ranks 0..N-1 in order, decimal)
 *
 * Ranks 0..255 are the 256 single bytes in byte order ("0 00" .. "255 ff");
 * rank r > 255 is a byte string of 2 to BPE_MODEL_MAX_TOKEN bytes, all
 * distinct, each the concatenation of two earlier entries (the merge that
 * made it). Hex is written lower-case; either case is read. Token id = rank.
 * Encoding follows tiktoken's rule: split with the preset, then in each piece
 * repeatedly merge the adjacent pair whose concatenation has the lowest rank
 * (leftmost on ties); a piece that is itself a token is one token.
 *
 * Errors (TB_EINPUT, exit status 3 from the CLI) name the file and line:
 * "bpe model 'm.model': line 260: rank 257 where 256 was expected"; for
 * bpe-file: an unknown preset is "bpe model 'm.model': line 2: unknown
 * pre-tokenizer preset 'x' ...".
 *
 * The bpe: cache keeps a time file beside each model (bpe_cache.h);
 * bpe-file: never reads it. */
#ifndef BPE_MODEL_H
#define BPE_MODEL_H

#include <stddef.h>
#include <stdint.h>

#include "../common/tb.h"

#define BPE_MODEL_MAGIC "tokbench-bpe 1"
/* Largest vocabulary a model file may declare. */
#define BPE_MODEL_MAX_VOCAB 1000000
/* Longest token a model file may hold, in bytes (a sanity bound for the
 * reader; trained tokens are pieces of real text). */
#define BPE_MODEL_MAX_TOKEN 65535

/* 1 when s is a spelling the file allows for a preset (1-63 characters of
 * [A-Za-z0-9_.-]), else 0. Whether pretok.h knows it is not checked. */
int bpe_model_preset_name_ok(const char *s);

/* A parsed, validated model: token k's bytes are bytes[off[k]..off[k+1]). */
typedef struct bpe_model_data {
    char pretok[64];        /* preset name */
    size_t n;               /* vocabulary size */
    uint8_t *bytes;         /* all token bytes, concatenated in id order */
    size_t *off;            /* n + 1 offsets */
} bpe_model_data;

/* The one reader: parses and validates the header lines, ranks 0..N-1 in
 * order, hex of even length, ranks 0..255 the single bytes, every later
 * entry distinct and the concatenation of two earlier entries, nothing after
 * the last entry. The preset is checked for its spelling only (bpe-file:
 * then looks it up). Errors are TB_EINPUT "bpe model 'PATH': line L: ..."
 * (a missing file: "cannot open 'PATH'"). */
int bpe_model_data_read(const char *path, bpe_model_data *out, tb_error *err);
/* The same over a buffer; name is used in messages. */
int bpe_model_data_parse(const char *name, const char *data, size_t len, bpe_model_data *out,
                         tb_error *err);
void bpe_model_data_release(bpe_model_data *m);

/* The one writer: the file for tokens tok[r][0..len[r]) of rank r < n and
 * preset, written atomically (afile) to path. The text is read back with
 * bpe_model_data_parse first and nothing is written when it fails, so every
 * file written is one the reader accepts; errors are the reader's, or name
 * the path ("bpe model 'PATH': write failed"). */
int bpe_model_write(const char *path, const char *preset, const uint8_t *const *tok,
                    const size_t *len, size_t n, tb_error *err);

#endif
