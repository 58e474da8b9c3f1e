/* bpe_model.h - the byte-level BPE model file: written by the trainer
 * (bpe_trainer_save, tokenizers/bpe_train.c) and by bpe_model_save
 * (tokenizers/bpe.c), read by one reader, bpe_model_data_parse /
 * bpe_model_data_read (bpe_train.h), for the trainer's cache and for
 * `bpe-file:<path>` alike.
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
 * The trainer's cache keeps a time file beside each model (bpe_train.h);
 * bpe-file: never reads it. */
#ifndef BPE_MODEL_H
#define BPE_MODEL_H

#define BPE_MODEL_MAGIC "tokbench-bpe 1"

#endif
