/* tokenizer_impl.h - what a scheme implements; private to tokenizers/. */
#ifndef TOKENIZER_IMPL_H
#define TOKENIZER_IMPL_H

#include "tokenizer.h"

struct tokenizer_ops {
    const char *scheme;
    /* Same contracts as the public functions; input already validated. */
    int (*encode)(const tokenizer *t, const char *text, size_t len, uint32_t *ids,
                  uint32_t *offs, size_t cap, size_t *n_tokens, tb_error *err);
    /* Appends the bytes of token id to out[0..cap) at *pos, advancing *pos
     * even past cap. Returns TB_EINPUT for an id out of range. */
    int (*piece)(const tokenizer *t, uint32_t id, char *out, size_t cap, size_t *pos,
                 tb_error *err);
    /* Decodes a whole sequence (ids already range-checked), for schemes whose
     * text is not the concatenation of their pieces (a decoder that strips
     * a leading space or joins byte tokens). NULL: decode appends piece by
     * piece. */
    int (*decode)(const tokenizer *t, const uint32_t *ids, size_t n, char *out, size_t cap,
                  size_t *n_bytes, tb_error *err);
    int (*is_fallback)(const tokenizer *t, uint32_t id);
    void (*free)(tokenizer *t);
    /* 1 when encode cannot report byte offsets (an external command): offs
     * must then be NULL. piece may be NULL: the scheme cannot decode. */
    int no_offsets;
};

struct tokenizer {
    const struct tokenizer_ops *ops;
    char *name;             /* the spec, owned */
    size_t vocab_size;
    void *state;            /* scheme-owned, immutable after construction */
};

/* For ops->piece: copies the part of bytes[0..n) that fits below cap to
 * out + *pos and advances *pos by n (even past cap), so a decode into a short
 * buffer still learns the full length. */
void tokenizer_append(char *out, size_t cap, size_t *pos, const void *bytes, size_t n);

/* The cache folder of a scheme trained on corpus c, language lang (-1:
 * joint): <cache_dir>/<manifest hash>/<lang|joint> into dir. -1 without a
 * cache (cache_dir NULL or "") or when the path does not fit: the scheme
 * then trains every time. */
struct corpus;
int tokenizer_cache_folder(const char *cache_dir, const struct corpus *c, int lang, char *dir,
                           size_t cap);

/* The refusal of a trained or counted scheme that a shard (ctx->no_train)
 * finds missing from the cache: TB_EINPUT, "not in the cache yet (WHERE; a
 * shard never trains or counts its own copy): run 'tokbench prepare' with
 * the same -c and -t first", for the scheme to prefix with its spec. where
 * names the file or folder looked at (or says there is no cache folder). */
int tokenizer_fail_unprepared(tb_error *err, const char *where);

/* Scheme constructors (called by the factory in tokenizer.c). */
int bytes_tokenizer_new(tokenizer *t, tb_error *err);
int chars_tokenizer_new(tokenizer *t, tb_error *err);
int graphemes_tokenizer_new(tokenizer *t, const tokenizer_ctx *ctx, tb_error *err);
/* arg: the spec after "cmd:" (cmd.h) */
int cmd_tokenizer_new(tokenizer *t, const char *arg, const tokenizer_ctx *ctx, tb_error *err);

#endif
