/* tokenizer.h - the one interface every tokenization scheme implements.
 *
 * A tokenizer is an immutable handle built from a spec string by
 * tokenizer_new. Encoding and decoding write into caller-owned buffers, so one
 * handle may serve many threads. Every scheme round-trips:
 * decode(encode(x)) == x for any valid UTF-8 x.
 *
 * Specs (DESIGN.md "Tokenizer interface"):
 *   bytes       one token per UTF-8 byte; id = byte value; |V| = 256
 *   chars       one token per code point; id = code point; |V| = 0x110000,
 *               the whole code space (no training, nothing unknown)
 *   graphemes   one token per extended grapheme cluster (utf8proc); the
 *               vocabulary is every cluster of the train split of the
 *               context's corpus and language; a cluster not in it is
 *               encoded as its UTF-8 bytes (ids 0..255), counted as fallback
 *   spm:PATH    a SentencePiece .model file with a Unigram or BPE model, encoded
 *               as SentencePiece does (spm.h)
 *   cmd:COMMAND an external program (run with /bin/sh -c) that reads lines on
 *               stdin and prints one line of space-separated ids per input
 *               line; no offsets, no decode; |V| = largest id seen + 1. With
 *               a corpus in the context, every segment of the language is
 *               encoded in one batch at construction. Crashes, non-zero exit,
 *               wrong line counts and non-numeric output are errors naming
 *               the language. Each run may take TOKBENCH_CMD_TIMEOUT
 *               seconds (default 60, 0 none; read at construction) before
 *               its process group is killed (TB_EINPUT). The program gets
 *               TOKBENCH_LANG (the language code, "joint" for joint:) and
 *               TOKBENCH_CORPUS (the corpus name) in its environment when
 *               they are known.
 *   cmd:NAME=COMMAND  the same, named: the handle's name is "cmd:NAME"
 *               (NAME: [a-z0-9][a-z0-9._-]*, at most 64 bytes; cmd.h has
 *               the exact rule and cmd:=COMMAND for a command that starts
 *               with WORD=)
 */
#ifndef TOKENIZER_H
#define TOKENIZER_H

#include <stddef.h>
#include <stdint.h>

#include "../common/tb.h"

struct corpus;

typedef struct tokenizer tokenizer;

/* Where a scheme that learns from data gets it. */
typedef struct tokenizer_ctx {
    const struct corpus *corpus;  /* corpus to train on (train split), or NULL */
    int lang;                     /* language index in corpus, or -1 for joint */
    const char *cache_dir;        /* folder for trained models (build/cache), or NULL */
    double *s_train;              /* out, or NULL. A scheme trained on corpus (bpe:N)
                                     sets it to the seconds that training took: wall
                                     time measured here, or for a model from cache_dir
                                     the seconds measured when it was trained. Other
                                     schemes leave it alone: set it to 0 before the
                                     call; 0 (or < 0) = not trained here. */
    const char *lang_code;        /* without a corpus: the language the text is in
                                     ("ru"; given to cmd: programs as TOKBENCH_LANG),
                                     or NULL; with a corpus, unused */
    char *vocab_note;             /* out, or NULL: (vocab_note_cap bytes) one line on what
                                     the compiled-vocabulary cache under cache_dir did for
                                     a tiktoken:, hf: or bpe-file: spec ("loaded ...",
                                     "built ...", "rebuilt ...: why"); "" when it was
                                     not involved (tokenizers/vocab_cache.h) */
    size_t vocab_note_cap;
    int no_train;                 /* 1: a trained scheme (bpe:N) not in cache_dir fails
                                     (TB_EINPUT) saying to run `tokbench prepare`, instead
                                     of training (a shard of a sharded run) */
} tokenizer_ctx;

/* Builds a tokenizer from spec. An unknown spec, or a scheme that needs a
 * corpus when ctx has none, fails with TB_EINPUT (exit 3: DESIGN.md counts an
 * unknown spec as bad input) and a message that lists the known schemes. */
int tokenizer_new(const char *spec, const tokenizer_ctx *ctx, tokenizer **out, tb_error *err);
void tokenizer_free(tokenizer *t);

/* The name its rows carry: the spec it was built from ("graphemes",
 * "joint:bpe:8k"), except that a named cmd:NAME=COMMAND is "cmd:NAME"
 * ("joint:cmd:NAME"). */
const char *tokenizer_name(const tokenizer *t);

/* The name tokenizer_new(spec) would give its handle, without building it
 * (to refuse two specs with one name before any work). Writes up to cap
 * bytes with a NUL, cut when it does not fit; returns the full length. */
size_t tokenizer_spec_name(const char *spec, char *out, size_t cap);
size_t tokenizer_vocab_size(const tokenizer *t);

/* Encodes valid UTF-8 text[0..len) (len < 2^32). Writes up to cap ids, and
 * when offs is not NULL the byte offset where each token starts (token i
 * covers [offs[i], offs[i+1]) and the last one ends at len). *n_tokens gets
 * the number of tokens, which may exceed cap: then nothing beyond cap was
 * written and the caller retries with a larger buffer. Invalid UTF-8 fails
 * with TB_EINPUT naming the byte offset. */
int tokenizer_encode(const tokenizer *t, const char *text, size_t len, uint32_t *ids,
                     uint32_t *offs, size_t cap, size_t *n_tokens, tb_error *err);

/* Decodes ids to bytes: writes up to cap bytes to out and the full length to
 * *n_bytes (retry when it exceeds cap). An id outside the vocabulary fails
 * with TB_EINPUT naming its position. */
int tokenizer_decode(const tokenizer *t, const uint32_t *ids, size_t n, char *out, size_t cap,
                     size_t *n_bytes, tb_error *err);

/* 1 when encode reports byte offsets (every built-in scheme; not cmd:). */
int tokenizer_has_offsets(const tokenizer *t);
/* 1 when decode works (every built-in scheme; not cmd:). */
int tokenizer_can_decode(const tokenizer *t);

/* 1 when id is a fallback/unknown token (counted by unk_rate). */
int tokenizer_is_fallback(const tokenizer *t, uint32_t id);

/* The bytes of one token, for --pieces. Writes up to cap bytes, returns the
 * full length in *n_bytes. */
int tokenizer_piece(const tokenizer *t, uint32_t id, char *out, size_t cap, size_t *n_bytes,
                    tb_error *err);

/* The vocabulary file a spec reads, for the run manifest. */
typedef struct tokenizer_vocab {
    char path[4096];    /* as opened; "" when the spec reads no file (bytes, bpe:N, ...) */
    uint64_t size;      /* bytes */
    char sha256[65];    /* lower-case hex of the whole file; "" without a file */
    int verified;       /* 1: a packaged name whose size and sha256 matched
                           tokenizers/vocab_files.c; 0: a user's file, hashed only */
} tokenizer_vocab;

/* Resolves the file of spec ("joint:" ignored): tiktoken:NAME and hf:NAME
 * (the packaged files, checked as the loaders check them: a mismatch fails
 * with TB_EINPUT naming the file, both sizes and hashes and how to
 * reinstall), tiktoken:PRESET:PATH, hf:PATH and bpe-file:PATH (hashed, not
 * checked). Other specs: TB_OK with an empty path. A missing file fails with
 * TB_EINPUT naming it. */
int tokenizer_vocab_file(const char *spec, tokenizer_vocab *out, tb_error *err);

/* Comma-separated list of the known schemes, for help and error messages. */
const char *tokenizer_schemes(void);

#endif
