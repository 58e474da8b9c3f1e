/* tokenizer.c - the factory (spec string -> scheme constructor) and the
 * public entry points, which validate input once so that schemes only ever
 * see valid UTF-8 and in-range ids. */
#include "tokenizer_impl.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../common/utf8.h"
#include "../corpora/corpus.h"
#include "bpe.h"
#include "bpe_cache.h"
#include "cmd.h"
#include "spm.h"
#include "symbol.h"
#include "vocab_cache.h"

/* Every constructor in the table has this shape: arg is the part of the spec
 * after the prefix ("" for an exact name such as "bytes"). */
typedef int (*scheme_new_fn)(tokenizer *t, const char *arg, const tokenizer_ctx *ctx,
                             tb_error *err);

static int new_bytes(tokenizer *t, const char *arg, const tokenizer_ctx *ctx, tb_error *err)
{
    return bytes_tokenizer_new(t, err);
}

static int new_chars(tokenizer *t, const char *arg, const tokenizer_ctx *ctx, tb_error *err)
{
    return chars_tokenizer_new(t, err);
}

static int new_graphemes(tokenizer *t, const char *arg, const tokenizer_ctx *ctx, tb_error *err)
{
    return graphemes_tokenizer_new(t, ctx, err);
}

static int new_spm(tokenizer *t, const char *arg, const tokenizer_ctx *ctx, tb_error *err)
{
    return spm_tokenizer_new(t, arg, ctx, err);
}

static int new_cmd(tokenizer *t, const char *arg, const tokenizer_ctx *ctx, tb_error *err)
{
    return cmd_tokenizer_new(t, arg, ctx, err);
}

/* A prefix ending in ':' matches every spec that starts with it and passes
 * the rest as arg ("bpe:" + "32000"); any other prefix must match the whole
 * spec. vocab: the scheme loads a vocabulary file, and goes through the
 * compiled-vocabulary cache (vocab_cache.h). Keep k_schemes_list in step
 * with this table. */
static const struct {
    const char *prefix;
    scheme_new_fn make;
    int vocab;
} k_schemes[] = {
    {"bytes", new_bytes, 0},
    {"chars", new_chars, 0},
    {"graphemes", new_graphemes, 0},
    {"tiktoken:", bpe_tiktoken_new, 1},
    {"hf:", bpe_hf_new, 1},
    {"bpe-file:", bpe_file_new, 1},
    {"bpe:", bpe_cache_tokenizer_new, 0},
    {"spm:", new_spm, 0},
    {"cmd:", new_cmd, 0},
    {"symbol:", symbol_scheme_new, 0},
    {"symbol-stem:", symbol_stem_scheme_new, 0},
    {"symbol-space:", symbol_space_scheme_new, 0},
};

static const char k_schemes_list[] = "bytes, chars, graphemes, tiktoken:NAME, hf:NAME|PATH, bpe-file:PATH, bpe:N[:PRESET], spm:PATH, cmd:[NAME=]COMMAND, symbol:V, symbol-stem:V, symbol-space:V, joint:SPEC";

const char *tokenizer_schemes(void)
{
    return k_schemes_list;
}

int tokenizer_new(const char *spec, const tokenizer_ctx *ctx, tokenizer **out, tb_error *err)
{
    *out = NULL;
    static const tokenizer_ctx no_ctx = {.corpus = NULL, .lang = -1, .cache_dir = NULL};
    if (!ctx)
        ctx = &no_ctx;
    /* "joint:SPEC" trains SPEC on every language of the corpus at once
     * (lang -1) whatever language it then encodes; the name keeps the
     * prefix so results tell the two apart. */
    tokenizer_ctx joint_ctx;
    const char *full_spec = spec;
    if (strncmp(spec, "joint:", 6) == 0) {
        joint_ctx = *ctx;
        joint_ctx.lang = -1;
        ctx = &joint_ctx;
        spec += 6;
    }
    scheme_new_fn make = NULL;
    const char *arg = "";
    int vocab = 0;
    for (size_t i = 0; i < sizeof k_schemes / sizeof k_schemes[0] && !make; i++) {
        const char *p = k_schemes[i].prefix;
        size_t pl = strlen(p);
        if (pl > 0 && p[pl - 1] == ':') {
            if (strncmp(spec, p, pl) == 0) {
                make = k_schemes[i].make;
                arg = spec + pl;
                vocab = k_schemes[i].vocab;
            }
        } else if (strcmp(spec, p) == 0) {
            make = k_schemes[i].make;
        }
    }
    if (!make)
        return tb_fail(err, TB_EINPUT, "unknown tokenizer spec '%s' (known: %s)", spec,
                       k_schemes_list);
    tokenizer *t = tb_calloc(1, sizeof *t, err);
    if (!t)
        return TB_EINPUT;
    size_t nlen = tokenizer_spec_name(full_spec, NULL, 0);
    t->name = malloc(nlen + 1);
    if (t->name)
        tokenizer_spec_name(full_spec, t->name, nlen + 1);
    if (!t->name) {
        free(t);
        return tb_fail(err, TB_EINPUT, "out of memory");
    }
    int rc = vocab ? vocab_cache_new(t, spec, make, arg, ctx, err) : make(t, arg, ctx, err);
    if (rc != TB_OK) {
        /* A failing constructor has released its own state. */
        free(t->name);
        free(t);
        return rc;
    }
    *out = t;
    return TB_OK;
}

void tokenizer_free(tokenizer *t)
{
    if (!t)
        return;
    if (t->ops && t->ops->free)
        t->ops->free(t);
    free(t->name);
    free(t);
}

const char *tokenizer_name(const tokenizer *t)
{
    return t->name;
}

size_t tokenizer_spec_name(const char *spec, char *out, size_t cap)
{
    size_t pre = strncmp(spec, "joint:", 6) == 0 ? 6 : 0, n = strlen(spec);
    const char *name = NULL;
    size_t name_len = 0;
    if (strncmp(spec + pre, "cmd:", 4) == 0) {
        const char *command;
        cmd_spec_split(spec + pre + 4, &name, &name_len, &command);
    }
    if (name_len) /* "joint:" + "cmd:" + NAME */
        n = pre + 4 + name_len;
    if (cap) {
        size_t k = n < cap ? n : cap - 1, head = pre + 4 < k ? pre + 4 : k;
        memcpy(out, spec, name_len ? head : k);
        if (name_len && k > head)
            memcpy(out + head, name, k - head);
        out[k] = '\0';
    }
    return n;
}

size_t tokenizer_vocab_size(const tokenizer *t)
{
    return t->vocab_size;
}

/* Byte positions in messages count from 1, like the columns of an editor
 * ("invalid UTF-8 at byte 5" is the fifth byte). */
int tokenizer_encode(const tokenizer *t, const char *text, size_t len, uint32_t *ids,
                     uint32_t *offs, size_t cap, size_t *n_tokens, tb_error *err)
{
    *n_tokens = 0;
    if (len >= (size_t)1 << 32)
        return tb_fail(err, TB_EINPUT, "text of %zu bytes is too long to encode (limit 2^32 - 1)",
                       len);
    size_t bad;
    if (!utf8_valid(text, len, &bad))
        return tb_fail(err, TB_EINPUT, "invalid UTF-8 at byte %zu", bad + 1);
    if (offs && t->ops->no_offsets)
        return tb_fail(err, TB_EUSAGE, "tokenizer '%s' cannot report byte offsets", t->name);
    return t->ops->encode(t, text, len, ids, offs, cap, n_tokens, err);
}

/* Token positions in messages count from 1. */
int tokenizer_decode(const tokenizer *t, const uint32_t *ids, size_t n, char *out, size_t cap,
                     size_t *n_bytes, tb_error *err)
{
    *n_bytes = 0;
    if (!t->ops->piece)
        return tb_fail(err, TB_EINPUT, "tokenizer '%s' cannot decode (external command)",
                       t->name);
    size_t pos = 0;
    if (t->ops->decode) {
        for (size_t i = 0; i < n; i++)
            if (ids[i] >= t->vocab_size)
                return tb_fail(err, TB_EINPUT,
                               "token %zu: id %u out of range (vocabulary size %zu)", i + 1,
                               ids[i], t->vocab_size);
        return t->ops->decode(t, ids, n, out, cap, n_bytes, err);
    }
    for (size_t i = 0; i < n; i++) {
        if (ids[i] >= t->vocab_size)
            return tb_fail(err, TB_EINPUT, "token %zu: id %u out of range (vocabulary size %zu)",
                           i + 1, ids[i], t->vocab_size);
        int rc = t->ops->piece(t, ids[i], out, cap, &pos, err);
        if (rc != TB_OK) {
            tb_wrap(err, "token %zu: ", i + 1);
            return rc;
        }
    }
    *n_bytes = pos;
    return TB_OK;
}

int tokenizer_has_offsets(const tokenizer *t)
{
    return !t->ops->no_offsets;
}

int tokenizer_can_decode(const tokenizer *t)
{
    return t->ops->piece != NULL;
}

int tokenizer_is_fallback(const tokenizer *t, uint32_t id)
{
    return t->ops->is_fallback ? t->ops->is_fallback(t, id) : 0;
}

void tokenizer_append(char *out, size_t cap, size_t *pos, const void *bytes, size_t n)
{
    if (*pos < cap && n) {
        size_t room = cap - *pos;
        memcpy(out + *pos, bytes, n < room ? n : room);
    }
    *pos += n;
}

int tokenizer_piece(const tokenizer *t, uint32_t id, char *out, size_t cap, size_t *n_bytes,
                    tb_error *err)
{
    *n_bytes = 0;
    if (!t->ops->piece)
        return tb_fail(err, TB_EINPUT, "tokenizer '%s' has no pieces (external command)",
                       t->name);
    if (id >= t->vocab_size)
        return tb_fail(err, TB_EINPUT, "id %u out of range (vocabulary size %zu)", id,
                       t->vocab_size);
    size_t pos = 0;
    int rc = t->ops->piece(t, id, out, cap, &pos, err);
    if (rc == TB_OK)
        *n_bytes = pos;
    return rc;
}

int tokenizer_fail_unprepared(tb_error *err, const char *where)
{
    return tb_fail(err, TB_EINPUT,
                   "not in the cache yet (%s; a shard never trains or counts its own copy): run "
                   "'tokbench prepare' with the same -c and -t first",
                   where);
}

int tokenizer_cache_folder(const char *cache_dir, const corpus *c, int lang, char *dir, size_t cap)
{
    if (!cache_dir || !cache_dir[0])
        return -1;
    const char *lname = lang < 0 ? "joint" : corpus_lang(c, (size_t)lang);
    int dl = snprintf(dir, cap, "%s/%s/%s", cache_dir, corpus_manifest_hash(c), lname);
    return dl < 0 || (size_t)dl >= cap ? -1 : 0;
}
